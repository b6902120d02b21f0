/**
 * The conformance suite every EventStore adapter passes (in-memory, SQLite,
 * EventStoreDB). It runs unchanged against a shared server: every test uses
 * its own streams (random names), reads `readAll` from the head it saw before
 * writing and keeps only its own streams, and never assumes positions start at
 * 0 or are contiguous.
 */
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { IsoInstant } from '../../src/domain/codec.js'
import type { EventToAppend, RecordedEvent } from '../../src/domain/envelope.js'
import type { EventStore, ExpectedRevision, StoreError } from '../../src/store/port.js'

export interface ConformanceTarget {
  readonly name: string
  /** A fresh, empty store each call. */
  readonly open: () => Promise<EventStore>
  /** Reason to skip; when set, it is printed and the suite skipped. */
  readonly skip?: string
}

// ---- fixtures ----------------------------------------------------------------

const T0 = Date.parse('2026-03-02T09:15:00.000Z')
const instant = (minutes: number): IsoInstant => new Date(T0 + minutes * 60_000).toISOString() as IsoInstant
const meta = () => ({
  commandId: randomUUID(),
  correlationId: randomUUID(),
  causationId: randomUUID(),
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
})

export const ticketOpened = (ticketId: string, minute = 0): EventToAppend => ({
  id: randomUUID(),
  type: 'TicketOpened',
  version: 1,
  at: instant(minute),
  actor: { id: 'agent-12', role: 'assistance' },
  data: {
    ticketId,
    requesterId: 'user-7',
    siteId: 'site-paris',
    workstationType: 'laptop',
    deskId: 'desk-1',
    channel: 'phone',
    summary: 'The printer on floor 3 prints blank pages',
  },
  meta: meta(),
})

export const userInformed = (minute: number, message = `progress ${minute}`): EventToAppend => ({
  id: randomUUID(),
  type: 'UserInformed',
  version: 1,
  at: instant(minute),
  actor: { id: 'agent-12', role: 'office-technician' },
  data: { kind: 'progress', message },
  meta: meta(),
})

const articlePublished = (articleId: string, minute = 0): EventToAppend => ({
  id: randomUUID(),
  type: 'KnowledgeArticlePublished',
  version: 1,
  at: instant(minute),
  actor: { id: 'agent-12', role: 'business-support' },
  data: {
    articleId,
    title: 'Reset a print queue',
    domain: 'office',
    workstationTypes: ['laptop'],
    body: '…',
  },
  meta: {},
})

/** `count` valid events of a ticket stream, starting at `from` (0: opens the ticket). */
export const ticketEvents = (stream: string, count: number, from = 0): EventToAppend[] =>
  Array.from({ length: count }, (_, i) =>
    from + i === 0 ? ticketOpened(stream.slice('ticket-'.length), 0) : userInformed(from + i),
  )

const articleEvents = (stream: string, count: number): EventToAppend[] =>
  Array.from({ length: count }, (_, i) =>
    i === 0
      ? articlePublished(stream.slice('knowledge-'.length))
      : {
          id: randomUUID(),
          type: 'KnowledgeArticleRevised',
          version: 1,
          at: instant(i),
          actor: { id: 'agent-12', role: 'business-support' },
          data: { body: `revision ${i}` },
          meta: {},
        },
  )

/** Names nobody else uses, so that a shared server does not mix tests. */
const group = () => `-conf-${randomUUID()}-`

// ---- helpers -----------------------------------------------------------------

const right = async <A>(te: TaskEither<StoreError, A>): Promise<A> => {
  const r = await te()
  if (isLeft(r)) throw new Error(`expected success, got ${r.left._tag}: ${r.left.message}`)
  return r.right
}
const refusal = async <A>(te: TaskEither<StoreError, A>): Promise<StoreError> => {
  const r = await te()
  if (!isLeft(r)) throw new Error(`expected a refusal, got ${JSON.stringify(r.right)}`)
  return r.left
}

const ofStreams = async (
  it: AsyncIterable<RecordedEvent>,
  streams: readonly string[],
): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of it) if (streams.includes(e.stream)) out.push(e)
  return out
}

/** A subscription handler that lets a test wait for the n-th event without sleeping. */
const receiver = () => {
  const got: RecordedEvent[] = []
  const waiting: { n: number; resolve: () => void }[] = []
  return {
    got,
    handler: (e: RecordedEvent) => {
      got.push(e)
      for (const w of [...waiting])
        if (got.length >= w.n) {
          waiting.splice(waiting.indexOf(w), 1)
          w.resolve()
        }
    },
    until: (n: number) =>
      got.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve })),
  }
}

