/**
 * The service-level clocks of domain.md §5: response, escalation delay and
 * resolution per ticket, bulletin and staff alert per major incident.
 *
 * The fold keeps, per ticket, the handful of instants the clocks need (epoch
 * ms, parsed once) and the organisation's dated policies and support hours;
 * business time is computed only when a report asks, as of one instant, with
 * the calendar in force when the ticket was opened. See docs/clocks.md.
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js'
import type { Calendar } from '../domain/calendar.js'
import { type IsoInstant, instantMs, toInstant } from '../domain/codec.js'
import type { RecordedEvent } from '../domain/envelope.js'
import type { HierarchyReason, SupportPolicy } from '../domain/events.js'
import type { Priority, SupportDomain } from '../domain/vocabulary.js'
import {
  calendarAt,
  emptyPolicyHistory,
  type InForce,
  type NotJudged,
  type ParsedPolicy,
  type PolicyHistory,
  parseInstant,
  policyAt,
  type RulesInForce,
  recordPolicy,
  recordSupportHours,
  recordTimeZone,
  rulesInForceAt,
  type SiteHistory,
} from './policy-history.js'
import type { Projection, StateCodec } from './runner.js'
import type {
  ClockStatus,
  EscalationLevel,
  EscalationStatus,
  MajorIncidentServiceLevels,
  ResolutionLevel,
  ResponseLevel,
  TicketServiceLevels,
} from './service-level-types.js'

// ---- state -----------------------------------------------------------------

export interface Qualification {
  readonly at: number
  readonly domain: SupportDomain
  readonly priority: Priority
}

/** A suspension, from `TicketSuspended` to `TicketResumed` (or the resolution that ended it); `to` null while open. */
export interface Suspension {
  readonly from: number
  readonly to: number | null
}

export interface Involvement {
  readonly at: number
  readonly reason: HierarchyReason
}

/** What the clocks need to know about one ticket. Instants are epoch ms. */
export interface TicketFacts {
  readonly ticketId: string
  readonly siteId: string
  readonly workstationType: string
  readonly openedAt: IsoInstant
  readonly opened: number
  /** Latest `at` in the ticket's stream (a timer never stamps an event before it). */
  readonly lastAt: number
  /** Every qualification, in order: the latest as of an instant stands. */
  readonly qualifications: readonly Qualification[]
  /** Earliest `UserInformed` of kind answer, schedule or restoration: the response clock's stop. */
  readonly firstStop: number | null
  /** Earliest `TicketEscalated`, whatever its domain or reason. */
  readonly firstEscalation: number | null
  /** `TicketResolved` instants that resolved a running ticket; alternate with `reopenings`. */
  readonly resolutions: readonly number[]
  readonly reopenings: readonly number[]
  readonly suspensions: readonly Suspension[]
  readonly involvements: readonly Involvement[]
  /** `TicketClosed` not followed by a reopening. */
  readonly closedAt: number | null
}

export interface IncidentFacts {
  readonly incidentId: string
  readonly declaredAt: IsoInstant
  readonly declared: number
  readonly firstBulletin: number | null
  readonly staffAlerted: number | null
}

/**
 * The fold's state: maps of small records, saved as JSON through
 * `serviceLevelStateCodec`. Its size grows with tickets, incidents and policy
 * versions, not with history length. Maps are keyed by stream id.
 */
