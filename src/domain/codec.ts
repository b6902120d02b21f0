/**
 * io-ts building blocks shared by every boundary: strict objects (unknown keys
 * are refused, not silently dropped), ISO instants, durations, and a reporter
 * that names the field path and the offending value.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'

const hasOwn = Object.prototype.hasOwnProperty

/** JSON-ish short rendering of an offending value for error messages. */
export const showValue = (v: unknown): string => {
  if (v === undefined) return 'undefined'
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)
  try {
    const s = JSON.stringify(v)
    if (s === undefined) return String(v)
    return s.length > 60 ? `${s.slice(0, 57)}...` : s
  } catch {
    return Object.prototype.toString.call(v)
  }
}

// ---- fast decoding ---------------------------------------------------------
//
// Replaying a history decodes every event, and io-ts' generic path allocates a
// context array, an Either and an error list per field even when everything is
// well formed. A "fast decoder" checks the same rules with the codecs' own `is`
// predicates and builds the very value the slow path would (same keys, same
// order, same references for unchanged arrays), allocating nothing else. It
// answers FAIL on anything doubtful, and the slow path then decides and names
// the problems: the fast path can only agree with it, never overrule it.
//
// `owned`: the input is what `JSON.parse` just gave (plain objects, own
// enumerable data properties only) and the caller gives it up. Then an object
// that already has exactly the keys, in the order, and the values the decoded
// value would have is returned itself instead of copied — the allocation that
// remained per event and field on a replay. Never for other inputs: a getter
// or a prototype would then survive decoding.

const FAIL: unique symbol = Symbol('fast decoding failed')
type FastDecoder = (u: unknown, owned?: boolean) => unknown

/** Codecs whose `validate` succeeds exactly when `is` holds, and returns its input unchanged. */
const identityCodecs = new WeakSet<t.Mixed>()
const fastDecoders = new WeakMap<t.Mixed, FastDecoder>()

type Tagged = t.Mixed & {
  readonly _tag?: string
  readonly type?: t.Mixed
  readonly types?: readonly t.Mixed[]
  readonly keys?: Readonly<Record<string, unknown>>
  readonly value?: unknown
  readonly predicate?: (u: unknown) => boolean
}

/**
 * The checks of io-ts' own codecs, written out (theirs go through closures).
 * Arrays and tuples are walked index by index as their `validate` does: their
 * `is` uses `every`, which skips the holes of a sparse array.
 */
const builtinDecoder = (c: Tagged): FastDecoder | undefined => {
  const { keys, predicate, type, types } = c
  switch (c._tag) {
    case 'StringType':
      return (u) => (typeof u === 'string' ? u : FAIL)
    case 'NumberType':
      return (u) => (typeof u === 'number' ? u : FAIL)
    case 'BooleanType':
      return (u) => (typeof u === 'boolean' ? u : FAIL)
    case 'NullType':
      return (u) => (u === null ? u : FAIL)
    case 'UnknownType':
      return (u) => u
    case 'KeyofType':
      return keys === undefined
        ? undefined
        : (u) => (typeof u === 'string' && hasOwn.call(keys, u) ? u : FAIL)
    case 'LiteralType': {
      const value = c.value
      return (u) => (u === value ? u : FAIL)
    }
    case 'RefinementType': {
      // t.brand: the base codec, then the predicate on what it decoded.
      if (type === undefined || predicate === undefined) return undefined
      const base = fastDecoderOf(type)
      return (u, owned) => {
        const v = base(u, owned)
        return v !== FAIL && predicate(v) ? v : FAIL
      }
    }
    case 'ArrayType': {
      if (type === undefined) return undefined
      const item = fastDecoderOf(type)
      // As io-ts' array: the same array when no item changed, else a copy.
      return (u, owned) => {
        if (!Array.isArray(u)) return FAIL
        let out: unknown[] = u
        for (let i = 0; i < u.length; i++) {
          const a: unknown = u[i]
          const v = item(a, owned)
          if (v === FAIL) return FAIL
          if (v !== a) {
            if (out === u) out = u.slice()
            out[i] = v
          }
        }
        return out
      }
    }
    case 'TupleType': {
      if (types === undefined) return undefined
      const items = types.map(fastDecoderOf)
      // Exactly as long as the tuple (io-ts strips extra components: the slow path does that).
      return (u, owned) => {
        if (!Array.isArray(u) || u.length !== items.length) return FAIL
        let out: unknown[] = u
        for (let i = 0; i < items.length; i++) {
          const a: unknown = u[i]
          const v = items[i]!(a, owned)
          if (v === FAIL) return FAIL
          if (v !== a) {
            if (out === u) out = u.slice()
            out[i] = v
          }
        }
        return out
      }
    }
    default:
      return undefined
  }
}

