/**
 * A compact archive of tickets for the report's fold: per retired ticket, one
 * row in typed-array columns (its opening in epoch ms, strings interned as
 * small integers in columns a byte wide while they are few, counters) plus a
 * run of numbers in a shared pool for the rest (first stop and escalation,
 * resolutions, reopenings, suspensions, status changes, cited articles, major
 * incident, answers per score, each only when there is one): instants as
 * 32-bit offsets in ms from the opening, or, for the rare ticket with an
 * instant 49 days after its opening (or before it), all as epoch ms in a pool
 * of 64-bit floats. Rows are keyed by ticket id in the compact id index
 * (src/domain/compact.ts). About 95 bytes a ticket (bench histories: 43 of
 * columns, ~30 of run, ~23 of id).
 *
 * Why: `ServiceLevelState` and `QualityState` keep a record of objects and
 * arrays per ticket ever opened (~4 KB of heap each), so replaying years of
 * history needed memory in proportion to its length. The report fold
 * (src/projections/report-fold.ts) keeps full records only for tickets that
 * moved recently and parks the others here.
 *
 * A row holds exactly what the report reads and what folding later events
 * needs, so a parked ticket can be brought back (`takeArchived`) when a new
 * event of it arrives (its row and id stay, to be used again when it is
 * archived again), and decoded (`visitArchived`) when the report is computed.
 * What it does not keep, because neither the report nor the fold reads it: the ticket's
 * hierarchy involvements (timers), its per-ticket `lastAt`/`lastEventAt`, the
 * exact instants of `resolvedAt`/`closedAt` (only whether they are set), the
 * qualifications before the latest one (the report is always as of an instant
 * at or after every event folded, where the latest stands), and counters
 * beyond 255 for those the report only compares with 0 or 1 (assignments,
 * escalations, reopenings). Anything else that does not fit (a list longer
 * than 255, a ticket whose records disagree) is simply not archived.
 */
import type { IsoInstant } from '../domain/codec.js'
import { toInstant } from '../domain/codec.js'
import {
  emptyIdIndex,
  f64,
  findRow,
  getF64,
  getU8,
  getU32,
  getW,
  type IdIndex,
  idOf,
  insertId,
  setF64,
  setU8,
  setU32,
  setW,
  u8,
  u32,
  widening,
} from '../domain/compact.js'
import type { AgentRole, Channel, Level, Priority, SupportDomain, TicketKind } from '../domain/vocabulary.js'
import { parseInstant } from './policy-history.js'
import { type QualityTicket, type StatusChange, TICKET_STATUSES, type TicketStatus } from './quality.js'
import type { Qualification, Suspension, TicketFacts } from './service-levels.js'

/**
 * A pool of numbers; a row's run never straddles two chunks. Two of them: a
 * row's instants as 32-bit offsets in ms from its opening (nearly every row),
 * or, for a row with an instant before its opening or 49 days after it, as
 * epoch ms in 64-bit floats.
 */
const POOL_BITS = 16
const POOL_CHUNK = 1 << POOL_BITS

interface Pool<A extends Float64Array | Uint32Array> {
  readonly chunks: A[]
  readonly make: (n: number) => A
  /** Next free slot, as chunk × POOL_CHUNK + offset. */
  next: number
}

const reserve = <A extends Float64Array | Uint32Array>(p: Pool<A>, n: number): number => {
  let at = p.next
  if ((at % POOL_CHUNK) + n > POOL_CHUNK) at = Math.ceil(at / POOL_CHUNK) * POOL_CHUNK
  const k = at >>> POOL_BITS
  while (p.chunks.length <= k) p.chunks.push(p.make(POOL_CHUNK))
  p.next = at + n
  return at
}

const poolGet = <A extends Float64Array | Uint32Array>(p: Pool<A>, at: number): number =>
  p.chunks[at >>> POOL_BITS]![at & (POOL_CHUNK - 1)]!
