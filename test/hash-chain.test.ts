import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { simulate } from '../src/cli/simulate/engine.js'
import type { EventToAppend, RecordedEvent } from '../src/domain/envelope.js'
import {
  canonicalJson,
  checkChains,
  createManifestBuilder,
  decodeManifest,
  eventHash,
  manifestText,
  sealEvents,
  type WrittenEvent,
  writtenEventOf,
  writtenFormOf,
} from '../src/domain/hash-chain.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { EventStore } from '../src/store/port.js'
import { sealStore, sealsAppends } from '../src/store/protected.js'
import { chainHistory } from './support/chained.js'
import { sampleEvents } from './support/cli-history.js'

const all = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of store.readAll()) out.push(e)
  return out
}

describe('canonical JSON (RFC 8785 for our data)', () => {
  it('sorts keys at every depth, keeps array order, and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    )
  })

  it('orders keys by UTF-16 code units, not by code points', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFF by code units.
    expect(canonicalJson({ '\uffff': 1, '\u{1f600}': 2, a: 3 })).toBe('{"a":3,"\u{1f600}":2,"\uffff":1}')
  })

  it('prints numbers and strings as JSON.stringify does, and leaves out undefined values', () => {
    expect(canonicalJson([0.1, 1e21, -0, 5, 'é"\\\n\u0001'])).toBe('[0.1,1e+21,0,5,"é\\"\\\\\\n\\u0001"]')
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}')
  })

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/not a JSON number/)
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function is not JSON/)
  })

  it('is the same for any key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const shuffled = JSON.parse(JSON.stringify(v, (_k, x) => reverseKeys(x)))
        expect(canonicalJson(shuffled)).toBe(canonicalJson(v))
        // Canonical JSON is JSON that reads back to the same value.
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)))
      }),
      { numRuns: 200 },
    )
  })
})

/**
 * The canonical form written out key by key, as canonicalJson was before it
 * handed values already in order to the native JSON.stringify: the fast path
 * must print exactly this, or throw where this throws.
 */
const referenceCanonical = (value: unknown): string => {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} is not a JSON number`)
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v) => (v === undefined ? 'null' : referenceCanonical(v))).join(',')}]`
      const o = value as Record<string, unknown>
      let out = '{'
      for (const k of Object.keys(o).sort()) {
        const v = o[k]
        if (v === undefined) continue
        out += `${out.length === 1 ? '' : ','}${JSON.stringify(k)}:${referenceCanonical(v)}`
      }
      return `${out}}`
    }
    default:
      throw new Error(`canonicalJson: a ${typeof value} is not JSON`)
  }
}

const outcome = (f: () => string): string => {
  try {
    return f()
  } catch (err) {
    return `threw ${(err as Error).message}`
  }
}

