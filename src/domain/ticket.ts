/**
 * The ticket decider (stream `ticket-<ticketId>`): one support request carried
 * by one accountable level-1 owner from its opening at the requester's desk to
 * its closing, with level-2 advice, management involvement, suspensions,
 * resolutions and reopenings (domain.md §4).
 *
 * Choices where domain.md leaves room (documented in docs):
 * - Assigning the current owner again is refused (`AlreadyOwner`): a no-op
 *   `TicketAssigned` would read as a reassignment in the quality statistics.
 * - `InformUser` of a kind other than `schedule` carrying `expectedResolutionAt`
 *   is refused (`DateOnlyForSchedule`) rather than silently dropped.
 * - `EscalateTicket` does not need an owner (the system escalates an unowned
 *   ticket when its delay expires); `delay-expired` must be in the qualified
 *   domain, since the delay is the one set for that domain.
 * - `InvolveHierarchy` for `difficulty` may be asked by a manager or by the
 *   owner asking for help; breaches are reported by `system` or a manager.
 * - Resolving a suspended ticket resumes it implicitly: `TicketResumed` then
 *   `TicketResolved`, so that the time spent suspended stays exact in history.
 * - Resolving while awaiting expert advice is allowed (the owner found the
 *   solution first); the pending request for advice lapses.
 * - Free texts that carry the substance of a fact (summary, message, advice,
 *   solution, resolution code, reopening reason, incident id) must not be blank.
 * - An agent acting must be enrolled with the role it acts as, and active; the
 *   owner who retired can no longer act on the ticket (assistance reassigns it).
 * - A resolved ticket may still be qualified (the classification is corrected
 *   before closing), informed (the restoration message), linked to a major
 *   incident, reopened, closed and rated; it cannot be assigned, escalated,
 *   suspended or handed to management.
 */
import { type Either, left, right } from 'fp-ts/lib/Either.js'
import { type IsoInstant, instantMs, type NonEmpty } from './codec.js'
import type { TicketCommand } from './commands.js'
import type { Context, Decided, Decider, DomainError } from './decider.js'
import { domainError } from './decider.js'
import type { Fact } from './envelope.js'
import type { EventData, TicketEvent } from './events.js'
import type { Agent, OrganizationView } from './organization-view.js'
import { type Actor, isL1, type SupportDomain } from './vocabulary.js'

// ---- state -----------------------------------------------------------------

export type Qualification = EventData<'TicketQualified'>
export type SuspensionReason = EventData<'TicketSuspended'>['reason']

/** What every existing ticket knows, whatever its status. */
export interface TicketFacts {
  readonly ticketId: string
  readonly requesterId: string
  readonly siteId: string
  readonly workstationType: string
  readonly deskId: string
  readonly openedAt: IsoInstant
  /** `at` of the latest event: time never goes backwards within a stream. */
  readonly lastAt: IsoInstant
  /** The latest qualification (it may be repeated: the latest stands). */
  readonly qualification: Qualification | null
  /** The one accountable level-1 owner. */
  readonly ownerId: string | null
  /** How many times the ticket has been resolved (resolution cycles). */
  readonly resolutions: number
  readonly reopenings: number
  readonly linkedIncidentIds: readonly string[]
}

export interface OpenTicketState extends TicketFacts {
  readonly status: 'open'
  readonly suspended: SuspensionReason | null
  /** The domain a level-2 expert has been asked about, until advice is given. */
  readonly awaitingExpert: SupportDomain | null
}

export interface ResolvedTicketState extends TicketFacts {
  readonly status: 'resolved'
  readonly resolvedAt: IsoInstant
  /** A `restoration` `UserInformed` followed the latest resolution. */
  readonly restorationInformed: boolean
  /** The requester rated this resolution cycle. */
  readonly satisfactionRecorded: boolean
}

export interface ClosedTicketState extends TicketFacts {
  readonly status: 'closed'
  readonly closedAt: IsoInstant
  readonly satisfactionRecorded: boolean
}

export type TicketState =
  | { readonly status: 'none' }
  | OpenTicketState
  | ResolvedTicketState
  | ClosedTicketState
