/**
 * The ticket rules re-checked from recorded events alone (used by
 * `soutien verify` and by the property tests of the decider).
 *
 * Each event must be one that the ticket decider could have emitted for some
 * command, given the ticket as it stood before it, the event's actor, and the
 * organisation as it stood at the event's `at`. This is written independently
 * of `decide`: it keeps its own small audit fold (not the decider's `evolve`)
 * and states each rule in terms of the event rather than of a command, so that
 * the two implementations check each other. Only the wording helpers and the
 * two organisation predicates (acting agent enrolled/active, owner eligibility)
 * are shared with the decider, so that both speak the same refusals.
 */
import type { IsoInstant } from './codec.js'
import { instantMs } from './codec.js'
import type { DomainError } from './decider.js'
import type { Fact } from './envelope.js'
import type { TicketEvent } from './events.js'
import type { OrganizationView } from './organization-view.js'
import { agentActorProblem, describeActor, isBlank, ownerProblem, ticketRefusal } from './ticket.js'
import { type Actor, isL1, type SupportDomain } from './vocabulary.js'

export interface HistoryProblem {
  /** Position of the offending event in the history given (0-based). */
  readonly index: number
  readonly error: DomainError
}

/** What the re-check needs to know about the ticket before each event. */
export interface TicketAuditFacts {
  readonly ticketId: string
  readonly requesterId: string
  readonly siteId: string
  readonly workstationType: string
  readonly phase: 'open' | 'resolved' | 'closed'
  readonly owner: string | null
  readonly qualifiedDomain: SupportDomain | null
  readonly awaiting: SupportDomain | null
  readonly suspended: boolean
  /** A restoration message followed the latest resolution. */
  readonly toldRestored: boolean
  /** The requester rated the current resolution cycle. */
  readonly rated: boolean
  readonly incidents: readonly string[]
  readonly lastMs: number
}

const EVENT_ACTION: Readonly<Record<TicketEvent['type'], string>> = {
  TicketOpened: 'be opened',
  TicketQualified: 'be qualified',
  TicketAssigned: 'be assigned',
  UserInformed: 'carry a message to the user',
  TicketEscalated: 'be escalated to level 2',
  ExpertAdviceGiven: 'receive expert advice',
  HierarchyInvolved: 'be brought to management',
  TicketSuspended: 'be suspended',
  TicketResumed: 'be resumed',
  TicketResolved: 'be resolved',
  TicketReopened: 'be reopened',
  TicketClosed: 'be closed',
  SatisfactionRecorded: 'record a satisfaction score',
  TicketLinkedToMajorIncident: 'be linked to a major incident',
}

type Problem = { readonly tag: string; readonly why: string }
const p = (tag: string, why: string): Problem => ({ tag, why })

/**
 * Re-check a ticket's history. Returns every problem found, in order (an empty
 * list means the history is one the decider could have produced). Checking
 * goes on after a problem, with the event applied as recorded.
 */
export const checkTicketHistory = (
  events: readonly Fact<TicketEvent>[],
  orgAt: (at: IsoInstant) => OrganizationView,
): readonly HistoryProblem[] => {
  const problems: HistoryProblem[] = []
  let audit = createTicketAudit()
  events.forEach((e, index) => {
    const checked = stepTicketAudit(audit, e, orgAt(e.at), `event ${index}`)
    if (checked.error !== undefined) problems.push({ index, error: checked.error })
    audit = checked.audit
  })
  return problems
}

/**
 * What the re-check knows about a ticket before its next event: a handful of
 * facts, never the ticket's history (undefined until the opening). Lets a
 * caller re-check a stream one event at a time in constant memory
 * (`soutien verify`), with exactly the verdicts of `checkTicketHistory`.
 */
export type TicketAudit = TicketAuditFacts | undefined

export const createTicketAudit = (): TicketAudit => undefined

export interface TicketAuditStep {
  /** The audit after the event, applied as recorded whether or not it broke a rule. */
  readonly audit: TicketAudit
  /** The rule the event broke, if any. */
  readonly error?: DomainError
}

/**
 * Check one event against the ticket as it stood before it and the
 * organisation as it stood at its `at`. `where` names the event in the
 * message (`event 3`, `revision 3`).
 */
