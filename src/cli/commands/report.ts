/**
 * `soutien report`: the synthesis for management (domain.md §6) over a
 * period, as a table for a terminal, JSON, CSV for a spreadsheet, or one
 * self-contained HTML page with charts.
 */
import { mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { isLeft } from 'fp-ts/lib/Either.js'
import type { IsoInstant } from '../../domain/codec.js'
import {
  DEFAULT_QUALITY_THRESHOLDS,
  type QualityThresholds,
  type SupportPolicy,
} from '../../domain/events.js'
import type { NotJudged } from '../../projections/policy-history.js'
import { thresholdsInForce } from '../../projections/quality.js'
import { visitReportTickets } from '../../projections/report-fold.js'
import type { TicketServiceLevels } from '../../projections/service-level-types.js'
import {
  asOfInstant,
  byOpening,
  judgeIncidents,
  judgeTicket,
  type ServiceLevelReport,
  serviceLevelReport,
  type TicketFacts,
  unjudgedTicket,
} from '../../projections/service-levels.js'
import {
  renderSynthesisTable,
  type Synthesis,
  synthesisAccumulator,
  synthesize,
} from '../../projections/synthesis.js'
import { instantOpt, type OptionSpec, oneOf, type Parsed, parseArgs, stringOpt } from '../args.js'
import { dataError, EXIT_OK, usageError } from '../errors.js'
import { type CliCommand, type CliIO, writeOut } from '../io.js'
import { synthesisCsv } from '../render/csv.js'
import { renderReportHtml } from '../render/html.js'
import { seriesAccumulator, type WeeklySeries, weeklySeries } from '../render/series.js'
import { openHistory } from '../source.js'
import { type FoldedHistory, foldHistory, loadPolicyFile, serviceLevelOptions, writeText } from './sla.js'

export interface PeriodOptions {
  readonly from?: IsoInstant
  readonly to?: IsoInstant
  readonly asOf?: IsoInstant
}

/** `--from`, `--to`, `--as-of`, checked together (the period must not be empty). */
export const periodOptions = (command: string, p: Parsed): PeriodOptions => {
  const from = instantOpt(command, p, 'from')
  const to = instantOpt(command, p, 'to')
  const asOf = instantOpt(command, p, 'as-of')
  if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to))
    throw usageError(`${command}: --from (${from}) must be before --to (${to}): the period would be empty.`)
  return {
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(asOf === undefined ? {} : { asOf }),
  }
}

/** The options `report` and `what-if` share: where to read, the period, the policy, the format. */
export const REPORT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  store: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'as-of': { type: 'string' },
  policy: { type: 'string' },
  format: { type: 'string' },
}

export interface ComputedReport {
  readonly synthesis: Synthesis
  /**
   * The major incidents' clocks and what could not be judged. `tickets` is
   * empty when the fold was the report's compact one (every ticket is judged
   * one at a time into the synthesis, never listed): `soutien sla` lists them.
   */
  readonly serviceLevels: ServiceLevelReport
  readonly thresholds: QualityThresholds
  /** The weekly series of the HTML report, when asked for. */
  readonly series?: WeeklySeries
}

/**
 * The synthesis of a folded history. The quality thresholds are the given
 * policy's when one judges every clock (what-if), else those in force at the
 * end of the period, else domain.md §6's defaults (as `synthesize` chooses).
 * The period's as-of must be the fold's (or absent for both).
 */
