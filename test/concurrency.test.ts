/**
 * Many command handlers at once on the same few tickets, major incidents and
 * the organisation stream (test/support/concurrent-writer.ts has the
 * workload and the checks):
 * - in memory, handlers sharing one store, with fast-check's scheduler
 *   choosing the order in which every read and append completes (so a failing
 *   interleaving is found, shrunk and replayed from its seed);
 * - on SQLite, several processes on one file, each with handlers of its own.
 * Afterwards every accepted command's events are stored exactly once and
 * together, a refused one left nothing, revisions are contiguous, and a
 * sequential replay of the stored commands records the same events and
 * reaches the same states.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { createCommandHandler } from '../src/commands/handler.js'
import type { RecordedEvent } from '../src/domain/envelope.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { EventStore } from '../src/store/port.js'
import { openSqliteStore } from '../src/store/sqlite.js'
import {
  judge,
  type Outcome,
  type Request,
  seedOrganization,
  sendConcurrently,
  setupRequests,
  tickingClock,
  workload,
} from './support/concurrent-writer.js'

const STRESS = process.env.SOUTIEN_STRESS === '1'

const readEverything = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of store.readAll()) out.push(e)
  return out
}

/** Every read and append of `store` completes when the scheduler says so. */
const scheduled = (s: fc.Scheduler, store: EventStore): EventStore => ({
  ...store,
  append: (stream, events, expected) => () =>
    s.schedule(Promise.resolve(), `append ${stream}`).then(() => store.append(stream, events, expected)()),
  readStream: (stream, options) => () =>
    s.schedule(Promise.resolve(), `read ${stream}`).then(() => store.readStream(stream, options)()),
})

describe('concurrent command handlers in memory', () => {
  const HANDLERS = STRESS ? 8 : 4
  const REQUESTS = STRESS ? 60 : 15

  it('store every accepted command exactly once, and equal a sequential replay', async () => {
    let accepted = 0
    let conflicts = 0
    let refused = 0
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 1_000_000 }), async (s, seed) => {
        const store = createMemoryStore()
        await seedOrganization(store)
        const setup = await sendConcurrently(
          [createCommandHandler({ store, clock: tickingClock() })],
          setupRequests,
        )
        const requests = Array.from({ length: HANDLERS }, (_, w) => workload(w, REQUESTS, seed)).flat()
        const clock = tickingClock()
        // Separate handler instances, each with its own organisation cache; maxRetries 2 to see conflicts through.
        const handlers = Array.from({ length: HANDLERS }, () =>
          createCommandHandler({ store: scheduled(s, store), clock, maxRetries: 2 }),
        )
        const outcomes = await s.waitFor(sendConcurrently(handlers, requests))
        const verdict = await judge(
          [...setupRequests, ...requests],
          [...setup, ...outcomes],
          await readEverything(store),
        )
        accepted += verdict.accepted
        conflicts += verdict.conflicts
        refused += verdict.refused
        expect(verdict.problems).toEqual([])
      }),
      { numRuns: STRESS ? 100 : 12 },
    )
    // Not vacuous: commands were recorded, refused by the rules, and beaten by concurrent writers.
    expect(accepted).toBeGreaterThan(0)
    expect(refused).toBeGreaterThan(0)
    expect(conflicts).toBeGreaterThan(0)
  })
})

describe('the checks themselves', () => {
  /** One concurrent run on `wrap(store)`: the judge's verdict. */
  const run = async (s: fc.Scheduler, seed: number, wrap: (store: EventStore) => EventStore) => {
    const store = createMemoryStore()
    await seedOrganization(store)
    const setup = await sendConcurrently(
      [createCommandHandler({ store, clock: tickingClock() })],
      setupRequests,
    )
    const requests = Array.from({ length: 4 }, (_, w) => workload(w, 15, seed)).flat()
    const clock = tickingClock()
    const handlers = Array.from({ length: 4 }, () =>
      createCommandHandler({ store: scheduled(s, wrap(store)), clock }),
    )
    const outcomes = await s.waitFor(sendConcurrently(handlers, requests))
    return judge([...setupRequests, ...requests], [...setup, ...outcomes], await readEverything(store))
  }

  it('catch a store that ignores the expected revision (lost updates)', async () => {
    const careless = (store: EventStore): EventStore => ({
      ...store,
      append: (stream, events) => store.append(stream, events, 'any'),
    })
    const result = await fc.check(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 1_000_000 }), async (s, seed) => {
        expect((await run(s, seed, careless)).problems).toEqual([])
      }),
      { numRuns: 100 },
    )
    expect(result.failed).toBe(true)
  })

  it('catch doctored histories: an event lost, one recorded twice, one by someone else, one of a refused command', async () => {
    const store = createMemoryStore()
    await seedOrganization(store)
    const handler = createCommandHandler({ store, clock: tickingClock() })
    const requests = [...setupRequests, ...workload(0, 20, 7)]
    const outcomes = await sendConcurrently([handler], requests)
    const stored = await readEverything(store)
    expect((await judge(requests, outcomes, stored)).problems).toEqual([])

    const last = stored.at(-1) as RecordedEvent
    const refused = outcomes.find((o) => !o.ok)
    if (refused === undefined) throw new Error('the workload should have a refused command')
    const doctored: RecordedEvent[][] = [
      stored.slice(0, -1),
      [...stored, { ...last, id: 'copy', revision: last.revision + 1, position: last.position + 1 }],
      [...stored.slice(0, -1), { ...last, actor: { id: 'impostor', role: 'assistance' } }],
      [
        ...stored,
        {
          ...last,
          id: 'extra',
          revision: last.revision + 1,
          position: last.position + 1,
          meta: { commandId: refused.commandId },
        },
      ],
    ]
    for (const history of doctored)
      expect((await judge(requests, outcomes, history)).problems).not.toEqual([])
  })
})

