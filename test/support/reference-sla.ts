/**
 * An independent, deliberately naive reading of domain.md §5, written without
 * looking at the service-level projection, the policy history or the fast
 * calendar, to cross-check them on simulated histories.
 *
 * Business time walks UTC minute by minute. Support hours change only at whole
 * local minutes, so each minute [m, m + 60 s) is entirely open or closed; a
 * minute's openness comes from Intl (one formatToParts per minute, cached) and
 * the rule of docs/clocks.md read literally: an interval [start, end) of a
 * local date D (not a holiday) covers the instants from the first minute whose
 * wall clock reads D start or later to the first whose wall clock reads D end
 * (24:00 = D+1 00:00) or later.
 *
 * The documented choices of docs/clocks.md for ambiguous cases are followed:
 * first escalation counts (any domain), `not-needed` = stood resolved just
 * before the deadline, null targets leave the clock pending, minutes are exact
 * (ms / 60 000), the as-of instant defaults to the latest `at`, and the policy,
 * hours and time zone are those in force at the opening (latest `at` ≤ opening,
 * the later recorded winning a tie).
 */
import type { RecordedEvent } from '../../src/domain/envelope.js'
import { wallClock } from './reference-calendar.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
/** Beyond this, addBusinessTime gives up (broken hours): ten years, like the library's documented limit. */
const GIVE_UP = 10 * 366 * 24 * HOUR

type Weekly = Readonly<Record<string, readonly (readonly [string, string])[] | undefined>>

interface Hours {
  readonly weekly: Weekly
  readonly holidays: readonly string[]
}

// ---- calendar ----------------------------------------------------------------