export const computeReport = (
  folded: FoldedHistory,
  period: PeriodOptions,
  policy: SupportPolicy | undefined,
  options: { readonly series?: boolean } = {},
): ComputedReport => {
  const slOptions = serviceLevelOptions(period.asOf, policy)
  const asOf = period.asOf ?? folded.quality.lastEventAt
  const endMs = Math.min(
    period.to === undefined ? Number.POSITIVE_INFINITY : Date.parse(period.to),
    asOf === null ? Number.NEGATIVE_INFINITY : Date.parse(asOf),
  )
  const thresholds =
    policy?.qualityThresholds ?? thresholdsInForce(folded.quality, endMs) ?? DEFAULT_QUALITY_THRESHOLDS
  const synthesisOptions = { ...period, thresholds }
  const seriesOptions = { from: period.from, to: period.to, asOf }
  const fold = folded.report
  if (fold?.archive === undefined) {
    // Every ticket is in the two states: judge them all, then synthesise.
    const serviceLevels = serviceLevelReport(folded.serviceLevels, slOptions)
    const synthesis = synthesize(
      folded.quality,
      serviceLevels.tickets,
      serviceLevels.majorIncidents,
      synthesisOptions,
    )
    return {
      synthesis,
      serviceLevels,
      thresholds,
      ...(options.series === true
        ? { series: weeklySeries(serviceLevels.tickets, folded.quality, seriesOptions) }
        : {}),
    }
  }
  // The compact fold: each ticket, live or archived, judged and added in turn, none kept.
  const sl = folded.serviceLevels
  const asOfMs = asOfInstant(sl, slOptions)
  const acc = synthesisAccumulator(folded.quality, synthesisOptions)
  const series = options.series === true ? seriesAccumulator(seriesOptions) : undefined
  const unjudged: { readonly facts: TicketFacts; readonly why: NotJudged }[] = []
  visitReportTickets(fold, (q, facts) => {
    let levels: TicketServiceLevels | undefined
    if (facts !== undefined && asOfMs !== null && facts.opened <= asOfMs) {
      const j = judgeTicket(sl.org, facts, asOfMs, policy)
      if (isLeft(j)) unjudged.push({ facts, why: j.left })
      else levels = j.right.levels
    }
    acc.add(q, levels)
    if (series !== undefined) {
      series.addTicket(q)
      if (levels !== undefined) series.addLevels(levels)
    }
  })
  const incidents = judgeIncidents(sl, slOptions)
  const serviceLevels: ServiceLevelReport = {
    tickets: [],
    majorIncidents: incidents.majorIncidents,
    unjudged: [
      ...unjudged.sort((a, b) => byOpening(a.facts, b.facts)).map((u) => unjudgedTicket(u.facts, u.why)),
      ...incidents.unjudged,
    ],
  }
  return {
    synthesis: acc.finish(incidents.majorIncidents),
    serviceLevels,
    thresholds,
    ...(series === undefined ? {} : { series: series.finish() }),
  }
}

/** One summary line on stderr for the clocks that could not be judged (they still count as tickets). */
export const warnUnjudgedSummary = async (
  command: string,
  io: CliIO,
  r: Pick<ServiceLevelReport, 'unjudged'>,
): Promise<void> => {
  const first = r.unjudged[0]
  if (first === undefined) return
  const tickets = r.unjudged.filter((u) => u.subject === 'ticket').length
  const incidents = r.unjudged.length - tickets
  const what = [
    tickets > 0 ? `${tickets} ticket${tickets === 1 ? '' : 's'}` : '',
    incidents > 0 ? `${incidents} major incident${incidents === 1 ? '' : 's'}` : '',
  ]
    .filter((x) => x !== '')
    .join(' and ')
  await writeOut(
    io.stderr,
    `soutien ${command}: warning: the clocks of ${what} cannot be judged and are left out of compliance and medians (they still count as tickets); the first: ${first.message}. 'soutien sla' lists them one by one.\n`,
  )
}

