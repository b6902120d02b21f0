/**
 * The quality projection (domain.md §6): per ticket, the facts the synthesis for
 * management needs that are not clocks (clocks come from the service-level
 * projection), plus the knowledge base and the quality thresholds in force.
 *
 * Memory grows with tickets, agents, articles and policy versions, never with
 * the length of the history: each ticket keeps a fixed set of counters and
 * latest values, its satisfaction scores (one per resolution), the articles it
 * cited, and its status changes (a handful per ticket) so that the backlog can
 * be told as of the end of any period.
 */
import { type IsoInstant, instantMs } from '../domain/codec.js'
import type { RecordedEvent } from '../domain/envelope.js'
import type { QualityThresholds } from '../domain/events.js'
import {
  type AgentRole,
  type Channel,
  type Level,
  levelOf,
  type Priority,
  type SupportDomain,
  type TicketKind,
} from '../domain/vocabulary.js'
import { type Dict, emptyDict, getOwn, parseInstant, setOwn } from './policy-history.js'

/** Where a ticket stands; the same words as the ticket timeline. */
export type TicketStatus = 'open' | 'assigned' | 'awaiting-expert' | 'suspended' | 'resolved' | 'closed'
export const TICKET_STATUSES: readonly TicketStatus[] = [
  'open',
  'assigned',
  'awaiting-expert',
  'suspended',
  'resolved',
  'closed',
]

export interface StatusChange {
  readonly at: IsoInstant
  readonly status: TicketStatus
}

export interface QualityTicket {
  readonly ticketId: string
  readonly requesterId: string
  readonly siteId: string
  readonly workstationType: string
  readonly deskId: string
  readonly channel: Channel
  readonly openedAt: IsoInstant
  /** Latest qualification (null until qualified). */
  readonly kind: TicketKind | null
  readonly domain: SupportDomain | null
  readonly priority: Priority | null
  /** The current (or final) owner. */
  readonly ownerId: string | null
  /** The owner's role when they were assigned (from `AgentEnrolled`); null if unknown then. */
  readonly ownerRole: AgentRole | null
  readonly ownerLevel: Level | null
  /** `TicketAssigned` count: more than one means the ticket was reassigned. */
  readonly assignments: number
  readonly escalations: number
  readonly reopenings: number
  /** `TicketResolved` count (a reopened ticket may be resolved again). */
  readonly resolutions: number
  /** The knowledge article of every resolution that cited one, in order. */
  readonly citedArticleIds: readonly string[]
  /** The article cited by the latest resolution, if any. */
  readonly knowledgeArticleId: string | null
  readonly resolvedAt: IsoInstant | null
  readonly closedAt: IsoInstant | null
  readonly satisfactionScores: readonly number[]
  /** The latest major incident the ticket was linked to. */
  readonly majorIncidentId: string | null
  readonly status: TicketStatus
  readonly suspended: boolean
  readonly awaitingExpert: boolean
  /** Every change of `status`, the first being the opening. */
  readonly statusChanges: readonly StatusChange[]
  readonly lastEventAt: IsoInstant
}

export interface KnowledgeArticleFacts {
  readonly articleId: string
  readonly title: string
  readonly domain: SupportDomain
  readonly workstationTypes: readonly string[]
  readonly publishedAt: IsoInstant
  readonly revisions: number
  readonly lastRevisedAt: IsoInstant | null
}

/**
 * Plain JSON data (records keyed by id, read with `getOwn`), so that a
 * projection runner can checkpoint it with `JSON.stringify` and restore it.
 */
export interface QualityState {
  /** ticketId → facts. */
  readonly tickets: Readonly<Dict<QualityTicket>>
  /** agentId → role, from `AgentEnrolled` (a re-enrolment replaces the role). */
  readonly agentRoles: Readonly<Dict<AgentRole>>
  /** workstationType → label, from `WorkstationTypeDefined`. */
  readonly workstationTypeLabels: Readonly<Dict<string>>
  /** articleId → facts. */
  readonly articles: Readonly<Dict<KnowledgeArticleFacts>>
  /** Quality thresholds of each `SupportPolicySet`, in order. */
  readonly qualityPolicies: readonly { readonly since: IsoInstant; readonly thresholds: QualityThresholds }[]
  /** The latest `at` of any event folded (the default as-of instant, as for the service levels). */
  readonly lastEventAt: IsoInstant | null
}

