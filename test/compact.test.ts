/**
 * The compact id index (src/domain/compact.ts) against a plain Map: whatever
 * the ids (canonical lowercase UUIDs with or without a prefix, uppercase or
 * mangled UUIDs, any other string, characters beyond U+00FF, long ids, more
 * prefixes than it keeps), it finds exactly the rows a Map
 * would, and gives every id back exactly as it was inserted — also when the
 * fingerprints its table keeps beside each row collide all the time, and
 * when rows outgrow the bits the table packs them in.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  emptyIdIndex,
  emptyIdIndexPacking,
  findRow,
  getW,
  type IdIndex,
  idOf,
  insertId,
  MAX_ID_PREFIXES,
  removeId,
  setW,
  widening,
} from '../src/domain/compact.js'

const UUID = '0190f3a2-7c4e-7b1d-9a3f-5e6d7c8b9a01'

const uuid = fc.uuid().map((u) => u.toLowerCase())
const prefix = fc.constantFrom('', 'ticket-', 'major-incident-', 'knowledge-', 'x', 'ticket-ticket-')
/** Ids of every kind the index treats differently, and near misses between them. */
const anyId = fc.oneof(
  fc.tuple(prefix, uuid).map(([p, u]) => p + u),
  fc.tuple(prefix, uuid).map(([p, u]) => p + u.toUpperCase()),
  // One character of a canonical UUID changed: not canonical any more, or another UUID.
  fc
    .tuple(prefix, uuid, fc.nat(35), fc.constantFrom('g', 'A', '-', '0', 'f', ' ', 'é', '\u0100'))
    .map(([p, u, i, c]) => p + u.slice(0, i) + c + u.slice(i + 1)),
  fc.tuple(prefix, uuid).map(([p, u]) => `${p}${u}x`),
  fc.tuple(prefix, uuid).map(([p, u]) => p + u.slice(1)),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ minLength: 250, maxLength: 300 }),
  fc.constantFrom('organization', '', UUID, `ticket-${UUID}`, `ticket-${UUID.toUpperCase()}`),
)

type Op = { readonly kind: 'insert' | 'remove' | 'find'; readonly id: string }
const op = fc.record({
  kind: fc.constantFrom('insert', 'insert', 'remove', 'find'),
  id: anyId,
}) as fc.Arbitrary<Op>

/**
 * Run ops on an index and on a Map side by side; the index must answer as the
 * Map does (after each op, unless `checkEach` is false: then only the finds
 * the ops make and the answers at the end, so that an insertion may follow a
 * lookup of the same id, or of another one, with nothing in between).
 */
const runModel = (ops: readonly Op[], x: IdIndex = emptyIdIndex(), checkEach = true): void => {
  const model = new Map<string, number>()
  const inserted: string[] = []
  for (const o of ops) {
    if (o.kind === 'insert' && !model.has(o.id)) {
      const row = inserted.length
      inserted.push(o.id)
      insertId(x, o.id, row)
      model.set(o.id, row)
    } else if (o.kind === 'remove') {
      removeId(x, o.id)
      model.delete(o.id)
    }
    if (checkEach || o.kind === 'find') expect(findRow(x, o.id)).toBe(model.get(o.id) ?? -1)
  }
  for (const [id, row] of model) expect(findRow(x, id)).toBe(row)
  for (const [row, id] of inserted.entries()) expect(idOf(x, row)).toBe(id)
}

describe('the compact id index', () => {
  it('answers as a Map does, and gives every id back as inserted, for ids of every form', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => runModel(ops)),
      { numRuns: 150 },
    )
  })

  it('tells apart a canonical UUID, the same UUID in uppercase, and near misses, with or without a prefix', () => {
    const x = emptyIdIndex()
    const ids = [
      UUID,
      UUID.toUpperCase(),
      `ticket-${UUID}`,
      `ticket-${UUID.toUpperCase()}`,
      `ticket-${UUID.slice(0, 35)}g`,
      `ticket-${UUID.replaceAll('-', '')}`,
      `ticket-${UUID}-`,
      `Ticket-${UUID}`,
      `major-incident-${UUID}`,
      `ticket-${UUID.slice(0, 8)}_${UUID.slice(9)}`,
      `tické-${UUID}`,
      `ticket\u0100-${UUID}`,
      'organization',
      '',
    ]
    ids.forEach((id, row) => {
      insertId(x, id, row)
    })
    ids.forEach((id, row) => {
      expect(findRow(x, id)).toBe(row)
      expect(idOf(x, row)).toBe(id)
    })
    expect(findRow(x, `knowledge-${UUID}`)).toBe(-1)
    expect(findRow(x, `ticket-${UUID.slice(0, 35)}2`)).toBe(-1)
  })

  it('keeps ids exact past the number of prefixes it keeps, and through removals and growth', () => {
    const prefixes = Array.from({ length: MAX_ID_PREFIXES + 5 }, (_, i) => `p${i}-`)
    const ops: Op[] = []
    for (let i = 0; i < 8_000; i++) {
      const hex = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0')
      const id =
        i % 2 === 0
          ? `${prefixes[i % prefixes.length]}${hex}-0000-4000-8000-${hex}${hex.slice(0, 4)}`
          : `${prefixes[(i >> 1) % prefixes.length]}T-${hex}`
      ops.push({ kind: 'insert', id })
      if (i % 3 === 0) ops.push({ kind: 'remove', id })
      if (i % 7 === 0) ops.push({ kind: 'find', id: id.toUpperCase() })
    }
    runModel(ops)
  })
})

