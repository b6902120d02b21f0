/**
 * The replay read path (issue 6): lines cut from decoded chunks, the batch
 * interface, the sequence check updated in place and the envelope's fast
 * decoding must all answer exactly what the code they replaced answered —
 * same lines, same events, same problems at the same lines — whatever the
 * chunk boundaries, including inside a multi-byte character.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeReport } from '../src/cli/commands/report.js'
import { type FoldedHistory, foldHistory } from '../src/cli/commands/sla.js'
import type { CliIO } from '../src/cli/io.js'
import { simulate } from '../src/cli/simulate/engine.js'
import { type HistorySource, openHistory, STORE_BATCH, sourceOfStore } from '../src/cli/source.js'
import type { DecodeProblem } from '../src/domain/codec.js'
import { decodeParsedEvent, decodeRecordedEvent, type RecordedEvent } from '../src/domain/envelope.js'
import { createMemoryStore } from '../src/store/memory.js'
import {
  createSequenceCheck,
  type HistoryLine,
  historyLine,
  InvalidHistoryLine,
  linesOf,
  type RawLine,
  readHistoryBatches,
  readHistoryFile,
} from '../src/store/ndjson.js'
import { type EventStore, StoreFailure, unavailable } from '../src/store/port.js'
import { mutate, pathsOf, slowed } from './support/json-paths.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-read-path-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const fresh = () => join(dir, `f-${++files}.ndjson`)

/** A simulated history: every kind of event the chain writes, with accents and dashes in its texts. */
let history: string
let lines: string[]
beforeAll(async () => {
  let text = ''
  await simulate({
    seed: 11,
    tickets: 150,
    sink: (e) => {
      text += historyLine(e)
    },
  })
  history = text
  lines = text.split('\n').filter((l) => l !== '')
})

// ---- references: the code before issue 6, kept here to compare with -----------

/** The former `linesOf`: bytes split at each LF, each line decoded on its own. */
const referenceLines = (chunks: readonly (Buffer | string)[]): RawLine[] => {
  const out: RawLine[] = []
  let parts: Buffer[] = []
  let line = 0
  const text = (buf: Buffer): string => {
    let s = buf.toString('utf8')
    if (s.endsWith('\r')) s = s.slice(0, -1)
    if (line === 1 && s.startsWith('\uFEFF')) s = s.slice(1)
    return s
  }
  for (const c of chunks) {
    const chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : c
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      const buf = parts.length === 0 ? piece : Buffer.concat([...parts, piece])
      parts = []
      line += 1
      out.push({ line, text: text(buf), terminated: true })
      start = nl + 1
    }
    if (start < chunk.length) parts.push(Buffer.from(chunk.subarray(start)))
  }
  if (parts.length > 0) {
    line += 1
    out.push({ line, text: text(Buffer.concat(parts)), terminated: false })
  }
  return out
}

/** The former sequence check: a fresh record per event. */
const referenceSequenceCheck = () => {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
  const streams = new Map<string, { revision: number; at: string }>()
  let lastPosition: number | undefined
  return {
    check: (e: RecordedEvent): DecodeProblem[] => {
      const problems: DecodeProblem[] = []
      if (lastPosition !== undefined && e.position <= lastPosition)
        problems.push({
          path: 'position',
          expected: `> ${lastPosition}`,
          actual: String(e.position),
          message: `position ${e.position} is not after the previous line's ${lastPosition}`,
        })
      lastPosition = Math.max(lastPosition ?? -1, e.position)
      const prev = streams.get(e.stream)
      const expected = prev === undefined ? 0 : prev.revision + 1
      if (e.revision !== expected)
        problems.push({
          path: 'revision',
          expected: String(expected),
          actual: String(e.revision),
          message:
            e.revision > expected
              ? `stream ${e.stream}: revision ${e.revision} leaves a gap (expected ${expected})`
              : `stream ${e.stream}: revision ${e.revision} comes again or goes back (expected ${expected})`,
        })
      if (prev !== undefined && e.at < prev.at)
        problems.push({
          path: 'at',
          expected: `≥ ${prev.at}`,
          actual: e.at,
          message: `stream ${e.stream}: at ${e.at} is earlier than the previous event's ${prev.at}`,
        })
      streams.set(e.stream, {
        revision: e.revision,
        at: prev !== undefined && prev.at > e.at ? prev.at : e.at,
      })
      return problems
    },
    skip: (json: unknown): void => {
      if (!isObject(json) || typeof json.stream !== 'string') return
      const { stream, revision, position, at } = json
      if (typeof position === 'number') lastPosition = Math.max(lastPosition ?? -1, position)
      if (typeof revision !== 'number') return
      const prev = streams.get(stream)
      const when = typeof at === 'string' && (prev === undefined || at > prev.at) ? at : (prev?.at ?? '')
      streams.set(stream, { revision, at: when })
    },
  }
}

