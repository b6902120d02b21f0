/**
 * A compact builder of recorded histories for the quality, synthesis and
 * timeline tests. It writes `RecordedEvent`s directly (ids, streams, revisions,
 * positions), without the deciders, so these tests check the projections alone.
 *
 *   const h = qualityHistory()
 *   standardOrganization(h, '2026-03-01T00:00')
 *   h.ticket('T-1', '2026-03-02T08:00').qualify('2026-03-02T08:05', 'incident', 'office', 'P3')
 *     .assign('2026-03-02T08:10', 'tech-office').resolve('2026-03-02T09:00')
 *   h.events()
 */
import type { IsoInstant } from '../../src/domain/codec.js'
import type { RecordedEvent } from '../../src/domain/envelope.js'
import type { EventData, EventType, QualityThresholds, SupportPolicy } from '../../src/domain/events.js'
import type {
  Actor,
  AgentRole,
  Channel,
  Priority,
  SupportDomain,
  TicketKind,
} from '../../src/domain/vocabulary.js'
import type {
  ClockStatus,
  EscalationStatus,
  MajorIncidentServiceLevels,
  TicketServiceLevels,
} from '../../src/projections/service-level-types.js'

/** `2026-03-02T09:15` (UTC) or a full ISO instant → `2026-03-02T09:15:00.000Z`. */
export const iso = (s: string): IsoInstant => {
  const full = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(s) ? `${s}:00.000Z` : s
  const d = new Date(full)
  if (Number.isNaN(d.getTime()) || d.toISOString() !== full) throw new Error(`not an instant: ${s}`)
  return full as IsoInstant
}

export const MANAGER: Actor = { id: 'manager-1', role: 'manager' }
export const SYSTEM: Actor = { id: 'system', role: 'system' }
export const ASSISTANCE: Actor = { id: 'desk-agent', role: 'assistance' }

export interface TicketBuilder {
  readonly id: string
  readonly qualify: (at: string, kind: TicketKind, domain: SupportDomain, priority: Priority) => TicketBuilder
  readonly assign: (at: string, ownerId: string) => TicketBuilder
  readonly inform: (
    at: string,
    kind?: 'answer' | 'schedule' | 'progress' | 'restoration',
    expectedResolutionAt?: string,
  ) => TicketBuilder
  readonly escalate: (at: string, domain: SupportDomain, reason?: 'manual' | 'delay-expired') => TicketBuilder
  readonly advise: (at: string, expertId?: string) => TicketBuilder
  readonly involve: (
    at: string,
    reason: 'response-breach' | 'resolution-breach' | 'difficulty',
  ) => TicketBuilder
  readonly suspend: (at: string, reason?: 'awaiting-user' | 'awaiting-supplier') => TicketBuilder
  readonly resume: (at: string) => TicketBuilder
  readonly resolve: (at: string, knowledgeArticleId?: string) => TicketBuilder
  readonly reopen: (at: string, reason?: string) => TicketBuilder
  readonly close: (at: string) => TicketBuilder
  readonly satisfaction: (at: string, score: number, comment?: string) => TicketBuilder
  readonly link: (at: string, incidentId: string) => TicketBuilder
}

export interface TicketOptions {
  readonly siteId?: string
  readonly workstationType?: string
  readonly channel?: Channel
  readonly requesterId?: string
  readonly deskId?: string
  readonly summary?: string
  readonly openedBy?: Actor
}

export interface QualityHistory {
  /** Append one event of any type to `stream`. */
  readonly add: <K extends EventType>(
    stream: string,
    type: K,
    data: EventData<K>,
    at: string,
    actor?: Actor,
  ) => QualityHistory
  readonly org: <K extends EventType>(type: K, data: EventData<K>, at: string) => QualityHistory
  readonly agent: (
    at: string,
    agentId: string,
    role: AgentRole,
    options?: { siteIds?: string[] },
  ) => QualityHistory
  readonly policy: (at: string, policy?: Partial<SupportPolicy>) => QualityHistory
  readonly ticket: (ticketId: string, at: string, options?: TicketOptions) => TicketBuilder
  readonly article: (at: string, articleId: string, domain?: SupportDomain) => QualityHistory
  readonly majorIncident: (at: string, incidentId: string) => QualityHistory
  readonly events: () => readonly RecordedEvent[]
}