/** Write to `--out` (complete or not at all: a temporary file renamed) or to standard output. */
export const emit = async (io: CliIO, out: string | undefined, text: string, what: string): Promise<void> => {
  if (out === undefined) {
    await writeText(io, text)
    return
  }
  let existing: ReturnType<typeof statSync> | undefined
  try {
    existing = statSync(out)
  } catch {
    existing = undefined
  }
  if (existing?.isDirectory() === true)
    throw dataError(`cannot write ${out}: it is a directory. Give a file name.`)
  let dir: string
  try {
    dir = mkdtempSync(join(dirname(out), '.soutien-'))
  } catch (err) {
    throw dataError(`cannot write ${out}: ${(err as Error).message}`)
  }
  try {
    const tmp = join(dir, 'out')
    writeFileSync(tmp, text)
    renameSync(tmp, out)
  } catch (err) {
    throw dataError(`cannot write ${out}: ${(err as Error).message}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  await writeText(io, `${what} written to ${out}\n`)
}

const help = `soutien report — the synthesis for management (domain.md §6)

Usage: soutien report <history.ndjson|-> [--store S] [--from ISO] [--to ISO] [--as-of ISO]
                      [--policy policy.json] [--format table|json|csv|html] [--out file]

Over the tickets opened in [--from, --to): quality per workstation type, site,
domain, owner role and level (tickets, response and resolution compliance,
median business minutes, escalation, reopening and first-contact rates,
satisfaction, knowledge reuse, quality level), volumes by kind and channel, the
backlog at the end of the period, the knowledge base and the major incidents
against their 24-hour commitment. Every definition: docs/reports.md.

Options:
  --from ISO      first instant of the period (inclusive; default: the beginning)
  --to ISO        end of the period (exclusive; default: the as-of instant)
  --as-of ISO     figures as they stood then (later events ignored);
                  default: the latest event of the history
  --policy FILE   judge every clock, and the quality levels, by this policy
                  instead of those in force (see also 'soutien what-if')
  --format F      table (default), json, csv (one row per group), or html
                  (one self-contained page with charts)
  --out FILE      write there instead of standard output
  --store S       read a store instead of a file (SQLite path or esdb:// URL)

Examples:
  soutien report month.ndjson
  soutien report month.ndjson --from 2026-03-01 --to 2026-04-01 --format html --out march.html
  soutien report month.ndjson --format json | jq .byWorkstationType
`

const run = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('report', args, { ...REPORT_OPTIONS, out: { type: 'string', short: 'o' } })
  const [file, extra] = p.positionals
  if (extra !== undefined)
    throw usageError(`report: unexpected argument "${extra}". Try 'soutien report --help'.`)
  const period = periodOptions('report', p)
  const format = oneOf('report', p, 'format', ['table', 'json', 'csv', 'html'] as const, 'table')
  const out = stringOpt(p, 'out')
  const policyFile = stringOpt(p, 'policy')
  const source = await openHistory('report', file, stringOpt(p, 'store'), io)
  const policy = policyFile === undefined ? undefined : loadPolicyFile(policyFile)
  const folded = await foldHistory(source, io, {
    ...(period.asOf === undefined ? {} : { asOf: period.asOf }),
    withQuality: true,
    label: 'reading',
  })
  const report = computeReport(folded, period, policy, { series: format === 'html' })
  await warnUnjudgedSummary('report', io, report.serviceLevels)
  const s = report.synthesis
  const note =
    policyFile === undefined ? undefined : `every clock judged by the policy in ${policyFile} (what-if)`
  let text: string
  switch (format) {
    case 'json': {
      // Which policy judged every clock, so that a saved report says so: null for those in force.
      const { period: reported, asOf, ...rest } = s
      const judgedBy =
        policyFile === undefined || policy === undefined ? null : { file: policyFile, value: policy }
      text = `${JSON.stringify({ period: reported, asOf, policy: judgedBy, ...rest }, null, 2)}\n`
      break
    }
    case 'csv':
      text = synthesisCsv(s)
      break
    case 'html':
      text = renderReportHtml({
        synthesis: s,
        series: report.series!,
        thresholds: report.thresholds,
        source: source.label,
        ...(note === undefined ? {} : { policyNote: note }),
        workstationTypeLabels: { ...folded.quality.workstationTypeLabels },
      })
      break
    default:
      text = note === undefined ? renderSynthesisTable(s) : `${renderSynthesisTable(s)}\n(${note})\n`
  }
  await emit(io, out, text, 'report')
  return EXIT_OK
}

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'the synthesis for management: quality per workstation type, site, domain…',
  help,
  run,
}
