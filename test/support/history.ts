/**
 * A compact fact builder for projection tests: recorded events (ids,
 * positions, revisions) from a list of steps, without the deciders.
 *
 *   history([
 *     site(T0, 'paris', 'Europe/Paris'),
 *     hours(T0, 'paris', OFFICE),
 *     policy(T0, { escalationDelays: { office: 'PT2H' } }),
 *     opened('2026-03-06T16:30:00.000Z', 'T1'),
 *     informed('2026-03-09T09:00:00.000Z', 'T1', 'answer'),
 *   ])
 *
 * Each step names its instant; positions follow the list order, revisions
 * count per stream, ids are `evt-<position>`.
 */
import type { Duration, IsoInstant, LocalDate } from '../../src/domain/codec.js'
import {
  type EventToAppend,
  majorIncidentStream,
  ORGANIZATION_STREAM,
  type RecordedEvent,
  ticketStream,
} from '../../src/domain/envelope.js'
import {
  currentVersion,
  DEFAULT_QUALITY_THRESHOLDS,
  type DomainEvent,
  type HierarchyReason,
  type SupportPolicy,
  type UserInformedKind,
  type WeeklyHours,
} from '../../src/domain/events.js'
import type { Actor, Priority, SupportDomain } from '../../src/domain/vocabulary.js'
import type { EventStore } from '../../src/store/port.js'

export type Step = DomainEvent & { readonly at: string; readonly stream: string; readonly actor: Actor }

const MANAGER: Actor = { id: 'manager-1', role: 'manager' }
const ASSISTANCE: Actor = { id: 'assist-1', role: 'assistance' }
const OWNER: Actor = { id: 'tech-1', role: 'office-technician' }
const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system' }

const step = (at: string, stream: string, actor: Actor, event: DomainEvent): Step =>
  ({ ...event, at, stream, actor }) as Step

/** Number the steps into recorded events; `firstPosition` lets a test start a log elsewhere than 0. */
export const history = (steps: readonly Step[], firstPosition = 0): RecordedEvent[] => {
  const revisions = new Map<string, number>()
  return steps.map((s, i) => {
    const revision = revisions.get(s.stream) ?? 0
    revisions.set(s.stream, revision + 1)
    const position = firstPosition + i
    return {
      id: `evt-${position}`,
      stream: s.stream,
      revision,
      position,
      type: s.type,
      version: currentVersion[s.type],
      at: s.at as IsoInstant,
      actor: s.actor,
      data: s.data,
      meta: {},
    } as RecordedEvent
  })
}

/** Append recorded events to a store, one at a time in log order (their positions follow the store's). */
export const loadStore = async (store: EventStore, events: readonly RecordedEvent[]): Promise<EventStore> => {
  for (const e of events) {
    const { stream, revision: _r, position: _p, ...rest } = e
    const r = await store.append(stream, [rest as EventToAppend], 'any')()
    if (r._tag === 'Left') throw new Error(r.left.message)
  }
  return store
}

// ---- organization ----------------------------------------------------------

/** Mon–Fri 08:00–12:00 and 13:30–18:00. */
export const OFFICE_HOURS: WeeklyHours = (() => {
  const day: WeeklyHours['mon'] = [
    ['08:00', '12:00'],
    ['13:30', '18:00'],
  ] as WeeklyHours['mon']
  return { mon: day, tue: day, wed: day, thu: day, fri: day } as WeeklyHours
})()

/** 00:00–24:00 every day. */
export const ALL_DAY: WeeklyHours = (() => {
  const day = [['00:00', '24:00']] as WeeklyHours['mon']
  return { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day } as WeeklyHours
})()

export const site = (at: string, siteId: string, timeZone: string): Step =>
  step(at, ORGANIZATION_STREAM, MANAGER, { type: 'SiteRegistered', data: { siteId, name: siteId, timeZone } })

export const hours = (
  at: string,
  siteId: string,
  weekly: WeeklyHours,
  holidays: readonly string[] = [],
): Step =>
  step(at, ORGANIZATION_STREAM, MANAGER, {
    type: 'SupportHoursSet',
    data: { siteId, weekly, holidays: holidays as LocalDate[] },
  })

export interface PolicyInput {
  readonly responseTarget?: string
  readonly escalationDelays?: Partial<Record<SupportDomain, string>>
  readonly resolutionTargets?: Partial<Record<Priority, string>>
  readonly majorIncidentBulletinTarget?: string
}

/** A full (v2) policy with §4 defaults for what is not given. */
export const policyOf = (p: PolicyInput = {}): SupportPolicy => ({
  responseTarget: (p.responseTarget ?? 'PT4H') as Duration,
  escalationDelays: (p.escalationDelays ?? {}) as SupportPolicy['escalationDelays'],
  resolutionTargets: (p.resolutionTargets ?? {}) as SupportPolicy['resolutionTargets'],
  majorIncidentBulletinTarget: (p.majorIncidentBulletinTarget ?? 'PT24H') as Duration,
  qualityThresholds: DEFAULT_QUALITY_THRESHOLDS,
})

export const policy = (at: string, p: PolicyInput = {}): Step =>
  step(at, ORGANIZATION_STREAM, MANAGER, { type: 'SupportPolicySet', data: policyOf(p) })

// ---- tickets ---------------------------------------------------------------

const tk = (at: string, ticketId: string, event: DomainEvent, actor: Actor = OWNER): Step =>
  step(at, ticketStream(ticketId), actor, event)

