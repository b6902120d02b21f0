/**
 * The fold behind `soutien report` (and `what-if`): the service-level and
 * quality projections side by side, with memory that grows with the tickets
 * in motion, not with the length of the history.
 *
 * Both projections keep a record per ticket ever opened. Here, every few
 * thousand events, the tickets whose stream has been quiet for a day of
 * history time are moved out of the two live maps into a compact archive
 * (src/projections/ticket-archive.ts, ~70 bytes a ticket, its id kept once in
 * the index of stream names it shares with the reader). When an event of
 * an archived ticket arrives, a satisfaction answer is counted in place; any
 * other event (a reopening, or whatever a history holds) brings the ticket
 * back into the live maps first, and is then folded as usual. At the end,
 * `visitReportTickets` hands every ticket, live or archived, to the report one
 * at a time, as the two projections would have held it.
 *
 * When a ticket is archived does not change any result (a row keeps what the
 * report and the folds read), only how much memory the fold holds. One case is
 * not archived at all: a history whose `TicketOpened` names another ticket than
 * its stream (the two projections key tickets differently then); from the first
 * such event the fold brings every ticket back and keeps them all live.
 */
import { emptyIdIndex, type IdIndex, rowFor } from '../domain/compact.js'
import type { RecordedEvent } from '../domain/envelope.js'
import { getOwn, parseInstant, setOwn } from './policy-history.js'
import {
  applyQualityInPlaceKeyed,
  initialQualityState,
  type QualityState,
  type QualityTicket,
} from './quality.js'
import {
  applyServiceLevelEventAt,
  initialServiceLevelState,
  type ServiceLevelState,
  type TicketFacts,
} from './service-levels.js'
import {
  archiveTicket,
  emptyTicketArchive,
  isArchived,
  rateArchived,
  type TicketArchive,
  takeArchived,
  visitArchived,
} from './ticket-archive.js'

export interface ReportFold {
  /** Organisation, major incidents, and the live tickets only. */
  readonly serviceLevels: ServiceLevelState
  /** Knowledge, agents, thresholds, and the live tickets only. */
  readonly quality: QualityState
  /** undefined once archiving was given up (see the module comment). */
  archive: TicketArchive | undefined
  /**
   * While archiving: each live ticket's two records (clocks and quality), by
   * stream id, so that an event finds both with one lookup instead of a map's
   * and a string-keyed record's. Mirrors the two live states: filled once a
   * ticket has both records, emptied when it is archived.
   */
  readonly live: Map<string, LiveTicket>
  sinceSweep: number
  readonly tuning: ReportFoldTuning
}

interface LiveTicket {
  readonly facts: TicketFacts
  readonly quality: QualityTicket
  /** Its stream's row in the archive's index of streams (where it is archived). */
  readonly row: number
}

/** When tickets are archived: only memory depends on it, never a result (tests archive eagerly). */
export interface ReportFoldTuning {
  /** How often the live tickets are looked over, in events (default 4096). */
  readonly sweepEvery: number
  /** A ticket whose stream has had no event for this long, in ms of history time, is archived (default a day). */
  readonly quietMs: number
}

const DEFAULT_TUNING: ReportFoldTuning = { sweepEvery: 4096, quietMs: 86_400_000 }

/**
 * `streams`: the index of stream names the reader's sequence check fills
 * (`readHistoryBatchesSharing`), so that the archive keeps its tickets by the
 * reader's rows instead of a second index of the same ids; by default its
 * own, filled as tickets come.
 */
export const initialReportFold = (
  tuning: Partial<ReportFoldTuning> = {},
  streams: IdIndex = emptyIdIndex(),
): ReportFold => ({
  serviceLevels: initialServiceLevelState(),
  quality: initialQualityState(),
  archive: emptyTicketArchive(streams),
  live: new Map(),
  sinceSweep: 0,
  tuning: { ...DEFAULT_TUNING, ...tuning },
})

type LiveTickets = Map<string, TicketFacts>

const bringBack = (f: ReportFold, a: TicketArchive, key: string, row: number): void => {
  const t = takeArchived(a, row)
  if (t === undefined) return
  ;(f.serviceLevels.tickets as LiveTickets).set(key, t.facts)
  setOwn(f.quality.tickets as Record<string, QualityTicket>, key, t.quality)
}

const giveUpArchiving = (f: ReportFold, a: TicketArchive): void => {
  const keys: string[] = []
  const rows: number[] = []
  visitArchived(a, (t, row) => {
    keys.push(t.facts.ticketId)
    rows.push(row)
  })
  for (let i = 0; i < keys.length; i++) bringBack(f, a, keys[i]!, rows[i]!)
  f.archive = undefined
  f.live.clear()
}

