/**
 * Business-time calendar throughput: `npx tsx bench/calendar.ts`.
 *
 * An office week (Mon–Fri 08:00–12:00 / 13:30–18:00 = 8.5 h a day, French
 * public holidays) in Europe/Paris; start instants spread over 2026 (clock
 * changes included). "1 business day" = 8.5 h of business time, "5 business
 * days" = 42.5 h, "90 business days" = 765 h. Target: ≥ 500,000
 * addBusinessTime calls/s up to 5 business days.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { FR_HOLIDAYS_2026 } from '../src/cli/simulate/organization.js'
import { type Calendar, makeCalendar, type WeeklyPattern } from '../src/domain/calendar.js'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const OFFICE = [
  ['08:00', '12:00'],
  ['13:30', '18:00'],
] as const
const weekly: WeeklyPattern = { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE }
const holidays = FR_HOLIDAYS_2026 // the simulated Paris site's holidays

const build = (): Calendar => {
  const r = makeCalendar({ weekly, holidays }, 'Europe/Paris')
  if (isLeft(r)) throw new Error(r.left.message)
  return r.right
}

// Deterministic start instants over 2026, to the millisecond.
const N = 4096
const starts = new Float64Array(N)
let seed = 42
for (let i = 0; i < N; i++) {
  seed = (seed * 1103515245 + 12345) % 2147483648
  starts[i] = Date.UTC(2026, 0, 1) + Math.floor((seed / 2147483648) * 365 * DAY)
}

let sink = 0
const rate = (f: (a: number) => number, minMs = 700): number => {
  for (let i = 0; i < 20_000; i++) sink += f(starts[i % N]!) // warm-up: JIT and block cache
  let calls = 0
  const t0 = performance.now()
  let elapsed = 0
  while (elapsed < minMs) {
    for (let i = 0; i < 10_000; i++) sink += f(starts[(calls + i) % N]!)
    calls += 10_000
    elapsed = performance.now() - t0
  }
  return (calls / elapsed) * 1000
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12)

const cal = build()
const spans: readonly (readonly [string, number])[] = [
  ['1 h', HOUR],
  ['1 business day (8.5 h)', 8.5 * HOUR],
  ['5 business days (42.5 h)', 42.5 * HOUR],
  ['90 business days (765 h)', 765 * HOUR],
]
console.log('calendar: Europe/Paris, Mon–Fri 08:00–12:00/13:30–18:00, starts over 2026\n')
console.log(`${'span'.padEnd(28)}${'addBusinessTime/s'.padStart(20)}${'businessTime/s'.padStart(18)}`)
for (const [label, d] of spans) {
  const add = rate((a) => cal.addBusinessTime(a, d))
  // businessTime over the elapsed span that addBusinessTime found, so both walk the same days
  const ends = new Float64Array(N)
  for (let i = 0; i < N; i++) ends[i] = cal.addBusinessTime(starts[i]!, d) - starts[i]!
  let k = 0
  const between = rate((a) => cal.businessTime(a, a + ends[k++ % N]!))
  console.log(`${label.padEnd(28)}${fmt(add).padStart(20)}${fmt(between).padStart(18)}`)
}

// Cold start: a fresh calendar pays for its 64-day blocks (Intl offsets are shared per zone).
const t0 = performance.now()
const fresh = build()
sink += fresh.addBusinessTime(Date.UTC(2031, 5, 1), 4 * HOUR)
const cold = performance.now() - t0
const t1 = performance.now()
const another = build()
sink += another.addBusinessTime(Date.UTC(2031, 5, 1), 4 * HOUR)
const warmZone = performance.now() - t1
console.log(
  `\nfirst call on a new calendar: ${cold.toFixed(2)} ms (new zone period), ${warmZone.toFixed(2)} ms (offsets already known)`,
)
if (Number.isNaN(sink)) console.log('unreachable')
