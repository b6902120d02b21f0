/**
 * The compact id index (src/domain/compact.ts) against a plain Map: whatever
 * the ids (canonical lowercase UUIDs with or without a prefix, uppercase or
 * mangled UUIDs, any other string, characters beyond U+00FF, long ids, more
 * prefixes than it keeps), it finds exactly the rows a Map
 * would, and gives every id back exactly as it was inserted.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  emptyIdIndex,
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

/** Run ops on an index and on a Map side by side; the index must answer as the Map does. */
const runModel = (ops: readonly Op[], x: IdIndex = emptyIdIndex()): void => {
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
    expect(findRow(x, o.id)).toBe(model.get(o.id) ?? -1)
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
