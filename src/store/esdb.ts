/**
 * The EventStoreDB adapter of the EventStore port (`@eventstore/db-client`
 * 6.2.1). Soutien streams are EventStoreDB streams one to one; `$all` reads
 * and subscriptions are filtered on Soutien's stream prefixes by the server.
 * Every translation lives in `esdb-mapping.ts`; this module only sequences
 * client calls. See docs/esdb.md for the layout and the operating notes.
 */
import {
  type AllStreamResolvedEvent,
  type AppendToStreamOptions,
  BACKWARDS,
  type ReadAllOptions as ClientReadAllOptions,
  type ReadStreamOptions as ClientReadStreamOptions,
  END,
  type AppendResult as EsdbAppendResult,
  type EventData,
  EventStoreDBClient,
  type ResolvedEvent,
  START,
  type SubscribeToAllOptions,
} from '@eventstore/db-client'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { formatProblems } from '../domain/codec.js'
import { type EventToAppend, type RecordedEvent, STREAM_PREFIXES } from '../domain/envelope.js'
import {
  actualRevisionOf,
  checkNamespace,
  comparePositions,
  conflictOf,
  DEFAULT_RESUBSCRIBE,
  describeRecord,
  describeServer,
  type EsdbFrom,
  type EsdbPosition,
  type EsdbRecord,
  errorMessage,
  esdbErrorKind,
  esdbStreamName,
  exactExpectedRevision,
  fromEsdbRecord,
  fromPortPosition,
  isAfterPosition,
  isDeliverable,
  isTransient,
  positionNumber,
  prefixFilter,
  type ResubscribePolicy,
  redactCredentials,
  resolvePrefixes,
  resubscribeDelay,
  soutienStreamName,
  startOf,
  toClientConnectionString,
  toEsdbEvent,
  toEsdbExpectedRevision,
  toStoreError,
} from './esdb-mapping.js'
import {
  type AppendResult,
  conflict,
  type EventStore,
  type ExpectedRevision,
  invalidEvent,
  type ReadAllOptions,
  type StoreError,
  StoreFailure,
  type SubscribeOptions,
  type Subscription,
  unavailable,
} from './port.js'

// ---- the part of the client the adapter uses --------------------------------

/** A finite read of the client (`readStream`, `readAll`): async iterable, cancellable. */
export interface EsdbReading<T> extends AsyncIterable<T> {
  cancel(): Promise<void>
  /** The client's reads are Node streams: an `error` with no listener would crash the process. */
  on?(event: 'error', listener: (err: Error) => void): unknown
}
/** A `$all` subscription of the client: async iterable, stoppable. */
export interface EsdbSubscriptionHandle extends AsyncIterable<AllStreamResolvedEvent> {
  unsubscribe(): Promise<void>
  destroy(error?: Error): unknown
  /** The client's subscriptions are Node streams: an `error` with no listener would crash the process. */
  on?(event: 'error', listener: (err: Error) => void): unknown
}
/**
 * The methods of `EventStoreDBClient` the adapter calls. The real client
 * satisfies it; tests pass a model of the server through
 * `createEsdbStoreWithClient`.
 */
export interface EsdbClient {
  appendToStream(
    streamName: string,
    events: EventData[],
    options?: AppendToStreamOptions,
  ): Promise<EsdbAppendResult>
  readStream(streamName: string, options?: ClientReadStreamOptions): EsdbReading<ResolvedEvent>
  readAll(options?: ClientReadAllOptions): EsdbReading<AllStreamResolvedEvent>
  subscribeToAll(options?: SubscribeToAllOptions): EsdbSubscriptionHandle
  dispose(): Promise<void>
}

// ---- options and the extended store -----------------------------------------

export interface EsdbStoreOptions {
  /** Streams `readAll`, `subscribe` and `headPosition` select by default: Soutien's four prefixes. */
  readonly streamPrefixes?: readonly string[]
  /** Pauses and attempts when a subscription drops (leader failover, network). */
  readonly resubscribe?: Partial<ResubscribePolicy>
  /** How often an `any`/`exists` append re-reads the stream when another writer got in first (default 5). */
  readonly appendRetries?: number
  /**
   * Keep this store's streams under `<namespace>.<stream>` in a shared server
   * (tenants, test runs). Default: none, Soutien streams are EventStoreDB streams.
   */
  readonly streamNamespace?: string
}

