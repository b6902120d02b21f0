/**
 * Every event of domain.md §4, as io-ts codecs of its `data`, with its stream
 * and its current schema `version`. Names are the wire format: keep them.
 */
import * as t from 'io-ts'
import {
  Duration,
  IsoInstant,
  intBetween,
  LocalDate,
  LocalTime,
  NonEmpty,
  partialRecord,
  strict,
} from './codec.js'
import { AgentRole, Channel, Priority, SupportDomain, TicketKind } from './vocabulary.js'

const str = t.string
const ids = t.array(t.string)

// ---- organization ---------------------------------------------------------

const Interval = t.tuple([LocalTime, LocalTime], '["HH:MM","HH:MM"]')
const Day = t.array(Interval)
export const WeeklyHours = strict(
  {},
  { mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day },
  'WeeklyHours',
)
export type WeeklyHours = t.TypeOf<typeof WeeklyHours>
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const
export type Weekday = (typeof WEEKDAYS)[number]

export const QualityThreshold = strict(
  { responseCompliance: t.number },
  { satisfactionMean: t.number },
  'QualityThreshold',
)
export const QualityThresholds = strict(
  { excellent: QualityThreshold, good: QualityThreshold, fair: QualityThreshold },
  {},
  'QualityThresholds',
)
export type QualityThresholds = t.TypeOf<typeof QualityThresholds>

/** domain.md §6 defaults. */
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = {
  excellent: { responseCompliance: 0.95, satisfactionMean: 4.2 },
  good: { responseCompliance: 0.9, satisfactionMean: 3.8 },
  fair: { responseCompliance: 0.75, satisfactionMean: 3.0 },
}

const EscalationDelays = partialRecord(SupportDomain, Duration)
const ResolutionTargets = partialRecord(Priority, Duration)

/**
 * `SupportPolicySet` version 1 is the shape of domain.md §4, where
 * `responseTarget`, `majorIncidentBulletinTarget` and `qualityThresholds` may be
 * left out (defaults PT4H, PT24H, §6 table). Version 2, written today, records
 * every value explicitly, so that a policy reads the same whatever defaults a
 * later release ships. See `upcasters.ts`.
 */
export const SupportPolicySetV1 = strict(
  { escalationDelays: EscalationDelays, resolutionTargets: ResolutionTargets },
  { responseTarget: Duration, majorIncidentBulletinTarget: Duration, qualityThresholds: QualityThresholds },
  'SupportPolicySet(v1)',
)
export const SupportPolicySet = strict(
  {
    responseTarget: Duration,
    escalationDelays: EscalationDelays,
    resolutionTargets: ResolutionTargets,
    majorIncidentBulletinTarget: Duration,
    qualityThresholds: QualityThresholds,
  },
  {},
  'SupportPolicySet',
)
export type SupportPolicy = t.TypeOf<typeof SupportPolicySet>

export const organizationEventCodecs = {
  SiteRegistered: strict({ siteId: str, name: str, timeZone: str }),
  SupportHoursSet: strict({ siteId: str, weekly: WeeklyHours, holidays: t.array(LocalDate) }),
  DeskRegistered: strict({ deskId: str, name: str, contact: str, siteIds: ids }),
  WorkstationTypeDefined: strict({ workstationType: str, label: str }),
  UserRegistered: strict({ userId: str, name: str, siteId: str, workstationType: str, deskId: str }),
  UserEntryPointDesignated: strict({ userId: str, deskId: str }),
  AgentEnrolled: strict(
    { agentId: str, name: str, role: AgentRole, siteIds: ids, workstationTypes: ids },
    { deskId: str, domains: t.array(SupportDomain) },
  ),
  AgentRetired: strict({ agentId: str }),
  SupportPolicySet,
}

// ---- ticket ----------------------------------------------------------------

export const UserInformedKind = t.keyof(
  { answer: null, schedule: null, progress: null, restoration: null },
  'UserInformedKind',
)
export type UserInformedKind = t.TypeOf<typeof UserInformedKind>
export const EscalationReason = t.keyof({ manual: null, 'delay-expired': null }, 'EscalationReason')
export const HierarchyReason = t.keyof(
  { 'response-breach': null, 'resolution-breach': null, difficulty: null },
  'HierarchyReason',
)
export type HierarchyReason = t.TypeOf<typeof HierarchyReason>
export const SuspensionReason = t.keyof(
  { 'awaiting-user': null, 'awaiting-supplier': null },
  'SuspensionReason',
)

