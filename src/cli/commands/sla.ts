/**
 * `soutien sla`: every ticket's service-level clocks (domain.md §5), one JSON
 * object per ticket per line. Also home of what the analysis commands (sla,
 * report, what-if, trace) share: reading a `--policy` file and folding a
 * history as of an instant.
 */
import { type IsoInstant, instantMs } from '../../domain/codec.js'
import { emptyIdIndex } from '../../domain/compact.js'
import type { SupportPolicy } from '../../domain/events.js'
import { initialQualityState, type QualityState } from '../../projections/quality.js'
import { applyReportEvent, initialReportFold, type ReportFold } from '../../projections/report-fold.js'
import type { TicketServiceLevels } from '../../projections/service-level-types.js'
import {
  applyServiceLevelEvent,
  initialServiceLevelState,
  type ServiceLevelOptions,
  type ServiceLevelState,
  serviceLevelReport,
  type UnjudgedServiceLevel,
} from '../../projections/service-levels.js'
import { instantOpt, oneOf, parseArgs, stringOpt } from '../args.js'
import { EXIT_OK, usageError } from '../errors.js'
import { loadPolicyFile } from '../input-files.js'
import { type CliCommand, type CliIO, writeOut } from '../io.js'
import { createProgress } from '../progress.js'
import { csvLine, SLA_CSV_HEADER, slaCsvCells } from '../render/csv.js'
import { renderSlaTable } from '../render/table.js'
import { type HistorySource, openHistory } from '../source.js'

// ---- --policy files ------------------------------------------------------------

// The loader lives in ../input-files.ts (one loader for every JSON file named on the
// command line); re-exported so that report, trace and the tests keep importing it from here.
export { loadPolicyFile, parsePolicy, readJsonFile } from '../input-files.js'

// ---- folding a history ---------------------------------------------------------

export interface FoldedHistory {
  /**
   * With `withQuality`, only the tickets the fold still holds live: the others
   * are in `retired` (the report's compact fold, src/projections/report-fold.ts).
   */
  readonly serviceLevels: ServiceLevelState
  /** Only when asked for (`withQuality`); live tickets only, as `serviceLevels`. */
  readonly quality: QualityState
  readonly events: number
  /**
   * With `withQuality`: the report's fold, whose tickets are split between the
   * two states above and an archive; read them with `visitReportTickets`.
   */
  readonly report?: ReportFold
}

/**
 * Fold a history into the service-level state (and the quality state when
 * asked), as of `asOf`: events after it do not count (time travel), exactly as
 * `computeSynthesis` does. Streams: memory grows with tickets, not events;
 * with `withQuality` (the report's fold), with the tickets in motion only.
 */
export const foldHistory = async (
  source: HistorySource,
  io: CliIO,
  options: { readonly asOf?: IsoInstant; readonly withQuality: boolean; readonly label: string },
): Promise<FoldedHistory> => {
  let sl = initialServiceLevelState()
  // The reader's index of stream names, shared with the report's archive (ticket ids kept once).
  const streams = options.withQuality ? emptyIdIndex() : undefined
  const report = streams === undefined ? undefined : initialReportFold({}, streams)
  const limit = options.asOf === undefined ? undefined : instantMs(options.asOf)
  const progress = createProgress(options.label, io.stderr)
  let events = 0
  try {
    // One array per chunk, folded in a plain loop: no await per event.
    for await (const batch of source.batches(streams))
      for (const e of batch) {
        events++
        if ((events & 1023) === 0) progress.tick(events)
        if (limit !== undefined && instantMs(e.at) > limit) continue
        if (report !== undefined) applyReportEvent(report, e)
        else sl = applyServiceLevelEvent(sl, e)
      }
  } finally {
    progress.done()
    await source.dispose()
  }
  return report === undefined
    ? { serviceLevels: sl, quality: initialQualityState(), events }
    : { serviceLevels: report.serviceLevels, quality: report.quality, events, report }
}

/** The service-level options of a command: `--as-of` (default: the latest `at` folded) and `--policy`. */
export const serviceLevelOptions = (
  asOf: IsoInstant | undefined,
  policyOverride: SupportPolicy | undefined,
): ServiceLevelOptions => ({
  ...(asOf === undefined ? {} : { asOf }),
  ...(policyOverride === undefined ? {} : { policyOverride }),
})

/** One warning line per ticket or major incident whose clocks cannot be computed. */
export const warnUnjudged = async (
  command: string,
  io: CliIO,
  unjudged: readonly UnjudgedServiceLevel[],
): Promise<void> => {
  if (unjudged.length === 0) return
  await writeOut(
    io.stderr,
    unjudged
      .map((u) => `soutien ${command}: warning: ${u.message}; left out of the service levels\n`)
      .join(''),
  )
}

// ---- output --------------------------------------------------------------------

/**
 * The object `soutien sla` prints for a ticket, with its keys in the order of
 * domain.md and the issue (built explicitly so the order never depends on how
 * the projection happens to build its objects).
 */
