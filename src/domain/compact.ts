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

// ---- ids -----------------------------------------------------------------

/**
 * Ticket id → row, without a heap object per ticket: the ids' characters in a
 * byte pool (ids with a character beyond U+00FF, or longer than 255, go to a
 * plain map instead) and an open-addressing table of rows (linear probing).
 */
export interface IdIndex {
  readonly bytes: Uint8Array[]
  bytesNext: number
  /** Per row: where its id starts in `bytes`, and its length. */
  readonly start: Column<Uint32Array>
  readonly length: Column<Uint8Array>
  /** row + 1; 0 empty; TOMBSTONE a row taken out. */
  table: Int32Array
  used: number
  readonly others: Map<string, number>
}

const TOMBSTONE = -1
const BYTES_CHUNK = 1 << 16

export const emptyIdIndex = (): IdIndex => ({
  bytes: [],
  bytesNext: 0,
  start: u32(),
  length: u8(),
  table: new Int32Array(1 << 12),
  used: 0,
  others: new Map(),
})

const isCompactId = (s: string): boolean => {
  if (s.length > 255) return false
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return false
  return true
}

/** FNV-1a over the characters. */
const hashOf = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

const idEquals = (x: IdIndex, row: number, s: string): boolean => {
  if (getU8(x.length, row) !== s.length) return false
  const at = getU32(x.start, row)
  const chunk = x.bytes[Math.floor(at / BYTES_CHUNK)]!
  const off = at % BYTES_CHUNK
  for (let i = 0; i < s.length; i++) if (chunk[off + i] !== s.charCodeAt(i)) return false
  return true
}

export const idOf = (x: IdIndex, row: number): string => {
  const at = getU32(x.start, row)
  const chunk = x.bytes[Math.floor(at / BYTES_CHUNK)]!
  const off = at % BYTES_CHUNK
  const n = getU8(x.length, row)
  let id = ''
  for (let i = 0; i < n; i++) id += String.fromCharCode(chunk[off + i]!)
  return id
}

/** The slot of `s`'s row, or of the empty slot where it would go. */
const slotOf = (x: IdIndex, s: string): number => {
  const mask = x.table.length - 1
  let i = hashOf(s) & mask
  for (;;) {
    const v = x.table[i]!
    if (v === 0 || (v > 0 && idEquals(x, v - 1, s))) return i
    i = (i + 1) & mask
  }
}

export const findRow = (x: IdIndex, s: string): number => {
  if (!isCompactId(s)) return x.others.get(s) ?? -1
  const v = x.table[slotOf(x, s)]!
  return v > 0 ? v - 1 : -1
}

const grow = (x: IdIndex): void => {
  const old = x.table
  let size = old.length
  while (x.used * 4 >= size * 3) size *= 2
  x.table = new Int32Array(size)
  x.used = 0
  const mask = size - 1
  for (const v of old) {
    if (v <= 0) continue
    let i = hashOf(idOf(x, v - 1)) & mask
    while (x.table[i] !== 0) i = (i + 1) & mask
    x.table[i] = v
    x.used++
  }
}

export const insertId = (x: IdIndex, s: string, row: number): void => {
  if (!isCompactId(s)) {
    setU32(x.start, row, 0)
    setU8(x.length, row, 0)
    x.others.set(s, row)
    return
  }
  let at = x.bytesNext
  if ((at % BYTES_CHUNK) + s.length > BYTES_CHUNK) at = Math.ceil(at / BYTES_CHUNK) * BYTES_CHUNK
  const k = Math.floor(at / BYTES_CHUNK)
  while (x.bytes.length <= k) x.bytes.push(new Uint8Array(BYTES_CHUNK))
  const chunk = x.bytes[k]!
  const off = at % BYTES_CHUNK
  for (let i = 0; i < s.length; i++) chunk[off + i] = s.charCodeAt(i)
  x.bytesNext = at + s.length
  setU32(x.start, row, at)
  setU8(x.length, row, s.length)
  // Tombstones count as used: the table is rebuilt (without them) when three quarters full.
  if ((x.used + 1) * 4 > x.table.length * 3) grow(x)
  x.table[slotOf(x, s)] = row + 1
  x.used++
}

export const removeId = (x: IdIndex, s: string): void => {
  if (!isCompactId(s)) {
    x.others.delete(s)
    return
  }
  const i = slotOf(x, s)
  if (x.table[i]! > 0) x.table[i] = TOMBSTONE
}
