/**
 * The in-memory EventStore: for tests, demos and hosts that keep history
 * elsewhere. Appends are atomic and checked like every other adapter's.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import type { EventToAppend, RecordedEvent } from '../domain/envelope.js'
import {
  type AppendResult,
  conflict,
  type EventStore,
  type ExpectedRevision,
  invalidEvent,
  type ReadAllOptions,
  type StoreError,
  type Subscription,
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
  const ok =
    expected === 'any' ||
    (expected === 'no-stream' && last === -1) ||
    (expected === 'exists' && last >= 0) ||
    (typeof expected === 'number' && expected === last)
  if (ok) return { kind: 'go' }
  // Idempotent retry: the same ids already stored right after the expected revision.
  const start = expected === 'no-stream' ? 0 : typeof expected === 'number' ? expected + 1 : -1
  if (start >= 0 && events.length > 0 && start + events.length <= currentIds.length) {
    if (events.every((e, i) => currentIds[start + i] === e.id))
      return { kind: 'replay', lastRevision: start + events.length - 1 }
  }
  return { kind: 'conflict', error: conflict(stream, expected, last) }
}

export const createMemoryStore = (): EventStore => {
  const log: RecordedEvent[] = []
  const streams = new Map<string, RecordedEvent[]>()
  const ids = new Set<string>()
  const listeners = new Set<() => void>()

  const append =
    (
      stream: string,
      events: readonly EventToAppend[],
      expected: ExpectedRevision,
    ): TE.TaskEither<StoreError, AppendResult> =>
    async () => {
      const existing = streams.get(stream) ?? []
      const check = checkExpected(
        stream,
        existing.map((e) => e.id),
        events,
        expected,
      )
      if (check.kind === 'conflict') return E.left(check.error)
      if (check.kind === 'replay') {
        const lastEv = existing[check.lastRevision]!
        return E.right({ nextExpectedRevision: existing.length - 1, position: lastEv.position })
      }
      const seen = new Set<string>()
      for (const e of events) {
        if (ids.has(e.id) || seen.has(e.id)) return E.left(invalidEvent(`event id ${e.id} is already stored`))
        seen.add(e.id)
      }
      if (events.length === 0)
        return E.right({ nextExpectedRevision: existing.length - 1, position: log.length - 1 })
      const arr = streams.get(stream) ?? []
      for (const e of events) {
        const rec: RecordedEvent = {
          ...e,
          stream,
          revision: arr.length,
          position: log.length,
        } as RecordedEvent
        arr.push(rec)
        log.push(rec)
        ids.add(e.id)
      }
      streams.set(stream, arr)
      for (const l of listeners) l()
      return E.right({ nextExpectedRevision: arr.length - 1, position: log.length - 1 })
    }

  async function* readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    const after = options?.after ?? -1
    for (let p = after + 1; p < log.length; p++) {
      const e = log[p]!
      if (matchesPrefixes(e.stream, options?.streamPrefixes)) yield e
    }
  }

  const store: EventStore = {
    append,
    readStream: (stream, options) => TE.right((streams.get(stream) ?? []).slice(options?.fromRevision ?? 0)),
    readAll,
    subscribe: (handler, options): Subscription =>
      subscribeByPolling(readAll, handler, options ?? {}, (wake) => {
        listeners.add(wake)
        return () => listeners.delete(wake)
      }),
    headPosition: () => TE.right(log.length - 1),
    dispose: async () => {
      listeners.clear()
    },
  }
  return store
}