export const qualityHistory = (): QualityHistory => {
  const events: RecordedEvent[] = []
  const revisions = new Map<string, number>()
  const roles = new Map<string, AgentRole>()

  const add = <K extends EventType>(
    stream: string,
    type: K,
    data: EventData<K>,
    at: string,
    actor: Actor = MANAGER,
  ): QualityHistory => {
    const revision = (revisions.get(stream) ?? -1) + 1
    revisions.set(stream, revision)
    const position = events.length
    events.push({
      id: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
      stream,
      revision,
      position,
      type,
      version: type === 'SupportPolicySet' ? 2 : 1,
      at: iso(at),
      actor,
      data,
      meta: {},
    } as unknown as RecordedEvent)
    return history
  }

  const agentActor = (id: string): Actor => ({ id, role: roles.get(id) ?? 'assistance' })

  const ticket = (ticketId: string, at: string, o: TicketOptions = {}): TicketBuilder => {
    const stream = `ticket-${ticketId}`
    const requester: Actor = { id: o.requesterId ?? `user-${ticketId}`, role: 'user' }
    let owner: Actor = o.openedBy ?? ASSISTANCE
    add(
      stream,
      'TicketOpened',
      {
        ticketId,
        requesterId: requester.id,
        siteId: o.siteId ?? 'paris',
        workstationType: o.workstationType ?? 'desktop',
        deskId: o.deskId ?? 'desk-1',
        channel: o.channel ?? 'phone',
        summary: o.summary ?? `problem ${ticketId}`,
      },
      at,
      o.openedBy ?? ASSISTANCE,
    )
    const t = <K extends EventType>(type: K, data: EventData<K>, when: string, actor: Actor = owner) => {
      add(stream, type, data, when, actor)
      return b
    }
    const b: TicketBuilder = {
      id: ticketId,
      qualify: (when, kind, domain, priority) => t('TicketQualified', { kind, domain, priority }, when),
      assign: (when, ownerId) => {
        const by = owner
        owner = agentActor(ownerId)
        return t('TicketAssigned', { ownerId }, when, by)
      },
      inform: (when, kind = 'answer', expectedResolutionAt) =>
        t(
          'UserInformed',
          expectedResolutionAt === undefined
            ? { kind, message: `${kind} given` }
            : { kind, message: `${kind} given`, expectedResolutionAt: iso(expectedResolutionAt) },
          when,
        ),
      escalate: (when, domain, reason = 'manual') =>
        t('TicketEscalated', { domain, reason }, when, reason === 'delay-expired' ? SYSTEM : owner),
      advise: (when, expertId = 'expert-1') =>
        t('ExpertAdviceGiven', { advice: 'try this' }, when, { id: expertId, role: 'expert' }),
      involve: (when, reason) =>
        t('HierarchyInvolved', { reason }, when, reason === 'difficulty' ? MANAGER : SYSTEM),
      suspend: (when, reason = 'awaiting-user') => t('TicketSuspended', { reason }, when),
      resume: (when) => t('TicketResumed', {}, when),
      resolve: (when, knowledgeArticleId) =>
        t(
          'TicketResolved',
          knowledgeArticleId === undefined
            ? { resolutionCode: 'fixed', solution: 'done' as never }
            : { resolutionCode: 'fixed', solution: 'done' as never, knowledgeArticleId },
          when,
        ),
      reopen: (when, reason = 'not fixed') => t('TicketReopened', { reason }, when, requester),
      close: (when) => t('TicketClosed', {}, when),
      satisfaction: (when, score, comment) =>
        t('SatisfactionRecorded', comment === undefined ? { score } : { score, comment }, when, requester),
      link: (when, incidentId) => t('TicketLinkedToMajorIncident', { incidentId }, when),
    }
    return b
  }

  const history: QualityHistory = {
    add,
    org: (type, data, at) => add('organization', type, data, at, MANAGER),
    agent: (at, agentId, role, options = {}) => {
      roles.set(agentId, role)
      return add(
        'organization',
        'AgentEnrolled',
        {
          agentId,
          name: agentId,
          role,
          siteIds: options.siteIds ?? ['paris'],
          workstationTypes: ['desktop', 'laptop', 'phone'],
          ...(role === 'assistance' ? { deskId: 'desk-1' } : {}),
          ...(role === 'expert'
            ? { domains: ['office', 'telephony', 'business', 'network'] as SupportDomain[] }
            : {}),
        },
        at,
      )
    },
    policy: (at, p = {}) =>
      add(
        'organization',
        'SupportPolicySet',
        {
          responseTarget: p.responseTarget ?? ('PT4H' as never),
          escalationDelays: p.escalationDelays ?? { office: 'PT8H' as never, network: 'PT2H' as never },
          resolutionTargets: p.resolutionTargets ?? {
            P1: 'PT4H' as never,
            P2: 'PT8H' as never,
            P3: 'PT16H' as never,
          },
          majorIncidentBulletinTarget: p.majorIncidentBulletinTarget ?? ('PT24H' as never),
          qualityThresholds: p.qualityThresholds ?? DEFAULTS,
        },
        at,
      ),
    ticket,
    article: (at, articleId, domain = 'office') =>
      add(
        `knowledge-${articleId}`,
        'KnowledgeArticlePublished',
        { articleId, title: `How to ${articleId}`, domain, workstationTypes: ['desktop'], body: 'steps' },
        at,
        agentActor('tech-office'),
      ),
    majorIncident: (at, incidentId) =>
      add(
        `major-incident-${incidentId}`,
        'MajorIncidentDeclared',
        { incidentId, summary: 'network down', siteIds: ['paris'], services: ['mail'] },
        at,
        MANAGER,
      ),
    events: () => [...events],
  }
  return history
}