/**
 * Same shape as `Projection<S>` of src/projections/runner.ts (structural, so
 * this module does not depend on the runner).
 */
export interface QualityProjection {
  readonly name: string
  readonly version: number
  readonly init: () => QualityState
  readonly apply: (state: QualityState, event: RecordedEvent) => QualityState
}

interface MutableQualityState {
  readonly tickets: Dict<QualityTicket>
  readonly agentRoles: Dict<AgentRole>
  readonly workstationTypeLabels: Dict<string>
  readonly articles: Dict<KnowledgeArticleFacts>
  qualityPolicies: readonly { readonly since: IsoInstant; readonly thresholds: QualityThresholds }[]
  lastEventAt: IsoInstant | null
}

export const initialQualityState = (): QualityState => ({
  tickets: emptyDict(),
  agentRoles: emptyDict(),
  workstationTypeLabels: emptyDict(),
  articles: emptyDict(),
  qualityPolicies: [],
  lastEventAt: null,
})

/** Precedence when several flags hold: a closed ticket is closed, whatever else. */
const statusOf = (t: {
  readonly ownerId: string | null
  readonly awaitingExpert: boolean
  readonly suspended: boolean
  readonly resolvedAt: IsoInstant | null
  readonly closedAt: IsoInstant | null
}): TicketStatus =>
  t.closedAt !== null
    ? 'closed'
    : t.resolvedAt !== null
      ? 'resolved'
      : t.suspended
        ? 'suspended'
        : t.awaitingExpert
          ? 'awaiting-expert'
          : t.ownerId !== null
            ? 'assigned'
            : 'open'

type MutableTicket = { -readonly [K in keyof QualityTicket]: QualityTicket[K] }

/**
 * Recompute `status` of a record after `ticketStep` (completed in place),
 * recording a change when it moved.
 */
const settle = (fresh: QualityTicket, at: IsoInstant): QualityTicket => {
  const t = fresh as MutableTicket
  const status = statusOf(t)
  if (status !== t.status) {
    t.status = status
    t.statusChanges = [...t.statusChanges, { at, status }]
  }
  t.lastEventAt = at
  return t
}

/**
 * Fold one event. For speed (O(1) per event over millions of events) the maps
 * of the state are updated in place and the same state is returned: a state
 * handed to `apply` belongs to the fold from then on. Ticket records themselves
 * are replaced, never mutated, so a record read earlier stays as it was.
 */
export const applyQuality = (state: QualityState, e: RecordedEvent): QualityState =>
  applyQualityWith(state, e, false)

/**
 * `applyQuality`, but a ticket's record is updated in place rather than
 * replaced (its arrays are still replaced when they change, never mutated): no
 * copy of a ~30-field record per event, for a fold that hands no record out
 * while it runs (the report's).
 */
export const applyQualityInPlace = (state: QualityState, e: RecordedEvent): QualityState =>
  applyQualityWith(state, e, true)

/**
 * `applyQualityInPlace` for a caller that already has, for a ticket's event,
 * its stream's id (what follows `ticket-`): the report's fold. `found`, when
 * given for an event of a ticket after its opening, is that ticket's record in
 * `state.tickets`, looked up by the caller: it is not looked up again.
 */
export const applyQualityInPlaceKeyed = (
  state: QualityState,
  e: RecordedEvent,
  ticketKey: string | undefined,
  found?: QualityTicket,
): QualityState => applyQualityWith(state, e, true, ticketKey, found)