/** A fast decoder for `codec`: its decoded value, or FAIL (then only the slow path knows). */
const fastDecoderOf = (codec: t.Mixed): FastDecoder => {
  const known = fastDecoders.get(codec)
  if (known !== undefined) return known
  const f: FastDecoder =
    (identityCodecs.has(codec) ? (u: unknown) => (codec.is(u) ? u : FAIL) : undefined) ??
    builtinDecoder(codec as Tagged) ??
    // Anything else: its own validate (the context only matters for errors, which the slow path reports).
    ((u) => {
      const r = codec.validate(u, [{ key: '', type: codec, actual: u }])
      return isLeft(r) ? FAIL : r.right
    })
  fastDecoders.set(codec, f)
  return f
}

/** What a fast decoder answers when only the slow path (`codec.decode`) can tell. */
export const NOT_DECODED: typeof FAIL = FAIL

/**
 * The fast decoder of `codec`, for hot loops that call it directly: the value
 * `codec.decode` would give on success, or `NOT_DECODED` when the input is
 * invalid or doubtful — then `codec.decode` must decide and name the problems.
 * Skips io-ts' context array and `Either` per call. `owned`: `u` is what
 * `JSON.parse` gave and the caller gives it up (parts of it may be returned).
 * May throw where reading `u` throws (a getter, a proxy): the caller catches.
 */
export const fastDecoder = (codec: t.Mixed): ((u: unknown, owned?: boolean) => unknown) =>
  fastDecoderOf(codec)

/**
 * The fast decoder of a strict object, generated for its own keys. One
 * `for…in` both refuses unknown keys (a `switch`) and notes which keys are
 * there, own (a `hasOwnProperty` on the loop's own key costs V8 nothing) and
 * in which order; a key the loop did not see is absent unless `in` finds it
 * (inherited, or own but not enumerable: the slow path's business). A
 * `hasOwnProperty` per declared key, as before, cost more than the rest of
 * decoding an event. Each field goes through its own decoder, and the result
 * is one object literal (the same hidden class every time, required keys then
 * optional ones, in the codec's order — as the slow path builds it), or, for
 * an owned input already exactly that, the input itself.
 */
