import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordedEvent } from '../src/domain/envelope.js'
import { type CheckpointStore, createMemoryCheckpointStore } from '../src/projections/checkpoints.js'
import {
  decodeStateJson,
  encodeStateJson,
  type Projection,
  type ProjectionRunner,
  runProjections,
} from '../src/projections/runner.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { EventStore } from '../src/store/port.js'
import { createSqliteCheckpointStore, openSqliteStore } from '../src/store/sqlite.js'
import { ticketEvents } from './support/store-conformance.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-runner-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

const ok = async <E, A>(te: TE.TaskEither<E, A>): Promise<A> => {
  const r = await te()
  if (E.isLeft(r)) throw new Error(`expected success: ${JSON.stringify(r.left)}`)
  return r.right
}

interface Counts {
  readonly total: number
  readonly perStream: ReadonlyMap<string, number>
  readonly positions: readonly number[]
}
/** Counts events per stream, and remembers every position it applied (to see duplicates and gaps). */
const counting = (name = 'counts', version = 1) => {
  const calls = { n: 0 }
  const projection: Projection<Counts> = {
    name,
    version,
    init: () => ({ total: 0, perStream: new Map(), positions: [] }),
    apply: (s, e) => {
      calls.n += 1
      return {
        total: s.total + 1,
        perStream: new Map(s.perStream).set(e.stream, (s.perStream.get(e.stream) ?? 0) + 1),
        positions: [...s.positions, e.position],
      }
    },
  }
  return { projection, calls }
}

const appendTickets = async (store: EventStore, from: number, count: number): Promise<number> => {
  let last = -1
  for (let t = from; t < from + count; t++)
    last = (await ok(store.append(`ticket-${t}`, ticketEvents(`ticket-${t}`, 2), 'no-stream'))).position
  return last
}
const positionsOf = async (store: EventStore): Promise<number[]> => {
  const out: number[] = []
  for await (const e of store.readAll()) out.push(e.position)
  return out
}
const run = (
  store: EventStore,
  checkpoints: CheckpointStore,
  projections: readonly Projection<unknown>[],
  more: { saveEvery?: number; onError?: (e: unknown) => void; streamPrefixes?: readonly string[] } = {},
): Promise<ProjectionRunner> => ok(runProjections({ store, checkpoints, projections, ...more }))

