/**
 * Compact tables for what a replay must remember about every stream or ticket
 * it has seen: columns of numbers in fixed-size typed-array chunks, and an
 * index from id strings to row numbers whose ids live in a byte pool, not as
 * one heap string and one map entry each. Used by the reader's sequence check
 * (src/store/ndjson.ts) and the report's ticket archive
 * (src/projections/ticket-archive.ts): off the JS heap, so the collector
 * neither scans them nor lets garbage grow in proportion to them.
 */

// ---- chunked columns ---------------------------------------------------------

// Fixed-size chunks rather than one array grown by doubling: growing never
// copies, and the slack is at most one chunk.
const ROW_BITS = 13
const ROWS_PER_CHUNK = 1 << ROW_BITS
const ROW_MASK = ROWS_PER_CHUNK - 1

type Typed = Float64Array | Uint32Array | Uint16Array | Uint8Array

export interface Column<A extends Typed> {
  readonly chunks: A[]
  readonly make: (n: number) => A
}

const column = <A extends Typed>(make: (n: number) => A): Column<A> => ({ chunks: [], make })

const chunkFor = <A extends Typed>(c: Column<A>, i: number): A => {
  const k = i >>> ROW_BITS
  while (c.chunks.length <= k) c.chunks.push(c.make(ROWS_PER_CHUNK))
  return c.chunks[k]!
}

// One reader and one writer per element type, so that each stays monomorphic
// (a single generic one was most of the cost of decoding a row).
export const getF64 = (c: Column<Float64Array>, i: number): number => c.chunks[i >>> ROW_BITS]![i & ROW_MASK]!
export const getU32 = (c: Column<Uint32Array>, i: number): number => c.chunks[i >>> ROW_BITS]![i & ROW_MASK]!
export const getU16 = (c: Column<Uint16Array>, i: number): number => c.chunks[i >>> ROW_BITS]![i & ROW_MASK]!
export const getU8 = (c: Column<Uint8Array>, i: number): number => c.chunks[i >>> ROW_BITS]![i & ROW_MASK]!
export const setF64 = (c: Column<Float64Array>, i: number, v: number): void => {
  chunkFor(c, i)[i & ROW_MASK] = v
}
export const setU32 = (c: Column<Uint32Array>, i: number, v: number): void => {
  chunkFor(c, i)[i & ROW_MASK] = v
}
export const setU16 = (c: Column<Uint16Array>, i: number, v: number): void => {
  chunkFor(c, i)[i & ROW_MASK] = v
}
export const setU8 = (c: Column<Uint8Array>, i: number, v: number): void => {
  chunkFor(c, i)[i & ROW_MASK] = v
}

export const f64 = () => column((n) => new Float64Array(n))
export const u32 = () => column((n) => new Uint32Array(n))
export const u16 = () => column((n) => new Uint16Array(n))
export const u8 = () => column((n) => new Uint8Array(n))

/**
 * A column of counts or codes that takes a byte per row until a value needs
 * more (then 16 bits, then 32: the chunks are copied once, wider): for
 * interned strings, of which there are a few hundred in most histories and
 * may be millions in some.
 */
export interface WideningColumn {
  chunks: (Uint8Array | Uint16Array | Uint32Array)[]
  /** The largest value the chunks hold. */
  max: number
}

export const widening = (): WideningColumn => ({ chunks: [], max: 0xff })

const wideningChunk = (max: number, n: number) =>
  max === 0xff ? new Uint8Array(n) : max === 0xffff ? new Uint16Array(n) : new Uint32Array(n)

export const getW = (c: WideningColumn, i: number): number => c.chunks[i >>> ROW_BITS]![i & ROW_MASK]!

/** Set row `i` to `v`, an integer in [0, 2^32). */
export const setW = (c: WideningColumn, i: number, v: number): void => {
  if (v > c.max) {
    while (v > c.max) c.max = c.max === 0xff ? 0xffff : 0xffffffff
    c.chunks = c.chunks.map((old) => {
      const wider = wideningChunk(c.max, old.length)
      wider.set(old)
      return wider
    })
  }
  const k = i >>> ROW_BITS
  while (c.chunks.length <= k) c.chunks.push(wideningChunk(c.max, ROWS_PER_CHUNK))
  c.chunks[k]![i & ROW_MASK] = v
}

