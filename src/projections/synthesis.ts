/**
 * The synthesis for management (domain.md §6): quality per workstation type,
 * site, domain, owner role and level over the tickets opened in a period, with
 * volumes, the backlog at the end of the period, knowledge reuse and the major
 * incidents' commitments. Pure: it reads the quality state and the service
 * levels the service-level projection computed (it never recomputes a clock).
 * Every definition is written out in docs/reports.md.
 */
import { type IsoInstant, instantMs } from '../domain/codec.js'
import type { RecordedEvent } from '../domain/envelope.js'
import { DEFAULT_QUALITY_THRESHOLDS, type QualityThresholds, type SupportPolicy } from '../domain/events.js'
import { levelOf } from '../domain/vocabulary.js'
import { parseInstant } from './policy-history.js'
import {
  applyQuality,
  initialQualityState,
  isFirstContactResolution,
  ownerRoleOf,
  type QualityState,
  type QualityTicket,
  statusAt,
  type TicketStatus,
  thresholdsInForce,
  ticketsOf,
  wasResolved,
} from './quality.js'
import type { MajorIncidentServiceLevels, TicketServiceLevels } from './service-level-types.js'
import { applyServiceLevelEvent, initialServiceLevelState, serviceLevelReport } from './service-levels.js'

export type QualityLevel = 'excellent' | 'good' | 'fair' | 'poor'
export const QUALITY_LEVELS: readonly QualityLevel[] = ['excellent', 'good', 'fair', 'poor']

/** The measures of one group of tickets (JSON-friendly: numbers, null when undefined). */
export interface GroupQuality {
  readonly tickets: number
  readonly responseCompliance: number | null
  readonly resolutionCompliance: number | null
  readonly medianResponseMinutes: number | null
  readonly medianResolutionMinutes: number | null
  readonly escalationRate: number | null
  readonly reopenRate: number | null
  readonly firstContactResolutionRate: number | null
  readonly satisfaction: { readonly mean: number | null; readonly responses: number }
  readonly knowledgeReuseRate: number | null
  readonly qualityLevel: QualityLevel | null
}

/** Group keys used when a ticket has no value for the grouping. */
export const UNQUALIFIED = '(unqualified)'
export const UNASSIGNED = '(unassigned)'
/** An owner whose enrolment is not in the history. */
export const UNKNOWN = '(unknown)'

export type BacklogStatus = Exclude<TicketStatus, 'resolved' | 'closed'>
export const BACKLOG_AGES = [
  'under-1-day',
  '1-to-3-days',
  '3-to-7-days',
  '7-to-30-days',
  '30-days-or-more',
] as const
export type BacklogAge = (typeof BACKLOG_AGES)[number]

export interface Backlog {
  /** The instant the backlog is told at (end of the period, or as-of). */
  readonly at: IsoInstant | null
  readonly total: number
  readonly byStatus: Readonly<Record<BacklogStatus, number>>
  /** Elapsed (calendar) age at `at`, from the opening. */
  readonly byAge: Readonly<Record<BacklogAge, number>>
  readonly oldest: {
    readonly ticketId: string
    readonly openedAt: IsoInstant
    readonly ageDays: number
  } | null
}

export interface KnowledgeSummary {
  /** Articles published in the period. */
  readonly articlesPublished: number
  readonly publishedArticleIds: readonly string[]
  /** Resolutions of the period's tickets, and those citing an article. */
  readonly resolutions: number
  readonly resolutionsCitingArticle: number
  readonly reuseRate: number | null
  readonly distinctArticlesCited: number
}

export interface MajorIncidentSummary {
  readonly incidentId: string
  readonly declaredAt: IsoInstant
  readonly bulletinElapsedMinutes: number | null
  readonly bulletinTargetMinutes: number
  readonly status: MajorIncidentServiceLevels['status']
  readonly staffAlertElapsedMinutes: number | null
  /** Tickets linked to the incident (whatever their opening date). */
  readonly linkedTickets: number
}