describe('projection runner', () => {
  it('catches up, then applies live events, and saves state and checkpoint on close', async () => {
    const store = createMemoryStore()
    await appendTickets(store, 0, 3)
    const checkpoints = createMemoryCheckpointStore()
    const { projection } = counting()
    const runner = await run(store, checkpoints, [projection])
    await runner.caughtUp
    expect(runner.stateOf(projection).total).toBe(6)
    const last = await appendTickets(store, 3, 2)
    await runner.waitFor(last)
    expect(runner.stateOf(projection).total).toBe(10)
    expect(runner.stateOf(projection).perStream.get('ticket-4')).toBe(2)
    await ok(runner.close())
    const [saved] = checkpoints.saved()
    expect(saved).toMatchObject({ name: 'counts', version: 1, position: last })
    const state = decodeStateJson(saved!.stateJson) as Counts
    expect(state.perStream).toBeInstanceOf(Map)
    expect(state.total).toBe(10)
    expect(runner.status()).toEqual([
      { name: 'counts', version: 1, start: 'fresh', position: last, savedPosition: last, applied: 10 },
    ])
  })

  it('resumes after a restart without reprocessing or skipping (SQLite, checkpoints in the same file)', async () => {
    const path = join(dir, `runner-${++files}.db`)
    const opened = openSqliteStore(path, { synchronous: 'NORMAL' })
    if (E.isLeft(opened)) throw new Error(opened.left.message)
    const store = opened.right
    const checkpoints = createSqliteCheckpointStore(store.database)
    await appendTickets(store, 0, 4)

    const first = counting()
    const runner1 = await run(store, checkpoints, [first.projection], { saveEvery: 3 })
    await runner1.caughtUp
    await ok(runner1.close())
    expect(first.calls.n).toBe(8)

    // Events appended while no runner runs.
    await appendTickets(store, 4, 3)
    await store.dispose()
    await checkpoints.dispose()

    const reopened = openSqliteStore(path)
    if (E.isLeft(reopened)) throw new Error(reopened.left.message)
    const checkpoints2 = createSqliteCheckpointStore(path)
    const second = counting()
    const runner2 = await run(reopened.right, checkpoints2, [second.projection])
    await runner2.caughtUp
    expect(second.calls.n).toBe(6)
    expect(runner2.stateOf(second.projection).positions).toEqual(await positionsOf(reopened.right))
    expect(runner2.status()[0]).toMatchObject({ start: 'resumed', applied: 6 })
    await ok(runner2.close())
    await reopened.right.dispose()
    await checkpoints2.dispose()
  })

  it('after a crash, applies again to the saved state only the events since the last save', async () => {
    const store = createMemoryStore()
    const inner = createMemoryCheckpointStore()
    let crashed = false
    const crashable: CheckpointStore = {
      ...inner,
      save: (cs) => (crashed ? async () => E.right(undefined) : inner.save(cs)),
    }
    await appendTickets(store, 0, 3) // positions 0..5
    await appendTickets(store, 3, 1) // 6, 7
    const first = counting()
    const runner1 = await run(store, crashable, [first.projection], { saveEvery: 3 })
    await runner1.caughtUp
    // Saved after the 3rd and the 6th event; the 7th and 8th are applied but not saved.
    expect(inner.saved()[0]?.position).toBe(5)
    crashed = true
    await ok(runner1.close())

    const second = counting()
    const runner2 = await run(store, inner, [second.projection])
    await runner2.caughtUp
    expect(second.calls.n).toBe(2)
    expect(runner2.stateOf(second.projection).positions).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    await ok(runner2.close())
  })

  it('rebuilds a projection from the first event when its version changes', async () => {
    const store = createMemoryStore()
    const checkpoints = createMemoryCheckpointStore()
    await appendTickets(store, 0, 3)
    const v1 = counting('counts', 1)
    const r1 = await run(store, checkpoints, [v1.projection])
    await r1.caughtUp
    await ok(r1.close())

    const v2 = counting('counts', 2)
    const r2 = await run(store, checkpoints, [v2.projection])
    await r2.caughtUp
    expect(v2.calls.n).toBe(6)
    expect(r2.status()[0]).toMatchObject({ start: 'rebuilt-version', position: 5 })
    await ok(r2.close())
    expect(checkpoints.saved()).toMatchObject([{ name: 'counts', version: 2, position: 5 }])
  })

  it('feeds projections at different checkpoints from one subscription, each event once to each', async () => {
    const store = createMemoryStore()
    const checkpoints = createMemoryCheckpointStore()
    await appendTickets(store, 0, 2)
    const old = counting('old')
    const r1 = await run(store, checkpoints, [old.projection])
    await r1.caughtUp
    await ok(r1.close())
    await appendTickets(store, 2, 1)

    const resumed = counting('old')
    const added = counting('new')
    const r2 = await run(store, checkpoints, [resumed.projection, added.projection])
    await r2.caughtUp
    expect(resumed.calls.n).toBe(2)
    expect(added.calls.n).toBe(6)
    expect(r2.stateOf(resumed.projection).positions).toEqual([0, 1, 2, 3, 4, 5])
    expect(r2.stateOf(added.projection).positions).toEqual([0, 1, 2, 3, 4, 5])
    await ok(r2.close())
  })

  it('feeds only the streams asked for', async () => {
    const store = createMemoryStore()
    await appendTickets(store, 0, 1)
    await ok(
      store.append(
        'knowledge-k1',
        [
          {
            id: 'k-1',
            type: 'KnowledgeArticleRevised',
            version: 1,
            at: '2026-03-02T10:00:00.000Z' as never,
            actor: { id: 'a', role: 'assistance' },
            data: { body: 'x' },
            meta: {},
          },
        ],
        'no-stream',
      ),
    )
    const { projection } = counting()
    const runner = await run(store, createMemoryCheckpointStore(), [projection], {
      streamPrefixes: ['ticket-'],
    })
    await runner.caughtUp
    expect([...runner.stateOf(projection).perStream.keys()]).toEqual(['ticket-0'])
    await ok(runner.close())
  })

  it('stops on a failing projection, reports it, and saves only what was applied', async () => {
    const store = createMemoryStore()
    await appendTickets(store, 0, 2)
    const checkpoints = createMemoryCheckpointStore()
    const fragile: Projection<number> = {
      name: 'fragile',
      version: 1,
      init: () => 0,
      apply: (n: number, e: RecordedEvent) => {
        if (e.position === 2) throw new Error('cannot count this one')
        return n + 1
      },
    }
    const errors: unknown[] = []
    const runner = await run(store, checkpoints, [fragile], {
      onError: (e) => errors.push(e),
    })
    await expect(runner.waitFor(3)).rejects.toThrow('cannot count this one')
    expect(errors).toHaveLength(1)
    expect(runner.stateOf(fragile)).toBe(2)
    await ok(runner.close())
    expect(checkpoints.saved()).toMatchObject([{ name: 'fragile', position: 1, stateJson: '2' }])
  })

  it('uses a projection’s own state codec, and rebuilds when the saved state cannot be decoded', async () => {
    const store = createMemoryStore()
    await appendTickets(store, 0, 1)
    const checkpoints = createMemoryCheckpointStore()
    await ok(checkpoints.save([{ name: 'coded', version: 1, position: 0, stateJson: '{"count":"many"}' }]))
    const coded: Projection<number> = {
      name: 'coded',
      version: 1,
      init: () => 0,
      apply: (n: number) => n + 1,
      stateCodec: {
        encode: (n: number) => ({ count: n }),
        decode: (json: unknown) => {
          const c = (json as { count?: unknown }).count
          return typeof c === 'number' ? E.right(c) : E.left('count is not a number')
        },
      },
    }
    const runner = await run(store, checkpoints, [coded])
    await runner.caughtUp
    expect(runner.status()[0]).toMatchObject({ start: 'rebuilt-unreadable', applied: 2 })
    await ok(runner.close())
    expect(checkpoints.saved()[0]?.stateJson).toBe('{"count":2}')
  })

  it('refuses two projections with the same name', async () => {
    const store = createMemoryStore()
    await expect(
      runProjections({
        store,
        checkpoints: createMemoryCheckpointStore(),
        projections: [counting('x').projection, counting('x').projection],
      })(),
    ).rejects.toThrow('two projections are named x')
  })
})