// ---- ids -----------------------------------------------------------------

/**
 * Id → row, without a heap object per id. Each id is cut into a prefix, kept
 * once in a short list (`ticket-`, `T-`, `knowledge-`…), and the rest, kept
 * per row in a byte pool in one of two forms:
 * - a canonical UUID (lowercase hex, 8-4-4-4-12) ending the id, whatever
 *   precedes it: its 128 bits, 16 bytes where its characters took 36. Only
 *   the exact lowercase spelling has this form (it is the only one rebuilt
 *   exactly from its bits): an uppercase or otherwise odd UUID is characters;
 * - any other id, cut after its first `-` (or not cut, without one), whose
 *   rest is at most 255 characters, all below U+0100: a length byte and the
 *   characters;
 * the rest go to a plain map. Per row: one byte (its form and prefix) and
 * where its bytes start; rows are found through an open-addressing table
 * (linear probing).
 */
export interface IdIndex {
  /** Per row: FORM_MAP, FORM_BYTES + prefix number, or FORM_UUID + prefix number. */
  readonly form: Column<Uint8Array>
  /** Per row: where its bytes start in `bytes`. */
  readonly ref: Column<Uint32Array>
  /** The prefixes met, in order (the first is the empty one). */
  readonly prefixes: string[]
  readonly bytes: Uint8Array[]
  bytesNext: number
  /** row + 1; 0 empty; TOMBSTONE a row taken out. */
  table: Int32Array
  /** Slots taken, tombstones included. */
  used: number
  live: number
  readonly others: Map<string, number>
  readonly otherIds: Map<number, string>
  /** The bits of the last id read as a UUID (scratch: nothing allocated per lookup). */
  readonly key: Uint32Array
  /** Where the rest of the last id read as characters starts in it. */
  restAt: number
}

const TOMBSTONE = -1
const BYTES_BITS = 16
const BYTES_CHUNK = 1 << BYTES_BITS
/** Prefixes kept; an id whose prefix comes later is kept whole, under the empty one. */
export const MAX_ID_PREFIXES = 64
const FORM_MAP = 0
const FORM_BYTES = 1
const FORM_UUID = FORM_BYTES + MAX_ID_PREFIXES
/** No such id can be in the index (its prefix was never met). */
const ABSENT = -1
const UUID_LENGTH = 36
const UUID_BYTES = 16
/** Ids kept as characters: at most this long (after their prefix), each below U+0100. */
const MAX_REST = 255

export const emptyIdIndex = (): IdIndex => ({
  form: u8(),
  ref: u32(),
  prefixes: [''],
  bytes: [],
  bytesNext: 0,
  table: new Int32Array(1 << 12),
  used: 0,
  live: 0,
  others: new Map(),
  otherIds: new Map(),
  key: new Uint32Array(4),
  restAt: 0,
})

/** Value of a lowercase hex digit by char code, -1 for anything else. */
const HEX = (() => {
  const t = new Int8Array(128).fill(-1)
  for (let i = 0; i < 10; i++) t[48 + i] = i
  for (let i = 0; i < 6; i++) t[97 + i] = 10 + i
  return t
})()

/** Whether `s` ends, from `from`, with a canonical lowercase UUID; its bits go to `out`. */
const parseUuid = (s: string, from: number, out: Uint32Array): boolean => {
  let w = 0
  let k = 0
  let digits = 0
  for (let i = 0; i < UUID_LENGTH; i++) {
    const c = s.charCodeAt(from + i)
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45 /* - */) return false
      continue
    }
    const v = c < 128 ? HEX[c]! : -1
    if (v < 0) return false
    w = (w << 4) | v
    if (++digits === 8) {
      out[k++] = w >>> 0
      w = 0
      digits = 0
    }
  }
  return true
}

const HEX_DIGITS = '0123456789abcdef'
const hex8 = (w: number): string => {
  let out = ''
  for (let sh = 28; sh >= 0; sh -= 4) out += HEX_DIGITS[(w >>> sh) & 15]
  return out
}

/** The number of `s`'s first `n` characters as a prefix met, or -1. */
const prefixNumber = (x: IdIndex, s: string, n: number): number => {
  const ps = x.prefixes
  for (let p = 0; p < ps.length; p++) {
    const pre = ps[p]!
    if (pre.length === n && s.startsWith(pre)) return p
  }
  return -1
}

