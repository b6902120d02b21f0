/**
 * The `organization` stream: sites and their support hours, desks (the single
 * entry point of their users), workstation types, users, agents and the
 * support policy. Its state is the `OrganizationView` every other decision
 * reads.
 *
 * Who may change the organisation: a `manager` who is an active enrolled
 * manager; while no manager is active (bootstrap: the very beginning, or after
 * the last manager was retired) the `system` actor, and any `manager` actor,
 * may act so that a new organisation can be set up and can never be locked.
 *
 * The rules are stated once, over events (`checkOrganizationEvent`): `decide`
 * turns a command into its event and checks it; `checkOrganizationHistory`
 * re-checks recorded events with the same rules.
 */
import { type Either, left, right } from 'fp-ts/lib/Either.js'
import { type Duration, durationMinutes, type IsoInstant, instantMs } from './codec.js'
import type { OrganizationCommand } from './commands.js'
import { type Decided, type Decider, type DomainError, domainError } from './decider.js'
import type { Fact } from './envelope.js'
import {
  DEFAULT_QUALITY_THRESHOLDS,
  type EventData,
  type OrganizationEvent,
  type QualityThresholds,
  type WeeklyHours,
} from './events.js'
import {
  type Agent,
  type Desk,
  emptyOrganization,
  type OrganizationView,
  type Site,
  type User,
} from './organization-view.js'
import { type Actor, isSupportStaff, type Role } from './vocabulary.js'

// ---- a persistent map ------------------------------------------------------

interface Revision<V> {
  readonly version: number
  readonly value: V
}
/** The mutable storage shared by all the versions of one line of maps. */
interface Lineage<V> {
  readonly entries: Map<string, Revision<V>[]>
  head: number
}
const ABSENT: unique symbol = Symbol('absent')

const valueAt = <V>(history: readonly Revision<V>[], version: number): V | typeof ABSENT => {
  const last = history[history.length - 1]
  if (last !== undefined && last.version <= version) return last.value
  let lo = 0
  let hi = history.length - 1
  let found: Revision<V> | undefined
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const r = history[mid] as Revision<V>
    if (r.version <= version) {
      found = r
      lo = mid + 1
    } else hi = mid - 1
  }
  return found === undefined ? ABSENT : found.value
}

/**
 * An immutable `ReadonlyMap<string, V>` whose `with` costs O(1) instead of a
 * copy of the whole map: copying a `Map` per event makes folding 10,000
 * `UserRegistered` quadratic (measured: 13.6 s, against milliseconds here).
 *
 * Versions of one line share their storage, each entry keeping its revisions
 * tagged with the version that wrote it; a version reads the latest revision not
 * newer than itself, so older maps never see later writes. Only the newest
 * version writes in place; writing from an older one first copies it (correct,
 * just O(n)), so every map is observably immutable. Insertion order is kept.
 *
 * A class because it implements the built-in `ReadonlyMap` protocol; its state
 * is in private fields, so two maps with the same entries in the same order are
 * `toEqual`.
 */
export class PersistentMap<V> implements ReadonlyMap<string, V> {
  readonly #lineage: Lineage<V> | undefined
  readonly #version: number
  readonly #size: number