const DEFAULTS: QualityThresholds = {
  excellent: { responseCompliance: 0.95, satisfactionMean: 4.2 },
  good: { responseCompliance: 0.9, satisfactionMean: 3.8 },
  fair: { responseCompliance: 0.75, satisfactionMean: 3.0 },
}

/**
 * A site `paris` (Europe/Paris, Mon–Fri 08:00–12:00 and 13:30–18:00), one desk,
 * workstation types, one agent of each role and a default policy (PT4H response,
 * P3 resolution PT16H).
 */
export const standardOrganization = (h: QualityHistory, at: string): QualityHistory => {
  const day = [
    ['08:00', '12:00'],
    ['13:30', '18:00'],
  ] as never
  h.org('SiteRegistered', { siteId: 'paris', name: 'Paris', timeZone: 'Europe/Paris' }, at)
  h.org(
    'SupportHoursSet',
    {
      siteId: 'paris',
      weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] },
      holidays: [],
    },
    at,
  )
  h.org('DeskRegistered', { deskId: 'desk-1', name: 'Desk', contact: '1234', siteIds: ['paris'] }, at)
  h.org('WorkstationTypeDefined', { workstationType: 'desktop', label: 'Desktop PC' }, at)
  h.org('WorkstationTypeDefined', { workstationType: 'laptop', label: 'Laptop' }, at)
  h.agent(at, 'desk-agent', 'assistance')
  h.agent(at, 'tech-office', 'office-technician')
  h.agent(at, 'tech-office-2', 'office-technician')
  h.agent(at, 'tech-phone', 'telephony-technician')
  h.agent(at, 'expert-1', 'expert')
  h.policy(at)
  return h
}

// ---- hand-made service levels (the synthesis's real input) -------------------

export interface SlSketch {
  readonly response?: ClockStatus
  readonly responseMinutes?: number | null
  readonly resolution?: ClockStatus
  readonly resolutionMinutes?: number | null
  readonly escalation?: EscalationStatus
}

/** A `TicketServiceLevels` for `ticketId` with the given statuses (targets are not read by the synthesis). */
export const serviceLevel = (ticketId: string, openedAt: string, s: SlSketch = {}): TicketServiceLevels => ({
  ticketId,
  siteId: 'paris',
  workstationType: 'desktop',
  domain: null,
  priority: null,
  openedAt: iso(openedAt),
  response: {
    status: s.response ?? 'pending',
    businessMinutes: s.responseMinutes ?? null,
    targetMinutes: 240,
    deadline: iso(openedAt),
    stoppedAt: null,
  },
  escalation: { status: s.escalation ?? 'pending', deadline: null, escalatedAt: null },
  resolution: {
    status: s.resolution ?? 'pending',
    businessMinutes: s.resolutionMinutes ?? null,
    targetMinutes: 960,
  },
})

export const majorIncidentLevel = (
  incidentId: string,
  declaredAt: string,
  m: Partial<Omit<MajorIncidentServiceLevels, 'incidentId' | 'declaredAt'>> = {},
): MajorIncidentServiceLevels => ({
  incidentId,
  declaredAt: iso(declaredAt),
  bulletinElapsedMinutes: m.bulletinElapsedMinutes ?? null,
  bulletinTargetMinutes: m.bulletinTargetMinutes ?? 1440,
  status: m.status ?? 'pending',
  staffAlertElapsedMinutes: m.staffAlertElapsedMinutes ?? null,
})