export const stepTicketAudit = (
  audit: TicketAudit,
  e: Fact<TicketEvent>,
  org: OrganizationView,
  where: string,
): TicketAuditStep => {
  const found = problemOf(e, audit, org)
  const next = step(audit, e)
  if (found === undefined) return { audit: next }
  const ticketId = audit?.ticketId ?? (e.type === 'TicketOpened' ? e.data.ticketId : '(unopened)')
  return {
    audit: next,
    error: ticketRefusal(
      found.tag,
      ticketId,
      EVENT_ACTION[e.type],
      `${found.why} [${where}, ${e.type} by ${describeActor(e.actor)} at ${e.at}]`,
    ),
  }
}

const problemOf = (
  e: Fact<TicketEvent>,
  a: TicketAuditFacts | undefined,
  org: OrganizationView,
): Problem | undefined => {
  if (a === undefined) {
    if (e.type !== 'TicketOpened') return p('TicketNotFound', 'the history does not start with its opening')
    return openingProblem(e, org)
  }
  if (e.type === 'TicketOpened') return p('TicketAlreadyExists', 'it was already opened')
  const at = instantMs(e.at)
  if (Number.isNaN(at) || at < a.lastMs)
    return p('TimeWentBackwards', 'it is dated before the event preceding it')
  if (a.phase === 'closed' && e.type !== 'TicketReopened' && e.type !== 'SatisfactionRecorded')
    return p('TicketClosed', 'it was closed')
  const actorProblem = agentActorProblem(e.actor, org)
  if (actorProblem !== undefined) return actorProblem
  return ruleProblem(e, a, e.actor, org)
}

const openingProblem = (e: Extract<Fact<TicketEvent>, { type: 'TicketOpened' }>, org: OrganizationView) => {
  if (e.actor.role !== 'assistance') return p('RoleNotAllowed', 'only the assistance desk opens tickets')
  const actorProblem = agentActorProblem(e.actor, org)
  if (actorProblem !== undefined) return actorProblem
  const d = e.data
  const user = org.users.get(d.requesterId)
  if (user === undefined) return p('UserNotRegistered', `${d.requesterId} was not a registered user`)
  if (org.agents.get(e.actor.id)?.deskId !== user.deskId)
    return p(
      'NotTheRequestersDesk',
      `${e.actor.id} is not at ${d.requesterId}'s designated desk ${user.deskId}`,
    )
  if (d.deskId !== user.deskId)
    return p('DeskMismatch', `the recorded desk ${d.deskId} is not ${user.deskId}`)
  if (d.siteId !== user.siteId)
    return p('SiteMismatch', `the recorded site ${d.siteId} is not ${user.siteId}`)
  if (d.workstationType !== user.workstationType)
    return p(
      'WorkstationTypeMismatch',
      `the recorded workstation type ${d.workstationType} is not ${user.workstationType}`,
    )
  if (isBlank(d.ticketId)) return p('EmptyTicketId', 'it has no id')
  if (isBlank(d.summary)) return p('EmptySummary', 'its summary is empty')
  return undefined
}