const applyQualityWith = (
  state: QualityState,
  e: RecordedEvent,
  inPlace: boolean,
  ticketKey?: string,
  found?: QualityTicket,
): QualityState => {
  const s = state as MutableQualityState
  // The latest instant, not the last event's: `at` only never decreases within a stream.
  if (s.lastEventAt === null || e.at > s.lastEventAt) s.lastEventAt = e.at
  switch (e.type) {
    case 'AgentEnrolled':
      setOwn(s.agentRoles, e.data.agentId, e.data.role)
      return s
    case 'WorkstationTypeDefined':
      setOwn(s.workstationTypeLabels, e.data.workstationType, e.data.label)
      return s
    case 'SupportPolicySet':
      s.qualityPolicies = [...s.qualityPolicies, { since: e.at, thresholds: e.data.qualityThresholds }]
      return s
    case 'KnowledgeArticlePublished':
      setOwn(s.articles, e.data.articleId, {
        articleId: e.data.articleId,
        title: e.data.title,
        domain: e.data.domain,
        workstationTypes: e.data.workstationTypes,
        publishedAt: e.at,
        revisions: 0,
        lastRevisedAt: null,
      })
      return s
    case 'KnowledgeArticleRevised': {
      const id = e.stream.slice('knowledge-'.length)
      const a = getOwn(s.articles, id)
      if (a !== undefined) setOwn(s.articles, id, { ...a, revisions: a.revisions + 1, lastRevisedAt: e.at })
      return s
    }
    case 'TicketOpened': {
      const d = e.data
      // A ticket opens once; a second opening is not a fact to fold (as for the clocks).
      if (getOwn(s.tickets, d.ticketId) !== undefined) return s
      setOwn(s.tickets, d.ticketId, {
        ticketId: d.ticketId,
        requesterId: d.requesterId,
        siteId: d.siteId,
        workstationType: d.workstationType,
        deskId: d.deskId,
        channel: d.channel,
        openedAt: e.at,
        kind: null,
        domain: null,
        priority: null,
        ownerId: null,
        ownerRole: null,
        ownerLevel: null,
        assignments: 0,
        escalations: 0,
        reopenings: 0,
        resolutions: 0,
        citedArticleIds: [],
        knowledgeArticleId: null,
        resolvedAt: null,
        closedAt: null,
        satisfactionScores: [],
        majorIncidentId: null,
        status: 'open',
        suspended: false,
        awaitingExpert: false,
        statusChanges: [{ at: e.at, status: 'open' }],
        lastEventAt: e.at,
      })
      return s
    }
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
    case 'TicketLinkedToMajorIncident': {
      const id = ticketKey ?? e.stream.slice('ticket-'.length)
      const t = found ?? getOwn(s.tickets, id)
      // An event of a ticket whose opening was not folded (a partial history) has nothing to attach to.
      if (t === undefined) return s
      const next = (inPlace ? t : { ...t }) as MutableTicket
      ticketStep(next, e, s.agentRoles)
      if (inPlace) settle(next, e.at)
      else setOwn(s.tickets, id, settle(next, e.at))
      return s
    }
    case 'SiteRegistered':
    case 'SupportHoursSet':
    case 'DeskRegistered':
    case 'UserRegistered':
    case 'UserEntryPointDesignated':
    case 'AgentRetired':
    case 'MajorIncidentDeclared':
    case 'SupportStaffAlerted':
    case 'IncidentBulletinPublished':
    case 'MajorIncidentResolved':
      return s
    default: {
      const never: never = e
      throw new Error(`quality projection: unhandled event ${JSON.stringify(never)}`)
    }
  }
}

/**
 * A record after one of its events, changed in place (on a fresh copy, or on
 * the record itself for `applyQualityInPlace`). Arrays are replaced, never
 * mutated, since a copy shares them with the record it was made from.
 */
