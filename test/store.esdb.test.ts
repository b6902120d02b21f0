/**
 * The EventStoreDB adapter.
 *
 * - Against a real server, the shared conformance suite, when
 *   `SOUTIEN_ESDB_URL` is set (docs/esdb.md says how to start one); skipped
 *   with the reason printed otherwise.
 * - Always, against a model of the server written from the 6.2.1 client's
 *   sources and EventStoreDB's documented behaviour: the same conformance
 *   suite, then what a real server cannot be made to do on demand (a dropped
 *   subscription, a server that is down, a refused start position, a stored
 *   event that is not Soutien's). The model is a test double: it proves the
 *   adapter's sequencing, not the server's behaviour.
 */
import { randomUUID } from 'node:crypto'
import {
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  StreamNotFoundError,
  type SubscribeToAllOptions,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client'
import { isLeft } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { describe, expect, it } from 'vitest'
import type { RecordedEvent } from '../src/domain/envelope.js'
import {
  createEsdbStore,
  createEsdbStoreWithClient,
  type EsdbClient,
  type EsdbReading,
  type EsdbStore,
  type EsdbSubscriptionHandle,
  esdbCheckpoint,
} from '../src/store/esdb.js'
import {
  comparePositions,
  type EsdbPosition,
  encodeEsdbPosition,
  toEsdbEvent,
} from '../src/store/esdb-mapping.js'
import { type StoreError, StoreFailure } from '../src/store/port.js'
import { runStoreConformance, ticketEvents, ticketOpened } from './support/store-conformance.js'

// ---- a real server, when there is one --------------------------------------------

const url = process.env.SOUTIEN_ESDB_URL
runStoreConformance({
  name: 'EventStoreDB',
  // The suite isolates its tests by stream names, so one server serves them all.
  open: async () => createEsdbStore(url ?? ''),
  ...(url
    ? {}
    : {
        skip: 'SOUTIEN_ESDB_URL is not set: start a server (docs/esdb.md) and run SOUTIEN_ESDB_URL=esdb://localhost:2113?tls=false npm test',
      }),
})

// ---- a model of the server ---------------------------------------------------------

interface Entry {
  readonly streamId: string
  readonly id: string
  readonly revision: bigint
  readonly type: string
  readonly isJson: boolean
  readonly data: unknown
  readonly metadata: unknown
  readonly created: Date
  readonly position: EsdbPosition
}

interface ModelOptions {
  /** Leave out the position of a replayed (idempotent) append, as some servers do. */
  readonly replayWithoutPosition?: boolean
  /** What `throwOnAppendFailure=false` does: a conflict comes back as `success: false`. */
  readonly conflictsAsValues?: boolean
}

/**
 * $all as a list of records with byte positions (commit = prepare, gaps
 * between them), system events written after each append (the `$ce-` links of
 * the system projections), appends checked and idempotent like the server's
 * for exact revisions, "stream not found" raised while iterating, reads that
 * include their start position, subscriptions that exclude it, and a refusal
 * to read from a position that is not a record's.
 */
const createModel = (options: ModelOptions = {}) => {
  const log: Entry[] = []
  let next = 4_096n
  const wakers = new Set<() => void>()
  const live = new Set<{ fail: (err: unknown) => void }>()
  let down: unknown
  let disposed = false
  const calls = {
    appends: [] as { stream: string; expected: AppendExpectedRevision }[],
    subscriptions: [] as { from: unknown; prefixes: readonly string[] }[],
  }
  /** Called before each append is checked: lets a test slip in another writer. */
  let beforeAppend: ((stream: string) => void) | undefined

  const entriesOf = (stream: string) => log.filter((e) => e.streamId === stream)
  const write = (stream: string, id: string, type: string, data: unknown, metadata: unknown): Entry => {
    const e: Entry = {
      streamId: stream,
      id: id.toLowerCase(),
      revision: BigInt(entriesOf(stream).length),
      type,
      isJson: true,
      data: JSON.parse(JSON.stringify(data)),
      metadata: metadata === undefined ? undefined : JSON.parse(JSON.stringify(metadata)),
      created: new Date(0),
      position: { commit: next, prepare: next },
    }
    next += 150n + BigInt(JSON.stringify(data).length)
    log.push(e)
    return e
  }
  const wake = () => {
    for (const w of [...wakers]) w()
  }
  const isRecordPosition = (p: EsdbPosition) => log.some((e) => comparePositions(e.position, p) === 0)
  const invalidPosition = (p: EsdbPosition) =>
    new UnknownError(undefined, `invalid position C:${p.commit}/P:${p.prepare}`)
  const resolved = (e: Entry) => ({ event: { ...e } }) as unknown as ResolvedEvent & AllStreamResolvedEvent
  const reading = <T>(gen: AsyncGenerator<T>): EsdbReading<T> =>
    Object.assign(gen, {
      cancel: async () => {
        await gen.return(undefined)
      },
    })

  const client: EsdbClient = {
    appendToStream: async (
      stream: string,
      events: EventData[],
      opts?: AppendToStreamOptions,
    ): Promise<AppendResult> => {
      if (down !== undefined) throw down
      const expected = opts?.expectedRevision ?? 'any'
      calls.appends.push({ stream, expected })
      beforeAppend?.(stream)
      const existing = entriesOf(stream)
      const last = existing.length - 1
      const matches = (start: number) =>
        start + events.length <= existing.length &&
        events.every((e, i) => existing[start + i]?.id === e.id.toLowerCase())
      const refuse = (): AppendResult => {
        if (options.conflictsAsValues) return { success: false, nextExpectedRevision: BigInt(last) }
        throw new WrongExpectedVersionError(undefined, {
          streamName: stream,
          expected,
          current: last < 0 ? 'no_stream' : BigInt(last),
        })
      }
      const replay = (start: number): AppendResult => {
        const lastReplayed = existing[start + events.length - 1]!
        return {
          success: true,
          nextExpectedRevision: lastReplayed.revision,
          ...(options.replayWithoutPosition ? {} : { position: lastReplayed.position }),
        }
      }
      if (expected === 'no_stream' && last >= 0) return matches(0) ? replay(0) : refuse()
      if (expected === 'stream_exists' && last < 0) return refuse()
      if (typeof expected === 'bigint' && expected !== BigInt(last))
        return expected < BigInt(last) && matches(Number(expected) + 1)
          ? replay(Number(expected) + 1)
          : refuse()
      const written = events.map((e) => write(stream, e.id, e.type, e.data, e.metadata))
      // What the system projections do right after: a link in the category stream.
      write(`$ce-${stream.split('-')[0]}`, randomUUID(), '$>', `${written.length}@${stream}`, undefined)
      wake()
      const lastWritten = written[written.length - 1]!
      return { success: true, nextExpectedRevision: lastWritten.revision, position: lastWritten.position }
    },

    readStream: (stream: string, opts?: ReadStreamOptions) =>
      reading(
        (async function* () {
          if (down !== undefined) throw down
          const entries = entriesOf(stream)
          // The client raises it while iterating, not when the read is created.
          if (entries.length === 0) throw new StreamNotFoundError(undefined, stream)
          const from = typeof opts?.fromRevision === 'bigint' ? opts.fromRevision : 0n
          for (const e of entries) if (e.revision >= from) yield resolved(e)
        })(),
      ),

    readAll: (opts?: ReadAllOptions) =>
      reading(
        (async function* () {
          if (down !== undefined) throw down
          const max = Number(opts?.maxCount ?? Number.MAX_SAFE_INTEGER)
          const from = opts?.fromPosition ?? 'start'
          let count = 0
          if (opts?.direction === 'backwards') {
            if (from !== 'end') throw new Error('the model reads backwards from the end only')
            for (let i = log.length - 1; i >= 0 && count < max; i--, count++) yield resolved(log[i]!)
            return
          }
          if (from !== 'start' && from !== 'end' && !isRecordPosition(from)) throw invalidPosition(from)
          for (const e of log) {
            if (count >= max) return
            // Forwards reads include their start position.
            if (from === 'start' || (from !== 'end' && comparePositions(e.position, from) >= 0)) {
              count++
              yield resolved(e)
            }
          }
        })(),
      ),

    subscribeToAll: (opts?: SubscribeToAllOptions): EsdbSubscriptionHandle => {
      const from = opts?.fromPosition ?? 'start'
      const prefixes = opts?.filter !== undefined && 'prefixes' in opts.filter ? opts.filter.prefixes : []
      calls.subscriptions.push({ from, prefixes })
      let stopped = false
      let failure: unknown
      let resume: (() => void) | undefined
      const poke = () => {
        const r = resume
        resume = undefined
        r?.()
      }
      const handle = {
        fail: (err: unknown) => {
          failure = err
          poke()
        },
      }
      const gen = (async function* () {
        live.add(handle)
        wakers.add(poke)
        try {
          if (down !== undefined) throw down
          if (from !== 'start' && from !== 'end' && !isRecordPosition(from)) throw invalidPosition(from)
          // Subscriptions exclude their start position.
          let i =
            from === 'start'
              ? 0
              : log.findIndex((e) => from !== 'end' && comparePositions(e.position, from) > 0)
          if (i < 0) i = log.length
          for (;;) {
            if (failure !== undefined) throw failure
            if (stopped) return
            const e = log[i]
            if (e !== undefined) {
              i++
              // The server-side filter: only the prefixes asked for.
              if (prefixes.some((p) => e.streamId.startsWith(p))) yield resolved(e)
              continue
            }
            await new Promise<void>((r) => {
              resume = r
            })
          }
        } finally {
          live.delete(handle)
          wakers.delete(poke)
        }
      })()
      return {
        [Symbol.asyncIterator]: () => gen,
        // Like the client: cancelling the call does not end the stream a reader waits on…
        unsubscribe: async () => {
          stopped = true
        },
        // …destroying it does, with a "premature close".
        destroy: () => {
          if (failure === undefined)
            failure = Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })
          poke()
        },
      }
    },

    dispose: async () => {
      disposed = true
      for (const s of [...live]) s.fail(new Error('client disposed'))
    },
  }

  return {
    client,
    log,
    calls,
    get disposed() {
      return disposed
    },
    get openSubscriptions() {
      return live.size
    },
    /** Every call fails with `err` until `up()`. */
    down: (err: unknown) => {
      down = err
      for (const s of [...live]) s.fail(err)
    },
    up: () => {
      down = undefined
    },
    /** Drop every live subscription, as a leader failover does. */
    drop: (err: unknown) => {
      for (const s of [...live]) s.fail(err)
    },
    beforeAppend: (f: ((stream: string) => void) | undefined) => {
      beforeAppend = f
    },
    /** A record written by someone else (another application, EventStoreDB itself). */
    foreign: (stream: string, type: string, data: unknown, metadata?: unknown) => {
      write(stream, randomUUID(), type, data, metadata)
      wake()
    },
  }
}