const expectIncreasing = (positions: readonly number[]) => {
  for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]!)
}

// ---- the suite ---------------------------------------------------------------

/** One append of a model-based test: to stream 0, 1 or 2, expecting a revision, or replaying its last events. */
export interface AppendOp {
  readonly stream: number
  readonly count: number
  readonly expected: ExpectedRevision
  readonly replay: boolean
}

/** Appends for model-based tests, expected revisions up to `maxRevision`. */
export const appendOpArb = (maxRevision: number): fc.Arbitrary<AppendOp> =>
  fc.record({
    stream: fc.integer({ min: 0, max: 2 }),
    count: fc.integer({ min: 1, max: 3 }),
    expected: fc.oneof(
      fc.constantFrom<ExpectedRevision>('any', 'no-stream', 'exists'),
      fc.integer({ min: -1, max: maxRevision }),
    ),
    replay: fc.boolean(),
  })

export const runStoreConformance = (target: ConformanceTarget): void => {
  if (target.skip !== undefined) {
    console.info(`store conformance (${target.name}) skipped: ${target.skip}`)
    describe(`store conformance: ${target.name}`, () => {
      it.skip(`skipped: ${target.skip}`, () => {})
    })
    return
  }

  describe(`store conformance: ${target.name}`, () => {
    let store: EventStore
    beforeEach(async () => {
      store = await target.open()
    })
    afterEach(async () => {
      await store.dispose()
    })

    it('gives back every envelope field of what was appended', async () => {
      const stream = `ticket${group()}t`
      const events = [...ticketEvents(stream, 3), { ...userInformed(9), meta: {} }]
      const head0 = await right(store.headPosition())
      const r = await right(store.append(stream, events, 'no-stream'))
      expect(r.nextExpectedRevision).toBe(3)

      const read = await right(store.readStream(stream))
      expect(read).toHaveLength(4)
      read.forEach((got, i) => {
        const sent = events[i]!
        expect(got).toEqual({
          id: sent.id,
          stream,
          revision: i,
          position: expect.any(Number),
          type: sent.type,
          version: sent.version,
          at: sent.at,
          actor: sent.actor,
          data: sent.data,
          meta: sent.meta,
        })
      })
      expectIncreasing(read.map((e) => e.position))
      expect(read[3]!.position).toBe(r.position)

      const viaAll = await ofStreams(store.readAll({ after: head0 }), [stream])
      expect(viaAll).toEqual(read)
    })

    describe('expected revision', () => {
      it('no-stream: only a stream that does not exist yet', async () => {
        const stream = `ticket${group()}t`
        await right(store.append(stream, ticketEvents(stream, 1), 'no-stream'))
        const c = await refusal(store.append(stream, ticketEvents(stream, 1, 1), 'no-stream'))
        expect(c).toMatchObject({ _tag: 'ConcurrencyConflict', stream, expected: 'no-stream', actual: 0 })
        expect(c.message).toContain(stream)
      })

      it('exists: only a stream that has events', async () => {
        const stream = `ticket${group()}t`
        const c = await refusal(store.append(stream, ticketEvents(stream, 1), 'exists'))
        expect(c).toMatchObject({ _tag: 'ConcurrencyConflict', stream, expected: 'exists', actual: -1 })
        expect(await right(store.readStream(stream))).toEqual([])
        await right(store.append(stream, ticketEvents(stream, 1), 'no-stream'))
        const r = await right(store.append(stream, ticketEvents(stream, 2, 1), 'exists'))
        expect(r.nextExpectedRevision).toBe(2)
      })

      it('an exact revision: only when it is the last one', async () => {
        const stream = `ticket${group()}t`
        const missing = await refusal(store.append(stream, ticketEvents(stream, 1), 0))
        expect(missing).toMatchObject({ _tag: 'ConcurrencyConflict', stream, expected: 0, actual: -1 })
        await right(store.append(stream, ticketEvents(stream, 2), 'no-stream'))
        const stale = await refusal(store.append(stream, ticketEvents(stream, 1, 2), 0))
        expect(stale).toMatchObject({ _tag: 'ConcurrencyConflict', stream, expected: 0, actual: 1 })
        const ahead = await refusal(store.append(stream, ticketEvents(stream, 1, 2), 5))
        expect(ahead).toMatchObject({ _tag: 'ConcurrencyConflict', stream, expected: 5, actual: 1 })
        const r = await right(store.append(stream, ticketEvents(stream, 1, 2), 1))
        expect(r.nextExpectedRevision).toBe(2)
        expect((await right(store.readStream(stream))).map((e) => e.revision)).toEqual([0, 1, 2])
      })

      it('any: whatever the stream holds', async () => {
        const stream = `ticket${group()}t`
        expect((await right(store.append(stream, ticketEvents(stream, 1), 'any'))).nextExpectedRevision).toBe(
          0,
        )
        expect(
          (await right(store.append(stream, ticketEvents(stream, 2, 1), 'any'))).nextExpectedRevision,
        ).toBe(2)
      })
    })

    it('stores all the events of an append or none of them', async () => {
      const stream = `ticket${group()}t`
      const [a, b] = ticketEvents(stream, 2)
      const failed = await refusal(
        store.append(stream, [a!, b!, { ...userInformed(3), id: a!.id }], 'no-stream'),
      )
      expect(failed._tag).toBe('InvalidEvent')
      expect(await right(store.readStream(stream))).toEqual([])

      await right(store.append(stream, [a!, b!], 'no-stream'))
      const c = userInformed(4)
      const again = await refusal(store.append(stream, [c, { ...userInformed(5), id: c.id }], 1))
      expect(again._tag).toBe('InvalidEvent')
      expect((await right(store.readStream(stream))).map((e) => e.id)).toEqual([a!.id, b!.id])
    })

    it('keeps one global order, and reads all after a position', async () => {
      const g = group()
      const [s1, s2] = [`ticket${g}a`, `ticket${g}b`]
      const head0 = await right(store.headPosition())
      const a = ticketEvents(s1, 3)
      const b = ticketEvents(s2, 2)
      await right(store.append(s1, a.slice(0, 2), 'no-stream'))
      await right(store.append(s2, b, 'no-stream'))
      await right(store.append(s1, a.slice(2), 1))

      const all = await ofStreams(store.readAll({ after: head0 }), [s1, s2])
      expect(all.map((e) => e.id)).toEqual([a[0]!.id, a[1]!.id, b[0]!.id, b[1]!.id, a[2]!.id])
      expectIncreasing(all.map((e) => e.position))
      for (const e of all) expect(e.position).toBeGreaterThan(head0)

      const tail = await ofStreams(store.readAll({ after: all[2]!.position }), [s1, s2])
      expect(tail.map((e) => e.id)).toEqual([b[1]!.id, a[2]!.id])
      expect(await ofStreams(store.readAll({ after: all[4]!.position }), [s1, s2])).toEqual([])
    })

    it('reads all of the streams with given prefixes', async () => {
      const g = group()
      const [t1, k1, t2] = [`ticket${g}a`, `knowledge${g}b`, `ticket${g}c`]
      const head0 = await right(store.headPosition())
      await right(store.append(t1, ticketEvents(t1, 2), 'no-stream'))
      await right(store.append(k1, articleEvents(k1, 2), 'no-stream'))
      await right(store.append(t2, ticketEvents(t2, 1), 'no-stream'))

      const streamsOf = async (prefixes: readonly string[]) => {
        const out: string[] = []
        for await (const e of store.readAll({ after: head0, streamPrefixes: prefixes })) {
          expect(prefixes.some((p) => e.stream.startsWith(p))).toBe(true)
          if ([t1, k1, t2].includes(e.stream)) out.push(`${e.stream}@${e.revision}`)
        }
        return out
      }
      expect(await streamsOf([`knowledge${g}`])).toEqual([`${k1}@0`, `${k1}@1`])
      expect(await streamsOf([`ticket${g}`])).toEqual([`${t1}@0`, `${t1}@1`, `${t2}@0`])
      expect(await streamsOf([`ticket${g}c`, `knowledge${g}`])).toEqual([`${k1}@0`, `${k1}@1`, `${t2}@0`])
    })

    it('reads a stream from a revision', async () => {
      const stream = `ticket${group()}t`
      await right(store.append(stream, ticketEvents(stream, 5), 'no-stream'))
      const from2 = await right(store.readStream(stream, { fromRevision: 2 }))
      expect(from2.map((e) => e.revision)).toEqual([2, 3, 4])
      expect(await right(store.readStream(stream, { fromRevision: 5 }))).toEqual([])
      expect(await right(store.readStream(`ticket${group()}none`))).toEqual([])
    })

    it('delivers a subscription in order, catching up then live, and resumes from a checkpoint', async () => {
      const g = group()
      const [s1, s2] = [`ticket${g}a`, `ticket${g}b`]
      const head0 = await right(store.headPosition())
      const a = ticketEvents(s1, 7)
      await right(store.append(s1, a.slice(0, 3), 'no-stream'))

      const first = receiver()
      const sub = store.subscribe(first.handler, { after: head0, streamPrefixes: [`ticket${g}`] })
      await sub.caughtUp
      expect(first.got.map((e) => e.id)).toEqual(a.slice(0, 3).map((e) => e.id))

      const b = ticketEvents(s2, 1)
      await right(store.append(s1, a.slice(3, 5), 2))
      await right(store.append(s2, b, 'no-stream'))
      await first.until(6)
      await sub.close()
      expect(first.got.map((e) => e.id)).toEqual([...a.slice(0, 5), ...b].map((e) => e.id))
      expectIncreasing(first.got.map((e) => e.position))

      // Appended while nobody listens, then resumed from the last position seen.
      await right(store.append(s1, a.slice(5, 6), 4))
      const checkpoint = first.got[first.got.length - 1]!.position
      const second = receiver()
      const resumed = store.subscribe(second.handler, { after: checkpoint, streamPrefixes: [`ticket${g}`] })
      await resumed.caughtUp
      await right(store.append(s1, a.slice(6), 5))
      await second.until(2)
      await resumed.close()
      expect(second.got.map((e) => e.id)).toEqual(a.slice(5).map((e) => e.id))
      expect(first.got.length).toBe(6)
    })

    it('takes the re-append of stored events at the same revisions as an idempotent success', async () => {
      const stream = `ticket${group()}t`
      const batch1 = ticketEvents(stream, 2)
      const r1 = await right(store.append(stream, batch1, 'no-stream'))
      const again = await right(store.append(stream, batch1, 'no-stream'))
      expect(again.nextExpectedRevision).toBe(r1.nextExpectedRevision)

      const batch2 = ticketEvents(stream, 2, 2)
      await right(store.append(stream, batch2, 1))
      await right(store.append(stream, batch2, 1))
      // Still a retry after the stream moved on.
      await right(store.append(stream, batch1, 'no-stream'))
      expect((await right(store.readStream(stream))).map((e) => e.id)).toEqual(
        [...batch1, ...batch2].map((e) => e.id),
      )
    })

    it('lets exactly one of concurrent writers from the same revision win', async () => {
      const stream = `ticket${group()}t`
      await right(store.append(stream, ticketEvents(stream, 1), 'no-stream'))
      const candidates = Array.from({ length: 10 }, (_, i) => userInformed(i + 1, `writer ${i}`))
      const results = await Promise.all(candidates.map((e) => store.append(stream, [e], 0)()))
      const winners = results.flatMap((r, i) => (isLeft(r) ? [] : [i]))
      expect(winners).toHaveLength(1)
      for (const r of results)
        if (isLeft(r))
          expect(r.left).toMatchObject({ _tag: 'ConcurrencyConflict', stream, expected: 0, actual: 1 })
      const read = await right(store.readStream(stream))
      expect(read.map((e) => e.id)).toEqual([read[0]!.id, candidates[winners[0]!]!.id])
    })

    it('reports the head position', async () => {
      const stream = `ticket${group()}t`
      const head0 = await right(store.headPosition())
      expect(head0).toBeGreaterThanOrEqual(-1)
      const r = await right(store.append(stream, ticketEvents(stream, 2), 'no-stream'))
      const head1 = await right(store.headPosition())
      expect(r.position).toBeGreaterThan(head0)
      expect(head1).toBeGreaterThanOrEqual(r.position)
    })

    it('releases everything on dispose, and refuses work afterwards', async () => {
      const own = await target.open()
      const g = group()
      const stream = `ticket${g}t`
      const rec = receiver()
      const sub = own.subscribe(rec.handler, { streamPrefixes: [`ticket${g}`] })
      await sub.caughtUp
      await right(own.append(stream, ticketEvents(stream, 1), 'no-stream'))
      await rec.until(1)
      await own.dispose()
      await own.dispose()
      await sub.close()
      const after = await own.append(stream, ticketEvents(stream, 1, 1), 0)()
      expect(isLeft(after) && after.left._tag).toBe('StoreUnavailable')
      expect(rec.got).toHaveLength(1)
    })
  })
}