export type ExistingTicket = OpenTicketState | ResolvedTicketState | ClosedTicketState

export const initialState: TicketState = { status: 'none' }

const factsOf = (s: ExistingTicket, at: IsoInstant): TicketFacts => ({
  ticketId: s.ticketId,
  requesterId: s.requesterId,
  siteId: s.siteId,
  workstationType: s.workstationType,
  deskId: s.deskId,
  openedAt: s.openedAt,
  lastAt: at,
  qualification: s.qualification,
  ownerId: s.ownerId,
  resolutions: s.resolutions,
  reopenings: s.reopenings,
  linkedIncidentIds: s.linkedIncidentIds,
})

// The states below are written key by key rather than as `{ ...f, status, … }`:
// on Node 20 a spread followed by new keys costs microseconds (a fresh hidden
// class each time), and every command folds its ticket's stream from the start.
const asOpen = (
  f: TicketFacts,
  suspended: SuspensionReason | null,
  awaiting: SupportDomain | null,
): OpenTicketState => ({
  ticketId: f.ticketId,
  requesterId: f.requesterId,
  siteId: f.siteId,
  workstationType: f.workstationType,
  deskId: f.deskId,
  openedAt: f.openedAt,
  lastAt: f.lastAt,
  qualification: f.qualification,
  ownerId: f.ownerId,
  resolutions: f.resolutions,
  reopenings: f.reopenings,
  linkedIncidentIds: f.linkedIncidentIds,
  status: 'open',
  suspended,
  awaitingExpert: awaiting,
})

/**
 * Fold one fact. Recorded facts are never refused here: an event that makes no
 * sense in the state before it (a corrupt or hand-edited history) leaves the
 * state as the facts allow, and `checkTicketHistory` is what reports it.
 */
export const evolve = (s: TicketState, e: Fact<TicketEvent>): TicketState => {
  if (s.status === 'none') {
    if (e.type !== 'TicketOpened') return s
    const d = e.data
    return asOpen(
      {
        ticketId: d.ticketId,
        requesterId: d.requesterId,
        siteId: d.siteId,
        workstationType: d.workstationType,
        deskId: d.deskId,
        openedAt: e.at,
        lastAt: e.at,
        qualification: null,
        ownerId: null,
        resolutions: 0,
        reopenings: 0,
        linkedIncidentIds: [],
      },
      null,
      null,
    )
  }
  const f = factsOf(s, e.at)
  const keep = (over: Partial<TicketFacts>): TicketState => ({ ...s, ...f, ...over })
  switch (e.type) {
    case 'TicketOpened':
      return keep({})
    case 'TicketQualified':
      return keep({ qualification: e.data })
    case 'TicketAssigned':
      return keep({ ownerId: e.data.ownerId })
    case 'UserInformed':
      return s.status === 'resolved' && e.data.kind === 'restoration'
        ? { ...s, ...f, restorationInformed: true }
        : keep({})
    case 'TicketEscalated':
      return s.status === 'open' ? { ...s, ...f, awaitingExpert: e.data.domain } : keep({})
    case 'ExpertAdviceGiven':
      return s.status === 'open' ? { ...s, ...f, awaitingExpert: null } : keep({})
    case 'HierarchyInvolved':
      return keep({})
    case 'TicketSuspended':
      return s.status === 'open' ? { ...s, ...f, suspended: e.data.reason } : keep({})
    case 'TicketResumed':
      return s.status === 'open' ? { ...s, ...f, suspended: null } : keep({})
    case 'TicketResolved':
      return {
        status: 'resolved',
        resolvedAt: e.at,
        restorationInformed: false,
        satisfactionRecorded: false,
        ...f,
        resolutions: f.resolutions + 1,
      }
    case 'TicketReopened':
      return asOpen({ ...f, reopenings: f.reopenings + 1 }, null, null)
    case 'TicketClosed':
      return {
        status: 'closed',
        closedAt: e.at,
        satisfactionRecorded: s.status === 'open' ? false : s.satisfactionRecorded,
        ...f,
      }
    case 'SatisfactionRecorded':
      return s.status === 'open' ? keep({}) : { ...s, ...f, satisfactionRecorded: true }
    case 'TicketLinkedToMajorIncident':
      return f.linkedIncidentIds.includes(e.data.incidentId)
        ? keep({})
        : keep({ linkedIncidentIds: [...f.linkedIncidentIds, e.data.incidentId] })
    default:
      return assertNever(e)
  }
}

