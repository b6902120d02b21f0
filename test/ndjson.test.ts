import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { afterAll, describe, expect, it } from 'vitest'
import type { IsoInstant } from '../src/domain/codec.js'
import { type EventToAppend, type RecordedEvent, toWire } from '../src/domain/envelope.js'
import { createMemoryStore } from '../src/store/memory.js'
import {
  exportHistory,
  type HistoryLine,
  type InvalidHistory,
  importHistory,
  readHistoryFile,
} from '../src/store/ndjson.js'
import { type EventStore, type EventToImport, StoreFailure, unavailable } from '../src/store/port.js'
import { openSqliteStore, type SqliteEventStore } from '../src/store/sqlite.js'
import { ticketEvents, ticketOpened, userInformed } from './support/store-conformance.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-ndjson-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const fresh = (ext = 'ndjson') => join(dir, `f-${++files}.${ext}`)

const sqlite = (): SqliteEventStore => {
  const r = openSqliteStore(fresh('db'), { synchronous: 'NORMAL' })
  if (isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const ok = async <E, A>(te: TE.TaskEither<E, A>): Promise<A> => {
  const r = await te()
  if (isLeft(r)) throw new Error(`expected success: ${JSON.stringify(r.left)}`)
  return r.right
}
const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 10, minute)).toISOString() as IsoInstant
const manager = { id: 'manager-1', role: 'manager' } as const

/** A small but varied history: organisation (with a v1 policy), interleaved tickets, knowledge. */
const history = async (): Promise<EventStore> => {
  const store = createMemoryStore()
  const org: EventToAppend[] = [
    {
      id: randomUUID(),
      type: 'SiteRegistered',
      version: 1,
      at: at(0),
      actor: manager,
      data: { siteId: 'paris', name: 'Paris HQ', timeZone: 'Europe/Paris' },
      meta: { commandId: 'c-1' },
    },
    {
      id: randomUUID(),
      type: 'SupportPolicySet',
      version: 1,
      at: at(1),
      actor: manager,
      data: { escalationDelays: { office: 'PT2H' }, resolutionTargets: { P1: 'PT4H' } },
      meta: {},
    } as unknown as EventToAppend,
  ]
  await ok(store.append('organization', org, 'no-stream'))
  const a = ticketEvents('ticket-a', 4)
  const b = ticketEvents('ticket-b', 3)
  await ok(store.append('ticket-a', a.slice(0, 2), 'no-stream'))
  await ok(store.append('ticket-b', b.slice(0, 1), 'no-stream'))
  await ok(
    store.append(
      'ticket-a',
      [
        {
          id: randomUUID(),
          type: 'TicketQualified',
          version: 1,
          at: at(30),
          actor: { id: 'agent-12', role: 'assistance' },
          data: { priority: 'P2', kind: 'incident', domain: 'office', diagnosis: 'toner' },
          meta: { correlationId: 'corr-1', causationId: 'cause-1' },
        },
      ],
      1,
    ),
  )
  await ok(store.append('ticket-b', b.slice(1), 0))
  await ok(
    store.append(
      'knowledge-k1',
      [
        {
          id: randomUUID(),
          type: 'KnowledgeArticlePublished',
          version: 1,
          at: at(40),
          actor: { id: 'agent-12', role: 'office-technician' },
          data: {
            articleId: 'k1',
            title: 'Toner',
            domain: 'office',
            workstationTypes: ['laptop'],
            body: 'é ✓ "quoted"',
          },
          meta: {},
        },
      ],
      'no-stream',
    ),
  )
  await ok(store.append('ticket-a', [userInformed(100), userInformed(101)], 2))
  return store
}

const exportText = async (store: EventStore): Promise<string> => {
  const path = fresh()
  await ok(exportHistory(store, path))
  return readFileSync(path, 'utf8')
}
const linesOf = (text: string) => text.split('\n').filter((l) => l !== '')
const withLines = (text: string, edit: (objects: Record<string, unknown>[]) => void): string => {
  const objects = linesOf(text).map((l) => JSON.parse(l) as Record<string, unknown>)
  edit(objects)
  return `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`
}
const collect = async (it: AsyncIterable<HistoryLine>) => {
  const out: HistoryLine[] = []
  for await (const l of it) out.push(l)
  return out
}

