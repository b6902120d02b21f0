/**
 * The `major-incident-<incidentId>` stream: a serious identified problem (the
 * network or remote servers fail). Declaring it informs every support actor
 * at once (`SupportStaffAlerted`, recorded by the system in the same decision);
 * bulletins keep users informed (the 24-hour commitment) until it is resolved.
 *
 * Level-1 agents, experts and managers act on it; they must be active enrolled
 * agents with that role.
 */
import { type Either, left, right } from 'fp-ts/lib/Either.js'
import type { IsoInstant } from './codec.js'
import type { MajorIncidentCommand } from './commands.js'
import { type Decided, type Decider, type DomainError, domainError } from './decider.js'
import type { Fact } from './envelope.js'
import type { EventData, MajorIncidentEvent } from './events.js'
import {
  checkActingAgent,
  checkNotBlank,
  checkTimeForward,
  firstError,
  type HistoryProblem,
  supportStaffIds,
} from './organization.js'
import type { OrganizationView } from './organization-view.js'
import { type Actor, L1_ROLES, type Role, SYSTEM } from './vocabulary.js'

interface Incident {
  readonly incidentId: string
  readonly summary: string
  readonly siteIds: readonly string[]
  readonly services: readonly string[]
  readonly declaredAt: IsoInstant
  /** The support staff alerted at declaration (absent until recorded). */
  readonly alertedAgentIds?: readonly string[]
  readonly bulletins: number
  readonly firstBulletinAt?: IsoInstant
  readonly lastAt: IsoInstant
}

export type MajorIncidentState =
  | { readonly status: 'none' }
  | ({ readonly status: 'declared' } & Incident)
  | ({ readonly status: 'resolved'; readonly resolvedAt: IsoInstant; readonly resolution: string } & Incident)

export const initialMajorIncidentState: MajorIncidentState = { status: 'none' }

/** Who acts on a major incident: level 1, experts and managers. */
export const MAJOR_INCIDENT_ROLES: readonly Role[] = [...L1_ROLES, 'expert', 'manager']

export const evolveMajorIncident = (
  s: MajorIncidentState,
  e: Fact<MajorIncidentEvent>,
): MajorIncidentState => {
  switch (e.type) {
    case 'MajorIncidentDeclared':
      return {
        status: 'declared',
        incidentId: e.data.incidentId,
        summary: e.data.summary,
        siteIds: e.data.siteIds,
        services: e.data.services,
        declaredAt: e.at,
        bulletins: 0,
        lastAt: e.at,
      }
    case 'SupportStaffAlerted':
      return s.status === 'none' ? s : { ...s, alertedAgentIds: e.data.agentIds, lastAt: e.at }
    case 'IncidentBulletinPublished':
      return s.status === 'none'
        ? s
        : { ...s, bulletins: s.bulletins + 1, firstBulletinAt: s.firstBulletinAt ?? e.at, lastAt: e.at }
    case 'MajorIncidentResolved':
      return s.status === 'none'
        ? s
        : { ...s, status: 'resolved', resolvedAt: e.at, resolution: e.data.summary, lastAt: e.at }
    default:
      return assertNever(e)
  }
}

const assertNever = (x: never): never => {
  throw new Error(`unexpected major-incident event ${JSON.stringify(x)}`)
}

// ---- rules (shared by decide and the history re-check) ---------------------

type Check = DomainError | undefined

const checkSites = (org: OrganizationView, siteIds: readonly string[], doing: string): Check => {
  if (siteIds.length === 0)
    return domainError('NoSiteAffected', `Cannot ${doing}: name at least one affected site.`)
  for (const s of siteIds)
    if (!org.sites.has(s))
      return domainError('UnknownSite', `Cannot ${doing}: there is no site ${JSON.stringify(s)}.`)
  return undefined
}