describe('canonical JSON: the native fast path prints what the walk prints', () => {
  // Keys that sort differently by code unit, by code point and as array indices.
  const key = fc.constantFrom(
    'a',
    'b',
    'B',
    '10',
    '9',
    '0',
    'hash',
    '\uffff',
    '\u{1f600}',
    'toJSON',
    '__proto__',
  )
  const leaf = fc.oneof(
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant(-0),
  )
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  }))

  it('on any JSON-like value, in any key order (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(() => canonicalJson(v))).toBe(outcome(() => referenceCanonical(v)))
      }),
      { numRuns: 2000 },
    )
  })

  it('on values JSON.stringify would print differently', () => {
    const sparse: unknown[] = [1]
    sparse[2] = 3
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
    }
    const withToJson = { a: 1, toJSON: () => 'x' }
    const inherited = Object.create({ z: 1 }) as Record<string, unknown>
    inherited.a = 2
    const cases: unknown[] = [
      sparse,
      new Point(1, 2),
      new Date(0),
      withToJson,
      inherited,
      Object.assign(Object.create(null) as object, { b: 1, a: 2 }),
      { a: [1, () => 2] },
      { a: Symbol('s') },
      { b: Number.POSITIVE_INFINITY },
      [Number.NaN],
      { '2': 1, '10': 2 },
      undefined,
      // Many keys out of order (sorted another way than the few of an event's objects).
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7) % 40}`, { b: i, a: [i] }])),
    ]
    for (const c of cases) expect(outcome(() => canonicalJson(c))).toBe(outcome(() => referenceCanonical(c)))
  })

  it('sealing writes the envelope around the canonical actor, data and meta: the hash eventHash gives (property)', () => {
    const scalar = fc.oneof(fc.string(), fc.double(), fc.constant(undefined), fc.constant(null))
    fc.assert(
      fc.property(
        fc.record({
          id: scalar,
          type: scalar,
          version: fc.oneof(fc.integer(), fc.double(), fc.constant(-0)),
          at: scalar,
          actor: value,
          data: value,
          meta: fc.oneof(fc.constant(undefined), fc.dictionary(key, value, { maxKeys: 3 })),
        }),
        fc.oneof(fc.constant(undefined), fc.string()),
        fc.oneof(fc.nat(), fc.double()),
        (e, prevHash, revision) => {
          const previous = prevHash === undefined ? undefined : { meta: { hash: prevHash } }
          const sealed = outcome(() => {
            const [s] = sealEvents('ticket-T-1', previous, revision, [e as unknown as EventToAppend])
            return s?.meta.hash ?? 'none'
          })
          const expected = outcome(() => {
            const meta: Record<string, unknown> = {}
            for (const [k, v] of Object.entries(e.meta ?? {}))
              if (k !== 'hash' && k !== 'prevHash') meta[k] = v
            if (prevHash !== undefined) meta.prevHash = prevHash
            return eventHash({ ...e, stream: 'ticket-T-1', revision, meta } as unknown as WrittenEvent)
          })
          expect(sealed).toBe(expected)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('on every event of a simulated history, and gives the hashes it carries', async () => {
    const lines: string[] = []
    await simulate({ seed: 3, tickets: 60, sink: (e) => lines.push(JSON.stringify(e)) })
    for (const line of lines) {
      const w = writtenEventOf(JSON.parse(line))!
      expect(canonicalJson(w)).toBe(referenceCanonical(w))
      expect(eventHash(w)).toBe(w.meta?.hash)
    }
  })
})

const reverseKeys = (x: unknown): unknown =>
  typeof x === 'object' && x !== null && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).reverse())
    : x

describe('the worked example of docs/audit.md', () => {
  const doc = readFileSync(new URL('../docs/audit.md', import.meta.url), 'utf8')
  const block = (name: string): string[] => {
    const m = doc.match(new RegExp('```[a-z]*\\s*\\n<!-- ' + name + ' -->\\n([\\s\\S]*?)```'))
    if (m === null) throw new Error(`docs/audit.md has no block ${name}`)
    return (m[1] ?? '').trimEnd().split('\n')
  }

  it('gives the hashes its text says, from the lines and canonical forms it shows', () => {
    const lines = block('example-history')
    const canonical = block('example-canonical')
    const hashes = block('example-hashes')
    expect(lines).toHaveLength(2)
    lines.forEach((line, i) => {
      const w = writtenEventOf(JSON.parse(line))
      if (w === undefined) throw new Error('not an event')
      expect(canonicalJson({ ...w, position: undefined, meta: { ...w.meta, hash: undefined } })).toBe(
        canonical[i],
      )
      expect(eventHash(w)).toBe(hashes[i])
      expect(w.meta?.hash).toBe(hashes[i])
    })
    expect(JSON.parse(lines[1] as string).meta.prevHash).toBe(hashes[0])
    expect(checkChains(lines.map((l) => writtenEventOf(JSON.parse(l))!)).problems).toEqual([])
  })
})

const toAppend = (e: RecordedEvent): EventToAppend => {
  const { stream: _s, revision: _r, position: _p, ...rest } = e
  return rest as EventToAppend
}

describe('sealing', () => {
  const events = sampleEvents().filter((e) => e.stream === 'ticket-T-1')

  it('links each event to the one before and starts a new stream without prevHash', () => {
    const sealed = sealEvents('ticket-T-1', undefined, 0, events.map(toAppend))
    expect(sealed[0]?.meta.prevHash).toBeUndefined()
    for (let i = 1; i < sealed.length; i++) expect(sealed[i]?.meta.prevHash).toBe(sealed[i - 1]?.meta.hash)
    for (const [i, e] of sealed.entries())
      expect(e.meta.hash).toBe(eventHash({ ...e, stream: 'ticket-T-1', revision: i }))
  })

  it('chains a batch to the previous event, and replaces hashes the events carried', () => {
    const head = sealEvents('ticket-T-1', undefined, 0, events.slice(0, 2).map(toAppend))
    const forged = events
      .slice(2, 4)
      .map((e) => ({ ...toAppend(e), meta: { hash: 'x', prevHash: 'y', commandId: 'c' } }))
    const tail = sealEvents('ticket-T-1', head[1], 2, forged)
    expect(tail[0]?.meta.prevHash).toBe(head[1]?.meta.hash)
    expect(tail[0]?.meta.commandId).toBe('c')
    expect(tail[1]?.meta.hash).not.toBe('x')
  })

  it('starts the chain after events written before hashing, without prevHash', () => {
    const legacy = events[0] as RecordedEvent
    const [next] = sealEvents('ticket-T-1', legacy, 1, [toAppend(events[1] as RecordedEvent)])
    expect(next?.meta.prevHash).toBeUndefined()
    const r = checkChains([legacy, { ...(next as EventToAppend), stream: 'ticket-T-1', revision: 1 }])
    expect(r.problems).toEqual([])
    expect(r.summary).toMatchObject({ chainedLater: 1, chained: 0, unchained: 0 })
  })

  it('chains every event appended through the command handler, and the store reads back a clean chain', async () => {
    const store = createMemoryStore()
    const summary = await simulate({ seed: 7, tickets: 12, store })
    const events = await all(store)
    expect(events.length).toBe(summary.events)
    expect(events.every((e) => typeof e.meta.hash === 'string')).toBe(true)
    const r = checkChains(events.map((e) => ({ event: writtenFormOf(e), where: { position: e.position } })))
    expect(r.problems).toEqual([])
    expect(r.status).toBe('chained')
    expect(r.summary.chained).toBe(r.summary.streams)
  })

  it('sealStore chains appends made without the handler, whatever the expected revision', async () => {
    const store = sealStore(createMemoryStore())
    expect(sealsAppends(store)).toBe(true)
    const t1 = sampleEvents().filter((e) => e.stream === 'ticket-T-1')
    expect(E.isRight(await store.append('ticket-T-1', t1.slice(0, 2).map(toAppend), 'no-stream')())).toBe(
      true,
    )
    expect(E.isRight(await store.append('ticket-T-1', t1.slice(2, 3).map(toAppend), 1)())).toBe(true)
    expect(E.isRight(await store.append('ticket-T-1', t1.slice(3, 4).map(toAppend), 'any')())).toBe(true)
    expect(E.isRight(await store.append('ticket-T-1', t1.slice(4, 5).map(toAppend), 'exists')())).toBe(true)
    // A retry of stored events is answered as one, not stored twice.
    const again = await store.append('ticket-T-1', t1.slice(4, 5).map(toAppend), 'any')()
    expect(E.isRight(again) && again.right.nextExpectedRevision).toBe(4)
    const stale = await store.append('ticket-T-1', t1.slice(5, 6).map(toAppend), 2)()
    expect(E.isLeft(stale) && stale.left._tag).toBe('ConcurrencyConflict')
    const stored = await all(store)
    expect(stored).toHaveLength(5)
    expect(checkChains(stored.map(writtenFormOf)).problems).toEqual([])
    expect(sealStore(store)).toBe(store)
  })

  it('any single changed value of a sealed history is found, in its stream, at or before that event (property)', () => {
    const chained = chainHistory(sampleEvents())
    const wire = chained.map((e) => JSON.parse(JSON.stringify(writtenFormOf(e))) as Record<string, unknown>)
    fc.assert(
      fc.property(
        fc.nat(wire.length - 1),
        fc.constantFrom('at', 'type', 'version', 'actor', 'data', 'meta.commandId', 'id'),
        (index, field) => {
          const copy = wire.map((w) => structuredClone(w))
          const target = copy[index] as Record<string, unknown>
          if (field === 'meta.commandId') target.meta = { ...(target.meta as object), commandId: 'forged' }
          else if (field === 'data') target.data = { ...(target.data as object), forged: 1 }
          else if (field === 'actor') target.actor = { id: 'someone-else', role: 'manager' }
          else if (field === 'version') target.version = (target.version as number) + 1
          else target[field] = `${String(target[field])}x`
          const r = checkChains(copy.map((w) => writtenEventOf(w)!))
          const stream = target.stream as string
          const found = r.problems.filter((p) => p.stream === stream)
          expect(found).toHaveLength(1)
          expect(found[0]?.revision).toBeLessThanOrEqual(target.revision as number)
          expect(r.problems.every((p) => p.stream === stream)).toBe(true)
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('the stream-head manifest', () => {
  const chained = chainHistory(sampleEvents())

  it('records each stream once, at its last revision and hash, sorted, and reads back', () => {
    const b = createManifestBuilder()
    for (const e of chained) b.add(e)
    const m = b.build()
    expect(m.events).toBe(chained.length)
    expect(m.streams.map((h) => h.stream)).toEqual([...new Set(chained.map((e) => e.stream))].sort())
    const t1 = chained.filter((e) => e.stream === 'ticket-T-1')
    expect(m.streams.find((h) => h.stream === 'ticket-T-1')).toEqual({
      stream: 'ticket-T-1',
      revision: t1.length - 1,
      hash: t1[t1.length - 1]?.meta.hash,
    })
    expect(decodeManifest(JSON.parse(manifestText(m)))).toEqual(E.right(m))
  })

  it('refuses a broken manifest, naming the field', () => {
    const bad = decodeManifest({
      format: 'soutien-stream-heads',
      version: 1,
      events: 1,
      streams: [{ stream: 's', revision: -1 }],
    })
    expect(E.isLeft(bad) && bad.left.map((p) => p.path)).toEqual(['streams.0.revision'])
    const twice = decodeManifest({
      format: 'soutien-stream-heads',
      version: 1,
      events: 2,
      streams: [
        { stream: 's', revision: 0 },
        { stream: 's', revision: 1 },
      ],
    })
    expect(E.isLeft(twice) && twice.left[0]?.message).toMatch(/appears twice/)
  })
})