describe('exportHistory', () => {
  it('writes the §3 envelope, one object per line, in global order, keys in toWire order', async () => {
    const store = await history()
    const text = await exportText(store)
    const events: RecordedEvent[] = []
    for await (const e of store.readAll()) events.push(e)
    expect(text).toBe(events.map((e) => `${JSON.stringify(toWire(e))}\n`).join(''))
    const first = JSON.parse(linesOf(text)[0]!) as object
    expect(Object.keys(first)).toEqual([
      'id',
      'stream',
      'revision',
      'position',
      'type',
      'version',
      'at',
      'actor',
      'data',
      'meta',
    ])
    expect(linesOf(text).map((l) => (JSON.parse(l) as { position: number }).position)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ])
    // The v1 policy is exported as read: upcast to the current version.
    expect(JSON.parse(linesOf(text)[1]!)).toMatchObject({ version: 2, data: { responseTarget: 'PT4H' } })
  })

  it('exports an excerpt: after a position, or some streams', async () => {
    const store = await history()
    const path = fresh()
    expect(await exportHistory(store, path, { after: 8 })()).toEqual({
      _tag: 'Right',
      right: { events: 2, lastPosition: 10 },
    })
    expect(linesOf(readFileSync(path, 'utf8'))).toHaveLength(2)
    await ok(exportHistory(store, path, { streamPrefixes: ['knowledge-', 'organization'] }))
    const streams = linesOf(readFileSync(path, 'utf8')).map(
      (l) => (JSON.parse(l) as { stream: string }).stream,
    )
    expect(streams).toEqual(['organization', 'organization', 'knowledge-k1'])
  })

  it('respects back-pressure on a slow stream and does not end it', async () => {
    const store = createMemoryStore()
    for (let t = 0; t < 40; t++)
      await ok(store.append(`ticket-${t}`, ticketEvents(`ticket-${t}`, 25), 'no-stream'))
    const out = new PassThrough({ highWaterMark: 1024 })
    const chunks: Buffer[] = []
    const reading = (async () => {
      for await (const c of out) {
        chunks.push(c as Buffer)
        await new Promise<void>((r) => setImmediate(r))
      }
    })()
    const result = await ok(exportHistory(store, out))
    expect(result).toEqual({ events: 1000, lastPosition: 999 })
    expect(out.writableEnded).toBe(false)
    out.end()
    await reading
    expect(Buffer.concat(chunks).toString('utf8')).toBe(await exportText(store))
  })

  it('never leaves a half-written file when the store fails midway', async () => {
    const store = await history()
    const failing: EventStore = {
      ...store,
      readAll: (o) =>
        (async function* () {
          let n = 0
          for await (const e of store.readAll(o)) {
            if (++n === 5) throw new StoreFailure(unavailable('the disk went away'))
            yield e
          }
        })(),
    }
    const sub = mkdtempSync(join(dir, 'fail-'))
    const path = join(sub, 'history.ndjson')
    const r = await exportHistory(failing, path)()
    expect(r).toEqual({ _tag: 'Left', left: { _tag: 'StoreUnavailable', message: 'the disk went away' } })
    expect(readdirSync(sub)).toEqual([])
  })
})

