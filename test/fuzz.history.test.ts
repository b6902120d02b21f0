/**
 * Hostile history: a history file (or a store row) may have been written by
 * anyone. `decodeRecordedEvent` and `readHistoryFile` must never throw on it:
 * random JSON, wrong types, megabyte lines, nesting 10,000 levels deep or
 * more, `__proto__` keys, broken UTF-8, lines cut anywhere — each bad line is
 * reported with its number and the problem's path, each good line still reads
 * as its event, and `importHistory` stores nothing from a file with a bad line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createCommandHandler } from '../src/commands/handler.js'
import type { Command } from '../src/domain/commands.js'
import { decodeRecordedEvent, toWire } from '../src/domain/envelope.js'
import type { Actor } from '../src/domain/vocabulary.js'
import { createMemoryStore } from '../src/store/memory.js'
import { type HistoryLine, historyLine, importHistory, readHistoryFile } from '../src/store/ndjson.js'
import { seedOrganization, tickingClock } from './support/concurrent-writer.js'
import { pathsWithRootOf, valueAt } from './support/json-paths.js'
import { AGENT, actorOf, NOW, SITE, USER, WS } from './support/org-events.js'

const STRESS = process.env.SOUTIEN_STRESS === '1'
const runs = (n: number) => (STRESS ? n * 10 : n)

const dir = mkdtempSync(join(tmpdir(), 'soutien-fuzz-history-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const fileWith = (text: string | Buffer): string => {
  const path = join(dir, `h${files++}.ndjson`)
  writeFileSync(path, text)
  return path
}

// ---- a valid history: the fixture organisation and a little of everything ---------

const history = await (async () => {
  const store = createMemoryStore()
  await seedOrganization(store)
  const handler = createCommandHandler({ store, clock: tickingClock(NOW, 60_000) })
  const assistance = actorOf(AGENT.assistParis1)
  const owner = actorOf(AGENT.officeTechParis)
  const steps: [Command, Actor][] = [
    [
      {
        type: 'OpenTicket',
        ticketId: 'T-1',
        requesterId: USER.alice,
        channel: 'phone',
        summary: 'Écran noir',
      },
      assistance,
    ],
    [{ type: 'AssignTicket', ticketId: 'T-1', ownerId: AGENT.officeTechParis }, assistance],
    [{ type: 'QualifyTicket', ticketId: 'T-1', kind: 'incident', domain: 'office', priority: 'P2' }, owner],
    [{ type: 'InformUser', ticketId: 'T-1', kind: 'answer', message: 'On regarde' }, owner],
    [{ type: 'ResolveTicket', ticketId: 'T-1', resolutionCode: 'fixed', solution: 'Câble' }, owner],
    [
      {
        type: 'DeclareMajorIncident',
        incidentId: 'MI-1',
        summary: 'Messagerie',
        siteIds: [SITE.paris],
        services: ['mail'],
      },
      owner,
    ],
    [
      {
        type: 'PublishKnowledgeArticle',
        articleId: 'KB-1',
        title: 'Câble',
        domain: 'office',
        workstationTypes: [WS.windows],
        body: 'Changer le câble',
      },
      owner,
    ],
  ]
  for (const [command, actor] of steps) {
    const r = await handler.handle({ command, actor })()
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left))
  }
  const events = []
  for await (const e of store.readAll()) events.push(e)
  return events
})()
const VALID_LINES = history.map((e) => historyLine(e).trimEnd())
const WIRE = history.map((e) => JSON.parse(JSON.stringify(toWire(e))) as Record<string, unknown>)

// ---- hostile values --------------------------------------------------------------

const DEPTH = 10_000
const deepArrayText = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
const deepObjectText = (n: number) => `${'{"a":'.repeat(n)}null${'}'.repeat(n)}`
const PROTO_TEXT =
  '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}}'
const HUGE = 'x'.repeat((STRESS ? 8 : 2) * 1024 * 1024)

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.anything({
      maxDepth: 3,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    }),
    weight: 4,
  },
  fc.constantFrom<unknown>(HUGE, Number.NaN, -1, 1.5, 2 ** 53, '', '\ud800', '__proto__', 'constructor'),
  fc.constantFrom(deepArrayText(DEPTH), deepObjectText(DEPTH), PROTO_TEXT).map((text) => JSON.parse(text)),
)

const PRISTINE = Object.getOwnPropertyNames(Object.prototype).map(
  (n) => [n, Object.getOwnPropertyDescriptor(Object.prototype, n)?.value] as const,
)
const expectUnpolluted = () => {
  const now = Object.getOwnPropertyNames(Object.prototype)
  expect(now).toEqual(PRISTINE.map(([n]) => n))
  for (const [n, v] of PRISTINE)
    expect(Object.getOwnPropertyDescriptor(Object.prototype, n)?.value === v).toBe(true)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
}

const wellFormed = (ps: readonly { path: string; message: string; actual: string }[]) =>
  ps.length > 0 && ps.every((p) => p.path.length > 0 && p.message.length > 0 && p.actual.length <= 80)

// ---- decodeRecordedEvent --------------------------------------------------------------

describe('decodeRecordedEvent on hostile input', () => {
  it('never throws on anything, and a refusal names the problem', () => {
    fc.assert(
      fc.property(hostileValue, (u) => {
        const r = decodeRecordedEvent(u)
        return E.isLeft(r) && wellFormed(r.left)
      }),
      { numRuns: runs(500) },
    )
    expectUnpolluted()
  })

  it('refuses a hostile value put anywhere in a valid event, at that path', () => {
    const mutated = fc
      .constantFrom(...WIRE)
      .chain((event) =>
        fc.record({
          event: fc.constant(event),
          path: fc.constantFrom(...pathsWithRootOf(event).filter((p) => p.length > 0)),
          value: hostileValue,
        }),
      )
      .map(({ event, path, value }) => {
        const copy = structuredClone(event)
        Object.defineProperty(valueAt(copy, path.slice(0, -1)) as object, path.at(-1) as string, {
          value,
          enumerable: true,
          configurable: true,
          writable: true,
        })
        return { copy, path: path.join('.') }
      })
    fc.assert(
      fc.property(mutated, ({ copy, path }) => {
        const r = decodeRecordedEvent(copy)
        if (E.isRight(r)) return true // the new value happened to be valid there
        // Changing what an event is (its type, version or stream) changes how its data reads.
        if (['type', 'version', 'stream'].includes(path)) return wellFormed(r.left)
        return wellFormed(r.left) && r.left.every((p) => p.path === path || p.path.startsWith(`${path}.`))
      }),
      { numRuns: runs(500) },
    )
    expectUnpolluted()
  })

  it('reports unreadable host objects (a getter or a proxy that throws) instead of throwing (regression)', () => {
    const event = structuredClone(WIRE[0]) as Record<string, unknown>
    Object.defineProperty(event, 'data', {
      enumerable: true,
      get: () => {
        throw new Error('boom')
      },
    })
    const revoked = Proxy.revocable({}, {})
    revoked.revoke()
    for (const u of [event, revoked.proxy])
      expect(decodeRecordedEvent(u)).toMatchObject({
        _tag: 'Left',
        left: [{ path: '(root)', message: expect.stringMatching(/could not be read: /) }],
      })
  })
})

// ---- readHistoryFile on generated files -------------------------------------------------

/** A line that is not an event, and names no stream, so that it cannot disturb the sequence checks. */
const junkLine: fc.Arbitrary<string> = fc
  .oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
    fc.string({ unit: 'binary', maxLength: 80 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    fc.constantFrom(
      deepArrayText(DEPTH),
      deepObjectText(DEPTH),
      PROTO_TEXT,
      `"${HUGE}"`,
      `{"id":"${HUGE.slice(0, 100_000)}"}`,
      '{"id":"e1","type":"TicketOpened"',
      '\u0000\u0001',
      '{}',
      '[]',
    ),
  )
  .filter((l) => !l.includes('"stream"'))

/**
 * A valid event with one field made hostile, in a stream of its own and at
 * position -1: never valid, and the sequence check learns nothing from it.
 */
const brokenEventLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...WIRE),
    fc.constantFrom('data', 'actor', 'at', 'id', 'version', 'meta'),
    hostileValue,
  )
  .map(([event, field, value]) => {
    const copy: Record<string, unknown> = { ...event, stream: 'ticket-broken', position: -1 }
    Object.defineProperty(copy, field, { value, enumerable: true, configurable: true, writable: true })
    try {
      return JSON.stringify(copy)
    } catch {
      return JSON.stringify({ ...event, stream: 'ticket-broken', position: -1, [field]: 'unserialisable' })
    }
  })