const SERVER = 'esdb://model:2113'
const fast = { resubscribe: { initialDelayMs: 0, maxDelayMs: 0 } }
const open = (model = createModel(), options = {}): EsdbStore =>
  createEsdbStoreWithClient(model.client, SERVER, { ...fast, ...options })

runStoreConformance({ name: 'EventStoreDB adapter over a model of the server', open: async () => open() })
runStoreConformance({
  name: 'EventStoreDB adapter over a model of the server (replays without position, conflicts as values)',
  open: async () => open(createModel({ replayWithoutPosition: true, conflictsAsValues: true })),
})

// ---- helpers -------------------------------------------------------------------------

const right = async <A>(te: TaskEither<StoreError, A>): Promise<A> => {
  const r = await te()
  if (isLeft(r)) throw new Error(`expected success, got ${r.left._tag}: ${r.left.message}`)
  return r.right
}
const refusal = async <A>(te: TaskEither<StoreError, A>): Promise<StoreError> => {
  const r = await te()
  if (!isLeft(r)) throw new Error(`expected a refusal, got ${JSON.stringify(r.right)}`)
  return r.left
}
const all = async (it: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of it) out.push(e)
  return out
}
const failureOf = async (it: AsyncIterable<RecordedEvent>): Promise<StoreError> => {
  try {
    await all(it)
  } catch (err) {
    if (err instanceof StoreFailure) return err.error
    throw err
  }
  throw new Error('expected the read to fail')
}
const ticket = () => `ticket-${randomUUID()}`
const grpcUnavailable = () =>
  Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED'), {
    code: 14,
    details: 'No connection established',
  })

