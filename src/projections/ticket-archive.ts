/**
 * A compact archive of tickets for the report's fold: per retired ticket, one
 * row in typed-array columns (its opening in epoch ms, strings interned as
 * small integers in columns a byte wide while they are few, counters) plus a
 * run of numbers in a shared pool for the rest (first stop and escalation,
 * resolutions, reopenings, suspensions, status changes, cited articles, major
 * incident, answers per score, each only when there is one): instants as
 * 32-bit offsets in ms from the opening, or, for the rare ticket with an
 * instant 49 days after its opening (or before it), all as epoch ms in a pool
 * of 64-bit floats. A ticket's row is its stream's row in a compact index of
 * stream names (src/domain/compact.ts), the history reader's own when the
 * fold shares it (the ids of every ticket are then kept once). About 70 bytes
 * a ticket (bench histories: 35 of columns, ~32 of run), its id aside.
 *
 * Why: `ServiceLevelState` and `QualityState` keep a record of objects and
 * arrays per ticket ever opened (~4 KB of heap each), so replaying years of
 * history needed memory in proportion to its length. The report fold
 * (src/projections/report-fold.ts) keeps full records only for tickets that
 * moved recently and parks the others here.
 *
 * A row holds exactly what the report reads and what folding later events
 * needs, so a parked ticket can be brought back (`takeArchived`) when a new
 * event of it arrives (its row stays, to be used again when it is
 * archived again), and decoded (`visitArchived`) when the report is computed.
 * What it does not keep, because neither the report nor the fold reads it: the ticket's
 * hierarchy involvements (timers), its per-ticket `lastAt`/`lastEventAt`, the
 * exact instants of `resolvedAt`/`closedAt` (only whether they are set), the
 * qualifications before the latest one (the report is always as of an instant
 * at or after every event folded, where the latest stands), and counters
 * beyond 255 for those the report only compares with 0 or 1 (assignments,
 * escalations, reopenings). Anything else that does not fit (a list longer
 * than 255, a ticket whose records disagree) is simply not archived.
 *
 * Archiving and decoding happen once per ticket of the history, about as often
 * as parsing a line, so they allocate nothing per row but what they hand back:
 * archiving gathers the run's instants in the archive's scratch arrays (they
 * decide its pool) and then writes the row and its run straight into the
 * columns and the pool's chunk; decoding reads the run into scratch the same
 * way, then builds the two records, each instant written as one flat string
 * (`toInstant`) and the opening's and the latest instant's text shared by
 * every field that holds them. A ticket brought back is decoded then copied by
 * hand (see `copyArchived`). What archiving still costs is mostly reading a
 * quiet ticket's records back from memory (a profile puts most of the parsing
 * of its status changes' instants on the first read of each string): a parser
 * of its own was tried and saved nothing measurable.
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
  setF64,
  setU8,
  setU32,
  setW,
  u8,
  u32,
  widening,
} from '../domain/compact.js'
import { ticketStream } from '../domain/envelope.js'
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
/** The row was written once (rows are the streams' rows: most streams' never are, or not yet). */
const WRITTEN = 32

/** How many of the run's first slots hold the first stop and first escalation. */
const heads = (extra: number): number =>
  ((extra & HAS_FIRST_STOP) !== 0 ? 1 : 0) + ((extra & HAS_FIRST_ESCALATION) !== 0 ? 1 : 0)

const MAX_LIST = 255
/** The most instants a run holds: first stop and escalation, resolutions, reopenings, suspensions, status changes. */
const MAX_INSTANTS = 2 + MAX_LIST + MAX_LIST + 2 * MAX_LIST + MAX_LIST
const SATURATE = 255
const MAX_U32 = 0xffffffff

/**
 * Tickets parked out of the live maps, each in the row of its stream
 * (`ticket-` and the ticket's id) in `streams`.
 */
export interface TicketArchive {
  /** Archived tickets (rows taken back out are not counted). */
  count: number
  /** One past the highest row written. */
  rowCount: number
  /**
   * The index of stream names whose rows the archive's rows are: the reader's
   * own when it is shared (a file read with `readHistoryBatchesSharing`), so
   * that the ids of hundreds of thousands of tickets are kept once.
   */
  readonly streams: IdIndex
  readonly narrow: Pool<Uint32Array>
  readonly wide: Pool<Float64Array>
  readonly cols: ReturnType<typeof makeColumns>
  readonly strings: ReturnType<typeof makeInterners>
  /** Room to gather one row's numbers in while it is written or read (nothing kept there between calls). */
  readonly scratch: Scratch
}