const poolSet = <A extends Float64Array | Uint32Array>(p: Pool<A>, at: number, v: number): void => {
  p.chunks[at >>> POOL_BITS]![at & (POOL_CHUNK - 1)] = v
}

/** An offset that does not fit: the row goes to the wide pool. */
const WONT_FIT = -1
/** null (an open suspension, a clock not stopped) in the narrow pool. */
const NARROW_NULL = 0xffffffff

/** `ms` as a 32-bit offset from `opened`, NARROW_NULL for NaN (null), WONT_FIT if it cannot be one. */
const offsetOf = (ms: number, opened: number): number => {
  if (Number.isNaN(ms)) return NARROW_NULL
  const d = ms - opened
  return d >= 0 && d < NARROW_NULL && Number.isInteger(d) && opened + d === ms ? d : WONT_FIT
}

// ---- interned strings ----------------------------------------------------------

/** Strings as 1-based indices (0 = null): one copy of each site id, owner id… */
interface Interner {
  readonly index: Map<string, number>
  readonly values: string[]
  readonly max: number
}

const interner = (max: number): Interner => ({ index: new Map(), values: [], max })

/** The index of `s` (1-based), 0 for null, -1 when the table is full. */
const intern = (t: Interner, s: string | null): number => {
  if (s === null) return 0
  const found = t.index.get(s)
  if (found !== undefined) return found
  if (t.values.length >= t.max) return -1
  t.values.push(s)
  t.index.set(s, t.values.length)
  return t.values.length
}

const lookup = <S extends string>(t: Interner, i: number): S | null =>
  i === 0 ? null : (t.values[i - 1] as S)

// ---- the archive ---------------------------------------------------------------

const STATUS_CODE: Readonly<Record<TicketStatus, number>> = Object.fromEntries(
  TICKET_STATUSES.map((s, i) => [s, i]),
) as Record<TicketStatus, number>

const FLAG_SUSPENDED = 1
const FLAG_AWAITING_EXPERT = 2
const FLAG_RESOLVED = 4
const FLAG_CLOSED = 8
const FLAG_ARTICLE_IS_LAST_CITED = 16
/** Taken back out of the archive: the row is dead. */
const FLAG_GONE = 32
/** The row's run is in the wide pool (epoch ms as floats). */
const FLAG_WIDE = 64
/** The run holds the ticket's major incident (most tickets have none). */
const FLAG_INCIDENT = 128

/**
 * The `extra` column: its low bits (SCORE_BITS) say 0 no satisfaction answer,
 * 1–5 one answer of that score, SCORES_IN_RUN the counts per score in the
 * run; the next two, which of the ticket's first stop and first escalation
 * the run holds (most tickets are never escalated: no room taken for it).
 */
const SCORE_BITS = 7
const SCORES_IN_RUN = 6
const HAS_FIRST_STOP = 8
const HAS_FIRST_ESCALATION = 16

/** How many of the run's first slots hold the first stop and first escalation. */
const heads = (extra: number): number =>
  ((extra & HAS_FIRST_STOP) !== 0 ? 1 : 0) + ((extra & HAS_FIRST_ESCALATION) !== 0 ? 1 : 0)

const MAX_LIST = 255
const SATURATE = 255
const MAX_U32 = 0xffffffff

/** Tickets parked out of the live maps, keyed by ticket id (= the stream's id). */
export interface TicketArchive {
  /** Archived tickets (rows taken back out are not counted). */
  count: number
  rowCount: number
  readonly ids: IdIndex
  readonly narrow: Pool<Uint32Array>
  readonly wide: Pool<Float64Array>
  readonly cols: ReturnType<typeof makeColumns>
  readonly strings: ReturnType<typeof makeInterners>
}