/** A handler that records what it gets, and lets a test wait for the n-th event. */
const receiver = (onEvent?: (e: RecordedEvent, n: number) => void | Promise<void>) => {
  const got: RecordedEvent[] = []
  const waiting: { n: number; resolve: () => void }[] = []
  let running = 0
  let overlapped = false
  return {
    got,
    get overlapped() {
      return overlapped
    },
    handler: async (e: RecordedEvent) => {
      running++
      if (running > 1) overlapped = true
      got.push(e)
      await onEvent?.(e, got.length)
      running--
      for (const w of [...waiting])
        if (got.length >= w.n) {
          waiting.splice(waiting.indexOf(w), 1)
          w.resolve()
        }
    },
    until: (n: number) =>
      got.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve })),
  }
}

// ---- the adapter over the model -------------------------------------------------------

describe('EventStoreDB adapter: layout on the server', () => {
  it('stores one Soutien stream as one EventStoreDB stream, the envelope id as event id, the rest as metadata', async () => {
    const model = createModel()
    const store = open(model)
    const stream = ticket()
    const [e] = ticketEvents(stream, 1)
    await right(store.append(stream, [e!], 'no-stream'))
    const stored = model.log.find((r) => r.streamId === stream)
    expect(stored).toMatchObject({ id: e!.id, type: 'TicketOpened', revision: 0n, data: e!.data })
    expect(stored?.metadata).toEqual({
      version: 1,
      at: e!.at,
      actor: e!.actor,
      meta: e!.meta,
      $correlationId: e!.meta.correlationId,
      $causationId: e!.meta.causationId,
    })
    await store.dispose()
  })

  it('sends exact expectations only: `any` and `exists` are checked by the adapter, not left to the server’s best effort', async () => {
    const model = createModel()
    const store = open(model)
    const stream = ticket()
    await right(store.append(stream, ticketEvents(stream, 1), 'any'))
    await right(store.append(stream, ticketEvents(stream, 1, 1), 'exists'))
    await right(store.append(stream, ticketEvents(stream, 1, 2), 1))
    expect(model.calls.appends.map((c) => c.expected)).toEqual(['no_stream', 0n, 1n])
    await store.dispose()
  })

  it('refuses to store an event a second time under `any`, instead of duplicating it', async () => {
    const model = createModel()
    const store = open(model)
    const stream = ticket()
    const events = ticketEvents(stream, 2)
    await right(store.append(stream, events, 'any'))
    const again = await refusal(store.append(stream, events, 'any'))
    expect(again).toMatchObject({
      _tag: 'InvalidEvent',
      message: `event id ${events[0]!.id} is already stored`,
    })
    expect(model.log.filter((r) => r.streamId === stream)).toHaveLength(2)
    await store.dispose()
  })

  it('retries an `any` append when another writer got in between its read and its write', async () => {
    const model = createModel()
    const store = open(model)
    const stream = ticket()
    await right(store.append(stream, ticketEvents(stream, 1), 'no-stream'))
    let slipped = false
    model.beforeAppend((s) => {
      if (s !== stream || slipped) return
      slipped = true
      const other = toEsdbEvent(ticketEvents(stream, 1, 1)[0]!)
      if (isLeft(other)) throw new Error(other.left)
      void model.client.appendToStream(stream, [other.right], { expectedRevision: 0n })
    })
    const mine = ticketEvents(stream, 1, 1)
    const r = await right(store.append(stream, mine, 'any'))
    model.beforeAppend(undefined)
    expect(r.nextExpectedRevision).toBe(2)
    // Its first try at revision 0 lost to the other writer's; the second, at 1, went through.
    expect(model.calls.appends.filter((c) => c.stream === stream).map((c) => c.expected)).toEqual([
      'no_stream',
      0n,
      0n,
      1n,
    ])
    expect((await right(store.readStream(stream))).map((e) => e.id)).toContain(mine[0]!.id)
    await store.dispose()
  })

  it('gives the same position in append results, stream reads and $all reads, and refuses ids that are not UUIDs', async () => {
    const model = createModel()
    const store = open(model)
    const stream = ticket()
    const r = await right(store.append(stream, ticketEvents(stream, 3), 'no-stream'))
    const read = await right(store.readStream(stream))
    expect(read[2]!.position).toBe(r.position)
    expect(Number(model.log.find((e) => e.streamId === stream && e.revision === 2n)!.position.commit)).toBe(
      r.position,
    )
    const bad = await refusal(store.append(ticket(), [{ ...ticketOpened('x'), id: 'evt-1' }], 'no-stream'))
    expect(bad).toMatchObject({
      _tag: 'InvalidEvent',
      message: expect.stringContaining('"evt-1" is not a UUID'),
    })
    await store.dispose()
  })

  it('keeps each store inside its namespace when one is given', async () => {
    const model = createModel()
    const acme = open(model, { streamNamespace: 'acme' })
    const globex = open(model, { streamNamespace: 'globex' })
    const stream = ticket()
    await right(acme.append(stream, ticketEvents(stream, 2), 'no-stream'))
    await right(globex.append(stream, ticketEvents(stream, 1), 'no-stream'))
    expect(model.log.filter((e) => !e.streamId.startsWith('$')).map((e) => e.streamId)).toEqual([
      `acme.${stream}`,
      `acme.${stream}`,
      `globex.${stream}`,
    ])
    expect((await right(acme.readStream(stream))).map((e) => e.stream)).toEqual([stream, stream])
    expect((await all(globex.readAll())).map((e) => `${e.stream}@${e.revision}`)).toEqual([`${stream}@0`])
    expect(() => open(model, { streamNamespace: 'a.b' })).toThrow(/stream namespace "a.b"/)
    await acme.dispose()
    await globex.dispose()
  })
})

