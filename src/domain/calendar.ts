/**
 * Business time (domain.md §5): a site's weekly support hours and holidays in
 * its IANA time zone, measured on the instant timeline.
 *
 * The rule, in one sentence: on a local date that is not a holiday, each weekly
 * interval `[start, end)` is the span of instants from the first instant whose
 * wall clock shows `start` (or later) to the first instant whose wall clock
 * shows `end` (or later). Hence a local time inside a spring-forward gap acts as
 * the instant the clocks jump, a local time repeated by a fall-back takes its
 * earlier occurrence, and a day's length follows the clocks (23 h / 25 h).
 * docs/clocks.md explains the choices and their consequences.
 *
 * Speed: the answer only depends on which local days are spanned, so the
 * timeline is cut into blocks of 64 local days whose open intervals are computed
 * once (as epoch ms, with cumulative open time) and cached. The hot paths
 * (`businessTime`, `addBusinessTime`, `isOpen`, `nextOpening`) then do array
 * look-ups and binary searches only: their cost grows with the number of blocks
 * spanned, never with minutes, and never calls `Intl` once a block is cached.
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js'
import { WEEKDAYS, type Weekday } from './events.js'

/** One local interval `["HH:MM","HH:MM"]`; the end may be `24:00` (the next local midnight). */
export type LocalInterval = readonly [string, string]

/**
 * Weekly local hours: a missing (or empty) day is closed. `WeeklyHours` of
 * `SupportHoursSet` is assignable to it; the wider string type lets callers and
 * tests build patterns without the codec, since `makeCalendar` validates anyway.
 */
export type WeeklyPattern = { readonly [D in Weekday]?: readonly LocalInterval[] }

export interface BusinessHours {
  readonly weekly: WeeklyPattern
  /** Local dates `YYYY-MM-DD`, closed all day. */
  readonly holidays: readonly string[]
}

export interface Calendar {
  readonly timeZone: string
  /** ms of [a, b) inside open intervals; 0 when b <= a. a, b are epoch ms. */
  readonly businessTime: (a: number, b: number) => number
  /** earliest t >= a with businessTime(a, t) = d (d in ms, >= 0). addBusinessTime(a, 0) = a. */
  readonly addBusinessTime: (a: number, d: number) => number
  readonly isOpen: (t: number) => boolean
  /** t itself when open, else the next opening instant. */
  readonly nextOpening: (t: number) => number
  /** The open intervals [start, end) in epoch ms of a local date `YYYY-MM-DD` (for timelines and docs). */
  readonly openIntervalsOn: (localDate: string) => readonly (readonly [number, number])[]
}

export type CalendarError = {
  readonly _tag: 'ClosedCalendar' | 'InvalidTimeZone' | 'InvalidHours'
  readonly message: string
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const BLOCK_DAYS = 64
const BLOCK_MS = BLOCK_DAYS * DAY
/** Offsets are sampled this often; tzdb never has two transitions that cancel out within it. */
const SAMPLE_STEP = 6 * HOUR
/** Larger than any UTC offset ever used (LMT offsets reach about ±16 h). */
const MARGIN = 2 * DAY
/** Blocks kept per calendar (256 × 64 days ≈ 45 years); the cache is emptied when full. */
const MAX_CACHED_BLOCKS = 256
/** A search for an opening gives up after this long: the hours must be broken (see docs/clocks.md). */
const SEARCH_LIMIT_MS = 3653 * DAY
const SEARCH_LIMIT_YEARS = 10

// ---- civil dates (proleptic Gregorian, days since 1970-01-01) ----------------

/** Howard Hinnant's days_from_civil: exact integer arithmetic, no `Date` quirks for small years. */
const daysFromCivil = (y: number, m: number, d: number): number => {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const mp = (m + 9) % 12
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** 0 = sunday, as in `WEEKDAYS` (1970-01-01 was a thursday). */
const weekdayOfDay = (day: number): number => (((day + 4) % 7) + 7) % 7

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** The day number of a valid `YYYY-MM-DD`, else undefined. */
const parseLocalDate = (s: unknown): number | undefined => {
  if (typeof s !== 'string') return undefined
  const m = LOCAL_DATE.exec(s)
  if (m === null) return undefined
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  if (mo < 1 || mo > 12 || d < 1) return undefined
  const day = daysFromCivil(y, mo, d)
  const nextMonth = mo === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, mo + 1, 1)
  return day < nextMonth ? day : undefined
}

const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/

/** Minutes since local midnight of `HH:MM` (00:00–23:59, or 24:00 = 1440), else undefined. */
const parseLocalTime = (s: unknown): number | undefined => {
  if (s === '24:00') return 24 * 60
  if (typeof s !== 'string') return undefined
  const m = LOCAL_TIME.exec(s)
  return m === null ? undefined : Number(m[1]) * 60 + Number(m[2])
}

// ---- UTC offsets through Intl ----------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>()

/** One formatter per zone: building one costs far more than using it. Throws RangeError on an unknown zone. */
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  const cached = formatters.get(timeZone)
  if (cached !== undefined) return cached
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    calendar: 'gregory',
    numberingSystem: 'latn',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  })
  formatters.set(timeZone, f)
  return f
}