describe('state encoding and checkpoint stores', () => {
  it('keeps Map and Set through JSON', () => {
    const state = { a: new Map([['t-1', new Set(['x', 'y'])]]), b: [1, { c: null }] }
    expect(decodeStateJson(encodeStateJson(state))).toEqual(state)
  })

  it('SQLite checkpoints: saved together, kept across reopenings', async () => {
    const path = join(dir, `checkpoints-${++files}.db`)
    const c1 = createSqliteCheckpointStore(path)
    await ok(
      c1.save([
        { name: 'a', version: 1, position: 4, stateJson: '1' },
        { name: 'b', version: 3, position: 9, stateJson: '{"x":2}' },
      ]),
    )
    await c1.dispose()
    const c2 = createSqliteCheckpointStore(path)
    expect(await ok(c2.load('b'))).toEqual({ name: 'b', version: 3, position: 9, stateJson: '{"x":2}' })
    expect(await ok(c2.load('nobody'))).toBeUndefined()
    await c2.dispose()
    const closed = await c2.load('a')()
    expect(E.isLeft(closed) && closed.left._tag).toBe('StoreUnavailable')
  })

  it('SQLite checkpoints refuse a file that is not a Soutien store', async () => {
    const path = join(dir, 'notes.txt')
    writeFileSync(path, 'not a database at all, just some text that is long enough\n'.repeat(40))
    const c = createSqliteCheckpointStore(path)
    const r = await c.load('a')()
    expect(E.isLeft(r) && r.left.message).toContain(`${path} is not a SQLite database`)
  })
})