/** The valid lines, in order, with bad and blank lines put between them. */
const fileArb = (bad: fc.Arbitrary<string>) =>
  fc
    .array(fc.tuple(fc.oneof({ arbitrary: bad, weight: 3 }, fc.constant('')), fc.nat()), {
      maxLength: VALID_LINES.length,
    })
    .map((extra) => {
      const lines = [...VALID_LINES]
      for (const [line, where] of extra) lines.splice(where % (lines.length + 1), 0, line)
      return lines
    })

const readAll = async (source: string | Readable): Promise<HistoryLine[]> => {
  const out: HistoryLine[] = []
  for await (const l of readHistoryFile(source)) out.push(l)
  return out
}

describe('readHistoryFile on hostile files', () => {
  it('reports every bad line by number and path, and still reads every good one', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb(fc.oneof(junkLine, brokenEventLine)), fc.boolean(), async (lines, crlf) => {
        const text = lines.join(crlf ? '\r\n' : '\n')
        const read = await readAll(fileWith(text))
        const expected = lines.flatMap((l, i) =>
          l.trim() === '' ? [] : [{ line: i + 1, valid: VALID_LINES.includes(l) }],
        )
        expect(read.map((r) => r.line)).toEqual(expected.map((e) => e.line))
        read.forEach((r, i) => {
          if (expected[i]?.valid) {
            expect('event' in r, JSON.stringify(r).slice(0, 300)).toBe(true)
          } else {
            expect('problems' in r && wellFormed(r.problems), JSON.stringify(r).slice(0, 300)).toBe(true)
          }
        })
      }),
      { numRuns: runs(60) },
    )
    expectUnpolluted()
  })

  it('reads the same whatever the chunking of the bytes (multi-byte characters cut in two)', async () => {
    const text = Buffer.from(`${VALID_LINES.join('\n')}\n${PROTO_TEXT}\n{"summary":"é€😀"}\nnot json\n`)
    const whole = await readAll(Readable.from([text]))
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 40 }),
        async (cuts) => {
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), text.length]
          const chunks = bounds.slice(1).map((end, i) => text.subarray(bounds[i], end))
          expect(await readAll(Readable.from(chunks))).toEqual(whole)
        },
      ),
      { numRuns: runs(50) },
    )
  })

  it('takes nesting far deeper than 10,000 levels, megabyte lines and broken UTF-8', async () => {
    const depth = STRESS ? 1_000_000 : 100_000
    const event = JSON.parse(VALID_LINES[0] as string) as Record<string, unknown>
    const lines = [
      deepArrayText(depth),
      deepObjectText(depth),
      // A valid envelope whose data nests deeply: named at `data.a`.
      JSON.stringify({ ...event, data: null }).replace('"data":null', `"data":${deepObjectText(DEPTH)}`),
      `{"id":"${HUGE}"}`,
      `"${HUGE}`,
    ]
    const bytes = Buffer.concat([
      Buffer.from(`${lines.join('\n')}\n`),
      Buffer.from([0xff, 0xfe, 0x0a]),
      Buffer.from(PROTO_TEXT),
    ])
    const read = await readAll(fileWith(bytes))
    expect(read.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7])
    for (const r of read) expect('problems' in r && wellFormed(r.problems)).toBe(true)
    expect(read[2]).toMatchObject({
      problems: expect.arrayContaining([expect.objectContaining({ path: 'data.a' })]),
    })
    expect(read[4]).toMatchObject({ problems: [{ message: expect.stringMatching(/not valid JSON/) }] })
    // The last line (without its newline) names its prototype keys as unknown fields.
    expect(read[6]).toMatchObject({
      problems: expect.arrayContaining([expect.objectContaining({ path: '__proto__' })]),
    })
    // A problem never echoes a megabyte back.
    expect(JSON.stringify(read.map((r) => ('problems' in r ? r.problems : []))).length).toBeLessThan(20_000)
    expectUnpolluted()
  })
})