// ---- helpers ---------------------------------------------------------------------

/** `bytes` cut at the given offsets (any byte, so inside characters too). */
const cut = (bytes: Buffer, offsets: readonly number[]): Buffer[] => {
  const at = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let start = 0
  for (const o of [...at, bytes.length]) {
    if (o > start) out.push(bytes.subarray(start, o))
    start = Math.max(start, o)
  }
  return out
}

const collectLines = async (chunks: readonly (Buffer | string)[]): Promise<RawLine[]> => {
  const out: RawLine[] = []
  for await (const l of linesOf(Readable.from(chunks, { objectMode: true }))) out.push(l)
  return out
}

const collect = async <A>(it: AsyncIterable<A>): Promise<A[]> => {
  const out: A[] = []
  for await (const a of it) out.push(a)
  return out
}

/** What `readHistoryBatches` gives: the batches, and the error it ended with. */
const readBatches = async (source: string | Readable) => {
  const batches: (readonly RecordedEvent[])[] = []
  let error: unknown
  try {
    for await (const b of readHistoryBatches(source)) batches.push(b)
  } catch (err) {
    error = err
  }
  return { batches, error }
}

/** What `readHistoryBatches` must give, from `readHistoryFile`: the events before the first bad line, and that line. */
const expectedBatchReading = (got: readonly HistoryLine[]) => {
  const first = got.findIndex((l) => 'problems' in l)
  const events = (first === -1 ? got : got.slice(0, first)).map((l) => ('event' in l ? l.event : undefined))
  const bad = first === -1 ? undefined : got[first]
  return { events, bad }
}

const sameAsReadHistoryFile = async (chunks: () => Readable) => {
  const lineByLine = await collect(readHistoryFile(chunks()))
  const { events, bad } = expectedBatchReading(lineByLine)
  const { batches, error } = await readBatches(chunks())
  expect(batches.every((b) => b.length > 0)).toBe(true)
  expect(batches.flat()).toEqual(events)
  if (bad === undefined) expect(error).toBeUndefined()
  else {
    expect(error).toBeInstanceOf(InvalidHistoryLine)
    expect((error as InvalidHistoryLine).problem).toEqual(bad)
  }
}

const breakLine = (ls: string[], i: number, how: number): string[] => {
  const out = [...ls]
  const o = JSON.parse(out[i]!) as Record<string, unknown>
  if (how === 0) out[i] = (out[i] ?? '').slice(0, 40)
  else if (how === 1) o.revision = (o.revision as number) + 2
  else if (how === 2) o.data = { ...(o.data as object), unexpected: true }
  else if (how === 3) o.at = '2020-01-01T00:00:00.000Z'
  else if (how === 4) o.position = 0
  else o.type = 'TicketTeleported'
  if (how !== 0) out[i] = JSON.stringify(o)
  return out
}

// ---- lines -------------------------------------------------------------------------