describe('EventStoreDB adapter: $all', () => {
  it('skips system events and other applications’ streams, and filters on the server', async () => {
    const model = createModel()
    const store = open(model)
    model.foreign('$stats-127.0.0.1:2113', '$statsCollected', { cpu: 3 })
    const s = ticket()
    await right(store.append(s, ticketEvents(s, 2), 'no-stream'))
    model.foreign('billing-42', 'InvoiceSent', { amount: 3 })
    model.foreign('$$' + s, '$metadata', { $maxAge: 10 })
    const got = await all(store.readAll())
    expect(got.map((e) => `${e.stream}@${e.revision}`)).toEqual([`${s}@0`, `${s}@1`])
    expect(model.calls.subscriptions.at(-1)?.prefixes).toEqual([
      'organization',
      'ticket-',
      'major-incident-',
      'knowledge-',
    ])
    // The head is the last Soutien event, not the system events written after it.
    expect(await right(store.headPosition())).toBe(got[1]!.position)
    await store.dispose()
  })

  it('reports -1 as head when the server holds no Soutien event', async () => {
    const model = createModel()
    model.foreign('$stats-127.0.0.1:2113', '$statsCollected', { cpu: 3 })
    model.foreign('billing-42', 'InvoiceSent', { amount: 3 })
    const store = open(model)
    expect(await right(store.headPosition())).toBe(-1)
    expect(await all(store.readAll())).toEqual([])
    await store.dispose()
  })

  it('reads after any number, even one that is not the position of a record', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    await right(store.append(s, ticketEvents(s, 3), 'no-stream'))
    const [a, b, c] = await all(store.readAll())
    expect((await all(store.readAll({ after: b!.position - 1 }))).map((e) => e.id)).toEqual([b!.id, c!.id])
    expect((await all(store.readAll({ after: b!.position + 1 }))).map((e) => e.id)).toEqual([c!.id])
    expect((await all(store.readAll({ after: c!.position + 10_000 }))).map((e) => e.id)).toEqual([])
    expect((await all(store.readAll({ after: a!.position }))).map((e) => e.id)).toEqual([b!.id, c!.id])
    await store.dispose()
  })

  it('resumes exactly from a full checkpoint, kept as text', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    await right(store.append(s, ticketEvents(s, 3), 'no-stream'))
    const [, b, c] = await all(store.readAll())
    const checkpoint = esdbCheckpoint(b!)
    expect(encodeEsdbPosition(checkpoint)).toBe(`C:${b!.position}/P:${b!.position}`)
    expect((await all(store.readAll({ afterEsdbPosition: checkpoint }))).map((e) => e.id)).toEqual([c!.id])
    // An event that did not come from this adapter: derived from its number.
    expect(esdbCheckpoint({ ...c! })).toEqual({ commit: BigInt(c!.position), prepare: BigInt(c!.position) })
    await store.dispose()
  })

  it('decodes every event it reads, and names what it cannot read', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    await right(store.append(s, ticketEvents(s, 1), 'no-stream'))
    model.foreign(
      s,
      'UserInformed',
      { kind: 'progress', message: 'hi' },
      { version: 1, at: 'yesterday', actor: {} },
    )
    const e = await refusal(store.readStream(s))
    expect(e._tag).toBe('InvalidEvent')
    expect(e.message).toMatch(
      new RegExp(`^event [0-9a-f-]+ \\(${s}@1\\) in EventStoreDB at ${SERVER} is not a valid`),
    )
    expect(e.message).toContain('at:')
    expect((await failureOf(store.readAll()))._tag).toBe('InvalidEvent')
    await store.dispose()
  })
})