describe('readHistoryFile: regressions', () => {
  it('does not repeat a megabyte "id" in its reports (it is no event id)', async () => {
    const path = fileWith(`{"id":"${HUGE}"}\n{"id":"evt-1"}\n`)
    const read = await readAll(path)
    expect(read[0]).not.toHaveProperty('eventId')
    expect(read[1]).toHaveProperty('eventId', 'evt-1')
    const imported = await importHistory(path, createMemoryStore())()
    expect(E.isLeft(imported) && imported.left.message.length < 5_000).toBe(true)
  })

  it('reports a line JSON.parse gives up on (a RangeError on deep nesting) as a problem of that line', async () => {
    const parse = JSON.parse
    const spy = vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver) => {
      if (text.startsWith('[[[[')) throw new RangeError('Maximum call stack size exceeded')
      return parse(text, reviver)
    })
    try {
      const read = await readAll(fileWith(`${VALID_LINES[0]}\n${deepArrayText(DEPTH)}\n${VALID_LINES[1]}\n`))
      expect(read.map((r) => ('event' in r ? 'event' : r.problems[0]?.message))).toEqual([
        'event',
        'not valid JSON (Maximum call stack size exceeded)',
        'event',
      ])
    } finally {
      spy.mockRestore()
    }
  })
})

// ---- importHistory: all or nothing -------------------------------------------------------

describe('importHistory of a hostile file', () => {
  it('stores nothing when any line is bad, and everything when none is', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb(fc.oneof(junkLine, brokenEventLine)), async (lines) => {
        const store = createMemoryStore()
        const r = await importHistory(fileWith(lines.join('\n')), store)()
        const bad = lines.filter((l) => l.trim() !== '' && !VALID_LINES.includes(l)).length
        if (bad > 0) {
          expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'InvalidHistory', invalidLines: bad } })
          expect(await store.headPosition()()).toEqual(E.right(-1))
        } else {
          expect(r).toMatchObject({ _tag: 'Right', right: { events: VALID_LINES.length } })
        }
      }),
      { numRuns: runs(40) },
    )
    expectUnpolluted()
  })
})
