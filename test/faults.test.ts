/**
 * The fault-injecting store (src/store/faulty.ts), and the command handler on
 * top of it: every store failure reaches the caller as a value; a retry with
 * the same commandId after a lost acknowledgement answers the original events
 * and appends nothing; a decision of several events (declaring a major
 * incident, resolving a suspended ticket) is stored whole or not at all.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import type { CommandHandler, HandleResult } from '../src/commands/engine.js'
import { createCommandHandler } from '../src/commands/handler.js'
import type { IsoInstant } from '../src/domain/codec.js'
import { instantMs, toInstant } from '../src/domain/codec.js'
import type { Command } from '../src/domain/commands.js'
import type { EventToAppend, RecordedEvent } from '../src/domain/envelope.js'
import type { Actor } from '../src/domain/vocabulary.js'
import { faultyStore } from '../src/store/faulty.js'
import { createMemoryStore } from '../src/store/memory.js'
import { canImportAtomically, type EventStore, StoreFailure } from '../src/store/port.js'
import { essenceOf, seedOrganization } from './support/concurrent-writer.js'
import { AGENT, actorOf, NOW, SITE, USER, WS } from './support/org-events.js'
import { runStoreConformance, ticketEvents } from './support/store-conformance.js'

const STRESS = process.env.SOUTIEN_STRESS === '1'

const readEverything = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of store.readAll()) out.push(e)
  return out
}

// ---- the wrapper itself -------------------------------------------------------------

runStoreConformance({
  name: 'faultyStore without faults',
  open: async () => faultyStore(createMemoryStore(), { seed: 1 }),
})
runStoreConformance({
  name: 'faultyStore without faults, with shuffled timing',
  open: async () => faultyStore(createMemoryStore(), { seed: 2, maxDelayTurns: 3 }),
})

describe('faultyStore', () => {
  const events = () => ticketEvents('ticket-F', 2)

  it('fails an append before writing: nothing stored', async () => {
    const inner = createMemoryStore()
    const store = faultyStore(inner, { seed: 1, appendFailBefore: 1 })
    const r = await store.append('ticket-F', events(), 'no-stream')()
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreUnavailable', message: /injected fault/ } })
    expect(await inner.headPosition()()).toEqual(E.right(-1))
    expect(store.injected()).toEqual([
      { kind: 'append-before-write', operation: 'append', stream: 'ticket-F' },
    ])
  })

  it('fails an append after writing: all stored, and the same append again is a no-op success', async () => {
    const inner = createMemoryStore()
    const store = faultyStore(inner, { seed: 1, appendFailAfter: 1 })
    const batch = events()
    expect(await store.append('ticket-F', batch, 'no-stream')()).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'StoreUnavailable' },
    })
    expect((await readEverything(inner)).map((e) => e.id)).toEqual(batch.map((e) => e.id))
    store.setRates({})
    expect(await store.append('ticket-F', batch, 'no-stream')()).toEqual(
      E.right({ nextExpectedRevision: 1, position: 1 }),
    )
    expect(await readEverything(inner)).toHaveLength(2)
  })

  it('fails reads: readStream and headPosition as values, readAll with StoreFailure, before or part-way', async () => {
    const inner = createMemoryStore()
    await inner.append('ticket-F', ticketEvents('ticket-F', 30), 'no-stream')()
    const store = faultyStore(inner, { seed: 7, readFail: 1 })
    expect(await store.readStream('ticket-F')()).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'StoreUnavailable' },
    })
    expect(await store.headPosition()()).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreUnavailable' } })
    const delivered: number[] = []
    for (let i = 0; i < 10; i++) {
      let n = 0
      try {
        for await (const _ of store.readAll()) n++
        expect.unreachable('readAll should have failed')
      } catch (err) {
        expect(err).toBeInstanceOf(StoreFailure)
      }
      delivered.push(n)
    }
    expect(delivered.some((n) => n > 0)).toBe(true)
    expect(delivered.every((n) => n < 10)).toBe(true)
  })

  it('is reproducible: the same seed and calls give the same faults', async () => {
    const run = async (seed: number) => {
      const store = faultyStore(createMemoryStore(), {
        seed,
        appendFailBefore: 0.3,
        appendFailAfter: 0.3,
        readFail: 0.3,
      })
      for (let i = 0; i < 40; i++) {
        await store.append(`ticket-R${i}`, ticketEvents(`ticket-R${i}`, 1), 'any')()
        await store.readStream(`ticket-R${i}`)()
      }
      return store.injected()
    }
    const a = await run(42)
    expect(a.length).toBeGreaterThan(10)
    expect(await run(42)).toEqual(a)
    expect(await run(43)).not.toEqual(a)
  })

  it('keeps atomic import, with its faults', async () => {
    const inner = createMemoryStore()
    const store = faultyStore(inner, { seed: 1, appendFailBefore: 1 })
    expect(canImportAtomically(store)).toBe(true)
    async function* one() {
      const [e] = ticketEvents('ticket-I', 1)
      yield { ...(e as EventToAppend), stream: 'ticket-I', revision: 0 }
    }
    expect(await store.importAtomically(one())()).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'StoreUnavailable' },
    })
    expect(await inner.headPosition()()).toEqual(E.right(-1))
    expect(
      canImportAtomically(faultyStore({ ...inner, importAtomically: undefined } as never, { seed: 1 })),
    ).toBe(false)
  })

  it('refuses rates that are not probabilities (a programmer error)', () => {
    expect(() => faultyStore(createMemoryStore(), { seed: 1, readFail: 1.5 })).toThrow(/probability/)
    expect(() => faultyStore(createMemoryStore(), { seed: 1, maxDelayTurns: -1 })).toThrow(/non-negative/)
    expect(() => faultyStore(createMemoryStore(), { seed: 1 }).setRates({ appendFailAfter: -0.1 })).toThrow()
  })
})

// ---- the command handler on a failing store ------------------------------------------------

const assistance = actorOf(AGENT.assistParis1)
const owner = actorOf(AGENT.officeTechParis)
const manager = actorOf(AGENT.managerParis)

/** A day at the desk: every command the handler can be asked, some recording two events. */
const SCRIPT: readonly (readonly [Command, Actor])[] = [
  [
    { type: 'OpenTicket', ticketId: 'T-1', requesterId: USER.alice, channel: 'phone', summary: 'Écran noir' },
    assistance,
  ],
  [{ type: 'AssignTicket', ticketId: 'T-1', ownerId: AGENT.officeTechParis }, assistance],
  [{ type: 'QualifyTicket', ticketId: 'T-1', kind: 'incident', domain: 'office', priority: 'P2' }, owner],
  [{ type: 'InformUser', ticketId: 'T-1', kind: 'answer', message: 'Nous regardons' }, owner],
  [
    {
      type: 'DeclareMajorIncident',
      incidentId: 'MI-1',
      summary: 'Messagerie indisponible',
      siteIds: [SITE.paris],
      services: ['messagerie'],
    },
    owner,
  ],
  [{ type: 'LinkTicketToMajorIncident', ticketId: 'T-1', incidentId: 'MI-1' }, owner],
  [{ type: 'SuspendTicket', ticketId: 'T-1', reason: 'awaiting-supplier' }, owner],
  // Resolving a suspended ticket records TicketResumed and TicketResolved together.
  [{ type: 'ResolveTicket', ticketId: 'T-1', resolutionCode: 'fixed', solution: 'Serveur relancé' }, owner],
  [{ type: 'InformUser', ticketId: 'T-1', kind: 'restoration', message: 'Rétabli' }, owner],
  [{ type: 'CloseTicket', ticketId: 'T-1' }, assistance],
  [
    {
      type: 'RegisterUser',
      userId: 'user-ines',
      name: 'Inès Fabre',
      siteId: SITE.paris,
      workstationType: WS.windows,
      deskId: 'desk-paris',
    },
    manager,
  ],
  [
    {
      type: 'OpenTicket',
      ticketId: 'T-2',
      requesterId: 'user-ines',
      channel: 'email',
      summary: 'Pas de son',
    },
    assistance,
  ],
  [
    {
      type: 'PublishIncidentBulletin',
      incidentId: 'MI-1',
      kind: 'restoration',
      message: 'Messagerie rétablie',
      siteIds: [SITE.paris],
    },
    owner,
  ],
  [{ type: 'ResolveMajorIncident', incidentId: 'MI-1', summary: 'Disque remplacé' }, owner],
  [
    {
      type: 'PublishKnowledgeArticle',
      articleId: 'KB-1',
      title: 'Messagerie',
      domain: 'office',
      workstationTypes: [WS.windows],
      body: 'Relancer le serveur',
    },
    owner,
  ],
  [
    { type: 'RecordSatisfaction', ticketId: 'T-1', score: 4 },
    { id: USER.alice, role: 'user' },
  ],
]