const sweep = (f: ReportFold, a: TicketArchive): void => {
  const lastAt = f.serviceLevels.lastAt
  if (lastAt === null) return
  const cutoff = lastAt - f.tuning.quietMs
  const live = f.serviceLevels.tickets as LiveTickets
  const quality = f.quality.tickets as Record<string, QualityTicket>
  for (const [key, facts] of live) {
    if (facts.lastAt >= cutoff || facts.ticketId !== key) continue
    // A ticket with both records has its pair (looking it up in `quality`, a string-keyed record, costs more).
    const pair = f.live.get(key)
    if (pair === undefined || !archiveTicket(a, pair.row, facts, pair.quality)) continue
    live.delete(key)
    delete quality[key]
    f.live.delete(key)
  }
}

/** What the two projections do for any event besides a ticket's record: the latest instants. */
const noteInstant = (f: ReportFold, e: RecordedEvent): void => {
  const sl = f.serviceLevels as { lastAt: number | null }
  const at = parseInstant(e.at)
  if (sl.lastAt === null || at > sl.lastAt) sl.lastAt = at
  const q = f.quality as { lastEventAt: string | null }
  if (q.lastEventAt === null || e.at > q.lastEventAt) q.lastEventAt = e.at
}

/** Fold one event (the fold is updated in place). */
export const applyReportEvent = (f: ReportFold, e: RecordedEvent): void => {
  // A ticket's id, cut from its stream once for the archive and both folds (each cut is a new string to hash).
  const key =
    e.stream.charCodeAt(0) === 116 /* t */ && e.stream.startsWith('ticket-') ? e.stream.slice(7) : undefined
  const a = f.archive
  if (a !== undefined && key !== undefined && e.type !== 'TicketOpened') {
    // Records of a ticket in motion, still held and still the states' own: both folds update them in place.
    const pair = f.live.get(key)
    if (pair !== undefined) {
      applyServiceLevelEventAt(f.serviceLevels, e, parseInstant(e.at), key, pair.facts)
      applyQualityInPlaceKeyed(f.quality, e, key, pair.quality)
      afterEvent(f)
      return
    }
  }
  // The ticket's live clocks' record, looked up once here for the service-level fold too (undefined: not looked up).
  let found: TicketFacts | null | undefined
  // Its stream's row, once looked up (-1: not yet).
  let row = -1
  if (a !== undefined && key !== undefined) {
    if (e.type === 'TicketOpened' && e.data.ticketId !== key) giveUpArchiving(f, a)
    else if (a.count > 0) {
      found = f.serviceLevels.tickets.get(key) ?? null
      if (found === null) {
        row = rowFor(a.streams, e.stream)
        if (isArchived(a, row)) {
          if (e.type === 'SatisfactionRecorded' && rateArchived(a, row, e.data.score)) {
            noteInstant(f, e)
            return
          }
          bringBack(f, a, key, row)
          found = undefined
        }
      }
    }
  }
  applyServiceLevelEventAt(f.serviceLevels, e, parseInstant(e.at), key, found)
  applyQualityInPlaceKeyed(f.quality, e, key)
  const archive = f.archive
  if (archive !== undefined && key !== undefined) {
    const facts = f.serviceLevels.tickets.get(key)
    const quality = facts === undefined ? undefined : getOwn(f.quality.tickets, key)
    if (facts !== undefined && quality !== undefined)
      f.live.set(key, { facts, quality, row: row >= 0 ? row : rowFor(archive.streams, e.stream) })
  }
  afterEvent(f)
}

const afterEvent = (f: ReportFold): void => {
  if (f.archive !== undefined && ++f.sinceSweep >= f.tuning.sweepEvery) {
    f.sinceSweep = 0
    sweep(f, f.archive)
  }
}

/** Fold a whole history (for tests and small files). */
export const foldReport = (
  events: Iterable<RecordedEvent>,
  tuning: Partial<ReportFoldTuning> = {},
): ReportFold => {
  const f = initialReportFold(tuning)
  for (const e of events) applyReportEvent(f, e)
  return f
}

/**
 * Every ticket of the quality fold, live then archived, with its clocks'
 * facts (undefined when the service-level fold has none for it). Archived
 * tickets are decoded one at a time and not retained. Only for a fold still
 * archiving (`archive` defined): otherwise pair the two states as
 * `synthesize` does.
 */
export const visitReportTickets = (
  f: ReportFold,
  visit: (quality: QualityTicket, facts: TicketFacts | undefined) => void,
): void => {
  const live = f.serviceLevels.tickets
  // While archiving, every ticket's id is its stream's (see applyReportEvent).
  for (const q of Object.values(f.quality.tickets)) visit(q, live.get(q.ticketId))
  const a = f.archive
  if (a === undefined) return
  visitArchived(a, (t) => visit(t.quality, t.facts))
}

/** How many tickets are archived, and live (for measurements). */
export const reportFoldSize = (f: ReportFold): { readonly archived: number; readonly live: number } => ({
  archived: f.archive?.count ?? 0,
  live: f.serviceLevels.tickets.size,
})