describe('EventStoreDB adapter: subscriptions', () => {
  it('catches up, then stays live, one event at a time', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    const events = ticketEvents(s, 5)
    await right(store.append(s, events.slice(0, 3), 'no-stream'))
    model.foreign('$stats-x', '$statsCollected', {})
    const rec = receiver(() => Promise.resolve())
    const sub = store.subscribe(rec.handler)
    await sub.caughtUp
    expect(rec.got.map((e) => e.id)).toEqual(events.slice(0, 3).map((e) => e.id))
    await right(store.append(s, events.slice(3), 2))
    await rec.until(5)
    await sub.close()
    expect(rec.got.map((e) => e.id)).toEqual(events.map((e) => e.id))
    expect(rec.overlapped).toBe(false)
    expect(model.openSubscriptions).toBe(0)
    await store.dispose()
  })

  it('resubscribes after a drop from the last event handled: no gap, no duplicate', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    const events = ticketEvents(s, 8)
    await right(store.append(s, events.slice(0, 5), 'no-stream'))
    const rec = receiver((_, n) => {
      // A leader failover in the middle of the catch-up, then once more when live.
      if (n === 3 || n === 6) model.drop(new UnavailableError(undefined, 'leader changed'))
    })
    const sub = store.subscribe(rec.handler)
    await sub.caughtUp
    await right(store.append(s, events.slice(5), 4))
    await rec.until(8)
    await sub.close()
    expect(rec.got.map((e) => e.id)).toEqual(events.map((e) => e.id))
    const starts = model.calls.subscriptions.map((c) => c.from)
    expect(starts).toHaveLength(3)
    expect(starts[0]).toBe('start')
    expect(starts[1]).toEqual(esdbCheckpoint(rec.got[2]!))
    expect(starts[2]).toEqual(esdbCheckpoint(rec.got[5]!))
    await store.dispose()
  })

  it('keeps trying while the server is down, and carries on when it is back', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    const events = ticketEvents(s, 2)
    await right(store.append(s, events.slice(0, 1), 'no-stream'))
    const rec = receiver()
    const sub = store.subscribe(rec.handler)
    await rec.until(1)
    model.down(grpcUnavailable())
    // Let it fail a few times, then bring the server back with a new event.
    while (model.calls.subscriptions.length < 4) await new Promise((r) => setImmediate(r))
    model.up()
    await right(store.append(s, events.slice(1), 0))
    await rec.until(2)
    await sub.close()
    expect(rec.got.map((e) => e.id)).toEqual(events.map((e) => e.id))
    await store.dispose()
  })

  it('gives up after the configured attempts and reports the server', async () => {
    const model = createModel()
    const store = open(model, { resubscribe: { initialDelayMs: 0, maxDelayMs: 0, maxAttempts: 3 } })
    model.down(grpcUnavailable())
    const failed = new Promise<unknown>((resolve) => {
      store.subscribe(() => {}, { onError: resolve })
    })
    const err = await failed
    expect(err).toBeInstanceOf(StoreFailure)
    const e = (err as StoreFailure).error
    expect(e._tag).toBe('StoreUnavailable')
    expect(e.message).toContain(`EventStoreDB at ${SERVER} is unavailable`)
    expect(e.message).toContain('given up after 3 failed attempts in a row')
    await store.dispose()
  })

  it('selects nothing with an empty prefix list, and still closes', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    await right(store.append(s, ticketEvents(s, 1), 'no-stream'))
    const rec = receiver()
    const sub = store.subscribe(rec.handler, { streamPrefixes: [] })
    await sub.caughtUp
    await sub.close()
    expect(rec.got).toEqual([])
    expect(model.calls.subscriptions).toEqual([])
    expect(await all(store.readAll({ streamPrefixes: [] }))).toEqual([])
    await store.dispose()
  })

  it('closes and reports when the handler fails, without delivering more', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    await right(store.append(s, ticketEvents(s, 3), 'no-stream'))
    const boom = new Error('projection bug')
    let calls = 0
    const reported = new Promise<unknown>((resolve) => {
      store.subscribe(
        () => {
          calls++
          if (calls === 2) throw boom
        },
        { onError: resolve },
      )
    })
    expect(await reported).toBe(boom)
    expect(calls).toBe(2)
    expect(model.openSubscriptions).toBe(0)
    await store.dispose()
  })

  it('reports an event it cannot decode instead of skipping it', async () => {
    const model = createModel()
    const store = open(model)
    model.foreign(ticket(), 'TicketOpened', { nonsense: true }, new Uint8Array([1]))
    const reported = new Promise<unknown>((resolve) => {
      store.subscribe(() => {}, { onError: resolve })
    })
    const err = await reported
    expect(err instanceof StoreFailure && err.error._tag).toBe('InvalidEvent')
    await store.dispose()
  })

  it('closes every subscription and the client on dispose, and refuses work afterwards', async () => {
    const model = createModel()
    const store = open(model)
    const s = ticket()
    await right(store.append(s, ticketEvents(s, 1), 'no-stream'))
    const subs = [store.subscribe(() => {}), store.subscribe(() => {}, { streamPrefixes: ['knowledge-'] })]
    await Promise.all(subs.map((x) => x.caughtUp))
    expect(model.openSubscriptions).toBe(2)
    await store.dispose()
    expect(model.openSubscriptions).toBe(0)
    expect(model.disposed).toBe(true)
    await Promise.all(subs.map((x) => x.close()))
    expect(await refusal(store.readStream(s))).toMatchObject({
      _tag: 'StoreUnavailable',
      message: expect.stringContaining('disposed'),
    })
    expect((await failureOf(store.readAll()))._tag).toBe('StoreUnavailable')
    expect((await refusal(store.headPosition()))._tag).toBe('StoreUnavailable')
  })
})

