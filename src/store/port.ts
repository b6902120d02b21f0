/**
 * The EventStore port: what every adapter (in-memory, SQLite, EventStoreDB)
 * provides. Store work returns fp-ts `TaskEither` with a small tagged union of
 * infrastructure errors; a conflict is a typed error, never an overwrite.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import type { EventToAppend, RecordedEvent } from '../domain/envelope.js'

/**
 * What the writer believes about the stream: `any` (no check), `no-stream`
 * (must not exist), `exists` (must have at least one event), or the exact
 * revision of its last event.
 */
export type ExpectedRevision = 'any' | 'no-stream' | 'exists' | number

export interface ConcurrencyConflict {
  readonly _tag: 'ConcurrencyConflict'
  readonly stream: string
  readonly expected: ExpectedRevision
  /** The stream's actual last revision, or -1 when it does not exist. */
  readonly actual: number
  readonly message: string
}
export interface StoreUnavailable {
  readonly _tag: 'StoreUnavailable'
  readonly message: string
  readonly cause?: unknown
}
/** Something stored or handed to the store is not a valid event (bad data, duplicate id elsewhere, …). */
export interface InvalidEvent {
  readonly _tag: 'InvalidEvent'
  readonly message: string
}
export type StoreError = ConcurrencyConflict | StoreUnavailable | InvalidEvent

export const conflict = (
  stream: string,
  expected: ExpectedRevision,
  actual: number,
): ConcurrencyConflict => ({
  _tag: 'ConcurrencyConflict',
  stream,
  expected,
  actual,
  message: `stream ${stream}: expected ${expected === -1 ? 'no-stream' : String(expected)}, but its last revision is ${actual === -1 ? 'none (no stream)' : String(actual)}`,
})
export const unavailable = (message: string, cause?: unknown): StoreUnavailable =>
  cause === undefined ? { _tag: 'StoreUnavailable', message } : { _tag: 'StoreUnavailable', message, cause }
export const invalidEvent = (message: string): InvalidEvent => ({ _tag: 'InvalidEvent', message })

/** Thrown inside async iteration (readAll, subscriptions), where a TaskEither cannot be returned. */
export class StoreFailure extends Error {
  constructor(readonly error: StoreError) {
    super(error.message)
    this.name = 'StoreFailure'
  }
}

export interface AppendResult {
  /** Revision of the last event of the stream after the append. */
  readonly nextExpectedRevision: number
  /** Global position of the last appended event. */
  readonly position: number
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive); default 0. */
  readonly fromRevision?: number
}

export interface ReadAllOptions {
  /** Read events whose position is strictly greater than this; default: from the start. */
  readonly after?: number
  /** Only streams starting with one of these prefixes (`ticket-`, `organization`, …). */
  readonly streamPrefixes?: readonly string[]
}

export interface Subscription {
  /** Stop receiving; resolves once no handler call is running. */
  readonly close: () => Promise<void>
  /** Resolves when the subscription has caught up with the events stored when it started. */
  readonly caughtUp: Promise<void>
}

export interface SubscribeOptions extends ReadAllOptions {
  /** Called when the handler throws or the store fails; the subscription is closed. */
  readonly onError?: (error: unknown) => void
}

export interface EventStore {
  /**
   * Append events to one stream atomically (all or none), checking the expected
   * revision. Re-appending events whose ids are already stored at the same
   * revisions of that stream is a no-op success (idempotent retry).
   */
  readonly append: (
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ) => TaskEither<StoreError, AppendResult>
  /** The events of one stream in revision order (empty when it does not exist). */
  readonly readStream: (
    stream: string,
    options?: ReadStreamOptions,
  ) => TaskEither<StoreError, readonly RecordedEvent[]>
  /** Every event in global order, streamed. Throws `StoreFailure` on store errors. */
  readonly readAll: (options?: ReadAllOptions) => AsyncIterable<RecordedEvent>
  /**
   * Catch up from `after`, then stay live. The handler is awaited: events are
   * delivered one at a time, in order, without gaps or duplicates.
   */
  readonly subscribe: (
    handler: (event: RecordedEvent) => void | Promise<void>,
    options?: SubscribeOptions,
  ) => Subscription
  /** Last global position, or -1 when empty. */
  readonly headPosition: () => TaskEither<StoreError, number>
  /** Release every resource (connections, file handles, subscriptions). */
  readonly dispose: () => Promise<void>
}

/** An event handed to `importAtomically`: it carries the stream and the revision it must get. */
export type EventToImport = EventToAppend & { readonly stream: string; readonly revision: number }

export interface ImportResult {
  /** Number of events stored. */
  readonly events: number
  /** Position of the last stored event (the head position when nothing was imported). */
  readonly lastPosition: number
}

/**
 * Optional capability of the stores that can store the events of many streams
 * as one all-or-nothing unit (in-memory, SQLite; EventStoreDB has no
 * multi-stream transaction). Each event must get exactly its `revision` (the
 * next one of its stream); positions are assigned by the store, in order. Any
 * refusal, or an error thrown by the iterable, stores nothing.
 */
export interface AtomicImport {
  readonly importAtomically: (events: AsyncIterable<EventToImport>) => TaskEither<StoreError, ImportResult>
}

export const canImportAtomically = (store: EventStore): store is EventStore & AtomicImport =>
  typeof (store as Partial<AtomicImport>).importAtomically === 'function'
