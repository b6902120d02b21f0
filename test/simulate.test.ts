import { createHash } from 'node:crypto'
import { isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { simulate } from '../src/cli/simulate/engine.js'
import { createIdGenerator, createRandom, type Random } from '../src/cli/simulate/random.js'
import { createSimulationStore } from '../src/cli/simulate/store.js'
import type { EventToAppend, RecordedEvent } from '../src/domain/envelope.js'
import { decodeRecordedEvent } from '../src/domain/envelope.js'
import { historyLine } from '../src/store/ndjson.js'

const run = async (seed: number, tickets: number) => {
  const hash = createHash('sha256')
  const types = new Map<string, number>()
  let lines = 0
  const summary = await simulate({
    seed,
    tickets,
    sink: (e) => {
      const line = historyLine(e)
      hash.update(line)
      lines++
      types.set(e.type, (types.get(e.type) ?? 0) + 1)
      // Every line the simulator writes must read back as a valid event.
      expect(isRight(decodeRecordedEvent(JSON.parse(line)))).toBe(true)
    },
  })
  return { digest: hash.digest('hex'), lines, types, summary }
}

describe('soutien simulate', () => {
  it('is deterministic for a seed: the same history, byte for byte', async () => {
    const a = await run(7, 2000)
    const b = await run(7, 2000)
    expect(a.lines).toBeGreaterThan(2000 * 6)
    expect(b.digest).toBe(a.digest)
    const c = await run(8, 300)
    expect(c.digest).not.toBe(a.digest)
  })

  it('exercises the whole support chain', async () => {
    const { types, summary } = await run(3, 800)
    expect(summary.tickets).toBe(800)
    for (const type of [
      'TicketOpened',
      'TicketQualified',
      'TicketAssigned',
      'UserInformed',
      'TicketEscalated',
      'ExpertAdviceGiven',
      'HierarchyInvolved',
      'TicketSuspended',
      'TicketResumed',
      'TicketResolved',
      'TicketReopened',
      'TicketClosed',
      'SatisfactionRecorded',
      'TicketLinkedToMajorIncident',
      'MajorIncidentDeclared',
      'SupportStaffAlerted',
      'IncidentBulletinPublished',
      'MajorIncidentResolved',
      'KnowledgeArticlePublished',
    ])
      expect(types.get(type) ?? 0, type).toBeGreaterThan(0)
    // Timers call level 2 automatically and involve management on breaches.
    expect(summary.timerCommands).toBeGreaterThan(0)
  })
})

/** The id generator as first written (toString and padStart per group): the reference. */
const referenceIds = (random: Random) => {
  const hex = (n: number) =>
    Math.floor(random.next() * 16 ** n)
      .toString(16)
      .padStart(n, '0')
  return () =>
    `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(random.next() * 4)).toString(16)}${hex(3)}-${hex(6)}${hex(6)}`
}

describe("the simulation's pieces", () => {
  it('ids: the same as the reference, draw for draw, UUID-shaped', () => {
    for (const seed of [0, 1, 7, 0x5eed ^ 7, 2 ** 32 - 1]) {
      const ids = createIdGenerator(createRandom(seed))
      const reference = referenceIds(createRandom(seed))
      for (let i = 0; i < 5000; i++) {
        const id = ids()
        expect(id).toBe(reference())
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      }
    }
  })

  it('store: the log reads the same with and without promises, from any position and by prefix', async () => {
    const written: RecordedEvent[] = []
    const store = createSimulationStore((e) => written.push(e))
    const event = (id: string): EventToAppend =>
      ({
        id,
        type: 'TicketClosed',
        version: 1,
        at: '2026-03-02T08:00:00.000Z',
        actor: { id: 'a', role: 'assistance' },
        data: {},
        meta: {},
      }) as EventToAppend
    await store.append('ticket-A', [event('1'), event('2')], 'no-stream')()
    await store.append('knowledge-K', [event('3')], 'no-stream')()
    await store.append('ticket-B', [event('4')], 'no-stream')()
    const asynchronously = async (o?: Parameters<typeof store.readAll>[0]) => {
      const out: string[] = []
      for await (const e of store.readAll(o)) out.push(e.id)
      return out
    }
    const synchronously = (o?: Parameters<typeof store.readAll>[0]) =>
      [...(store.readAll(o) as unknown as Iterable<RecordedEvent>)].map((e) => e.id)
    for (const o of [undefined, { after: 0 }, { after: 3 }, { streamPrefixes: ['ticket-'] }]) {
      expect(synchronously(o)).toEqual(await asynchronously(o))
    }
    expect(synchronously({ after: 0, streamPrefixes: ['ticket-'] })).toEqual(['2', '4'])
    expect(written.map((e) => e.position)).toEqual([0, 1, 2, 3])
    // Trimmed positions cannot be read again, either way.
    store.trimThrough(1)
    expect(synchronously({ after: 1 })).toEqual(['3', '4'])
    expect(() => synchronously()).toThrow(/trimmed/)
    await expect(asynchronously()).rejects.toThrow(/trimmed/)
    // What follows a stream's last revision is nothing; a forgotten stream is empty.
    const tail = await store.readStream('ticket-A', { fromRevision: 2 })()
    expect(tail).toEqual({ _tag: 'Right', right: [] })
    const all = await store.readStream('ticket-A')()
    expect(all._tag === 'Right' && all.right.map((e) => e.revision)).toEqual([0, 1])
    store.forget('ticket-A')
    expect(await store.readStream('ticket-A')()).toEqual({ _tag: 'Right', right: [] })
  })
})