export interface ServiceLevelState {
  readonly org: PolicyHistory
  readonly tickets: ReadonlyMap<string, TicketFacts>
  readonly incidents: ReadonlyMap<string, IncidentFacts>
  /** Latest `at` of any event folded: the default as-of instant. */
  readonly lastAt: number | null
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export const initialServiceLevelState = (): ServiceLevelState => ({
  org: emptyPolicyHistory(),
  tickets: new Map(),
  incidents: new Map(),
  lastAt: null,
})

const minOf = (current: number | null, at: number): number =>
  current === null || at < current ? at : current

// Decoding checked that each event's stream is of its type's category, so the
// id is what follows the prefix (`ticket-`, `major-incident-`).
const applyTicketEvent = (
  s: ServiceLevelState,
  e: RecordedEvent,
  at: number,
  key: string,
  found: TicketFacts | null | undefined,
): void => {
  if (e.type === 'TicketOpened') {
    if (found === undefined ? s.tickets.has(key) : found !== null) return // a stream opens once; a second opening is not a fact of ours
    const facts: TicketFacts = {
      ticketId: e.data.ticketId,
      siteId: e.data.siteId,
      workstationType: e.data.workstationType,
      openedAt: e.at,
      opened: at,
      lastAt: at,
      qualifications: [],
      firstStop: null,
      firstEscalation: null,
      resolutions: [],
      reopenings: [],
      suspensions: [],
      involvements: [],
      closedAt: null,
    }
    ;(s.tickets as Map<string, TicketFacts>).set(key, facts)
    return
  }
  const t = (found === undefined ? s.tickets.get(key) : (found ?? undefined)) as
    | Mutable<TicketFacts>
    | undefined
  if (t === undefined) return // events before the opening cannot be timed
  if (at > t.lastAt) t.lastAt = at
  const resolutions = t.resolutions as number[]
  const reopenings = t.reopenings as number[]
  const suspensions = t.suspensions as Mutable<Suspension>[]
  const running = resolutions.length === reopenings.length
  const open = suspensions[suspensions.length - 1]
  const suspended = open !== undefined && open.to === null
  switch (e.type) {
    case 'TicketQualified':
      ;(t.qualifications as Qualification[]).push({ at, domain: e.data.domain, priority: e.data.priority })
      return
    case 'UserInformed':
      if (e.data.kind !== 'progress') t.firstStop = minOf(t.firstStop, at)
      return
    case 'TicketEscalated':
      t.firstEscalation = minOf(t.firstEscalation, at)
      return
    case 'HierarchyInvolved':
      ;(t.involvements as Involvement[]).push({ at, reason: e.data.reason })
      return
    case 'TicketSuspended':
      if (running && !suspended) suspensions.push({ from: at, to: null })
      return
    case 'TicketResumed':
      if (suspended) open.to = at
      return
    case 'TicketResolved':
      if (!running) return
      // A resolution ends a suspension still open: the resolution clock stops anyway.
      if (suspended) open.to = at
      resolutions.push(at)
      return
    case 'TicketReopened':
      if (running) return
      reopenings.push(at)
      t.closedAt = null
      return
    case 'TicketClosed':
      t.closedAt = at
      return
    default:
      return
  }
}

const applyIncidentEvent = (s: ServiceLevelState, e: RecordedEvent, at: number): void => {
  const key = e.stream.slice(15)
  if (e.type === 'MajorIncidentDeclared') {
    if (s.incidents.has(key)) return
    ;(s.incidents as Map<string, IncidentFacts>).set(key, {
      incidentId: e.data.incidentId,
      declaredAt: e.at,
      declared: at,
      firstBulletin: null,
      staffAlerted: null,
    })
    return
  }
  const i = s.incidents.get(key) as Mutable<IncidentFacts> | undefined
  if (i === undefined) return
  if (e.type === 'IncidentBulletinPublished') i.firstBulletin = minOf(i.firstBulletin, at)
  else if (e.type === 'SupportStaffAlerted') i.staffAlerted = minOf(i.staffAlerted, at)
}

/**
 * Fold one recorded event. The state given is updated in place and returned:
 * a projection's state belongs to whoever folds it (a runner, or
 * `computeServiceLevels`), and copying per event would make replay quadratic.
 * `init()` always returns a fresh state.
 */
export const applyServiceLevelEvent = (state: ServiceLevelState, e: RecordedEvent): ServiceLevelState =>
  applyServiceLevelEventAt(state, e, parseInstant(e.at), undefined, undefined)

/**
 * `applyServiceLevelEvent` for a caller that already has the event's `at` in
 * epoch ms and, for a ticket's event, its stream's id (`ticketKey`, what
 * follows `ticket-`) and maybe its record (`found`: what `tickets.get(ticketKey)`
 * gives, null for none; undefined when not looked up): the report's fold,
 * which reads them once for all it does.
 */
export const applyServiceLevelEventAt = (
  state: ServiceLevelState,
  e: RecordedEvent,
  at: number,
  ticketKey: string | undefined,
  found: TicketFacts | null | undefined,
): ServiceLevelState => {
  const s = state as Mutable<ServiceLevelState>
  if (s.lastAt === null || at > s.lastAt) s.lastAt = at
  switch (e.type) {
    case 'SiteRegistered':
      recordTimeZone(s.org, e.data.siteId, at, e.data.timeZone)
      break
    case 'SupportHoursSet':
      recordSupportHours(s.org, e.data.siteId, at, e.data)
      break
    case 'SupportPolicySet':
      recordPolicy(s.org, at, e.data)
      break
    case 'TicketOpened':
    case 'TicketQualified':
    case 'TicketAssigned':
    case 'UserInformed':
    case 'TicketEscalated':
    case 'ExpertAdviceGiven':
    case 'HierarchyInvolved':
    case 'TicketSuspended':
    case 'TicketResumed':
    case 'TicketResolved':
    case 'TicketReopened':
    case 'TicketClosed':
    case 'SatisfactionRecorded':
    case 'TicketLinkedToMajorIncident':
      applyTicketEvent(s, e, at, ticketKey ?? e.stream.slice(7), ticketKey === undefined ? undefined : found)
      break
    case 'MajorIncidentDeclared':
    case 'SupportStaffAlerted':
    case 'IncidentBulletinPublished':
      applyIncidentEvent(s, e, at)
      break
    default:
      break
  }
  return state
}

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u)

