/**
 * The projection runner: feeds pure projections from the store's subscription
 * (catch-up, then live) and keeps each one's state and checkpoint durably, so
 * that a restart resumes where the saved state stands. It is the only part of
 * src/projections that knows the store's port.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { RecordedEvent } from '../domain/envelope.js'
import { type EventStore, type StoreError, StoreFailure, type Subscription } from '../store/port.js'
import type { CheckpointStore, StoredCheckpoint } from './checkpoints.js'

/** How a projection's state is saved; without one, the state must be JSON data, `Map` and `Set`. */
export interface StateCodec<S> {
  encode(state: S): unknown
  decode(json: unknown): E.Either<string, S>
}

/**
 * A projection: a pure, deterministic fold over recorded events. Replaying the
 * same history gives the same state, in one go or in pieces (from a saved
 * state). Bump `version` whenever `apply` or the state's shape changes: the
 * runner then rebuilds it from the first event instead of trusting the old state.
 */
export interface Projection<S> {
  readonly name: string
  readonly version: number
  init(): S
  apply(state: S, event: RecordedEvent): S
  readonly stateCodec?: StateCodec<S>
}

// ---- default state encoding: JSON, with Map and Set kept --------------------

const MAP = '~map'
const SET = '~set'
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** JSON text of a state made of JSON data, `Map` and `Set` (tagged `{"~map":[…]}`, `{"~set":[…]}`). */
export const encodeStateJson = (state: unknown): string =>
  JSON.stringify(state, (_key, value: unknown) =>
    value instanceof Map
      ? { [MAP]: [...value.entries()] }
      : value instanceof Set
        ? { [SET]: [...value] }
        : value,
  )

export const decodeStateJson = (json: string): unknown =>
  JSON.parse(json, (_key, value: unknown) => {
    if (isObject(value)) {
      const keys = Object.keys(value)
      if (keys.length === 1 && keys[0] === MAP && Array.isArray(value[MAP]))
        return new Map(value[MAP] as [unknown, unknown][])
      if (keys.length === 1 && keys[0] === SET && Array.isArray(value[SET])) return new Set(value[SET])
    }
    return value
  })

// ---- runner -----------------------------------------------------------------

export interface RunProjectionsOptions {
  readonly store: EventStore
  readonly projections: readonly Projection<unknown>[]
  readonly checkpoints: CheckpointStore
  /** Save states and checkpoints after this many events (and on close); default 500. */
  readonly saveEvery?: number
  /** Feed only the events of these streams (`ticket-`, …); default: all. */
  readonly streamPrefixes?: readonly string[]
  /** A projection threw, the store failed or a save failed: the runner has stopped. */
  readonly onError?: (error: unknown) => void
}

/**
 * How a projection started: `fresh` (no checkpoint), `resumed` (from its saved
 * state), `rebuilt-version` (saved by another version of the projection),
 * `rebuilt-unreadable` (the saved state could not be decoded).
 */
export type ProjectionStart = 'fresh' | 'resumed' | 'rebuilt-version' | 'rebuilt-unreadable'

export interface ProjectionStatus {
  readonly name: string
  readonly version: number
  readonly start: ProjectionStart
  /** Position of the last event applied (-1: none). */
  readonly position: number
  /** Position of the last saved checkpoint (-1: none). */
  readonly savedPosition: number
  /** Events applied since the runner started. */
  readonly applied: number
}

export interface ProjectionRunner {
  /** Resolves once every event stored at start has been applied. */
  readonly caughtUp: Promise<void>
  readonly stateOf: <S>(projection: Projection<S>) => S
  readonly status: () => readonly ProjectionStatus[]
  /**
   * Resolves once the event at `position` (one the runner receives, i.e. one of
   * its stream prefixes) has been applied; rejects if the runner stops first.
   */
  readonly waitFor: (position: number) => Promise<void>
  /** Save every changed state and checkpoint now, all or nothing. */
  readonly flush: () => TE.TaskEither<StoreError, void>
  /** Stop receiving, then save. The checkpoint store is left open (the caller owns it). */
  readonly close: () => TE.TaskEither<StoreError, void>
  /** What stopped the runner, if anything did. */
  readonly failure: () => unknown
}

interface Slot {
  readonly projection: Projection<unknown>
  readonly start: ProjectionStart
  state: unknown
  position: number
  savedPosition: number
  applied: number
}

const loadSlot = (p: Projection<unknown>, saved: StoredCheckpoint | undefined): Slot => {
  const slot = (start: ProjectionStart, state: unknown, position: number, savedPosition: number): Slot => ({
    projection: p,
    start,
    state,
    position,
    savedPosition,
    applied: 0,
  })
  if (saved === undefined) return slot('fresh', p.init(), -1, -1)
  // A rebuilt projection is "unsaved" (-2) until its new state is written.
  if (saved.version !== p.version) return slot('rebuilt-version', p.init(), -1, -2)
  let json: unknown
  try {
    json = p.stateCodec === undefined ? decodeStateJson(saved.stateJson) : JSON.parse(saved.stateJson)
  } catch {
    return slot('rebuilt-unreadable', p.init(), -1, -2)
  }
  if (p.stateCodec === undefined) return slot('resumed', json, saved.position, saved.position)
  const decoded = p.stateCodec.decode(json)
  return E.isLeft(decoded)
    ? slot('rebuilt-unreadable', p.init(), -1, -2)
    : slot('resumed', decoded.right, saved.position, saved.position)
}