/**
 * The form of `s` (its UUID bits in `x.key`, or where its rest starts in
 * `x.restAt`), taking note of its prefix when `adding`; ABSENT when looking
 * up an id whose prefix was never met. The prefix list only grows, up to a
 * bound, so an id has the same form at its insertion and at every lookup.
 */
const formOf = (x: IdIndex, s: string, adding: boolean): number => {
  const full = x.prefixes.length >= MAX_ID_PREFIXES
  const n = s.length - UUID_LENGTH
  if (n >= 0 && parseUuid(s, n, x.key)) {
    const p = prefixNumber(x, s, n)
    if (p >= 0) return FORM_UUID + p
    if (!full) {
      if (!adding) return ABSENT
      x.prefixes.push(s.slice(0, n))
      return FORM_UUID + x.prefixes.length - 1
    }
  }
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return FORM_MAP
  const cut = s.indexOf('-') + 1
  let p = prefixNumber(x, s, cut)
  if (p < 0 && !full) {
    if (!adding) return ABSENT
    x.prefixes.push(s.slice(0, cut))
    p = x.prefixes.length - 1
  }
  // A prefix beyond the list: the whole id, under the empty prefix.
  x.restAt = p < 0 ? 0 : cut
  if (s.length - x.restAt > MAX_REST) return FORM_MAP
  return FORM_BYTES + Math.max(p, 0)
}

