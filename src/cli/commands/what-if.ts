/**
 * `soutien what-if`: the report under another policy, side by side with the
 * actual one ("how would last quarter look with a 2-hour response target?").
 * The history is not changed: the same events are judged twice, once by the
 * policies in force when each ticket was opened, once by the given policy.
 */
import type { IsoInstant } from '../../domain/codec.js'
import type { SupportPolicy } from '../../domain/events.js'
import type { ClockStatus } from '../../projections/service-level-types.js'
import type { GroupQuality, QualityLevel, Synthesis } from '../../projections/synthesis.js'
import { policyLine } from '../../projections/timeline.js'
import { oneOf, parseArgs, stringOpt } from '../args.js'
import { EXIT_OK, usageError } from '../errors.js'
import { loadPolicyFile } from '../input-files.js'
import type { CliCommand, CliIO } from '../io.js'
import { GROUPINGS } from '../render/csv.js'
import { hoursMinutes, percent, points, renderTable } from '../render/table.js'
import { openHistory } from '../source.js'
import { computeReport, periodOptions, REPORT_OPTIONS, warnUnjudgedSummary } from './report.js'
import { foldHistory, writeText } from './sla.js'

export interface RateDelta {
  readonly actual: number | null
  readonly whatIf: number | null
  /** whatIf − actual; null when either is. */
  readonly delta: number | null
}

export type LevelChange = 'better' | 'worse' | 'same'

export interface GroupComparison {
  readonly tickets: number
  readonly responseCompliance: RateDelta
  readonly resolutionCompliance: RateDelta
  readonly qualityLevel: {
    readonly actual: QualityLevel | null
    readonly whatIf: QualityLevel | null
    /** null when one side has nothing to judge. */
    readonly change: LevelChange | null
  }
}

type Groupings = 'byWorkstationType' | 'bySite' | 'byDomain' | 'byOwnerRole' | 'byLevel'

export interface WhatIfComparison {
  readonly overall: GroupComparison
  readonly groups: { readonly [K in Groupings]: Readonly<Record<string, GroupComparison>> }
  readonly majorIncidents: readonly {
    readonly incidentId: string
    readonly actual: ClockStatus
    readonly whatIf: ClockStatus
    readonly bulletinTargetMinutes: { readonly actual: number; readonly whatIf: number }
  }[]
}

export interface WhatIf {
  readonly period: Synthesis['period']
  readonly asOf: IsoInstant | null
  readonly policy: { readonly file: string; readonly value: SupportPolicy }
  readonly comparison: WhatIfComparison
  readonly actual: Synthesis
  readonly whatIf: Synthesis
}

const RANK: Readonly<Record<QualityLevel, number>> = { poor: 0, fair: 1, good: 2, excellent: 3 }

const rate = (actual: number | null, whatIf: number | null): RateDelta => ({
  actual,
  whatIf,
  delta: actual === null || whatIf === null ? null : whatIf - actual,
})

const compareGroup = (a: GroupQuality, w: GroupQuality): GroupComparison => ({
  tickets: a.tickets,
  responseCompliance: rate(a.responseCompliance, w.responseCompliance),
  resolutionCompliance: rate(a.resolutionCompliance, w.resolutionCompliance),
  qualityLevel: {
    actual: a.qualityLevel,
    whatIf: w.qualityLevel,
    change:
      a.qualityLevel === null || w.qualityLevel === null
        ? a.qualityLevel === w.qualityLevel
          ? 'same'
          : null
        : RANK[w.qualityLevel] > RANK[a.qualityLevel]
          ? 'better'
          : RANK[w.qualityLevel] < RANK[a.qualityLevel]
            ? 'worse'
            : 'same',
  },
})

/** Compare two syntheses of the same tickets (group keys are the same: only clocks and levels differ). */
export const compareSyntheses = (actual: Synthesis, whatIf: Synthesis): WhatIfComparison => {
  const groups = Object.fromEntries(
    GROUPINGS.map(([name]) => [
      name,
      Object.fromEntries(
        Object.entries(actual[name]).map(([k, g]) => {
          const w = whatIf[name][k]
          return [k, compareGroup(g, w ?? g)]
        }),
      ),
    ]),
  ) as WhatIfComparison['groups']
  const wi = new Map(whatIf.majorIncidents.map((m) => [m.incidentId, m]))
  return {
    overall: compareGroup(actual.overall, whatIf.overall),
    groups,
    majorIncidents: actual.majorIncidents.map((m) => {
      const w = wi.get(m.incidentId) ?? m
      return {
        incidentId: m.incidentId,
        actual: m.status,
        whatIf: w.status,
        bulletinTargetMinutes: { actual: m.bulletinTargetMinutes, whatIf: w.bulletinTargetMinutes },
      }
    }),
  }
}

const arrow = (c: GroupComparison['qualityLevel']): string => {
  const a = c.actual ?? '—'
  const w = c.whatIf ?? '—'
  if (c.change === 'same') return a
  return `${a} → ${w}${c.change === 'better' ? ' ▲' : c.change === 'worse' ? ' ▼' : ''}`
}