const encodeSlot = (s: Slot): StoredCheckpoint => ({
  name: s.projection.name,
  version: s.projection.version,
  position: s.position,
  stateJson:
    s.projection.stateCodec === undefined
      ? encodeStateJson(s.state)
      : JSON.stringify(s.projection.stateCodec.encode(s.state)),
})

/**
 * Load every projection's checkpoint (rebuilding those whose version changed),
 * subscribe from the oldest checkpoint and apply each event to the projections
 * that have not seen it. State and checkpoint are saved together, every
 * `saveEvery` events and on close: after a crash, the events since the last
 * save are applied again to the saved state, never twice to the same state.
 */
export const runProjections =
  (options: RunProjectionsOptions): TE.TaskEither<StoreError, ProjectionRunner> =>
  async () => {
    const names = new Set<string>()
    for (const p of options.projections) {
      if (names.has(p.name)) throw new Error(`two projections are named ${p.name}`)
      names.add(p.name)
    }
    const saveEvery = Math.max(1, options.saveEvery ?? 500)
    const slots: Slot[] = []
    for (const p of options.projections) {
      const saved = await options.checkpoints.load(p.name)()
      if (E.isLeft(saved)) return saved
      slots.push(loadSlot(p, saved.right))
    }
    const byProjection = new Map<Projection<unknown>, Slot>(slots.map((s) => [s.projection, s]))
    const from = slots.reduce((m, s) => Math.min(m, s.position), Number.POSITIVE_INFINITY)
    let delivered = Number.isFinite(from) ? from : -1
    let sinceSave = 0
    let failure: unknown
    let closed = false
    const waiters = new Set<{
      readonly position: number
      readonly resolve: () => void
      readonly reject: (e: unknown) => void
    }>()

    // Saves are chained: a periodic save and a flush never interleave, and an
    // older snapshot is never written after a newer one.
    let saving: Promise<E.Either<StoreError, void>> = Promise.resolve(E.right(undefined))
    const saveNow = (): Promise<E.Either<StoreError, void>> => {
      saving = saving.then(async () => {
        const dirty = slots.filter((s) => s.position !== s.savedPosition)
        if (dirty.length === 0) return E.right(undefined)
        const snapshot = dirty.map((s) => ({ slot: s, checkpoint: encodeSlot(s) }))
        sinceSave = 0
        const r = await options.checkpoints.save(snapshot.map((x) => x.checkpoint))()
        if (E.isRight(r))
          for (const { slot, checkpoint } of snapshot) slot.savedPosition = checkpoint.position
        return r
      })
      return saving
    }

    const stop = (err: unknown) => {
      if (failure === undefined) failure = err
      for (const w of waiters) w.reject(err)
      waiters.clear()
    }

    const handler = async (e: RecordedEvent) => {
      for (const s of slots) {
        if (e.position <= s.position) continue // already in the saved state
        s.state = s.projection.apply(s.state, e)
        s.position = e.position
        s.applied += 1
      }
      delivered = e.position
      for (const w of waiters)
        if (w.position <= delivered) {
          waiters.delete(w)
          w.resolve()
        }
      sinceSave += 1
      if (sinceSave >= saveEvery) {
        const r = await saveNow()
        if (E.isLeft(r)) throw new StoreFailure(r.left)
      }
    }

    const subscribeOptions = {
      after: delivered,
      onError: (err: unknown) => {
        stop(err)
        options.onError?.(err)
      },
      ...(options.streamPrefixes === undefined ? {} : { streamPrefixes: options.streamPrefixes }),
    }
    const subscription: Subscription = options.store.subscribe(handler, subscribeOptions)

    const runner: ProjectionRunner = {
      caughtUp: subscription.caughtUp,
      stateOf: <S>(projection: Projection<S>): S => {
        const slot = byProjection.get(projection as Projection<unknown>)
        if (slot === undefined) throw new Error(`projection ${projection.name} is not run by this runner`)
        return slot.state as S
      },
      status: () =>
        slots.map((s) => ({
          name: s.projection.name,
          version: s.projection.version,
          start: s.start,
          position: s.position,
          savedPosition: Math.max(-1, s.savedPosition),
          applied: s.applied,
        })),
      waitFor: (position) => {
        if (position <= delivered) return Promise.resolve()
        if (failure !== undefined) return Promise.reject(failure)
        if (closed) return Promise.reject(new Error('the projection runner is closed'))
        return new Promise<void>((resolve, reject) => {
          waiters.add({ position, resolve, reject })
        })
      },
      flush: () => () => saveNow(),
      close: () => async () => {
        if (!closed) {
          closed = true
          await subscription.close()
          for (const w of waiters) w.reject(new Error('the projection runner is closed'))
          waiters.clear()
        }
        return saveNow()
      },
      failure: () => failure,
    }
    return E.right(runner)
  }