describe('importHistory', () => {
  it('export → import into a fresh SQLite file → export gives the same bytes', async () => {
    const original = await exportText(await history())
    const path = fresh()
    writeFileSync(path, original)
    const target = sqlite()
    const summary = await ok(importHistory(path, target))
    expect(summary).toEqual({ events: 11, streams: 4, lastPosition: 10, atomic: true })
    expect(await exportText(target)).toBe(original)
    await target.dispose()
  })

  it('imports from a stream (spooled, since it is read twice)', async () => {
    const original = await exportText(await history())
    const target = createMemoryStore()
    const summary = await ok(importHistory(Readable.from([Buffer.from(original)]), target))
    expect(summary.events).toBe(11)
    expect(await exportText(target)).toBe(original)
  })

  it('continues the streams the store already has, from their next revision', async () => {
    const target = sqlite()
    await ok(target.append('ticket-a', ticketEvents('ticket-a', 2), 'no-stream'))
    const path = fresh()
    const next = [userInformed(10), userInformed(11)].map((e, i) =>
      JSON.stringify({ ...e, stream: 'ticket-a', revision: 2 + i, position: 100 + i }),
    )
    writeFileSync(path, `${next.join('\n')}\n`)
    const summary = await ok(importHistory(path, target))
    expect(summary).toEqual({ events: 2, streams: 1, lastPosition: 3, atomic: true })
    const read = await ok(target.readStream('ticket-a'))
    expect(read.map((e) => e.revision)).toEqual([0, 1, 2, 3])

    // The same file again would leave a revision gap-free history only from revision 4: refused.
    const again = await importHistory(path, target)()
    expect(isLeft(again) && again.left).toMatchObject({
      _tag: 'InvalidHistory',
      lines: [{ line: 1, problems: [{ path: 'revision', expected: '4', actual: '2' }] }],
    })
    await target.dispose()
  })

  describe('refuses a corrupted file whole, naming line, event id and field, and leaves the store as it was', () => {
    const cases: readonly {
      readonly name: string
      readonly corrupt: (text: string) => string
      readonly line: number
      readonly path: string
      readonly withId: boolean
    }[] = [
      {
        name: 'bad JSON',
        corrupt: (t) => {
          const ls = linesOf(t)
          ls[8] = ls[8]!.slice(0, 40)
          return `${ls.join('\n')}\n`
        },
        line: 9,
        path: '(line)',
        withId: false,
      },
      {
        name: 'a gap in revisions (a missing line)',
        corrupt: (t) =>
          withLines(t, (o) => {
            o.splice(5, 1)
          }),
        line: 9,
        path: 'revision',
        withId: true,
      },
      {
        name: 'an unknown event type',
        corrupt: (t) =>
          withLines(t, (o) => {
            o[6]!.type = 'TicketTeleported'
          }),
        line: 7,
        path: 'type',
        withId: true,
      },
      {
        name: 'a missing field',
        corrupt: (t) =>
          withLines(t, (o) => {
            delete (o[2]!.data as Record<string, unknown>).summary
          }),
        line: 3,
        path: 'data.summary',
        withId: true,
      },
      {
        name: 'a position going backwards',
        corrupt: (t) =>
          withLines(t, (o) => {
            o[8]!.position = 3
          }),
        line: 9,
        path: 'position',
        withId: true,
      },
      {
        name: 'a moment going backwards in a stream',
        corrupt: (t) =>
          withLines(t, (o) => {
            o[3]!.at = '2026-03-01T00:00:00.000Z'
          }),
        line: 4,
        path: 'at',
        withId: true,
      },
      {
        name: 'a truncated last line',
        corrupt: (t) => t.slice(0, t.length - 30),
        line: 11,
        path: '(line)',
        withId: false,
      },
    ]
    const targets = [
      ['SQLite', sqlite],
      ['in-memory', createMemoryStore],
    ] as const
    for (const [targetName, make] of targets)
      it.each(cases)(`${targetName}: $name`, async ({ corrupt, line, path, withId }) => {
        const original = await exportText(await history())
        const file = fresh()
        writeFileSync(file, corrupt(original))
        const target = make()
        await ok(target.append('ticket-existing', ticketEvents('ticket-existing', 3), 'no-stream'))
        const before = await exportText(target)

        const corrupted = readFileSync(file, 'utf8')
        const r = await importHistory(file, target)()
        expect(isLeft(r) && r.left._tag).toBe('InvalidHistory')
        const refused = (isLeft(r) ? r.left : undefined) as InvalidHistory
        expect(refused.invalidLines).toBe(1)
        expect(refused.lines[0]!.line).toBe(line)
        expect(refused.lines[0]!.problems[0]!.path).toBe(path)
        if (withId)
          expect(refused.lines[0]!.eventId).toBe(
            (JSON.parse(linesOf(corrupted)[line - 1]!) as { id: string }).id,
          )
        expect(refused.message).toContain(`line ${line}`)
        expect(refused.message).toContain('nothing was stored')
        expect(await exportText(target)).toBe(before)
        await target.dispose()
      })
  })

  it('SQLite: a concurrent writer between validation and storing makes the whole import fail, nothing stored', async () => {
    const original = await exportText(await history())
    const file = fresh()
    writeFileSync(file, original)
    const target = sqlite()
    const racing: EventStore = {
      ...target,
      importAtomically: (events: AsyncIterable<EventToImport>) => async () => {
        await ok(target.append('ticket-b', ticketEvents('ticket-b', 1), 'no-stream'))
        return target.importAtomically(events)()
      },
    } as EventStore
    const r = await importHistory(file, racing)()
    expect(isLeft(r) && r.left).toMatchObject({ _tag: 'ConcurrencyConflict', stream: 'ticket-b', actual: 0 })
    expect(isLeft(r) && r.left.message).toMatch(/line 5 \(event .*\): nothing was imported/)
    const left = await exportText(target)
    expect(linesOf(left).map((l) => (JSON.parse(l) as { stream: string }).stream)).toEqual(['ticket-b'])
    await target.dispose()
  })

  it('without atomic import, appends same-stream groups with exact revisions and says how far it got', async () => {
    const original = await exportText(await history())
    const file = fresh()
    writeFileSync(file, original)
    const inner = createMemoryStore()
    const appends: string[] = []
    const plain: EventStore = {
      append: (stream, events, expected) => {
        appends.push(`${stream}:${events.length}:${expected}`)
        return inner.append(stream, events, expected)
      },
      readStream: inner.readStream,
      readAll: inner.readAll,
      subscribe: inner.subscribe,
      headPosition: inner.headPosition,
      dispose: inner.dispose,
    }
    const summary = await ok(importHistory(file, plain, { appendBatch: 2 }))
    expect(summary).toEqual({ events: 11, streams: 4, lastPosition: 10, atomic: false })
    expect(appends).toEqual([
      'organization:2:no-stream',
      'ticket-a:2:no-stream',
      'ticket-b:1:no-stream',
      'ticket-a:1:1',
      'ticket-b:2:0',
      'knowledge-k1:1:no-stream',
      'ticket-a:2:2',
    ])
    expect(await exportText(inner)).toBe(original)

    // A concurrent writer on ticket-b: the groups before it stay, and the error says so.
    const target = createMemoryStore()
    const racing: EventStore = {
      append: (stream, events, expected) =>
        stream === 'ticket-b' && expected === 'no-stream'
          ? TE.flatMap(target.append('ticket-b', [ticketOpened('b')], 'no-stream'), () =>
              target.append(stream, events, expected),
            )
          : target.append(stream, events, expected),
      readStream: target.readStream,
      readAll: target.readAll,
      subscribe: target.subscribe,
      headPosition: target.headPosition,
      dispose: target.dispose,
    }
    const r = await importHistory(file, racing)()
    expect(isLeft(r) && r.left._tag).toBe('ConcurrencyConflict')
    expect(isLeft(r) && r.left.message).toContain('line 5')
    expect(isLeft(r) && r.left.message).toContain('4 events before this line were stored')
  })

  it('reports a file that cannot be read', async () => {
    const r = await importHistory(join(dir, 'nowhere.ndjson'), createMemoryStore())()
    expect(isLeft(r) && r.left).toMatchObject({ _tag: 'HistoryFileError' })
    expect(isLeft(r) && r.left.message).toContain('nowhere.ndjson')
  })
})