const compileStrict = (
  reqKeys: readonly string[],
  optKeys: readonly string[],
  reqDecoders: readonly FastDecoder[],
  optDecoders: readonly FastDecoder[],
): FastDecoder => {
  const q = (k: string) => JSON.stringify(k)
  const all = [...reqKeys, ...optKeys]
  const body = [
    "if (typeof u !== 'object' || u === null || Array.isArray(u)) return FAIL",
    // s<i>: key i seen by for…in; `same`: so far, the input is its own decoded value.
    ...all.map((_, i) => `let s${i} = false`),
    'let last = -1',
    'let same = true',
    all.length === 0
      ? 'for (const k in u) return FAIL'
      : `for (const k in u) { if (!hasOwn.call(u, k)) return FAIL; switch (k) { ${all
          .map((k, i) => `case ${q(k)}: s${i} = true; if (last > ${i}) same = false; last = ${i}; break;`)
          .join(' ')} default: return FAIL } }`,
    ...reqKeys.flatMap((k, i) => [
      `const v${i} = s${i} ? u[${q(k)}] : ${q(k)} in u ? FAIL : undefined`,
      `if (v${i} === FAIL) return FAIL`,
      `const r${i} = R[${i}](v${i}, owned)`,
      `if (r${i} === FAIL) return FAIL`,
      `if (r${i} !== v${i} || !s${i}) same = false`,
    ]),
    ...optKeys.flatMap((k, i) => {
      const j = reqKeys.length + i
      return [
        `let o${i} = FAIL`,
        `if (s${j}) { const w = u[${q(k)}]; o${i} = O[${i}](w, owned); if (o${i} === FAIL) return FAIL; if (o${i} !== w) same = false }`,
        `else if (${q(k)} in u) return FAIL`,
      ]
    }),
    'if (same && owned === true) return u',
    `const out = { ${reqKeys.map((k, i) => `${q(k)}: r${i}`).join(', ')} }`,
    ...optKeys.map((k, i) => `if (o${i} !== FAIL) out[${q(k)}] = o${i}`),
    'return out',
  ]
  const make = new Function('R', 'O', 'FAIL', 'hasOwn', `return function (u, owned) {\n${body.join('\n')}\n}`)
  return make(reqDecoders, optDecoders, FAIL, hasOwn) as FastDecoder
}

/**
 * A strict object codec: `required` keys must be present, `optional` keys may
 * be absent (never `undefined`), any other key is refused with its path.
 */
export const strict = <R extends t.Props, O extends t.Props = Record<never, never>>(
  required: R,
  optional?: O,
  name?: string,
): t.Type<
  t.TypeOf<t.TypeC<R>> & Partial<t.TypeOf<t.TypeC<O>>>,
  t.OutputOf<t.TypeC<R>> & Partial<t.OutputOf<t.TypeC<O>>>,
  unknown
> => {
  const opt = (optional ?? {}) as O
  const reqKeys = Object.keys(required)
  const optKeys = Object.keys(opt)
  const allowed = new Set([...reqKeys, ...optKeys])
  type A = t.TypeOf<t.TypeC<R>> & Partial<t.TypeOf<t.TypeC<O>>>
  const isObj = (u: unknown): u is Record<string, unknown> =>
    typeof u === 'object' && u !== null && !Array.isArray(u)

  // Compiled on first use: the field codecs are all defined by then. A key
  // that an object literal would not take as a plain key keeps the slow path.
  let compiled: FastDecoder | undefined
  const fast = (u: unknown, owned?: boolean): unknown => {
    compiled ??= allowed.has('__proto__')
      ? () => FAIL
      : compileStrict(
          reqKeys,
          optKeys,
          reqKeys.map((k) => fastDecoderOf(required[k] as t.Mixed)),
          optKeys.map((k) => fastDecoderOf(opt[k] as t.Mixed)),
        )
    return compiled(u, owned)
  }

  const codec = new t.Type<A, A, unknown>(
    name ?? `{ ${[...reqKeys, ...optKeys.map((k) => `${k}?`)].join(', ')} }`,
    (u): u is A => isObj(u),
    (u, c) => {
      if (!isObj(u))
        return t.failure(
          u,
          c,
          u === undefined ? 'missing required field, expected an object' : 'expected an object',
        )
      let quick: unknown
      try {
        quick = fast(u)
      } catch {
        // A getter or proxy trap that throws: the slow path reads the object as it always did.
        quick = FAIL
      }
      if (quick !== FAIL) return t.success(quick as A)
      const errors: t.Errors = []
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(u)) {
        if (!allowed.has(k)) {
          errors.push({
            value: u[k],
            context: [...c, { key: k, type: t.never, actual: u[k] }],
            message: `unknown field "${k}"`,
          })
        }
      }
      for (const k of reqKeys) {
        const codec = required[k] as t.Mixed
        const v = hasOwn.call(u, k) ? u[k] : undefined
        const r = codec.validate(v, t.appendContext(c, k, codec, v))
        if (isLeft(r)) errors.push(...r.left)
        else out[k] = r.right
      }
      for (const k of optKeys) {
        if (!hasOwn.call(u, k)) continue
        const codec = opt[k] as t.Mixed
        const v = u[k]
        const r = codec.validate(v, t.appendContext(c, k, codec, v))
        if (isLeft(r)) errors.push(...r.left)
        else out[k] = r.right
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out as A)
    },
    (a) => a,
  )
  fastDecoders.set(codec, fast)
  return Object.assign(codec, { required, optional: opt }) as never
}