  private constructor(lineage: Lineage<V> | undefined, version: number, size: number) {
    this.#lineage = lineage
    this.#version = version
    this.#size = size
  }

  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(undefined, 0, 0)
  }

  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let m = PersistentMap.empty<V>()
    for (const [k, v] of entries) m = m.with(k, v)
    return m
  }

  get size(): number {
    return this.#size
  }

  get(key: string): V | undefined {
    const history = this.#lineage?.entries.get(key)
    if (history === undefined) return undefined
    const v = valueAt(history, this.#version)
    return v === ABSENT ? undefined : v
  }

  has(key: string): boolean {
    const history = this.#lineage?.entries.get(key)
    return history !== undefined && valueAt(history, this.#version) !== ABSENT
  }

  /** A new map with `key` set to `value`; this one is unchanged. */
  with(key: string, value: V): PersistentMap<V> {
    let lineage = this.#lineage
    if (lineage === undefined || lineage.head !== this.#version) lineage = this.#copy()
    const before = lineage.head
    const version = before + 1
    const history = lineage.entries.get(key)
    const isNew = history === undefined || valueAt(history, before) === ABSENT
    if (history === undefined) lineage.entries.set(key, [{ version, value }])
    else history.push({ version, value })
    lineage.head = version
    return new PersistentMap(lineage, version, this.#size + (isNew ? 1 : 0))
  }

  /** A fresh line holding this version's entries, for a write from an older version. */
  #copy(): Lineage<V> {
    const entries = new Map<string, Revision<V>[]>()
    for (const [k, v] of this.entries()) entries.set(k, [{ version: 0, value: v }])
    return { entries, head: 0 }
  }

  *entries(): MapIterator<[string, V]> {
    const lineage = this.#lineage
    if (lineage === undefined) return undefined
    for (const [k, history] of lineage.entries) {
      const v = valueAt(history, this.#version)
      if (v !== ABSENT) yield [k, v]
    }
    return undefined
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k
    return undefined
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v
    return undefined
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries()
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this)
  }
}

// ---- state -----------------------------------------------------------------

/** The view as the decider keeps it: the same shape, with persistent maps. */
export interface OrganizationTables extends OrganizationView {
  readonly sites: PersistentMap<Site>
  readonly desks: PersistentMap<Desk>
  readonly workstationTypes: PersistentMap<string>
  readonly users: PersistentMap<User>
  readonly agents: PersistentMap<Agent>
}

export type OrganizationState =
  | { readonly status: 'empty' }
  | {
      readonly status: 'established'
      readonly view: OrganizationTables
      /** `at` of the latest event: time never goes backwards within the stream. */
      readonly lastAt: IsoInstant
      /** Active managers; while there are none the organisation is bootstrapping. */
      readonly activeManagers: number
    }

export const initialOrganizationState: OrganizationState = { status: 'empty' }

/** The organisation as it stands in this state. */
export const organizationView = (state: OrganizationState): OrganizationView =>
  state.status === 'empty' ? emptyOrganization : state.view

const emptyTables = (): OrganizationTables => ({
  sites: PersistentMap.empty(),
  desks: PersistentMap.empty(),
  workstationTypes: PersistentMap.empty(),
  users: PersistentMap.empty(),
  agents: PersistentMap.empty(),
})

/** What an event changes in the view. Recorded events are trusted: an event about nothing known changes nothing. */
const applyEvent = (v: OrganizationTables, e: Fact<OrganizationEvent>): OrganizationTables => {
  switch (e.type) {
    case 'SiteRegistered': {
      const { siteId, name, timeZone } = e.data
      const hours = v.sites.get(siteId)?.hours
      const site: Site = hours === undefined ? { siteId, name, timeZone } : { siteId, name, timeZone, hours }
      return { ...v, sites: v.sites.with(siteId, site) }
    }
    case 'SupportHoursSet': {
      const site = v.sites.get(e.data.siteId)
      if (site === undefined) return v
      const hours = { weekly: e.data.weekly, holidays: e.data.holidays, since: e.at }
      return { ...v, sites: v.sites.with(site.siteId, { ...site, hours }) }
    }
    case 'DeskRegistered':
      return { ...v, desks: v.desks.with(e.data.deskId, { ...e.data }) }
    case 'WorkstationTypeDefined':
      return { ...v, workstationTypes: v.workstationTypes.with(e.data.workstationType, e.data.label) }
    case 'UserRegistered':
      return { ...v, users: v.users.with(e.data.userId, { ...e.data }) }
    case 'UserEntryPointDesignated': {
      const user = v.users.get(e.data.userId)
      if (user === undefined) return v
      return { ...v, users: v.users.with(user.userId, { ...user, deskId: e.data.deskId }) }
    }
    case 'AgentEnrolled':
      return { ...v, agents: v.agents.with(e.data.agentId, { ...e.data, active: true }) }
    case 'AgentRetired': {
      const agent = v.agents.get(e.data.agentId)
      if (agent === undefined) return v
      return { ...v, agents: v.agents.with(agent.agentId, { ...agent, active: false }) }
    }
    case 'SupportPolicySet':
      return { ...v, policy: { ...e.data, since: e.at } }
    default:
      return assertNever(e)
  }
}

const assertNever = (x: never): never => {
  throw new Error(`unexpected organisation event ${JSON.stringify(x)}`)
}

const managerDelta = (before: OrganizationTables, e: Fact<OrganizationEvent>): number => {
  if (e.type === 'AgentEnrolled' && e.data.role === 'manager' && !before.agents.has(e.data.agentId)) return 1
  if (e.type === 'AgentRetired') {
    const a = before.agents.get(e.data.agentId)
    if (a !== undefined && a.role === 'manager' && a.active) return -1
  }
  return 0
}

export const evolveOrganization = (
  state: OrganizationState,
  event: Fact<OrganizationEvent>,
): OrganizationState => {
  const before = state.status === 'empty' ? emptyTables() : state.view
  const managers = state.status === 'empty' ? 0 : state.activeManagers
  return {
    status: 'established',
    view: applyEvent(before, event),
    lastAt: event.at,
    activeManagers: managers + managerDelta(before, event),
  }
}

// ---- rules -----------------------------------------------------------------

type Check = DomainError | undefined

const isBlank = (s: string): boolean => s.trim().length === 0
const q = (s: string): string => JSON.stringify(s)

/** The first refusal among the checks, evaluated lazily in order. */
export const firstError = (...checks: readonly (() => Check)[]): Check => {
  for (const c of checks) {
    const e = c()
    if (e !== undefined) return e
  }
  return undefined
}

/** `BlankField` for the first of `fields` that is empty or only spaces. */
export const checkNotBlank = (doing: string, fields: Readonly<Record<string, string>>): Check => {
  for (const [name, value] of Object.entries(fields))
    if (isBlank(value)) return domainError('BlankField', `Cannot ${doing}: ${name} must not be blank.`)
  return undefined
}

/** `TimeWentBackwards` when `at` is before the stream's latest event. */
export const checkTimeForward = (lastAt: IsoInstant | undefined, at: IsoInstant, what: string): Check =>
  lastAt !== undefined && instantMs(at) < instantMs(lastAt)
    ? domainError(
        'TimeWentBackwards',
        `${what} cannot record a fact at ${at}: its latest fact is at ${lastAt}, and time never goes backwards.`,
      )
    : undefined

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  user: 'users',
  assistance: 'assistance agents',
  'office-technician': 'office technicians',
  'telephony-technician': 'telephony technicians',
  'business-support': 'business support',
  'network-technician': 'network technicians',
  expert: 'experts',
  manager: 'managers',
  system: 'the system',
}
const listRoles = (roles: readonly Role[]): string => {
  const names = roles.map((r) => ROLE_NAMES[r])
  return names.length <= 1 ? (names[0] ?? 'nobody') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/**
 * Whether `actor` may act as one of `allowed` roles: the role must be allowed
 * (`RoleNotAllowed`), and the actor must be an enrolled agent with that role
 * (`ActorNotEnrolled`) who has not been retired (`ActorRetired`).
 */
export const checkActingAgent = (
  org: OrganizationView,
  actor: Actor,
  allowed: readonly Role[],
  doing: string,
): Check => {
  if (!allowed.includes(actor.role))
    return domainError(
      'RoleNotAllowed',
      `${actor.id} (${actor.role}) may not ${doing}: only ${listRoles(allowed)} may.`,
    )
  const agent = org.agents.get(actor.id)
  if (agent === undefined || agent.role !== actor.role)
    return domainError(
      'ActorNotEnrolled',
      `${actor.id} may not ${doing}: no agent ${q(actor.id)} is enrolled as ${actor.role}.`,
    )
  if (!agent.active)
    return domainError('ActorRetired', `${actor.id} may not ${doing}: this agent has been retired.`)
  return undefined
}

/** Every active support agent (L1 and L2; managers are not support staff), in enrolment order. */
export const supportStaffIds = (org: OrganizationView): string[] => {
  const ids: string[] = []
  for (const a of org.agents.values()) if (a.active && isSupportStaff(a.role)) ids.push(a.agentId)
  return ids
}

const ORGANIZERS: readonly Role[] = ['manager', 'system']

/** Only active enrolled managers change the organisation; while none is active (bootstrap), the system or any manager actor may. */
const checkOrganizer = (state: OrganizationState, actor: Actor): Check => {
  const bootstrapping = state.status === 'empty' || state.activeManagers === 0
  if (actor.role === 'system')
    return bootstrapping
      ? undefined
      : domainError(
          'RoleNotAllowed',
          'The system may change the organisation only while no manager is enrolled (bootstrap); a manager must do it now.',
        )
  if (!bootstrapping)
    return checkActingAgent(organizationView(state), actor, ['manager'], 'change the organisation')
  return ORGANIZERS.includes(actor.role)
    ? undefined
    : domainError(
        'RoleNotAllowed',
        `${actor.id} (${actor.role}) may not change the organisation: only managers may.`,
      )
}

/** A valid IANA time-zone name (not a bare UTC offset). */
export const isValidTimeZone = (timeZone: string): boolean => {
  if (isBlank(timeZone) || /^[+-]/.test(timeZone)) return false
  try {
    new Intl.DateTimeFormat(undefined, { timeZone })
    return true
  } catch {
    return false
  }
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

const checkWeeklyHours = (siteId: string, weekly: WeeklyHours): Check => {
  let open = 0
  for (const day of DAYS) {
    let previousEnd = '00:00'
    for (const [start, end] of weekly[day] ?? []) {
      if (start >= end)
        return domainError(
          'InvalidSupportHours',
          `Support hours of site ${siteId} are invalid: on ${day}, ${start}–${end} does not end after it starts.`,
        )
      if (start < previousEnd)
        return domainError(
          'InvalidSupportHours',
          `Support hours of site ${siteId} are invalid: on ${day}, ${start}–${end} overlaps or precedes the interval before it (intervals must be in order and must not overlap).`,
        )
      previousEnd = end
      open++
    }
  }
  return open === 0
    ? domainError(
        'ClosedSupportHours',
        `Support hours of site ${siteId} would close support for the whole week: give at least one opening interval.`,
      )
    : undefined
}

const checkSite = (org: OrganizationView, siteId: string, doing: string): Check =>
  org.sites.has(siteId)
    ? undefined
    : domainError('UnknownSite', `Cannot ${doing}: there is no site ${q(siteId)}.`)

const checkSites = (org: OrganizationView, siteIds: readonly string[], doing: string): Check => {
  for (const s of siteIds) {
    const e = checkSite(org, s, doing)
    if (e !== undefined) return e
  }
  return undefined
}

const checkWorkstationTypes = (org: OrganizationView, types: readonly string[], doing: string): Check => {
  for (const w of types)
    if (!org.workstationTypes.has(w))
      return domainError(
        'UnknownWorkstationType',
        `Cannot ${doing}: workstation type ${q(w)} is not defined.`,
      )
  return undefined
}

const checkDeskServes = (
  org: OrganizationView,
  deskId: string,
  siteIds: readonly string[],
  doing: string,
): Check => {
  const desk = org.desks.get(deskId)
  if (desk === undefined) return domainError('UnknownDesk', `Cannot ${doing}: there is no desk ${q(deskId)}.`)
  return siteIds.some((s) => desk.siteIds.includes(s))
    ? undefined
    : domainError(
        'DeskDoesNotServeSite',
        `Cannot ${doing}: desk ${deskId} does not serve ${siteIds.length === 1 ? `site ${siteIds[0]}` : `any of the sites ${siteIds.join(', ')}`}.`,
      )
}

const checkPositive = (field: string, d: Duration): Check =>
  durationMinutes(d) > 0
    ? undefined
    : domainError(
        'InvalidDuration',
        `The support policy cannot be set: ${field} must be longer than zero (${d}).`,
      )

const checkThresholds = (t: QualityThresholds): Check => {
  const levels = ['excellent', 'good', 'fair'] as const
  const bad = (why: string) =>
    domainError('InvalidQualityThresholds', `The support policy cannot be set: quality thresholds ${why}.`)
  for (const level of levels) {
    const { responseCompliance: rc, satisfactionMean: sm } = t[level]
    if (!(rc >= 0 && rc <= 1)) return bad(`${level}.responseCompliance must be between 0 and 1 (got ${rc})`)
    if (sm !== undefined && !(sm >= 1 && sm <= 5))
      return bad(`${level}.satisfactionMean must be between 1 and 5 (got ${sm})`)
  }
  for (const [higher, lower] of [
    ['excellent', 'good'],
    ['good', 'fair'],
  ] as const) {
    const h = t[higher]
    const l = t[lower]
    if (h.responseCompliance < l.responseCompliance)
      return bad(`for ${higher} must not ask less response compliance than for ${lower}`)
    if (h.satisfactionMean !== undefined && l.satisfactionMean !== undefined)
      if (h.satisfactionMean < l.satisfactionMean)
        return bad(`for ${higher} must not ask less satisfaction than for ${lower}`)
  }
  return undefined
}

const checkPolicy = (p: EventData<'SupportPolicySet'>): Check =>
  firstError(
    () => checkPositive('responseTarget', p.responseTarget),
    () => checkPositive('majorIncidentBulletinTarget', p.majorIncidentBulletinTarget),
    ...Object.entries(p.escalationDelays).map(
      ([d, v]) =>
        () =>
          v === undefined ? undefined : checkPositive(`escalationDelays.${d}`, v),
    ),
    ...Object.entries(p.resolutionTargets).map(
      ([k, v]) =>
        () =>
          v === undefined ? undefined : checkPositive(`resolutionTargets.${k}`, v),
    ),
    () => checkThresholds(p.qualityThresholds),
  )

const checkAgent = (org: OrganizationView, d: EventData<'AgentEnrolled'>): Check => {
  const doing = `enrol agent ${d.agentId}`
  return firstError(
    () => checkNotBlank(doing, { agentId: d.agentId, name: d.name }),
    () =>
      org.agents.has(d.agentId)
        ? domainError(
            'AgentAlreadyEnrolled',
            `Agent ${d.agentId} cannot be enrolled: an agent with that id is already enrolled (or was, and ids are not reused).`,
          )
        : undefined,
    () =>
      d.siteIds.length === 0
        ? domainError('AgentWithoutSite', `Cannot ${doing}: an agent works at one site at least.`)
        : undefined,
    () => checkSites(org, d.siteIds, doing),
    () => checkWorkstationTypes(org, d.workstationTypes, doing),
    () => {
      if (d.role !== 'assistance')
        return d.deskId === undefined
          ? undefined
          : domainError(
              'DeskOnlyForAssistance',
              `Cannot ${doing}: only assistance agents belong to a desk, not a ${d.role}.`,
            )
      if (d.deskId === undefined)
        return domainError('DeskRequired', `Cannot ${doing}: an assistance agent must belong to a desk.`)
      return checkDeskServes(org, d.deskId, d.siteIds, doing)
    },
    () => {
      if (d.role !== 'expert')
        return d.domains === undefined
          ? undefined
          : domainError(
              'DomainsOnlyForExperts',
              `Cannot ${doing}: only experts cover domains; a ${d.role}'s domain follows from its role.`,
            )
      return d.domains === undefined || d.domains.length === 0
        ? domainError('ExpertWithoutDomain', `Cannot ${doing}: an expert must cover at least one domain.`)
        : undefined
    },
  )
}

/** The rules an organisation event obeys given the state before it, who recorded it and when. */
export const checkOrganizationEvent = (
  state: OrganizationState,
  event: OrganizationEvent,
  actor: Actor,
  at: IsoInstant,
): DomainError | undefined => {
  const org = organizationView(state)
  const lastAt = state.status === 'empty' ? undefined : state.lastAt
  return firstError(
    () => checkOrganizer(state, actor),
    () => checkTimeForward(lastAt, at, 'The organisation'),
    () => checkEventData(org, event),
  )
}

const checkEventData = (org: OrganizationView, e: OrganizationEvent): Check => {
  switch (e.type) {
    case 'SiteRegistered': {
      const d = e.data
      return firstError(
        () => checkNotBlank(`register site ${d.siteId}`, { siteId: d.siteId, name: d.name }),
        () =>
          org.sites.has(d.siteId)
            ? domainError('SiteAlreadyRegistered', `Site ${d.siteId} cannot be registered: it already is.`)
            : undefined,
        () =>
          isValidTimeZone(d.timeZone)
            ? undefined
            : domainError(
                'InvalidTimeZone',
                `Site ${d.siteId} cannot be registered: ${q(d.timeZone)} is not an IANA time zone such as "Europe/Paris".`,
              ),
      )
    }
    case 'SupportHoursSet':
      return firstError(
        () => checkSite(org, e.data.siteId, `set support hours of site ${e.data.siteId}`),
        () => checkWeeklyHours(e.data.siteId, e.data.weekly),
      )
    case 'DeskRegistered': {
      const d = e.data
      const doing = `register desk ${d.deskId}`
      return firstError(
        () => checkNotBlank(doing, { deskId: d.deskId, name: d.name, contact: d.contact }),
        () =>
          org.desks.has(d.deskId)
            ? domainError('DeskAlreadyRegistered', `Desk ${d.deskId} cannot be registered: it already is.`)
            : undefined,
        () =>
          d.siteIds.length === 0
            ? domainError('DeskWithoutSite', `Cannot ${doing}: a desk serves at least one site.`)
            : undefined,
        () => checkSites(org, d.siteIds, doing),
      )
    }
    case 'WorkstationTypeDefined': {
      const d = e.data
      return firstError(
        () =>
          checkNotBlank(`define workstation type ${d.workstationType}`, {
            workstationType: d.workstationType,
            label: d.label,
          }),
        () =>
          org.workstationTypes.has(d.workstationType)
            ? domainError(
                'WorkstationTypeAlreadyDefined',
                `Workstation type ${d.workstationType} cannot be defined: it already is.`,
              )
            : undefined,
      )
    }
    case 'UserRegistered': {
      const d = e.data
      const doing = `register user ${d.userId}`
      return firstError(
        () => checkNotBlank(doing, { userId: d.userId, name: d.name }),
        () =>
          org.users.has(d.userId)
            ? domainError('UserAlreadyRegistered', `User ${d.userId} cannot be registered: they already are.`)
            : undefined,
        () => checkSite(org, d.siteId, doing),
        () => checkWorkstationTypes(org, [d.workstationType], doing),
        () => checkDeskServes(org, d.deskId, [d.siteId], doing),
      )
    }
    case 'UserEntryPointDesignated': {
      const d = e.data
      const doing = `designate desk ${d.deskId} for user ${d.userId}`
      const user = org.users.get(d.userId)
      if (user === undefined)
        return domainError('UnknownUser', `Cannot ${doing}: there is no user ${q(d.userId)}.`)
      return firstError(
        () => checkDeskServes(org, d.deskId, [user.siteId], doing),
        () =>
          user.deskId === d.deskId
            ? domainError(
                'EntryPointUnchanged',
                `Cannot ${doing}: desk ${d.deskId} already is this user's entry point.`,
              )
            : undefined,
      )
    }
    case 'AgentEnrolled':
      return checkAgent(org, e.data)
    case 'AgentRetired': {
      const agent = org.agents.get(e.data.agentId)
      if (agent === undefined)
        return domainError(
          'UnknownAgent',
          `Cannot retire agent ${e.data.agentId}: no such agent is enrolled.`,
        )
      return agent.active
        ? undefined
        : domainError('AgentAlreadyRetired', `Cannot retire agent ${e.data.agentId}: already retired.`)
    }
    case 'SupportPolicySet':
      return checkPolicy(e.data)
    default:
      return assertNever(e)
  }
}

// ---- decide ----------------------------------------------------------------

/** The event a command asks for; `SetSupportPolicy` is recorded with every default made explicit (v2). */
const eventOf = (c: OrganizationCommand): OrganizationEvent => {
  switch (c.type) {
    case 'RegisterSite':
      return { type: 'SiteRegistered', data: { siteId: c.siteId, name: c.name, timeZone: c.timeZone } }
    case 'SetSupportHours':
      return {
        type: 'SupportHoursSet',
        data: { siteId: c.siteId, weekly: c.weekly, holidays: [...c.holidays] },
      }
    case 'RegisterDesk':
      return {
        type: 'DeskRegistered',
        data: { deskId: c.deskId, name: c.name, contact: c.contact, siteIds: [...c.siteIds] },
      }
    case 'DefineWorkstationType':
      return { type: 'WorkstationTypeDefined', data: { workstationType: c.workstationType, label: c.label } }
    case 'RegisterUser':
      return {
        type: 'UserRegistered',
        data: {
          userId: c.userId,
          name: c.name,
          siteId: c.siteId,
          workstationType: c.workstationType,
          deskId: c.deskId,
        },
      }
    case 'DesignateUserEntryPoint':
      return { type: 'UserEntryPointDesignated', data: { userId: c.userId, deskId: c.deskId } }
    case 'EnrollAgent':
      return {
        type: 'AgentEnrolled',
        data: {
          agentId: c.agentId,
          name: c.name,
          role: c.role,
          siteIds: [...c.siteIds],
          workstationTypes: [...c.workstationTypes],
          ...(c.deskId === undefined ? {} : { deskId: c.deskId }),
          ...(c.domains === undefined ? {} : { domains: [...c.domains] }),
        },
      }
    case 'RetireAgent':
      return { type: 'AgentRetired', data: { agentId: c.agentId } }
    case 'SetSupportPolicy':
      return {
        type: 'SupportPolicySet',
        data: {
          responseTarget: c.responseTarget ?? ('PT4H' as Duration),
          escalationDelays: { ...c.escalationDelays },
          resolutionTargets: { ...c.resolutionTargets },
          majorIncidentBulletinTarget: c.majorIncidentBulletinTarget ?? ('PT24H' as Duration),
          qualityThresholds: c.qualityThresholds ?? DEFAULT_QUALITY_THRESHOLDS,
        },
      }
    default:
      return assertNever(c)
  }
}

export const decideOrganization: Decider<
  OrganizationCommand,
  OrganizationEvent,
  OrganizationState
>['decide'] = (command, state, ctx): Either<DomainError, readonly Decided<OrganizationEvent>[]> => {
  const event = eventOf(command)
  const error = checkOrganizationEvent(state, event, ctx.actor, ctx.now)
  return error === undefined ? right([event]) : left(error)
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  initialState: initialOrganizationState,
  evolve: evolveOrganization,
  decide: decideOrganization,
}

// ---- folds and re-checks ---------------------------------------------------

/** The organisation after these facts. */
export const foldOrganization = (facts: Iterable<Fact<OrganizationEvent>>): OrganizationView => {
  let s: OrganizationState = initialOrganizationState
  for (const f of facts) s = evolveOrganization(s, f)
  return organizationView(s)
}

/** The organisation as it stood at each instant, built one fact at a time. */
export interface DatedOrganization {
  /** The state after every fact applied so far. */
  readonly state: () => OrganizationState
  /** Put this fact in force from its `at`. */
  readonly apply: (f: Fact<OrganizationEvent>) => void
  /** The organisation as it stood at `at`, given the facts applied so far. */
  readonly at: (at: IsoInstant) => OrganizationView
}

/**
 * The incremental form of `organizationAsOf`, for a reader that meets the
 * organisation's facts as it goes (`soutien verify`). Each intermediate view
 * is kept; persistent maps make that cheap.
 */
export const createDatedOrganization = (): DatedOrganization => {
  const times: number[] = []
  const views: OrganizationView[] = []
  let s: OrganizationState = initialOrganizationState
  let latest = Number.NEGATIVE_INFINITY
  return {
    state: () => s,
    apply: (f) => {
      s = evolveOrganization(s, f)
      // A history that went back in time is flagged by the re-check; here the
      // view just counts from the latest instant seen, so the search stays sound.
      latest = Math.max(latest, instantMs(f.at))
      if (times.length > 0 && times[times.length - 1] === latest)
        views[views.length - 1] = organizationView(s)
      else {
        times.push(latest)
        views.push(organizationView(s))
      }
    },
    at: (at) => {
      const t = instantMs(at)
      let lo = 0
      let hi = times.length - 1
      let found = -1
      while (lo <= hi) {
        const mid = (lo + hi) >> 1
        if ((times[mid] as number) <= t) {
          found = mid
          lo = mid + 1
        } else hi = mid - 1
      }
      return found < 0 ? emptyOrganization : (views[found] as OrganizationView)
    },
  }
}

/**
 * The organisation as it stood at any instant: every fact with `at` ≤ the
 * instant is in force (a fact takes effect at its `at`, ties included).
 */
export const organizationAsOf = (
  facts: Iterable<Fact<OrganizationEvent>>,
): ((at: IsoInstant) => OrganizationView) => {
  const dated = createDatedOrganization()
  for (const f of facts) dated.apply(f)
  return dated.at
}

/** A rule a recorded event breaks, by its index in the stream. */
export interface HistoryProblem {
  readonly index: number
  readonly error: DomainError
}

/**
 * Re-check a recorded `organization` stream with the rules of `decide`: each
 * event must have been acceptable, from its actor at its instant, given the
 * events before it. Every offending event is reported, not only the first.
 */
export const checkOrganizationHistory = (
  facts: readonly Fact<OrganizationEvent>[],
): readonly HistoryProblem[] => {
  const problems: HistoryProblem[] = []
  let s: OrganizationState = initialOrganizationState
  facts.forEach((f, index) => {
    const error = checkOrganizationEvent(s, f, f.actor, f.at)
    if (error !== undefined) problems.push({ index, error })
    s = evolveOrganization(s, f)
  })
  return problems
}