const makeColumns = () => ({
  opened: f64(),
  /** Where the row's run starts in its pool: first stop, first escalation, then the lists. */
  poolAt: u32(),
  // Interned strings: a byte each while there are fewer than 256 of a kind.
  owner: widening(),
  requester: widening(),
  site: widening(),
  workstationType: widening(),
  desk: widening(),
  channel: u8(),
  kind: u8(),
  domain: u8(),
  priority: u8(),
  ownerRole: u8(),
  ownerLevel: u8(),
  qualityResolutions: u8(),
  nResolutions: u8(),
  nReopenings: u8(),
  nSuspensions: u8(),
  nStatusChanges: u8(),
  nCited: u8(),
  assignments: u8(),
  escalations: u8(),
  reopenings: u8(),
  flags: u8(),
  /** Satisfaction answers, and what the run starts with (see SCORE_BITS). */
  extra: u8(),
})

const makeInterners = () => ({
  site: interner(MAX_U32 - 1),
  workstationType: interner(MAX_U32 - 1),
  desk: interner(MAX_U32 - 1),
  channel: interner(254),
  kind: interner(254),
  domain: interner(254),
  priority: interner(254),
  role: interner(254),
  level: interner(254),
  owner: interner(MAX_U32 - 1),
  requester: interner(MAX_U32 - 1),
  incident: interner(MAX_U32 - 1),
  article: interner(2 ** 52),
})

export const emptyTicketArchive = (): TicketArchive => ({
  count: 0,
  rowCount: 0,
  ids: emptyIdIndex(),
  narrow: { chunks: [], make: (n) => new Uint32Array(n), next: 0 },
  wide: { chunks: [], make: (n) => new Float64Array(n), next: 0 },
  cols: makeColumns(),
  strings: makeInterners(),
})

const orNaN = (x: number | null): number => (x === null ? Number.NaN : x)
const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x)

/**
 * Park a ticket: its clocks' facts and its quality record, which must describe
 * the same ticket. Answers false, and keeps nothing, when the ticket does not
 * fit a row (the caller keeps it live).
 */