export interface Synthesis {
  readonly period: { readonly from: IsoInstant | null; readonly to: IsoInstant | null }
  readonly asOf: IsoInstant | null
  readonly overall: GroupQuality
  readonly byWorkstationType: Readonly<Record<string, GroupQuality>>
  readonly bySite: Readonly<Record<string, GroupQuality>>
  readonly byDomain: Readonly<Record<string, GroupQuality>>
  readonly byOwnerRole: Readonly<Record<string, GroupQuality>>
  readonly byLevel: Readonly<Record<string, GroupQuality>>
  readonly volumes: {
    readonly byKind: Readonly<Record<string, number>>
    readonly byChannel: Readonly<Record<string, number>>
  }
  readonly backlog: Backlog
  readonly knowledge: KnowledgeSummary
  readonly majorIncidents: readonly MajorIncidentSummary[]
}

export interface SynthesisOptions {
  /** Start of the period, inclusive (tickets opened at or after it). */
  readonly from?: IsoInstant
  /** End of the period, exclusive (tickets opened strictly before it). */
  readonly to?: IsoInstant
  /** Default: the `at` of the latest event the quality state folded. */
  readonly asOf?: IsoInstant
  /** Default: those of the policy in force at the end of the period, else domain.md §6. */
  readonly thresholds?: QualityThresholds
}

// ---- small statistics --------------------------------------------------------

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d)

/** Median; of an even count, the mean of the two middle values. */
export const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null
  // A typed array sorts numerically without a comparator call per comparison.
  const sorted = Float64Array.from(values).sort()
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * The quality level: the best of excellent, good, fair whose thresholds the
 * group reaches on both response compliance and satisfaction mean, else poor.
 * A measure the group has no data for (no satisfaction answers; no met or
 * breached response) is not held against it: the group is judged on the other
 * alone. With neither, there is nothing to judge: null.
 */
export const qualityLevelOf = (
  responseCompliance: number | null,
  satisfactionMean: number | null,
  thresholds: QualityThresholds,
): QualityLevel | null => {
  if (responseCompliance === null && satisfactionMean === null) return null
  for (const level of ['excellent', 'good', 'fair'] as const) {
    const th = thresholds[level]
    const complianceOk = responseCompliance === null || responseCompliance >= th.responseCompliance
    const satisfactionOk =
      satisfactionMean === null ||
      th.satisfactionMean === undefined ||
      satisfactionMean >= th.satisfactionMean
    if (complianceOk && satisfactionOk) return level
  }
  return 'poor'
}

// ---- accumulation ------------------------------------------------------------

interface Acc {
  tickets: number
  responseMet: number
  responseBreached: number
  resolutionMet: number
  resolutionBreached: number
  /** Which grouping (index into the minutes table's group columns; -1 for overall) and which group in it. */
  readonly grouping: number
  readonly id: number
  escalated: number
  resolvedEver: number
  reopened: number
  firstContact: number
  satisfactionSum: number
  satisfactionResponses: number
  resolutions: number
  resolutionsCiting: number
}

const newAcc = (grouping: number, id: number): Acc => ({
  grouping,
  id,
  tickets: 0,
  responseMet: 0,
  responseBreached: 0,
  resolutionMet: 0,
  resolutionBreached: 0,
  escalated: 0,
  resolvedEver: 0,
  reopened: 0,
  firstContact: 0,
  satisfactionSum: 0,
  satisfactionResponses: 0,
  resolutions: 0,
  resolutionsCiting: 0,
})

const addTo = (a: Acc, t: QualityTicket, sl: TicketServiceLevels | undefined): void => {
  a.tickets++
  if (sl !== undefined) {
    if (sl.response.status === 'met') a.responseMet++
    else if (sl.response.status === 'breached') a.responseBreached++
    if (sl.resolution.status === 'met') a.resolutionMet++
    else if (sl.resolution.status === 'breached') a.resolutionBreached++
  }
  if (t.escalations > 0) a.escalated++
  if (wasResolved(t)) a.resolvedEver++
  if (t.reopenings > 0) a.reopened++
  if (isFirstContactResolution(t)) a.firstContact++
  for (const score of t.satisfactionScores) {
    a.satisfactionSum += score
    a.satisfactionResponses++
  }
  a.resolutions += t.resolutions
  a.resolutionsCiting += t.citedArticleIds.length
}