const checkDeclaration = (
  s: MajorIncidentState,
  org: OrganizationView,
  actor: Actor,
  d: EventData<'MajorIncidentDeclared'>,
): Check => {
  const doing = `declare major incident ${d.incidentId}`
  return firstError(
    () => checkActingAgent(org, actor, MAJOR_INCIDENT_ROLES, doing),
    () =>
      s.status === 'none'
        ? undefined
        : domainError(
            'MajorIncidentAlreadyDeclared',
            `Major incident ${d.incidentId} cannot be declared: it already was, at ${s.declaredAt}.`,
          ),
    () => checkNotBlank(doing, { incidentId: d.incidentId, summary: d.summary }),
    () => checkSites(org, d.siteIds, doing),
    () =>
      d.services.some((x) => x.trim().length === 0)
        ? domainError('BlankField', `Cannot ${doing}: a service name must not be blank.`)
        : undefined,
  )
}

/** The incident must be declared and not yet resolved, and be this one. */
const checkOngoing = (s: MajorIncidentState, incidentId: string, doing: string): Check => {
  if (s.status === 'none')
    return domainError(
      'MajorIncidentNotDeclared',
      `Cannot ${doing}: major incident ${incidentId} has not been declared.`,
    )
  if (s.incidentId !== incidentId)
    return domainError(
      'IncidentMismatch',
      `Cannot ${doing}: this stream records major incident ${s.incidentId}, not ${incidentId}.`,
    )
  if (s.status === 'resolved')
    return domainError(
      'MajorIncidentAlreadyResolved',
      `Cannot ${doing}: major incident ${incidentId} was resolved at ${s.resolvedAt}.`,
    )
  return undefined
}

const checkBulletin = (
  s: MajorIncidentState,
  org: OrganizationView,
  actor: Actor,
  incidentId: string,
  d: EventData<'IncidentBulletinPublished'>,
): Check => {
  const doing = `publish a bulletin on major incident ${incidentId}`
  return firstError(
    () => checkActingAgent(org, actor, MAJOR_INCIDENT_ROLES, doing),
    () => checkOngoing(s, incidentId, doing),
    () => checkNotBlank(doing, { message: d.message }),
    () => checkSites(org, d.siteIds, doing),
  )
}

const checkResolution = (
  s: MajorIncidentState,
  org: OrganizationView,
  actor: Actor,
  incidentId: string,
  d: EventData<'MajorIncidentResolved'>,
): Check => {
  const doing = `resolve major incident ${incidentId}`
  return firstError(
    () => checkActingAgent(org, actor, MAJOR_INCIDENT_ROLES, doing),
    () => checkOngoing(s, incidentId, doing),
    () => checkNotBlank(doing, { summary: d.summary }),
  )
}

const lastAtOf = (s: MajorIncidentState): IsoInstant | undefined =>
  s.status === 'none' ? undefined : s.lastAt

// ---- decide ----------------------------------------------------------------

export const decideMajorIncident: Decider<
  MajorIncidentCommand,
  MajorIncidentEvent,
  MajorIncidentState
>['decide'] = (c, s, ctx): Either<DomainError, readonly Decided<MajorIncidentEvent>[]> => {
  const org = ctx.organization
  const late = checkTimeForward(lastAtOf(s), ctx.now, `Major incident ${c.incidentId}`)
  switch (c.type) {
    case 'DeclareMajorIncident': {
      const data = {
        incidentId: c.incidentId,
        summary: c.summary,
        siteIds: [...c.siteIds],
        services: [...c.services],
      }
      const error = late ?? checkDeclaration(s, org, ctx.actor, data)
      if (error !== undefined) return left(error)
      // Informing every support actor is immediate and systematic: the alert
      // is part of the same decision, recorded as the system's doing.
      return right([
        { type: 'MajorIncidentDeclared', data },
        { type: 'SupportStaffAlerted', data: { agentIds: supportStaffIds(org) }, actor: SYSTEM },
      ])
    }
    case 'PublishIncidentBulletin': {
      const data = { kind: c.kind, message: c.message, siteIds: [...c.siteIds] }
      const error = late ?? checkBulletin(s, org, ctx.actor, c.incidentId, data)
      return error === undefined ? right([{ type: 'IncidentBulletinPublished', data }]) : left(error)
    }
    case 'ResolveMajorIncident': {
      const data = { summary: c.summary }
      const error = late ?? checkResolution(s, org, ctx.actor, c.incidentId, data)
      return error === undefined ? right([{ type: 'MajorIncidentResolved', data }]) : left(error)
    }
    default:
      return assertNever(c)
  }
}

