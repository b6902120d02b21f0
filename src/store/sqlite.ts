/**
 * The SQLite EventStore (better-sqlite3): embedded and durable. One file holds
 * the event log, its schema version and the projections' checkpoints.
 *
 * - WAL journal, `synchronous = FULL` by default: an acknowledged append
 *   survives a process crash and a power loss.
 * - Group commit: the appends submitted while the event loop is busy (other
 *   users' commands, decided while the previous commit was being flushed) are
 *   committed together, in one `BEGIN IMMEDIATE` transaction and one fsync.
 *   Each is checked against its own expected revision under the write lock,
 *   in submission order, in a savepoint of its own: a refused append (or one
 *   whose statement fails) leaves the others of the group unaffected. No
 *   append is acknowledged before the commit of its group has returned, so
 *   before its fsync. Two writers (even in two processes) can never both
 *   succeed from the same revision.
 * - Every event is validated before it is stored and decoded (checked and
 *   upcast) when it is read, so a row that cannot be read is reported with its
 *   stream and revision instead of flowing into a projection.
 * - better-sqlite3 is synchronous: each call is wrapped in a TaskEither and
 *   never holds a statement open across an `await`.
 */
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { formatProblems } from '../domain/codec.js'
import { decodeRecordedEvent, type EventToAppend, type RecordedEvent } from '../domain/envelope.js'
import type { CheckpointStore, StoredCheckpoint } from '../projections/checkpoints.js'
import { planAppend, validateForStore } from './memory.js'
import {
  type AppendResult,
  type AtomicImport,
  conflict,
  type EventStore,
  type EventToImport,
  type ExpectedRevision,
  type ImportResult,
  invalidEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoreError,
  StoreFailure,
  type StoreUnavailable,
  type Subscription,
  unavailable,
} from './port.js'
import { subscribeByPolling } from './subscription.js'

type Db = Database.Database

// ---- schema ----------------------------------------------------------------

/** Written in the file header (`PRAGMA application_id`): "SOUT". Tells our files from any other SQLite file. */
export const SOUTIEN_APPLICATION_ID = 0x534f5554

export interface Migration {
  /** 1, 2, 3, …: applied in order, each exactly once. */
  readonly version: number
  readonly description: string
  readonly up: (db: Db) => void
}

/**
 * The schema, as a list of migrations. Never edit a released migration: add
 * the next one. Rows keep the §3 envelope: `actor`, `data` and `meta` are JSON
 * text exactly as written (`data` at the event's own `version`; it is upcast on
 * read, never rewritten).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'event log and projection checkpoints',
    up: (db) =>
      db.exec(`
        CREATE TABLE events (
          position INTEGER PRIMARY KEY,
          id       TEXT    NOT NULL UNIQUE,
          stream   TEXT    NOT NULL,
          revision INTEGER NOT NULL CHECK (revision >= 0),
          type     TEXT    NOT NULL,
          version  INTEGER NOT NULL,
          at       TEXT    NOT NULL,
          actor    TEXT    NOT NULL,
          data     TEXT    NOT NULL,
          meta     TEXT    NOT NULL,
          UNIQUE (stream, revision)
        );
        CREATE TABLE projection_checkpoints (
          name       TEXT    PRIMARY KEY,
          version    INTEGER NOT NULL,
          position   INTEGER NOT NULL,
          state_json TEXT    NOT NULL,
          saved_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
      `),
  },
]

export const latestSchemaVersion = (migrations: readonly Migration[] = MIGRATIONS): number =>
  migrations.reduce((m, x) => Math.max(m, x.version), 0)

const describeError = (err: unknown): string => (err instanceof Error ? err.message : String(err))
const codeOf = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined

/**
 * Make `db` a Soutien database at the latest schema: initialise an empty file,
 * apply pending migrations in order in one transaction, and refuse (without
 * writing anything) a file that is not SQLite, not Soutien's, or newer than
 * this release.
 */
