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
/** Row `i`, 0 when no chunk holds it yet (a row an index shared with others gave out). */
export const getU8OrZero = (c: Column<Uint8Array>, i: number): number =>
  c.chunks[i >>> ROW_BITS]?.[i & ROW_MASK] ?? 0
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
 * (linear probing, at most three quarters full).
 *
 * A lookup (once per event in the reader's sequence check) touches as
 * little as it can. Each slot of the table holds, beside its row, a 6-bit
 * fingerprint of its id's hash, so a probe reads a row's form, `ref` and
 * bytes (dependent loads from three places, cache misses on a large index)
 * only when the fingerprint matches: for about one in 64 of the other ids it
 * meets. Reading the id itself is one pass over its characters (the cut
 * after its first `-`, the check that none is beyond U+00FF and the hash of
 * the rest at once), its prefix compared by hand. An insertion right after a
 * lookup of the same id, with nothing changed in between (the reader and the
 * archive look up, then insert when absent), reuses that lookup's slot
 * instead of reading the id again. Rows up to 2^25 − 2 are packed with their
 * fingerprint; past that the table holds rows alone and works as it did
 * before fingerprints, only slower. Nothing more is kept per id: a slot is
 * still 4 bytes.
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
  /**
   * Per slot: 0 empty, TOMBSTONE a row taken out, otherwise row + 1 in the
   * bits of `rowMask` and the id's fingerprint in those of `tagMask`.
   */
  table: Int32Array
  /** Slots taken, tombstones included. */
  used: number
  live: number
  /** The bits of a slot holding row + 1: all 31 once a row too large for the packing was met. */
  rowMask: number
  /** The bits of a slot holding the fingerprint (none once `rowMask` is all 31 bits). */
  tagMask: number
  readonly others: Map<string, number>
  readonly otherIds: Map<number, string>
  /** The bits of the last id read as a UUID (scratch: nothing allocated per lookup). */
  readonly key: Uint32Array
  /** Where the rest of the last id read as characters starts in it. */
  restAt: number
  /** The hash of the last id read (of its form and its UUID bits or its rest). */
  hash: number
  /**
   * The last id `findRow` looked for in the table, while nothing has changed
   * since (the scratch above is still its own), with its form and slot: the
   * reader's sequence check and the archive look an id up, then insert it
   * when absent, and the insertion need not read it again.
   */
  lastId: string | undefined
  lastForm: number
  lastSlot: number
  /**
   * The row `rowFor` gives the next id it inserts. Every user of an index
   * shared between the reader's sequence check and the report's archive
   * numbers rows through it, so that they never give one row to two ids.
   */
  nextRow: number
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
/** A slot's bits for row + 1, then for the fingerprint (bit 31 stays clear: TOMBSTONE is -1). */
const ROW_SLOT_BITS = 25
const TAG_SLOT_BITS = 6
const WIDE_ROWS = 0x7fffffff

/**
 * An empty index of `slots` slots (a power of two) that pack row + 1 in
 * `rowBits` bits and a fingerprint in the `tagBits` above them
 * (`rowBits + tagBits` ≤ 31). For tests: with few bits, fingerprints collide
 * all the time and rows soon outgrow the packing; with few slots, ids meet in
 * the table and it grows early. `emptyIdIndex` is 25, 6 and 4096.
 */
export const emptyIdIndexPacking = (rowBits: number, tagBits: number, slots = 1 << 12): IdIndex => {
  if (rowBits < 1 || tagBits < 0 || rowBits + tagBits > 31)
    throw new RangeError(`no slot of ${rowBits} + ${tagBits} bits`)
  if (slots < 2 || (slots & (slots - 1)) !== 0) throw new RangeError(`a table of ${slots} slots`)
  const rowMask = rowBits === 31 ? WIDE_ROWS : (1 << rowBits) - 1
  return {
    form: u8(),
    ref: u32(),
    prefixes: [''],
    bytes: [],
    bytesNext: 0,
    table: new Int32Array(slots),
    used: 0,
    live: 0,
    rowMask,
    tagMask: (((1 << tagBits) - 1) << rowBits) & WIDE_ROWS,
    others: new Map(),
    otherIds: new Map(),
    key: new Uint32Array(4),
    restAt: 0,
    hash: 0,
    lastId: undefined,
    lastForm: 0,
    lastSlot: 0,
    nextRow: 0,
  }
}

export const emptyIdIndex = (): IdIndex => emptyIdIndexPacking(ROW_SLOT_BITS, TAG_SLOT_BITS)

/** Value of a lowercase hex digit by char code, -1 for anything else. */
const HEX = (() => {
  const t = new Int8Array(128).fill(-1)
  for (let i = 0; i < 10; i++) t[48 + i] = i
  for (let i = 0; i < 6; i++) t[97 + i] = 10 + i
  return t
})()

/** Whether `s` ends, from `from`, with a canonical lowercase UUID; its bits go to `out`. */
const parseUuid = (s: string, from: number, out: Uint32Array): boolean => {
  // The dashes first: most ids that are not UUIDs fail here, without a loop.
  if (
    s.charCodeAt(from + 8) !== 45 ||
    s.charCodeAt(from + 13) !== 45 ||
    s.charCodeAt(from + 18) !== 45 ||
    s.charCodeAt(from + 23) !== 45
  )
    return false
  let w = 0
  let k = 0
  let digits = 0
  for (let i = 0; i < UUID_LENGTH; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue
    const c = s.charCodeAt(from + i)
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
    if (pre.length !== n) continue
    // By hand: `startsWith` is a call into the runtime, several times this loop on short prefixes.
    let j = 0
    while (j < n && pre.charCodeAt(j) === s.charCodeAt(j)) j++
    if (j === n) return p
  }
  return -1
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

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** FNV-1a over the characters of `s` from `from` (finished by `finishChars`). */
const fnvChars = (s: string, from: number): number => {
  let h = FNV_OFFSET
  for (let i = from; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME)
  return h
}

/**
 * The hash of a rest of characters from their FNV-1a and the form, mixed:
 * FNV-1a's low bits (the slot) depend only on the characters' low bits.
 * Ids of the bench histories spread as random ones without the mix; it is
 * cheap insurance for others.
 */
const finishChars = (h: number, form: number): number => {
  h = Math.imul(h ^ Math.imul(form, 0x9e3779b1), 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * The form of `s` (its UUID bits in `x.key`, or where its rest starts in
 * `x.restAt`; its hash in `x.hash`), taking note of its prefix when `adding`;
 * ABSENT when looking up an id whose prefix was never met. The prefix list
 * only grows, up to a bound, so an id has the same form at its insertion and
 * at every lookup.
 */
const formOf = (x: IdIndex, s: string, adding: boolean): number => {
  const full = x.prefixes.length >= MAX_ID_PREFIXES
  const len = s.length
  const n = len - UUID_LENGTH
  if (n >= 0 && parseUuid(s, n, x.key)) {
    let form = -1
    const p = prefixNumber(x, s, n)
    if (p >= 0) form = FORM_UUID + p
    else if (!full) {
      if (!adding) return ABSENT
      x.prefixes.push(s.slice(0, n))
      form = FORM_UUID + x.prefixes.length - 1
    }
    if (form >= 0) {
      const k = x.key
      x.hash = hashUuid(form, k[0]!, k[1]!, k[2]!, k[3]!)
      return form
    }
  }
  // One pass over the characters: the cut after the first `-`, none beyond
  // U+00FF, and the hash of what follows the cut.
  let cut = 0
  let i = 0
  for (; i < len; i++) {
    const c = s.charCodeAt(i)
    if (c > 255) return FORM_MAP
    if (c === 45) {
      cut = i + 1
      break
    }
  }
  let h = FNV_OFFSET
  for (i = cut; i < len; i++) {
    const c = s.charCodeAt(i)
    if (c > 255) return FORM_MAP
    h = Math.imul(h ^ c, FNV_PRIME)
  }
  let p = prefixNumber(x, s, cut)
  if (p < 0 && !full) {
    if (!adding) return ABSENT
    x.prefixes.push(s.slice(0, cut))
    p = x.prefixes.length - 1
  }
  if (p < 0) {
    // A prefix beyond the list: the whole id, under the empty prefix.
    x.restAt = 0
    if (cut > 0) h = fnvChars(s, 0)
  } else x.restAt = cut
  if (len - x.restAt > MAX_REST) return FORM_MAP
  const form = FORM_BYTES + Math.max(p, 0)
  x.hash = finishChars(h, form)
  return form
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
  let h = FNV_OFFSET
  const n = b[o]!
  for (let i = 1; i <= n; i++) h = Math.imul(h ^ b[o + i]!, FNV_PRIME)
  return finishChars(h, form)
}

/** A slot's fingerprint of a hash (its high bits: the slot number comes from the low ones). */
const tagOf = (x: IdIndex, hash: number): number => (hash >>> 1) & x.tagMask

/**
 * The slot of the row of `s` (of form `form`, read by `formOf`), or of the
 * empty slot where it would go. A slot whose fingerprint differs is another
 * id's: its row is not read.
 */
const slotOf = (x: IdIndex, s: string, form: number): number => {
  const t = x.table
  const mask = t.length - 1
  const rowMask = x.rowMask
  const notRow = ~rowMask
  const tag = tagOf(x, x.hash)
  let i = x.hash & mask
  if (form >= FORM_UUID) {
    const k = x.key
    const k0 = k[0]!
    const k1 = k[1]!
    const k2 = k[2]!
    const k3 = k[3]!
    for (;;) {
      const v = t[i]!
      if (v === 0) return i
      if (v > 0 && (v & notRow) === tag) {
        const row = (v & rowMask) - 1
        if (getU8(x.form, row) === form) {
          const at = getU32(x.ref, row)
          const b = chunkOf(x, at)
          const o = at & (BYTES_CHUNK - 1)
          if (
            wordAt(b, o) === k0 &&
            wordAt(b, o + 4) === k1 &&
            wordAt(b, o + 8) === k2 &&
            wordAt(b, o + 12) === k3
          )
            return i
        }
      }
      i = (i + 1) & mask
    }
  }
  const from = x.restAt
  const n = s.length - from
  for (;;) {
    const v = t[i]!
    if (v === 0) return i
    if (v > 0 && (v & notRow) === tag) {
      const row = (v & rowMask) - 1
      if (getU8(x.form, row) === form) {
        const at = getU32(x.ref, row)
        const b = chunkOf(x, at)
        const o = at & (BYTES_CHUNK - 1)
        if (b[o] === n) {
          let j = 0
          while (j < n && b[o + 1 + j] === s.charCodeAt(from + j)) j++
          if (j === n) return i
        }
      }
    }
    i = (i + 1) & mask
  }
}

export const findRow = (x: IdIndex, s: string): number => {
  const form = formOf(x, s, false)
  if (form === ABSENT || form === FORM_MAP) {
    x.lastId = undefined
    return form === ABSENT ? -1 : (x.others.get(s) ?? -1)
  }
  const slot = slotOf(x, s, form)
  x.lastId = s
  x.lastForm = form
  x.lastSlot = slot
  const v = x.table[slot]!
  return v > 0 ? (v & x.rowMask) - 1 : -1
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

/** Rebuild the table without tombstones, at most half full (slots keep their fingerprints). */
const rebuild = (x: IdIndex): void => {
  const old = x.table
  let size = old.length
  while ((x.live + 1) * 2 > size) size *= 2
  const t = new Int32Array(size)
  const mask = size - 1
  const rowMask = x.rowMask
  for (const v of old) {
    if (v <= 0) continue
    let i = hashRow(x, (v & rowMask) - 1) & mask
    while (t[i] !== 0) i = (i + 1) & mask
    t[i] = v
  }
  x.table = t
  x.used = x.live
}

/** A row past the packing: slots hold their row alone from now on (fingerprints dropped). */
const widen = (x: IdIndex): void => {
  const t = x.table
  const rowMask = x.rowMask
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!
    if (v > 0) t[i] = v & rowMask
  }
  x.rowMask = WIDE_ROWS
  x.tagMask = 0
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
  // Just looked up (and so absent): its form, hash and slot are known.
  const known = x.lastId === s
  const form = known ? x.lastForm : formOf(x, s, true)
  let slot = known ? x.lastSlot : -1
  x.lastId = undefined
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
  if (row + 1 > x.rowMask) widen(x)
  // Tombstones count as used: the table is rebuilt (without them) when three quarters full.
  if ((x.used + 1) * 4 > x.table.length * 3) {
    rebuild(x)
    slot = -1
  }
  // `x.hash` and `x.key` are still this id's: neither `widen` nor `rebuild` reads an id through them.
  if (slot < 0) slot = slotOf(x, s, form)
  x.table[slot] = tagOf(x, x.hash) | (row + 1)
  x.used++
  x.live++
}

/** Give `s` (not in the index; just looked up, its slot is reused) the next row (`nextRow`). */
export const insertNextRow = (x: IdIndex, s: string): number => {
  const row = x.nextRow++
  insertId(x, s, row)
  return row
}

/** The row of `s`, inserted with the next row (`nextRow`) when absent. */
export const rowFor = (x: IdIndex, s: string): number => {
  const found = findRow(x, s)
  return found >= 0 ? found : insertNextRow(x, s)
}

export const removeId = (x: IdIndex, s: string): void => {
  x.lastId = undefined
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
