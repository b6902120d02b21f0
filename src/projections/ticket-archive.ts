/**
 * A compact archive of tickets for the report's fold: per retired ticket, one
 * row in typed-array columns (instants as epoch ms, strings interned as small
 * integers, counters) plus a run of numbers in a shared pool for its lists
 * (resolutions, reopenings, suspensions, status changes, cited articles).
 *
 * Why: `ServiceLevelState` and `QualityState` keep a record of objects and
 * arrays per ticket ever opened (~4 KB of heap each), so replaying years of
 * history needed memory in proportion to its length. The report fold
 * (src/projections/report-fold.ts) keeps full records only for tickets that
 * moved recently and parks the others here, ~100 bytes each.
 *
 * A row holds exactly what the report reads and what folding later events
 * needs, so a parked ticket can be brought back (`restore`) when a new event of
 * it arrives, and decoded (`visit`) when the report is computed. What it does
 * not keep, because neither the report nor the fold reads it: the ticket's
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
  getU16,
  getU32,
  type IdIndex,
  idOf,
  insertId,
  removeId,
  setF64,
  setU8,
  setU16,
  setU32,
  u8,
  u16,
  u32,
} from '../domain/compact.js'
import type { AgentRole, Channel, Level, Priority, SupportDomain, TicketKind } from '../domain/vocabulary.js'
import { parseInstant } from './policy-history.js'
import { type QualityTicket, type StatusChange, TICKET_STATUSES, type TicketStatus } from './quality.js'
import type { Qualification, Suspension, TicketFacts } from './service-levels.js'

/** A pool of numbers; a row's run never straddles two chunks. */
const POOL_CHUNK = 1 << 16

interface Pool {
  readonly chunks: Float64Array[]
  /** Next free slot, as chunk × POOL_CHUNK + offset. */
  next: number
}

const reserve = (p: Pool, n: number): number => {
  let at = p.next
  if ((at % POOL_CHUNK) + n > POOL_CHUNK) at = Math.ceil(at / POOL_CHUNK) * POOL_CHUNK
  const k = Math.floor(at / POOL_CHUNK)
  while (p.chunks.length <= k) p.chunks.push(new Float64Array(POOL_CHUNK))
  p.next = at + n
  return at
}