// ---- several processes on one SQLite file -----------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'soutien-concurrency-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const root = fileURLToPath(new URL('..', import.meta.url))
const writer = fileURLToPath(new URL('./support/concurrent-writer.ts', import.meta.url))

interface Worker {
  /** Resolves when the worker has opened the file and waits for the start. */
  readonly ready: Promise<void>
  readonly start: () => void
  /** Its outcomes, one per request, once it has exited. */
  readonly done: Promise<Outcome[]>
}

/** Spawn one worker process; it starts sending when told to, so that all run at once. */
const spawnWorker = (
  path: string,
  worker: number,
  requests: number,
  seed: number,
  handlers: number,
): Worker => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', writer, path, String(worker), String(requests), String(seed), String(handlers)],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  let onReady: () => void = () => undefined
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
  })
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    if (stdout.startsWith('ready\n')) onReady()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const done = new Promise<Outcome[]>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`worker ${worker} exited with ${code}: ${stderr}`))
      resolve(
        stdout
          .split('\n')
          .filter((l) => l.trim() !== '' && l !== 'ready')
          .map((l) => JSON.parse(l) as Outcome),
      )
    })
  })
  // A worker that dies before being ready must not leave the test waiting.
  return {
    ready: Promise.race([ready, done.then(() => undefined)]),
    start: () => child.stdin.end('go\n'),
    done,
  }
}

describe('concurrent processes on one SQLite file', () => {
  const PROCESSES = STRESS ? 6 : 3
  const HANDLERS = 2
  const REQUESTS = STRESS ? 200 : 60

  it('store every accepted command exactly once, and equal a sequential replay', async () => {
    const path = join(dir, 'concurrent.db')
    const opened = openSqliteStore(path)
    if (E.isLeft(opened)) throw new Error(opened.left.message)
    await seedOrganization(opened.right)
    const setup = await sendConcurrently(
      [createCommandHandler({ store: opened.right, clock: tickingClock() })],
      setupRequests,
    )
    await opened.right.dispose()

    const seed = 20_260_302
    const workers = Array.from({ length: PROCESSES }, (_, w) =>
      spawnWorker(path, w, REQUESTS, seed, HANDLERS),
    )
    await Promise.all(workers.map((w) => w.ready))
    for (const w of workers) w.start()
    const outcomes = (await Promise.all(workers.map((w) => w.done))).flat()
    const requests: Request[] = Array.from({ length: PROCESSES }, (_, w) =>
      workload(w, REQUESTS, seed),
    ).flat()
    expect(outcomes).toHaveLength(requests.length)

    const reopened = openSqliteStore(path)
    if (E.isLeft(reopened)) throw new Error(reopened.left.message)
    const stored = await readEverything(reopened.right)
    await reopened.right.dispose()
    const verdict = await judge([...setupRequests, ...requests], [...setup, ...outcomes], stored)
    expect(verdict.problems).toEqual([])
    expect(verdict.accepted).toBeGreaterThan(0)
    expect(verdict.refused).toBeGreaterThan(0)
    // The processes really ran at the same time: their commands are interleaved in the log.
    const writers = stored.flatMap((e) => /^w(\d+)-/.exec(e.meta.commandId ?? '')?.[1] ?? [])
    const switches = writers.filter((w, i) => i > 0 && w !== writers[i - 1]).length
    expect(switches).toBeGreaterThan(PROCESSES - 1)
  })
})