const finish1 = (
  a: Acc,
  thresholds: QualityThresholds,
  medians: { readonly response: (number | null)[][]; readonly resolution: (number | null)[][] },
): GroupQuality => {
  const responseCompliance = ratio(a.responseMet, a.responseMet + a.responseBreached)
  const satisfactionMean = ratio(a.satisfactionSum, a.satisfactionResponses)
  return {
    tickets: a.tickets,
    responseCompliance,
    resolutionCompliance: ratio(a.resolutionMet, a.resolutionMet + a.resolutionBreached),
    medianResponseMinutes: medians.response[a.grouping + 1]![a.id]!,
    medianResolutionMinutes: medians.resolution[a.grouping + 1]![a.id]!,
    escalationRate: ratio(a.escalated, a.tickets),
    reopenRate: ratio(a.reopened, a.resolvedEver),
    firstContactResolutionRate: ratio(a.firstContact, a.resolvedEver),
    satisfaction: { mean: satisfactionMean, responses: a.satisfactionResponses },
    knowledgeReuseRate: ratio(a.resolutionsCiting, a.resolutions),
    qualityLevel: qualityLevelOf(responseCompliance, satisfactionMean, thresholds),
  }
}

/** Keys in a stable order (code-unit order, independent of the locale). */
const sortedRecord = <V>(m: ReadonlyMap<string, V>): Record<string, V> =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

const accFor = (m: Map<string, Acc>, grouping: number, key: string): Acc => {
  let a = m.get(key)
  if (a === undefined) {
    a = newAcc(grouping, m.size)
    m.set(key, a)
  }
  return a
}

/**
 * The business minutes of the period's tickets, once per ticket with the
 * group it falls in for each grouping (rather than a list per group: a
 * ticket's minutes would be kept six times), in typed arrays of fixed-size
 * chunks (growing never copies). Group ids take a byte until a grouping has
 * more than 255 groups (then 16 bits, then 32): a few groups per grouping is
 * the rule, and this table is one row per ticket. Minutes are kept as the
 * business milliseconds they were computed from (÷ 60,000), 32 bits instead
 * of 64, when that gives them back exactly (see `minutesColumn`).
 */
interface MinutesTable {
  readonly response: MinutesColumn
  readonly resolution: MinutesColumn
  /** GROUPINGS group ids per ticket. */
  groups: (Uint8Array | Uint16Array | Uint32Array)[]
  /** The largest group id `groups` holds. */
  groupMax: number
  n: number
}

const GROUPINGS = 5
const MINUTES_BITS = 14
const MINUTES_CHUNK = 1 << MINUTES_BITS
const MINUTES_MASK = MINUTES_CHUNK - 1

/**
 * Business minutes per ticket: 0 none, else business ms + 1 when
 * (ms + 1 − 1) ÷ 60,000 is exactly the value (always, for minutes computed
 * from whole milliseconds under 49 days), ODD_MINUTES when the value is in
 * `odd` instead.
 */
interface MinutesColumn {
  readonly chunks: Uint32Array[]
  readonly odd: Map<number, number>
}

const NO_MINUTES = 0
const ODD_MINUTES = 0xffffffff
const MINUTE_MS = 60_000

const minutesColumn = (): MinutesColumn => ({ chunks: [], odd: new Map() })

const setMinutes = (c: MinutesColumn, i: number, minutes: number | null): void => {
  const chunk = c.chunks[i >>> MINUTES_BITS]!
  const j = i & MINUTES_MASK
  if (minutes === null) {
    chunk[j] = NO_MINUTES
    return
  }
  const ms = Math.round(minutes * MINUTE_MS)
  if (ms >= 0 && ms < ODD_MINUTES - 1 && ms / MINUTE_MS === minutes) chunk[j] = ms + 1
  else {
    chunk[j] = ODD_MINUTES
    c.odd.set(i, minutes)
  }
}

/** The minutes of ticket `i`, NaN for none. */
const minutesAt = (c: MinutesColumn, i: number): number => {
  const v = c.chunks[i >>> MINUTES_BITS]![i & MINUTES_MASK]!
  return v === NO_MINUTES ? Number.NaN : v === ODD_MINUTES ? c.odd.get(i)! : (v - 1) / MINUTE_MS
}