const HEADERS = [
  '',
  'Tickets',
  'Response',
  'What-if',
  'Δ',
  'Resolution',
  'What-if',
  'Δ',
  'Quality (actual → what-if)',
]
const RIGHT = [false, true, true, true, true, true, true, true, false]

const row = (name: string, c: GroupComparison): string[] => [
  name,
  String(c.tickets),
  percent(c.responseCompliance.actual),
  percent(c.responseCompliance.whatIf),
  points(c.responseCompliance.delta),
  percent(c.resolutionCompliance.actual),
  percent(c.resolutionCompliance.whatIf),
  points(c.resolutionCompliance.delta),
  arrow(c.qualityLevel),
]

/** The comparison as text for a terminal. */
export const renderWhatIfTable = (w: WhatIf): string => {
  const out: string[] = []
  out.push(`What if every ticket had been judged by ${w.policy.file}?`)
  out.push(`  ${policyLine(w.policy.value)}`)
  out.push(
    `Tickets opened from ${w.period.from ?? 'the beginning'} ${w.period.to === null ? 'up to the as-of instant' : `to ${w.period.to} (end excluded)`}, as of ${w.asOf ?? '—'}.`,
  )
  out.push(
    'Actual: each ticket judged by the policy in force when it was opened. Δ: what-if minus actual, in percentage points.',
  )
  const c = w.comparison
  out.push('', 'Overall', renderTable(HEADERS, [row('all', c.overall)], RIGHT))
  for (const [name, title] of GROUPINGS) {
    const entries = Object.entries(c.groups[name])
    out.push(
      '',
      `By ${title}`,
      renderTable(
        HEADERS,
        entries.map(([k, g]) => row(k, g)),
        RIGHT,
      ),
    )
  }
  out.push('', 'Major incidents (bulletin commitment)')
  if (c.majorIncidents.length === 0) out.push('  (none declared in the period)')
  else
    out.push(
      renderTable(
        ['Incident', 'Target', 'Status', 'What-if target', 'What-if status'],
        c.majorIncidents.map((m) => [
          m.incidentId,
          hoursMinutes(m.bulletinTargetMinutes.actual),
          m.actual,
          hoursMinutes(m.bulletinTargetMinutes.whatIf),
          m.whatIf,
        ]),
      ),
    )
  return `${out.join('\n')}\n`
}

const help = `soutien what-if — the report under another policy, side by side with the actual one

Usage: soutien what-if <history.ndjson|-> --policy policy.json [--store S] [--from ISO] [--to ISO]
                       [--as-of ISO] [--format table|json]

Judges the same tickets twice: as they were (each by the policy in force when
it was opened) and by the given policy (its targets, escalation delays and
quality thresholds), then shows, per workstation type, site, domain, owner
role and level, response and resolution compliance side by side with the
difference in percentage points, and how the quality level would change.
The history is not modified.

Options:
  --policy FILE   the policy to try (required): a JSON SupportPolicySet (docs/cli.md)
  --from, --to    the period of opening, [from, to) (as for 'soutien report')
  --as-of ISO     figures as they stood then; default: the latest event
  --format F      table (default) or json ({ period, asOf, policy, comparison,
                  actual, whatIf }, the last two as 'soutien report --format json')
  --store S       read a store instead of a file (SQLite path or esdb:// URL)

Example:
  soutien what-if month.ndjson --policy two-hour-response.json
`

const run = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('what-if', args, REPORT_OPTIONS)
  const [file, extra] = p.positionals
  if (extra !== undefined)
    throw usageError(`what-if: unexpected argument "${extra}". Try 'soutien what-if --help'.`)
  const policyFile = stringOpt(p, 'policy')
  if (policyFile === undefined)
    throw usageError(
      "what-if: --policy is required: the policy to try (a JSON file). Try 'soutien what-if --help'.",
    )
  const period = periodOptions('what-if', p)
  const format = oneOf('what-if', p, 'format', ['table', 'json'] as const, 'table')
  const source = await openHistory('what-if', file, stringOpt(p, 'store'), io)
  const policy = loadPolicyFile(policyFile)
  const folded = await foldHistory(source, io, {
    ...(period.asOf === undefined ? {} : { asOf: period.asOf }),
    withQuality: true,
    label: 'reading',
  })
  const actual = computeReport(folded, period, undefined)
  const whatIf = computeReport(folded, period, policy)
  await warnUnjudgedSummary('what-if', io, actual.serviceLevels)
  const result: WhatIf = {
    period: actual.synthesis.period,
    asOf: actual.synthesis.asOf,
    policy: { file: policyFile, value: policy },
    comparison: compareSyntheses(actual.synthesis, whatIf.synthesis),
    actual: actual.synthesis,
    whatIf: whatIf.synthesis,
  }
  await writeText(io, format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderWhatIfTable(result))
  return EXIT_OK
}

export const whatIfCommand: CliCommand = {
  name: 'what-if',
  summary: 'the report under another policy, side by side with the actual one',
  help,
  run,
}
