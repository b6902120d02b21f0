/**
 * SQLite group commit: the appends submitted together are committed in one
 * transaction (one fsync), each checked on its own, none acknowledged before
 * the commit; and the answers are those of the same appends made one by one.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import type { EventToAppend, RecordedEvent } from '../src/domain/envelope.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { AppendResult, EventStore, EventToImport, StoreError } from '../src/store/port.js'
import {
  type GroupCommit,
  openSqliteStore,
  type SqliteEventStore,
  type SqliteStoreOptions,
} from '../src/store/sqlite.js'
import { appendOpArb, ticketEvents, userInformed } from './support/store-conformance.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-group-commit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const freshPath = () => join(dir, `store-${++files}.db`)

const open = (
  path = freshPath(),
  options: SqliteStoreOptions = {},
): { store: SqliteEventStore; commits: GroupCommit[] } => {
  const commits: GroupCommit[] = []
  const r = openSqliteStore(path, { ...options, onCommit: (c) => commits.push(c) })
  if (E.isLeft(r)) throw new Error(r.left.message)
  return { store: r.right, commits }
}
const all = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of store.readAll()) out.push(e)
  return out
}
const where = (events: readonly RecordedEvent[]) =>
  events.map((e) => `${e.stream}@${e.revision}#${e.position}`)
const answer = (r: E.Either<StoreError, AppendResult>) => (E.isLeft(r) ? r.left._tag : r.right)

describe('SQLite group commit', () => {
  it('commits concurrent appends to different streams in one transaction, durably', async () => {
    const path = freshPath()
    const { store, commits } = open(path)
    const sent = Array.from({ length: 8 }, (_, i) => ticketEvents(`ticket-g${i}`, 2))
    // Submitted together, as the commands of eight users decided in the same turn.
    const results = await Promise.all(
      sent.map((events, i) => store.append(`ticket-g${i}`, events, 'no-stream')()),
    )
    expect(results.map(answer)).toEqual(
      sent.map((_, i) => ({ nextExpectedRevision: 1, position: 2 * i + 1 })),
    )
    expect(commits).toEqual([{ appends: 8, events: 16, ms: expect.any(Number), committed: true }])
    await store.dispose()

    // Another connection, after the first one is closed: everything is in the file.
    const again = open(path, { readonly: true })
    const read = await all(again.store)
    expect(read.map((e) => e.id)).toEqual(sent.flat().map((e) => e.id))
    expect(read.map((e) => e.position)).toEqual(read.map((_, i) => i))
    await again.store.dispose()
  })

  it('refuses a conflicting or invalid append of a group alone, in submission order', async () => {
    const { store, commits } = open()
    const stored = ticketEvents('ticket-old', 1)
    await store.append('ticket-old', stored, 'no-stream')()
    const first = ticketEvents('ticket-a', 1)
    const submitted = [
      store.append('ticket-a', first, 'no-stream')(),
      // Same stream, same expectation: the first of the group took revision 0.
      store.append('ticket-a', ticketEvents('ticket-a', 1), 'no-stream')(),
      // Decided after the first: expects its revision, and gets the next one.
      store.append('ticket-a', [userInformed(1)], 0)(),
      // An id already stored elsewhere.
      store.append('ticket-b', [{ ...ticketEvents('ticket-b', 1)[0]!, id: stored[0]!.id }], 'no-stream')(),
      store.append('ticket-c', ticketEvents('ticket-c', 1), 'no-stream')(),
      // The idempotent retry of the group's first append.
      store.append('ticket-a', first, 'no-stream')(),
    ]
    const results = await Promise.all(submitted)
    expect(results.map(answer)).toEqual([
      { nextExpectedRevision: 0, position: 1 },
      'ConcurrencyConflict',
      { nextExpectedRevision: 1, position: 2 },
      'InvalidEvent',
      { nextExpectedRevision: 0, position: 3 },
      { nextExpectedRevision: 0, position: 1 },
    ])
    const conflict = results[1]!
    expect(E.isLeft(conflict) && conflict.left.message).toBe(
      'stream ticket-a: expected no-stream, but its last revision is 0',
    )
    expect(commits.slice(1).map((c) => [c.appends, c.events])).toEqual([[6, 3]])
    expect(where(await all(store))).toEqual([
      'ticket-old@0#0',
      'ticket-a@0#1',
      'ticket-a@1#2',
      'ticket-c@0#3',
    ])
    await store.dispose()
  })

  it('rolls back an append whose statement fails, and keeps the rest of its group', async () => {
    const { store, commits } = open()
    // A trigger stands for a statement failing in the middle of an append: its
    // first event is inserted, its second is not.
    store.database.exec(`CREATE TRIGGER poison BEFORE INSERT ON events
      WHEN NEW.stream = 'ticket-poison' AND NEW.revision = 1
      BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`)
    const results = await Promise.all([
      store.append('ticket-a', ticketEvents('ticket-a', 1), 'no-stream')(),
      store.append('ticket-poison', ticketEvents('ticket-poison', 2), 'no-stream')(),
      store.append('ticket-b', ticketEvents('ticket-b', 1), 'no-stream')(),
    ])
    expect(results.map(answer)).toEqual([
      { nextExpectedRevision: 0, position: 0 },
      'StoreUnavailable',
      { nextExpectedRevision: 0, position: 1 },
    ])
    expect(E.isLeft(results[1]!) && results[1].left.message).toContain('poisoned row')
    expect(commits).toEqual([{ appends: 3, events: 2, ms: expect.any(Number), committed: true }])
    expect(where(await all(store))).toEqual(['ticket-a@0#0', 'ticket-b@0#1'])
    await store.dispose()
  })

  it('fails every append of a group whose transaction is lost, stores none, and works afterwards', async () => {
    const { store, commits } = open()
    // RAISE(ROLLBACK) ends the whole transaction, as a full disk or an I/O error may.
    store.database.exec(`CREATE TRIGGER doom BEFORE INSERT ON events
      WHEN NEW.stream = 'ticket-doom'
      BEGIN SELECT RAISE(ROLLBACK, 'the disk is gone'); END`)
    const results = await Promise.all([
      store.append('ticket-a', ticketEvents('ticket-a', 1), 'no-stream')(),
      store.append('ticket-doom', ticketEvents('ticket-doom', 1), 'no-stream')(),
      store.append('ticket-b', ticketEvents('ticket-b', 1), 'no-stream')(),
    ])
    expect(results.map((r) => E.isLeft(r) && r.left.message)).toEqual(
      Array.from({ length: 3 }, () => expect.stringContaining('the disk is gone')),
    )
    expect(commits).toEqual([{ appends: 3, events: 0, ms: expect.any(Number), committed: false }])
    expect(await all(store)).toEqual([])
    store.database.exec('DROP TRIGGER doom')
    const later = await store.append('ticket-a', ticketEvents('ticket-a', 1), 'no-stream')()
    expect(answer(later)).toEqual({ nextExpectedRevision: 0, position: 0 })
    await store.dispose()
  })

  it('commits at most maxAppendsPerCommit appends per transaction, in order', async () => {
    const { store, commits } = open(freshPath(), { maxAppendsPerCommit: 3 })
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.append(`ticket-m${i}`, ticketEvents(`ticket-m${i}`, 1), 'no-stream')(),
      ),
    )
    expect(results.map(answer)).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ nextExpectedRevision: 0, position: i })),
    )
    expect(commits.map((c) => c.appends)).toEqual([3, 3, 3, 1])
    await store.dispose()
  })

  it('answers nothing before the commit', async () => {
    const { store, commits } = open()
    let answered = false
    const pending = store.append('ticket-a', ticketEvents('ticket-a', 1), 'no-stream')()
    void pending.then(() => {
      answered = true
    })
    // Microtasks and other appends run; the commit waits for the next turn of the event loop.
    for (let i = 0; i < 20; i++) await Promise.resolve()
    expect(answered).toBe(false)
    expect(commits).toEqual([])
    await pending
    expect(answered).toBe(true)
    expect(commits.length).toBe(1)
    await store.dispose()
  })

  it('commits the appends submitted before an import first, and those accepted before dispose', async () => {
    const path = freshPath()
    const { store } = open(path)
    const before = store.append('ticket-a', ticketEvents('ticket-a', 1), 'no-stream')()
    const items: EventToImport[] = ticketEvents('ticket-i', 2).map((e, i) => ({
      ...e,
      stream: 'ticket-i',
      revision: i,
    }))
    async function* gen() {
      yield* items
    }
    const imported = await store.importAtomically(gen())()
    expect(answer(await before)).toEqual({ nextExpectedRevision: 0, position: 0 })
    expect(E.isRight(imported) && imported.right).toEqual({ events: 2, lastPosition: 2 })

    const last = store.append('ticket-b', ticketEvents('ticket-b', 1), 'no-stream')()
    await store.dispose()
    expect(answer(await last)).toEqual({ nextExpectedRevision: 0, position: 3 })
    expect(answer(await store.append('ticket-c', ticketEvents('ticket-c', 1), 'no-stream')())).toBe(
      'StoreUnavailable',
    )
    const again = open(path, { readonly: true })
    expect(where(await all(again.store))).toEqual([
      'ticket-a@0#0',
      'ticket-i@0#1',
      'ticket-i@1#2',
      'ticket-b@0#3',
    ])
    await again.store.dispose()
  })
})

// ---- model-based: a group answers as the same appends made one by one --------

const opArb = appendOpArb(5)

describe('SQLite group commit: model', () => {
  it('answers appends submitted together exactly as the in-memory store answers them one by one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 4 }),
        async (waves, maxAppendsPerCommit) => {
          const memory = createMemoryStore()
          const { store: sqlite } = open(freshPath(), { synchronous: 'NORMAL', maxAppendsPerCommit })
          const sent = new Map<string, EventToAppend[]>()
          const lengths = new Map<string, number>()
          for (const wave of waves) {
            // The batches of a wave are made before any is answered (like the
            // commands of several users decided in the same turn).
            const batches = wave.map((op) => {
              const stream = `ticket-${op.stream}`
              const previous = sent.get(stream)
              const length = lengths.get(stream) ?? 0
              const events =
                op.replay && previous !== undefined ? previous : ticketEvents(stream, op.count, length)
              sent.set(stream, events)
              lengths.set(stream, length + op.count)
              return { stream, events, expected: op.expected }
            })
            const expected: unknown[] = []
            for (const b of batches)
              expected.push(answer(await memory.append(b.stream, b.events, b.expected)()))
            const got = await Promise.all(batches.map((b) => sqlite.append(b.stream, b.events, b.expected)()))
            expect(got.map(answer)).toEqual(expected)
            // Keep the generated revisions in step with what was stored.
            for (const s of new Set(batches.map((b) => b.stream))) {
              const r = await memory.readStream(s)()
              lengths.set(s, E.isRight(r) ? r.right.length : 0)
            }
          }
          expect(await all(sqlite)).toEqual(await all(memory))
          await sqlite.dispose()
        },
      ),
      { numRuns: 40 },
    )
  })
})