export const prepareDatabase = (
  db: Db,
  path: string,
  options: { readonly readonly?: boolean; readonly migrations?: readonly Migration[] } = {},
): E.Either<StoreUnavailable, { readonly schemaVersion: number }> => {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version)
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1, 2, 3…: found ${m.version}`)
  })
  const latest = latestSchemaVersion(migrations)
  let appId: number
  let tables: string[]
  try {
    appId = Number(db.pragma('application_id', { simple: true }))
    tables = (
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as {
        name: string
      }[]
    ).map((r) => r.name)
  } catch (err) {
    const code = codeOf(err)
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      return E.left(unavailable(`${path} is not a SQLite database (${describeError(err)})`, err))
    return E.left(unavailable(`cannot read ${path}: ${describeError(err)}`, err))
  }
  const fresh = tables.length === 0 && appId === 0
  let current = 0
  if (!fresh) {
    if (appId !== SOUTIEN_APPLICATION_ID || !tables.includes('schema_version'))
      return E.left(
        unavailable(
          `${path} is a SQLite database but not a Soutien event store` +
            (tables.length > 0 ? ` (it has the tables ${tables.slice(0, 5).join(', ')})` : ''),
        ),
      )
    try {
      const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }
      current = row.v ?? 0
    } catch (err) {
      return E.left(unavailable(`cannot read the schema version of ${path}: ${describeError(err)}`, err))
    }
    if (current > latest)
      return E.left(
        unavailable(
          `${path} was written by a newer release of Soutien (schema version ${current}; this release reads up to ${latest}): upgrade Soutien to open it`,
        ),
      )
  }
  const pending = migrations.filter((m) => m.version > current)
  if (pending.length === 0) return E.right({ schemaVersion: current })
  if (options.readonly === true)
    return E.left(
      unavailable(
        fresh
          ? `${path} is not a Soutien event store (it is empty) and it is opened read-only`
          : `${path} needs a schema upgrade (version ${current} to ${latest}): open it once without read-only`,
      ),
    )
  try {
    db.transaction(() => {
      if (fresh) {
        db.pragma(`application_id = ${SOUTIEN_APPLICATION_ID}`)
        db.exec(
          `CREATE TABLE schema_version (
             version     INTEGER PRIMARY KEY,
             description TEXT NOT NULL,
             applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
           )`,
        )
      }
      const record = db.prepare('INSERT INTO schema_version (version, description) VALUES (?, ?)')
      for (const m of pending) {
        m.up(db)
        record.run(m.version, m.description)
      }
    }).immediate()
  } catch (err) {
    return E.left(unavailable(`cannot upgrade the schema of ${path}: ${describeError(err)}`, err))
  }
  return E.right({ schemaVersion: latest })
}

// ---- store -----------------------------------------------------------------

export interface SqliteStoreOptions {
  /**
   * `FULL` (default): every acknowledged append survives a process crash and a
   * power loss. `NORMAL`: faster; survives a process crash, but the last
   * appends before a power loss or OS crash may be lost (never half of one).
   */
  readonly synchronous?: 'FULL' | 'NORMAL'
  /** How often subscriptions look for appends made by other processes; default 200 ms. */
  readonly pollIntervalMs?: number
  /** How long an append waits for another process's write lock; default 5000 ms. */
  readonly busyTimeoutMs?: number
  /** Rows per page when streaming reads; default 500. */
  readonly pageSize?: number
  /** Refuse to create the file when it does not exist; default false. */
  readonly mustExist?: boolean
  /** Open read-only: appends are refused, no schema upgrade is made. */
  readonly readonly?: boolean
  /**
   * At most this many appends are committed in one transaction (group
   * commit); the rest wait for the next one. Default 256; 1 commits every
   * append on its own.
   */
  readonly maxAppendsPerCommit?: number
  /** Called after each group commit (for metrics: group sizes, commit time); must not throw. */
  readonly onCommit?: (commit: GroupCommit) => void
}

/** One transaction of appends, as seen by `onCommit`. */
export interface GroupCommit {
  /** Appends in the group, accepted or refused. */
  readonly appends: number
  /** Events stored by the group. */
  readonly events: number
  /** Time from `BEGIN IMMEDIATE` to the return of `COMMIT` (its fsync included), ms. */
  readonly ms: number
  /** Whether the transaction committed (false: every append of the group got the error). */
  readonly committed: boolean
}

/** An append waiting for its group's commit. */
interface PendingAppend {
  readonly stream: string
  readonly events: readonly EventToAppend[]
  readonly expected: ExpectedRevision
  readonly done: (result: E.Either<StoreError, AppendResult>) => void
}

export interface SqliteEventStore extends EventStore, AtomicImport {
  readonly path: string
  /** The connection, to share with `createSqliteCheckpointStore` (same file, same transactions' visibility). */
  readonly database: Db
}

interface Row {
  readonly position: number
  readonly id: string
  readonly stream: string
  readonly revision: number
  readonly type: string
  readonly version: number
  readonly at: string
  readonly actor: string
  readonly data: string
  readonly meta: string
}

const COLUMNS = 'position, id, stream, revision, type, version, at, actor, data, meta'

const decodeRow = (path: string, row: Row): E.Either<StoreError, RecordedEvent> => {
  const where = `${path}: stored event of stream ${row.stream} at revision ${row.revision} (position ${row.position})`
  let actor: unknown
  let data: unknown
  let meta: unknown
  try {
    actor = JSON.parse(row.actor)
    data = JSON.parse(row.data)
    meta = JSON.parse(row.meta)
  } catch (err) {
    return E.left(invalidEvent(`${where} is not valid JSON: ${describeError(err)}`))
  }
  const d = decodeRecordedEvent({
    id: row.id,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    type: row.type,
    version: row.version,
    at: row.at,
    actor,
    data,
    meta,
  })
  return E.isLeft(d) ? E.left(invalidEvent(`${where} cannot be read: ${formatProblems(d.left)}`)) : d
}

/**
 * Open (creating it when needed) a SQLite event store. Every failure to open is
 * a `StoreUnavailable` naming the file, never a thrown error.
 */
export const openSqliteStore = (
  path: string,
  options: SqliteStoreOptions = {},
): E.Either<StoreUnavailable, SqliteEventStore> => {
  const readonly = options.readonly === true
  let db: Db
  try {
    db = new Database(path, {
      readonly,
      fileMustExist: options.mustExist === true || readonly,
      timeout: options.busyTimeoutMs ?? 5000,
    })
  } catch (err) {
    return E.left(unavailable(`cannot open the SQLite store ${path}: ${describeError(err)}`, err))
  }
  const prepared = prepareDatabase(db, path, { readonly })
  if (E.isRight(prepared) && !readonly) {
    try {
      db.pragma('journal_mode = WAL')
      db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`)
    } catch (err) {
      db.close()
      return E.left(unavailable(`cannot configure the SQLite store ${path}: ${describeError(err)}`, err))
    }
  }
  if (E.isLeft(prepared)) {
    db.close()
    return prepared
  }
  return E.right(storeOn(db, path, options))
}