export const archiveTicket = (a: TicketArchive, facts: TicketFacts, q: QualityTicket): boolean => {
  const key = facts.ticketId
  if (q.ticketId !== key) return false
  // A ticket archived before and brought back keeps its row, and its run's room.
  const before = findRow(a.ids, key)
  if (before >= 0 && (getU8(a.cols.flags, before) & FLAG_GONE) === 0) return false
  // Both folds saw the same events: check the facts they share agree, since a row keeps them once.
  const lastQ = facts.qualifications[facts.qualifications.length - 1]
  if (lastQ === undefined ? q.kind !== null : q.domain !== lastQ.domain || q.priority !== lastQ.priority)
    return false
  if (
    facts.siteId !== q.siteId ||
    facts.workstationType !== q.workstationType ||
    facts.openedAt !== q.openedAt
  )
    return false
  if ((facts.closedAt === null) !== (q.closedAt === null)) return false
  const changes = q.statusChanges
  const first = changes[0]
  const last = changes[changes.length - 1]
  if (first === undefined || first.status !== 'open' || first.at !== q.openedAt || last?.status !== q.status)
    return false
  const nStatus = changes.length - 1
  if (
    facts.resolutions.length > MAX_LIST ||
    facts.reopenings.length > MAX_LIST ||
    facts.suspensions.length > MAX_LIST ||
    nStatus > MAX_LIST ||
    q.citedArticleIds.length > MAX_LIST ||
    q.resolutions > MAX_LIST
  )
    return false
  const scoreCounts = [0, 0, 0, 0, 0]
  for (const s of q.satisfactionScores) {
    if (!Number.isInteger(s) || s < 1 || s > 5) return false
    scoreCounts[s - 1]!++
  }
  if (scoreCounts.some((n) => n > MAX_LIST)) return false
  const latestCited = q.citedArticleIds[q.citedArticleIds.length - 1]
  if (q.knowledgeArticleId !== null && q.knowledgeArticleId !== latestCited) return false

  const s = a.strings
  const codes = {
    site: intern(s.site, q.siteId),
    workstationType: intern(s.workstationType, q.workstationType),
    desk: intern(s.desk, q.deskId),
    channel: intern(s.channel, q.channel),
    kind: intern(s.kind, q.kind),
    domain: intern(s.domain, q.domain),
    priority: intern(s.priority, q.priority),
    ownerRole: intern(s.role, q.ownerRole),
    ownerLevel: intern(s.level, q.ownerLevel),
    owner: intern(s.owner, q.ownerId),
    requester: intern(s.requester, q.requesterId),
    incident: intern(s.incident, q.majorIncidentId),
  }
  // A table full (more distinct values than a column holds): the ticket stays live.
  for (const k in codes) if (codes[k as keyof typeof codes] < 0) return false
  const cited: number[] = []
  for (const id of q.citedArticleIds) cited.push(intern(s.article, id))

  const answers = q.satisfactionScores.length
  const score = answers === 0 ? 0 : answers === 1 ? q.satisfactionScores[0]! : SCORES_IN_RUN
  const extra =
    score |
    (facts.firstStop !== null ? HAS_FIRST_STOP : 0) |
    (facts.firstEscalation !== null ? HAS_FIRST_ESCALATION : 0)
  // The run: instants (NaN for null), status changes, cited articles, the major incident, the answers per score.
  const run: number[] = []
  if (facts.firstStop !== null) run.push(facts.firstStop)
  if (facts.firstEscalation !== null) run.push(facts.firstEscalation)
  for (const x of facts.resolutions) run.push(x)
  for (const x of facts.reopenings) run.push(x)
  for (const sp of facts.suspensions) run.push(sp.from, orNaN(sp.to))
  const statusAt = run.length
  for (let k = 1; k < changes.length; k++) run.push(parseInstant(changes[k]!.at))
  const citedAt = run.length
  for (const x of cited) run.push(x)
  if (codes.incident !== 0) run.push(codes.incident)
  if (score === SCORES_IN_RUN) for (const n of scoreCounts) run.push(n)
  const opened = facts.opened
  let wide = false
  for (let k = 0; k < citedAt && !wide; k++) wide = offsetOf(run[k]!, opened) === WONT_FIT
  for (let k = citedAt; k < run.length; k++) if (run[k]! >= NARROW_NULL) wide = true

  const c = a.cols
  const codeWords = wide ? 0 : Math.ceil(nStatus / 8)
  const room =
    before >= 0 && (getU8(c.flags, before) & FLAG_WIDE) === (wide ? FLAG_WIDE : 0) ? runLength(a, before) : -1
  const row = before >= 0 ? before : a.rowCount++
  const n = run.length + codeWords
  const at = n <= room ? getU32(c.poolAt, row) : wide ? reserve(a.wide, n) : reserve(a.narrow, n)
  setF64(c.opened, row, opened)
  setW(c.owner, row, codes.owner)
  setW(c.requester, row, codes.requester)
  setU8(c.qualityResolutions, row, q.resolutions)
  setW(c.site, row, codes.site)
  setW(c.workstationType, row, codes.workstationType)
  setW(c.desk, row, codes.desk)
  setU8(c.channel, row, codes.channel)
  setU8(c.kind, row, codes.kind)
  setU8(c.domain, row, codes.domain)
  setU8(c.priority, row, codes.priority)
  setU8(c.ownerRole, row, codes.ownerRole)
  setU8(c.ownerLevel, row, codes.ownerLevel)
  setU8(c.nResolutions, row, facts.resolutions.length)
  setU8(c.nReopenings, row, facts.reopenings.length)
  setU8(c.nSuspensions, row, facts.suspensions.length)
  setU8(c.nStatusChanges, row, nStatus)
  setU8(c.nCited, row, cited.length)
  setU8(c.assignments, row, Math.min(q.assignments, SATURATE))
  setU8(c.escalations, row, Math.min(q.escalations, SATURATE))
  setU8(c.reopenings, row, Math.min(q.reopenings, SATURATE))
  setU8(
    c.flags,
    row,
    (q.suspended ? FLAG_SUSPENDED : 0) |
      (q.awaitingExpert ? FLAG_AWAITING_EXPERT : 0) |
      (q.resolvedAt !== null ? FLAG_RESOLVED : 0) |
      (q.closedAt !== null ? FLAG_CLOSED : 0) |
      (q.knowledgeArticleId !== null ? FLAG_ARTICLE_IS_LAST_CITED : 0) |
      (wide ? FLAG_WIDE : 0) |
      (codes.incident !== 0 ? FLAG_INCIDENT : 0),
  )
  setU8(c.extra, row, extra)

  if (wide) {
    // A status change as one number: epoch ms × 8 + the status's code (exact below 2^50 ms).
    for (let k = 0; k < nStatus; k++)
      run[statusAt + k] = run[statusAt + k]! * 8 + STATUS_CODE[changes[k + 1]!.status]
    setU32(c.poolAt, row, at)
    for (let k = 0; k < run.length; k++) poolSet(a.wide, at + k, run[k]!)
  } else {
    // Offsets, then the status codes 4 bits each, 8 to a word.
    setU32(c.poolAt, row, at)
    for (let k = 0; k < citedAt; k++) poolSet(a.narrow, at + k, offsetOf(run[k]!, opened))
    for (let k = citedAt; k < run.length; k++) poolSet(a.narrow, at + k, run[k]!)
    for (let w = 0; w < codeWords; w++) {
      let word = 0
      for (let k = 8 * w; k < Math.min(nStatus, 8 * w + 8); k++)
        word |= STATUS_CODE[changes[k + 1]!.status] << (4 * (k - 8 * w))
      poolSet(a.narrow, at + run.length + w, word >>> 0)
    }
  }
  if (before < 0) insertId(a.ids, key, row)
  a.count++
  return true
}