describe('the id index, looked up and then added to', () => {
  it('answers as a Map does when ids are looked up, then others or themselves inserted or removed', () => {
    // A few ids, so that a lookup is often followed by the insertion of the same id or of another.
    const few = fc.constantFrom(
      'organization',
      UUID,
      `ticket-${UUID}`,
      'ticket-T-000001-c1',
      'ticket-T-000001-c2',
      'T-1',
      '',
    )
    const ops = fc.array(fc.record({ kind: fc.constantFrom('insert', 'remove', 'find', 'find'), id: few }), {
      maxLength: 60,
    }) as fc.Arbitrary<Op[]>
    fc.assert(
      // Four slots to begin with: ids meet in the table, which grows early.
      fc.property(ops, (o) => runModel(o, emptyIdIndexPacking(25, 6, 4), false)),
      { numRuns: 300 },
    )
  })

  it('keeps every id found after lookups and insertions as the reader makes them, through the growth of its table', () => {
    const x = emptyIdIndex()
    const ids = Array.from({ length: 20_000 }, (_, i) =>
      i % 4 === 0
        ? `ticket-${UUID.slice(0, 28)}${String(i).padStart(8, '0')}`
        : `ticket-T-${String(i >> 2).padStart(6, '0')}-c${i & 3}`,
    )
    let count = 0
    for (const [i, id] of ids.entries()) {
      // The reader's sequence check: a lookup, then an insertion when absent.
      if (findRow(x, id) < 0) insertId(x, id, count++)
      if (i % 9 === 0) expect(findRow(x, ids[i >> 1]!)).toBe(i >> 1)
    }
    ids.forEach((id, row) => {
      expect(findRow(x, id)).toBe(row)
    })
  })
})

describe('the id index, its rows and fingerprints packed in small slots', () => {
  // Tiny packings: with 0 or 1 fingerprint bit, nearly every probe meets a
  // fingerprint that matches another id's and must compare the ids
  // themselves; with 4 or 6 row bits, rows outgrow the packing mid-run and
  // the table drops its fingerprints.
  const packings: readonly (readonly [number, number])[] = [
    [20, 0],
    [20, 1],
    [4, 1],
    [6, 24],
  ]
  it.each(packings)('answers as a Map does with %i row bits and %i fingerprint bits', (rowBits, tagBits) => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) =>
        runModel(ops, emptyIdIndexPacking(rowBits, tagBits, 8)),
      ),
      { numRuns: 40 },
    )
  })

  it('finds ids alike but for a digit or two, with their fingerprints colliding or not, across growth and past the packing', () => {
    for (const [rowBits, tagBits] of [
      [25, 6],
      [20, 1],
      [11, 2],
    ] as const) {
      const ops: Op[] = []
      for (let i = 0; i < 6_000; i++) {
        const t = String(i >> 3).padStart(6, '0')
        const id =
          i % 3 === 0
            ? `ticket-T-${t}-c${i & 7}`
            : i % 3 === 1
              ? `T-${t}-c${i & 7}`
              : `ticket-${UUID.slice(0, 30)}${t}`
        ops.push({ kind: 'insert', id })
        if (i % 5 === 0) ops.push({ kind: 'remove', id: `ticket-T-${t}-c${(i + 1) & 7}` })
        if (i % 7 === 0) ops.push({ kind: 'find', id: `${id}0` })
      }
      runModel(ops, emptyIdIndexPacking(rowBits, tagBits))
    }
  })

  it('refuses a packing that does not fit a slot', () => {
    expect(() => emptyIdIndexPacking(26, 6)).toThrow(RangeError)
    expect(() => emptyIdIndexPacking(0, 6)).toThrow(RangeError)
    expect(() => emptyIdIndexPacking(25, 6, 6)).toThrow(RangeError)
  })
})

describe('a widening column', () => {
  it('gives back every value set, in any order, as it widens from bytes to 16 and 32 bits', () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70_000 }), fc.nat())
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(20_000), value), { maxLength: 200 }), (sets) => {
        const c = widening()
        const model = new Map<number, number>()
        for (const [i, v] of sets) {
          setW(c, i, v)
          model.set(i, v)
        }
        for (const [i, v] of model) expect(getW(c, i)).toBe(v)
      }),
      { numRuns: 200 },
    )
  })
})