/**
 * The SQLite store as a plain `EventStore` (the signature hosts wire with).
 * When the file cannot be opened, the store answers every call with that
 * `StoreUnavailable`; use `openSqliteStore` to learn it up front.
 */
export const createSqliteStore = (
  path: string,
  options: SqliteStoreOptions = {},
): EventStore & AtomicImport => {
  const opened = openSqliteStore(path, options)
  return E.isRight(opened) ? opened.right : unavailableStore(opened.left)
}

/** A store that could not be opened: every operation reports why. */
export const unavailableStore = (error: StoreUnavailable): EventStore & AtomicImport => ({
  append: () => async () => E.left(error),
  readStream: () => async () => E.left(error),
  readAll: () => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new StoreFailure(error)) }),
  }),
  subscribe: (_handler, options) => {
    queueMicrotask(() => options?.onError?.(new StoreFailure(error)))
    return { caughtUp: Promise.resolve(), close: async () => {} }
  },
  headPosition: () => async () => E.left(error),
  dispose: async () => {},
  importAtomically: () => async () => E.left(error),
})

const storeOn = (db: Db, path: string, options: SqliteStoreOptions): SqliteEventStore => {
  const pageSize = options.pageSize ?? 500
  const pollMs = options.pollIntervalMs ?? 200
  const maxGroup = Math.max(1, Math.floor(options.maxAppendsPerCommit ?? 256))
  const onCommit = options.onCommit
  let closed = false
  const closedError = () => unavailable(`the SQLite store ${path} has been disposed`)

  const stmt = {
    last: db.prepare('SELECT MAX(revision) AS r FROM events WHERE stream = ?'),
    head: db.prepare('SELECT MAX(position) AS p FROM events'),
    locate: db.prepare('SELECT stream, revision FROM events WHERE id = ?'),
    positionAt: db.prepare('SELECT position FROM events WHERE stream = ? AND revision = ?'),
    insert: db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    stream: db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
    ),
  }
  const pages = new Map<number, Database.Statement>()
  const pageStatement = (prefixCount: number): Database.Statement => {
    let s = pages.get(prefixCount)
    if (s === undefined) {
      const filter =
        prefixCount === 0
          ? ''
          : ` AND (${Array.from({ length: prefixCount }, () => 'substr(stream, 1, ?) = ?').join(' OR ')})`
      s = db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ?${filter} ORDER BY position LIMIT ?`)
      pages.set(prefixCount, s)
    }
    return s
  }

  const lastRevision = (stream: string): number =>
    (stmt.last.get(stream) as { r: number | null } | undefined)?.r ?? -1
  const headPosition = (): number => (stmt.head.get() as { p: number | null } | undefined)?.p ?? -1
  const locate = (id: string) =>
    stmt.locate.get(id) as { readonly stream: string; readonly revision: number } | undefined
  const insert = (stream: string, revision: number, position: number, e: EventToAppend) =>
    stmt.insert.run(
      position,
      e.id,
      stream,
      revision,
      e.type,
      e.version,
      e.at,
      JSON.stringify({ id: e.actor.id, role: e.actor.role }),
      JSON.stringify(e.data),
      JSON.stringify((e as { readonly meta?: unknown }).meta ?? {}),
    )

  const failure = (err: unknown): StoreError => {
    const code = codeOf(err)
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT')
      return unavailable(`${path} is locked by another writer: try again`, err)
    if (code === 'SQLITE_READONLY') return unavailable(`${path} is opened read-only`, err)
    if (code === 'SQLITE_FULL') return unavailable(`${path}: the disk is full`, err)
    return unavailable(`SQLite store ${path}: ${describeError(err)}`, err)
  }

  // An atomic import keeps a transaction open across awaits (it reads a file):
  // every other call on this connection waits for it, or it would join it.
  let importing: Promise<void> | undefined
  const idle = async () => {
    while (importing !== undefined) await importing
  }

  const listeners = new Set<() => void>()
  const notify = () => {
    for (const l of listeners) l()
  }

  /** Events inserted by the group being committed (idempotent replays insert none). */
  let inserted = 0
  // Inside the group's transaction, better-sqlite3 runs each append in a
  // SAVEPOINT: a statement that throws rolls back that append alone.
  const appendOne = db.transaction(
    (
      stream: string,
      events: readonly EventToAppend[],
      expected: ExpectedRevision,
    ): E.Either<StoreError, AppendResult> => {
      const last = lastRevision(stream)
      const plan = planAppend(stream, last, events, expected, locate)
      if (plan.kind === 'refused') return E.left(plan.error)
      if (plan.kind === 'replay') {
        const p = stmt.positionAt.get(stream, plan.lastRevision) as { position: number }
        return E.right({ nextExpectedRevision: plan.lastRevision, position: p.position })
      }
      const head = headPosition()
      for (let i = 0; i < events.length; i++) insert(stream, last + 1 + i, head + 1 + i, events[i]!)
      inserted += events.length
      return E.right({ nextExpectedRevision: last + events.length, position: head + events.length })
    },
  )

  const commitGroup = db.transaction((group: readonly PendingAppend[]) =>
    group.map((p): E.Either<StoreError, AppendResult> => {
      try {
        return appendOne(p.stream, p.events, p.expected)
      } catch (err) {
        // Some errors (disk full, I/O) make SQLite roll the whole transaction
        // back by itself: then the group is lost and every append of it fails,
        // rather than the next ones running outside any transaction.
        if (!db.inTransaction) throw err
        return E.left(failure(err))
      }
    }),
  )

  /** Commit a group in one transaction, then answer each of its appends. */
  const commitNow = (group: readonly PendingAppend[]): void => {
    const t0 = performance.now()
    inserted = 0
    let results: readonly E.Either<StoreError, AppendResult>[]
    let committed = true
    try {
      results = commitGroup.immediate(group)
    } catch (err) {
      // Nothing of the group is stored (better-sqlite3 rolled it back): even
      // the refusals are withdrawn, since an earlier append of the group may
      // have caused them.
      committed = false
      const failed = E.left(failure(err))
      results = group.map(() => failed)
    }
    const events = committed ? inserted : 0
    const ms = performance.now() - t0
    if (events > 0) notify()
    for (let i = 0; i < group.length; i++) group[i]!.done(results[i]!)
    if (onCommit !== undefined)
      try {
        onCommit({ appends: group.length, events, ms, committed })
      } catch (err) {
        // A throwing metrics hook is a bug of the host: report it loudly, but
        // outside the flush, which must go on answering the appends queued.
        queueMicrotask(() => {
          throw err
        })
      }
  }

  // The appends waiting for the next commit, in submission order. Invariant:
  // when `queue` is not empty, `flushing` is set (a flush will take them).
  let queue: PendingAppend[] = []
  let flushing: Promise<void> | undefined
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
  const flush = async (): Promise<void> => {
    try {
      for (;;) {
        // Let the event loop turn once: the appends that the answers of the
        // last group (and any other work) lead to join the next group.
        await nextTurn()
        while (importing !== undefined) await importing
        if (queue.length === 0) return
        const group = queue.length <= maxGroup ? queue : queue.slice(0, maxGroup)
        queue = queue.length <= maxGroup ? [] : queue.slice(maxGroup)
        commitNow(group)
      }
    } finally {
      flushing = undefined
    }
  }
  /** Resolves once no append is waiting or being committed and no import runs. */
  const writesIdle = async () => {
    while (importing !== undefined || flushing !== undefined) await (importing ?? flushing)
  }

  const append =
    (
      stream: string,
      events: readonly EventToAppend[],
      expected: ExpectedRevision,
    ): TE.TaskEither<StoreError, AppendResult> =>
    async () => {
      // Validate before taking the write lock: decoding is the slow part, and
      // revision and position do not change what is valid.
      for (let i = 0; i < events.length; i++) {
        const v = validateForStore(stream, i, i, events[i]!)
        if (E.isLeft(v)) return v
      }
      if (importing !== undefined) await idle()
      if (closed) return E.left(closedError())
      return new Promise<E.Either<StoreError, AppendResult>>((done) => {
        queue.push({ stream, events, expected, done })
        flushing ??= flush()
      })
    }

  const readStream =
    (stream: string, options?: ReadStreamOptions): TE.TaskEither<StoreError, readonly RecordedEvent[]> =>
    async () => {
      if (importing !== undefined) await idle()
      if (closed) return E.left(closedError())
      const out: RecordedEvent[] = []
      let from = Math.max(0, options?.fromRevision ?? 0)
      try {
        for (;;) {
          const rows = stmt.stream.all(stream, from, pageSize) as Row[]
          for (const row of rows) {
            const d = decodeRow(path, row)
            if (E.isLeft(d)) return d
            out.push(d.right)
          }
          if (rows.length < pageSize) return E.right(out)
          from = rows[rows.length - 1]!.revision + 1
        }
      } catch (err) {
        return E.left(failure(err))
      }
    }

  // Pages are read whole and the statement released before yielding: an
  // `.iterate()` left open across a yield would lock this connection against
  // the appends that the consumer (a subscription handler) may make.
  async function* readAll(options?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
    const prefixes = options?.streamPrefixes
    if (prefixes !== undefined && prefixes.length === 0) return
    let after = options?.after ?? -1
    const filter = (prefixes ?? []).flatMap((p) => [p.length, p])
    for (;;) {
      if (importing !== undefined) await idle()
      if (closed) throw new StoreFailure(closedError())
      let rows: Row[]
      try {
        rows = pageStatement(prefixes?.length ?? 0).all(after, ...filter, pageSize) as Row[]
      } catch (err) {
        throw new StoreFailure(failure(err))
      }
      for (const row of rows) {
        const d = decodeRow(path, row)
        if (E.isLeft(d)) throw new StoreFailure(d.left)
        yield d.right
      }
      if (rows.length < pageSize) return
      after = rows[rows.length - 1]!.position
    }
  }

  const importAtomically =
    (events: AsyncIterable<EventToImport>): TE.TaskEither<StoreError, ImportResult> =>
    async () => {
      // The appends submitted before the import are committed before it.
      await writesIdle()
      if (closed) return E.left(closedError())
      let release!: () => void
      importing = new Promise<void>((r) => {
        release = r
      })
      let began = false
      const rollback = () => {
        if (began && db.inTransaction) db.exec('ROLLBACK')
      }
      try {
        db.exec('BEGIN IMMEDIATE')
        began = true
        let head = headPosition()
        let count = 0
        const heads = new Map<string, number>()
        for await (const e of events) {
          if (closed) {
            rollback()
            return E.left(closedError())
          }
          const last = heads.get(e.stream) ?? lastRevision(e.stream)
          if (e.revision !== last + 1) {
            rollback()
            return E.left(conflict(e.stream, e.revision - 1, last))
          }
          const l = locate(e.id)
          if (l !== undefined) {
            rollback()
            return E.left(
              invalidEvent(
                `stream ${e.stream}: event id ${e.id} is already stored (stream ${l.stream}, revision ${l.revision})`,
              ),
            )
          }
          const v = validateForStore(e.stream, e.revision, head + 1, e)
          if (E.isLeft(v)) {
            rollback()
            return v
          }
          insert(e.stream, e.revision, head + 1, e)
          head += 1
          count += 1
          heads.set(e.stream, e.revision)
        }
        db.exec('COMMIT')
        if (count > 0) notify()
        return E.right({ events: count, lastPosition: head })
      } catch (err) {
        try {
          rollback()
        } catch {
          // The transaction is already gone (SQLite rolls back on some errors by itself).
        }
        if (err instanceof StoreFailure) return E.left(err.error)
        return E.left(
          began
            ? unavailable(`import into ${path} aborted, nothing stored: ${describeError(err)}`, err)
            : failure(err),
        )
      } finally {
        importing = undefined
        release()
      }
    }

  const subscriptions = new Set<Subscription>()
  const store: SqliteEventStore = {
    path,
    database: db,
    append,
    readStream,
    readAll,
    subscribe: (handler, subscribeOptions): Subscription => {
      const sub = subscribeByPolling(
        readAll,
        handler,
        subscribeOptions ?? {},
        (wake) => {
          listeners.add(wake)
          return () => listeners.delete(wake)
        },
        // Appends through this object wake subscribers at once; polling catches
        // the appends of other processes writing the same file.
        pollMs,
      )
      subscriptions.add(sub)
      return {
        caughtUp: sub.caughtUp,
        close: async () => {
          subscriptions.delete(sub)
          await sub.close()
        },
      }
    },
    headPosition: () => async () => {
      if (importing !== undefined) await idle()
      if (closed) return E.left(closedError())
      try {
        return E.right(headPosition())
      } catch (err) {
        return E.left(failure(err))
      }
    },
    dispose: async () => {
      if (closed) return
      closed = true
      await Promise.all([...subscriptions].map((s) => s.close()))
      subscriptions.clear()
      listeners.clear()
      // The appends accepted before `dispose` are committed (and answered) first.
      await writesIdle()
      db.close()
    },
    importAtomically,
  }
  return store
}

// ---- projection checkpoints ------------------------------------------------

/**
 * Checkpoints in the `projection_checkpoints` table of a Soutien SQLite file:
 * give the path (its own connection, closed by `dispose`) or the connection of
 * a `SqliteEventStore` (`store.database`, left open), so that checkpoints live
 * next to the events they count.
 */
export const createSqliteCheckpointStore = (
  target: string | Db,
  options: Pick<SqliteStoreOptions, 'synchronous' | 'busyTimeoutMs'> = {},
): CheckpointStore => {
  const path = typeof target === 'string' ? target : target.name
  let db: Db
  try {
    db =
      typeof target === 'string' ? new Database(target, { timeout: options.busyTimeoutMs ?? 5000 }) : target
  } catch (err) {
    return unavailableCheckpoints(
      unavailable(`cannot open the SQLite store ${path}: ${describeError(err)}`, err),
    )
  }
  const prepared = prepareDatabase(db, path)
  if (E.isLeft(prepared)) {
    if (typeof target === 'string') db.close()
    return unavailableCheckpoints(prepared.left)
  }
  if (typeof target === 'string') {
    try {
      db.pragma('journal_mode = WAL')
      db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`)
    } catch (err) {
      db.close()
      return unavailableCheckpoints(
        unavailable(`cannot configure the SQLite store ${path}: ${describeError(err)}`, err),
      )
    }
  }
  const load = db.prepare(
    'SELECT name, version, position, state_json AS stateJson FROM projection_checkpoints WHERE name = ?',
  )
  const upsert = db.prepare(
    `INSERT INTO projection_checkpoints (name, version, position, state_json, saved_at)
     VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
     ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = excluded.position,
       state_json = excluded.state_json, saved_at = excluded.saved_at`,
  )
  const saveAll = db.transaction((cs: readonly StoredCheckpoint[]) => {
    for (const c of cs) upsert.run(c.name, c.version, c.position, c.stateJson)
  })
  let closed = false
  const closedError = () => unavailable(`the checkpoint store ${path} has been disposed`)
  const guard = <A>(f: () => A): E.Either<StoreError, A> => {
    if (closed || !db.open) return E.left(closedError())
    try {
      return E.right(f())
    } catch (err) {
      return E.left(unavailable(`checkpoints in ${path}: ${describeError(err)}`, err))
    }
  }
  return {
    load: (name) => async () => guard(() => load.get(name) as StoredCheckpoint | undefined),
    save: (checkpoints) => async () => guard(() => saveAll.immediate(checkpoints)),
    dispose: async () => {
      if (closed) return
      closed = true
      if (typeof target === 'string') db.close()
    },
  }
}

const unavailableCheckpoints = (error: StoreUnavailable): CheckpointStore => ({
  load: () => async () => E.left(error),
  save: () => async () => E.left(error),
  dispose: async () => {},
})