/** How many slots a row's run takes in its pool. */
const runLength = (a: TicketArchive, row: number): number => {
  const c = a.cols
  const nStatus = getU8(c.nStatusChanges, row)
  const flags = getU8(c.flags, row)
  const extra = getU8(c.extra, row)
  return (
    heads(extra) +
    getU8(c.nResolutions, row) +
    getU8(c.nReopenings, row) +
    2 * getU8(c.nSuspensions, row) +
    nStatus +
    getU8(c.nCited, row) +
    ((flags & FLAG_INCIDENT) !== 0 ? 1 : 0) +
    ((extra & SCORE_BITS) === SCORES_IN_RUN ? 5 : 0) +
    ((flags & FLAG_WIDE) !== 0 ? 0 : Math.ceil(nStatus / 8))
  )
}

/** Where a row's answers per score start in its run (SCORES_IN_RUN rows only). */
const scoresAt = (a: TicketArchive, row: number): number => {
  const c = a.cols
  return (
    getU32(c.poolAt, row) +
    heads(getU8(c.extra, row)) +
    getU8(c.nResolutions, row) +
    getU8(c.nReopenings, row) +
    2 * getU8(c.nSuspensions, row) +
    getU8(c.nStatusChanges, row) +
    getU8(c.nCited, row) +
    ((getU8(c.flags, row) & FLAG_INCIDENT) !== 0 ? 1 : 0)
  )
}

/**
 * Record a satisfaction answer on an archived ticket, in place (the quality
 * fold's only change for it: its scores). False when the row has no room for
 * it (a second answer on a row made with one, a count full): the caller
 * restores the ticket and folds the event as usual.
 */
export const rateArchived = (a: TicketArchive, row: number, score: number): boolean => {
  if (!Number.isInteger(score) || score < 1 || score > 5) return false
  const extra = getU8(a.cols.extra, row)
  const held = extra & SCORE_BITS
  if (held === 0) {
    setU8(a.cols.extra, row, extra | score)
    return true
  }
  if (held !== SCORES_IN_RUN) return false
  const at = scoresAt(a, row) + score - 1
  const wide = (getU8(a.cols.flags, row) & FLAG_WIDE) !== 0
  const n = wide ? poolGet(a.wide, at) : poolGet(a.narrow, at)
  if (n >= MAX_LIST) return false
  if (wide) poolSet(a.wide, at, n + 1)
  else poolSet(a.narrow, at, n + 1)
  return true
}