export interface EsdbReadAllOptions extends ReadAllOptions {
  /** Resume after this full position (from `esdbCheckpoint`); wins over `after`. */
  readonly afterEsdbPosition?: EsdbPosition
}
export interface EsdbSubscribeOptions extends SubscribeOptions {
  /** Resume after this full position (from `esdbCheckpoint`); wins over `after`. */
  readonly afterEsdbPosition?: EsdbPosition
}

export interface EsdbStore extends EventStore {
  /** The server as messages name it (`esdb://host:2113`), without credentials. */
  readonly server: string
  readonly readAll: (options?: EsdbReadAllOptions) => AsyncIterable<RecordedEvent>
  readonly subscribe: (
    handler: (event: RecordedEvent) => void | Promise<void>,
    options?: EsdbSubscribeOptions,
  ) => Subscription
}

// ---- full positions of the events handed out ---------------------------------

const fullPositions = new WeakMap<RecordedEvent, EsdbPosition>()

/**
 * The full `$all` position of an event this adapter read, for a checkpoint that
 * resumes exactly (`encodeEsdbPosition` makes it text). For an event from
 * elsewhere it is derived from the numeric position, which is exact for every
 * event appended through gRPC (commit = prepare).
 */
export const esdbCheckpoint = (event: RecordedEvent): EsdbPosition => {
  const known = fullPositions.get(event)
  if (known !== undefined) return known
  const p = fromPortPosition(event.position)
  return p === 'start' ? { commit: 0n, prepare: 0n } : p
}

// ---- the store ----------------------------------------------------------------

/**
 * Connect to EventStoreDB, e.g. `esdb://localhost:2113?tls=false` or
 * `esdb+discover://user:pass@cluster.example:2113?nodePreference=leader`.
 * Connecting is lazy: a server that is down shows up as `StoreUnavailable` on
 * the first call. A malformed connection string throws (configuration error).
 */
export const createEsdbStore = (connectionString: string, options: EsdbStoreOptions = {}): EsdbStore => {
  const server = describeServer(connectionString)
  let client: EventStoreDBClient
  try {
    client = EventStoreDBClient.connectionString(toClientConnectionString(connectionString))
  } catch (err) {
    throw new Error(
      `invalid EventStoreDB connection string for ${server}: ${redactCredentials(errorMessage(err))}`,
    )
  }
  return createEsdbStoreWithClient(client, server, options)
}

/** Stop a read early; a late transport error has nobody left to tell and must not crash the process. */
const cancelQuietly = async (reading: EsdbReading<unknown>): Promise<void> => {
  reading.on?.('error', () => undefined)
  await reading.cancel().catch(() => undefined)
}

/** Private marker: the handler threw; the subscription closes and reports it as is. */
class HandlerFailure {
  constructor(readonly cause: unknown) {}
}