/** The field codecs of a `strict` codec (for generated documentation). */
export const fieldsOf = (codec: t.Mixed): { required: t.Props; optional: t.Props } | undefined => {
  const c = codec as t.Mixed & { required?: t.Props; optional?: t.Props }
  return c.required !== undefined && c.optional !== undefined
    ? { required: c.required, optional: c.optional }
    : undefined
}

/** `toISOString` of a parsed date, or undefined when it is not a date (month 13 throws otherwise). */
const isoOf = (s: string): string | undefined => {
  const ms = Date.parse(s)
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString()
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

const digits2 = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48
const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * The canonical form check of an instant: exactly what `toISOString` of its own
 * parse gives back, i.e. a real calendar date (proleptic Gregorian, years
 * 0000–9999) and a time from 00:00:00.000 to 23:59:59.999. Checked field by
 * field: a round trip through `Date` costs more than the rest of decoding an event.
 */
const isCanonicalInstant = (s: string): boolean => {
  if (!ISO_INSTANT.test(s)) return false
  const year = digits2(s, 0) * 100 + digits2(s, 2)
  const month = digits2(s, 5)
  const day = digits2(s, 8)
  if (month < 1 || month > 12 || day < 1) return false
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!
  return day <= days && digits2(s, 11) <= 23 && digits2(s, 14) <= 59 && digits2(s, 17) <= 59
}

export interface IsoInstantBrand {
  readonly IsoInstant: unique symbol
}
/** An instant in ISO 8601 UTC with milliseconds: `2026-03-02T09:15:00.000Z`. */
export type IsoInstant = t.Branded<string, IsoInstantBrand>
// Decoding an event checks its `at` through `canonicalInstantMs`, which keeps the
// result: the sequence check and the folds then ask for the same string's ms for free.
export const IsoInstant = t.brand(
  t.string,
  (s): s is IsoInstant => !Number.isNaN(canonicalInstantMs(s)),
  'IsoInstant',
)

const DAY_MS = 86_400_000
/** First instant of year 10000: `toISOString` writes six-digit years from there. */
const YEAR_10000 = 253_402_300_800_000

// The character codes of the date part of recent days (`YYYY-MM-DD`), 8 per
// day after the day's number, in slots by day modulo DAY_SLOTS: instants
// formatted together (a ticket's, a report's) fall on a few neighbouring days.
// A pure function's cache: same answer with or without it.
const DAY_SLOTS = 64
const DAY_SLOT = 9
const dayCodes = new Int32Array(DAY_SLOTS * DAY_SLOT).fill(-1)

/** The slot of `days` (since 1970-01-01, ≥ 0) in `dayCodes`, filled. */
const daySlot = (days: number): number => {
  const at = (days & (DAY_SLOTS - 1)) * DAY_SLOT
  if (dayCodes[at] === days) return at
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, days ≥ 0).
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  dayCodes[at] = days
  dayCodes[at + 1] = 48 + Math.floor(year / 1000)
  dayCodes[at + 2] = 48 + (Math.floor(year / 100) % 10)
  dayCodes[at + 3] = 48 + (Math.floor(year / 10) % 10)
  dayCodes[at + 4] = 48 + (year % 10)
  dayCodes[at + 5] = 48 + Math.floor(month / 10)
  dayCodes[at + 6] = 48 + (month % 10)
  dayCodes[at + 7] = 48 + Math.floor(day / 10)
  dayCodes[at + 8] = 48 + (day % 10)
  return at
}