describe('EventStoreDB adapter: a server that cannot be reached', () => {
  it('answers StoreUnavailable naming the server and what was being done', async () => {
    const model = createModel()
    const store = open(model)
    model.down(grpcUnavailable())
    const s = ticket()
    const append = await refusal(store.append(s, ticketEvents(s, 1), 'no-stream'))
    expect(append).toMatchObject({ _tag: 'StoreUnavailable' })
    expect(append.message).toMatch(
      new RegExp(
        `^EventStoreDB at ${SERVER} is unavailable \\(append to ${s}\\): the connection was refused; check`,
      ),
    )
    expect((await refusal(store.readStream(s))).message).toContain(`(read stream ${s})`)
    expect((await refusal(store.headPosition())).message).toContain('(head position)')
    expect((await failureOf(store.readAll())).message).toContain('(read $all)')
    await store.dispose()
  })

  it('does the same with the real client when nothing listens at the address', async () => {
    // Loopback only: a port where no server listens is refused at once.
    const store = createEsdbStore('esdb://admin:changeit@127.0.0.1:1?tls=false')
    expect(store.server).toBe('esdb://127.0.0.1:1')
    const r = await refusal(store.append(ticket(), ticketEvents(ticket(), 1), 'no-stream'))
    expect(r._tag).toBe('StoreUnavailable')
    expect(r.message).toContain('EventStoreDB at esdb://127.0.0.1:1 is unavailable')
    expect(r.message).not.toContain('changeit')
    await store.dispose()
  })

  it('throws on a malformed connection string, without repeating its password', () => {
    expect(() => createEsdbStore('esdb://admin:changeit@db:notaport?tls=false')).toThrow(
      /invalid EventStoreDB connection string for esdb:\/\/db:notaport/,
    )
    try {
      createEsdbStore('esdb://admin:changeit@db:notaport?tls=false')
    } catch (err) {
      expect(String(err)).not.toContain('changeit')
    }
  })
})