describe('linesOf: lines cut from decoded chunks', () => {
  it('gives the very lines of the former byte splitter, wherever the chunks end', async () => {
    const bytes = Buffer.from(`\uFEFF${lines.slice(0, 40).join('\r\n')}\n\n  \nÉté — ✓ 𝄞 ok\n{"é":1}`, 'utf8')
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 60 }), async (offsets) => {
        const chunks = cut(bytes, offsets)
        expect(await collectLines(chunks)).toEqual(referenceLines(chunks))
      }),
      { numRuns: 150 },
    )
  })

  it('splits a character cut between two chunks as a whole (two, three and four bytes)', async () => {
    const text = 'a\né\n✓\n𝄞\n'
    const bytes = Buffer.from(text, 'utf8')
    for (let i = 1; i < bytes.length; i++) {
      const got = await collectLines([bytes.subarray(0, i), bytes.subarray(i)])
      expect(got.map((l) => l.text)).toEqual(['a', 'é', '✓', '𝄞'])
    }
  })

  it('agrees with the former splitter on any bytes, invalid UTF-8 and string chunks included', async () => {
    const byte = fc.oneof(
      fc.constantFrom(10, 13, 0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xe2, 0x9c, 0x93, 0xf0, 0x9d, 0x84, 0x9e, 0x80),
      fc.integer({ min: 0, max: 255 }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(byte, { maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (bs, offsets) => {
          const chunks = cut(Buffer.from(bs), offsets)
          expect(await collectLines(chunks)).toEqual(referenceLines(chunks))
        },
      ),
      { numRuns: 1_500 },
    )
    const mixed = ['{"a":', Buffer.from('"é"}\n{', 'utf8'), '"b":2}\r\n', Buffer.from([0xe2, 0x9c]), '\n']
    expect(await collectLines(mixed)).toEqual(referenceLines(mixed))
  })

  it('joins a line longer than many chunks once, without a newline in sight', async () => {
    const long = 'x'.repeat(300_000)
    const chunks = cut(Buffer.from(`${long}\n${long}`), [65_536, 131_072, 196_608, 262_144, 300_000, 400_000])
    const got = await collectLines(chunks)
    expect(got.map((l) => [l.line, l.text.length, l.terminated])).toEqual([
      [1, 300_000, true],
      [2, 300_000, false],
    ])
  })
})

// ---- the sequence check ----------------------------------------------------------------

describe('createSequenceCheck, updated in place', () => {
  it('finds the problems the former check found, event after event', () => {
    const event = fc.record({
      stream: fc.constantFrom('ticket-a', 'ticket-b', 'organization'),
      revision: fc.integer({ min: 0, max: 4 }),
      position: fc.integer({ min: 0, max: 12 }),
      at: fc.constantFrom(
        '2026-03-02T09:00:00.000Z',
        '2026-03-02T10:00:00.000Z',
        '2026-03-02T11:00:00.000Z',
        '1969-12-31T23:59:59.999Z',
        '0001-01-01T00:00:00.000Z',
        '9999-12-31T23:59:59.999Z',
      ),
    })
    const step = fc.oneof(
      event.map((e) => ({ check: e })),
      fc
        .record({
          stream: fc.oneof(fc.constantFrom('ticket-a', 'ticket-b'), fc.integer()),
          revision: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constantFrom(1.5, 1e20, -0), fc.string()),
          position: fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constant(null)),
          at: fc.oneof(
            fc.constantFrom(
              '2026-03-02T10:30:00.000Z',
              '2026-03-02T10:30:00Z',
              '2026-03-02T09:59:59.999Z',
              '2026-02-30T10:00:00.000Z',
              'zzz',
              '',
            ),
            fc.integer(),
          ),
        })
        .map((j) => ({ skip: j })),
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const now = createSequenceCheck()
        const before = referenceSequenceCheck()
        for (const s of steps) {
          if ('skip' in s) {
            now.skip(s.skip)
            before.skip(s.skip)
          } else {
            const e = s.check as unknown as RecordedEvent
            expect([...now.check(e)]).toEqual(before.check(e))
          }
        }
      }),
      { numRuns: 4_000 },
    )
  })
})