/**
 * `new Date(ms).toISOString()`, written out by hand for whole milliseconds from
 * 1970 to 9999 (timers, projections and the report's archive format instants
 * by the million; a `Date` per call was most of their time), as one flat
 * string of character codes rather than joined from pieces: about half the
 * cost, and whoever reads its characters again (a parser, a comparison) need
 * not flatten it first. Anything else goes through `Date`, which also keeps
 * its RangeError for NaN.
 */
export const toInstant = (ms: number): IsoInstant => {
  if (!(ms >= 0 && ms < YEAR_10000 && Number.isInteger(ms))) return new Date(ms).toISOString() as IsoInstant
  const days = Math.floor(ms / DAY_MS)
  const d = daySlot(days)
  let rest = ms - days * DAY_MS
  const hour = Math.floor(rest / 3_600_000)
  rest -= hour * 3_600_000
  const minute = Math.floor(rest / 60_000)
  rest -= minute * 60_000
  const second = Math.floor(rest / 1000)
  const milli = rest - second * 1000
  return String.fromCharCode(
    dayCodes[d + 1]!,
    dayCodes[d + 2]!,
    dayCodes[d + 3]!,
    dayCodes[d + 4]!,
    45,
    dayCodes[d + 5]!,
    dayCodes[d + 6]!,
    45,
    dayCodes[d + 7]!,
    dayCodes[d + 8]!,
    84,
    48 + Math.floor(hour / 10),
    48 + (hour % 10),
    58,
    48 + Math.floor(minute / 10),
    48 + (minute % 10),
    58,
    48 + Math.floor(second / 10),
    48 + (second % 10),
    46,
    48 + Math.floor(milli / 100),
    48 + (Math.floor(milli / 10) % 10),
    48 + (milli % 10),
    90,
  ) as IsoInstant
}
/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm). */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

/**
 * Epoch ms of an instant: `Date.parse`, computed by hand for canonical
 * instants (every recorded `at`), which the handler and the deciders compare
 * several times per command.
 */
export const instantMs = (s: IsoInstant | string): number => {
  const ms = canonicalInstantMs(s)
  return Number.isNaN(ms) ? Date.parse(s) : ms
}

// One-entry memo of the latest canonical instant parsed: a replay asks for each
// event's `at` several times in a row (decoder, sequence check, both folds), and
// comparing 24 characters is far cheaper than checking and parsing them again.
// A pure function's cache: same answer with or without it.
let memoInstant = ''
let memoMs = Number.NaN

/**
 * Epoch ms of `s` when it is the canonical instant parsed last (by
 * `canonicalInstantMs`), else NaN: for parsers with their own fallback.
 */
export const memoizedInstantMs = (s: string): number => (s === memoInstant ? memoMs : Number.NaN)

/** Epoch ms of a canonical instant (what `IsoInstant` accepts), NaN for any other string. */
export const canonicalInstantMs = (s: string): number => {
  if (s === memoInstant) return memoMs
  if (s.length !== 24 || !isCanonicalInstant(s)) return Number.NaN
  const days = daysFromCivil(digits2(s, 0) * 100 + digits2(s, 2), digits2(s, 5), digits2(s, 8))
  const ms =
    days * DAY_MS +
    digits2(s, 11) * 3_600_000 +
    digits2(s, 14) * 60_000 +
    digits2(s, 17) * 1000 +
    digits2(s, 20) * 10 +
    s.charCodeAt(22) -
    48
  memoInstant = s
  memoMs = ms
  return ms
}

