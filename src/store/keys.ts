/**
 * The key store behind crypto-shredding: one AES-256 key per data subject
 * (`user:<id>`, `agent:<id>`). Destroying a subject's key makes every field
 * encrypted with it unreadable for good, wherever copies of the history went;
 * the subject is then remembered as forgotten, so that nothing written about
 * them later is kept readable either.
 *
 * Two adapters: in memory (tests, demos) and SQLite (its own file by default,
 * or a table of an event store's database; see docs/privacy.md).
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { type StoreError, type StoreUnavailable, unavailable } from './port.js'

/** AES-256: 32 bytes. */
export const KEY_BYTES = 32

export type DestroyOutcome =
  /** The key existed and is gone. */
  | { readonly _tag: 'Destroyed' }
  /** There was no key (nothing was ever encrypted for the subject); the subject is marked forgotten all the same. */
  | { readonly _tag: 'NoKey' }
  /** Already forgotten, at that instant. */
  | { readonly _tag: 'AlreadyForgotten'; readonly at: string }

export interface KeyStore {
  /**
   * The subject's key, created on first use. `undefined` when the subject has
   * been forgotten: a forgotten subject never gets a new key.
   */
  readonly getOrCreate: (subject: string) => TaskEither<StoreError, Uint8Array | undefined>
  /** The subject's key, or `undefined` when it has none (never created, or destroyed). */
  readonly get: (subject: string) => TaskEither<StoreError, Uint8Array | undefined>
  /** Destroy the subject's key for good and remember, from `at`, that the subject was forgotten. */
  readonly destroy: (subject: string, at: string) => TaskEither<StoreError, DestroyOutcome>
  /** When the subject was forgotten, if it was. */
  readonly forgottenAt: (subject: string) => TaskEither<StoreError, string | undefined>
  readonly dispose: () => Promise<void>
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err))

// ---- in memory ----------------------------------------------------------------------

export const createMemoryKeyStore = (
  random: (bytes: number) => Uint8Array = (n) => randomBytes(n),
): KeyStore => {
  const keys = new Map<string, Uint8Array>()
  const forgotten = new Map<string, string>()
  return {
    getOrCreate: (subject) => async () => {
      if (forgotten.has(subject)) return E.right(undefined)
      let k = keys.get(subject)
      if (k === undefined) {
        k = Uint8Array.from(random(KEY_BYTES))
        keys.set(subject, k)
      }
      return E.right(Uint8Array.from(k))
    },
    // Copies: a reader holding a key while it is destroyed must not see it turn to zeros.
    get: (subject) => async () => {
      const k = keys.get(subject)
      return E.right(k === undefined ? undefined : Uint8Array.from(k))
    },
    destroy: (subject, at) => async () => {
      const already = forgotten.get(subject)
      if (already !== undefined) return E.right({ _tag: 'AlreadyForgotten', at: already })
      const k = keys.get(subject)
      // Overwrite the bytes as well as dropping them: no stale buffer keeps the key.
      k?.fill(0)
      keys.delete(subject)
      forgotten.set(subject, at)
      return E.right(k === undefined ? { _tag: 'NoKey' } : { _tag: 'Destroyed' })
    },
    forgottenAt: (subject) => async () => E.right(forgotten.get(subject)),
    dispose: async () => {
      for (const k of keys.values()) k.fill(0)
      keys.clear()
    },
  }
}

// ---- SQLite ---------------------------------------------------------------------------

/** `PRAGMA application_id` of a key file: "SKEY" (an event store's is "SOUT"). */
export const KEY_FILE_APPLICATION_ID = 0x534b4559
const EVENT_STORE_APPLICATION_ID = 0x534f5554

export interface SqliteKeyStore extends KeyStore {
  readonly path: string
}

type Db = Database.Database

/**
 * Keys in the table `subject_keys` of an open database (a key file, or an event
 * store's own database). A forgotten subject keeps its row with no key.
 */