export const createEsdbStoreWithClient = (
  client: EsdbClient,
  server: string,
  options: EsdbStoreOptions = {},
): EsdbStore => {
  const defaults = resolvePrefixes(options.streamPrefixes, STREAM_PREFIXES)
  if (E.isLeft(defaults)) throw new RangeError(defaults.left)
  const defaultPrefixes = defaults.right
  const namespace = checkNamespace(options.streamNamespace)
  if (E.isLeft(namespace)) throw new RangeError(namespace.left)
  const ns = namespace.right
  const nameIn = (stream: string) => esdbStreamName(ns, stream)
  /** The prefixes as the server sees them (inside the namespace). */
  const serverPrefixes = (prefixes: readonly string[]) => prefixes.map(nameIn)
  const policy: ResubscribePolicy = { ...DEFAULT_RESUBSCRIBE, ...options.resubscribe }
  const appendRetries = options.appendRetries ?? 5
  let disposed = false
  /** Stoppers of running subscriptions and `$all` reads, for `dispose`. */
  const running = new Set<() => Promise<void>>()

  const failure = (
    err: unknown,
    operation: string,
    extra: { stream?: string; expected?: ExpectedRevision } = {},
  ) => toStoreError(err, { server, operation, ...extra })
  const disposedError = (operation: string) =>
    unavailable(`the EventStoreDB store for ${server} has been disposed (${operation})`)
  const notSoutien = (r: EsdbRecord, why: string) =>
    invalidEvent(`${describeRecord(r)} in EventStoreDB at ${server} is not a valid Soutien event: ${why}`)

  /** Decode one record, remembering its full position for `esdbCheckpoint`. */
  const decode = (r: EsdbRecord): E.Either<StoreError, RecordedEvent> => {
    const d = fromEsdbRecord({ ...r, streamId: soutienStreamName(ns, r.streamId) ?? r.streamId })
    if (E.isLeft(d)) return E.left(notSoutien(r, formatProblems(d.left)))
    fullPositions.set(d.right.event, d.right.position)
    return E.right(d.right.event)
  }

  // ---- streams ----

  const readWholeStream = async (
    stream: string,
    from: number,
  ): Promise<E.Either<StoreError, RecordedEvent[]>> => {
    const out: RecordedEvent[] = []
    try {
      const reading = client.readStream(nameIn(stream), { fromRevision: from > 0 ? BigInt(from) : START })
      for await (const resolved of reading) {
        const r = resolved.event
        // A stream's own system events (a tombstone's `$streamDeleted`) are not Soutien facts.
        if (r === undefined || r.type.startsWith('$')) continue
        const d = decode(r)
        if (E.isLeft(d)) {
          await cancelQuietly(reading)
          return d
        }
        out.push(d.right)
      }
    } catch (err) {
      // The client raises "not found" during iteration: the port reads it as an empty stream.
      if (esdbErrorKind(err) === 'stream-not-found') return E.right([])
      return E.left(failure(err, `read stream ${stream}`, { stream }))
    }
    return E.right(out)
  }

  const readStream: EsdbStore['readStream'] = (stream, opts) => async () => {
    if (disposed) return E.left(disposedError(`read stream ${stream}`))
    const from = opts?.fromRevision ?? 0
    if (!Number.isSafeInteger(from))
      return E.left(invalidEvent(`fromRevision ${String(from)} is not a revision (an integer ≥ 0)`))
    return readWholeStream(stream, Math.max(0, from))
  }

  // ---- $all ----

  /**
   * Position of the last event a reader with these prefixes would get after
   * `from`, or undefined when there is none. Read backwards from the end (the
   * tail is mostly EventStoreDB's own events: stats, projection links), never
   * further back than `from`.
   */
  const lastDeliverable = async (
    prefixes: readonly string[],
    from: EsdbFrom,
  ): Promise<EsdbPosition | undefined> => {
    const reading = client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: Number.MAX_SAFE_INTEGER,
    })
    try {
      for await (const resolved of reading) {
        const r = resolved.event
        if (r?.position === undefined) continue
        if (!isAfterPosition(r.position, from)) return undefined
        if (isDeliverable(r, prefixes)) return r.position
      }
      return undefined
    } finally {
      await cancelQuietly(reading)
    }
  }

  /**
   * A start the server accepts. A numeric `after` is normally the position of
   * an event (a checkpoint, a head), but the port allows any number, and the
   * server refuses to read from the middle of a record. So the number is tried
   * once; if the server refuses it, the read starts after the last event at
   * or before it instead, which selects the same events.
   */
  const acceptedStart = async (
    from: EsdbFrom,
    opts: { readonly afterEsdbPosition?: EsdbPosition },
  ): Promise<EsdbFrom> => {
    if (from === 'start' || opts.afterEsdbPosition !== undefined) return from
    const probe = client.readAll({ fromPosition: from, maxCount: 1 })
    try {
      for await (const _ of probe) break
      return from
    } catch (err) {
      const kind = esdbErrorKind(err)
      if (kind === 'unavailable' || kind === 'access-denied') throw err
    } finally {
      await cancelQuietly(probe)
    }
    const back = client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: Number.MAX_SAFE_INTEGER,
    })
    try {
      for await (const resolved of back) {
        const p = resolved.event?.position
        if (p !== undefined && comparePositions(p, from) <= 0) return p
      }
      return 'start'
    } finally {
      await cancelQuietly(back)
    }
  }

  const stopSubscription = async (sub: EsdbSubscriptionHandle): Promise<void> => {
    // Once stopped, a late transport error has nobody to tell; it must not crash the process.
    sub.on?.('error', () => undefined)
    await sub.unsubscribe().catch(() => undefined)
    sub.destroy()
  }

  /**
   * `readAll`: a server-filtered catch-up subscription from `after`, stopped at
   * the last matching event that existed when the read began (the client's
   * `readAll` of 6.2.1 cannot carry a filter, and a filtered subscription says
   * nothing reliable about reaching the end before server 23.10).
   */
  async function* readAll(opts: EsdbReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    if (disposed) throw new StoreFailure(disposedError('read $all'))
    const wanted = resolvePrefixes(opts.streamPrefixes, defaultPrefixes)
    if (E.isLeft(wanted)) throw new StoreFailure(invalidEvent(wanted.left))
    const prefixes = serverPrefixes(wanted.right)
    if (prefixes.length === 0) return
    let from: EsdbFrom = startOf(opts)
    let boundary: EsdbPosition | undefined
    try {
      from = await acceptedStart(from, opts)
      boundary = await lastDeliverable(prefixes, from)
    } catch (err) {
      throw new StoreFailure(failure(err, 'read $all'))
    }
    if (boundary === undefined || !isAfterPosition(boundary, from)) return
    const sub = client.subscribeToAll({ fromPosition: from, filter: prefixFilter(prefixes) })
    const stop = () => stopSubscription(sub)
    running.add(stop)
    try {
      for await (const item of sub) {
        const r = item.event
        if (r?.position === undefined || !isAfterPosition(r.position, from)) continue
        if (isDeliverable(r, prefixes)) {
          const d = decode(r)
          if (E.isLeft(d)) throw new StoreFailure(d.left)
          yield d.right
        }
        from = r.position
        if (comparePositions(r.position, boundary) >= 0) return
      }
      throw new StoreFailure(
        disposed
          ? disposedError('read $all')
          : unavailable(`EventStoreDB at ${server} ended the read of $all before its last event (read $all)`),
      )
    } catch (err) {
      if (err instanceof StoreFailure) throw err
      throw new StoreFailure(disposed ? disposedError('read $all') : failure(err, 'read $all'))
    } finally {
      running.delete(stop)
      await stop()
    }
  }

  // ---- append ----

  /** Position of the last of `events` and the stream's last revision, read back from the stream. */
  const lookUpAppended = async (
    stream: string,
    events: readonly EventToAppend[],
  ): Promise<E.Either<StoreError, AppendResult>> => {
    const read = await readWholeStream(stream, 0)
    if (E.isLeft(read)) return read
    const lastId = events[events.length - 1]?.id.toLowerCase()
    const found = read.right.find((e) => e.id.toLowerCase() === lastId)
    const tail = read.right[read.right.length - 1]
    if (found === undefined || tail === undefined)
      return E.left(
        unavailable(
          `EventStoreDB at ${server} accepted the append to ${stream} but its events cannot be read back`,
        ),
      )
    return E.right({ nextExpectedRevision: tail.revision, position: found.position })
  }

  /**
   * The port's result from the client's. A replayed (idempotent) append may come
   * back without a position; the events are then read back.
   */
  const resultOf = async (
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
    r: EsdbAppendResult,
  ): Promise<E.Either<StoreError, AppendResult>> => {
    // With `throwOnAppendFailure=false` in the connection string, a conflict is a value.
    if (!r.success) return E.left(conflict(stream, expected, actualRevisionOf(r.nextExpectedRevision)))
    const position = r.position === undefined ? undefined : positionNumber(r.position)
    if (position === undefined || E.isLeft(position)) return lookUpAppended(stream, events)
    return E.right({
      nextExpectedRevision: actualRevisionOf(r.nextExpectedRevision),
      position: position.right,
    })
  }

  const head = async (operation: string): Promise<E.Either<StoreError, number>> => {
    try {
      const last = await lastDeliverable(serverPrefixes(defaultPrefixes), 'start')
      if (last === undefined) return E.right(-1)
      const n = positionNumber(last)
      return E.isLeft(n) ? E.left(invalidEvent(n.left)) : E.right(n.right)
    } catch (err) {
      return E.left(failure(err, operation))
    }
  }

  const headPosition: EsdbStore['headPosition'] = () => async () =>
    disposed ? E.left(disposedError('head position')) : head('head position')

  /**
   * `any` and `exists`: EventStoreDB's idempotency for these is best effort (a
   * cache of recent writes), so a retried append could store the same events
   * twice. The adapter reads the stream, refuses ids already in it, and appends
   * at the exact revision it saw, re-reading if another writer got in first.
   */
  const appendUnchecked = async (
    stream: string,
    events: readonly EventToAppend[],
    data: EventData[],
    expected: 'any' | 'exists',
  ): Promise<E.Either<StoreError, AppendResult>> => {
    for (let attempt = 0; ; attempt++) {
      const read = await readWholeStream(stream, 0)
      if (E.isLeft(read)) return read
      // The revision of the last event, not the count: a stream truncated in EventStoreDB keeps numbering.
      const last = read.right[read.right.length - 1]?.revision ?? -1
      if (expected === 'exists' && last < 0) return E.left(conflict(stream, expected, -1))
      const stored = new Set(read.right.map((e) => e.id.toLowerCase()))
      const again = events.find((e) => stored.has(e.id.toLowerCase()))
      if (again !== undefined) return E.left(invalidEvent(`event id ${again.id} is already stored`))
      if (events.length === 0) {
        const h = await head(`append to ${stream}`)
        return E.isLeft(h) ? h : E.right({ nextExpectedRevision: last, position: h.right })
      }
      try {
        const r = await client.appendToStream(nameIn(stream), data, {
          expectedRevision: exactExpectedRevision(last),
        })
        if (!r.success && attempt < appendRetries) continue
        return await resultOf(stream, events, expected, r)
      } catch (err) {
        if (esdbErrorKind(err) === 'wrong-expected-version') {
          if (attempt < appendRetries) continue
          return E.left(conflictOf(err as { actualVersion?: unknown }, stream, expected))
        }
        return E.left(failure(err, `append to ${stream}`, { stream, expected }))
      }
    }
  }

  /** Zero events: nothing to write, but the expectation is still checked, like the other adapters do. */
  const appendNothing = async (
    stream: string,
    expected: ExpectedRevision,
  ): Promise<E.Either<StoreError, AppendResult>> => {
    const read = await readWholeStream(stream, 0)
    if (E.isLeft(read)) return read
    const last = read.right[read.right.length - 1]?.revision ?? -1
    const ok =
      expected === 'any' ||
      (expected === 'exists' && last >= 0) ||
      ((expected === 'no-stream' || expected === -1) && last === -1) ||
      expected === last
    if (!ok) return E.left(conflict(stream, expected, last))
    const h = await head(`append to ${stream}`)
    return E.isLeft(h) ? h : E.right({ nextExpectedRevision: last, position: h.right })
  }

  const append =
    (
      stream: string,
      events: readonly EventToAppend[],
      expected: ExpectedRevision,
    ): TE.TaskEither<StoreError, AppendResult> =>
    async () => {
      if (disposed) return E.left(disposedError(`append to ${stream}`))
      const seen = new Set<string>()
      const data: EventData[] = []
      for (const e of events) {
        const id = e.id.toLowerCase()
        if (seen.has(id)) return E.left(invalidEvent(`event id ${e.id} is already stored`))
        seen.add(id)
        const d = toEsdbEvent(e)
        if (E.isLeft(d)) return E.left(invalidEvent(d.left))
        data.push(d.right)
      }
      if (expected === 'any' || expected === 'exists') return appendUnchecked(stream, events, data, expected)
      const revision = toEsdbExpectedRevision(expected)
      if (E.isLeft(revision)) return E.left(invalidEvent(revision.left))
      if (events.length === 0) return appendNothing(stream, expected)
      try {
        // Exact revisions and no-stream: EventStoreDB's own check, idempotent for a retried append.
        const r = await client.appendToStream(nameIn(stream), data, { expectedRevision: revision.right })
        return await resultOf(stream, events, expected, r)
      } catch (err) {
        return E.left(failure(err, `append to ${stream}`, { stream, expected }))
      }
    }

  // ---- subscriptions ----

  const subscribe: EsdbStore['subscribe'] = (handler, opts = {}) => {
    if (disposed) {
      const err = new StoreFailure(disposedError('subscribe'))
      queueMicrotask(() => opts.onError?.(err))
      return { caughtUp: Promise.resolve(), close: async () => {} }
    }
    let closed = false
    let current: EsdbSubscriptionHandle | undefined
    let wake: (() => void) | undefined
    let resolveCaughtUp!: () => void
    const caughtUp = new Promise<void>((r) => {
      resolveCaughtUp = r
    })
    const pause = (ms: number) =>
      new Promise<void>((r) => {
        const t = setTimeout(r, ms)
        wake = () => {
          clearTimeout(t)
          r()
        }
      }).finally(() => {
        wake = undefined
      })

    const run = async (): Promise<void> => {
      const wanted = resolvePrefixes(opts.streamPrefixes, defaultPrefixes)
      if (E.isLeft(wanted)) throw new StoreFailure(invalidEvent(wanted.left))
      const prefixes = serverPrefixes(wanted.right)
      let from: EsdbFrom = startOf(opts)
      if (prefixes.length === 0) {
        // Nothing can match: wait for `close`, without a timer keeping the process alive.
        resolveCaughtUp()
        await new Promise<void>((r) => {
          wake = r
        })
        return
      }
      // null: not yet known (the first attempts may fail like any other call).
      let boundary: EsdbPosition | undefined | null = null
      let attempt = 0
      while (!closed) {
        try {
          if (boundary === null) {
            from = await acceptedStart(from, opts)
            boundary = await lastDeliverable(prefixes, from)
            if (boundary === undefined || !isAfterPosition(boundary, from)) resolveCaughtUp()
          }
          // Closed while looking for the boundary: nothing to open.
          if (closed) return
          // Exclusive of `from`: after a drop it resumes right after the last event handled.
          const sub = client.subscribeToAll({ fromPosition: from, filter: prefixFilter(prefixes) })
          current = sub
          try {
            for await (const item of sub) {
              if (closed) break
              attempt = 0
              const r = item.event
              // Already handled before a resubscription: never twice.
              if (r?.position === undefined || !isAfterPosition(r.position, from)) continue
              if (isDeliverable(r, prefixes)) {
                const d = decode(r)
                if (E.isLeft(d)) throw new StoreFailure(d.left)
                try {
                  await handler(d.right)
                } catch (err) {
                  throw new HandlerFailure(err)
                }
              }
              from = r.position
              if (boundary !== undefined && comparePositions(r.position, boundary) >= 0) resolveCaughtUp()
            }
          } finally {
            current = undefined
            await stopSubscription(sub)
          }
          if (closed) return
          // The server ended the subscription without an error: resubscribe as after a drop.
          throw Object.assign(new Error('the server ended the subscription'), { type: 'unavailable' })
        } catch (err) {
          if (closed) return
          if (err instanceof HandlerFailure || err instanceof StoreFailure) throw err
          const failures = attempt + 1
          if (!isTransient(err)) throw new StoreFailure(failure(err, 'subscription to $all'))
          if (failures >= policy.maxAttempts)
            throw new StoreFailure(
              failure(err, `subscription to $all, given up after ${failures} failed attempts in a row`),
            )
          await pause(resubscribeDelay(attempt, policy))
          attempt = failures
        }
      }
    }

    const loop = run()
      .catch((err: unknown) => {
        closed = true
        if (opts.onError) opts.onError(err instanceof HandlerFailure ? err.cause : err)
      })
      .finally(() => {
        // Never leave a caller waiting on a subscription that is over.
        resolveCaughtUp()
        running.delete(close)
      })

    const close = async (): Promise<void> => {
      closed = true
      wake?.()
      const sub = current
      if (sub !== undefined) await stopSubscription(sub)
      await loop
    }
    running.add(close)
    return { caughtUp, close }
  }

  return {
    server,
    append,
    readStream,
    readAll,
    subscribe,
    headPosition,
    dispose: async () => {
      if (disposed) return
      disposed = true
      await Promise.all([...running].map((stop) => stop()))
      await client.dispose()
    },
  }
}