/**
 * UTC offset (ms) in force at instant t: local wall clock read as if UTC, minus
 * t. Offsets are whole seconds (historical LMT offsets have seconds), so t is
 * truncated to its second first.
 */
const offsetAt = (f: Intl.DateTimeFormat, t: number): number => {
  let y = 0
  let mo = 0
  let d = 0
  let h = 0
  let mi = 0
  let s = 0
  for (const p of f.formatToParts(t)) {
    switch (p.type) {
      case 'year':
        y = Number(p.value)
        break
      case 'month':
        mo = Number(p.value)
        break
      case 'day':
        d = Number(p.value)
        break
      case 'hour':
        h = Number(p.value)
        break
      case 'minute':
        mi = Number(p.value)
        break
      case 'second':
        s = Number(p.value)
        break
      default:
        break
    }
  }
  const wall = daysFromCivil(y, mo, d) * DAY + h * HOUR + mi * MINUTE + s * SECOND
  return wall - (t - (((t % SECOND) + SECOND) % SECOND))
}

/** A stretch of constant offset, from `from` until the next segment's `from`. */
interface OffsetSegment {
  readonly from: number
  readonly offset: number
}

/**
 * The offset segments covering [lo, hi]: sample every SAMPLE_STEP, and where two
 * samples differ, find the exact transition second by bisection (repeating if
 * several transitions fell between the samples).
 */
const offsetSegments = (f: Intl.DateTimeFormat, lo: number, hi: number): readonly OffsetSegment[] => {
  const segments: OffsetSegment[] = [{ from: lo, offset: offsetAt(f, lo) }]
  let prevT = lo
  let prevOffset = segments[0]!.offset
  for (let t = lo + SAMPLE_STEP; prevT < hi; t += SAMPLE_STEP) {
    const offset = offsetAt(f, t)
    while (offset !== prevOffset) {
      // Smallest second in (prevT, t] whose offset differs from prevOffset.
      let a = Math.floor(prevT / SECOND)
      let b = Math.floor(t / SECOND)
      while (b - a > 1) {
        const mid = Math.floor((a + b) / 2)
        if (offsetAt(f, mid * SECOND) === prevOffset) a = mid
        else b = mid
      }
      const at = b * SECOND
      const next = offsetAt(f, at)
      segments.push({ from: at, offset: next })
      prevT = at
      prevOffset = next
    }
    prevT = t
  }
  return segments
}

/** Offset segments per zone and block, shared by every calendar of that zone (a pure memo). */
const segmentCache = new Map<string, readonly OffsetSegment[]>()
const MAX_CACHED_SEGMENTS = 4096

