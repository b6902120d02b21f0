import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import type { EventToAppend, RecordedEvent } from '../src/domain/envelope.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { EventStore, EventToImport, ExpectedRevision } from '../src/store/port.js'
import {
  createSqliteStore,
  MIGRATIONS,
  type Migration,
  openSqliteStore,
  prepareDatabase,
  type SqliteEventStore,
} from '../src/store/sqlite.js'
import { appendOpArb, runStoreConformance, ticketEvents, userInformed } from './support/store-conformance.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const freshPath = () => join(dir, `store-${++files}.db`)

runStoreConformance({ name: 'SQLite', open: async () => createSqliteStore(freshPath()) })

const open = (path = freshPath(), options = {}): SqliteEventStore => {
  const r = openSqliteStore(path, options)
  if (isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const all = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of store.readAll()) out.push(e)
  return out
}

describe('SQLite store: files', () => {
  it('refuses a file that is not a SQLite database, naming it, without throwing', async () => {
    const path = join(dir, 'notes.txt')
    writeFileSync(path, 'these are my meeting notes, not a database\n'.repeat(50))
    const r = openSqliteStore(path)
    expect(isLeft(r) && r.left).toMatchObject({ _tag: 'StoreUnavailable' })
    expect(isLeft(r) && r.left.message).toBe(`${path} is not a SQLite database (file is not a database)`)
    const store = createSqliteStore(path)
    const append = await store.append('ticket-1', ticketEvents('ticket-1', 1), 'no-stream')()
    expect(isLeft(append) && append.left.message).toContain(path)
    await expect(all(store)).rejects.toMatchObject({ name: 'StoreFailure' })
  })

  it('refuses a SQLite database that is not Soutien’s, and leaves it untouched', () => {
    const path = join(dir, 'inventory.db')
    const other = new Database(path)
    other.exec('CREATE TABLE printers (id TEXT)')
    other.close()
    const r = openSqliteStore(path)
    expect(isLeft(r) && r.left.message).toBe(
      `${path} is a SQLite database but not a Soutien event store (it has the tables printers)`,
    )
    const again = new Database(path)
    expect(again.pragma('journal_mode', { simple: true })).toBe('delete')
    again.close()
  })

  it('refuses a database written by a newer schema version', async () => {
    const path = freshPath()
    await open(path).dispose()
    const raw = new Database(path)
    raw.prepare("INSERT INTO schema_version (version, description) VALUES (7, 'from the future')").run()
    raw.close()
    const r = openSqliteStore(path)
    expect(isLeft(r) && r.left.message).toBe(
      `${path} was written by a newer release of Soutien (schema version 7; this release reads up to 1): upgrade Soutien to open it`,
    )
  })

  it('refuses to create a missing file when asked to', () => {
    const r = openSqliteStore(join(dir, 'missing.db'), { mustExist: true })
    expect(isLeft(r) && r.left.message).toContain('missing.db')
  })

  it('applies pending migrations in order, once, and rolls a failing one back entirely', async () => {
    const path = freshPath()
    await open(path).dispose()
    const db = new Database(path)
    const v2: Migration = {
      version: 2,
      description: 'satisfaction index',
      up: (d) => d.exec('CREATE TABLE v2_marker (x INTEGER)'),
    }
    const v3: Migration = {
      version: 3,
      description: 'broken',
      up: (d) => {
        d.exec('CREATE TABLE v3_marker (x INTEGER)')
        throw new Error('disk on fire')
      },
    }
    expect(prepareDatabase(db, path, { migrations: [...MIGRATIONS, v2] })).toEqual({
      _tag: 'Right',
      right: { schemaVersion: 2 },
    })
    expect(prepareDatabase(db, path, { migrations: [...MIGRATIONS, v2] })).toEqual({
      _tag: 'Right',
      right: { schemaVersion: 2 },
    })
    const failed = prepareDatabase(db, path, { migrations: [...MIGRATIONS, v2, v3] })
    expect(isLeft(failed) && failed.left.message).toContain('disk on fire')
    const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()
    expect(versions).toEqual([1, 2])
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'v%_marker'").pluck().all()
    expect(tables).toEqual(['v2_marker'])
    db.close()
  })

  it('uses WAL with synchronous FULL by default, NORMAL on request', async () => {
    const full = open()
    expect(full.database.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(full.database.pragma('synchronous', { simple: true })).toBe(2)
    await full.dispose()
    const normal = open(freshPath(), { synchronous: 'NORMAL' })
    expect(normal.database.pragma('synchronous', { simple: true })).toBe(1)
    await normal.dispose()
  })

  it('keeps its events across reopenings, and read-only opening refuses appends', async () => {
    const path = freshPath()
    const first = open(path)
    await first.append('ticket-1', ticketEvents('ticket-1', 3), 'no-stream')()
    const before = await all(first)
    await first.dispose()
    const second = open(path, { readonly: true })
    expect(await all(second)).toEqual(before)
    const r = await second.append('ticket-1', ticketEvents('ticket-1', 1, 3), 2)()
    expect(isLeft(r) && r.left.message).toContain('read-only')
    await second.dispose()
  })
})

describe('SQLite store: rows', () => {
  it('stores the §3 envelope as written: JSON text of actor, data and meta, older versions kept', async () => {
    const store = open()
    const [e] = ticketEvents('ticket-1', 1)
    const v1 = {
      id: 'policy-1',
      type: 'SupportPolicySet',
      version: 1,
      at: '2026-01-05T08:00:00.000Z',
      actor: { id: 'm-1', role: 'manager' },
      data: { escalationDelays: { office: 'PT2H' }, resolutionTargets: { P1: 'PT4H' } },
      meta: {},
    } as unknown as EventToAppend
    await store.append('ticket-1', [e!], 'no-stream')()
    await store.append('organization', [v1], 'no-stream')()
    const rows = store.database.prepare('SELECT * FROM events ORDER BY position').all() as Record<
      string,
      unknown
    >[]
    expect(rows[0]).toEqual({
      position: 0,
      id: e!.id,
      stream: 'ticket-1',
      revision: 0,
      type: 'TicketOpened',
      version: 1,
      at: e!.at,
      actor: JSON.stringify(e!.actor),
      data: JSON.stringify(e!.data),
      meta: JSON.stringify(e!.meta),
    })
    expect(rows[1]).toMatchObject({ version: 1, data: JSON.stringify((v1 as { data: unknown }).data) })
    const read = await store.readStream('organization')()
    expect(isRight(read) && read.right[0]).toMatchObject({ version: 2, data: { responseTarget: 'PT4H' } })
    await store.dispose()
  })

  it('reports a stored row that cannot be read, naming its stream and revision', async () => {
    const store = open()
    await store.append('ticket-1', ticketEvents('ticket-1', 3), 'no-stream')()
    store.database
      .prepare('UPDATE events SET data = \'{"kind":"gossip","message":"x"}\' WHERE revision = 2')
      .run()
    const r = await store.readStream('ticket-1')()
    expect(isLeft(r) && r.left._tag).toBe('InvalidEvent')
    expect(isLeft(r) && r.left.message).toContain('stream ticket-1 at revision 2 (position 2) cannot be read')
    expect(isLeft(r) && r.left.message).toContain('data.kind')
    await expect(all(store)).rejects.toMatchObject({ error: { _tag: 'InvalidEvent' } })
    store.database.prepare("UPDATE events SET meta = '{not json' WHERE revision = 1").run()
    const bad = await store.readStream('ticket-1', { fromRevision: 1 })()
    expect(isLeft(bad) && bad.left.message).toContain('revision 1 (position 1) is not valid JSON')
    await store.dispose()
  })

  it('streams reads in bounded pages', async () => {
    const store = open(freshPath(), { pageSize: 3 })
    await store.append('ticket-1', ticketEvents('ticket-1', 10), 'no-stream')()
    await store.append('ticket-2', ticketEvents('ticket-2', 4), 'no-stream')()
    const everything = await all(store)
    expect(everything.map((e) => e.position)).toEqual(Array.from({ length: 14 }, (_, i) => i))
    const stream = await store.readStream('ticket-1', { fromRevision: 1 })()
    expect(isRight(stream) && stream.right.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    const filtered: string[] = []
    for await (const e of store.readAll({ streamPrefixes: ['ticket-2'] })) filtered.push(`${e.revision}`)
    expect(filtered).toEqual(['0', '1', '2', '3'])
    await store.dispose()
  })
})

describe('SQLite store: other processes and imports', () => {
  it('delivers to subscribers the appends made through another connection (polling)', async () => {
    const path = freshPath()
    const writer = open(path)
    const reader = open(path, { pollIntervalMs: 10 })
    const got: RecordedEvent[] = []
    let arrived!: () => void
    const done = new Promise<void>((r) => {
      arrived = r
    })
    const sub = reader.subscribe((e) => {
      got.push(e)
      if (got.length === 3) arrived()
    })
    await sub.caughtUp
    await writer.append('ticket-1', ticketEvents('ticket-1', 3), 'no-stream')()
    await done
    expect(got.map((e) => e.revision)).toEqual([0, 1, 2])
    await sub.close()
    await reader.dispose()
    await writer.dispose()
  })

  it('makes appends wait for an import in progress, and rolls a failed import back', async () => {
    const store = open()
    await store.append('ticket-1', ticketEvents('ticket-1', 1), 'no-stream')()
    let proceed!: () => void
    const gate = new Promise<void>((r) => {
      proceed = r
    })
    const items: EventToImport[] = ticketEvents('ticket-2', 3).map((e, i) => ({
      ...e,
      stream: 'ticket-2',
      revision: i,
    }))
    async function* slow() {
      yield items[0]!
      await gate
      yield items[1]!
      throw new Error('the file became unreadable')
    }
    const importing = store.importAtomically(slow())()
    const append = store.append('ticket-1', ticketEvents('ticket-1', 1, 1), 0)()
    let appended = false
    void append.then(() => {
      appended = true
    })
    await Promise.resolve()
    expect(appended).toBe(false)
    proceed()
    const r = await importing
    expect(isLeft(r) && r.left.message).toContain('nothing stored: the file became unreadable')
    expect(await append).toEqual({ _tag: 'Right', right: { nextExpectedRevision: 1, position: 1 } })
    expect((await all(store)).map((e) => `${e.stream}@${e.revision}`)).toEqual(['ticket-1@0', 'ticket-1@1'])
    await store.dispose()
  })

  it('imports several streams in one transaction', async () => {
    const store = open()
    const items: EventToImport[] = [
      ...ticketEvents('ticket-1', 2).map((e, i) => ({ ...e, stream: 'ticket-1', revision: i })),
      ...ticketEvents('ticket-2', 1).map((e, i) => ({ ...e, stream: 'ticket-2', revision: i })),
      { ...userInformed(5), stream: 'ticket-1', revision: 2 },
    ]
    async function* gen() {
      yield* items
    }
    const r = await store.importAtomically(gen())()
    expect(r).toEqual({ _tag: 'Right', right: { events: 4, lastPosition: 3 } })
    const dup = await store.importAtomically(gen())()
    expect(isLeft(dup) && dup.left._tag).toBe('ConcurrencyConflict')
    expect((await all(store)).length).toBe(4)
    await store.dispose()
  })
})

// ---- model-based: SQLite answers every sequence of appends as memory does ----

const opArb = appendOpArb(6)

describe('SQLite store: model', () => {
  it('answers any sequence of appends exactly as the in-memory store does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
        const memory = createMemoryStore()
        const sqlite = open(freshPath(), { synchronous: 'NORMAL' })
        const sent = new Map<string, { events: EventToAppend[]; expected: ExpectedRevision }>()
        for (const op of ops) {
          const stream = `ticket-${op.stream}`
          const stored = await memory.readStream(stream)()
          const length = isRight(stored) ? stored.right.length : 0
          // A replay re-sends the stream's previous batch as it was (an idempotent retry, or a conflict).
          const previous = sent.get(stream)
          const batch =
            op.replay && previous !== undefined
              ? previous
              : { events: ticketEvents(stream, op.count, length), expected: op.expected }
          sent.set(stream, batch)
          const a = await memory.append(stream, batch.events, batch.expected)()
          const b = await sqlite.append(stream, batch.events, batch.expected)()
          expect(isLeft(b) ? b.left._tag : b.right).toEqual(isLeft(a) ? a.left._tag : a.right)
        }
        expect(await all(sqlite)).toEqual(await all(memory))
        await sqlite.dispose()
      }),
      { numRuns: 40 },
    )
  })
})
