/**
 * The simulation's store: an in-memory EventStore whose memory stays bounded
 * on long runs. Every appended event goes to a sink (the NDJSON output) at once;
 * the streams of finished tickets are forgotten, and the global log keeps only
 * what the timers have not read yet.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { type RecordedEvent, recordedAs } from '../../domain/envelope.js'
import { checkExpected } from '../../store/memory.js'
import { type EventStore, invalidEvent, StoreFailure, unavailable } from '../../store/port.js'
import { matchesPrefixes } from '../../store/subscription.js'

export interface SimulationStore extends EventStore {
  /** Drop a finished stream from memory (its events are already in the sink). */
  readonly forget: (stream: string) => void
  /** Drop log entries up to and including `position` (already read by every reader). */
  readonly trimThrough: (position: number) => void
  readonly eventCount: () => number
}

const NOTHING: readonly RecordedEvent[] = []

export const createSimulationStore = (sink: (e: RecordedEvent) => void): SimulationStore => {
  const streams = new Map<string, RecordedEvent[]>()
  let log: RecordedEvent[] = []
  let logStart = 0 // position of log[0]
  let next = 0
  return {
    append: (stream, events, expected) => async () => {
      const existing = streams.get(stream) ?? []
      // The handler's usual case, the expected revision holding, needs no list of ids.
      const holds = expected === existing.length - 1 || (expected === 'no-stream' && existing.length === 0)
      const check = holds
        ? ({ kind: 'go' } as const)
        : checkExpected(
            stream,
            existing.map((e) => e.id),
            events,
            expected,
          )
      if (check.kind === 'conflict') return E.left(check.error)
      if (check.kind === 'replay')
        return E.right({
          nextExpectedRevision: existing.length - 1,
          position: existing[check.lastRevision]!.position,
        })
      if (events.length > 1 && new Set(events.map((e) => e.id)).size !== events.length)
        return E.left(invalidEvent('the same event id appears twice in one append'))
      const arr = streams.get(stream) ?? []
      for (const e of events) {
        const rec = recordedAs(e, stream, arr.length, next++)
        arr.push(rec)
        log.push(rec)
        sink(rec)
      }
      streams.set(stream, arr)
      return E.right({ nextExpectedRevision: arr.length - 1, position: next - 1 })
    },
    readStream: (stream, options) => {
      const events = streams.get(stream)
      const from = options?.fromRevision ?? 0
      // The handler's usual read (what follows its cached revision) finds nothing.
      return TE.right(events === undefined || from >= events.length ? NOTHING : events.slice(from))
    },
    // Iterable as well as async iterable: the log is in memory, so a reader
    // that can (the timers) reads it without a promise per event.
    readAll: (options) => {
      // What the log holds when the reading starts (as the generator read it).
      const events = (): readonly RecordedEvent[] => {
        const after = options?.after ?? -1
        if (after + 1 < logStart)
          throw new StoreFailure(unavailable(`simulation store: positions before ${logStart} were trimmed`))
        const from = Math.max(0, after + 1 - logStart)
        const prefixes = options?.streamPrefixes
        return prefixes === undefined
          ? log.slice(from)
          : log.slice(from).filter((e) => matchesPrefixes(e.stream, prefixes))
      }
      return {
        [Symbol.iterator]: () => events()[Symbol.iterator](),
        [Symbol.asyncIterator]: async function* () {
          yield* events()
        },
      }
    },
    subscribe: () => {
      throw new Error('the simulation store has no subscriptions')
    },
    headPosition: () => TE.right(next - 1),
    dispose: async () => {
      streams.clear()
      log = []
    },
    forget: (stream) => {
      streams.delete(stream)
    },
    trimThrough: (position) => {
      const drop = Math.min(log.length, position + 1 - logStart)
      if (drop > 0) {
        log = log.slice(drop)
        logStart += drop
      }
    },
    eventCount: () => next,
  }
}