const minutesTable = (): MinutesTable => ({
  response: minutesColumn(),
  resolution: minutesColumn(),
  groups: [],
  groupMax: 0xff,
  n: 0,
})

const groupChunk = (max: number, n: number) =>
  max === 0xff ? new Uint8Array(n) : max === 0xffff ? new Uint16Array(n) : new Uint32Array(n)

/** Make room for group ids up to `id` (copying the chunks into wider ones: rare). */
const widenGroups = (m: MinutesTable, id: number): void => {
  while (id > m.groupMax) m.groupMax = m.groupMax === 0xff ? 0xffff : 0xffffffff
  m.groups = m.groups.map((c) => {
    const wider = groupChunk(m.groupMax, c.length)
    wider.set(c)
    return wider
  })
}

const addMinutes = (m: MinutesTable, sl: TicketServiceLevels | undefined, accs: readonly Acc[]): void => {
  const i = m.n++
  const k = i >>> MINUTES_BITS
  if (k === m.groups.length) {
    m.response.chunks.push(new Uint32Array(MINUTES_CHUNK))
    m.resolution.chunks.push(new Uint32Array(MINUTES_CHUNK))
    m.groups.push(groupChunk(m.groupMax, MINUTES_CHUNK * GROUPINGS))
  }
  for (let g = 0; g < GROUPINGS; g++) if (accs[g]!.id > m.groupMax) widenGroups(m, accs[g]!.id)
  const j = i & MINUTES_MASK
  setMinutes(m.response, i, sl?.response.businessMinutes ?? null)
  setMinutes(m.resolution, i, sl?.resolution.businessMinutes ?? null)
  const groups = m.groups[k]!
  for (let g = 0; g < GROUPINGS; g++) groups[j * GROUPINGS + g] = accs[g]!.id
}

/**
 * The median of a group's values, sorted in place: minutes, or (in a
 * Uint32Array) minutes as `setMinutes` stores them, business ms + 1, which
 * sort as the minutes do and are turned back into minutes before the mean of
 * the two middle ones is taken: the same figure either way.
 */
const medianOfSorted = (values: Float64Array | Uint32Array): number | null => {
  if (values.length === 0) return null
  values.sort()
  const mid = values.length >> 1
  const asMinutes = (v: number): number => (values instanceof Uint32Array ? (v - 1) / MINUTE_MS : v)
  return values.length % 2 === 1
    ? asMinutes(values[mid]!)
    : (asMinutes(values[mid - 1]!) + asMinutes(values[mid]!)) / 2
}

/** How many tickets have minutes in `column`. */
const presentIn = (m: MinutesTable, column: MinutesColumn): number => {
  let present = 0
  for (let i = 0; i < m.n; i++) if (!Number.isNaN(minutesAt(column, i))) present++
  return present
}

/**
 * The buffer `mediansOf` sorts in, one for both columns: the stored 32-bit
 * values themselves when every value of both is exact (the rule), else minutes
 * in 64-bit floats. Half, then a quarter, of what a buffer of floats per
 * column took at the end of a long replay, when its memory peaks.
 */
const medianBuffer = (m: MinutesTable): Float64Array | Uint32Array => {
  const n = Math.max(presentIn(m, m.response), presentIn(m, m.resolution))
  return m.response.odd.size === 0 && m.resolution.odd.size === 0 ? new Uint32Array(n) : new Float64Array(n)
}

/**
 * The median of each group's minutes in one column (as `median` computes it:
 * the same values, sorted): index `grouping + 1` (0: overall), then group id.
 * One buffer (`medianBuffer`) serves every grouping of both columns, each
 * group's values in a range of it sorted in place: an array per group and
 * grouping was garbage the size of the column six times over, enough to raise
 * a long replay's peak memory.
 */