/** One archived ticket as the two folds had it (see the module comment for what is not kept). */
export interface ArchivedTicket {
  readonly facts: TicketFacts
  readonly quality: QualityTicket
}

export const decodeRow = (a: TicketArchive, key: string, row: number): ArchivedTicket => {
  const c = a.cols
  const s = a.strings
  const opened = getF64(c.opened, row)
  const openedAt = toInstant(opened)
  const flags = getU8(c.flags, row)
  const isWide = (flags & FLAG_WIDE) !== 0
  const start = getU32(c.poolAt, row)
  let p = start
  /** The run's next instant (NaN: null). */
  const next = (): number => {
    if (isWide) return poolGet(a.wide, p++)
    const d = poolGet(a.narrow, p++)
    return d === NARROW_NULL ? Number.NaN : opened + d
  }
  let latest = opened
  const extra = getU8(c.extra, row)
  const firstStop = (extra & HAS_FIRST_STOP) !== 0 ? next() : null
  const firstEscalation = (extra & HAS_FIRST_ESCALATION) !== 0 ? next() : null
  for (const x of [firstStop, firstEscalation]) if (x !== null && x > latest) latest = x
  const list = (n: number): number[] => {
    const out: number[] = []
    for (let k = 0; k < n; k++) {
      const x = next()
      if (x > latest) latest = x
      out.push(x)
    }
    return out
  }
  const nResolutions = getU8(c.nResolutions, row)
  const nReopenings = getU8(c.nReopenings, row)
  const nSuspensions = getU8(c.nSuspensions, row)
  const nStatus = getU8(c.nStatusChanges, row)
  const nCited = getU8(c.nCited, row)
  const resolutions = list(nResolutions)
  const reopenings = list(nReopenings)
  const suspensions: Suspension[] = []
  for (let k = nSuspensions; k > 0; k--) {
    const from = next()
    const to = orNull(next())
    if (to !== null && to > latest) latest = to
    suspensions.push({ from, to })
  }
  const statusChanges: StatusChange[] = [{ at: openedAt, status: 'open' }]
  // Narrow rows: the status codes follow the run, 4 bits each.
  const codesAt =
    start +
    heads(extra) +
    nResolutions +
    nReopenings +
    2 * nSuspensions +
    nStatus +
    nCited +
    ((flags & FLAG_INCIDENT) !== 0 ? 1 : 0) +
    ((extra & SCORE_BITS) === SCORES_IN_RUN ? 5 : 0)
  for (let k = 0; k < nStatus; k++) {
    let ms: number
    let code: number
    if (isWide) {
      const v = poolGet(a.wide, p++)
      code = v - Math.floor(v / 8) * 8
      ms = (v - code) / 8
    } else {
      ms = next()
      code = (poolGet(a.narrow, codesAt + (k >>> 3)) >>> (4 * (k & 7))) & 15
    }
    if (ms > latest) latest = ms
    statusChanges.push({ at: toInstant(ms), status: TICKET_STATUSES[code]! })
  }
  const citedArticleIds: string[] = []
  // The rest of the run is codes and counts, in either pool as they are.
  const code = (): number => (isWide ? poolGet(a.wide, p++) : poolGet(a.narrow, p++))
  for (let k = nCited; k > 0; k--) citedArticleIds.push(lookup(s.article, code())!)
  const incident = (flags & FLAG_INCIDENT) !== 0 ? code() : 0
  const scores: number[] = []
  const held = extra & SCORE_BITS
  if (held === SCORES_IN_RUN) {
    for (let k = 0; k < 5; k++) for (let n = code(); n > 0; n--) scores.push(k + 1)
  } else if (held !== 0) scores.push(held)

  const domain = lookup<SupportDomain>(s.domain, getU8(c.domain, row))
  const priority = lookup<Priority>(s.priority, getU8(c.priority, row))
  const kind = lookup<TicketKind>(s.kind, getU8(c.kind, row))
  const siteId = lookup(s.site, getW(c.site, row))!
  const workstationType = lookup(s.workstationType, getW(c.workstationType, row))!
  const qualifications: Qualification[] =
    domain === null || priority === null ? [] : [{ at: opened, domain, priority }]
  const facts: TicketFacts = {
    ticketId: key,
    siteId,
    workstationType,
    openedAt,
    opened,
    lastAt: latest,
    qualifications,
    firstStop,
    firstEscalation,
    resolutions,
    reopenings,
    suspensions,
    involvements: [],
    closedAt: (flags & FLAG_CLOSED) !== 0 ? latest : null,
  }
  const latestAt: IsoInstant = toInstant(latest)
  const quality: QualityTicket = {
    ticketId: key,
    requesterId: lookup(s.requester, getW(c.requester, row))!,
    siteId,
    workstationType,
    deskId: lookup(s.desk, getW(c.desk, row))!,
    channel: lookup<Channel>(s.channel, getU8(c.channel, row))!,
    openedAt,
    kind,
    domain,
    priority,
    ownerId: lookup(s.owner, getW(c.owner, row)),
    ownerRole: lookup<AgentRole>(s.role, getU8(c.ownerRole, row)),
    ownerLevel: lookup<Level>(s.level, getU8(c.ownerLevel, row)),
    assignments: getU8(c.assignments, row),
    escalations: getU8(c.escalations, row),
    reopenings: getU8(c.reopenings, row),
    resolutions: getU8(c.qualityResolutions, row),
    citedArticleIds,
    knowledgeArticleId:
      (flags & FLAG_ARTICLE_IS_LAST_CITED) !== 0
        ? (citedArticleIds[citedArticleIds.length - 1] ?? null)
        : null,
    // Only whether they are set matters from here on (the ticket's status); the instants are approximations.
    resolvedAt: (flags & FLAG_RESOLVED) !== 0 ? latestAt : null,
    closedAt: (flags & FLAG_CLOSED) !== 0 ? latestAt : null,
    satisfactionScores: scores,
    majorIncidentId: lookup(s.incident, incident),
    status: statusChanges[statusChanges.length - 1]!.status,
    suspended: (flags & FLAG_SUSPENDED) !== 0,
    awaitingExpert: (flags & FLAG_AWAITING_EXPERT) !== 0,
    statusChanges,
    lastEventAt: latestAt,
  }
  return { facts, quality }
}