const ruleProblem = (
  e: Fact<TicketEvent>,
  a: TicketAuditFacts,
  actor: Actor,
  org: OrganizationView,
): Problem | undefined => {
  const owner = isL1(actor.role) && a.owner !== null && actor.id === a.owner
  const assistance = actor.role === 'assistance'
  /** The "owner (or assistance)" rule; a non-owner L1 is told it is not the owner. */
  const byOwner = (orAssistance: boolean): Problem | undefined =>
    owner || (orAssistance && assistance)
      ? undefined
      : isL1(actor.role)
        ? p('NotTheOwner', `${actor.id} is not its owner (${a.owner ?? 'none'})`)
        : p('RoleNotAllowed', `${describeActor(actor)} may not do this`)
  const unresolved = (): Problem | undefined =>
    a.phase === 'open' ? undefined : p('TicketAlreadyResolved', 'it was already resolved')

  switch (e.type) {
    case 'TicketOpened':
      return p('TicketAlreadyExists', 'it was already opened')
    case 'TicketQualified':
      return isL1(actor.role) ? undefined : p('RoleNotAllowed', 'only level-1 support qualifies tickets')
    case 'TicketAssigned': {
      const target = e.data.ownerId
      return (
        unresolved() ??
        byOwner(true) ??
        ownerProblem(target, org.agents.get(target), a.siteId, a.workstationType) ??
        (a.owner === target ? p('AlreadyOwner', `${target} already owned it`) : undefined)
      )
    }
    case 'UserInformed': {
      const d = e.data
      const who = byOwner(true)
      if (who !== undefined) return who
      if (isBlank(d.message)) return p('EmptyMessage', 'the message is empty')
      if (d.kind === 'schedule') {
        if (d.expectedResolutionAt === undefined) return p('ScheduleWithoutDate', 'the schedule has no date')
        return instantMs(d.expectedResolutionAt) > instantMs(e.at)
          ? undefined
          : p('ScheduleInThePast', `the expected resolution ${d.expectedResolutionAt} is not after ${e.at}`)
      }
      return d.expectedResolutionAt === undefined
        ? undefined
        : p('DateOnlyForSchedule', `a ${d.kind} carries an expected resolution date`)
    }
    case 'TicketEscalated': {
      const d = e.data
      const notResolved = unresolved()
      if (notResolved !== undefined) return notResolved
      if (d.reason === 'delay-expired') {
        if (actor.role !== 'system')
          return p('DelayExpiredOnlyBySystem', 'an expired delay is recorded by the system only')
      } else {
        const who = byOwner(true)
        if (who !== undefined) return who
      }
      if (a.qualifiedDomain === null) return p('TicketNotQualified', 'it had no qualified domain')
      if (a.awaiting !== null)
        return p('AlreadyAwaitingExpert', `it was already awaiting ${a.awaiting} advice`)
      return d.reason === 'delay-expired' && d.domain !== a.qualifiedDomain
        ? p('EscalationDomainMismatch', `the delay of ${a.qualifiedDomain} expired, not that of ${d.domain}`)
        : undefined
    }
    case 'ExpertAdviceGiven': {
      if (actor.role !== 'expert') return p('RoleNotAllowed', 'only level-2 experts give advice')
      if (a.phase !== 'open' || a.awaiting === null) return p('NotAwaitingExpert', 'no advice was asked for')
      if (!(org.agents.get(actor.id)?.domains ?? []).includes(a.awaiting))
        return p('NotAnExpertOfDomain', `${actor.id} is not an expert of ${a.awaiting}`)
      return isBlank(e.data.advice) ? p('EmptyAdvice', 'the advice is empty') : undefined
    }
    case 'HierarchyInvolved': {
      const notResolved = unresolved()
      if (notResolved !== undefined) return notResolved
      if (e.data.reason === 'difficulty') return actor.role === 'manager' ? undefined : byOwner(false)
      return actor.role === 'system' || actor.role === 'manager'
        ? undefined
        : p('RoleNotAllowed', `a ${e.data.reason} is reported by the system or a manager`)
    }
    case 'TicketSuspended':
      return (
        unresolved() ??
        (a.owner === null ? p('NoOwner', 'it had no owner') : undefined) ??
        byOwner(false) ??
        (a.suspended ? p('TicketSuspended', 'it was already suspended') : undefined)
      )
    case 'TicketResumed':
      return a.phase !== 'open' || !a.suspended
        ? p('TicketNotSuspended', 'it was not suspended')
        : ((a.owner === null ? p('NoOwner', 'it had no owner') : undefined) ?? byOwner(false))
    case 'TicketResolved':
      return (
        unresolved() ??
        (a.owner === null ? p('NoOwner', 'it had no owner') : undefined) ??
        byOwner(false) ??
        // The decider resumes a suspended ticket explicitly before resolving it.
        (a.suspended ? p('TicketSuspended', 'it was still suspended') : undefined) ??
        (isBlank(e.data.solution) ? p('EmptySolution', 'the solution is empty') : undefined) ??
        (isBlank(e.data.resolutionCode)
          ? p('EmptyResolutionCode', 'the resolution code is empty')
          : undefined)
      )
    case 'TicketReopened': {
      if (a.phase === 'open') return p('TicketNotResolved', 'it was not resolved')
      const who =
        actor.role === 'user'
          ? actor.id === a.requesterId
            ? undefined
            : p('NotTheRequester', `${actor.id} is not its requester ${a.requesterId}`)
          : byOwner(true)
      return who ?? (isBlank(e.data.reason) ? p('EmptyReason', 'the reason is empty') : undefined)
    }
    case 'TicketClosed':
      if (a.phase !== 'resolved') return p('TicketNotResolved', 'it was not resolved')
      return (
        byOwner(true) ??
        (a.toldRestored
          ? undefined
          : p('UserNotToldOfRestoration', 'the user had not been told how it was restored'))
      )
    case 'SatisfactionRecorded': {
      const score = e.data.score
      if (actor.role !== 'user') return p('RoleNotAllowed', 'only the requester rates a ticket')
      if (actor.id !== a.requesterId) return p('NotTheRequester', `${actor.id} is not its requester`)
      if (a.phase === 'open') return p('TicketNotResolved', 'it was not resolved')
      if (a.rated) return p('SatisfactionAlreadyRecorded', 'this resolution was already rated')
      return Number.isInteger(score) && score >= 1 && score <= 5
        ? undefined
        : p('InvalidScore', `${score} is not a score from 1 to 5`)
    }
    case 'TicketLinkedToMajorIncident':
      if (!isL1(actor.role)) return p('RoleNotAllowed', 'only level-1 support links tickets')
      if (isBlank(e.data.incidentId)) return p('EmptyIncidentId', 'the incident id is empty')
      return a.incidents.includes(e.data.incidentId)
        ? p('AlreadyLinked', `it was already linked to ${e.data.incidentId}`)
        : undefined
    default: {
      const unknown: never = e
      return p('UnknownEventType', `${JSON.stringify(unknown)} is not a ticket event`)
    }
  }
}