const mediansOf = (
  m: MinutesTable,
  column: MinutesColumn,
  groupSizes: readonly number[],
  room: Float64Array | Uint32Array,
) => {
  const out: (number | null)[][] = []
  const buffer = room.subarray(0, presentIn(m, column))
  const raw = buffer instanceof Uint32Array
  for (let g = -1; g < GROUPINGS; g++) {
    const size = g < 0 ? 1 : groupSizes[g]!
    const counts = new Uint32Array(size)
    const groupOf = (k: number, j: number): number => (g < 0 ? 0 : m.groups[k]![j * GROUPINGS + g]!)
    for (let i = 0; i < m.n; i++) {
      const k = i >>> MINUTES_BITS
      const j = i & MINUTES_MASK
      if (!Number.isNaN(minutesAt(column, i))) counts[groupOf(k, j)]!++
    }
    const starts = new Uint32Array(size)
    for (let id = 1; id < size; id++) starts[id] = starts[id - 1]! + counts[id - 1]!
    const filled = starts.slice()
    for (let i = 0; i < m.n; i++) {
      const k = i >>> MINUTES_BITS
      const j = i & MINUTES_MASK
      const v = minutesAt(column, i)
      if (Number.isNaN(v)) continue
      buffer[filled[groupOf(k, j)]!++] = raw ? column.chunks[k]![j]! : v
    }
    const medians: (number | null)[] = []
    for (let id = 0; id < size; id++)
      medians.push(medianOfSorted(buffer.subarray(starts[id]!, starts[id]! + counts[id]!)))
    out.push(medians)
  }
  return out
}

const DAY_MS = 86_400_000

const ageBucket = (ms: number): BacklogAge =>
  ms < DAY_MS
    ? 'under-1-day'
    : ms < 3 * DAY_MS
      ? '1-to-3-days'
      : ms < 7 * DAY_MS
        ? '3-to-7-days'
        : ms < 30 * DAY_MS
          ? '7-to-30-days'
          : '30-days-or-more'

const inPeriod = (ms: number, fromMs: number, toMs: number, asOfMs: number): boolean =>
  ms >= fromMs && ms < toMs && ms <= asOfMs

// ---- synthesis ---------------------------------------------------------------

/** Feeds the synthesis one ticket at a time, so that a caller never needs every ticket at once. */
export interface SynthesisAccumulator {
  /** One ticket of the quality fold, with its clocks (undefined when they could not be judged). */
  readonly add: (t: QualityTicket, sl: TicketServiceLevels | undefined) => void
  /** The synthesis of every ticket added (call once). */
  readonly finish: (majorIncidents: readonly MajorIncidentServiceLevels[]) => Synthesis
}

/**
 * The synthesis over the tickets opened in `[from, to)` (and at or before
 * `asOf`), built one ticket at a time: what `synthesize` does, for callers
 * that keep their tickets compactly (the report's fold). The order of the
 * tickets does not change the result.
 */