describe('readHistoryFile', () => {
  it('yields every line with its number: events, or problems with field paths, never throwing', async () => {
    const original = await exportText(await history())
    const ls = linesOf(original)
    const broken = withLines(original, (o) => {
      o[2]!.data = { ...(o[2]!.data as object), channel: 'pigeon' }
      o.splice(5, 1)
    })
    const text = `${linesOf(broken).slice(0, 4).join('\n')}\n\n   \n{oops\n${linesOf(broken).slice(4).join('\n')}\n${ls[0]!.slice(0, 25)}`
    const file = fresh()
    writeFileSync(file, text)
    const got = await collect(readHistoryFile(file))
    const summary = got.map((l) =>
      'event' in l ? `${l.line}:ok` : `${l.line}:${l.problems.map((p) => p.path).join(',')}`,
    )
    expect(summary).toEqual([
      '1:ok',
      '2:ok',
      '3:data.channel',
      '4:ok',
      '7:(line)',
      '8:ok',
      '9:ok',
      '10:ok',
      '11:ok',
      '12:revision',
      '13:ok',
      '14:(line)',
    ])
    const bad = got[2]!
    expect('problems' in bad && bad.eventId).toBe((JSON.parse(ls[2]!) as { id: string }).id)
    expect('problems' in bad && bad.problems[0]!.actual).toBe('"pigeon"')
    const last = got[got.length - 1]!
    expect('problems' in last && last.problems[0]!.message).toContain('truncated')
  })

  it('checks only each line when asked (an excerpt does not start at revision 0)', async () => {
    const store = await history()
    const path = fresh()
    await ok(exportHistory(store, path, { after: 5 }))
    const strict = await collect(readHistoryFile(path))
    expect(strict.some((l) => 'problems' in l)).toBe(true)
    const lenient = await collect(readHistoryFile(path, { checkSequence: false }))
    expect(lenient.every((l) => 'event' in l)).toBe(true)
    expect(lenient.map((l) => ('event' in l ? l.event.position : -1))).toEqual([6, 7, 8, 9, 10])
  })

  it('reads a stream, and throws HistoryFileFailure only when there is no file at all', async () => {
    const text = await exportText(await history())
    const fromStream = await collect(readHistoryFile(Readable.from([text.slice(0, 100), text.slice(100)])))
    expect(fromStream.filter((l) => 'event' in l)).toHaveLength(11)
    await expect(collect(readHistoryFile(join(dir, 'missing.ndjson')))).rejects.toMatchObject({
      name: 'HistoryFileFailure',
      error: { _tag: 'HistoryFileError' },
    })
    expect(existsSync(join(dir, 'missing.ndjson'))).toBe(false)
  })

  it('accepts CRLF line ends, a byte-order mark and a last line without newline', async () => {
    const text = await exportText(await history())
    const file = fresh()
    writeFileSync(file, `\uFEFF${linesOf(text).join('\r\n')}`)
    const got = await collect(readHistoryFile(file))
    expect(got.every((l) => 'event' in l)).toBe(true)
    expect(got).toHaveLength(11)
    expect(isRight(await importHistory(file, createMemoryStore())())).toBe(true)
  })
})