interface Scratch {
  /** A run's instants, epoch ms (NaN: null). */
  readonly ms: Float64Array
  /** Its status codes (decoding). */
  readonly statuses: Uint8Array
  /** Its codes and counts: cited articles, the major incident, answers per score. */
  readonly rest: Float64Array
  /** Its answers per score. */
  readonly counts: Uint32Array
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

export const emptyTicketArchive = (streams: IdIndex = emptyIdIndex()): TicketArchive => ({
  count: 0,
  rowCount: 0,
  streams,
  narrow: { chunks: [], make: (n) => new Uint32Array(n), next: 0 },
  wide: { chunks: [], make: (n) => new Float64Array(n), next: 0 },
  cols: makeColumns(),
  strings: makeInterners(),
  scratch: {
    ms: new Float64Array(MAX_INSTANTS),
    statuses: new Uint8Array(MAX_LIST),
    rest: new Float64Array(MAX_LIST + 1 + 5),
    counts: new Uint32Array(5),
  },
})

const orNaN = (x: number | null): number => (x === null ? Number.NaN : x)
const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x)

/**
 * Park a ticket in `row`, its stream's row in `a.streams` (`rowFor` it): its
 * clocks' facts and its quality record, which must describe the same ticket,
 * the one of that stream. Answers false, and keeps nothing, when the ticket
 * does not fit a row (the caller keeps it live) or is already archived.
 */
