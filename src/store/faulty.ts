/**
 * A fault-injecting EventStore wrapper, for tests (ours and hosts'): it makes
 * the wrapped store fail the way real ones do, at random but reproducibly
 * (seeded), so that code above the port can be shown to report failures as
 * values, never to append twice and never to leave half a decision behind.
 *
 *   const store = faultyStore(createMemoryStore(), { seed: 42, appendFailAfter: 0.2, readFail: 0.1 })
 *
 * - `appendFailBefore`: the append fails before anything is written (a refused
 *   connection): nothing stored, `StoreUnavailable`.
 * - `appendFailAfter`: the append is written, then the acknowledgement is lost
 *   (the connection dropped after the commit): everything stored, yet the caller
 *   gets `StoreUnavailable`. This is the failure idempotency keys exist for.
 * - `readFail`: `readStream` and `headPosition` answer `StoreUnavailable`;
 *   `readAll` throws `StoreFailure`, before its first event or part-way.
 * - `maxDelayTurns`: before each operation, wait a random number (0..n) of
 *   event-loop turns (`setImmediate`, not wall-clock time), so that concurrent
 *   callers interleave differently from one seed to another.
 *
 * The wrapped store's own atomicity is kept: an append is stored whole or not
 * at all, whichever fault is drawn. Subscriptions pass through untouched (they
 * have their own retry and error path, see subscription.ts).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { RecordedEvent } from '../domain/envelope.js'
import {
  type AtomicImport,
  canImportAtomically,
  type EventStore,
  type ReadAllOptions,
  StoreFailure,
  type StoreUnavailable,
  unavailable,
} from './port.js'

/** Probabilities (0–1) of each fault, drawn independently for every operation. */
export interface FaultRates {
  readonly appendFailBefore?: number
  readonly appendFailAfter?: number
  readonly readFail?: number
  /** Most event-loop turns waited before an operation (default 0: none). */
  readonly maxDelayTurns?: number
}

export interface FaultOptions extends FaultRates {
  /** The same seed (and the same calls in the same order) gives the same faults. */
  readonly seed: number
}

export type FaultKind = 'append-before-write' | 'append-after-write' | 'read'

/** One fault the wrapper injected. */
export interface InjectedFault {
  readonly kind: FaultKind
  /** `append`, `readStream`, `readAll`, `headPosition` or `importAtomically`. */
  readonly operation: string
  readonly stream?: string
}

export interface FaultyStore extends EventStore {
  /** The store underneath, without faults (to check what was really stored). */
  readonly inner: EventStore
  /** Every fault injected so far, in order. */
  readonly injected: () => readonly InjectedFault[]
  /** Change the rates from now on (e.g. all 0 to let a final check read reliably). */
  readonly setRates: (rates: FaultRates) => void
}

/** mulberry32: small, fast, and good enough to draw faults reproducibly. */
const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const checkRate = (name: string, p: number | undefined): void => {
  if (p !== undefined && !(p >= 0 && p <= 1))
    throw new Error(`${name} must be a probability in [0, 1], got ${p}`)
}
const checkRates = (r: FaultRates): void => {
  checkRate('appendFailBefore', r.appendFailBefore)
  checkRate('appendFailAfter', r.appendFailAfter)
  checkRate('readFail', r.readFail)
  if (r.maxDelayTurns !== undefined && !(Number.isInteger(r.maxDelayTurns) && r.maxDelayTurns >= 0))
    throw new Error(`maxDelayTurns must be a non-negative integer, got ${r.maxDelayTurns}`)
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Wrap `store` so that its operations fail at random, reproducibly. Keeps
 * `importAtomically` when the wrapped store has it (faults before or after
 * the import, like an append).
 */
export function faultyStore(
  store: EventStore & AtomicImport,
  options: FaultOptions,
): FaultyStore & AtomicImport
export function faultyStore(store: EventStore, options: FaultOptions): FaultyStore
export function faultyStore(
  store: EventStore,
  options: FaultOptions,
): FaultyStore | (FaultyStore & AtomicImport) {
  checkRates(options)
  let rates: FaultRates = options
  const random = seededRandom(options.seed)
  const log: InjectedFault[] = []
  const draw = (p: number | undefined): boolean => p !== undefined && p > 0 && random() < p

  const inject = (kind: FaultKind, operation: string, stream?: string): StoreUnavailable => {
    log.push(stream === undefined ? { kind, operation } : { kind, operation, stream })
    const where = stream === undefined ? operation : `${operation} of ${stream}`
    const what =
      kind === 'append-before-write'
        ? 'failed before writing (nothing was stored)'
        : kind === 'append-after-write'
          ? 'was stored, but its acknowledgement was lost'
          : 'failed'
    return unavailable(`injected fault: ${where} ${what}`)
  }

  const delay = async (): Promise<void> => {
    const max = rates.maxDelayTurns ?? 0
    if (max <= 0) return
    const turns = Math.floor(random() * (max + 1))
    for (let i = 0; i < turns; i++) await nextTurn()
  }

  /** Write with `write`, failing before or after it as drawn. */
  const faultyWrite =
    <L, A>(operation: string, stream: string | undefined, write: () => Promise<E.Either<L, A>>) =>
    async (): Promise<E.Either<L | StoreUnavailable, A>> => {
      await delay()
      if (draw(rates.appendFailBefore)) return E.left(inject('append-before-write', operation, stream))
      const r = await write()
      if (E.isRight(r) && draw(rates.appendFailAfter))
        return E.left(inject('append-after-write', operation, stream))
      return r
    }

  const faultyRead =
    <L, A>(operation: string, stream: string | undefined, read: () => Promise<E.Either<L, A>>) =>
    async (): Promise<E.Either<L | StoreUnavailable, A>> => {
      await delay()
      if (draw(rates.readFail)) return E.left(inject('read', operation, stream))
      return read()
    }

  async function* readAll(readOptions?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    await delay()
    // Fail before the first event or part-way, as a dropped connection would.
    const failAfter = draw(rates.readFail) ? Math.floor(random() * 10) : undefined
    let n = 0
    for await (const e of store.readAll(readOptions)) {
      if (failAfter !== undefined && n === failAfter) throw new StoreFailure(inject('read', 'readAll'))
      yield e
      n++
    }
    if (failAfter !== undefined && n === failAfter) throw new StoreFailure(inject('read', 'readAll'))
  }

  const wrapped: FaultyStore = {
    inner: store,
    injected: () => [...log],
    setRates: (next) => {
      checkRates(next)
      rates = next
    },
    append: (stream, events, expected) =>
      faultyWrite('append', stream, () => store.append(stream, events, expected)()),
    readStream: (stream, readOptions) =>
      faultyRead('readStream', stream, () => store.readStream(stream, readOptions)()),
    readAll,
    subscribe: (handler, subscribeOptions) => store.subscribe(handler, subscribeOptions),
    headPosition: () => faultyRead('headPosition', undefined, () => store.headPosition()()),
    dispose: () => store.dispose(),
  }
  if (!canImportAtomically(store)) return wrapped
  const importAtomically: AtomicImport['importAtomically'] = (events) =>
    faultyWrite('importAtomically', undefined, () => store.importAtomically(events)())
  return { ...wrapped, importAtomically }
}