export const synthesisAccumulator = (
  quality: QualityState,
  options: SynthesisOptions = {},
): SynthesisAccumulator => {
  const asOf = options.asOf ?? quality.lastEventAt
  const asOfMs = asOf === null ? Number.NEGATIVE_INFINITY : instantMs(asOf)
  const fromMs = options.from === undefined ? Number.NEGATIVE_INFINITY : instantMs(options.from)
  const toMs = options.to === undefined ? Number.POSITIVE_INFINITY : instantMs(options.to)
  const endMs = Math.min(toMs, asOfMs)
  const thresholds = options.thresholds ?? thresholdsInForce(quality, endMs) ?? DEFAULT_QUALITY_THRESHOLDS

  const overall = newAcc(-1, 0)
  const minutes = minutesTable()
  const byWorkstationType = new Map<string, Acc>()
  const bySite = new Map<string, Acc>()
  const byDomain = new Map<string, Acc>()
  const byOwnerRole = new Map<string, Acc>()
  const byLevel = new Map<string, Acc>()
  const byKind = new Map<string, number>()
  const byChannel = new Map<string, number>()
  const cited = new Set<string>()
  const linked = new Map<string, number>()
  const backlog = backlogAccumulator(asOf, asOfMs, options.to)

  const add = (t: QualityTicket, sl: TicketServiceLevels | undefined): void => {
    const openedMs = parseInstant(t.openedAt)
    backlog.add(t, openedMs)
    if (t.majorIncidentId !== null && openedMs <= asOfMs)
      linked.set(t.majorIncidentId, (linked.get(t.majorIncidentId) ?? 0) + 1)
    if (!inPeriod(openedMs, fromMs, toMs, asOfMs)) return
    const role = ownerRoleOf(quality, t)
    const ownerKey = t.ownerId === null ? UNASSIGNED : (role ?? UNKNOWN)
    const levelKey =
      t.ownerId === null
        ? UNASSIGNED
        : (t.ownerLevel ?? (role === null ? UNKNOWN : (levelOf(role) ?? UNKNOWN)))
    const accs = [
      accFor(byWorkstationType, 0, t.workstationType),
      accFor(bySite, 1, t.siteId),
      accFor(byDomain, 2, t.domain ?? UNQUALIFIED),
      accFor(byOwnerRole, 3, ownerKey),
      accFor(byLevel, 4, levelKey),
    ]
    addTo(overall, t, sl)
    for (const a of accs) addTo(a, t, sl)
    addMinutes(minutes, sl, accs)
    const kind = t.kind ?? UNQUALIFIED
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1)
    byChannel.set(t.channel, (byChannel.get(t.channel) ?? 0) + 1)
    for (const a of t.citedArticleIds) cited.add(a)
  }

  const finish = (majorIncidents: readonly MajorIncidentServiceLevels[]): Synthesis => {
    const sizes = [byWorkstationType, bySite, byDomain, byOwnerRole, byLevel].map((m) => m.size)
    const room = medianBuffer(minutes)
    const minutesMedians = {
      response: mediansOf(minutes, minutes.response, sizes, room),
      resolution: mediansOf(minutes, minutes.resolution, sizes, room),
    }
    const group = (m: ReadonlyMap<string, Acc>) =>
      sortedRecord(new Map([...m.entries()].map(([k, a]) => [k, finish1(a, thresholds, minutesMedians)])))

    const published = [...Object.values(quality.articles)]
      .filter((a) => inPeriod(instantMs(a.publishedAt), fromMs, toMs, asOfMs))
      .sort((a, b) => instantMs(a.publishedAt) - instantMs(b.publishedAt) || cmp(a.articleId, b.articleId))

    return {
      period: { from: options.from ?? null, to: options.to ?? null },
      asOf,
      overall: finish1(overall, thresholds, minutesMedians),
      byWorkstationType: group(byWorkstationType),
      bySite: group(bySite),
      byDomain: group(byDomain),
      byOwnerRole: group(byOwnerRole),
      byLevel: group(byLevel),
      volumes: { byKind: sortedRecord(byKind), byChannel: sortedRecord(byChannel) },
      backlog: backlog.finish(),
      knowledge: {
        articlesPublished: published.length,
        publishedArticleIds: published.map((a) => a.articleId),
        resolutions: overall.resolutions,
        resolutionsCitingArticle: overall.resolutionsCiting,
        reuseRate: ratio(overall.resolutionsCiting, overall.resolutions),
        distinctArticlesCited: cited.size,
      },
      majorIncidents: majorIncidents
        .filter((m) => inPeriod(instantMs(m.declaredAt), fromMs, toMs, asOfMs))
        .map((m) => ({
          incidentId: m.incidentId,
          declaredAt: m.declaredAt,
          bulletinElapsedMinutes: m.bulletinElapsedMinutes,
          bulletinTargetMinutes: m.bulletinTargetMinutes,
          status: m.status,
          staffAlertElapsedMinutes: m.staffAlertElapsedMinutes,
          linkedTickets: linked.get(m.incidentId) ?? 0,
        })),
    }
  }
  return { add, finish }
}

/**
 * The synthesis over the tickets opened in `[from, to)` (and at or before
 * `asOf`). The quality state and the service levels must describe the same
 * history as of the same instant: fold both with the same `asOf` (see
 * `computeSynthesis` in this module for the one-call version).
 */