export const opened = (
  at: string,
  ticketId: string,
  siteId = 'paris',
  workstationType = 'windows-desktop',
): Step =>
  tk(
    at,
    ticketId,
    {
      type: 'TicketOpened',
      data: {
        ticketId,
        requesterId: 'user-1',
        siteId,
        workstationType,
        deskId: 'desk-1',
        channel: 'phone',
        summary: `problem ${ticketId}`,
      },
    },
    ASSISTANCE,
  )

export const qualified = (
  at: string,
  ticketId: string,
  domain: SupportDomain,
  priority: Priority,
  kind: 'incident' | 'question' | 'request' | 'preventive' = 'incident',
): Step => tk(at, ticketId, { type: 'TicketQualified', data: { kind, domain, priority } })

export const assigned = (at: string, ticketId: string, ownerId = 'tech-1'): Step =>
  tk(at, ticketId, { type: 'TicketAssigned', data: { ownerId } }, ASSISTANCE)

export const informed = (at: string, ticketId: string, kind: UserInformedKind): Step =>
  tk(at, ticketId, {
    type: 'UserInformed',
    data:
      kind === 'schedule'
        ? { kind, message: 'we will fix it', expectedResolutionAt: '2030-01-01T00:00:00.000Z' as IsoInstant }
        : { kind, message: `${kind} message` },
  })

export const escalated = (
  at: string,
  ticketId: string,
  domain: SupportDomain,
  reason: 'manual' | 'delay-expired' = 'manual',
): Step =>
  tk(
    at,
    ticketId,
    { type: 'TicketEscalated', data: { domain, reason } },
    reason === 'manual' ? OWNER : SYSTEM_ACTOR,
  )

export const advised = (at: string, ticketId: string): Step =>
  tk(
    at,
    ticketId,
    { type: 'ExpertAdviceGiven', data: { advice: 'try this' } },
    { id: 'expert-1', role: 'expert' },
  )

export const involved = (at: string, ticketId: string, reason: HierarchyReason): Step =>
  tk(
    at,
    ticketId,
    { type: 'HierarchyInvolved', data: { reason } },
    reason === 'difficulty' ? MANAGER : SYSTEM_ACTOR,
  )

export const suspended = (at: string, ticketId: string): Step =>
  tk(at, ticketId, { type: 'TicketSuspended', data: { reason: 'awaiting-user' } })

export const resumed = (at: string, ticketId: string): Step =>
  tk(at, ticketId, { type: 'TicketResumed', data: {} })

export const resolved = (at: string, ticketId: string): Step =>
  tk(at, ticketId, {
    type: 'TicketResolved',
    data: { resolutionCode: 'fixed', solution: 'replaced the cable' as never },
  })

export const reopened = (at: string, ticketId: string): Step =>
  tk(at, ticketId, { type: 'TicketReopened', data: { reason: 'it broke again' } }, ASSISTANCE)

export const closed = (at: string, ticketId: string): Step =>
  tk(at, ticketId, { type: 'TicketClosed', data: {} })

// ---- major incidents -------------------------------------------------------

const mi = (at: string, incidentId: string, event: DomainEvent, actor: Actor = MANAGER): Step =>
  step(at, majorIncidentStream(incidentId), actor, event)

export const declared = (at: string, incidentId: string): Step =>
  mi(at, incidentId, {
    type: 'MajorIncidentDeclared',
    data: { incidentId, summary: 'network down', siteIds: ['paris'], services: ['network'] },
  })

export const staffAlerted = (at: string, incidentId: string): Step =>
  mi(
    at,
    incidentId,
    { type: 'SupportStaffAlerted', data: { agentIds: ['assist-1', 'tech-1'] } },
    SYSTEM_ACTOR,
  )

export const bulletin = (
  at: string,
  incidentId: string,
  kind: 'information' | 'restoration' = 'information',
): Step =>
  mi(at, incidentId, {
    type: 'IncidentBulletinPublished',
    data: { kind, message: 'we are on it', siteIds: ['paris'] },
  })

export const incidentResolved = (at: string, incidentId: string): Step =>
  mi(at, incidentId, { type: 'MajorIncidentResolved', data: { summary: 'fixed' } })

/** Any other fact (knowledge articles…), for tests that only need its instant. */
export const knowledgePublished = (at: string, articleId: string): Step =>
  step(at, `knowledge-${articleId}`, OWNER, {
    type: 'KnowledgeArticlePublished',
    data: {
      articleId,
      title: 'How to',
      domain: 'office',
      workstationTypes: ['windows-desktop'],
      body: 'Steps',
    },
  })

// ---- a sample organisation -------------------------------------------------

export const T0 = '2026-01-01T00:00:00.000Z'

/**
 * Sites `paris` (office hours, holiday 2026-05-01) and `paris-24` (24x7) in
 * Europe/Paris, `nyc` and `nyc-24` in America/New_York; one policy from T0:
 * response PT4H, escalation office PT2H and network PT1H, resolution P1 PT4H
 * and P2 PT8H, bulletin PT24H.
 */
export const SAMPLE_ORG: readonly Step[] = [
  site(T0, 'paris', 'Europe/Paris'),
  hours(T0, 'paris', OFFICE_HOURS, ['2026-05-01']),
  site(T0, 'paris-24', 'Europe/Paris'),
  hours(T0, 'paris-24', ALL_DAY),
  site(T0, 'nyc', 'America/New_York'),
  hours(T0, 'nyc', OFFICE_HOURS),
  site(T0, 'nyc-24', 'America/New_York'),
  hours(T0, 'nyc-24', ALL_DAY),
  policy(T0, {
    escalationDelays: { office: 'PT2H', network: 'PT1H' },
    resolutionTargets: { P1: 'PT4H', P2: 'PT8H' },
  }),
]