/** Each command of the script is dated by its place in it, however many attempts it takes. */
const instantOf = (step: number): IsoInstant => toInstant(instantMs(NOW) + step * 60_000)

const setUp = async (rates: Parameters<typeof faultyStore>[1]) => {
  const inner = createMemoryStore()
  await seedOrganization(inner)
  const store = faultyStore(inner, rates)
  let now = instantOf(0)
  const handler = createCommandHandler({ store, clock: { now: () => now } })
  return { inner, store, handler, at: (step: number) => (now = instantOf(step)) }
}

/** The events each command of the script records on a store that never fails. */
const reference = await (async () => {
  const { inner, handler, at } = await setUp({ seed: 0 })
  const results: HandleResult[] = []
  for (const [step, [command, actor]] of SCRIPT.entries()) {
    at(step)
    const r = await handler.handle({ command, actor, commandId: `cmd-${step}` })()
    if (E.isLeft(r)) throw new Error(`the script is broken at ${step}: ${JSON.stringify(r.left)}`)
    results.push(r.right)
  }
  return { results, stored: await readEverything(inner) }
})()

const ok = async (handler: CommandHandler, step: number) => {
  const [command, actor] = SCRIPT[step] as readonly [Command, Actor]
  const r = await handler.handle({ command, actor, commandId: `cmd-${step}` })()
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left))
  return r.right
}

