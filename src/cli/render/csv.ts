/**
 * CSV output for spreadsheets: comma separated, a header row, lines ending in
 * `\n`, fields quoted as RFC 4180 says when they hold a comma, a quote or a
 * line break; null is an empty field. Numbers are written as JSON writes them:
 * exact, not rounded (rates are fractions from 0 to 1).
 */
import type { TicketServiceLevels } from '../../projections/service-level-types.js'
import type { GroupQuality, Synthesis } from '../../projections/synthesis.js'

export type Cell = string | number | boolean | null | undefined

/** One field. */
export const csvCell = (v: Cell): string => {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const csvLine = (cells: readonly Cell[]): string => cells.map(csvCell).join(',')

// ---- sla -------------------------------------------------------------------------

export const SLA_CSV_HEADER = [
  'ticketId',
  'siteId',
  'workstationType',
  'domain',
  'priority',
  'openedAt',
  'response.status',
  'response.businessMinutes',
  'response.targetMinutes',
  'response.deadline',
  'response.stoppedAt',
  'escalation.status',
  'escalation.deadline',
  'escalation.escalatedAt',
  'resolution.status',
  'resolution.businessMinutes',
  'resolution.targetMinutes',
] as const

export const slaCsvCells = (l: TicketServiceLevels): Cell[] => [
  l.ticketId,
  l.siteId,
  l.workstationType,
  l.domain,
  l.priority,
  l.openedAt,
  l.response.status,
  l.response.businessMinutes,
  l.response.targetMinutes,
  l.response.deadline,
  l.response.stoppedAt,
  l.escalation.status,
  l.escalation.deadline,
  l.escalation.escalatedAt,
  l.resolution.status,
  l.resolution.businessMinutes,
  l.resolution.targetMinutes,
]

// ---- report ------------------------------------------------------------------------

export const GROUP_CSV_HEADER = [
  'grouping',
  'key',
  'tickets',
  'responseCompliance',
  'resolutionCompliance',
  'medianResponseMinutes',
  'medianResolutionMinutes',
  'escalationRate',
  'reopenRate',
  'firstContactResolutionRate',
  'satisfactionMean',
  'satisfactionResponses',
  'knowledgeReuseRate',
  'qualityLevel',
] as const

export const groupCsvCells = (grouping: string, key: string, g: GroupQuality): Cell[] => [
  grouping,
  key,
  g.tickets,
  g.responseCompliance,
  g.resolutionCompliance,
  g.medianResponseMinutes,
  g.medianResolutionMinutes,
  g.escalationRate,
  g.reopenRate,
  g.firstContactResolutionRate,
  g.satisfaction.mean,
  g.satisfaction.responses,
  g.knowledgeReuseRate,
  g.qualityLevel,
]

/** The groupings of a synthesis, in report order, with their JSON names. */
export const GROUPINGS = [
  ['byWorkstationType', 'workstation type'],
  ['bySite', 'site'],
  ['byDomain', 'domain'],
  ['byOwnerRole', 'owner role'],
  ['byLevel', 'level'],
] as const satisfies readonly (readonly [keyof Synthesis, string])[]

/**
 * The report as one table: a row for `overall` then one per group of each
 * grouping (`grouping` is the JSON name: byWorkstationType, bySite, …).
 * Volumes, backlog, knowledge and major incidents are in the json, table and
 * html formats.
 */
export const synthesisCsv = (s: Synthesis): string => {
  const lines = [csvLine(GROUP_CSV_HEADER), csvLine(groupCsvCells('overall', '', s.overall))]
  for (const [name] of GROUPINGS)
    for (const [key, g] of Object.entries(s[name])) lines.push(csvLine(groupCsvCells(name, key, g)))
  return `${lines.join('\n')}\n`
}