const poolGet = (p: Pool, at: number): number => p.chunks[Math.floor(at / POOL_CHUNK)]![at % POOL_CHUNK]!
const poolSet = (p: Pool, at: number, v: number): void => {
  p.chunks[Math.floor(at / POOL_CHUNK)]![at % POOL_CHUNK] = v
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

const MAX_LIST = 255
const SATURATE = 255
const MAX_U16 = 0xffff
const MAX_U32 = 0xffffffff

/** Tickets parked out of the live maps, keyed by ticket id (= the stream's id). */
export interface TicketArchive {
  /** Archived tickets (rows taken back out are not counted). */
  count: number
  rowCount: number
  readonly ids: IdIndex
  readonly pool: Pool
  readonly cols: ReturnType<typeof makeColumns>
  readonly strings: ReturnType<typeof makeInterners>
}

const makeColumns = () => ({
  opened: f64(),
  firstStop: f64(),
  firstEscalation: f64(),
  poolAt: u32(),
  owner: u32(),
  requester: u32(),
  incident: u32(),
  site: u16(),
  workstationType: u16(),
  desk: u16(),
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
  /** Satisfaction answers per score: 5 consecutive rows-worth per ticket (row × 5 + score − 1). */
  scores: u8(),
})

const makeInterners = () => ({
  site: interner(MAX_U16 - 1),
  workstationType: interner(MAX_U16 - 1),
  desk: interner(MAX_U16 - 1),
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
  pool: { chunks: [], next: 0 },
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
  if (q.ticketId !== key || findRow(a.ids, key) >= 0) return false
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

  const row = a.rowCount++
  const c = a.cols
  setF64(c.opened, row, facts.opened)
  setF64(c.firstStop, row, orNaN(facts.firstStop))
  setF64(c.firstEscalation, row, orNaN(facts.firstEscalation))
  setU32(c.owner, row, codes.owner)
  setU32(c.requester, row, codes.requester)
  setU32(c.incident, row, codes.incident)
  setU8(c.qualityResolutions, row, q.resolutions)
  setU16(c.site, row, codes.site)
  setU16(c.workstationType, row, codes.workstationType)
  setU16(c.desk, row, codes.desk)
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
      (q.knowledgeArticleId !== null ? FLAG_ARTICLE_IS_LAST_CITED : 0),
  )
  for (let k = 0; k < 5; k++) setU8(c.scores, row * 5 + k, scoreCounts[k]!)

  const n =
    facts.resolutions.length + facts.reopenings.length + 2 * facts.suspensions.length + nStatus + cited.length
  const at = reserve(a.pool, n)
  setU32(c.poolAt, row, at)
  let p = at
  for (const x of facts.resolutions) poolSet(a.pool, p++, x)
  for (const x of facts.reopenings) poolSet(a.pool, p++, x)
  for (const sp of facts.suspensions) {
    poolSet(a.pool, p++, sp.from)
    poolSet(a.pool, p++, orNaN(sp.to))
  }
  // A status change as one number: epoch ms × 8 + the status's code (exact below 2^50 ms).
  for (let k = 1; k < changes.length; k++) {
    const ch = changes[k]!
    poolSet(a.pool, p++, parseInstant(ch.at) * 8 + STATUS_CODE[ch.status])
  }
  for (const x of cited) poolSet(a.pool, p++, x)
  insertId(a.ids, key, row)
  a.count++
  return true
}

/**
 * Record a satisfaction answer on an archived ticket, in place (the quality
 * fold's only change for it: its scores). False when the count is full: the
 * caller restores the ticket and folds the event as usual.
 */
export const rateArchived = (a: TicketArchive, row: number, score: number): boolean => {
  if (!Number.isInteger(score) || score < 1 || score > 5) return false
  const i = row * 5 + score - 1
  const n = getU8(a.cols.scores, i)
  if (n >= MAX_LIST) return false
  setU8(a.cols.scores, i, n + 1)
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
  const pool = a.pool
  const opened = getF64(c.opened, row)
  const openedAt = toInstant(opened)
  let p = getU32(c.poolAt, row)
  let latest = opened
  const list = (n: number): number[] => {
    const out: number[] = []
    for (let k = 0; k < n; k++) {
      const x = poolGet(pool, p++)
      if (x > latest) latest = x
      out.push(x)
    }
    return out
  }
  const resolutions = list(getU8(c.nResolutions, row))
  const reopenings = list(getU8(c.nReopenings, row))
  const suspensions: Suspension[] = []
  for (let k = getU8(c.nSuspensions, row); k > 0; k--) {
    const from = poolGet(pool, p++)
    const to = orNull(poolGet(pool, p++))
    if (to !== null && to > latest) latest = to
    suspensions.push({ from, to })
  }
  const statusChanges: StatusChange[] = [{ at: openedAt, status: 'open' }]
  for (let k = getU8(c.nStatusChanges, row); k > 0; k--) {
    const v = poolGet(pool, p++)
    const code = v - Math.floor(v / 8) * 8
    const ms = (v - code) / 8
    if (ms > latest) latest = ms
    statusChanges.push({ at: toInstant(ms), status: TICKET_STATUSES[code]! })
  }
  const citedArticleIds: string[] = []
  for (let k = getU8(c.nCited, row); k > 0; k--) citedArticleIds.push(lookup(s.article, poolGet(pool, p++))!)

  const domain = lookup<SupportDomain>(s.domain, getU8(c.domain, row))
  const priority = lookup<Priority>(s.priority, getU8(c.priority, row))
  const kind = lookup<TicketKind>(s.kind, getU8(c.kind, row))
  const firstStop = orNull(getF64(c.firstStop, row))
  const firstEscalation = orNull(getF64(c.firstEscalation, row))
  for (const x of [firstStop, firstEscalation]) if (x !== null && x > latest) latest = x
  const siteId = lookup(s.site, getU16(c.site, row))!
  const workstationType = lookup(s.workstationType, getU16(c.workstationType, row))!
  const flags = getU8(c.flags, row)
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
  const scores: number[] = []
  for (let k = 0; k < 5; k++) for (let n = getU8(c.scores, row * 5 + k); n > 0; n--) scores.push(k + 1)
  const latestAt: IsoInstant = toInstant(latest)
  const quality: QualityTicket = {
    ticketId: key,
    requesterId: lookup(s.requester, getU32(c.requester, row))!,
    siteId,
    workstationType,
    deskId: lookup(s.desk, getU16(c.desk, row))!,
    channel: lookup<Channel>(s.channel, getU8(c.channel, row))!,
    openedAt,
    kind,
    domain,
    priority,
    ownerId: lookup(s.owner, getU32(c.owner, row)),
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
    majorIncidentId: lookup(s.incident, getU32(c.incident, row)),
    status: statusChanges[statusChanges.length - 1]!.status,
    suspended: (flags & FLAG_SUSPENDED) !== 0,
    awaitingExpert: (flags & FLAG_AWAITING_EXPERT) !== 0,
    statusChanges,
    lastEventAt: latestAt,
  }
  return { facts, quality }
}

/** The row of an archived ticket, or -1. */
export const archivedRow = (a: TicketArchive, key: string): number =>
  a.count === 0 ? -1 : findRow(a.ids, key)

/** Take a ticket out of the archive (its row is not reused). */
export const takeArchived = (a: TicketArchive, key: string): ArchivedTicket | undefined => {
  const row = archivedRow(a, key)
  if (row < 0) return undefined
  removeId(a.ids, key)
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
    const key = rowKey(a, row)
    visit(decodeRow(a, key, row))
  }
}

/** The ticket id of a row. */
const rowKey = (a: TicketArchive, row: number): string => {
  if (getU8(a.ids.length, row) > 0 || a.ids.others.size === 0) return idOf(a.ids, row)
  for (const [k, r] of a.ids.others) if (r === row) return k
  return idOf(a.ids, row)
}