/** The JSON shape of a saved state: maps as arrays of entries. */
interface SavedState {
  readonly org: {
    readonly sites: readonly (readonly [string, SiteHistory])[]
    readonly policies: readonly InForce<SupportPolicy>[]
  }
  readonly tickets: readonly (readonly [string, TicketFacts])[]
  readonly incidents: readonly (readonly [string, IncidentFacts])[]
  readonly lastAt: number | null
}

const isEntries = (u: unknown): u is readonly (readonly [string, unknown])[] =>
  Array.isArray(u) &&
  u.every((x) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && isRecord(x[1]))

/**
 * Saves the state as JSON (maps as entry lists). Decoding checks the outline
 * (a state saved by this version of the projection), so that a foreign or
 * damaged checkpoint makes the runner rebuild rather than fail later.
 */
export const serviceLevelStateCodec: StateCodec<ServiceLevelState> = {
  encode: (state): SavedState => ({
    org: { sites: [...state.org.sites], policies: state.org.policies },
    tickets: [...state.tickets],
    incidents: [...state.incidents],
    lastAt: state.lastAt,
  }),
  decode: (json) => {
    if (!isRecord(json)) return left('service-level state: expected an object')
    const { org, tickets, incidents, lastAt } = json
    if (!isRecord(org) || !isEntries(org.sites) || !Array.isArray(org.policies))
      return left('service-level state: org must hold sites and policies')
    if (!isEntries(tickets) || !isEntries(incidents))
      return left('service-level state: tickets and incidents must be lists of entries')
    if (lastAt !== null && typeof lastAt !== 'number')
      return left('service-level state: lastAt must be a number or null')
    const saved = json as unknown as SavedState
    return right({
      org: { sites: new Map(saved.org.sites), policies: saved.org.policies },
      tickets: new Map(saved.tickets),
      incidents: new Map(saved.incidents),
      lastAt: saved.lastAt,
    })
  },
}

export const serviceLevelsProjection: Projection<ServiceLevelState> = {
  name: 'service-levels',
  version: 1,
  init: initialServiceLevelState,
  apply: applyServiceLevelEvent,
  stateCodec: serviceLevelStateCodec,
}

// ---- queries ---------------------------------------------------------------

export interface ServiceLevelOptions {
  /** Compute as of this instant, counting only events at or before it; default: the latest event's `at`. */
  readonly asOf?: IsoInstant
  /** What-if: judge every ticket and major incident by this policy instead of the one in force. */
  readonly policyOverride?: SupportPolicy
}

/** A ticket or major incident whose clocks cannot be computed, and why. */
export interface UnjudgedServiceLevel {
  readonly _tag: NotJudged['_tag']
  readonly subject: 'ticket' | 'major-incident'
  readonly id: string
  /** Its opening or declaration. */
  readonly at: IsoInstant
  readonly message: string
}

/** The as-of instant in epoch ms, or null for an empty history. */
export const asOfInstant = (state: ServiceLevelState, options?: ServiceLevelOptions): number | null => {
  if (options?.asOf === undefined) return state.lastAt
  const ms = instantMs(options.asOf)
  if (Number.isNaN(ms)) throw new Error(`asOf is not an ISO instant: ${String(options.asOf)}`)
  return ms
}

const MINUTE = 60_000

/** How many of the sorted instants are at or before `limit`. */
const countUpTo = (sorted: readonly number[], limit: number): number => {
  let n = 0
  while (n < sorted.length && sorted[n]! <= limit) n++
  return n
}

const latestQualification = (t: TicketFacts, asOf: number): Qualification | undefined => {
  for (let i = t.qualifications.length - 1; i >= 0; i--) {
    const q = t.qualifications[i]!
    if (q.at <= asOf) return q
  }
  return undefined
}