const DURATION = /^PT(?:(\d+)H)?(?:(\d+)M)?$/
export interface DurationBrand {
  readonly Duration: unique symbol
}
/** ISO 8601 `PTnHnM` duration (hours and minutes), e.g. `PT4H`, `PT1H30M`. */
export type Duration = t.Branded<string, DurationBrand>
export const Duration = t.brand(t.string, (s): s is Duration => s !== 'PT' && DURATION.test(s), 'Duration')
/** Minutes in a `PTnHnM` duration. */
export const durationMinutes = (d: Duration | string): number => {
  const m = DURATION.exec(d)
  if (m === null || d === 'PT') throw new Error(`not a PTnHnM duration: ${d}`)
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)
}
export const minutesToDuration = (minutes: number): Duration => {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return (h > 0 && m > 0 ? `PT${h}H${m}M` : h > 0 ? `PT${h}H` : `PT${m}M`) as Duration
}

export interface NonEmptyBrand {
  readonly NonEmpty: unique symbol
}
/** A string with at least one non-blank character. */
export type NonEmpty = t.Branded<string, NonEmptyBrand>
export const NonEmpty = t.brand(t.string, (s): s is NonEmpty => s.trim().length > 0, 'NonEmpty')

/** Local wall-clock time `HH:MM` (00:00–24:00). */
export interface LocalTimeBrand {
  readonly LocalTime: unique symbol
}
export type LocalTime = t.Branded<string, LocalTimeBrand>
export const LocalTime = t.brand(
  t.string,
  (s): s is LocalTime => /^(?:[01]\d|2[0-3]):[0-5]\d$/.test(s) || s === '24:00',
  'LocalTime',
)

/** Local calendar date `YYYY-MM-DD`. */
export interface LocalDateBrand {
  readonly LocalDate: unique symbol
}
export type LocalDate = t.Branded<string, LocalDateBrand>
export const LocalDate = t.brand(
  t.string,
  (s): s is LocalDate => /^\d{4}-\d{2}-\d{2}$/.test(s) && isoOf(`${s}T00:00:00.000Z`)?.startsWith(s) === true,
  'LocalDate',
)

/** An integer in [min, max]. */
export const intBetween = (min: number, max: number, name = `integer ${min}..${max}`) => {
  const codec = new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) =>
      typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max ? t.success(u) : t.failure(u, c),
    (a) => a,
  )
  identityCodecs.add(codec)
  return codec
}

/** A partial record over a keyof codec, refusing unknown keys. */
export const partialRecord = <D extends Record<string, unknown>, V extends t.Mixed>(
  keys: t.KeyofC<D>,
  value: V,
) =>
  strict(
    {},
    Object.fromEntries(Object.keys(keys.keys).map((k) => [k, value])) as { [P in keyof D & string]: V },
  )

/** One problem found while decoding: where, what was expected, what was found. */
export interface DecodeProblem {
  readonly path: string
  readonly expected: string
  readonly actual: string
  readonly message: string
}

const pathOf = (e: t.ValidationError): string =>
  e.context
    .slice(1)
    .map((c) => c.key)
    .filter((k) => k !== '')
    .join('.')

/** Turn io-ts errors into readable problems naming the path and the offending value. */
export const problemsOf = (errors: t.Errors): DecodeProblem[] => {
  const seen = new Set<string>()
  const out: DecodeProblem[] = []
  for (const e of errors) {
    const path = pathOf(e) || '(root)'
    const last = e.context[e.context.length - 1]
    const expected = last?.type.name ?? 'unknown'
    const actual = showValue(e.value)
    const message =
      e.message ??
      (e.value === undefined
        ? `missing required field, expected ${expected}`
        : `expected ${expected}, got ${actual}`)
    const key = `${path}|${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ path, expected, actual, message })
  }
  return out
}

export const formatProblems = (ps: readonly DecodeProblem[]): string =>
  ps.map((p) => `${p.path}: ${p.message}`).join('; ')
