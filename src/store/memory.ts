/**
 * The in-memory EventStore: for tests, demos and hosts that keep history
 * elsewhere. Appends are atomic and checked like every other adapter's, and
 * every event is validated (and upcast) on append, so that what a reader gets
 * from memory is what it would get from SQLite or EventStoreDB.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { formatProblems } from '../domain/codec.js'
import {
  decodeRecordedEvent,
  type EventToAppend,
  type RecordedEvent,
  recordedAs,
} from '../domain/envelope.js'
import {
  type AppendResult,
  type AtomicImport,
  conflict,
  type EventStore,
  type EventToImport,
  type ExpectedRevision,
  type ImportResult,
  type InvalidEvent,
  invalidEvent,
  type ReadAllOptions,
  type StoreError,
  StoreFailure,
  type Subscription,
  unavailable,
} from './port.js'
import { matchesPrefixes, subscribeByPolling } from './subscription.js'

/** Decide an append against a stream's current ids: conflict, idempotent replay, or go. */
export const checkExpected = (
  stream: string,
  currentIds: readonly string[],
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): { kind: 'conflict'; error: StoreError } | { kind: 'replay'; lastRevision: number } | { kind: 'go' } => {
  const last = currentIds.length - 1
  if (expectationHolds(expected, last)) return { kind: 'go' }
  // Idempotent retry: the same ids already stored right after the expected revision.
  const start = expected === 'no-stream' ? 0 : typeof expected === 'number' ? expected + 1 : -1
  if (start >= 0 && events.length > 0 && start + events.length <= currentIds.length) {
    if (events.every((e, i) => currentIds[start + i] === e.id))
      return { kind: 'replay', lastRevision: start + events.length - 1 }
  }
  return { kind: 'conflict', error: conflict(stream, expected, last) }
}

const expectationHolds = (expected: ExpectedRevision, last: number): boolean =>
  expected === 'any' ||
  (expected === 'no-stream' && last === -1) ||
  (expected === 'exists' && last >= 0) ||
  (typeof expected === 'number' && expected === last)

/** Where an event id is stored. */
export interface Located {
  readonly stream: string
  readonly revision: number
}

export type AppendPlan =
  | { readonly kind: 'go' }
  | { readonly kind: 'replay'; readonly lastRevision: number }
  | { readonly kind: 'refused'; readonly error: StoreError }

/**
 * The append rules every embedded adapter shares (memory, SQLite), given the
 * stream's last revision and a lookup of stored ids:
 * 1. the same ids already stored contiguously in this stream, where `expected`
 *    says they should start, are an idempotent retry (for `any` and `exists`,
 *    wherever they are);
 * 2. otherwise the expected revision must hold (else a `ConcurrencyConflict`);
 * 3. an id may appear only once in the append and must not be stored anywhere.
 */
export const planAppend = (
  stream: string,
  last: number,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
  locate: (id: string) => Located | undefined,
): AppendPlan => {
  const first = events[0]
  const at = first === undefined ? undefined : locate(first.id)
  if (at !== undefined && at.stream === stream) {
    const start = at.revision
    const consistent =
      expected === 'any' ||
      expected === 'exists' ||
      (expected === 'no-stream' ? start === 0 : start === expected + 1)
    const allThere = events.every((e, i) => {
      const l = locate(e.id)
      return l !== undefined && l.stream === stream && l.revision === start + i
    })
    if (consistent && allThere) return { kind: 'replay', lastRevision: start + events.length - 1 }
  }
  if (!expectationHolds(expected, last)) return { kind: 'refused', error: conflict(stream, expected, last) }
  const seen = new Set<string>()
  for (const e of events) {
    if (seen.has(e.id))
      return {
        kind: 'refused',
        error: invalidEvent(`stream ${stream}: event id ${e.id} appears twice in the same append`),
      }
    seen.add(e.id)
    const l = locate(e.id)
    if (l !== undefined)
      return {
        kind: 'refused',
        error: invalidEvent(
          `stream ${stream}: event id ${e.id} is already stored (stream ${l.stream}, revision ${l.revision})`,
        ),
      }
  }
  return { kind: 'go' }
}

/** The §3 envelope an event will be stored as, before any decoding. */
export const wireOf = (
  stream: string,
  revision: number,
  position: number,
  e: EventToAppend,
): Record<string, unknown> => recordedAs(e, stream, revision, position)

/**
 * Check an event the way a reader will decode it, before it is stored: a store
 * must never hold an event that it cannot give back.
 */
export const validateForStore = (
  stream: string,
  revision: number,
  position: number,
  e: EventToAppend,
): E.Either<InvalidEvent, RecordedEvent> => {
  const d = decodeRecordedEvent(wireOf(stream, revision, position, e))
  return E.isLeft(d)
    ? E.left(
        invalidEvent(
          `stream ${stream}: event ${String(e.id)} (${String(e.type)}) is not valid: ${formatProblems(d.left)}`,
        ),
      )
    : d
}