export const majorIncidentDecider: Decider<MajorIncidentCommand, MajorIncidentEvent, MajorIncidentState> = {
  initialState: initialMajorIncidentState,
  evolve: evolveMajorIncident,
  decide: decideMajorIncident,
}

// ---- re-check of a recorded stream -----------------------------------------

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const missing = b.filter((x) => !a.includes(x))
  const extra = a.filter((x) => !b.includes(x))
  const duplicated = a.length !== new Set(a).size
  return { missing, extra, duplicated }
}

/**
 * Re-check a recorded `major-incident-<id>` stream from its events alone and
 * the organisation as it stood at each event (`orgAt`): the declaration comes
 * first, by an allowed active agent, on known sites; it is immediately
 * followed by `SupportStaffAlerted`, recorded by the system at the same
 * instant, naming exactly the support staff active then; bulletins and the
 * resolution come while the incident is ongoing; time never goes backwards.
 * Every offending event is reported.
 */
export const checkMajorIncidentHistory = (
  facts: readonly Fact<MajorIncidentEvent>[],
  orgAt: (at: IsoInstant) => OrganizationView,
): readonly HistoryProblem[] => {
  const problems: HistoryProblem[] = []
  let s: MajorIncidentState = initialMajorIncidentState
  facts.forEach((f, index) => {
    const previous = facts[index - 1]
    const org = orgAt(f.at)
    const incidentId = s.status === 'none' ? '(undeclared)' : s.incidentId
    const error = firstError(
      () => checkTimeForward(previous?.at, f.at, `Major incident ${incidentId}`),
      () => {
        switch (f.type) {
          case 'MajorIncidentDeclared': {
            const next = facts[index + 1]
            return firstError(
              () => checkDeclaration(s, org, f.actor, f.data),
              () =>
                next?.type === 'SupportStaffAlerted'
                  ? undefined
                  : domainError(
                      'StaffNotAlerted',
                      `Major incident ${f.data.incidentId} was declared without alerting the support staff in the same decision.`,
                    ),
            )
          }
          case 'SupportStaffAlerted': {
            if (previous?.type !== 'MajorIncidentDeclared')
              return domainError(
                'StaffAlertOutOfPlace',
                `Major incident ${incidentId}: the support staff alert must immediately follow the declaration.`,
              )
            if (f.actor.role !== 'system')
              return domainError(
                'RoleNotAllowed',
                `Major incident ${incidentId}: the support staff alert is the system's doing, not ${f.actor.id}'s (${f.actor.role}).`,
              )
            if (f.at !== previous.at)
              return domainError(
                'StaffAlertDelayed',
                `Major incident ${incidentId}: support staff were alerted at ${f.at}, not immediately at the declaration (${previous.at}).`,
              )
            const { missing, extra, duplicated } = sameSet(f.data.agentIds, supportStaffIds(org))
            if (missing.length > 0 || extra.length > 0 || duplicated)
              return domainError(
                'StaffAlertMismatch',
                `Major incident ${incidentId}: the alert must name every active support agent exactly once` +
                  (missing.length > 0 ? `; missing: ${missing.join(', ')}` : '') +
                  (extra.length > 0 ? `; not active support staff: ${extra.join(', ')}` : '') +
                  (duplicated ? '; some are named twice' : '') +
                  '.',
              )
            return undefined
          }
          case 'IncidentBulletinPublished':
            return checkBulletin(s, org, f.actor, incidentId, f.data)
          case 'MajorIncidentResolved':
            return checkResolution(s, org, f.actor, incidentId, f.data)
          default:
            return assertNever(f)
        }
      },
    )
    if (error !== undefined) problems.push({ index, error })
    s = evolveMajorIncident(s, f)
  })
  return problems
}