const assertNever = (x: never): never => {
  throw new Error(`unexpected ticket event or command: ${JSON.stringify(x)}`)
}

// ---- refusals --------------------------------------------------------------

/** What was attempted, as a support manager reads it after "ticket T-42 cannot …". */
export const COMMAND_ACTION: Readonly<Record<TicketCommand['type'], string>> = {
  OpenTicket: 'be opened',
  QualifyTicket: 'be qualified',
  AssignTicket: 'be assigned',
  InformUser: 'carry a message to the user',
  EscalateTicket: 'be escalated to level 2',
  GiveExpertAdvice: 'receive expert advice',
  InvolveHierarchy: 'be brought to management',
  SuspendTicket: 'be suspended',
  ResumeTicket: 'be resumed',
  ResolveTicket: 'be resolved',
  ReopenTicket: 'be reopened',
  CloseTicket: 'be closed',
  RecordSatisfaction: 'record a satisfaction score',
  LinkTicketToMajorIncident: 'be linked to a major incident',
}

/** "ticket T-42 cannot be closed: the user has not been told how it was restored" */
export const ticketRefusal = (tag: string, ticketId: string, action: string, why: string): DomainError =>
  domainError(tag, `ticket ${ticketId} cannot ${action}: ${why}`)

export const describeActor = (a: Actor): string =>
  a.role === 'system' ? 'the system' : `${a.id} (${a.role})`

/** The rules an acting agent must meet whatever it does: enrolled as that role, and active. */
export const agentActorProblem = (
  actor: Actor,
  org: OrganizationView,
): { readonly tag: string; readonly why: string } | undefined => {
  if (actor.role === 'user' || actor.role === 'system') return undefined
  const agent = org.agents.get(actor.id)
  if (agent === undefined) return { tag: 'UnknownAgent', why: `${actor.id} is not an enrolled support agent` }
  if (agent.role !== actor.role)
    return { tag: 'ActorRoleMismatch', why: `${actor.id} is enrolled as ${agent.role}, not as ${actor.role}` }
  if (!agent.active) return { tag: 'AgentNotActive', why: `${actor.id} has retired` }
  return undefined
}

/**
 * Why an agent cannot own a ticket of this site and workstation type, or
 * undefined when it can: an active level-1 agent, competent for the workstation
 * type and serving the site. Experts advise level 1 and never own a ticket.
 */
export const ownerProblem = (
  ownerId: string,
  agent: Agent | undefined,
  siteId: string,
  workstationType: string,
): { readonly tag: string; readonly why: string } | undefined => {
  if (agent === undefined) return { tag: 'UnknownAgent', why: `${ownerId} is not an enrolled support agent` }
  if (!isL1(agent.role))
    return {
      tag: 'OwnerNotLevel1',
      why:
        agent.role === 'expert'
          ? `${ownerId} is a level-2 expert: experts advise the level-1 owner and never take a ticket over`
          : `${ownerId} is a ${agent.role}, not a level-1 support agent`,
    }
  if (!agent.active) return { tag: 'AgentNotActive', why: `${ownerId} has retired` }
  if (!agent.workstationTypes.includes(workstationType))
    return {
      tag: 'OwnerNotCompetent',
      why: `${ownerId} is not competent for ${workstationType} workstations`,
    }
  if (!agent.siteIds.includes(siteId))
    return { tag: 'OwnerNotServingSite', why: `${ownerId} does not serve site ${siteId}` }
  return undefined
}

export const isBlank = (s: string): boolean => s.trim().length === 0

// ---- decide ----------------------------------------------------------------