export const slaRecord = (l: TicketServiceLevels): TicketServiceLevels => ({
  ticketId: l.ticketId,
  siteId: l.siteId,
  workstationType: l.workstationType,
  domain: l.domain,
  priority: l.priority,
  openedAt: l.openedAt,
  response: {
    status: l.response.status,
    businessMinutes: l.response.businessMinutes,
    targetMinutes: l.response.targetMinutes,
    deadline: l.response.deadline,
    stoppedAt: l.response.stoppedAt,
  },
  escalation: {
    status: l.escalation.status,
    deadline: l.escalation.deadline,
    escalatedAt: l.escalation.escalatedAt,
  },
  resolution: {
    status: l.resolution.status,
    businessMinutes: l.resolution.businessMinutes,
    targetMinutes: l.resolution.targetMinutes,
  },
})

const CHUNK = 64 * 1024

const isClosedPipe = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'EPIPE'

/**
 * Write output with back-pressure, in chunks. A reader that goes away
 * (`soutien sla h.ndjson | head`) is not a failure: writing stops quietly.
 */
export const writeChunks = async (io: CliIO, pieces: Iterable<string>): Promise<void> => {
  let closed = false
  const onError = (err: unknown) => {
    if (isClosedPipe(err)) closed = true
  }
  io.stdout.on('error', onError)
  let buffer = ''
  const flush = async () => {
    if (!closed && buffer.length > 0)
      try {
        await writeOut(io.stdout, buffer)
      } catch (err) {
        if (!isClosedPipe(err)) throw err
        closed = true
      }
    buffer = ''
  }
  try {
    for (const piece of pieces) {
      if (closed) return
      buffer += piece
      if (buffer.length >= CHUNK) await flush()
    }
    await flush()
  } finally {
    // Once the reader is gone, later write errors of the same stream are expected: keep ignoring them.
    if (!closed) io.stdout.off('error', onError)
  }
}

/** One line per item. */
export const writeLines = (io: CliIO, lines: Iterable<string>): Promise<void> =>
  writeChunks(
    io,
    (function* () {
      for (const l of lines) yield `${l}\n`
    })(),
  )

/** A text already made, written in chunks. */
export const writeText = (io: CliIO, text: string): Promise<void> =>
  writeChunks(
    io,
    (function* () {
      for (let i = 0; i < text.length; i += CHUNK) yield text.slice(i, i + CHUNK)
    })(),
  )

const help = `soutien sla — the service-level clocks of every ticket (domain.md §5)

Usage: soutien sla <history.ndjson|-> [--store S] [--as-of ISO] [--policy policy.json] [--format json|csv|table]

For each ticket opened by the as-of instant, in order of opening: response (the
4-business-hour commitment), escalation delay and resolution, each with its
status, business minutes (null while the clock runs), target and deadline, as
judged by the policy and support hours in force when the ticket was opened.

Options:
  --as-of ISO     compute as of this instant (events after it are ignored);
                  default: the latest event of the history
  --policy FILE   judge every ticket by this policy instead (what-if); a JSON
                  SupportPolicySet (see docs/cli.md)
  --format F      json (default): one JSON object per ticket per line;
                  csv: one row per ticket with a header; table: aligned columns
  --store S       read a store instead of a file (SQLite path or esdb:// URL)

A ticket that cannot be judged (no policy, site or support hours in force when
it was opened) is left out, with one warning line on stderr.

Examples:
  soutien sla month.ndjson --as-of 2026-03-12T17:00:00Z
  soutien sla month.ndjson --policy two-hours.json --format csv > sla.csv
  soutien sla month.ndjson | jq 'select(.response.status == "breached")'
`

const run = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('sla', args, {
    store: { type: 'string' },
    'as-of': { type: 'string' },
    policy: { type: 'string' },
    format: { type: 'string' },
  })
  const [file, extra] = p.positionals
  if (extra !== undefined) throw usageError(`sla: unexpected argument "${extra}". Try 'soutien sla --help'.`)
  const asOf = instantOpt('sla', p, 'as-of')
  const format = oneOf('sla', p, 'format', ['json', 'csv', 'table'] as const, 'json')
  const policyFile = stringOpt(p, 'policy')
  const source = await openHistory('sla', file, stringOpt(p, 'store'), io)
  const policy = policyFile === undefined ? undefined : loadPolicyFile(policyFile)
  const folded = await foldHistory(source, io, {
    ...(asOf === undefined ? {} : { asOf }),
    withQuality: false,
    label: 'reading',
  })
  const report = serviceLevelReport(folded.serviceLevels, serviceLevelOptions(asOf, policy))
  await warnUnjudged(
    'sla',
    io,
    report.unjudged.filter((u) => u.subject === 'ticket'),
  )
  const records = report.tickets.map(slaRecord)
  if (format === 'json')
    await writeLines(
      io,
      records.map((r) => JSON.stringify(r)),
    )
  else if (format === 'csv')
    await writeLines(io, [csvLine(SLA_CSV_HEADER), ...records.map((r) => csvLine(slaCsvCells(r)))])
  else await writeText(io, renderSlaTable(records))
  return EXIT_OK
}

export const slaCommand: CliCommand = {
  name: 'sla',
  summary: "every ticket's service-level clocks (response, escalation, resolution)",
  help,
  run,
}