/** The audit fold: the facts as recorded, whether or not they broke a rule. */
const step = (a: TicketAuditFacts | undefined, e: Fact<TicketEvent>): TicketAuditFacts | undefined => {
  const at = instantMs(e.at)
  if (a === undefined) {
    if (e.type !== 'TicketOpened') return undefined
    return {
      ticketId: e.data.ticketId,
      requesterId: e.data.requesterId,
      siteId: e.data.siteId,
      workstationType: e.data.workstationType,
      phase: 'open',
      owner: null,
      qualifiedDomain: null,
      awaiting: null,
      suspended: false,
      toldRestored: false,
      rated: false,
      incidents: [],
      lastMs: at,
    }
  }
  const b: TicketAuditFacts = { ...a, lastMs: Number.isNaN(at) ? a.lastMs : Math.max(a.lastMs, at) }
  switch (e.type) {
    case 'TicketOpened':
    case 'HierarchyInvolved':
      return b
    case 'TicketQualified':
      return { ...b, qualifiedDomain: e.data.domain }
    case 'TicketAssigned':
      return { ...b, owner: e.data.ownerId }
    case 'UserInformed':
      return a.phase === 'resolved' && e.data.kind === 'restoration' ? { ...b, toldRestored: true } : b
    case 'TicketEscalated':
      return { ...b, awaiting: e.data.domain }
    case 'ExpertAdviceGiven':
      return { ...b, awaiting: null }
    case 'TicketSuspended':
      return { ...b, suspended: true }
    case 'TicketResumed':
      return { ...b, suspended: false }
    case 'TicketResolved':
      return { ...b, phase: 'resolved', awaiting: null, suspended: false, toldRestored: false, rated: false }
    case 'TicketReopened':
      return { ...b, phase: 'open', awaiting: null, suspended: false, toldRestored: false, rated: false }
    case 'TicketClosed':
      return { ...b, phase: 'closed' }
    case 'SatisfactionRecorded':
      return { ...b, rated: true }
    case 'TicketLinkedToMajorIncident':
      return { ...b, incidents: [...b.incidents, e.data.incidentId] }
    default:
      return exhaustive(e, b)
  }
}

/** Compile-time exhaustiveness; at run time an unknown event (never decoded as such) changes nothing. */
const exhaustive = <T>(_unexpected: never, fallback: T): T => fallback
