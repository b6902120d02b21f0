import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import type { EventToAppend, RecordedEvent } from '../src/domain/envelope.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { EventToImport } from '../src/store/port.js'
import { runStoreConformance, ticketEvents, ticketOpened, userInformed } from './support/store-conformance.js'

runStoreConformance({ name: 'in-memory', open: async () => createMemoryStore() })

const importing = (stream: string, events: readonly EventToAppend[], from = 0): EventToImport[] =>
  events.map((e, i) => ({ ...e, stream, revision: from + i }))

async function* iterate<A>(items: readonly A[], failAfter?: number): AsyncGenerator<A> {
  for (const [i, x] of items.entries()) {
    if (i === failAfter) throw new Error('the file became unreadable')
    yield x
  }
}

describe('in-memory store', () => {
  it('starts empty, at head position -1, and numbers positions from 0', async () => {
    const store = createMemoryStore()
    expect(await store.headPosition()()).toEqual({ _tag: 'Right', right: -1 })
    const r = await store.append('ticket-1', ticketEvents('ticket-1', 2), 'no-stream')()
    expect(r).toEqual({ _tag: 'Right', right: { nextExpectedRevision: 1, position: 1 } })
  })

  it('refuses an event whose data does not match its type, naming the field, and stores nothing', async () => {
    const store = createMemoryStore()
    const bad = { ...userInformed(1), data: { kind: 'gossip', message: 'hi' } } as unknown as EventToAppend
    const r = await store.append('ticket-1', [ticketOpened('1'), bad], 'no-stream')()
    expect(isLeft(r) && r.left._tag).toBe('InvalidEvent')
    expect(isLeft(r) && r.left.message).toContain('data.kind')
    expect(await store.headPosition()()).toEqual({ _tag: 'Right', right: -1 })
  })

  it('refuses an event in a stream of the wrong category', async () => {
    const store = createMemoryStore()
    const r = await store.append('knowledge-1', [ticketOpened('1')], 'no-stream')()
    expect(isLeft(r) && r.left.message).toMatch(/TicketOpened belongs to a ticket stream/)
  })

  it('refuses an event id already stored in another stream', async () => {
    const store = createMemoryStore()
    const e = ticketOpened('1')
    await store.append('ticket-1', [e], 'no-stream')()
    const r = await store.append('ticket-2', [e], 'no-stream')()
    expect(isLeft(r) && r.left).toMatchObject({ _tag: 'InvalidEvent' })
    expect(isLeft(r) && r.left.message).toContain('already stored (stream ticket-1, revision 0)')
  })

  it('takes a re-append with `any` of events stored in that stream as a retry', async () => {
    const store = createMemoryStore()
    const events = ticketEvents('ticket-1', 2)
    await store.append('ticket-1', events, 'any')()
    await store.append('ticket-1', ticketEvents('ticket-1', 1, 2), 'any')()
    const again = await store.append('ticket-1', events, 'any')()
    expect(again).toEqual({ _tag: 'Right', right: { nextExpectedRevision: 1, position: 1 } })
    const read = await store.readStream('ticket-1')()
    expect(isRight(read) && read.right.length).toBe(3)
  })

  it('upcasts an older event version on append', async () => {
    const store = createMemoryStore()
    const v1 = {
      id: 'p-1',
      type: 'SupportPolicySet',
      version: 1,
      at: '2026-01-05T08:00:00.000Z',
      actor: { id: 'm-1', role: 'manager' },
      data: { escalationDelays: { office: 'PT2H' }, resolutionTargets: { P1: 'PT4H' } },
      meta: {},
    } as unknown as EventToAppend
    await store.append('organization', [v1], 'no-stream')()
    const read = await store.readStream('organization')()
    const e = isRight(read) ? read.right[0] : undefined
    expect(e?.version).toBe(2)
    expect(e?.data).toMatchObject({ responseTarget: 'PT4H', majorIncidentBulletinTarget: 'PT24H' })
  })

  describe('atomic import', () => {
    it('stores several streams in order, with the given revisions', async () => {
      const store = createMemoryStore()
      await store.append('ticket-1', ticketEvents('ticket-1', 1), 'no-stream')()
      const items = [
        ...importing('ticket-1', ticketEvents('ticket-1', 2, 1), 1),
        ...importing('ticket-2', ticketEvents('ticket-2', 2)),
      ]
      const r = await store.importAtomically(iterate(items))()
      expect(r).toEqual({ _tag: 'Right', right: { events: 4, lastPosition: 4 } })
      const all: RecordedEvent[] = []
      for await (const e of store.readAll()) all.push(e)
      expect(all.map((e) => `${e.stream}@${e.revision}#${e.position}`)).toEqual([
        'ticket-1@0#0',
        'ticket-1@1#1',
        'ticket-1@2#2',
        'ticket-2@0#3',
        'ticket-2@1#4',
      ])
    })

    it.each([
      ['a revision that does not follow the stream', 'ConcurrencyConflict'],
      ['an invalid event', 'InvalidEvent'],
      ['an iterable that fails', 'StoreUnavailable'],
    ])('stores nothing on %s', async (what, tag) => {
      const store = createMemoryStore()
      await store.append('ticket-1', ticketEvents('ticket-1', 1), 'no-stream')()
      const good = importing('ticket-2', ticketEvents('ticket-2', 3))
      const items =
        what === 'a revision that does not follow the stream'
          ? [...good, ...importing('ticket-1', ticketEvents('ticket-1', 1, 2), 2)]
          : what === 'an invalid event'
            ? [...good, { ...good[2]!, id: 'x', revision: 3, at: 'yesterday' } as unknown as EventToImport]
            : good
      const r = await store.importAtomically(
        iterate(items, what === 'an iterable that fails' ? 2 : undefined),
      )()
      expect(isLeft(r) && r.left._tag).toBe(tag)
      expect(await store.headPosition()()).toEqual({ _tag: 'Right', right: 0 })
      expect(await store.readStream('ticket-2')()).toEqual({ _tag: 'Right', right: [] })
    })
  })

  describe('subscriptions', () => {
    it('reports a failing handler to onError and stops', async () => {
      const store = createMemoryStore()
      await store.append('ticket-1', ticketEvents('ticket-1', 3), 'no-stream')()
      const seen: number[] = []
      const failure = new Promise<unknown>((resolve) => {
        store.subscribe(
          (e) => {
            if (e.revision === 1) throw new Error('projection bug')
            seen.push(e.revision)
          },
          { onError: resolve },
        )
      })
      expect(String(await failure)).toContain('projection bug')
      expect(seen).toEqual([0])
    })

    it('resolves caughtUp even when closed before catching up', async () => {
      const store = createMemoryStore()
      await store.append('ticket-1', ticketEvents('ticket-1', 3), 'no-stream')()
      let release!: () => void
      const blocked = new Promise<void>((r) => {
        release = r
      })
      let calls = 0
      const sub = store.subscribe(() => {
        calls += 1
        return blocked
      })
      const closing = sub.close()
      release()
      await closing
      await sub.caughtUp // would hang forever if a closed subscription left it pending
      expect(calls).toBeLessThanOrEqual(1)
    })

    it('is closed by dispose', async () => {
      const store = createMemoryStore()
      const seen: RecordedEvent[] = []
      const sub = store.subscribe((e) => {
        seen.push(e)
      })
      await sub.caughtUp
      await store.dispose()
      await sub.close()
      const r = await store.append('ticket-1', ticketEvents('ticket-1', 1), 'no-stream')()
      expect(isLeft(r) && r.left._tag).toBe('StoreUnavailable')
      expect(seen).toEqual([])
    })
  })
})