type Decision = Either<DomainError, readonly Decided<TicketEvent>[]>
type Cmd<K extends TicketCommand['type']> = Extract<TicketCommand, { type: K }>

const emit = (...events: Decided<TicketEvent>[]): Decision => right(events)

export const decide = (c: TicketCommand, s: TicketState, ctx: Context): Decision => {
  const no = (tag: string, why: string): Decision =>
    left(ticketRefusal(tag, c.ticketId, COMMAND_ACTION[c.type], why))
  if (c.type === 'OpenTicket')
    return s.status === 'none' ? open(c, ctx, no) : no('TicketAlreadyExists', 'it was already opened')
  if (s.status === 'none') return no('TicketNotFound', 'no such ticket has been opened')
  if (c.ticketId !== s.ticketId)
    return no('TicketIdMismatch', `the command names ${c.ticketId} but the stream holds ${s.ticketId}`)
  if (instantMs(ctx.now) < instantMs(s.lastAt))
    return no('TimeWentBackwards', `${ctx.now} is earlier than its latest event (${s.lastAt})`)
  if (s.status === 'closed' && c.type !== 'ReopenTicket' && c.type !== 'RecordSatisfaction')
    return no('TicketClosed', 'it is closed (it can only be reopened or rated)')
  const actorProblem = agentActorProblem(ctx.actor, ctx.organization)
  if (actorProblem !== undefined) return no(actorProblem.tag, actorProblem.why)
  const r = rolesOf(s, ctx.actor, no)
  switch (c.type) {
    case 'QualifyTicket':
      return qualify(c, r)
    case 'AssignTicket':
      return assign(c, s, ctx, r)
    case 'InformUser':
      return inform(c, ctx, r)
    case 'EscalateTicket':
      return escalate(c, s, ctx, r)
    case 'GiveExpertAdvice':
      return advise(c, s, ctx, r)
    case 'InvolveHierarchy':
      return involve(c, s, r)
    case 'SuspendTicket':
      return suspend(c, s, r)
    case 'ResumeTicket':
      return resume(s, r)
    case 'ResolveTicket':
      return resolve(c, s, r)
    case 'ReopenTicket':
      return reopen(c, s, r)
    case 'CloseTicket':
      return close(s, r)
    case 'RecordSatisfaction':
      return rate(c, s, r)
    case 'LinkTicketToMajorIncident':
      return link(c, s, r)
    default:
      return assertNever(c)
  }
}

type No = (tag: string, why: string) => Decision

/** Who the actor is with respect to this ticket, and the usual "who may" refusal. */
interface Roles {
  readonly actor: Actor
  readonly no: No
  readonly isOwner: boolean
  readonly isAssistance: boolean
  /** A refusal unless the owner or (when allowed) assistance acts. */
  readonly ownerOr: (assistance: boolean, what: string) => Decision | undefined
}

const rolesOf = (s: ExistingTicket, actor: Actor, no: No): Roles => {
  const isOwner = isL1(actor.role) && s.ownerId !== null && actor.id === s.ownerId
  const isAssistance = actor.role === 'assistance'
  return {
    actor,
    no,
    isOwner,
    isAssistance,
    ownerOr: (assistance, what) => {
      if (isOwner || (assistance && isAssistance)) return undefined
      const who = assistance ? 'its owner or the assistance desk' : 'its owner'
      // A level-1 agent could do it as owner; anyone else never can.
      if (isL1(actor.role)) {
        const owner = s.ownerId === null ? ' (it has none yet)' : ` (${s.ownerId})`
        return no('NotTheOwner', `only ${who}${owner} may ${what}, not ${describeActor(actor)}`)
      }
      return no('RoleNotAllowed', `only ${who} may ${what}, not ${describeActor(actor)}`)
    },
  }
}