describe('command handler on a failing store', () => {
  it('has a script where some commands record two events', () => {
    expect(reference.results.map((r) => r.events.length)).toContain(2)
  })

  it('reports a lost acknowledgement as a value; the retry answers the original events, appends nothing', async () => {
    const { inner, store, handler, at } = await setUp({ seed: 1 })
    for (let step = 0; step < 4; step++) {
      at(step)
      await ok(handler, step)
    }
    at(4)
    store.setRates({ appendFailAfter: 1 })
    const [command, actor] = SCRIPT[4] as readonly [Command, Actor]
    const lost = await handler.handle({ command, actor, commandId: 'cmd-4' })()
    expect(lost).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreUnavailable' } })
    // The declaration and the alert were both stored…
    const stored = (await readEverything(inner)).filter((e) => e.meta.commandId === 'cmd-4')
    expect(stored.map((e) => e.type)).toEqual(['MajorIncidentDeclared', 'SupportStaffAlerted'])
    // …and the retry (a later clock, the same commandId) says so, with the same events.
    store.setRates({})
    at(9)
    const retried = await ok(handler, 4)
    expect(retried.idempotentReplay).toBe(true)
    expect(retried.events).toEqual(stored)
    expect((await readEverything(inner)).filter((e) => e.meta.commandId === 'cmd-4')).toHaveLength(2)
  })

  it('does the same on the organisation stream, for this handler and for another one', async () => {
    const { inner, store, handler, at } = await setUp({ seed: 1, appendFailAfter: 1 })
    at(10)
    expect(
      await handler.handle({ command: SCRIPT[10]![0], actor: manager, commandId: 'cmd-10' })(),
    ).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'StoreUnavailable' },
    })
    store.setRates({})
    const again = await ok(handler, 10)
    const other = await ok(createCommandHandler({ store, clock: { now: () => instantOf(11) } }), 10)
    expect([again.idempotentReplay, other.idempotentReplay]).toEqual([true, true])
    expect(other.events).toEqual(again.events)
    expect((await readEverything(inner)).filter((e) => e.meta.commandId === 'cmd-10')).toHaveLength(1)
  })

  it('reports a failure before the write, and a failed read, with nothing stored', async () => {
    const { inner, store, handler, at } = await setUp({ seed: 1, appendFailBefore: 1 })
    at(0)
    const head = await inner.headPosition()()
    expect(
      await handler.handle({ command: SCRIPT[0]![0], actor: assistance, commandId: 'cmd-0' })(),
    ).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'StoreUnavailable' },
    })
    store.setRates({ readFail: 1 })
    expect(
      await handler.handle({ command: SCRIPT[0]![0], actor: assistance, commandId: 'cmd-0' })(),
    ).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'StoreUnavailable' },
    })
    expect(await inner.headPosition()()).toEqual(head)
    store.setRates({})
    expect((await ok(handler, 0)).idempotentReplay).toBe(false)
  })

  it('without a commandId, a retry after a lost acknowledgement records the command twice (what commandId is for)', async () => {
    const { inner, store, handler, at } = await setUp({ seed: 1 })
    for (let step = 0; step < 3; step++) {
      at(step)
      await ok(handler, step)
    }
    store.setRates({ appendFailAfter: 1 })
    at(3)
    const [command, actor] = SCRIPT[3] as readonly [Command, Actor]
    expect(E.isLeft(await handler.handle({ command, actor })())).toBe(true)
    store.setRates({})
    expect(E.isRight(await handler.handle({ command, actor })())).toBe(true)
    expect((await readEverything(inner)).filter((e) => e.type === 'UserInformed')).toHaveLength(2)
  })

  it('under random faults, retried with the same commandId, records exactly what a store that never fails does', async () => {
    const rate = fc.double({ min: 0, max: 0.4, noNaN: true })
    const injected = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          appendFailBefore: rate,
          appendFailAfter: rate,
          readFail: rate,
        }),
        async (rates) => {
          const { inner, store, handler, at } = await setUp(rates)
          for (const [step, [command, actor]] of SCRIPT.entries()) {
            at(step)
            let result: HandleResult | undefined
            for (let attempt = 0; result === undefined; attempt++) {
              if (attempt === 500) throw new Error(`step ${step} never got through`)
              const r = await handler.handle({ command, actor, commandId: `cmd-${step}` })()
              if (E.isRight(r)) result = r.right
              // Only the store failed, and it said so.
              else expect(r.left).toMatchObject({ _tag: 'StoreUnavailable', message: /injected fault/ })
            }
            // The answer is the events as stored, whether this attempt or a lost one stored them.
            expect(result.events.map(essenceOf)).toEqual(reference.results[step]?.events.map(essenceOf))
          }
          // Exactly the reference history: nothing twice, nothing half, nothing lost.
          expect((await readEverything(inner)).map(essenceOf)).toEqual(reference.stored.map(essenceOf))
          for (const f of store.injected()) injected.set(f.kind, (injected.get(f.kind) ?? 0) + 1)
        },
      ),
      { numRuns: STRESS ? 500 : 40 },
    )
    // Not vacuous: every kind of fault happened, many times.
    for (const kind of ['append-before-write', 'append-after-write', 'read'])
      expect(injected.get(kind) ?? 0, kind).toBeGreaterThan(10)
  })
})
