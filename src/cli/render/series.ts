/**
 * Time series for the HTML report: response and resolution compliance, volume
 * and satisfaction per ISO week of opening (UTC), overall and per workstation
 * type and site. Pure: computed from the clocks the service-level projection
 * gave and the quality fold, over the same tickets as the synthesis (opened
 * in `[from, to)` and by the as-of instant).
 */
import type { IsoInstant } from '../../domain/codec.js'
import { type QualityState, type QualityTicket, ticketsOf } from '../../projections/quality.js'
import type { TicketServiceLevels } from '../../projections/service-level-types.js'

const DAY_MS = 86_400_000

export interface IsoWeek {
  /** `2026-W10`. */
  readonly label: string
  /** Monday 00:00 UTC of that week, `YYYY-MM-DD`. */
  readonly monday: string
}

/** The ISO 8601 week (Monday first; week 1 holds the year's first Thursday) of an instant, in UTC. */
export const isoWeekOf = (ms: number): IsoWeek => {
  const midnight = Math.floor(ms / DAY_MS) * DAY_MS
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7 // Monday 0 … Sunday 6
  const monday = midnight - weekday * DAY_MS
  const thursday = monday + 3 * DAY_MS
  const year = new Date(thursday).getUTCFullYear()
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1
  return {
    label: `${year}-W${String(week).padStart(2, '0')}`,
    monday: new Date(monday).toISOString().slice(0, 10),
  }
}

/** Met and breached clocks of one week; `rate` is met ÷ (met + breached), null without any. */
export interface WeekPoint {
  readonly met: number
  readonly breached: number
  readonly rate: number | null
}

export interface WeeklySeries {
  /** Every week from the first opening to the last, gaps included, in order. */
  readonly weeks: readonly IsoWeek[]
  /** Tickets opened each week (aligned with `weeks`). */
  readonly opened: readonly number[]
  readonly response: readonly WeekPoint[]
  readonly resolution: readonly WeekPoint[]
  /** Response compliance per week for each workstation type / site (keys sorted). */
  readonly responseByWorkstationType: Readonly<Record<string, readonly WeekPoint[]>>
  readonly responseBySite: Readonly<Record<string, readonly WeekPoint[]>>
  /** Mean satisfaction score of the tickets opened each week, null without answers. */
  readonly satisfaction: readonly { readonly mean: number | null; readonly responses: number }[]
}

export interface SeriesOptions {
  readonly from?: IsoInstant | undefined
  readonly to?: IsoInstant | undefined
  readonly asOf?: IsoInstant | null | undefined
}

interface Tally {
  met: number
  breached: number
}

const point = (t: Tally | undefined): WeekPoint => {
  const met = t?.met ?? 0
  const breached = t?.breached ?? 0
  return { met, breached, rate: met + breached === 0 ? null : met / (met + breached) }
}

const count = (m: Map<string, Tally>, key: string, status: string): void => {
  if (status !== 'met' && status !== 'breached') return
  let t = m.get(key)
  if (t === undefined) {
    t = { met: 0, breached: 0 }
    m.set(key, t)
  }
  if (status === 'met') t.met++
  else t.breached++
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Feeds the series one ticket at a time (the report's compact fold never holds every ticket at once). */
export interface SeriesAccumulator {
  /** A ticket of the quality fold. */
  readonly addTicket: (t: QualityTicket) => void
  /** A ticket's clocks. */
  readonly addLevels: (l: TicketServiceLevels) => void
  readonly finish: () => WeeklySeries
}

export const seriesAccumulator = (options: SeriesOptions = {}): SeriesAccumulator => {
  const fromMs = options.from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(options.from)
  const toMs = options.to === undefined ? Number.POSITIVE_INFINITY : Date.parse(options.to)
  const asOfMs =
    options.asOf === undefined || options.asOf === null ? Number.POSITIVE_INFINITY : Date.parse(options.asOf)
  const inPeriod = (ms: number) => ms >= fromMs && ms < toMs && ms <= asOfMs

  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  const opened = new Map<string, number>()
  const satisfaction = new Map<string, { sum: number; n: number }>()
  const addTicket = (t: QualityTicket): void => {
    const ms = Date.parse(t.openedAt)
    if (!inPeriod(ms)) return
    first = Math.min(first, ms)
    last = Math.max(last, ms)
    const w = isoWeekOf(ms).label
    opened.set(w, (opened.get(w) ?? 0) + 1)
    if (t.satisfactionScores.length > 0) {
      const s = satisfaction.get(w) ?? { sum: 0, n: 0 }
      for (const score of t.satisfactionScores) {
        s.sum += score
        s.n++
      }
      satisfaction.set(w, s)
    }
  }
  const response = new Map<string, Tally>()
  const resolution = new Map<string, Tally>()
  const byType = new Map<string, Map<string, Tally>>()
  const bySite = new Map<string, Map<string, Tally>>()
  const sub = (m: Map<string, Map<string, Tally>>, key: string) => {
    let x = m.get(key)
    if (x === undefined) {
      x = new Map()
      m.set(key, x)
    }
    return x
  }
  const addLevels = (l: TicketServiceLevels): void => {
    const ms = Date.parse(l.openedAt)
    if (!inPeriod(ms)) return
    first = Math.min(first, ms)
    last = Math.max(last, ms)
    const w = isoWeekOf(ms).label
    count(response, w, l.response.status)
    count(resolution, w, l.resolution.status)
    count(sub(byType, l.workstationType), w, l.response.status)
    count(sub(bySite, l.siteId), w, l.response.status)
  }

  const finish = (): WeeklySeries => {
    const weeks: IsoWeek[] = []
    if (first <= last)
      for (let monday = Date.parse(isoWeekOf(first).monday); monday <= last; monday += 7 * DAY_MS)
        weeks.push(isoWeekOf(monday))
    const along = (m: Map<string, Tally>) => weeks.map((w) => point(m.get(w.label)))
    const perKey = (m: Map<string, Map<string, Tally>>) =>
      Object.fromEntries([...m.keys()].sort(cmp).map((k) => [k, along(m.get(k)!)]))
    return {
      weeks,
      opened: weeks.map((w) => opened.get(w.label) ?? 0),
      response: along(response),
      resolution: along(resolution),
      responseByWorkstationType: perKey(byType),
      responseBySite: perKey(bySite),
      satisfaction: weeks.map((w) => {
        const s = satisfaction.get(w.label)
        return s === undefined ? { mean: null, responses: 0 } : { mean: s.sum / s.n, responses: s.n }
      }),
    }
  }
  return { addTicket, addLevels, finish }
}

export const weeklySeries = (
  serviceLevels: readonly TicketServiceLevels[],
  quality: QualityState,
  options: SeriesOptions = {},
): WeeklySeries => {
  const acc = seriesAccumulator(options)
  for (const t of ticketsOf(quality)) acc.addTicket(t)
  for (const l of serviceLevels) acc.addLevels(l)
  return acc.finish()
}