export const archiveTicket = (
  a: TicketArchive,
  row: number,
  facts: TicketFacts,
  q: QualityTicket,
): boolean => {
  const key = facts.ticketId
  if (q.ticketId !== key) return false
  // A ticket archived before and brought back keeps its row's run's room.
  const before = row < a.rowCount && (getU8(a.cols.extra, row) & WRITTEN) !== 0
  if (before && (getU8(a.cols.flags, row) & FLAG_GONE) === 0) return false
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
  const resolutions = facts.resolutions
  const reopenings = facts.reopenings
  const suspensions = facts.suspensions
  const cited = q.citedArticleIds
  const nCited = cited.length
  if (
    resolutions.length > MAX_LIST ||
    reopenings.length > MAX_LIST ||
    suspensions.length > MAX_LIST ||
    nStatus > MAX_LIST ||
    nCited > MAX_LIST ||
    q.resolutions > MAX_LIST
  )
    return false
  // Satisfaction answers: none or one (nearly every ticket) in `extra`, else counts per score in the run.
  const answers = q.satisfactionScores
  for (const x of answers) if (!Number.isInteger(x) || x < 1 || x > 5) return false
  const score = answers.length === 0 ? 0 : answers.length === 1 ? answers[0]! : SCORES_IN_RUN
  const counts = a.scratch.counts
  if (score === SCORES_IN_RUN) {
    counts.fill(0)
    for (const x of answers) counts[x - 1]!++
    for (let k = 0; k < 5; k++) if (counts[k]! > MAX_LIST) return false
  }
  if (q.knowledgeArticleId !== null && q.knowledgeArticleId !== cited[nCited - 1]) return false

  const s = a.strings
  const site = intern(s.site, q.siteId)
  const workstationType = intern(s.workstationType, q.workstationType)
  const desk = intern(s.desk, q.deskId)
  const channel = intern(s.channel, q.channel)
  const kind = intern(s.kind, q.kind)
  const domain = intern(s.domain, q.domain)
  const priority = intern(s.priority, q.priority)
  const ownerRole = intern(s.role, q.ownerRole)
  const ownerLevel = intern(s.level, q.ownerLevel)
  const owner = intern(s.owner, q.ownerId)
  const requester = intern(s.requester, q.requesterId)
  const incident = intern(s.incident, q.majorIncidentId)
  // A table full (more distinct values than a column holds): the ticket stays live.
  if (
    site < 0 ||
    workstationType < 0 ||
    desk < 0 ||
    channel < 0 ||
    kind < 0 ||
    domain < 0 ||
    priority < 0 ||
    ownerRole < 0 ||
    ownerLevel < 0 ||
    owner < 0 ||
    requester < 0 ||
    incident < 0
  )
    return false

  // The run: first stop, first escalation, resolutions, reopenings, suspensions
  // (NaN for an open one's end), status changes (instants, in order), then cited
  // articles, the major incident, the answers per score. Its instants are
  // gathered first (they decide which pool the row goes to), and written once.
  const ms = a.scratch.ms
  let m = 0
  if (facts.firstStop !== null) ms[m++] = facts.firstStop
  if (facts.firstEscalation !== null) ms[m++] = facts.firstEscalation
  for (const x of resolutions) ms[m++] = x
  for (const x of reopenings) ms[m++] = x
  for (const sp of suspensions) {
    ms[m++] = sp.from
    ms[m++] = orNaN(sp.to)
  }
  const statusAt = m
  for (let k = 1; k <= nStatus; k++) ms[m++] = parseInstant(changes[k]!.at)
  const opened = facts.opened
  let wide = false
  for (let k = 0; k < m && !wide; k++) wide = offsetOf(ms[k]!, opened) === WONT_FIT
  const articles = a.scratch.rest
  for (let k = 0; k < nCited; k++) {
    const code = intern(s.article, cited[k]!)
    articles[k] = code
    if (code >= NARROW_NULL) wide = true
  }

  const c = a.cols
  const codeWords = wide ? 0 : (nStatus + 7) >>> 3
  const n = m + nCited + (incident !== 0 ? 1 : 0) + (score === SCORES_IN_RUN ? 5 : 0) + codeWords
  const room = before && (getU8(c.flags, row) & FLAG_WIDE) === (wide ? FLAG_WIDE : 0) ? runLength(a, row) : -1
  const at = n <= room ? getU32(c.poolAt, row) : wide ? reserve(a.wide, n) : reserve(a.narrow, n)
  setF64(c.opened, row, opened)
  setU32(c.poolAt, row, at)
  setW(c.owner, row, owner)
  setW(c.requester, row, requester)
  setU8(c.qualityResolutions, row, q.resolutions)
  setW(c.site, row, site)
  setW(c.workstationType, row, workstationType)
  setW(c.desk, row, desk)
  setU8(c.channel, row, channel)
  setU8(c.kind, row, kind)
  setU8(c.domain, row, domain)
  setU8(c.priority, row, priority)
  setU8(c.ownerRole, row, ownerRole)
  setU8(c.ownerLevel, row, ownerLevel)
  setU8(c.nResolutions, row, resolutions.length)
  setU8(c.nReopenings, row, reopenings.length)
  setU8(c.nSuspensions, row, suspensions.length)
  setU8(c.nStatusChanges, row, nStatus)
  setU8(c.nCited, row, nCited)
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
      (incident !== 0 ? FLAG_INCIDENT : 0),
  )
  setU8(
    c.extra,
    row,
    score |
      (facts.firstStop !== null ? HAS_FIRST_STOP : 0) |
      (facts.firstEscalation !== null ? HAS_FIRST_ESCALATION : 0) |
      WRITTEN,
  )

  // A run never straddles two chunks: written straight into its chunk.
  let o = at & (POOL_CHUNK - 1)
  if (wide) {
    const w = a.wide.chunks[at >>> POOL_BITS]!
    for (let k = 0; k < statusAt; k++) w[o++] = ms[k]!
    // A status change as one number: epoch ms × 8 + the status's code (exact below 2^50 ms).
    for (let k = 1; k <= nStatus; k++) w[o++] = ms[statusAt + k - 1]! * 8 + STATUS_CODE[changes[k]!.status]
    for (let k = 0; k < nCited; k++) w[o++] = articles[k]!
    if (incident !== 0) w[o++] = incident
    if (score === SCORES_IN_RUN) for (let k = 0; k < 5; k++) w[o++] = counts[k]!
  } else {
    // Offsets, codes and counts, then the status codes 4 bits each, 8 to a word.
    const w = a.narrow.chunks[at >>> POOL_BITS]!
    for (let k = 0; k < m; k++) w[o++] = offsetOf(ms[k]!, opened)
    for (let k = 0; k < nCited; k++) w[o++] = articles[k]!
    if (incident !== 0) w[o++] = incident
    if (score === SCORES_IN_RUN) for (let k = 0; k < 5; k++) w[o++] = counts[k]!
    for (let k = 0; k < nStatus; k += 8) {
      let word = 0
      const end = Math.min(nStatus, k + 8)
      for (let j = k; j < end; j++) word |= STATUS_CODE[changes[j + 1]!.status] << (4 * (j - k))
      w[o++] = word >>> 0
    }
  }
  if (row >= a.rowCount) a.rowCount = row + 1
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
  const flags = getU8(c.flags, row)
  const extra = getU8(c.extra, row)
  const nFirst = heads(extra)
  const nResolutions = getU8(c.nResolutions, row)
  const nReopenings = getU8(c.nReopenings, row)
  const nSuspensions = getU8(c.nSuspensions, row)
  const nStatus = getU8(c.nStatusChanges, row)
  const nCited = getU8(c.nCited, row)
  const hasIncident = (flags & FLAG_INCIDENT) !== 0
  const held = extra & SCORE_BITS
  // The run's instants to epoch ms (NaN: null), status codes and the rest to
  // scratch, one loop per pool; then the objects, from there.
  const ms = a.scratch.ms
  const statuses = a.scratch.statuses
  const rest = a.scratch.rest
  const m = nFirst + nResolutions + nReopenings + 2 * nSuspensions + nStatus
  const nRest = nCited + (hasIncident ? 1 : 0) + (held === SCORES_IN_RUN ? 5 : 0)
  const start = getU32(c.poolAt, row)
  let o = start & (POOL_CHUNK - 1)
  if ((flags & FLAG_WIDE) !== 0) {
    const w = a.wide.chunks[start >>> POOL_BITS]!
    const statusAt = m - nStatus
    for (let k = 0; k < statusAt; k++) ms[k] = w[o++]!
    for (let k = 0; k < nStatus; k++) {
      const v = w[o++]!
      const code = v - Math.floor(v / 8) * 8
      ms[statusAt + k] = (v - code) / 8
      statuses[k] = code
    }
    for (let k = 0; k < nRest; k++) rest[k] = w[o++]!
  } else {
    const w = a.narrow.chunks[start >>> POOL_BITS]!
    for (let k = 0; k < m; k++) {
      const d = w[o++]!
      ms[k] = d === NARROW_NULL ? Number.NaN : opened + d
    }
    for (let k = 0; k < nRest; k++) rest[k] = w[o++]!
    for (let k = 0; k < nStatus; k++) statuses[k] = (w[o + (k >>> 3)]! >>> (4 * (k & 7))) & 15
  }

  // The latest instant: of every one kept but the suspensions' starts (NaN never wins).
  let latest = opened
  let p = 0
  const firstStop = (extra & HAS_FIRST_STOP) !== 0 ? ms[p++]! : null
  const firstEscalation = (extra & HAS_FIRST_ESCALATION) !== 0 ? ms[p++]! : null
  if (firstStop !== null && firstStop > latest) latest = firstStop
  if (firstEscalation !== null && firstEscalation > latest) latest = firstEscalation
  const resolutions: number[] = []
  for (let k = 0; k < nResolutions; k++) {
    const x = ms[p++]!
    if (x > latest) latest = x
    resolutions.push(x)
  }
  const reopenings: number[] = []
  for (let k = 0; k < nReopenings; k++) {
    const x = ms[p++]!
    if (x > latest) latest = x
    reopenings.push(x)
  }
  const suspensions: Suspension[] = []
  for (let k = 0; k < nSuspensions; k++) {
    const from = ms[p++]!
    const to = orNull(ms[p++]!)
    if (to !== null && to > latest) latest = to
    suspensions.push({ from, to })
  }
  for (let k = p; k < m; k++) if (ms[k]! > latest) latest = ms[k]!
  // One string per distinct instant where they repeat (the opening, the latest).
  const openedAt = toInstant(opened)
  const latestAt: IsoInstant = latest === opened ? openedAt : toInstant(latest)
  const statusChanges: StatusChange[] = [{ at: openedAt, status: 'open' }]
  for (let k = 0; k < nStatus; k++) {
    const x = ms[p + k]!
    statusChanges.push({
      at: x === latest ? latestAt : x === opened ? openedAt : toInstant(x),
      status: TICKET_STATUSES[statuses[k]!]!,
    })
  }
  const citedArticleIds: string[] = []
  for (let k = 0; k < nCited; k++) citedArticleIds.push(lookup(s.article, rest[k]!)!)
  const incident = hasIncident ? rest[nCited]! : 0
  const scores: number[] = []
  if (held === SCORES_IN_RUN) {
    const countsAt = nCited + (hasIncident ? 1 : 0)
    for (let k = 0; k < 5; k++) for (let n = rest[countsAt + k]!; n > 0; n--) scores.push(k + 1)
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
      (flags & FLAG_ARTICLE_IS_LAST_CITED) !== 0 ? (citedArticleIds[nCited - 1] ?? null) : null,
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

/**
 * A copy of a decoded ticket, made here rather than by `decodeRow`'s own
 * object literals: a brought-back ticket lives on in the fold, and V8 would
 * then judge decodeRow's allocation sites long-lived and allocate every object
 * the report's visit decodes straight in the old generation (measured: +50 MB
 * of peak RSS at the end of a 5M-event replay). By hand, not `structuredClone`
 * (which cost several times the decoding itself: ~12 µs a ticket against ~1.5).
 */
const copyArchived = ({ facts: f, quality: q }: ArchivedTicket): ArchivedTicket => ({
  facts: {
    ticketId: f.ticketId,
    siteId: f.siteId,
    workstationType: f.workstationType,
    openedAt: f.openedAt,
    opened: f.opened,
    lastAt: f.lastAt,
    qualifications: f.qualifications.map((x) => ({ at: x.at, domain: x.domain, priority: x.priority })),
    firstStop: f.firstStop,
    firstEscalation: f.firstEscalation,
    resolutions: f.resolutions.slice(),
    reopenings: f.reopenings.slice(),
    suspensions: f.suspensions.map((x) => ({ from: x.from, to: x.to })),
    involvements: [],
    closedAt: f.closedAt,
  },
  quality: {
    ticketId: q.ticketId,
    requesterId: q.requesterId,
    siteId: q.siteId,
    workstationType: q.workstationType,
    deskId: q.deskId,
    channel: q.channel,
    openedAt: q.openedAt,
    kind: q.kind,
    domain: q.domain,
    priority: q.priority,
    ownerId: q.ownerId,
    ownerRole: q.ownerRole,
    ownerLevel: q.ownerLevel,
    assignments: q.assignments,
    escalations: q.escalations,
    reopenings: q.reopenings,
    resolutions: q.resolutions,
    citedArticleIds: q.citedArticleIds.slice(),
    knowledgeArticleId: q.knowledgeArticleId,
    resolvedAt: q.resolvedAt,
    closedAt: q.closedAt,
    satisfactionScores: q.satisfactionScores.slice(),
    majorIncidentId: q.majorIncidentId,
    status: q.status,
    suspended: q.suspended,
    awaitingExpert: q.awaitingExpert,
    statusChanges: q.statusChanges.map((x) => ({ at: x.at, status: x.status })),
    lastEventAt: q.lastEventAt,
  },
})

/** Whether the stream row `row` (-1: none) holds an archived ticket. */
export const isArchived = (a: TicketArchive, row: number): boolean =>
  row >= 0 &&
  row < a.rowCount &&
  (getU8(a.cols.extra, row) & WRITTEN) !== 0 &&
  (getU8(a.cols.flags, row) & FLAG_GONE) === 0

/** The row of the archived ticket of `stream`, or -1. */
export const archivedRow = (a: TicketArchive, stream: string): number => {
  if (a.count === 0) return -1
  const row = findRow(a.streams, stream)
  return isArchived(a, row) ? row : -1
}

const TICKET_PREFIX = ticketStream('').length

/** The ticket id of an archived row (its stream's name without `ticket-`). */
const keyOf = (a: TicketArchive, row: number): string => idOf(a.streams, row).slice(TICKET_PREFIX)

/** Take the ticket of `row` out of the archive (the row keeps its run's room, for when it is archived again). */
export const takeArchived = (a: TicketArchive, row: number): ArchivedTicket | undefined => {
  if (!isArchived(a, row)) return undefined
  setU8(a.cols.flags, row, getU8(a.cols.flags, row) | FLAG_GONE)
  a.count--
  // A copy, not decodeRow's own objects (see copyArchived).
  return copyArchived(decodeRow(a, keyOf(a, row), row))
}

/** Every archived ticket, decoded one at a time (nothing retained between calls), by stream row. */
export const visitArchived = (a: TicketArchive, visit: (t: ArchivedTicket, row: number) => void): void => {
  for (let row = 0; row < a.rowCount; row++)
    if (isArchived(a, row)) visit(decodeRow(a, keyOf(a, row), row), row)
}
