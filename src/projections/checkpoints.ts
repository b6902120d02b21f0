/**
 * Where the projection runner keeps each projection's checkpoint (the last
 * position it applied) together with its state, so that a restart resumes
 * exactly where the saved state stands: no event applied twice, none skipped.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { type StoreError, unavailable } from '../store/port.js'

export interface StoredCheckpoint {
  readonly name: string
  /** The projection's `version` when the state was saved: another version rebuilds from scratch. */
  readonly version: number
  /** Position of the last event applied to the state (-1: none). */
  readonly position: number
  /** The state, encoded as JSON text. */
  readonly stateJson: string
}

export interface CheckpointStore {
  readonly load: (name: string) => TaskEither<StoreError, StoredCheckpoint | undefined>
  /** Save several checkpoints all or nothing. */
  readonly save: (checkpoints: readonly StoredCheckpoint[]) => TaskEither<StoreError, void>
  readonly dispose: () => Promise<void>
}

/** Checkpoints in memory: for tests, and for hosts that rebuild projections at every start. */
export const createMemoryCheckpointStore = (): CheckpointStore & {
  readonly saved: () => readonly StoredCheckpoint[]
} => {
  const saved = new Map<string, StoredCheckpoint>()
  let closed = false
  const closedError = () => unavailable('the in-memory checkpoint store has been disposed')
  return {
    load: (name) => async () => (closed ? E.left(closedError()) : E.right(saved.get(name))),
    save: (checkpoints) => async () => {
      if (closed) return E.left(closedError())
      for (const c of checkpoints) saved.set(c.name, { ...c })
      return E.right(undefined)
    },
    dispose: async () => {
      closed = true
    },
    saved: () => [...saved.values()],
  }
}