describe('createSequenceCheck over many streams', () => {
  it('keeps every stream apart past its columns growing', () => {
    const now = createSequenceCheck()
    const before = referenceSequenceCheck()
    const at = (m: number) => new Date(Date.UTC(2026, 2, 2, 8, m)).toISOString()
    let position = 0
    const found: string[] = []
    for (const round of [0, 1, 2])
      for (let i = 0; i < 3000; i++) {
        const e = {
          stream: `ticket-${i}`,
          revision: i === 2500 && round === 2 ? 3 : round,
          position: position++,
          at: at(i === 1700 && round === 1 ? 0 : round * 10 + (i % 7)),
        } as unknown as RecordedEvent
        const got = now.check(e)
        expect([...got]).toEqual(before.check(e))
        for (const p of got) found.push(p.message)
      }
    expect(now.knows('ticket-2999')).toBe(true)
    expect(now.knows('ticket-3000')).toBe(false)
    expect(found).toEqual([
      "stream ticket-1700: at 2026-03-02T08:00:00.000Z is earlier than the previous event's 2026-03-02T08:06:00.000Z",
      'stream ticket-2500: revision 3 leaves a gap (expected 2)',
    ])
  })
})

// ---- decoding ------------------------------------------------------------------------------

describe('decodeRecordedEvent: the envelope fast path', () => {
  it('decodes every event of a simulated history as the slow path does, key order included', () => {
    const types = new Set<string>()
    for (const l of lines) {
      const fast = decodeRecordedEvent(JSON.parse(l))
      const slow = decodeRecordedEvent(slowed(JSON.parse(l)))
      if (isLeft(fast) || isLeft(slow)) throw new Error(`${l} does not decode`)
      expect(JSON.stringify(fast.right)).toBe(JSON.stringify(slow.right))
      expect(fast.right).toEqual(slow.right)
      expect(Object.keys(fast.right)).toEqual(Object.keys(slow.right))
      types.add(fast.right.type)
    }
    expect(types.size).toBeGreaterThan(15)
  })

  it('refuses what the slow path refuses, with its problems', () => {
    const base = JSON.parse(lines.find((l) => l.includes('"TicketOpened"'))!) as Record<string, unknown>
    const variants: unknown[] = [
      { ...base, stream: 'organization' },
      { ...base, stream: 'ticket-' },
      { ...base, version: 2 },
      { ...base, version: 0 },
      { ...base, type: 'toString' },
      { ...base, type: '__proto__' },
      { ...base, meta: undefined },
      { ...base, meta: [] },
      { ...base, actor: { id: 'x', role: 'wizard' } },
      { ...base, at: '2026-02-30T00:00:00.000Z' },
      { ...base, revision: 1.5 },
      { ...base, position: -1 },
      { ...base, extra: 1 },
      Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'data')),
      Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'meta')),
    ]
    for (const v of variants) {
      const fast = decodeRecordedEvent(v)
      const slow = decodeRecordedEvent(slowed(v))
      expect(fast).toEqual(slow)
    }
  })
})

describe('decodeParsedEvent: a parsed line given up, returned itself when it already is the event', () => {
  it('returns the parsed line itself for lines written by toWire, and the same value as the slow path', () => {
    let itself = 0
    for (const l of lines) {
      const json = JSON.parse(l) as object
      const owned = decodeParsedEvent(json)
      const slow = decodeRecordedEvent(slowed(JSON.parse(l)))
      if (isLeft(owned) || isLeft(slow)) throw new Error(`${l} does not decode`)
      expect(JSON.stringify(owned.right)).toBe(JSON.stringify(slow.right))
      expect(owned.right).toEqual(slow.right)
      if (owned.right === json) itself++
    }
    // Every line but those that lack meta or need an upcast.
    expect(itself).toBeGreaterThan(lines.length * 0.9)
    // decodeRecordedEvent never returns its input.
    const json = JSON.parse(lines[lines.length - 1]!) as object
    const copy = decodeRecordedEvent(json)
    expect(isLeft(copy) || copy.right !== json).toBe(true)
  })

  it('answers what the slow path answers on any change of any line: values, keys, order', () => {
    const picked = lines.filter((_, i) => i % 37 === 0).map((l) => JSON.parse(l) as unknown)
    const cases = picked.flatMap((e) => pathsOf(e).map((p) => [e, p] as const))
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.constantFrom('replace', 'remove', 'add', 'reorder'),
        fc.jsonValue(),
        ([e, path], change, v) => {
          // Through JSON text, as a line is read (a removed array item becomes null).
          const text = JSON.stringify(mutate(e, path, change, v))
          const owned = decodeParsedEvent(JSON.parse(text))
          const slow = decodeRecordedEvent(slowed(JSON.parse(text)))
          expect(owned._tag).toBe(slow._tag)
          if (owned._tag === 'Right' && slow._tag === 'Right') {
            expect(JSON.stringify(owned.right)).toBe(JSON.stringify(slow.right))
            expect(owned.right).toEqual(slow.right)
          } else expect(owned).toEqual(slow)
        },
      ),
      { numRuns: 3_000 },
    )
  })
})