/** The offset segments covering block `index` of `timeZone`, with MARGIN on both sides. */
const segmentsForBlock = (
  timeZone: string,
  f: Intl.DateTimeFormat,
  index: number,
): readonly OffsetSegment[] => {
  const key = `${index} ${timeZone}`
  const cached = segmentCache.get(key)
  if (cached !== undefined) return cached
  if (segmentCache.size >= MAX_CACHED_SEGMENTS) segmentCache.clear()
  const firstDay = index * BLOCK_DAYS
  const segments = offsetSegments(f, firstDay * DAY - MARGIN, (firstDay + BLOCK_DAYS) * DAY + MARGIN)
  segmentCache.set(key, segments)
  return segments
}

/**
 * The first instant whose wall clock shows local time `wall` (local ms as if
 * UTC) or later: monotone in `wall`, a gap maps to the jump, a repeated time to
 * its first occurrence.
 */
const firstInstantAt = (segments: readonly OffsetSegment[], wall: number): number => {
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!
    const end = i + 1 < segments.length ? segments[i + 1]!.from : Number.POSITIVE_INFINITY
    const candidate = Math.max(seg.from, wall - seg.offset)
    if (candidate < end) return candidate
  }
  throw new Error(`calendar: local time ${wall} lies beyond the computed offsets (internal error)`)
}

// ---- the calendar ------------------------------------------------------------------

/** 64 local days, their open intervals as epoch ms, merged, with cumulative open time. */
interface Block {
  readonly index: number
  /** First instant of the block's first local day, and of the next block's. */
  readonly start: number
  readonly end: number
  /** Local midnights: dayStarts[k] is the first instant of day `index * 64 + k` (65 entries). */
  readonly dayStarts: Float64Array
  readonly starts: Float64Array
  readonly ends: Float64Array
  /** prefix[i] = open ms before interval i within the block; prefix[n] = total. */
  readonly prefix: Float64Array
  readonly total: number
}

/** Daily intervals in minutes since local midnight, sorted and merged; index 0 = sunday. */
type DailyMinutes = readonly (readonly (readonly [number, number])[])[]

const invalidHours = (message: string): CalendarError => ({ _tag: 'InvalidHours', message })

/**
 * Validate and normalise the weekly pattern: intervals are sorted and merged
 * (overlapping or touching intervals are one open stretch; the order of a list
 * means nothing). An interval must start before it ends; 24:00 is only an end.
 */
const normaliseWeekly = (weekly: WeeklyPattern): Either<CalendarError, DailyMinutes> => {
  if (typeof weekly !== 'object' || weekly === null)
    return left(invalidHours(`weekly support hours must be an object of days, got ${String(weekly)}`))
  for (const key of Object.keys(weekly)) {
    if (!(WEEKDAYS as readonly string[]).includes(key))
      return left(
        invalidHours(`weekly.${key}: unknown day "${key}" in the weekly support hours (expected mon … sun)`),
      )
  }
  const days: (readonly [number, number])[][] = []
  for (const day of WEEKDAYS) {
    const list = weekly[day]
    const parsed: [number, number][] = []
    if (list !== undefined) {
      if (!Array.isArray(list))
        return left(invalidHours(`weekly.${day} = ${JSON.stringify(list)}: expected a list of intervals`))
      for (let i = 0; i < list.length; i++) {
        const interval: unknown = list[i]
        const path = `weekly.${day}[${i}] = ${JSON.stringify(interval)}`
        if (!Array.isArray(interval) || interval.length !== 2)
          return left(invalidHours(`${path}: expected an interval ["HH:MM","HH:MM"]`))
        const start = parseLocalTime(interval[0])
        const end = parseLocalTime(interval[1])
        if (start === undefined || end === undefined)
          return left(invalidHours(`${path}: times must be HH:MM between 00:00 and 24:00`))
        if (start >= end)
          return left(
            invalidHours(
              `${path}: support hours on ${day} must start before they end ` +
                `(an interval cannot cross midnight: split it at 24:00 and continue at 00:00 the next day)`,
            ),
          )
        parsed.push([start, end])
      }
    }
    parsed.sort((x, y) => x[0] - y[0])
    const merged: [number, number][] = []
    for (const [s, e] of parsed) {
      const last = merged[merged.length - 1]
      if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e)
      else merged.push([s, e])
    }
    days.push(merged)
  }
  return right(days)
}

