/**
 * The ticket decider as a specification: every rule of domain.md §4 for the
 * `ticket-<id>` stream, with an accepted and a refused case, on the fixture
 * organisation (ticket T-42 of Alice: Paris, Windows desktop, desk Paris).
 */
import { isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { type IsoInstant, instantMs, type NonEmpty, toInstant } from '../src/domain/codec.js'
import type { TicketCommand } from '../src/domain/commands.js'
import { type Context, fold } from '../src/domain/decider.js'
import type { Fact } from '../src/domain/envelope.js'
import type { EventData, TicketEvent } from '../src/domain/events.js'
import type { OrganizationView } from '../src/domain/organization-view.js'
import { decide, ticketDecider } from '../src/domain/ticket.js'
import { checkTicketHistory } from '../src/domain/ticket-rules.js'
import { type Actor, SYSTEM } from '../src/domain/vocabulary.js'
import { given } from './support/given.js'
import { agentActor, DESK, fixtureOrg, retire, SITE, T0, userActor, WS } from './support/org-fixture.js'

// ---- facts and commands of T-42 --------------------------------------------

const TICKET = 'T-42'

/** T0 plus some minutes. */
const at = (minutes: number): IsoInstant => toInstant(instantMs(T0) + minutes * 60_000)

const ASSIST = agentActor('assist-paris')
const ASSIST_MTL = agentActor('assist-mtl')
const OWNER = agentActor('tech-office-paris')
const NET = agentActor('tech-net')
const TEL = agentActor('tech-tel')
const EXPERT_OFFICE = agentActor('expert-office-net')
const EXPERT_TEL = agentActor('expert-tel-biz')
const MANAGER = agentActor('manager')
const ALICE = userActor('user-alice')
const BRUNO = userActor('user-bruno')

const ctx = (actor: Actor, minutes = 100, organization: OrganizationView = fixtureOrg): Context => ({
  now: at(minutes),
  actor,
  organization,
  newId: () => 'id-1',
})

const fact = (event: TicketEvent, actor: Actor, minutes: number): Fact<TicketEvent> =>
  ({ ...event, actor, at: at(minutes) }) as Fact<TicketEvent>

const ev = {
  opened: (over: Partial<EventData<'TicketOpened'>> = {}): TicketEvent => ({
    type: 'TicketOpened',
    data: {
      ticketId: TICKET,
      requesterId: 'user-alice',
      siteId: SITE.paris,
      workstationType: WS.windows,
      deskId: DESK.paris,
      channel: 'phone',
      summary: 'Outlook crashes on start',
      ...over,
    },
  }),
  qualified: (domain: EventData<'TicketQualified'>['domain'] = 'office'): TicketEvent => ({
    type: 'TicketQualified',
    data: { kind: 'incident', domain, priority: 'P3' },
  }),
  assigned: (ownerId = OWNER.id): TicketEvent => ({ type: 'TicketAssigned', data: { ownerId } }),
  informed: (kind: EventData<'UserInformed'>['kind'], message = 'done'): TicketEvent => ({
    type: 'UserInformed',
    data: { kind, message },
  }),
  escalated: (
    domain: EventData<'TicketEscalated'>['domain'] = 'office',
    reason: EventData<'TicketEscalated'>['reason'] = 'manual',
  ): TicketEvent => ({ type: 'TicketEscalated', data: { domain, reason } }),
  advised: (advice = 'rebuild the profile'): TicketEvent => ({ type: 'ExpertAdviceGiven', data: { advice } }),
  suspended: (): TicketEvent => ({ type: 'TicketSuspended', data: { reason: 'awaiting-user' } }),
  resumed: (): TicketEvent => ({ type: 'TicketResumed', data: {} }),
  resolved: (solution = 'Profile rebuilt'): TicketEvent => ({
    type: 'TicketResolved',
    data: { resolutionCode: 'fixed', solution: solution as NonEmpty },
  }),
  reopened: (reason = 'crashes again'): TicketEvent => ({ type: 'TicketReopened', data: { reason } }),
  closed: (): TicketEvent => ({ type: 'TicketClosed', data: {} }),
  rated: (score = 4): TicketEvent => ({ type: 'SatisfactionRecorded', data: { score } }),
  linked: (incidentId = 'MI-1'): TicketEvent => ({
    type: 'TicketLinkedToMajorIncident',
    data: { incidentId },
  }),
}

// Histories of T-42, each extending the previous one.
const opened = [fact(ev.opened(), ASSIST, 0)]
const qualified = [...opened, fact(ev.qualified(), ASSIST, 5)]
const owned = [...qualified, fact(ev.assigned(), ASSIST, 10)]
const resolved = [...owned, fact(ev.resolved(), OWNER, 60)]
const restored = [...resolved, fact(ev.informed('restoration', 'Outlook works again'), OWNER, 70)]
const closed = [...restored, fact(ev.closed(), OWNER, 80)]

/** Commands on T-42. */
const cmd = {
  open: (over: Partial<Extract<TicketCommand, { type: 'OpenTicket' }>> = {}): TicketCommand => ({
    type: 'OpenTicket',
    ticketId: TICKET,
    requesterId: 'user-alice',
    channel: 'phone',
    summary: 'Outlook crashes on start',
    ...over,
  }),
  qualify: (domain: EventData<'TicketQualified'>['domain'] = 'office', priority: 'P1' | 'P3' = 'P3') =>
    ({ type: 'QualifyTicket', ticketId: TICKET, kind: 'incident', domain, priority }) as TicketCommand,
  assign: (ownerId: string): TicketCommand => ({ type: 'AssignTicket', ticketId: TICKET, ownerId }),
  inform: (
    kind: EventData<'UserInformed'>['kind'],
    message = 'done',
    expectedResolutionAt?: IsoInstant,
  ): TicketCommand => ({
    type: 'InformUser',
    ticketId: TICKET,
    kind,
    message,
    ...(expectedResolutionAt !== undefined ? { expectedResolutionAt } : {}),
  }),
  escalate: (
    reason: 'manual' | 'delay-expired' = 'manual',
    domain?: EventData<'TicketEscalated'>['domain'],
  ): TicketCommand => ({
    type: 'EscalateTicket',
    ticketId: TICKET,
    reason,
    ...(domain !== undefined ? { domain } : {}),
  }),
  advise: (advice = 'rebuild the profile'): TicketCommand => ({
    type: 'GiveExpertAdvice',
    ticketId: TICKET,
    advice,
  }),
  involve: (reason: 'response-breach' | 'resolution-breach' | 'difficulty'): TicketCommand => ({
    type: 'InvolveHierarchy',
    ticketId: TICKET,
    reason,
  }),
  suspend: (): TicketCommand => ({ type: 'SuspendTicket', ticketId: TICKET, reason: 'awaiting-user' }),
  resume: (): TicketCommand => ({ type: 'ResumeTicket', ticketId: TICKET }),
  resolve: (solution = 'Profile rebuilt'): TicketCommand => ({
    type: 'ResolveTicket',
    ticketId: TICKET,
    resolutionCode: 'fixed',
    solution,
  }),
  reopen: (reason = 'crashes again'): TicketCommand => ({ type: 'ReopenTicket', ticketId: TICKET, reason }),
  close: (): TicketCommand => ({ type: 'CloseTicket', ticketId: TICKET }),
  rate: (score = 4): TicketCommand => ({ type: 'RecordSatisfaction', ticketId: TICKET, score }),
  link: (incidentId = 'MI-1'): TicketCommand => ({
    type: 'LinkTicketToMajorIncident',
    ticketId: TICKET,
    incidentId,
  }),
}

const spec = (history: readonly Fact<TicketEvent>[]) => given(ticketDecider, history)
const stateAfter = (history: readonly Fact<TicketEvent>[]) => fold(ticketDecider, history)

// ---- opening -----------------------------------------------------------------

describe('OpenTicket', () => {
  it('is opened by the assistance desk designated for the requester, with the requester’s site, workstation type and desk', () => {
    spec([]).when(cmd.open(), ctx(ASSIST, 0)).then([ev.opened()])
  })

  it('accepts a site and workstation type that match the requester’s', () => {
    spec([])
      .when(cmd.open({ siteId: SITE.paris, workstationType: WS.windows }), ctx(ASSIST, 0))
      .then([ev.opened()])
  })

  it('takes site, workstation type and desk from the user for a Montréal requester', () => {
    spec([])
      .when(cmd.open({ requesterId: 'user-chloe' }), ctx(ASSIST_MTL, 0))
      .then([
        ev.opened({
          requesterId: 'user-chloe',
          siteId: SITE.montreal,
          workstationType: WS.mac,
          deskId: DESK.montreal,
        }),
      ])
  })

  it('is refused to anyone but the assistance desk', () => {
    spec([]).when(cmd.open(), ctx(OWNER, 0)).thenRejects('RoleNotAllowed')
    spec([]).when(cmd.open(), ctx(ALICE, 0)).thenRejects('RoleNotAllowed')
  })

  it('is refused to an assistance agent of another desk (one entry point per user)', () => {
    spec([]).when(cmd.open(), ctx(ASSIST_MTL, 0)).thenRejects('NotTheRequestersDesk')
  })

  it('is refused for a user who is not registered', () => {
    spec([])
      .when(cmd.open({ requesterId: 'user-nobody' }), ctx(ASSIST, 0))
      .thenRejects('UserNotRegistered')
  })

  it('is refused to a retired assistance agent', () => {
    spec([])
      .when(cmd.open(), ctx(ASSIST, 0, retire(fixtureOrg, 'assist-paris')))
      .thenRejects('AgentNotActive')
  })

  it('is refused when the given site or workstation type is not the requester’s', () => {
    spec([])
      .when(cmd.open({ siteId: SITE.montreal }), ctx(ASSIST, 0))
      .thenRejects('SiteMismatch')
    spec([])
      .when(cmd.open({ workstationType: WS.mac }), ctx(ASSIST, 0))
      .thenRejects('WorkstationTypeMismatch')
  })

  it('is refused with an empty summary', () => {
    spec([])
      .when(cmd.open({ summary: '  ' }), ctx(ASSIST, 0))
      .thenRejects('EmptySummary')
  })

  it('is refused for a ticket that already exists', () => {
    spec(opened).when(cmd.open(), ctx(ASSIST, 1)).thenRejects('TicketAlreadyExists')
  })

  it('any other command on a ticket never opened is refused', () => {
    spec([]).when(cmd.qualify(), ctx(ASSIST, 1)).thenRejects('TicketNotFound')
    spec([]).when(cmd.close(), ctx(ASSIST, 1)).thenRejects('TicketNotFound')
  })

  it('a command naming another ticket than the stream’s is refused', () => {
    spec(opened)
      .when(
        { type: 'QualifyTicket', ticketId: 'T-99', kind: 'incident', domain: 'office', priority: 'P3' },
        ctx(ASSIST, 1),
      )
      .thenRejects('TicketIdMismatch')
  })
})

// ---- who may act -----------------------------------------------------------

describe('acting agents', () => {
  it('must be enrolled', () => {
    spec(opened)
      .when(cmd.qualify(), ctx({ id: 'agent-ghost', role: 'assistance' }, 1))
      .thenRejects('UnknownAgent')
  })

  it('must act with the role they are enrolled with', () => {
    spec(opened)
      .when(cmd.assign(OWNER.id), ctx({ id: OWNER.id, role: 'assistance' }, 1))
      .thenRejects('ActorRoleMismatch')
  })

  it('must be active: a retired owner can no longer act, assistance reassigns', () => {
    const org = retire(fixtureOrg, OWNER.id)
    spec(owned)
      .when(cmd.resolve(), ctx(OWNER, 20, org))
      .thenRejects('AgentNotActive')
    spec(owned)
      .when(cmd.assign(NET.id), ctx(ASSIST, 20, org))
      .then([ev.assigned(NET.id)])
  })
})

// ---- qualification ---------------------------------------------------------

describe('QualifyTicket', () => {
  it('is done by any level-1 agent, and may be repeated: the latest stands', () => {
    spec(opened)
      .when(cmd.qualify('network', 'P1'), ctx(NET, 1))
      .then([{ type: 'TicketQualified', data: { kind: 'incident', domain: 'network', priority: 'P1' } }])
    const history = [...qualified, fact(ev.qualified('telephony'), TEL, 6)]
    const s = stateAfter(history)
    expect(s.status === 'open' && s.qualification?.domain).toBe('telephony')
  })

  it('carries the diagnosis when given', () => {
    spec(opened)
      .when(
        {
          type: 'QualifyTicket',
          ticketId: TICKET,
          kind: 'question',
          domain: 'office',
          priority: 'P4',
          diagnosis: 'how-to',
        },
        ctx(ASSIST, 1),
      )
      .then([
        {
          type: 'TicketQualified',
          data: { kind: 'question', domain: 'office', priority: 'P4', diagnosis: 'how-to' },
        },
      ])
  })

  it('may still correct the classification of a resolved ticket', () => {
    spec(resolved)
      .when(cmd.qualify('office', 'P1'), ctx(OWNER, 61))
      .then([{ type: 'TicketQualified', data: { kind: 'incident', domain: 'office', priority: 'P1' } }])
  })

  it('is refused to experts, managers and users', () => {
    spec(opened).when(cmd.qualify(), ctx(EXPERT_OFFICE, 1)).thenRejects('RoleNotAllowed')
    spec(opened).when(cmd.qualify(), ctx(MANAGER, 1)).thenRejects('RoleNotAllowed')
    spec(opened).when(cmd.qualify(), ctx(ALICE, 1)).thenRejects('RoleNotAllowed')
  })
})

// ---- ownership -------------------------------------------------------------

describe('AssignTicket', () => {
  it('assistance assigns an active level-1 agent competent for the workstation type and serving the site', () => {
    spec(qualified).when(cmd.assign(OWNER.id), ctx(ASSIST, 10)).then([ev.assigned()])
  })

  it('the current owner hands it over; one owner at a time', () => {
    spec(owned)
      .when(cmd.assign(NET.id), ctx(OWNER, 20))
      .then([ev.assigned(NET.id)])
    const handedOver = [...owned, fact(ev.assigned(NET.id), OWNER, 20)]
    const s = stateAfter(handedOver)
    expect(s.status === 'open' && s.ownerId).toBe(NET.id)
    spec(handedOver).when(cmd.resolve(), ctx(OWNER, 30)).thenRejects('NotTheOwner')
    spec(handedOver).when(cmd.resolve(), ctx(NET, 30)).then([ev.resolved()])
  })

  it('is refused to a level-1 agent who is not the owner, and to other roles', () => {
    spec(owned).when(cmd.assign(NET.id), ctx(TEL, 20)).thenRejects('NotTheOwner')
    spec(qualified).when(cmd.assign(NET.id), ctx(NET, 20)).thenRejects('NotTheOwner')
    spec(owned).when(cmd.assign(NET.id), ctx(MANAGER, 20)).thenRejects('RoleNotAllowed')
    spec(owned).when(cmd.assign(NET.id), ctx(ALICE, 20)).thenRejects('RoleNotAllowed')
  })

  it('an expert is never owner (nor a manager)', () => {
    spec(qualified).when(cmd.assign(EXPERT_OFFICE.id), ctx(ASSIST, 10)).thenRejects('OwnerNotLevel1')
    spec(qualified).when(cmd.assign(MANAGER.id), ctx(ASSIST, 10)).thenRejects('OwnerNotLevel1')
  })

  it('the owner must be competent for the requester’s workstation type', () => {
    // Bruno works on a thin client; the telephony technician knows Windows and Mac only.
    const bruno = [fact(ev.opened({ requesterId: 'user-bruno', workstationType: WS.thin }), ASSIST, 0)]
    spec(bruno).when(cmd.assign(TEL.id), ctx(ASSIST, 10)).thenRejects('OwnerNotCompetent')
    spec(bruno).when(cmd.assign(OWNER.id), ctx(ASSIST, 10)).then([ev.assigned()])
  })

  it('the owner must serve the ticket’s site', () => {
    spec(qualified).when(cmd.assign('tech-office-mtl'), ctx(ASSIST, 10)).thenRejects('OwnerNotServingSite')
  })

  it('the owner must be active and enrolled', () => {
    spec(qualified).when(cmd.assign('retired-tech'), ctx(ASSIST, 10)).thenRejects('AgentNotActive')
    spec(qualified).when(cmd.assign('agent-ghost'), ctx(ASSIST, 10)).thenRejects('UnknownAgent')
  })

  it('assigning the current owner again is refused (it would count as a reassignment)', () => {
    spec(owned).when(cmd.assign(OWNER.id), ctx(ASSIST, 20)).thenRejects('AlreadyOwner')
  })

  it('a resolved ticket is not reassigned', () => {
    spec(resolved).when(cmd.assign(NET.id), ctx(ASSIST, 61)).thenRejects('TicketAlreadyResolved')
  })
})

// ---- informing the user ----------------------------------------------------

describe('InformUser', () => {
  it('the owner answers', () => {
    spec(owned)
      .when(cmd.inform('answer', 'Try safe mode'), ctx(OWNER, 20))
      .then([ev.informed('answer', 'Try safe mode')])
  })

  it('assistance gives a schedule with a resolution expected later than now', () => {
    spec(opened)
      .when(cmd.inform('schedule', 'Tomorrow morning', at(1000)), ctx(ASSIST, 20))
      .then([
        {
          type: 'UserInformed',
          data: { kind: 'schedule', message: 'Tomorrow morning', expectedResolutionAt: at(1000) },
        },
      ])
  })

  it('a schedule must be strictly in the future', () => {
    spec(owned)
      .when(cmd.inform('schedule', 'now', at(20)), ctx(OWNER, 20))
      .thenRejects('ScheduleInThePast')
    spec(owned)
      .when(cmd.inform('schedule', 'earlier', at(5)), ctx(OWNER, 20))
      .thenRejects('ScheduleInThePast')
  })

  it('a schedule needs its date, and only a schedule carries one', () => {
    spec(owned).when(cmd.inform('schedule', 'soon'), ctx(OWNER, 20)).thenRejects('ScheduleWithoutDate')
    spec(owned)
      .when(cmd.inform('answer', 'ok', at(1000)), ctx(OWNER, 20))
      .thenRejects('DateOnlyForSchedule')
  })

  it('is refused to a technician who is not the owner, to experts and users, and without a message', () => {
    spec(owned).when(cmd.inform('answer'), ctx(NET, 20)).thenRejects('NotTheOwner')
    spec(owned).when(cmd.inform('answer'), ctx(EXPERT_OFFICE, 20)).thenRejects('RoleNotAllowed')
    spec(owned).when(cmd.inform('answer'), ctx(ALICE, 20)).thenRejects('RoleNotAllowed')
    spec(owned).when(cmd.inform('progress', ' '), ctx(OWNER, 20)).thenRejects('EmptyMessage')
  })
})

// ---- level 2 ---------------------------------------------------------------

describe('EscalateTicket', () => {
  it('the owner escalates manually, in the qualified domain by default', () => {
    spec(owned)
      .when(cmd.escalate(), ctx(OWNER, 20))
      .then([ev.escalated('office')])
  })

  it('assistance escalates in another domain when it says so', () => {
    spec(owned)
      .when(cmd.escalate('manual', 'network'), ctx(ASSIST, 20))
      .then([ev.escalated('network')])
  })

  it('the system escalates when the delay expired, even without an owner', () => {
    spec(qualified)
      .when(cmd.escalate('delay-expired'), ctx(SYSTEM, 480))
      .then([ev.escalated('office', 'delay-expired')])
  })

  it('only the system records an expired delay, and the system never escalates manually', () => {
    spec(owned).when(cmd.escalate('delay-expired'), ctx(OWNER, 20)).thenRejects('DelayExpiredOnlyBySystem')
    spec(owned).when(cmd.escalate('delay-expired'), ctx(MANAGER, 20)).thenRejects('DelayExpiredOnlyBySystem')
    spec(owned).when(cmd.escalate('manual'), ctx(SYSTEM, 20)).thenRejects('RoleNotAllowed')
  })

  it('an expired delay is that of the qualified domain', () => {
    spec(owned)
      .when(cmd.escalate('delay-expired', 'network'), ctx(SYSTEM, 20))
      .thenRejects('EscalationDomainMismatch')
  })

  it('needs a qualified domain', () => {
    spec(opened).when(cmd.escalate(), ctx(ASSIST, 20)).thenRejects('TicketNotQualified')
  })

  it('is refused while already awaiting expert advice, and allowed again after it', () => {
    const escalated = [...owned, fact(ev.escalated(), OWNER, 20)]
    spec(escalated).when(cmd.escalate(), ctx(OWNER, 30)).thenRejects('AlreadyAwaitingExpert')
    spec(escalated).when(cmd.escalate('delay-expired'), ctx(SYSTEM, 30)).thenRejects('AlreadyAwaitingExpert')
    const advised = [...escalated, fact(ev.advised(), EXPERT_OFFICE, 30)]
    spec(advised)
      .when(cmd.escalate('manual', 'network'), ctx(OWNER, 40))
      .then([ev.escalated('network')])
  })

  it('is refused on a resolved or closed ticket, and to non-owners', () => {
    spec(resolved).when(cmd.escalate(), ctx(OWNER, 61)).thenRejects('TicketAlreadyResolved')
    spec(resolved).when(cmd.escalate('delay-expired'), ctx(SYSTEM, 61)).thenRejects('TicketAlreadyResolved')
    spec(closed).when(cmd.escalate(), ctx(OWNER, 81)).thenRejects('TicketClosed')
    spec(owned).when(cmd.escalate(), ctx(NET, 20)).thenRejects('NotTheOwner')
    spec(owned).when(cmd.escalate(), ctx(EXPERT_OFFICE, 20)).thenRejects('RoleNotAllowed')
  })
})

describe('GiveExpertAdvice', () => {
  const escalated = [...owned, fact(ev.escalated('office'), OWNER, 20)]

  it('an expert of the escalated domain advises, and the ticket returns to its level-1 owner', () => {
    const r = spec(escalated).when(cmd.advise(), ctx(EXPERT_OFFICE, 30))
    r.then([ev.advised()])
    const s = stateAfter([...escalated, fact(ev.advised(), EXPERT_OFFICE, 30)])
    expect(s.status === 'open' && [s.awaitingExpert, s.ownerId]).toEqual([null, OWNER.id])
  })

  it('is refused to an expert of another domain', () => {
    spec(escalated).when(cmd.advise(), ctx(EXPERT_TEL, 30)).thenRejects('NotAnExpertOfDomain')
  })

  it('is refused when no advice was asked for (or after it was given)', () => {
    spec(owned).when(cmd.advise(), ctx(EXPERT_OFFICE, 30)).thenRejects('NotAwaitingExpert')
    const advised = [...escalated, fact(ev.advised(), EXPERT_OFFICE, 30)]
    spec(advised).when(cmd.advise(), ctx(EXPERT_OFFICE, 31)).thenRejects('NotAwaitingExpert')
  })

  it('is refused to anyone but an expert, to a retired expert, and when empty', () => {
    spec(escalated).when(cmd.advise(), ctx(OWNER, 30)).thenRejects('RoleNotAllowed')
    spec(escalated)
      .when(cmd.advise(), ctx(EXPERT_OFFICE, 30, retire(fixtureOrg, EXPERT_OFFICE.id)))
      .thenRejects('AgentNotActive')
    spec(escalated).when(cmd.advise('  '), ctx(EXPERT_OFFICE, 30)).thenRejects('EmptyAdvice')
  })
})

// ---- management ------------------------------------------------------------

describe('InvolveHierarchy', () => {
  it('a manager, or the owner asking for help, involves management for a difficulty', () => {
    spec(owned)
      .when(cmd.involve('difficulty'), ctx(MANAGER, 20))
      .then([{ type: 'HierarchyInvolved', data: { reason: 'difficulty' } }])
    spec(owned)
      .when(cmd.involve('difficulty'), ctx(OWNER, 20))
      .then([{ type: 'HierarchyInvolved', data: { reason: 'difficulty' } }])
  })

  it('the system (or a manager) reports a breach', () => {
    spec(owned)
      .when(cmd.involve('response-breach'), ctx(SYSTEM, 300))
      .then([{ type: 'HierarchyInvolved', data: { reason: 'response-breach' } }])
    spec(owned)
      .when(cmd.involve('resolution-breach'), ctx(MANAGER, 300))
      .then([{ type: 'HierarchyInvolved', data: { reason: 'resolution-breach' } }])
  })

  it('is refused to others', () => {
    spec(owned).when(cmd.involve('difficulty'), ctx(NET, 20)).thenRejects('NotTheOwner')
    spec(owned).when(cmd.involve('difficulty'), ctx(SYSTEM, 20)).thenRejects('RoleNotAllowed')
    spec(owned).when(cmd.involve('response-breach'), ctx(OWNER, 20)).thenRejects('RoleNotAllowed')
    spec(owned).when(cmd.involve('resolution-breach'), ctx(ALICE, 20)).thenRejects('RoleNotAllowed')
  })

  it('is refused once resolved', () => {
    spec(resolved)
      .when(cmd.involve('resolution-breach'), ctx(SYSTEM, 61))
      .thenRejects('TicketAlreadyResolved')
  })
})

// ---- suspension ------------------------------------------------------------

describe('SuspendTicket and ResumeTicket', () => {
  const suspended = [...owned, fact(ev.suspended(), OWNER, 20)]

  it('the owner suspends an unsuspended, unresolved ticket', () => {
    spec(owned).when(cmd.suspend(), ctx(OWNER, 20)).then([ev.suspended()])
  })

  it('suspension is refused when already suspended, resolved, unowned, or asked by another', () => {
    spec(suspended).when(cmd.suspend(), ctx(OWNER, 21)).thenRejects('TicketSuspended')
    spec(resolved).when(cmd.suspend(), ctx(OWNER, 61)).thenRejects('TicketAlreadyResolved')
    spec(qualified).when(cmd.suspend(), ctx(ASSIST, 20)).thenRejects('NoOwner')
    spec(owned).when(cmd.suspend(), ctx(ASSIST, 20)).thenRejects('NotTheOwner')
    spec(owned).when(cmd.suspend(), ctx(MANAGER, 20)).thenRejects('RoleNotAllowed')
  })

  it('the owner resumes a suspended ticket', () => {
    spec(suspended).when(cmd.resume(), ctx(OWNER, 30)).then([ev.resumed()])
  })

  it('resuming is refused when not suspended, or asked by another', () => {
    spec(owned).when(cmd.resume(), ctx(OWNER, 30)).thenRejects('TicketNotSuspended')
    spec(suspended).when(cmd.resume(), ctx(ASSIST, 30)).thenRejects('NotTheOwner')
  })
})

// ---- resolution ------------------------------------------------------------

describe('ResolveTicket', () => {
  it('the owner resolves with a solution', () => {
    spec(owned).when(cmd.resolve(), ctx(OWNER, 60)).then([ev.resolved()])
  })

  it('keeps the knowledge article used', () => {
    spec(owned)
      .when(
        {
          type: 'ResolveTicket',
          ticketId: TICKET,
          resolutionCode: 'kb',
          solution: 'See KB',
          knowledgeArticleId: 'KB-7',
        },
        ctx(OWNER, 60),
      )
      .then([
        {
          type: 'TicketResolved',
          data: { resolutionCode: 'kb', solution: 'See KB' as NonEmpty, knowledgeArticleId: 'KB-7' },
        },
      ])
  })

  it('a suspended ticket is resumed implicitly, in history, before its resolution', () => {
    const suspended = [...owned, fact(ev.suspended(), OWNER, 20)]
    spec(suspended).when(cmd.resolve(), ctx(OWNER, 60)).then([ev.resumed(), ev.resolved()])
  })

  it('the owner may resolve while awaiting expert advice: the request lapses', () => {
    const escalated = [...owned, fact(ev.escalated(), OWNER, 20)]
    spec(escalated).when(cmd.resolve(), ctx(OWNER, 60)).then([ev.resolved()])
    const after = [...escalated, fact(ev.resolved(), OWNER, 60)]
    spec(after).when(cmd.advise(), ctx(EXPERT_OFFICE, 70)).thenRejects('NotAwaitingExpert')
  })

  it('needs an owner, the owner, and a non-blank solution', () => {
    spec(qualified).when(cmd.resolve(), ctx(ASSIST, 60)).thenRejects('NoOwner')
    spec(owned).when(cmd.resolve(), ctx(ASSIST, 60)).thenRejects('NotTheOwner')
    spec(owned).when(cmd.resolve(), ctx(EXPERT_OFFICE, 60)).thenRejects('RoleNotAllowed')
    spec(owned).when(cmd.resolve(' \n\t '), ctx(OWNER, 60)).thenRejects('EmptySolution')
  })

  it('is refused when already resolved', () => {
    spec(resolved).when(cmd.resolve(), ctx(OWNER, 61)).thenRejects('TicketAlreadyResolved')
  })
})

describe('ReopenTicket', () => {
  it('the requester, assistance or the owner reopens a resolved ticket', () => {
    spec(resolved).when(cmd.reopen(), ctx(ALICE, 65)).then([ev.reopened()])
    spec(resolved).when(cmd.reopen(), ctx(ASSIST, 65)).then([ev.reopened()])
    spec(resolved).when(cmd.reopen(), ctx(OWNER, 65)).then([ev.reopened()])
  })

  it('a closed ticket may be reopened', () => {
    spec(closed).when(cmd.reopen(), ctx(ALICE, 90)).then([ev.reopened()])
  })

  it('the reopened ticket keeps its owner, who carries it to complete resolution', () => {
    const s = stateAfter([...resolved, fact(ev.reopened(), ALICE, 65)])
    expect(s.status === 'open' && [s.ownerId, s.reopenings, s.resolutions]).toEqual([OWNER.id, 1, 1])
  })

  it('is refused to another user, to other roles, on an unresolved ticket, and without a reason', () => {
    spec(resolved).when(cmd.reopen(), ctx(BRUNO, 65)).thenRejects('NotTheRequester')
    spec(resolved).when(cmd.reopen(), ctx(MANAGER, 65)).thenRejects('RoleNotAllowed')
    spec(resolved).when(cmd.reopen(), ctx(NET, 65)).thenRejects('NotTheOwner')
    spec(owned).when(cmd.reopen(), ctx(ALICE, 65)).thenRejects('TicketNotResolved')
    spec(resolved).when(cmd.reopen(''), ctx(ALICE, 65)).thenRejects('EmptyReason')
  })
})

describe('CloseTicket', () => {
  it('the owner or assistance closes after a resolution and a later restoration message', () => {
    spec(restored).when(cmd.close(), ctx(OWNER, 80)).then([ev.closed()])
    spec(restored).when(cmd.close(), ctx(ASSIST, 80)).then([ev.closed()])
  })

  it('is refused until the user has been told how it was restored', () => {
    const refusal = spec(resolved).when(cmd.close(), ctx(OWNER, 80)).thenRejects('UserNotToldOfRestoration')
    expect(refusal.message).toBe(
      'ticket T-42 cannot be closed: the user has not been told how it was restored',
    )
    const answeredOnly = [...resolved, fact(ev.informed('answer'), OWNER, 70)]
    spec(answeredOnly).when(cmd.close(), ctx(OWNER, 80)).thenRejects('UserNotToldOfRestoration')
  })

  it('a restoration message before the latest resolution does not count', () => {
    const early = [...owned, fact(ev.informed('restoration'), OWNER, 50), fact(ev.resolved(), OWNER, 60)]
    spec(early).when(cmd.close(), ctx(OWNER, 80)).thenRejects('UserNotToldOfRestoration')
    const reResolved = [...restored, fact(ev.reopened(), ALICE, 75), fact(ev.resolved(), OWNER, 90)]
    spec(reResolved).when(cmd.close(), ctx(OWNER, 95)).thenRejects('UserNotToldOfRestoration')
    spec([...reResolved, fact(ev.informed('restoration'), OWNER, 92)])
      .when(cmd.close(), ctx(OWNER, 95))
      .then([ev.closed()])
  })

  it('is refused on an unresolved ticket and to others', () => {
    spec(owned).when(cmd.close(), ctx(OWNER, 80)).thenRejects('TicketNotResolved')
    spec(restored).when(cmd.close(), ctx(NET, 80)).thenRejects('NotTheOwner')
    spec(restored).when(cmd.close(), ctx(ALICE, 80)).thenRejects('RoleNotAllowed')
  })
})

describe('a closed ticket', () => {
  it('refuses everything but reopening and satisfaction', () => {
    spec(closed).when(cmd.qualify(), ctx(OWNER, 90)).thenRejects('TicketClosed')
    spec(closed).when(cmd.inform('progress'), ctx(OWNER, 90)).thenRejects('TicketClosed')
    spec(closed).when(cmd.close(), ctx(OWNER, 90)).thenRejects('TicketClosed')
    spec(closed).when(cmd.link(), ctx(OWNER, 90)).thenRejects('TicketClosed')
    spec(closed)
      .when(cmd.rate(5), ctx(ALICE, 90))
      .then([ev.rated(5)])
  })
})

// ---- satisfaction ----------------------------------------------------------

describe('RecordSatisfaction', () => {
  it('the requester rates a resolution, once per resolution cycle', () => {
    spec(resolved)
      .when(cmd.rate(5), ctx(ALICE, 65))
      .then([ev.rated(5)])
    const rated = [...resolved, fact(ev.rated(5), ALICE, 65)]
    spec(rated).when(cmd.rate(1), ctx(ALICE, 66)).thenRejects('SatisfactionAlreadyRecorded')
    // Rated, told, then closed: still rated for this cycle.
    const ratedThenClosed = [
      ...rated,
      fact(ev.informed('restoration'), OWNER, 66),
      fact(ev.closed(), OWNER, 67),
    ]
    spec(ratedThenClosed).when(cmd.rate(1), ctx(ALICE, 68)).thenRejects('SatisfactionAlreadyRecorded')
    const nextCycle = [...rated, fact(ev.reopened(), ALICE, 70), fact(ev.resolved(), OWNER, 90)]
    spec([...rated, fact(ev.reopened(), ALICE, 70)])
      .when(cmd.rate(2), ctx(ALICE, 80))
      .thenRejects('TicketNotResolved')
    spec(nextCycle)
      .when(cmd.rate(2), ctx(ALICE, 95))
      .then([ev.rated(2)])
  })

  it('keeps the comment', () => {
    spec(resolved)
      .when({ type: 'RecordSatisfaction', ticketId: TICKET, score: 3, comment: 'slow' }, ctx(ALICE, 65))
      .then([{ type: 'SatisfactionRecorded', data: { score: 3, comment: 'slow' } }])
  })

  it('is refused to anyone but the requester', () => {
    spec(resolved).when(cmd.rate(), ctx(BRUNO, 65)).thenRejects('NotTheRequester')
    spec(resolved).when(cmd.rate(), ctx(ASSIST, 65)).thenRejects('RoleNotAllowed')
    spec(resolved).when(cmd.rate(), ctx(OWNER, 65)).thenRejects('RoleNotAllowed')
  })

  it('is refused before a resolution and for a score outside 1–5 or not whole', () => {
    spec(owned).when(cmd.rate(), ctx(ALICE, 65)).thenRejects('TicketNotResolved')
    for (const score of [0, 6, 3.5, Number.NaN])
      spec(resolved).when(cmd.rate(score), ctx(ALICE, 65)).thenRejects('InvalidScore')
  })
})

// ---- major incidents -------------------------------------------------------

describe('LinkTicketToMajorIncident', () => {
  it('a level-1 agent links a ticket, even once resolved', () => {
    spec(owned)
      .when(cmd.link('MI-1'), ctx(NET, 20))
      .then([ev.linked('MI-1')])
    spec(resolved)
      .when(cmd.link('MI-2'), ctx(ASSIST, 61))
      .then([ev.linked('MI-2')])
  })

  it('is refused to others, twice to the same incident, and without an incident', () => {
    spec(owned).when(cmd.link(), ctx(EXPERT_OFFICE, 20)).thenRejects('RoleNotAllowed')
    spec(owned).when(cmd.link(), ctx(MANAGER, 20)).thenRejects('RoleNotAllowed')
    const linked = [...owned, fact(ev.linked('MI-1'), NET, 20)]
    spec(linked).when(cmd.link('MI-1'), ctx(NET, 21)).thenRejects('AlreadyLinked')
    spec(linked)
      .when(cmd.link('MI-3'), ctx(NET, 21))
      .then([ev.linked('MI-3')])
    spec(owned).when(cmd.link(''), ctx(NET, 20)).thenRejects('EmptyIncidentId')
  })
})

// ---- time ------------------------------------------------------------------

describe('time within the stream', () => {
  it('never goes backwards: a command dated before the latest event is refused', () => {
    const refusal = spec(owned).when(cmd.inform('answer'), ctx(OWNER, 9)).thenRejects('TimeWentBackwards')
    expect(refusal.message).toContain(TICKET)
  })

  it('a command at the very instant of the latest event is accepted', () => {
    spec(owned)
      .when(cmd.inform('answer'), ctx(OWNER, 10))
      .then([ev.informed('answer')])
  })
})

describe('refusal messages', () => {
  it('name the ticket and what was attempted, for a support manager', () => {
    const r = decide(cmd.assign(EXPERT_OFFICE.id), stateAfter(qualified), ctx(ASSIST, 10))
    expect(r).toMatchObject({
      _tag: 'Left',
      left: {
        _tag: 'OwnerNotLevel1',
        message: expect.stringMatching(
          /^ticket T-42 cannot be assigned: expert-office-net is a level-2 expert/,
        ),
      },
    })
  })
})

// ---- evolve ----------------------------------------------------------------

describe('evolve', () => {
  it('tracks the facts decisions need', () => {
    const history = [
      ...owned,
      fact(ev.escalated('office'), OWNER, 20),
      fact(ev.linked('MI-1'), NET, 25),
      fact(ev.suspended(), OWNER, 30),
    ]
    expect(stateAfter(history)).toEqual({
      status: 'open',
      ticketId: TICKET,
      requesterId: 'user-alice',
      siteId: SITE.paris,
      workstationType: WS.windows,
      deskId: DESK.paris,
      openedAt: at(0),
      lastAt: at(30),
      qualification: { kind: 'incident', domain: 'office', priority: 'P3' },
      ownerId: OWNER.id,
      resolutions: 0,
      reopenings: 0,
      linkedIncidentIds: ['MI-1'],
      suspended: 'awaiting-user',
      awaitingExpert: 'office',
    })
    const done = stateAfter([...closed, fact(ev.rated(4), ALICE, 90)])
    expect(done).toMatchObject({
      status: 'closed',
      closedAt: at(80),
      lastAt: at(90),
      satisfactionRecorded: true,
      resolutions: 1,
    })
  })
})

// ---- re-check from recorded events ------------------------------------------

describe('checkTicketHistory', () => {
  const orgAt = () => fixtureOrg
  const tags = (history: readonly Fact<TicketEvent>[], org: (at: IsoInstant) => OrganizationView = orgAt) =>
    checkTicketHistory(history, org).map((p) => [p.index, p.error._tag])

  it('finds nothing wrong in a lawful life cycle', () => {
    const history = [
      ...owned,
      fact(ev.informed('answer'), OWNER, 15),
      fact(ev.escalated(), OWNER, 20),
      fact(ev.advised(), EXPERT_OFFICE, 30),
      fact(ev.suspended(), OWNER, 35),
      fact(ev.resumed(), OWNER, 40),
      fact(ev.resolved(), OWNER, 60),
      fact(ev.informed('restoration'), OWNER, 70),
      fact(ev.rated(3), ALICE, 72),
      fact(ev.closed(), ASSIST, 80),
      fact(ev.reopened(), ALICE, 90),
      fact(ev.resolved(), OWNER, 100),
    ]
    expect(tags(history)).toEqual([])
  })

  it('agrees with the decider on the histories it accepted', () => {
    let history: Fact<TicketEvent>[] = []
    const steps: [TicketCommand, Actor][] = [
      [cmd.open(), ASSIST],
      [cmd.qualify(), NET],
      [cmd.assign(OWNER.id), ASSIST],
      [cmd.suspend(), OWNER],
      [cmd.resolve(), OWNER],
      [cmd.inform('restoration'), ASSIST],
      [cmd.close(), OWNER],
      [cmd.rate(2), ALICE],
    ]
    steps.forEach(([c, actor], i) => {
      const r = decide(c, stateAfter(history), ctx(actor, i * 10))
      if (!isRight(r)) throw new Error(`refused step ${i}: ${JSON.stringify(r.left)}`)
      history = [...history, ...r.right.map((e) => fact(e, actor, i * 10))]
    })
    expect(history.map((e) => e.type)).toContain('TicketResumed')
    expect(tags(history)).toEqual([])
  })

  it('reports a closing without a restoration message, with the ticket and the event', () => {
    const problems = checkTicketHistory([...resolved, fact(ev.closed(), OWNER, 80)], orgAt)
    expect(problems).toHaveLength(1)
    expect(problems[0]?.index).toBe(4)
    expect(problems[0]?.error._tag).toBe('UserNotToldOfRestoration')
    expect(problems[0]?.error.message).toMatch(
      /^ticket T-42 cannot be closed: .*event 4, TicketClosed by tech-office-paris/,
    )
  })

  it('reports an expert made owner, a non-owner resolving, a second rating and a second opening', () => {
    expect(tags([...qualified, fact(ev.assigned(EXPERT_OFFICE.id), ASSIST, 10)])).toEqual([
      [2, 'OwnerNotLevel1'],
    ])
    expect(tags([...owned, fact(ev.resolved(), NET, 60)])).toEqual([[3, 'NotTheOwner']])
    expect(tags([...resolved, fact(ev.rated(), ALICE, 61), fact(ev.rated(), ALICE, 62)])).toEqual([
      [5, 'SatisfactionAlreadyRecorded'],
    ])
    expect(tags([...opened, fact(ev.opened(), ASSIST, 1)])).toEqual([[1, 'TicketAlreadyExists']])
  })

  it('reports a history that does not start with the opening, time going backwards, and acts on a closed ticket', () => {
    expect(tags([fact(ev.qualified(), ASSIST, 0)])).toEqual([[0, 'TicketNotFound']])
    expect(tags([...owned, fact(ev.informed('answer'), OWNER, 5)])).toEqual([[3, 'TimeWentBackwards']])
    expect(tags([...closed, fact(ev.informed('progress'), OWNER, 90)])).toEqual([[6, 'TicketClosed']])
  })

  it('reports a resolution recorded while suspended, an expired delay not from the system, a past schedule', () => {
    expect(tags([...owned, fact(ev.suspended(), OWNER, 20), fact(ev.resolved(), OWNER, 30)])).toEqual([
      [4, 'TicketSuspended'],
    ])
    expect(tags([...owned, fact(ev.escalated('office', 'delay-expired'), OWNER, 20)])).toEqual([
      [3, 'DelayExpiredOnlyBySystem'],
    ])
    const past = fact(
      { type: 'UserInformed', data: { kind: 'schedule', message: 'x', expectedResolutionAt: at(15) } },
      OWNER,
      20,
    )
    expect(tags([...owned, past])).toEqual([[3, 'ScheduleInThePast']])
  })

  it('reports an opening at another desk than the requester’s, or with data not the user’s', () => {
    expect(tags([fact(ev.opened(), ASSIST_MTL, 0)])).toEqual([[0, 'NotTheRequestersDesk']])
    expect(tags([fact(ev.opened({ workstationType: WS.mac }), ASSIST, 0)])).toEqual([
      [0, 'WorkstationTypeMismatch'],
    ])
  })

  it('judges each event by the organisation as it stood at that event', () => {
    const retiredAt = at(50)
    const org = (when: IsoInstant) =>
      instantMs(when) < instantMs(retiredAt) ? fixtureOrg : retire(fixtureOrg, OWNER.id)
    expect(tags([...owned, fact(ev.informed('answer'), OWNER, 40)], org)).toEqual([])
    expect(
      tags([...owned, fact(ev.informed('answer'), OWNER, 40), fact(ev.resolved(), OWNER, 60)], org),
    ).toEqual([[4, 'AgentNotActive']])
  })

  it('keeps checking after a problem and reports each one', () => {
    const history = [...owned, fact(ev.resolved(), NET, 60), fact(ev.closed(), OWNER, 70)]
    expect(tags(history)).toEqual([
      [3, 'NotTheOwner'],
      [4, 'UserNotToldOfRestoration'],
    ])
  })
})