const UTC_WEEKDAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const shiftDate = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
const weekdayOf = (date: string): string => UTC_WEEKDAY[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? '?'

export interface RefCalendar {
  readonly businessTime: (a: number, b: number) => number
  readonly addBusinessTime: (a: number, d: number) => number
}

export const referenceCalendar = (hours: Hours, timeZone: string): RefCalendar => {
  const wall = wallClock(timeZone)
  // The first whole minute whose wall clock reads `stamp` or later. Offsets are
  // within ±15 h, so 15 h before `stamp` read as UTC the wall clock is earlier.
  const firstAtOrAfter = (stamp: string): number => {
    let t = Math.floor((Date.parse(`${stamp}:00Z`) - 15 * HOUR) / MINUTE) * MINUTE
    while (wall(t).stamp < stamp) t += MINUTE
    return t
  }
  const intervalsOfDate = new Map<string, readonly (readonly [number, number])[]>()
  const intervalsOn = (date: string): readonly (readonly [number, number])[] => {
    const known = intervalsOfDate.get(date)
    if (known !== undefined) return known
    const out: (readonly [number, number])[] = []
    if (!hours.holidays.includes(date))
      for (const [start, end] of hours.weekly[weekdayOf(date)] ?? [])
        out.push([
          firstAtOrAfter(`${date}T${start}`),
          firstAtOrAfter(end === '24:00' ? `${shiftDate(date, 1)}T00:00` : `${date}T${end}`),
        ])
    intervalsOfDate.set(date, out)
    return out
  }
  const openMinutes = new Map<number, boolean>()
  const isOpenMinute = (m: number): boolean => {
    const known = openMinutes.get(m)
    if (known !== undefined) return known
    const d = wall(m).date
    let open = false
    for (const date of [shiftDate(d, -1), d, shiftDate(d, 1)])
      for (const [from, to] of intervalsOn(date)) if (from <= m && m < to) open = true
    openMinutes.set(m, open)
    return open
  }
  const businessTime = (a: number, b: number): number => {
    let sum = 0
    for (let m = Math.floor(a / MINUTE) * MINUTE; m < b; m += MINUTE)
      if (isOpenMinute(m)) sum += Math.min(b, m + MINUTE) - Math.max(a, m)
    return sum
  }
  const addBusinessTime = (a: number, d: number): number => {
    let left = d
    let t = a
    while (left > 0) {
      if (t - a > GIVE_UP) throw new Error('reference calendar: no opening within ten years')
      const m = Math.floor(t / MINUTE) * MINUTE
      if (isOpenMinute(m)) {
        const available = m + MINUTE - t
        if (available >= left) return t + left
        left -= available
      }
      t = m + MINUTE
    }
    return t
  }
  return { businessTime, addBusinessTime }
}

// ---- the clocks ----------------------------------------------------------------

export interface RefTicket {
  readonly ticketId: string
  readonly siteId: string
  readonly domain: string | null
  readonly priority: string | null
  readonly openedAt: string
  readonly response: {
    readonly status: string
    readonly businessMinutes: number | null
    readonly targetMinutes: number
    readonly deadline: string
    readonly stoppedAt: string | null
  }
  readonly escalation: {
    readonly status: string
    readonly deadline: string | null
    readonly escalatedAt: string | null
  }
  readonly resolution: {
    readonly status: string
    readonly businessMinutes: number | null
    readonly targetMinutes: number | null
  }
}

export interface RefIncident {
  readonly incidentId: string
  readonly bulletinElapsedMinutes: number | null
  readonly bulletinTargetMinutes: number
  readonly status: string
  readonly staffAlertElapsedMinutes: number | null
}

export interface RefReport {
  readonly tickets: ReadonlyMap<string, RefTicket>
  readonly incidents: ReadonlyMap<string, RefIncident>
}

const durationMs = (iso: unknown): number | null => {
  if (typeof iso !== 'string') return null
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(iso)
  if (m === null) throw new Error(`reference: not a PTnHnM duration: ${iso}`)
  return (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * MINUTE
}

const iso = (ms: number): string => new Date(ms).toISOString()
type Data = Readonly<Record<string, unknown>>
const dataOf = (e: RecordedEvent): Data => (e as unknown as { data: Data }).data

/** The latest of `versions` (in recorded order) whose `at` is at or before `t`. */
const inForce = <T>(
  versions: readonly { readonly at: number; readonly value: T }[],
  t: number,
): T | undefined => {
  let found: T | undefined
  for (const v of versions) if (v.at <= t) found = v.value
  return found
}

export const referenceServiceLevels = (all: readonly RecordedEvent[], asOfIso?: string): RefReport => {
  const asOf = asOfIso === undefined ? Math.max(...all.map((e) => Date.parse(e.at))) : Date.parse(asOfIso)
  const events = all.filter((e) => Date.parse(e.at) <= asOf)

  const policies: { at: number; value: Data }[] = []
  const siteZones = new Map<string, { at: number; value: string }[]>()
  const siteHours = new Map<string, { at: number; value: Hours }[]>()
  const streams = new Map<string, RecordedEvent[]>()
  for (const e of events) {
    const at = Date.parse(e.at)
    const d = dataOf(e)
    if (e.type === 'SupportPolicySet') policies.push({ at, value: d })
    else if (e.type === 'SiteRegistered') {
      const list = siteZones.get(d.siteId as string) ?? []
      list.push({ at, value: d.timeZone as string })
      siteZones.set(d.siteId as string, list)
    } else if (e.type === 'SupportHoursSet') {
      const list = siteHours.get(d.siteId as string) ?? []
      list.push({ at, value: { weekly: d.weekly as Weekly, holidays: d.holidays as string[] } })
      siteHours.set(d.siteId as string, list)
    } else if (e.stream.startsWith('ticket-') || e.stream.startsWith('major-incident-')) {
      const list = streams.get(e.stream) ?? []
      list.push(e)
      streams.set(e.stream, list)
    }
  }

  const calendars = new Map<string, RefCalendar>()
  const calendarOf = (hours: Hours, tz: string): RefCalendar => {
    const key = `${tz}|${JSON.stringify(hours)}`
    let c = calendars.get(key)
    if (c === undefined) {
      c = referenceCalendar(hours, tz)
      calendars.set(key, c)
    }
    return c
  }

  const tickets = new Map<string, RefTicket>()
  const incidents = new Map<string, RefIncident>()
  for (const [stream, list] of streams) {
    const sorted = [...list].sort((x, y) => x.revision - y.revision)
    if (stream.startsWith('ticket-')) {
      const t = judgeTicket(sorted, asOf, policies, siteZones, siteHours, calendarOf)
      if (t !== undefined) tickets.set(t.ticketId, t)
    } else {
      const i = judgeIncident(sorted, asOf, policies)
      if (i !== undefined) incidents.set(i.incidentId, i)
    }
  }
  return { tickets, incidents }
}

const judgeTicket = (
  stream: readonly RecordedEvent[],
  asOf: number,
  policies: readonly { at: number; value: Data }[],
  siteZones: ReadonlyMap<string, readonly { at: number; value: string }[]>,
  siteHours: ReadonlyMap<string, readonly { at: number; value: Hours }[]>,
  calendarOf: (hours: Hours, tz: string) => RefCalendar,
): RefTicket | undefined => {
  const openIndex = stream.findIndex((e) => e.type === 'TicketOpened')
  if (openIndex < 0) return undefined
  const openEvent = stream[openIndex] as RecordedEvent
  const od = dataOf(openEvent)
  const opened = Date.parse(openEvent.at)
  const siteId = od.siteId as string
  const policy = inForce(policies, opened)
  const tz = inForce(siteZones.get(siteId) ?? [], opened)
  const hours = inForce(siteHours.get(siteId) ?? [], opened)
  if (policy === undefined || tz === undefined || hours === undefined) return undefined
  const cal = calendarOf(hours, tz)
  const after = stream.slice(openIndex + 1).filter((e) => e.type !== 'TicketOpened')
  const at = (e: RecordedEvent): number => Date.parse(e.at)

  let domain: string | null = null
  let priority: string | null = null
  for (const e of after)
    if (e.type === 'TicketQualified') {
      domain = dataOf(e).domain as string
      priority = dataOf(e).priority as string
    }

  // Response
  const responseTarget = durationMs(policy.responseTarget ?? 'PT4H') as number
  const stop = after.find(
    (e) =>
      e.type === 'UserInformed' && ['answer', 'schedule', 'restoration'].includes(dataOf(e).kind as string),
  )
  const responseDeadline = cal.addBusinessTime(opened, responseTarget)
  let response: RefTicket['response']
  if (stop !== undefined) {
    const bt = cal.businessTime(opened, at(stop))
    response = {
      status: bt <= responseTarget ? 'met' : 'breached',
      businessMinutes: bt / MINUTE,
      targetMinutes: responseTarget / MINUTE,
      deadline: iso(responseDeadline),
      stoppedAt: stop.at,
    }
  } else {
    response = {
      status: cal.businessTime(opened, asOf) > responseTarget ? 'breached' : 'pending',
      businessMinutes: null,
      targetMinutes: responseTarget / MINUTE,
      deadline: iso(responseDeadline),
      stoppedAt: null,
    }
  }

  // Resolved or not, at each instant: a plain replay of resolutions and reopenings.
  const resolvedBefore = (limit: number): boolean => {
    let resolved = false
    for (const e of after) {
      if (at(e) >= limit) break
      if (e.type === 'TicketResolved') resolved = true
      else if (e.type === 'TicketReopened') resolved = false
    }
    return resolved
  }
  let resolvedNow = false
  for (const e of after)
    if (e.type === 'TicketResolved') resolvedNow = true
    else if (e.type === 'TicketReopened') resolvedNow = false

  // Escalation
  const firstEscalation = after.find((e) => e.type === 'TicketEscalated')
  const escalatedAt = firstEscalation?.at ?? null
  const delays = (policy.escalationDelays ?? {}) as Data
  const delay = domain === null ? null : durationMs(delays[domain])
  let escalation: RefTicket['escalation']
  if (domain === null)
    escalation = { status: resolvedNow ? 'not-needed' : 'pending', deadline: null, escalatedAt }
  else if (delay === null) escalation = { status: 'not-needed', deadline: null, escalatedAt }
  else {
    const deadline = cal.addBusinessTime(opened, delay)
    const status =
      firstEscalation !== undefined && at(firstEscalation) <= deadline
        ? 'on-time'
        : resolvedBefore(deadline)
          ? 'not-needed'
          : asOf < deadline
            ? 'pending'
            : 'late'
    escalation = { status, deadline: iso(deadline), escalatedAt }
  }

  // Resolution: business time while running and not suspended.
  let running = true
  let activeSince: number | null = opened
  let suspended = false
  let total = 0
  for (const e of after) {
    const t = at(e)
    if (e.type === 'TicketResolved' && running) {
      if (activeSince !== null) total += cal.businessTime(activeSince, t)
      running = false
      suspended = false
      activeSince = null
    } else if (e.type === 'TicketReopened' && !running) {
      running = true
      activeSince = t
    } else if (e.type === 'TicketSuspended' && running && !suspended) {
      if (activeSince !== null) total += cal.businessTime(activeSince, t)
      suspended = true
      activeSince = null
    } else if (e.type === 'TicketResumed' && running && suspended) {
      suspended = false
      activeSince = t
    }
  }
  const resolutionTarget =
    priority === null ? null : durationMs(((policy.resolutionTargets ?? {}) as Data)[priority])
  let resolution: RefTicket['resolution']
  if (!running)
    resolution = {
      status: resolutionTarget === null ? 'pending' : total <= resolutionTarget ? 'met' : 'breached',
      businessMinutes: total / MINUTE,
      targetMinutes: resolutionTarget === null ? null : resolutionTarget / MINUTE,
    }
  else {
    const soFar = total + (activeSince === null ? 0 : cal.businessTime(activeSince, asOf))
    resolution = {
      status: resolutionTarget !== null && soFar > resolutionTarget ? 'breached' : 'pending',
      businessMinutes: null,
      targetMinutes: resolutionTarget === null ? null : resolutionTarget / MINUTE,
    }
  }

  return {
    ticketId: od.ticketId as string,
    siteId,
    domain,
    priority,
    openedAt: openEvent.at,
    response,
    escalation,
    resolution,
  }
}

const judgeIncident = (
  stream: readonly RecordedEvent[],
  asOf: number,
  policies: readonly { at: number; value: Data }[],
): RefIncident | undefined => {
  const declaredIndex = stream.findIndex((e) => e.type === 'MajorIncidentDeclared')
  if (declaredIndex < 0) return undefined
  const declaredEvent = stream[declaredIndex] as RecordedEvent
  const declared = Date.parse(declaredEvent.at)
  const policy = inForce(policies, declared)
  if (policy === undefined) return undefined
  const target = durationMs(policy.majorIncidentBulletinTarget ?? 'PT24H') as number
  const after = stream.slice(declaredIndex + 1)
  const bulletin = after.find((e) => e.type === 'IncidentBulletinPublished')
  const alert = after.find((e) => e.type === 'SupportStaffAlerted')
  const elapsed = bulletin === undefined ? null : Date.parse(bulletin.at) - declared
  return {
    incidentId: dataOf(declaredEvent).incidentId as string,
    bulletinElapsedMinutes: elapsed === null ? null : elapsed / MINUTE,
    bulletinTargetMinutes: target / MINUTE,
    status:
      elapsed !== null
        ? elapsed <= target
          ? 'met'
          : 'breached'
        : asOf - declared > target
          ? 'breached'
          : 'pending',
    staffAlertElapsedMinutes: alert === undefined ? null : (Date.parse(alert.at) - declared) / MINUTE,
  }
}