const Empty = strict({}, {}, '{}')

export const ticketEventCodecs = {
  TicketOpened: strict({
    ticketId: str,
    requesterId: str,
    siteId: str,
    workstationType: str,
    deskId: str,
    channel: Channel,
    summary: str,
  }),
  TicketQualified: strict(
    { kind: TicketKind, domain: SupportDomain, priority: Priority },
    { diagnosis: str },
  ),
  TicketAssigned: strict({ ownerId: str }),
  UserInformed: strict({ kind: UserInformedKind, message: str }, { expectedResolutionAt: IsoInstant }),
  TicketEscalated: strict({ domain: SupportDomain, reason: EscalationReason }, { note: str }),
  ExpertAdviceGiven: strict({ advice: str }),
  HierarchyInvolved: strict({ reason: HierarchyReason }, { note: str }),
  TicketSuspended: strict({ reason: SuspensionReason }),
  TicketResumed: Empty,
  TicketResolved: strict({ resolutionCode: str, solution: NonEmpty }, { knowledgeArticleId: str }),
  TicketReopened: strict({ reason: str }),
  TicketClosed: Empty,
  SatisfactionRecorded: strict({ score: intBetween(1, 5, 'score 1..5') }, { comment: str }),
  TicketLinkedToMajorIncident: strict({ incidentId: str }),
}

// ---- major incident --------------------------------------------------------

export const BulletinKind = t.keyof({ information: null, restoration: null }, 'BulletinKind')

export const majorIncidentEventCodecs = {
  MajorIncidentDeclared: strict({ incidentId: str, summary: str, siteIds: ids, services: ids }),
  SupportStaffAlerted: strict({ agentIds: ids }),
  IncidentBulletinPublished: strict({ kind: BulletinKind, message: str, siteIds: ids }),
  MajorIncidentResolved: strict({ summary: str }),
}

// ---- knowledge -------------------------------------------------------------

export const knowledgeEventCodecs = {
  KnowledgeArticlePublished: strict({
    articleId: str,
    title: str,
    domain: SupportDomain,
    workstationTypes: ids,
    body: str,
  }),
  KnowledgeArticleRevised: strict({ body: str }),
}

// ---- all -------------------------------------------------------------------

export const eventCodecs = {
  ...organizationEventCodecs,
  ...ticketEventCodecs,
  ...majorIncidentEventCodecs,
  ...knowledgeEventCodecs,
}
type Codecs = typeof eventCodecs
export type EventType = keyof Codecs
export const EVENT_TYPES = Object.keys(eventCodecs) as EventType[]

/** The current schema version of each event type (what writers write). */
export const currentVersion: Readonly<Record<EventType, number>> = Object.fromEntries(
  EVENT_TYPES.map((k) => [k, k === 'SupportPolicySet' ? 2 : 1]),
) as Record<EventType, number>

export type StreamCategory = 'organization' | 'ticket' | 'major-incident' | 'knowledge'
export const streamCategoryOf: Readonly<Record<EventType, StreamCategory>> = Object.fromEntries([
  ...Object.keys(organizationEventCodecs).map((k) => [k, 'organization']),
  ...Object.keys(ticketEventCodecs).map((k) => [k, 'ticket']),
  ...Object.keys(majorIncidentEventCodecs).map((k) => [k, 'major-incident']),
  ...Object.keys(knowledgeEventCodecs).map((k) => [k, 'knowledge']),
]) as Record<EventType, StreamCategory>

type EventOf<K extends EventType> = { readonly type: K; readonly data: t.TypeOf<Codecs[K]> }
type Union<K extends EventType> = { [P in K]: EventOf<P> }[K]

/** An event as a decider emits it: its type and its data. */
export type DomainEvent = Union<EventType>
export type OrganizationEvent = Union<keyof typeof organizationEventCodecs>
export type TicketEvent = Union<keyof typeof ticketEventCodecs>
export type MajorIncidentEvent = Union<keyof typeof majorIncidentEventCodecs>
export type KnowledgeEvent = Union<keyof typeof knowledgeEventCodecs>
export type EventData<K extends EventType> = t.TypeOf<Codecs[K]>