export const keyStoreOn = (
  db: Db,
  path: string,
  options: { readonly closeOnDispose?: boolean; readonly random?: (bytes: number) => Uint8Array } = {},
): E.Either<StoreUnavailable, SqliteKeyStore> => {
  const random = options.random ?? ((n: number) => randomBytes(n))
  try {
    // Deleted content is overwritten with zeros in the file, not just unlinked from the b-tree.
    db.pragma('secure_delete = ON')
    db.exec(`CREATE TABLE IF NOT EXISTS subject_keys (
      subject      TEXT PRIMARY KEY,
      key          BLOB,
      created_at   TEXT NOT NULL,
      forgotten_at TEXT,
      CHECK ((key IS NULL) = (forgotten_at IS NOT NULL))
    )`)
  } catch (err) {
    return E.left(unavailable(`cannot prepare the key store ${path}: ${describe(err)}`, err))
  }
  const stmt = {
    get: db.prepare('SELECT key, forgotten_at FROM subject_keys WHERE subject = ?'),
    create: db.prepare(
      'INSERT INTO subject_keys (subject, key, created_at) VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING',
    ),
    forget: db.prepare('UPDATE subject_keys SET key = NULL, forgotten_at = ? WHERE subject = ?'),
    tombstone: db.prepare(
      'INSERT INTO subject_keys (subject, key, created_at, forgotten_at) VALUES (?, NULL, ?, ?)',
    ),
  }
  type Row = { readonly key: Buffer | null; readonly forgotten_at: string | null }
  const read = (subject: string): Row | undefined => stmt.get.get(subject) as Row | undefined
  const failure = (err: unknown): StoreError => unavailable(`key store ${path}: ${describe(err)}`, err)
  let closed = false
  const closedError = () => unavailable(`the key store ${path} has been disposed`)

  const keyOf = (row: Row | undefined): Uint8Array | undefined =>
    row?.key == null ? undefined : new Uint8Array(row.key)
  // Under the write lock: two processes creating the same subject's key get the same one.
  const createNow = db.transaction((subject: string): Uint8Array | undefined => {
    stmt.create.run(subject, Buffer.from(random(KEY_BYTES)), new Date().toISOString())
    return keyOf(read(subject))
  })
  const destroyNow = db.transaction((subject: string, at: string): DestroyOutcome => {
    const row = read(subject)
    if (row?.forgotten_at != null) return { _tag: 'AlreadyForgotten', at: row.forgotten_at }
    if (row === undefined) {
      stmt.tombstone.run(subject, at, at)
      return { _tag: 'NoKey' }
    }
    stmt.forget.run(at, subject)
    return { _tag: 'Destroyed' }
  })

  const guard =
    <A>(f: () => A): TaskEither<StoreError, A> =>
    async () => {
      if (closed) return E.left(closedError())
      try {
        return E.right(f())
      } catch (err) {
        return E.left(failure(err))
      }
    }

  return E.right({
    path,
    getOrCreate: (subject) =>
      guard(() => {
        const row = read(subject)
        return row === undefined ? createNow.immediate(subject) : keyOf(row)
      }),
    get: (subject) => guard(() => keyOf(read(subject))),
    destroy: (subject, at) =>
      guard(() => {
        const outcome = destroyNow.immediate(subject, at)
        // The page that held the key may still sit in the write-ahead log:
        // copy it back and empty the log (best effort when readers hold it).
        if (outcome._tag === 'Destroyed') db.pragma('wal_checkpoint(TRUNCATE)')
        return outcome
      }),
    forgottenAt: (subject) => guard(() => read(subject)?.forgotten_at ?? undefined),
    dispose: async () => {
      if (closed) return
      closed = true
      if (options.closeOnDispose === true) db.close()
    },
  })
}

/**
 * Open (creating it when needed, readable by its owner only) a key file. An
 * event store's own database is accepted too: the keys then live in a table of
 * it (one file to manage, but every copy of the history carries the keys).
 */
export const openSqliteKeyStore = (
  path: string,
  options: { readonly mustExist?: boolean; readonly random?: (bytes: number) => Uint8Array } = {},
): E.Either<StoreUnavailable, SqliteKeyStore> => {
  const fresh = path !== ':memory:' && !existsSync(path)
  if (fresh && options.mustExist === true) return E.left(unavailable(`the key store ${path} does not exist`))
  let db: Db
  try {
    db = new Database(path, { fileMustExist: options.mustExist === true, timeout: 5000 })
    if (fresh) chmodSync(path, 0o600)
  } catch (err) {
    return E.left(unavailable(`cannot open the key store ${path}: ${describe(err)}`, err))
  }
  try {
    const appId = Number(db.pragma('application_id', { simple: true }))
    const tables = (
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as {
        name: string
      }[]
    ).map((r) => r.name)
    if (appId === 0 && tables.length === 0) db.pragma(`application_id = ${KEY_FILE_APPLICATION_ID}`)
    else if (appId !== KEY_FILE_APPLICATION_ID && appId !== EVENT_STORE_APPLICATION_ID) {
      db.close()
      return E.left(
        unavailable(`${path} is a SQLite database but neither a Soutien key store nor a Soutien event store`),
      )
    }
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
  } catch (err) {
    db.close()
    return E.left(unavailable(`${path} is not a key store: ${describe(err)}`, err))
  }
  const r = keyStoreOn(db, path, {
    closeOnDispose: true,
    ...(options.random === undefined ? {} : { random: options.random }),
  })
  if (E.isLeft(r)) db.close()
  return r
}