const ticketStep = (t: MutableTicket, e: RecordedEvent, agentRoles: Readonly<Dict<AgentRole>>): void => {
  switch (e.type) {
    case 'TicketQualified':
      t.kind = e.data.kind
      t.domain = e.data.domain
      t.priority = e.data.priority
      return
    case 'TicketAssigned': {
      const role = getOwn(agentRoles, e.data.ownerId) ?? null
      t.ownerId = e.data.ownerId
      t.ownerRole = role
      t.ownerLevel = role === null ? null : (levelOf(role) ?? null)
      t.assignments = t.assignments + 1
      return
    }
    case 'TicketEscalated':
      t.escalations = t.escalations + 1
      t.awaitingExpert = true
      return
    case 'ExpertAdviceGiven':
      t.awaitingExpert = false
      return
    case 'TicketSuspended':
      t.suspended = true
      return
    case 'TicketResumed':
      t.suspended = false
      return
    case 'TicketResolved': {
      const article = e.data.knowledgeArticleId
      // Resolving ends a suspension and any wait for advice: nothing is pending any more.
      t.resolutions = t.resolutions + 1
      t.resolvedAt = e.at
      t.suspended = false
      t.awaitingExpert = false
      t.knowledgeArticleId = article ?? null
      if (article !== undefined) t.citedArticleIds = [...t.citedArticleIds, article]
      return
    }
    case 'TicketReopened':
      t.reopenings = t.reopenings + 1
      t.resolvedAt = null
      t.closedAt = null
      return
    case 'TicketClosed':
      t.closedAt = e.at
      return
    case 'SatisfactionRecorded':
      t.satisfactionScores = [...t.satisfactionScores, e.data.score]
      return
    case 'TicketLinkedToMajorIncident':
      t.majorIncidentId = e.data.incidentId
      return
    default:
      return
  }
}

export const qualityProjection: QualityProjection = {
  name: 'quality',
  version: 1,
  init: initialQualityState,
  apply: applyQuality,
}

/**
 * Fold a whole history. With `asOf`, only events with `at ≤ asOf` count (time
 * travel), as for the service levels; the quality state itself has no notion
 * of as-of, so this is where it is applied.
 */
export const computeQuality = (
  events: Iterable<RecordedEvent>,
  options: { readonly asOf?: IsoInstant } = {},
): QualityState => {
  const limit = options.asOf === undefined ? undefined : instantMs(options.asOf)
  let s = initialQualityState()
  for (const e of events) {
    if (limit !== undefined && instantMs(e.at) > limit) continue
    s = applyQuality(s, e)
  }
  return s
}

// ---- queries ---------------------------------------------------------------

/** The tickets, in a deterministic order (that of the record's keys). */
export const ticketsOf = (state: QualityState): readonly QualityTicket[] => Object.values(state.tickets)

/** The owner's role: as recorded at assignment, else as the organisation knows the agent now. */
export const ownerRoleOf = (state: QualityState, t: QualityTicket): AgentRole | null =>
  t.ownerRole ?? (t.ownerId === null ? null : (getOwn(state.agentRoles, t.ownerId) ?? null))

/**
 * The status of a ticket just before `limitMs` (`inclusive`: at or before), or
 * undefined when it was not open yet.
 */
export const statusAt = (t: QualityTicket, limitMs: number, inclusive: boolean): TicketStatus | undefined => {
  let status: TicketStatus | undefined
  for (const c of t.statusChanges) {
    // Every recorded `at` is canonical: the quicker parse gives the same instant.
    const ms = parseInstant(c.at)
    if (inclusive ? ms > limitMs : ms >= limitMs) break
    status = c.status
  }
  return status
}

/** Whether the ticket was ever resolved (it may have been reopened since). */
export const wasResolved = (t: QualityTicket): boolean => t.resolutions > 0

/**
 * Resolved at first contact: resolved now, with no escalation, no reassignment
 * (at most one assignment) and no reopening.
 */
export const isFirstContactResolution = (t: QualityTicket): boolean =>
  (t.status === 'resolved' || t.status === 'closed') &&
  t.escalations === 0 &&
  t.assignments <= 1 &&
  t.reopenings === 0

/** The quality thresholds in force at `ms` (the latest policy at or before it), if any policy is. */
export const thresholdsInForce = (state: QualityState, ms: number): QualityThresholds | undefined => {
  let found: QualityThresholds | undefined
  for (const p of state.qualityPolicies) {
    if (instantMs(p.since) > ms) break
    found = p.thresholds
  }
  return found
}
