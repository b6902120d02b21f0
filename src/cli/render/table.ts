/**
 * Plain-text tables for a terminal: the same alignment rules as the synthesis
 * table (`renderTable`: text left, numbers right), rates as percentages with
 * one decimal, business durations as h:mm, `—` for nothing.
 */
import type { TicketServiceLevels } from '../../projections/service-level-types.js'
import { hoursMinutes, renderTable } from '../../projections/synthesis.js'

export { hoursMinutes, renderTable }

export const percent = (r: number | null): string => (r === null ? '—' : `${(r * 100).toFixed(1)}%`)

/** A difference of two rates in percentage points, signed: `+2.5 pt`, `−1.0 pt`, `0.0 pt`. */
export const points = (d: number | null): string => {
  if (d === null) return '—'
  const v = Math.round(d * 1000) / 10
  return v > 0 ? `+${v.toFixed(1)} pt` : v < 0 ? `−${Math.abs(v).toFixed(1)} pt` : '0.0 pt'
}

/** `2026-03-02 09:15Z`: instants in a table, to the minute, in UTC. */
export const shortInstant = (iso: string | null): string =>
  iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`

const clock = (status: string, minutes: number | null, target: number | null): string =>
  `${status}${minutes === null ? '' : ` ${hoursMinutes(minutes)}`}${target === null ? '' : ` / ${hoursMinutes(target)}`}`

/** `soutien sla --format table`: one row per ticket. */
export const renderSlaTable = (rows: readonly TicketServiceLevels[]): string => {
  if (rows.length === 0) return 'No ticket opened as of this instant.\n'
  const table = renderTable(
    [
      'Ticket',
      'Site',
      'Workstation',
      'Domain',
      'Prio',
      'Opened (UTC)',
      'Response (h:mm / target)',
      'Response deadline',
      'Escalation',
      'Escalation deadline',
      'Resolution (h:mm / target)',
    ],
    rows.map((r) => [
      r.ticketId,
      r.siteId,
      r.workstationType,
      r.domain ?? '—',
      r.priority ?? '—',
      shortInstant(r.openedAt),
      clock(r.response.status, r.response.businessMinutes, r.response.targetMinutes),
      shortInstant(r.response.deadline),
      r.escalation.status,
      shortInstant(r.escalation.deadline),
      clock(r.resolution.status, r.resolution.businessMinutes, r.resolution.targetMinutes),
    ]),
  )
  const breached = rows.filter((r) => r.response.status === 'breached').length
  return `${table}\n\n${rows.length} ticket${rows.length === 1 ? '' : 's'}; response breached for ${breached}. Business time h:mm; '—': none.\n`
}