const open = (c: Cmd<'OpenTicket'>, ctx: Context, no: No): Decision => {
  const { actor, organization: org } = ctx
  if (actor.role !== 'assistance')
    return no('RoleNotAllowed', `tickets are opened by the assistance desk, not by ${describeActor(actor)}`)
  const actorProblem = agentActorProblem(actor, org)
  if (actorProblem !== undefined) return no(actorProblem.tag, actorProblem.why)
  const user = org.users.get(c.requesterId)
  if (user === undefined) return no('UserNotRegistered', `${c.requesterId} is not a registered user`)
  const agent = org.agents.get(actor.id)
  if (agent?.deskId !== user.deskId)
    return no(
      'NotTheRequestersDesk',
      `${c.requesterId}'s designated entry point is ${user.deskId}, and ${actor.id} works at ${agent?.deskId ?? 'no desk'}`,
    )
  if (c.siteId !== undefined && c.siteId !== user.siteId)
    return no('SiteMismatch', `${c.requesterId} works at site ${user.siteId}, not ${c.siteId}`)
  if (c.workstationType !== undefined && c.workstationType !== user.workstationType)
    return no(
      'WorkstationTypeMismatch',
      `${c.requesterId}'s workstation is a ${user.workstationType}, not a ${c.workstationType}`,
    )
  if (isBlank(c.ticketId)) return no('EmptyTicketId', 'a ticket needs an id')
  if (isBlank(c.summary)) return no('EmptySummary', 'the summary of the request is empty')
  return emit({
    type: 'TicketOpened',
    data: {
      ticketId: c.ticketId,
      requesterId: user.userId,
      siteId: user.siteId,
      workstationType: user.workstationType,
      deskId: user.deskId,
      channel: c.channel,
      summary: c.summary,
    },
  })
}

const qualify = (c: Cmd<'QualifyTicket'>, r: Roles): Decision => {
  if (!isL1(r.actor.role))
    return r.no('RoleNotAllowed', `only level-1 support qualifies a ticket, not ${describeActor(r.actor)}`)
  return emit({
    type: 'TicketQualified',
    data: {
      kind: c.kind,
      domain: c.domain,
      priority: c.priority,
      ...(c.diagnosis !== undefined ? { diagnosis: c.diagnosis } : {}),
    },
  })
}

const assign = (c: Cmd<'AssignTicket'>, s: ExistingTicket, ctx: Context, r: Roles): Decision => {
  if (s.status === 'resolved')
    return r.no('TicketAlreadyResolved', 'it is resolved (reopen it first if the work is not finished)')
  const who = r.ownerOr(true, 'assign it')
  if (who !== undefined) return who
  const p = ownerProblem(c.ownerId, ctx.organization.agents.get(c.ownerId), s.siteId, s.workstationType)
  if (p !== undefined) return r.no(p.tag, p.why)
  if (s.ownerId === c.ownerId) return r.no('AlreadyOwner', `${c.ownerId} already owns it`)
  return emit({ type: 'TicketAssigned', data: { ownerId: c.ownerId } })
}

const inform = (c: Cmd<'InformUser'>, ctx: Context, r: Roles): Decision => {
  const who = r.ownerOr(true, 'inform the user')
  if (who !== undefined) return who
  if (isBlank(c.message)) return r.no('EmptyMessage', 'the message to the user is empty')
  if (c.kind === 'schedule') {
    if (c.expectedResolutionAt === undefined)
      return r.no('ScheduleWithoutDate', 'a resolution schedule must say when resolution is expected')
    if (instantMs(c.expectedResolutionAt) <= instantMs(ctx.now))
      return r.no(
        'ScheduleInThePast',
        `the expected resolution (${c.expectedResolutionAt}) must be later than now (${ctx.now})`,
      )
    return emit({
      type: 'UserInformed',
      data: { kind: c.kind, message: c.message, expectedResolutionAt: c.expectedResolutionAt },
    })
  }
  if (c.expectedResolutionAt !== undefined)
    return r.no(
      'DateOnlyForSchedule',
      `an expected resolution date belongs to a schedule, not to ${c.kind === 'answer' ? 'an' : 'a'} ${c.kind}`,
    )
  return emit({ type: 'UserInformed', data: { kind: c.kind, message: c.message } })
}