const checkedInstant = (name: string, t: number): void => {
  if (!Number.isFinite(t))
    throw new RangeError(`calendar: ${name} must be a finite epoch-ms instant, got ${t}`)
}

const noOpening = (timeZone: string, from: number): Error =>
  new Error(
    `calendar (${timeZone}): no open instant within ${SEARCH_LIMIT_YEARS} years after ` +
      `${new Date(from).toISOString()}: the holidays or hours close everything`,
  )

export const makeCalendar = (hours: BusinessHours, timeZone: string): Either<CalendarError, Calendar> => {
  let fmt: Intl.DateTimeFormat
  try {
    if (typeof timeZone !== 'string' || timeZone.trim() === '') throw new RangeError('empty')
    fmt = formatterFor(timeZone)
  } catch {
    return left({
      _tag: 'InvalidTimeZone',
      message: `${JSON.stringify(timeZone)} is not a known IANA time zone (e.g. "Europe/Paris")`,
    })
  }
  const normalised = normaliseWeekly(hours.weekly)
  if (isLeft(normalised)) return normalised
  const daily = normalised.right
  if (!Array.isArray(hours.holidays))
    return left(invalidHours(`holidays = ${JSON.stringify(hours.holidays)}: expected a list of local dates`))
  const holidays = new Set<number>()
  for (let i = 0; i < hours.holidays.length; i++) {
    const h = hours.holidays[i]
    const day = parseLocalDate(h)
    if (day === undefined)
      return left(
        invalidHours(`holidays[${i}] = ${JSON.stringify(h)}: not a valid local date (expected YYYY-MM-DD)`),
      )
    holidays.add(day)
  }
  if (daily.every((d) => d.length === 0))
    return left({
      _tag: 'ClosedCalendar',
      message: 'the weekly support hours have no open interval on any day: business time could never run',
    })

  const buildBlock = (index: number): Block => {
    const firstDay = index * BLOCK_DAYS
    const segments = segmentsForBlock(timeZone, fmt, index)
    const dayStarts = new Float64Array(BLOCK_DAYS + 1)
    const starts: number[] = []
    const ends: number[] = []
    for (let k = 0; k <= BLOCK_DAYS; k++) {
      const day = firstDay + k
      const midnight = day * DAY
      dayStarts[k] = firstInstantAt(segments, midnight)
      if (k === BLOCK_DAYS || holidays.has(day)) continue
      for (const [sm, em] of daily[weekdayOfDay(day)]!) {
        const s = firstInstantAt(segments, midnight + sm * MINUTE)
        const e = firstInstantAt(segments, midnight + em * MINUTE)
        if (e <= s) continue // wholly inside a spring-forward gap
        const n = ends.length
        if (n > 0 && s <= ends[n - 1]!) ends[n - 1] = Math.max(ends[n - 1]!, e)
        else {
          starts.push(s)
          ends.push(e)
        }
      }
    }
    const prefix = new Float64Array(starts.length + 1)
    for (let i = 0; i < starts.length; i++) prefix[i + 1] = prefix[i]! + (ends[i]! - starts[i]!)
    return {
      index,
      start: dayStarts[0]!,
      end: dayStarts[BLOCK_DAYS]!,
      dayStarts,
      starts: Float64Array.from(starts),
      ends: Float64Array.from(ends),
      prefix,
      total: prefix[starts.length]!,
    }
  }

  const blocks = new Map<number, Block>()
  let lastBlock: Block | undefined

  const blockAt = (index: number): Block => {
    const cached = blocks.get(index)
    if (cached !== undefined) return cached
    if (blocks.size >= MAX_CACHED_BLOCKS) blocks.clear()
    const built = buildBlock(index)
    blocks.set(index, built)
    return built
  }

  /** The block whose local days contain t (local day and UTC day differ by at most one). */
  const blockOf = (t: number): Block => {
    const last = lastBlock
    if (last !== undefined && t >= last.start && t < last.end) return last
    let b = blockAt(Math.floor(t / BLOCK_MS))
    while (t < b.start) b = blockAt(b.index - 1)
    while (t >= b.end) b = blockAt(b.index + 1)
    lastBlock = b
    return b
  }

  /** Index of the last interval starting at or before t, or -1. */
  const intervalAtOrBefore = (b: Block, t: number): number => {
    const starts = b.starts
    let lo = 0
    let hi = starts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (starts[mid]! <= t) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  /** Open ms within block b before instant t (t inside the block). */
  const openBefore = (b: Block, t: number): number => {
    const i = intervalAtOrBefore(b, t)
    if (i < 0) return 0
    const s = b.starts[i]!
    const e = b.ends[i]!
    return b.prefix[i]! + (t < e ? t - s : e - s)
  }

  /** Earliest instant of block b with `c` open ms before it, for 0 < c <= b.total. */
  const instantWithOpenBefore = (b: Block, c: number): number => {
    const prefix = b.prefix
    let lo = 0
    let hi = b.starts.length - 1
    // smallest i with prefix[i + 1] >= c
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (prefix[mid + 1]! >= c) hi = mid
      else lo = mid + 1
    }
    return b.starts[lo]! + (c - prefix[lo]!)
  }

  const businessTime = (a: number, b: number): number => {
    checkedInstant('a', a)
    checkedInstant('b', b)
    if (b <= a) return 0
    let blk = blockOf(a)
    if (b < blk.end) return openBefore(blk, b) - openBefore(blk, a)
    let sum = blk.total - openBefore(blk, a)
    for (;;) {
      blk = blockAt(blk.index + 1)
      if (b < blk.end) {
        lastBlock = blk
        return sum + openBefore(blk, b)
      }
      sum += blk.total
    }
  }

  const addBusinessTime = (a: number, d: number): number => {
    checkedInstant('a', a)
    if (!(d >= 0) || !Number.isFinite(d))
      throw new RangeError(`calendar: a business duration must be a finite number of ms >= 0, got ${d}`)
    if (d === 0) return a
    let blk = blockOf(a)
    let c = openBefore(blk, a) + d
    let closedSince = a
    for (;;) {
      if (c <= blk.total) {
        lastBlock = blk
        return instantWithOpenBefore(blk, c)
      }
      c -= blk.total
      if (blk.total > 0) closedSince = blk.end
      else if (blk.end - closedSince > SEARCH_LIMIT_MS) throw noOpening(timeZone, a)
      blk = blockAt(blk.index + 1)
    }
  }

  const isOpen = (t: number): boolean => {
    checkedInstant('t', t)
    const blk = blockOf(t)
    const i = intervalAtOrBefore(blk, t)
    return i >= 0 && t < blk.ends[i]!
  }

  const nextOpening = (t: number): number => {
    checkedInstant('t', t)
    let blk = blockOf(t)
    const i = intervalAtOrBefore(blk, t)
    if (i >= 0 && t < blk.ends[i]!) return t
    if (i + 1 < blk.starts.length) return blk.starts[i + 1]!
    for (;;) {
      if (blk.end - t > SEARCH_LIMIT_MS) throw noOpening(timeZone, t)
      blk = blockAt(blk.index + 1)
      if (blk.starts.length > 0) return blk.starts[0]!
    }
  }

  const openIntervalsOn = (localDate: string): readonly (readonly [number, number])[] => {
    const day = parseLocalDate(localDate)
    if (day === undefined)
      throw new RangeError(`calendar: ${JSON.stringify(localDate)} is not a local date YYYY-MM-DD`)
    const index = Math.floor(day / BLOCK_DAYS)
    const blk = blockAt(index)
    const k = day - index * BLOCK_DAYS
    const from = blk.dayStarts[k]!
    const to = blk.dayStarts[k + 1]!
    const out: (readonly [number, number])[] = []
    for (let i = Math.max(0, intervalAtOrBefore(blk, from)); i < blk.starts.length; i++) {
      const s = Math.max(blk.starts[i]!, from)
      const e = Math.min(blk.ends[i]!, to)
      if (blk.starts[i]! >= to) break
      if (e > s) out.push([s, e])
    }
    return out
  }

  return right({ timeZone, businessTime, addBusinessTime, isOpen, nextOpening, openIntervalsOn })
}