/** A stretch of instants [from, to) during which the resolution clock runs. */
export type Stretch = readonly [number, number]

/**
 * The resolution clock as of `asOf`: the stretches it ran (each resolution
 * cycle from opening or reopening to resolution or `asOf`, minus suspensions),
 * whether it still runs, and the current cycle (0 before any reopening).
 */
export const resolutionStretches = (
  t: TicketFacts,
  asOf: number,
): {
  readonly stretches: readonly Stretch[]
  readonly running: boolean
  readonly cycle: number
  readonly cycleStart: number
} => {
  const nReopened = countUpTo(t.reopenings, asOf)
  const nResolved = countUpTo(t.resolutions, asOf)
  const stretches: Stretch[] = []
  let j = 0
  for (let i = 0; i <= nReopened; i++) {
    const from = i === 0 ? t.opened : t.reopenings[i - 1]!
    const to = i < nResolved ? t.resolutions[i]! : asOf
    let cur = from
    while (j < t.suspensions.length) {
      const sp = t.suspensions[j]!
      if (sp.from >= to) break
      const end = sp.to === null || sp.to > to ? to : sp.to
      if (sp.from > cur) stretches.push([cur, sp.from])
      if (end > cur) cur = end
      j++
    }
    if (cur < to) stretches.push([cur, to])
  }
  return {
    stretches,
    running: nResolved === nReopened,
    cycle: nReopened,
    cycleStart: nReopened === 0 ? t.opened : t.reopenings[nReopened - 1]!,
  }
}

/**
 * The first instant (ms) at which the business time accumulated over the
 * stretches exceeds `targetMs`, i.e. the first instant the clock is `breached`;
 * null when it does not within them.
 */
export const firstInstantExceeding = (
  cal: Calendar,
  stretches: readonly Stretch[],
  targetMs: number,
): number | null => {
  let acc = 0
  for (const [from, to] of stretches) {
    const need = targetMs + 1 - acc
    const here = cal.businessTime(from, to)
    if (here >= need) return cal.addBusinessTime(from, need)
    acc += here
  }
  return null
}

/** One ticket's clocks as of an instant, with what the timers need besides. */
export interface TicketJudgement {
  readonly levels: TicketServiceLevels
  readonly facts: TicketFacts
  readonly calendar: Calendar
  readonly policy: ParsedPolicy
  readonly asOf: number
  /** Epoch ms of the escalation deadline, null when there is none. */
  readonly escalationDeadline: number | null
  /** The running stretches of the resolution clock up to `asOf`. */
  readonly resolution: ReturnType<typeof resolutionStretches>
}

const clockStatus = (stopped: boolean, elapsedMs: number, targetMs: number | null): ClockStatus => {
  if (targetMs === null) return 'pending'
  if (stopped) return elapsedMs <= targetMs ? 'met' : 'breached'
  return elapsedMs > targetMs ? 'breached' : 'pending'
}

/** Judge one ticket as of `asOf` (which must not be before its opening). */
export const judgeTicket = (
  org: PolicyHistory,
  t: TicketFacts,
  asOf: number,
  policyOverride?: SupportPolicy,
): Either<NotJudged, TicketJudgement> => {
  const policy = policyAt(org, t.opened, policyOverride)
  if (isLeft(policy)) return policy
  const cal = calendarAt(org, t.siteId, t.opened)
  if (isLeft(cal)) return cal
  try {
    return right(judgeWith(t, asOf, policy.right, cal.right))
  } catch (err) {
    // The calendar gives up on hours that never open within 10 years (holidays
    // closing every open day): one report line says so, the others still count.
    return left({
      _tag: 'InvalidSupportHours',
      reason: `the support hours of site ${t.siteId} never open (${err instanceof Error ? err.message : String(err)})`,
    })
  }
}