const escalate = (c: Cmd<'EscalateTicket'>, s: ExistingTicket, ctx: Context, r: Roles): Decision => {
  if (s.status !== 'open') return r.no('TicketAlreadyResolved', 'it is already resolved')
  if (c.reason === 'delay-expired') {
    if (ctx.actor.role !== 'system')
      return r.no(
        'DelayExpiredOnlyBySystem',
        `only the system records that the escalation delay expired, not ${describeActor(ctx.actor)}`,
      )
  } else {
    const who = r.ownerOr(true, 'escalate it')
    if (who !== undefined) return who
  }
  if (s.qualification === null)
    return r.no('TicketNotQualified', 'it has no qualified domain yet (qualify it first)')
  if (s.awaitingExpert !== null)
    return r.no('AlreadyAwaitingExpert', `it is already awaiting ${s.awaitingExpert} expert advice`)
  const domain = c.domain ?? s.qualification.domain
  if (c.reason === 'delay-expired' && domain !== s.qualification.domain)
    return r.no(
      'EscalationDomainMismatch',
      `the expired delay is the one of its qualified domain (${s.qualification.domain}), not ${domain}`,
    )
  return emit({
    type: 'TicketEscalated',
    data: { domain, reason: c.reason, ...(c.note !== undefined ? { note: c.note } : {}) },
  })
}

const advise = (c: Cmd<'GiveExpertAdvice'>, s: ExistingTicket, ctx: Context, r: Roles): Decision => {
  if (ctx.actor.role !== 'expert')
    return r.no('RoleNotAllowed', `only a level-2 expert gives advice, not ${describeActor(ctx.actor)}`)
  if (s.status !== 'open' || s.awaitingExpert === null)
    return r.no('NotAwaitingExpert', 'no expert advice has been asked for')
  const expert = ctx.organization.agents.get(ctx.actor.id)
  if (!(expert?.domains ?? []).includes(s.awaitingExpert))
    return r.no('NotAnExpertOfDomain', `${ctx.actor.id} is not an expert of the ${s.awaitingExpert} domain`)
  if (isBlank(c.advice)) return r.no('EmptyAdvice', 'the advice is empty')
  return emit({ type: 'ExpertAdviceGiven', data: { advice: c.advice } })
}

const involve = (c: Cmd<'InvolveHierarchy'>, s: ExistingTicket, r: Roles): Decision => {
  if (s.status !== 'open') return r.no('TicketAlreadyResolved', 'it is already resolved')
  const role = r.actor.role
  if (c.reason === 'difficulty') {
    if (role !== 'manager') {
      const who = r.ownerOr(false, 'ask management for help')
      if (who !== undefined) return who
    }
  } else if (role !== 'system' && role !== 'manager')
    return r.no(
      'RoleNotAllowed',
      `a ${c.reason} is reported by the system or a manager, not by ${describeActor(r.actor)}`,
    )
  return emit({
    type: 'HierarchyInvolved',
    data: { reason: c.reason, ...(c.note !== undefined ? { note: c.note } : {}) },
  })
}

/** The owner acts on an open ticket: refusals shared by suspend, resume and resolve. */
const ownerOnOpen = (s: ExistingTicket, r: Roles, what: string): Decision | undefined => {
  if (s.ownerId === null) return r.no('NoOwner', `it has no owner to ${what}`)
  return r.ownerOr(false, what)
}

const suspend = (c: Cmd<'SuspendTicket'>, s: ExistingTicket, r: Roles): Decision => {
  if (s.status !== 'open') return r.no('TicketAlreadyResolved', 'it is already resolved')
  const who = ownerOnOpen(s, r, 'suspend it')
  if (who !== undefined) return who
  if (s.suspended !== null) return r.no('TicketSuspended', `it is already suspended (${s.suspended})`)
  return emit({ type: 'TicketSuspended', data: { reason: c.reason } })
}

const resume = (s: ExistingTicket, r: Roles): Decision => {
  if (s.status !== 'open' || s.suspended === null) return r.no('TicketNotSuspended', 'it is not suspended')
  const who = ownerOnOpen(s, r, 'resume it')
  if (who !== undefined) return who
  return emit({ type: 'TicketResumed', data: {} })
}