/** The row of an archived ticket, or -1. */
export const archivedRow = (a: TicketArchive, key: string): number => {
  if (a.count === 0) return -1
  const row = findRow(a.ids, key)
  return row >= 0 && (getU8(a.cols.flags, row) & FLAG_GONE) === 0 ? row : -1
}

/** Take a ticket out of the archive (its row and id stay, for when it is archived again). */
export const takeArchived = (a: TicketArchive, key: string): ArchivedTicket | undefined => {
  const row = archivedRow(a, key)
  if (row < 0) return undefined
  setU8(a.cols.flags, row, getU8(a.cols.flags, row) | FLAG_GONE)
  a.count--
  // A copy, not decodeRow's own objects: a brought-back ticket lives on in the
  // fold, and V8 would then judge decodeRow's allocation sites long-lived and
  // allocate every object the report's visit decodes straight in the old
  // generation (measured: +50 MB of peak RSS at the end of a 5M-event replay).
  // Bringing a ticket back is rare; the visit decodes every archived ticket.
  return structuredClone(decodeRow(a, key, row))
}

/** Every archived ticket, decoded one at a time (nothing retained between calls). */
export const visitArchived = (a: TicketArchive, visit: (t: ArchivedTicket) => void): void => {
  for (let row = 0; row < a.rowCount; row++) {
    if ((getU8(a.cols.flags, row) & FLAG_GONE) !== 0) continue
    const key = idOf(a.ids, row)
    visit(decodeRow(a, key, row))
  }
}