// ---- batches ------------------------------------------------------------------------------------

describe('readHistoryBatches', () => {
  it('yields the events of readHistoryFile, in order, a chunk at a time', async () => {
    const file = fresh()
    writeFileSync(file, history)
    const { batches, error } = await readBatches(file)
    expect(error).toBeUndefined()
    expect(batches.length).toBeGreaterThan(1)
    const lineByLine = await collect(readHistoryFile(file))
    expect(batches.flat()).toEqual(lineByLine.map((l) => ('event' in l ? l.event : l)))
  })

  it('stops at the first bad line as readHistoryFile reports it, whatever the chunks', async () => {
    const ls = lines.slice(0, 120)
    const text = (broken: string[]) => `\uFEFF${broken.join('\n')}\n\n  \n`
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: ls.length - 1 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (i, how, offsets) => {
          const bytes = Buffer.from(text(breakLine(ls, i, how)), 'utf8')
          const chunks = cut(bytes, offsets)
          await sameAsReadHistoryFile(() => Readable.from(chunks, { objectMode: true }))
        },
      ),
      { numRuns: 60 },
    )
    // Valid, and cut inside characters.
    const valid = Buffer.from(text(ls), 'utf8')
    const accent = valid.indexOf(Buffer.from('é', 'utf8'))
    expect(accent).toBeGreaterThan(0)
    await sameAsReadHistoryFile(() => Readable.from(cut(valid, [accent + 1, 7, 9000]), { objectMode: true }))
  })

  it('ends a truncated file on its last line, after every event before it', async () => {
    const file = fresh()
    writeFileSync(file, `${lines.slice(0, 30).join('\n')}\n${lines[30]!.slice(0, 50)}`)
    const { batches, error } = await readBatches(file)
    expect(batches.flat()).toHaveLength(30)
    expect((error as InvalidHistoryLine).problem).toMatchObject({
      line: 31,
      problems: [{ path: '(line)', message: 'truncated: the file ends in the middle of this line' }],
    })
  })

  it('throws HistoryFileFailure when the file cannot be read', async () => {
    const { error } = await readBatches(join(dir, 'missing.ndjson'))
    expect(error).toMatchObject({ name: 'HistoryFileFailure', error: { _tag: 'HistoryFileError' } })
  })
})

// ---- HistorySource.batches ------------------------------------------------------------------------

const discard = () =>
  new Writable({
    write: (_c, _e, done) => {
      done()
    },
  })
const ioOf = (stdin: Readable = Readable.from([])): CliIO => ({
  stdout: discard(),
  stderr: discard(),
  stdin: stdin as CliIO['stdin'],
  env: {},
})

/** Events and error message of each way of reading a source. */
const bothWays = async (open: () => Promise<HistorySource>) => {
  const viaEvents: RecordedEvent[] = []
  let eventsError: string | undefined
  try {
    for await (const e of (await open()).events()) viaEvents.push(e)
  } catch (err) {
    eventsError = (err as Error).message
  }
  const batches: (readonly RecordedEvent[])[] = []
  let batchesError: string | undefined
  try {
    for await (const b of (await open()).batches()) batches.push(b)
  } catch (err) {
    batchesError = (err as Error).message
  }
  return { viaEvents, eventsError, batches, batchesError }
}