const judgeWith = (t: TicketFacts, asOf: number, p: ParsedPolicy, c: Calendar): TicketJudgement => {
  const q = latestQualification(t, asOf)

  // Response: never paused, stopped by the first answer, schedule or restoration.
  const responseMs = p.responseMinutes * MINUTE
  const stop = t.firstStop !== null && t.firstStop <= asOf ? t.firstStop : null
  const responseElapsed = c.businessTime(t.opened, stop ?? asOf)
  const response: ResponseLevel = {
    status: clockStatus(stop !== null, responseElapsed, responseMs),
    businessMinutes: stop === null ? null : responseElapsed / MINUTE,
    targetMinutes: p.responseMinutes,
    deadline: toInstant(c.addBusinessTime(t.opened, responseMs)),
    stoppedAt: stop === null ? null : toInstant(stop),
  }

  // Resolution: every cycle, minus suspensions.
  const res = resolutionStretches(t, asOf)
  let resolutionElapsed = 0
  for (const [from, to] of res.stretches) resolutionElapsed += c.businessTime(from, to)
  const resolutionMinutes = q === undefined ? undefined : p.resolutionMinutes[q.priority]
  const resolution: ResolutionLevel = {
    status: clockStatus(
      !res.running,
      resolutionElapsed,
      resolutionMinutes === undefined ? null : resolutionMinutes * MINUTE,
    ),
    businessMinutes: res.running ? null : resolutionElapsed / MINUTE,
    targetMinutes: resolutionMinutes ?? null,
  }

  // Escalation delay: deadline from the latest domain; the first escalation counts.
  const escalatedAt = t.firstEscalation !== null && t.firstEscalation <= asOf ? t.firstEscalation : null
  const delayMinutes = q === undefined ? undefined : p.escalationMinutes[q.domain]
  let deadline: number | null = null
  let status: EscalationStatus
  if (delayMinutes === undefined) {
    // No deadline: no domain yet (pending until resolved), or no delay set for it.
    status = q === undefined && res.running ? 'pending' : 'not-needed'
  } else {
    deadline = c.addBusinessTime(t.opened, delayMinutes * MINUTE)
    // "Resolved strictly before the deadline": the ticket stood resolved just
    // before it (its events strictly before the deadline and as of asOf).
    const before = Math.min(deadline - 1, asOf)
    const resolvedBefore = countUpTo(t.resolutions, before) > countUpTo(t.reopenings, before)
    if (escalatedAt !== null && escalatedAt <= deadline) status = 'on-time'
    else if (resolvedBefore) status = 'not-needed'
    else if (asOf < deadline) status = 'pending'
    else status = 'late'
  }
  const escalation: EscalationLevel = {
    status,
    deadline: deadline === null ? null : toInstant(deadline),
    escalatedAt: escalatedAt === null ? null : toInstant(escalatedAt),
  }

  return {
    levels: {
      ticketId: t.ticketId,
      siteId: t.siteId,
      workstationType: t.workstationType,
      domain: q?.domain ?? null,
      priority: q?.priority ?? null,
      openedAt: t.openedAt,
      response,
      escalation,
      resolution,
    },
    facts: t,
    calendar: c,
    policy: p,
    asOf,
    escalationDeadline: deadline,
    resolution: res,
  }
}

/** Order of tickets in reports: by opening, then ticket id. */
export const byOpening = (a: TicketFacts, b: TicketFacts): number =>
  a.opened - b.opened || (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0)

/** The tickets opened at or before `asOf`, ordered by opening then ticket id. */
export const ticketsAsOf = (state: ServiceLevelState, asOf: number): readonly TicketFacts[] =>
  [...state.tickets.values()].filter((t) => t.opened <= asOf).sort(byOpening)

const unjudged = (
  subject: UnjudgedServiceLevel['subject'],
  id: string,
  at: IsoInstant,
  why: NotJudged,
): UnjudgedServiceLevel => ({
  _tag: why._tag,
  subject,
  id,
  at,
  message: `${subject === 'ticket' ? 'ticket' : 'major incident'} ${id} (${subject === 'ticket' ? 'opened' : 'declared'} ${at}) cannot be judged: ${why.reason}`,
})

/** Why one ticket's clocks cannot be judged, as the reports list it. */
export const unjudgedTicket = (t: TicketFacts, why: NotJudged): UnjudgedServiceLevel =>
  unjudged('ticket', t.ticketId, t.openedAt, why)

const judgeTickets = (
  state: ServiceLevelState,
  options: ServiceLevelOptions | undefined,
): { tickets: TicketServiceLevels[]; unjudged: UnjudgedServiceLevel[] } => {
  const asOf = asOfInstant(state, options)
  const tickets: TicketServiceLevels[] = []
  const out: UnjudgedServiceLevel[] = []
  if (asOf === null) return { tickets, unjudged: out }
  for (const t of ticketsAsOf(state, asOf)) {
    const j = judgeTicket(state.org, t, asOf, options?.policyOverride)
    if (isLeft(j)) out.push(unjudged('ticket', t.ticketId, t.openedAt, j.left))
    else tickets.push(j.right.levels)
  }
  return { tickets, unjudged: out }
}