export const synthesize = (
  quality: QualityState,
  serviceLevels: readonly TicketServiceLevels[],
  majorIncidents: readonly MajorIncidentServiceLevels[],
  options: SynthesisOptions = {},
): Synthesis => {
  const slById = new Map<string, TicketServiceLevels>()
  for (const sl of serviceLevels) slById.set(sl.ticketId, sl)
  const acc = synthesisAccumulator(quality, options)
  for (const t of ticketsOf(quality)) acc.add(t, slById.get(t.ticketId))
  return acc.finish(majorIncidents)
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The stock of unfinished tickets at the end of the period: every ticket opened
 * before it (whatever the period's start) and neither resolved nor closed then.
 * The end is `to` (exclusive: what happens at `to` belongs to the next period)
 * when it is not after `asOf`, else `asOf` itself (inclusive).
 */
const backlogAccumulator = (asOf: IsoInstant | null, asOfMs: number, to: IsoInstant | undefined) => {
  const toMs = to === undefined ? undefined : instantMs(to)
  const atTo = toMs !== undefined && toMs <= asOfMs
  const at: IsoInstant | null = atTo ? to! : asOf
  const atMs = atTo ? toMs! : asOfMs
  const byStatus: Record<BacklogStatus, number> = { open: 0, assigned: 0, 'awaiting-expert': 0, suspended: 0 }
  const byAge = Object.fromEntries(BACKLOG_AGES.map((a) => [a, 0])) as Record<BacklogAge, number>
  let total = 0
  let oldest: QualityTicket | undefined
  let oldestMs = Number.POSITIVE_INFINITY
  return {
    add: (t: QualityTicket, openedMs: number): void => {
      if (at === null) return
      const status = statusAt(t, atMs, !atTo)
      if (status === undefined || status === 'resolved' || status === 'closed') return
      total++
      byStatus[status]++
      byAge[ageBucket(atMs - openedMs)]++
      if (
        oldest === undefined ||
        openedMs < oldestMs ||
        (t.openedAt === oldest.openedAt && t.ticketId < oldest.ticketId)
      ) {
        oldest = t
        oldestMs = openedMs
      }
    },
    finish: (): Backlog => ({
      at,
      total,
      byStatus,
      byAge,
      oldest:
        oldest === undefined
          ? null
          : {
              ticketId: oldest.ticketId,
              openedAt: oldest.openedAt,
              ageDays: (atMs - oldestMs) / DAY_MS,
            },
    }),
  }
}

// ---- plain-text rendering ----------------------------------------------------

const pct = (r: number | null): string => (r === null ? '—' : `${(r * 100).toFixed(1)}%`)
/** Business minutes as h:mm (rounded to the minute). */
export const hoursMinutes = (minutes: number | null): string => {
  if (minutes === null) return '—'
  const total = Math.round(minutes)
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`
}
const sat = (s: GroupQuality['satisfaction']): string =>
  s.mean === null ? `— (0)` : `${s.mean.toFixed(2)} (${s.responses})`

/** Columns aligned: text to the left, numbers to the right. */
export const renderTable = (
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: readonly boolean[] = [],
): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (rightAligned[i] === true ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

const GROUP_HEADERS = [
  '',
  'Tickets',
  'Response',
  'Resolution',
  'Med. resp.',
  'Med. resol.',
  'Escalated',
  'Reopened',
  'First contact',
  'Satisfaction (n)',
  'KB reuse',
  'Quality',
]
const GROUP_RIGHT = [false, true, true, true, true, true, true, true, true, true, true, false]

const groupRow = (name: string, g: GroupQuality): string[] => [
  name,
  String(g.tickets),
  pct(g.responseCompliance),
  pct(g.resolutionCompliance),
  hoursMinutes(g.medianResponseMinutes),
  hoursMinutes(g.medianResolutionMinutes),
  pct(g.escalationRate),
  pct(g.reopenRate),
  pct(g.firstContactResolutionRate),
  sat(g.satisfaction),
  pct(g.knowledgeReuseRate),
  g.qualityLevel ?? '—',
]

const countsLine = (r: Readonly<Record<string, number>>): string => {
  const entries = Object.entries(r)
  return entries.length === 0 ? '(none)' : entries.map(([k, n]) => `${k} ${n}`).join(', ')
}

/** The synthesis as a plain-text report a manager reads top to bottom. */
export const renderSynthesisTable = (s: Synthesis): string => {
  const out: string[] = []
  out.push('Soutien — quality of support')
  out.push(
    `Tickets opened from ${s.period.from ?? 'the beginning'} ${s.period.to === null ? 'up to the as-of instant' : `to ${s.period.to} (end excluded)`}, as of ${s.asOf ?? '—'}`,
  )
  out.push(
    'Response and resolution: share of clocks met among met or breached; medians in business h:mm; ' +
      'reopened and first contact: share of resolved tickets.',
  )
  const section = (title: string, groups: Readonly<Record<string, GroupQuality>>) => {
    out.push('', title)
    out.push(
      renderTable(
        GROUP_HEADERS,
        Object.entries(groups).map(([k, g]) => groupRow(k, g)),
        GROUP_RIGHT,
      ),
    )
  }
  section('Overall', { all: s.overall })
  section('By workstation type', s.byWorkstationType)
  section('By site', s.bySite)
  section('By domain', s.byDomain)
  section('By owner role', s.byOwnerRole)
  section('By level', s.byLevel)

  out.push('', 'Volumes')
  out.push(`  by kind:    ${countsLine(s.volumes.byKind)}`)
  out.push(`  by channel: ${countsLine(s.volumes.byChannel)}`)

  const b = s.backlog
  out.push('', `Backlog at ${b.at ?? '—'}: ${b.total} ticket${b.total === 1 ? '' : 's'} not resolved`)
  out.push(`  by status: ${countsLine(b.byStatus)}`)
  out.push(`  by age:    ${countsLine(b.byAge)}`)
  if (b.oldest !== null)
    out.push(
      `  oldest:    ${b.oldest.ticketId}, opened ${b.oldest.openedAt} (${b.oldest.ageDays.toFixed(1)} days)`,
    )

  const k = s.knowledge
  out.push('', 'Knowledge base')
  out.push(`  articles published in the period: ${k.articlesPublished}`)
  out.push(
    `  resolutions citing an article: ${k.resolutionsCitingArticle} of ${k.resolutions} (${pct(k.reuseRate)}), ` +
      `${k.distinctArticlesCited} distinct article${k.distinctArticlesCited === 1 ? '' : 's'}`,
  )

  out.push('', 'Major incidents (bulletin commitment: elapsed time to the first bulletin)')
  if (s.majorIncidents.length === 0) out.push('  (none declared in the period)')
  else
    out.push(
      renderTable(
        ['Incident', 'Declared', 'Bulletin', 'Target', 'Status', 'Staff alert', 'Tickets'],
        s.majorIncidents.map((m) => [
          m.incidentId,
          m.declaredAt,
          hoursMinutes(m.bulletinElapsedMinutes),
          hoursMinutes(m.bulletinTargetMinutes),
          m.status,
          m.staffAlertElapsedMinutes === null ? '—' : `${m.staffAlertElapsedMinutes.toFixed(1)} min`,
          String(m.linkedTickets),
        ]),
        [false, false, true, true, false, true, true],
      ),
    )
  return `${out.join('\n')}\n`
}

// ---- one call from a history ---------------------------------------------------

export interface ComputeSynthesisOptions extends SynthesisOptions {
  /** What-if: judge every clock by this policy instead of the one in force. */
  readonly policyOverride?: SupportPolicy
}

/**
 * Fold a history into both the quality and the service-level states as of the
 * same instant, and synthesise. Tickets whose clocks cannot be judged (no policy
 * or support hours in force at their opening) still count as tickets, not in
 * compliance: list them with `unjudgedServiceLevels`.
 */
export const computeSynthesis = (
  events: Iterable<RecordedEvent>,
  options: ComputeSynthesisOptions = {},
): Synthesis => {
  let sl = initialServiceLevelState()
  let quality = initialQualityState()
  const limit = options.asOf === undefined ? Number.POSITIVE_INFINITY : instantMs(options.asOf)
  for (const e of events) {
    if (instantMs(e.at) > limit) continue
    sl = applyServiceLevelEvent(sl, e)
    quality = applyQuality(quality, e)
  }
  const asOf = options.asOf ?? quality.lastEventAt
  const slOptions = {
    ...(asOf === null ? {} : { asOf }),
    ...(options.policyOverride === undefined ? {} : { policyOverride: options.policyOverride }),
  }
  const report = serviceLevelReport(sl, slOptions)
  const { policyOverride: _, ...synthesisOptions } = options
  return synthesize(quality, report.tickets, report.majorIncidents, synthesisOptions)
}
