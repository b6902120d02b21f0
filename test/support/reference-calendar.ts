/**
 * A deliberately naive business-time calendar, written without the fast
 * calendar's offset arithmetic, blocks or caches, to check it against: it walks
 * minute by minute, asks Intl for each minute's local date, weekday and wall
 * time (compared as "YYYY-MM-DDTHH:MM" strings), and applies the rule of
 * docs/clocks.md literally:
 *
 *   an interval [start, end) of local date D (not a holiday) covers the instants
 *   from the first minute whose wall clock reads D start or later, to the first
 *   minute whose wall clock reads D end (24:00 = next day 00:00) or later.
 *
 * Only for minute-aligned instants in zones whose transitions fall on whole
 * minutes (every zone since the 1970s), and valid hours.
 */

export interface ReferenceHours {
  readonly weekly: { readonly [day: string]: readonly (readonly [string, string])[] | undefined }
  readonly holidays: readonly string[]
}

const MINUTE = 60_000
const WEEKDAY: Record<string, string> = {
  Sun: 'sun',
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
}
const UTC_WEEKDAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

export interface Wall {
  readonly date: string
  readonly weekday: string
  /** "YYYY-MM-DDTHH:MM", ordered like the wall clock. */
  readonly stamp: string
}

/** The local wall clock of a zone, straight from Intl (memoised per minute). */
export const wallClock = (timeZone: string): ((t: number) => Wall) => {
  const known = clocks.get(timeZone)
  if (known !== undefined) return known
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  })
  // Property tests revisit the same minutes many times: remember what Intl said.
  const seen = new Map<number, Wall>()
  const clock = (t: number): Wall => {
    const known = seen.get(t)
    if (known !== undefined) return known
    const p: Record<string, string> = {}
    for (const part of f.formatToParts(t)) p[part.type] = part.value
    const date = `${p.year}-${p.month}-${p.day}`
    const w = { date, weekday: WEEKDAY[p.weekday ?? ''] ?? '?', stamp: `${date}T${p.hour}:${p.minute}` }
    if (seen.size < 2_000_000) seen.set(t, w)
    return w
  }
  clocks.set(timeZone, clock)
  return clock
}
const clocks = new Map<string, (t: number) => Wall>()

const shiftDate = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

const weekdayOfDate = (date: string): string => UTC_WEEKDAY[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? '?'

/** open[i] tells whether the minute a + i·60 s is open, for a ≤ that minute < b (a, b minute-aligned). */
export const referenceOpenMinutes = (
  hours: ReferenceHours,
  timeZone: string,
  a: number,
  b: number,
): boolean[] => {
  // The scan starts a day early so that an interval begun before a (say in a
  // repeated hour that a falls into) is found where it really starts.
  const lead = 24 * 60
  const n = Math.max(0, Math.round((b - a) / MINUTE)) + lead
  const wall = wallClock(timeZone)
  const walls: Wall[] = []
  for (let i = 0; i < n; i++) walls.push(wall(a + (i - lead) * MINUTE))
  const open = new Array<boolean>(n).fill(false)
  // first minute index whose wall stamp is >= stamp (n when none in the scan: it lies beyond b)
  const firstAtOrAfter = (stamp: string): number => {
    for (let i = 0; i < n; i++) if ((walls[i] as Wall).stamp >= stamp) return i
    return n
  }
  const dates = new Map<string, string>()
  for (const w of walls.slice(lead)) dates.set(w.date, w.weekday)
  // a neighbouring date's interval may spill into the span around clock changes
  for (const date of [...dates.keys()])
    for (const d of [shiftDate(date, -1), shiftDate(date, 1)])
      if (!dates.has(d)) dates.set(d, weekdayOfDate(d))
  for (const [date, weekday] of dates) {
    if (hours.holidays.includes(date)) continue
    for (const [start, end] of hours.weekly[weekday] ?? []) {
      const from = firstAtOrAfter(`${date}T${start}`)
      const to = firstAtOrAfter(end === '24:00' ? `${shiftDate(date, 1)}T00:00` : `${date}T${end}`)
      for (let i = from; i < to; i++) open[i] = true
    }
  }
  return open.slice(lead)
}

/** Business minutes of [a, b), minute-aligned. */
export const referenceBusinessMinutes = (
  hours: ReferenceHours,
  timeZone: string,
  a: number,
  b: number,
): number => referenceOpenMinutes(hours, timeZone, a, b).filter((x) => x).length