describe('HistorySource.batches', () => {
  it('gives what events() gives from a file, valid or broken, with the same error', async () => {
    for (const broken of [lines, breakLine(lines, 200, 1), breakLine(lines, 7, 0), breakLine(lines, 0, 5)]) {
      const file = fresh()
      writeFileSync(file, `${broken.join('\n')}\n`)
      const r = await bothWays(() => openHistory('report', file, undefined, ioOf()))
      expect(r.batches.flat()).toEqual(r.viaEvents)
      expect(r.batchesError).toBe(r.eventsError)
      expect(r.batches.every((b) => b.length > 0)).toBe(true)
      if (broken !== lines) expect(r.eventsError).toMatch(new RegExp(`^${file} line \\d+`))
    }
    const stdin = () => Readable.from([Buffer.from(history.slice(0, 5000)), Buffer.from(history.slice(5000))])
    const viaStdin = await collect((await openHistory('report', '-', undefined, ioOf(stdin()))).batches())
    expect(viaStdin.flat()).toHaveLength(lines.length)
  })

  it('gives what events() gives from a store, in arrays of at most STORE_BATCH', async () => {
    const source = fresh()
    writeFileSync(source, history)
    const events = (await collect(readHistoryFile(source))).map((l) => ('event' in l ? l.event : undefined))
    const store = createMemoryStore()
    const imported = await store.importAtomically(events as never)()
    expect(isLeft(imported)).toBe(false)
    const fromStore = async (s: EventStore) => sourceOfStore(s, 'the store')
    const r = await bothWays(() => fromStore(store))
    expect(r.batches.flat()).toEqual(r.viaEvents)
    expect(r.viaEvents).toHaveLength(lines.length)
    expect(Math.max(...r.batches.map((b) => b.length))).toBe(STORE_BATCH)
    expect(r.batchesError).toBeUndefined()

    // A store failing after 700 events: both ways see those 700, then the same error.
    const failing: EventStore = {
      ...store,
      readAll: (options) =>
        (async function* () {
          let n = 0
          for await (const e of store.readAll(options)) {
            if (++n > 700) throw new StoreFailure(unavailable('the disk went away'))
            yield e
          }
        })(),
    }
    const f = await bothWays(() => fromStore(failing))
    expect(f.viaEvents).toHaveLength(700)
    expect(f.batches.flat()).toEqual(f.viaEvents)
    expect(f.batchesError).toBe(f.eventsError)
    expect(f.eventsError).toContain('the disk went away')
  })

  it("hands a file's index of stream names to the report's fold, which keeps its archive there and reports as from a store", async () => {
    // Long enough for the fold to archive: more than its 4,096 events between sweeps, over weeks.
    let text = ''
    await simulate({
      seed: 12,
      tickets: 1_200,
      sink: (e) => {
        text += historyLine(e)
      },
    })
    const file = fresh()
    writeFileSync(file, text)
    const events = (await collect(readHistoryFile(file))).map((l) => ('event' in l ? l.event : undefined))
    const store = createMemoryStore()
    expect(isLeft(await store.importAtomically(events as never)())).toBe(false)
    const options = { withQuality: true, label: 'reading' }
    const fromFile = await foldHistory(await openHistory('report', file, undefined, ioOf()), ioOf(), options)
    const fromStore = await foldHistory(sourceOfStore(store, 'the store'), ioOf(), options)
    const archive = fromFile.report?.archive
    expect(archive?.count).toBeGreaterThan(0)
    // The reader numbered every stream once; the fold found each ticket there and added none.
    expect(archive?.streams.nextRow).toBe(new Set(events.map((e) => e?.stream)).size)
    // From a store, nobody reads ahead: the fold numbers the tickets' streams itself.
    expect(fromStore.report?.archive?.count).toBe(archive?.count)
    const printed = (f: FoldedHistory) => JSON.stringify(computeReport(f, {}, undefined, { series: true }))
    expect(printed(fromFile)).toBe(printed(fromStore))
  })
})