const resolve = (c: Cmd<'ResolveTicket'>, s: ExistingTicket, r: Roles): Decision => {
  if (s.status !== 'open') return r.no('TicketAlreadyResolved', 'it is already resolved')
  const who = ownerOnOpen(s, r, 'resolve it')
  if (who !== undefined) return who
  if (isBlank(c.solution)) return r.no('EmptySolution', 'the solution must explain what was done')
  if (isBlank(c.resolutionCode)) return r.no('EmptyResolutionCode', 'the resolution code is empty')
  const resolved: Decided<TicketEvent> = {
    type: 'TicketResolved',
    data: {
      resolutionCode: c.resolutionCode,
      solution: c.solution as NonEmpty,
      ...(c.knowledgeArticleId !== undefined ? { knowledgeArticleId: c.knowledgeArticleId } : {}),
    },
  }
  // Resolution ends a suspension: say so in history, so the suspended time stays exact.
  return s.suspended !== null ? emit({ type: 'TicketResumed', data: {} }, resolved) : emit(resolved)
}

const reopen = (c: Cmd<'ReopenTicket'>, s: ExistingTicket, r: Roles): Decision => {
  if (s.status === 'open') return r.no('TicketNotResolved', 'it has not been resolved')
  if (r.actor.role === 'user') {
    if (r.actor.id !== s.requesterId)
      return r.no('NotTheRequester', `only its requester (${s.requesterId}) may reopen it, not ${r.actor.id}`)
  } else {
    const who = r.ownerOr(true, 'reopen it')
    if (who !== undefined) return who
  }
  if (isBlank(c.reason)) return r.no('EmptyReason', 'the reason for reopening is empty')
  return emit({ type: 'TicketReopened', data: { reason: c.reason } })
}

const close = (s: ExistingTicket, r: Roles): Decision => {
  if (s.status !== 'resolved') return r.no('TicketNotResolved', 'it has not been resolved')
  const who = r.ownerOr(true, 'close it')
  if (who !== undefined) return who
  if (!s.restorationInformed)
    return r.no('UserNotToldOfRestoration', 'the user has not been told how it was restored')
  return emit({ type: 'TicketClosed', data: {} })
}

const rate = (c: Cmd<'RecordSatisfaction'>, s: ExistingTicket, r: Roles): Decision => {
  if (r.actor.role !== 'user')
    return r.no('RoleNotAllowed', `only its requester rates it, not ${describeActor(r.actor)}`)
  if (r.actor.id !== s.requesterId)
    return r.no('NotTheRequester', `only its requester (${s.requesterId}) rates it, not ${r.actor.id}`)
  if (s.status === 'open') return r.no('TicketNotResolved', 'it has not been resolved')
  if (s.satisfactionRecorded)
    return r.no('SatisfactionAlreadyRecorded', 'the requester has already rated this resolution')
  if (!Number.isInteger(c.score) || c.score < 1 || c.score > 5)
    return r.no('InvalidScore', `a score is a whole number from 1 to 5, not ${c.score}`)
  return emit({
    type: 'SatisfactionRecorded',
    data: { score: c.score, ...(c.comment !== undefined ? { comment: c.comment } : {}) },
  })
}

const link = (c: Cmd<'LinkTicketToMajorIncident'>, s: ExistingTicket, r: Roles): Decision => {
  if (!isL1(r.actor.role))
    return r.no('RoleNotAllowed', `only level-1 support links tickets, not ${describeActor(r.actor)}`)
  if (isBlank(c.incidentId)) return r.no('EmptyIncidentId', 'the major incident id is empty')
  if (s.linkedIncidentIds.includes(c.incidentId))
    return r.no('AlreadyLinked', `it is already linked to major incident ${c.incidentId}`)
  return emit({ type: 'TicketLinkedToMajorIncident', data: { incidentId: c.incidentId } })
}

export const ticketDecider: Decider<TicketCommand, TicketEvent, TicketState> = {
  initialState,
  evolve,
  decide,
}