/** Every major incident's clocks as of an instant, and those that cannot be judged. */
export const judgeIncidents = (
  state: ServiceLevelState,
  options: ServiceLevelOptions | undefined,
): { majorIncidents: MajorIncidentServiceLevels[]; unjudged: UnjudgedServiceLevel[] } => {
  const asOf = asOfInstant(state, options)
  const majorIncidents: MajorIncidentServiceLevels[] = []
  const out: UnjudgedServiceLevel[] = []
  if (asOf === null) return { majorIncidents, unjudged: out }
  const incidents = [...state.incidents.values()]
    .filter((i) => i.declared <= asOf)
    .sort(
      (a, b) =>
        a.declared - b.declared || (a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : 0),
    )
  for (const i of incidents) {
    const policy = policyAt(state.org, i.declared, options?.policyOverride)
    if (isLeft(policy)) {
      out.push(unjudged('major-incident', i.incidentId, i.declaredAt, policy.left))
      continue
    }
    // Elapsed, not business, time: a major incident is followed around the clock.
    const targetMs = policy.right.bulletinMinutes * MINUTE
    const bulletin = i.firstBulletin !== null && i.firstBulletin <= asOf ? i.firstBulletin : null
    const elapsed = (bulletin ?? asOf) - i.declared
    const alerted = i.staffAlerted !== null && i.staffAlerted <= asOf ? i.staffAlerted : null
    majorIncidents.push({
      incidentId: i.incidentId,
      declaredAt: i.declaredAt,
      bulletinElapsedMinutes: bulletin === null ? null : elapsed / MINUTE,
      bulletinTargetMinutes: policy.right.bulletinMinutes,
      status: clockStatus(bulletin !== null, elapsed, targetMs),
      staffAlertElapsedMinutes: alerted === null ? null : (alerted - i.declared) / MINUTE,
    })
  }
  return { majorIncidents, unjudged: out }
}

/** Every ticket's clocks as of an instant, ordered by opening then ticket id (unjudged tickets left out). */
export const ticketServiceLevels = (
  state: ServiceLevelState,
  options?: ServiceLevelOptions,
): readonly TicketServiceLevels[] => judgeTickets(state, options).tickets

/** Every major incident's bulletin and staff-alert clocks, ordered by declaration then id. */
export const majorIncidentServiceLevels = (
  state: ServiceLevelState,
  options?: ServiceLevelOptions,
): readonly MajorIncidentServiceLevels[] => judgeIncidents(state, options).majorIncidents

/**
 * The tickets and major incidents whose clocks cannot be computed: no policy,
 * no registered site or no support hours in force when they were opened.
 */
export const unjudgedServiceLevels = (
  state: ServiceLevelState,
  options?: ServiceLevelOptions,
): readonly UnjudgedServiceLevel[] => [
  ...judgeTickets(state, options).unjudged,
  ...judgeIncidents(state, options).unjudged,
]

export interface ServiceLevelReport {
  readonly tickets: readonly TicketServiceLevels[]
  readonly majorIncidents: readonly MajorIncidentServiceLevels[]
  readonly unjudged: readonly UnjudgedServiceLevel[]
}

/** Report the service levels of a whole state as of one instant. */
export const serviceLevelReport = (
  state: ServiceLevelState,
  options?: ServiceLevelOptions,
): ServiceLevelReport => {
  const t = judgeTickets(state, options)
  const i = judgeIncidents(state, options)
  return { tickets: t.tickets, majorIncidents: i.majorIncidents, unjudged: [...t.unjudged, ...i.unjudged] }
}

/** Fold a history and report its service levels (convenience for files and tests). */
export const computeServiceLevels = (
  events: Iterable<RecordedEvent>,
  options?: ServiceLevelOptions,
): ServiceLevelReport => {
  let state = initialServiceLevelState()
  for (const e of events) state = applyServiceLevelEvent(state, e)
  return serviceLevelReport(state, options)
}

/** The policy, time zone and support hours that judge a ticket (what a timeline shows). */
export const ticketRulesInForce = (
  state: ServiceLevelState,
  ticketId: string,
): Either<string, RulesInForce & { readonly openedAt: IsoInstant }> => {
  const t = state.tickets.get(ticketId) ?? [...state.tickets.values()].find((x) => x.ticketId === ticketId)
  if (t === undefined) return left(`ticket ${ticketId} was never opened`)
  return right({ ...rulesInForceAt(state.org, t.siteId, t.opened), openedAt: t.openedAt })
}