const hashUuid = (form: number, w0: number, w1: number, w2: number, w3: number): number => {
  let h = Math.imul(form, 0x9e3779b1)
  h = Math.imul(h ^ w0, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h ^ w1, 0xc2b2ae35)
  h ^= h >>> 16
  h = Math.imul(h ^ w2, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h ^ w3, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** FNV-1a over the form and the characters of `s` from `from`. */
const hashChars = (form: number, s: string, from: number): number => {
  let h = Math.imul(0x811c9dc5 ^ form, 0x01000193)
  for (let i = from; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

const chunkOf = (x: IdIndex, at: number): Uint8Array => x.bytes[at >>> BYTES_BITS]!
const wordAt = (b: Uint8Array, i: number): number =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0

/** The same hash as the id's, from its row (to rebuild the table without making strings). */
const hashRow = (x: IdIndex, row: number): number => {
  const form = getU8(x.form, row)
  const at = getU32(x.ref, row)
  const b = chunkOf(x, at)
  const o = at & (BYTES_CHUNK - 1)
  if (form >= FORM_UUID)
    return hashUuid(form, wordAt(b, o), wordAt(b, o + 4), wordAt(b, o + 8), wordAt(b, o + 12))
  let h = Math.imul(0x811c9dc5 ^ form, 0x01000193)
  const n = b[o]!
  for (let i = 1; i <= n; i++) h = Math.imul(h ^ b[o + i]!, 0x01000193)
  return h >>> 0
}

/** The slot of the row of `s` (of form `form`, read by `formOf`), or of the empty slot where it would go. */
const slotOf = (x: IdIndex, s: string, form: number): number => {
  const t = x.table
  const mask = t.length - 1
  const uuid = form >= FORM_UUID
  const k = x.key
  const k0 = k[0]!
  const k1 = k[1]!
  const k2 = k[2]!
  const k3 = k[3]!
  const from = x.restAt
  const n = s.length - from
  let i = (uuid ? hashUuid(form, k0, k1, k2, k3) : hashChars(form, s, from)) & mask
  for (;;) {
    const v = t[i]!
    if (v === 0) return i
    if (v > 0 && getU8(x.form, v - 1) === form) {
      const at = getU32(x.ref, v - 1)
      const b = chunkOf(x, at)
      const o = at & (BYTES_CHUNK - 1)
      if (uuid) {
        if (
          wordAt(b, o) === k0 &&
          wordAt(b, o + 4) === k1 &&
          wordAt(b, o + 8) === k2 &&
          wordAt(b, o + 12) === k3
        )
          return i
      } else if (b[o] === n) {
        let same = true
        for (let j = 0; j < n && same; j++) same = b[o + 1 + j] === s.charCodeAt(from + j)
        if (same) return i
      }
    }
    i = (i + 1) & mask
  }
}

export const findRow = (x: IdIndex, s: string): number => {
  const form = formOf(x, s, false)
  if (form === ABSENT) return -1
  if (form === FORM_MAP) return x.others.get(s) ?? -1
  const v = x.table[slotOf(x, s, form)]!
  return v > 0 ? v - 1 : -1
}

export const idOf = (x: IdIndex, row: number): string => {
  const form = getU8(x.form, row)
  if (form === FORM_MAP) return x.otherIds.get(row) ?? ''
  const at = getU32(x.ref, row)
  const b = chunkOf(x, at)
  const o = at & (BYTES_CHUNK - 1)
  if (form >= FORM_UUID) {
    const a = hex8(wordAt(b, o))
    const c = hex8(wordAt(b, o + 4))
    const d = hex8(wordAt(b, o + 8))
    const e = hex8(wordAt(b, o + 12))
    return `${x.prefixes[form - FORM_UUID]}${a}-${c.slice(0, 4)}-${c.slice(4)}-${d.slice(0, 4)}-${d.slice(4)}${e}`
  }
  let id = x.prefixes[form - FORM_BYTES]!
  const n = b[o]!
  for (let i = 1; i <= n; i++) id += String.fromCharCode(b[o + i]!)
  return id
}

/** Rebuild the table without tombstones, at most half full. */
const rebuild = (x: IdIndex): void => {
  const old = x.table
  let size = old.length
  while ((x.live + 1) * 2 > size) size *= 2
  const t = new Int32Array(size)
  const mask = size - 1
  for (const v of old) {
    if (v <= 0) continue
    let i = hashRow(x, v - 1) & mask
    while (t[i] !== 0) i = (i + 1) & mask
    t[i] = v
  }
  x.table = t
  x.used = x.live
}

/** Room for `n` bytes in the pool (a row's bytes never straddle two chunks). */
const reserveBytes = (x: IdIndex, n: number): number => {
  let at = x.bytesNext
  if ((at & (BYTES_CHUNK - 1)) + n > BYTES_CHUNK) at = Math.ceil(at / BYTES_CHUNK) * BYTES_CHUNK
  while (x.bytes.length <= at >>> BYTES_BITS) x.bytes.push(new Uint8Array(BYTES_CHUNK))
  x.bytesNext = at + n
  return at
}

/** Give `s` (not in the index) the row `row`. */
export const insertId = (x: IdIndex, s: string, row: number): void => {
  const form = formOf(x, s, true)
  setU8(x.form, row, form)
  if (form === FORM_MAP) {
    x.others.set(s, row)
    x.otherIds.set(row, s)
    return
  }
  if (form >= FORM_UUID) {
    const at = reserveBytes(x, UUID_BYTES)
    const b = chunkOf(x, at)
    const o = at & (BYTES_CHUNK - 1)
    for (let j = 0; j < 4; j++) {
      const w = x.key[j]!
      b[o + 4 * j] = w >>> 24
      b[o + 4 * j + 1] = w >>> 16
      b[o + 4 * j + 2] = w >>> 8
      b[o + 4 * j + 3] = w
    }
    setU32(x.ref, row, at)
  } else {
    const from = x.restAt
    const n = s.length - from
    const at = reserveBytes(x, 1 + n)
    const b = chunkOf(x, at)
    const o = at & (BYTES_CHUNK - 1)
    b[o] = n
    for (let j = 0; j < n; j++) b[o + 1 + j] = s.charCodeAt(from + j)
    setU32(x.ref, row, at)
  }
  // Tombstones count as used: the table is rebuilt (without them) when three quarters full.
  if ((x.used + 1) * 4 > x.table.length * 3) rebuild(x)
  x.table[slotOf(x, s, form)] = row + 1
  x.used++
  x.live++
}

export const removeId = (x: IdIndex, s: string): void => {
  const form = formOf(x, s, false)
  if (form === ABSENT) return
  if (form === FORM_MAP) {
    const row = x.others.get(s)
    if (row === undefined) return
    x.others.delete(s)
    x.otherIds.delete(row)
    return
  }
  const i = slotOf(x, s, form)
  if (x.table[i]! > 0) {
    x.table[i] = TOMBSTONE
    x.live--
  }
}