export const createMemoryStore = (): EventStore & AtomicImport => {
  const log: RecordedEvent[] = []
  const streams = new Map<string, RecordedEvent[]>()
  const where = new Map<string, Located>()
  const listeners = new Set<() => void>()
  let disposed = false
  const closedError = () => unavailable('the in-memory store has been disposed')

  const commit = (records: readonly RecordedEvent[]) => {
    for (const rec of records) {
      let arr = streams.get(rec.stream)
      if (arr === undefined) {
        arr = []
        streams.set(rec.stream, arr)
      }
      arr.push(rec)
      log.push(rec)
      // The record itself says where it is: no object more per stored event.
      where.set(rec.id, rec)
    }
    if (records.length > 0) for (const l of listeners) l()
  }

  const append =
    (
      stream: string,
      events: readonly EventToAppend[],
      expected: ExpectedRevision,
    ): TE.TaskEither<StoreError, AppendResult> =>
    async () => {
      if (disposed) return E.left(closedError())
      const existing = streams.get(stream) ?? []
      const plan = planAppend(stream, existing.length - 1, events, expected, (id) => where.get(id))
      if (plan.kind === 'refused') return E.left(plan.error)
      if (plan.kind === 'replay')
        return E.right({
          nextExpectedRevision: plan.lastRevision,
          position: existing[plan.lastRevision]!.position,
        })
      if (events.length === 0)
        return E.right({ nextExpectedRevision: existing.length - 1, position: log.length - 1 })
      const records: RecordedEvent[] = []
      for (const [i, e] of events.entries()) {
        const rec = validateForStore(stream, existing.length + i, log.length + i, e)
        if (E.isLeft(rec)) return rec
        records.push(rec.right)
      }
      const nextExpectedRevision = existing.length + events.length - 1
      commit(records)
      return E.right({ nextExpectedRevision, position: log.length - 1 })
    }

  // Everything is staged first and committed synchronously at the end: all or nothing.
  const importAtomically =
    (events: AsyncIterable<EventToImport>): TE.TaskEither<StoreError, ImportResult> =>
    async () => {
      if (disposed) return E.left(closedError())
      const staged: RecordedEvent[] = []
      const heads = new Map<string, number>()
      const starts = new Map<string, number>()
      const stagedIds = new Map<string, Located>()
      try {
        for await (const e of events) {
          if (disposed) return E.left(closedError())
          const head = heads.get(e.stream) ?? (streams.get(e.stream)?.length ?? 0) - 1
          if (e.revision !== head + 1) return E.left(conflict(e.stream, e.revision - 1, head))
          const l = where.get(e.id) ?? stagedIds.get(e.id)
          if (l !== undefined)
            return E.left(
              invalidEvent(
                `stream ${e.stream}: event id ${e.id} is already stored (stream ${l.stream}, revision ${l.revision})`,
              ),
            )
          const rec = validateForStore(e.stream, e.revision, log.length + staged.length, e)
          if (E.isLeft(rec)) return rec
          staged.push(rec.right)
          if (!starts.has(e.stream)) starts.set(e.stream, e.revision)
          heads.set(e.stream, e.revision)
          stagedIds.set(e.id, rec.right)
        }
      } catch (err) {
        return E.left(unavailable(`import aborted, nothing stored: ${messageOf(err)}`, err))
      }
      // Another append may have run while the iterable was awaited: re-check the heads.
      for (const [stream, start] of starts) {
        const now = (streams.get(stream)?.length ?? 0) - 1
        if (now !== start - 1) return E.left(conflict(stream, start - 1, now))
      }
      if (staged.some((r) => where.has(r.id)))
        return E.left(invalidEvent('import aborted, nothing stored: an event id was stored meanwhile'))
      const base = log.length
      commit(staged.map((r, i) => ({ ...r, position: base + i })))
      return E.right({ events: staged.length, lastPosition: log.length - 1 })
    }

  async function* readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    if (disposed) throw new StoreFailure(closedError())
    const after = options?.after ?? -1
    for (let p = Math.max(0, after + 1); p < log.length; p++) {
      const e = log[p]!
      if (matchesPrefixes(e.stream, options?.streamPrefixes)) yield e
    }
  }

  const subscriptions = new Set<Subscription>()
  const store: EventStore & AtomicImport = {
    append,
    readStream: (stream, options) =>
      disposed
        ? TE.left(closedError())
        : TE.right((streams.get(stream) ?? []).slice(Math.max(0, options?.fromRevision ?? 0))),
    readAll,
    subscribe: (handler, options): Subscription => {
      const sub = subscribeByPolling(readAll, handler, options ?? {}, (wake) => {
        listeners.add(wake)
        return () => listeners.delete(wake)
      })
      subscriptions.add(sub)
      return {
        caughtUp: sub.caughtUp,
        close: async () => {
          subscriptions.delete(sub)
          await sub.close()
        },
      }
    },
    headPosition: () => (disposed ? TE.left(closedError()) : TE.right(log.length - 1)),
    dispose: async () => {
      disposed = true
      await Promise.all([...subscriptions].map((s) => s.close()))
      subscriptions.clear()
      listeners.clear()
    },
    importAtomically,
  }
  return store
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))
