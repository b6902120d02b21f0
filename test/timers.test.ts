/**
 * The timers (escalation and breach process manager): which commands are due
 * when, stamped at which instant, and a runner that catches up with a store
 * and sends them without duplicates. Clocks are fakes; nothing sleeps.
 *
 * Calendar: Paris office hours (Mon–Fri 08:00–12:00, 13:30–18:00, UTC+1 in
 * March). Policy: response PT4H, escalation office PT2H, resolution P1 PT4H;
 * business and P3 have no delay/target. 2026-03-09 is a Monday.
 */
import fc from 'fast-check'
import { left, right } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { describe, expect, it } from 'vitest'
import { createCommandHandler } from '../src/commands/handler.js'
import { createTimerRunner, dueCommands, type TimerRequest } from '../src/commands/timers.js'
import type { IsoInstant } from '../src/domain/codec.js'
import type { Command } from '../src/domain/commands.js'
import {
  type EventToAppend,
  ORGANIZATION_STREAM,
  type RecordedEvent,
  ticketStream,
} from '../src/domain/envelope.js'
import { currentVersion } from '../src/domain/events.js'
import { SYSTEM } from '../src/domain/vocabulary.js'
import {
  applyServiceLevelEvent,
  initialServiceLevelState,
  ticketServiceLevels,
} from '../src/projections/service-levels.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { EventStore, ReadAllOptions } from '../src/store/port.js'
import {
  assigned,
  closed,
  escalated,
  history,
  informed,
  involved,
  loadStore,
  opened,
  policy,
  qualified,
  reopened,
  resolved,
  resumed,
  SAMPLE_ORG,
  type Step,
  suspended,
} from './support/history.js'
import { AGENT, actorOf, orgFacts, USER } from './support/org-events.js'

const at = (s: string) => s as IsoInstant
const stateOf = (steps: readonly Step[]) =>
  history([...SAMPLE_ORG, ...steps]).reduce(applyServiceLevelEvent, initialServiceLevelState())
const due = (steps: readonly Step[], now: string) => dueCommands(stateOf(steps), at(now))

// Opened Mon 09:00 Paris (08:00Z), office P3, answered at 09:30: only the
// escalation clock can fire. Deadline: 09:00 + 2 h = 11:00 Paris = 10:00Z.
const officeTicket = (id: string) => [
  opened('2026-03-09T08:00:00.000Z', id),
  qualified('2026-03-09T08:00:00.000Z', id, 'office', 'P3'),
  informed('2026-03-09T08:30:00.000Z', id, 'answer'),
]

describe('dueCommands: the escalation delay', () => {
  it('calls level 2 at the deadline, stamped at the deadline, as system', () => {
    expect(due(officeTicket('T'), '2026-03-09T09:59:59.999Z')).toEqual([])
    const expected: TimerRequest[] = [
      {
        command: {
          type: 'EscalateTicket',
          ticketId: 'T',
          domain: 'office',
          reason: 'delay-expired',
          note: 'escalation delay of 120 business minutes expired at 2026-03-09T10:00:00.000Z',
        },
        actor: SYSTEM,
        commandId: 'timer:escalate:T:2026-03-09T10:00:00.000Z',
        at: at('2026-03-09T10:00:00.000Z'),
      },
    ]
    expect(due(officeTicket('T'), '2026-03-09T10:00:00.000Z')).toEqual(expected)
    // Waking up late changes nothing: still stamped at the deadline.
    expect(due(officeTicket('T'), '2026-03-10T15:00:00.000Z')).toEqual(expected)
  })

  it('nothing for a ticket resolved before the deadline, or resolved by the time the timer wakes', () => {
    expect(
      due([...officeTicket('T'), resolved('2026-03-09T09:30:00.000Z', 'T')], '2026-03-09T12:00:00.000Z'),
    ).toEqual([])
    // Resolved after the deadline (its escalation is `late`), but resolved now: no call to level 2.
    expect(
      due([...officeTicket('T'), resolved('2026-03-09T10:30:00.000Z', 'T')], '2026-03-09T12:00:00.000Z'),
    ).toEqual([])
    const closedTicket = [
      ...officeTicket('T'),
      resolved('2026-03-09T09:30:00.000Z', 'T'),
      informed('2026-03-09T09:40:00.000Z', 'T', 'restoration'),
      closed('2026-03-09T09:50:00.000Z', 'T'),
    ]
    expect(due(closedTicket, '2026-03-09T12:00:00.000Z')).toEqual([])
  })

  it('nothing once escalated, whether on time or late', () => {
    expect(
      due(
        [...officeTicket('T'), escalated('2026-03-09T09:00:00.000Z', 'T', 'office')],
        '2026-03-09T12:00:00.000Z',
      ),
    ).toEqual([])
    expect(
      due(
        [...officeTicket('T'), escalated('2026-03-09T10:30:00.000Z', 'T', 'office')],
        '2026-03-09T12:00:00.000Z',
      ),
    ).toEqual([])
  })

  it('nothing for an unqualified ticket or a domain without delay', () => {
    const unqualified = [
      opened('2026-03-09T08:00:00.000Z', 'U'),
      informed('2026-03-09T08:30:00.000Z', 'U', 'answer'),
    ]
    expect(due(unqualified, '2026-03-09T17:00:00.000Z')).toEqual([])
    const business = [
      opened('2026-03-09T08:00:00.000Z', 'B'),
      qualified('2026-03-09T08:00:00.000Z', 'B', 'business', 'P3'),
      informed('2026-03-09T08:30:00.000Z', 'B', 'answer'),
    ]
    expect(due(business, '2026-03-09T17:00:00.000Z')).toEqual([])
  })

  it('never stamps before the ticket’s last event: stamped at that event, and the escalation is then late', () => {
    // A progress message at 11:30 Paris (10:30Z), after the 10:00Z deadline; the timer wakes at 12:00 Paris.
    const steps = [...officeTicket('T'), informed('2026-03-09T10:30:00.000Z', 'T', 'progress')]
    const [cmd] = due(steps, '2026-03-09T11:00:00.000Z')
    expect(cmd?.at).toBe('2026-03-09T10:30:00.000Z')
    expect(cmd?.commandId).toBe('timer:escalate:T:2026-03-09T10:00:00.000Z') // the deadline's id, stable
    const after = stateOf([...steps, escalated('2026-03-09T10:30:00.000Z', 'T', 'office')])
    expect(ticketServiceLevels(after)[0]?.escalation.status).toBe('late')
    // Stamped at the deadline it is on time.
    const onTime = stateOf([...officeTicket('T'), escalated('2026-03-09T10:00:00.000Z', 'T', 'office')])
    expect(ticketServiceLevels(onTime)[0]?.escalation.status).toBe('on-time')
  })
})

describe('dueCommands: breaches involve the hierarchy', () => {
  it('response breach at the first millisecond past the target, once', () => {
    // Opened Mon 09:00 Paris, never answered: 180 before lunch + 60 from 13:30 → deadline 14:30
    // Paris (13:30Z); at 13:30:00.000Z the business time equals the target, one ms later it exceeds it.
    const steps = [opened('2026-03-09T08:00:00.000Z', 'R')]
    expect(due(steps, '2026-03-09T13:30:00.000Z')).toEqual([])
    expect(due(steps, '2026-03-09T14:00:00.000Z')).toEqual([
      {
        command: {
          type: 'InvolveHierarchy',
          ticketId: 'R',
          reason: 'response-breach',
          note: 'no answer or schedule within 240 business minutes (deadline 2026-03-09T13:30:00.000Z)',
        },
        actor: SYSTEM,
        commandId: 'timer:response-breach:R',
        at: at('2026-03-09T13:30:00.001Z'),
      },
    ])
    // Involved already (by the timer or a manager): nothing more.
    expect(
      due(
        [...steps, involved('2026-03-09T13:45:00.000Z', 'R', 'response-breach')],
        '2026-03-09T16:00:00.000Z',
      ),
    ).toEqual([])
    // A difficulty involvement is another matter.
    expect(
      due([...steps, involved('2026-03-09T13:45:00.000Z', 'R', 'difficulty')], '2026-03-09T16:00:00.000Z'),
    ).toHaveLength(1)
    // Answered late: the clock stopped, breached, but nothing is running any more.
    expect(
      due([...steps, informed('2026-03-09T15:00:00.000Z', 'R', 'answer')], '2026-03-09T16:00:00.000Z'),
    ).toEqual([])
  })

  it('a deadline at closing time is passed only when business time resumes', () => {
    // Opened Mon 14:00 Paris (13:00Z): 240 min by 18:00. Not breached overnight, nor at Tue 08:00
    // Paris exactly; breached from Tue 08:00:00.001 Paris (07:00:00.001Z).
    const steps = [opened('2026-03-09T13:00:00.000Z', 'V')]
    expect(due(steps, '2026-03-09T22:00:00.000Z')).toEqual([])
    expect(due(steps, '2026-03-10T07:00:00.000Z')).toEqual([])
    expect(due(steps, '2026-03-10T08:00:00.000Z').map((c) => c.at)).toEqual(['2026-03-10T07:00:00.001Z'])
  })

  it('resolution breach once per resolution cycle, suspensions excluded', () => {
    // Opened Mon 09:00 Paris, business P1 (target 240, no escalation delay), answered at 09:30.
    // Suspended 10:00–11:00 Paris: 60 before, then 11:00–12:00 = 120, 13:30 + 120 = 15:30 Paris:
    // breached from 15:30:00.001 Paris = 14:30:00.001Z.
    const base = [
      opened('2026-03-09T08:00:00.000Z', 'W'),
      qualified('2026-03-09T08:00:00.000Z', 'W', 'business', 'P1'),
      informed('2026-03-09T08:30:00.000Z', 'W', 'answer'),
      suspended('2026-03-09T09:00:00.000Z', 'W'),
      resumed('2026-03-09T10:00:00.000Z', 'W'),
    ]
    expect(due(base, '2026-03-09T14:30:00.000Z')).toEqual([])
    const [first] = due(base, '2026-03-09T16:00:00.000Z')
    expect(first).toMatchObject({
      command: { type: 'InvolveHierarchy', ticketId: 'W', reason: 'resolution-breach' },
      commandId: 'timer:resolution-breach:W:0',
      at: '2026-03-09T14:30:00.001Z',
    })
    // Involved, then resolved (breached) and reopened Tue 09:00 Paris: the clock runs again,
    // already past its target, so the new cycle is breached from the reopening.
    const reopenedTicket = [
      ...base,
      involved('2026-03-09T14:30:00.001Z', 'W', 'resolution-breach'),
      resolved('2026-03-09T16:00:00.000Z', 'W'),
      reopened('2026-03-10T08:00:00.000Z', 'W'),
    ]
    expect(due(reopenedTicket.slice(0, -1), '2026-03-10T09:00:00.000Z')).toEqual([]) // resolved: stopped
    expect(due(reopenedTicket, '2026-03-10T09:00:00.000Z')).toMatchObject([
      { commandId: 'timer:resolution-breach:W:1', at: '2026-03-10T08:00:00.000Z' },
    ])
    expect(
      due(
        [...reopenedTicket, involved('2026-03-10T08:05:00.000Z', 'W', 'resolution-breach')],
        '2026-03-10T09:00:00.000Z',
      ),
    ).toEqual([])
  })

  it('a ticket due for several commands gets them in deadline order, never stamped backwards', () => {
    // X: office P1, never answered. Escalation at 10:00Z; response and resolution breached from 13:30:00.001Z.
    const x = [
      opened('2026-03-09T08:00:00.000Z', 'X'),
      qualified('2026-03-09T08:00:00.000Z', 'X', 'office', 'P1'),
    ]
    expect(due(x, '2026-03-09T14:00:00.000Z').map((c) => [c.command.type, c.at])).toEqual([
      ['EscalateTicket', '2026-03-09T10:00:00.000Z'],
      ['InvolveHierarchy', '2026-03-09T13:30:00.001Z'],
      ['InvolveHierarchy', '2026-03-09T13:30:00.001Z'],
    ])
    // Y: the same, with a progress message at 14:45 Paris (13:45Z): all three stamped then, in order.
    const y = [
      opened('2026-03-09T08:00:00.000Z', 'Y'),
      qualified('2026-03-09T08:00:00.000Z', 'Y', 'office', 'P1'),
      informed('2026-03-09T13:45:00.000Z', 'Y', 'progress'),
    ]
    const both = due([...x, ...y], '2026-03-09T14:00:00.000Z')
    expect(both.map((c) => [c.commandId, c.at])).toEqual([
      ['timer:escalate:X:2026-03-09T10:00:00.000Z', '2026-03-09T10:00:00.000Z'],
      ['timer:response-breach:X', '2026-03-09T13:30:00.001Z'],
      ['timer:resolution-breach:X:0', '2026-03-09T13:30:00.001Z'],
      ['timer:escalate:Y:2026-03-09T10:00:00.000Z', '2026-03-09T13:45:00.000Z'],
      ['timer:response-breach:Y', '2026-03-09T13:45:00.000Z'],
      ['timer:resolution-breach:Y:0', '2026-03-09T13:45:00.000Z'],
    ])
  })

  it('is pure: the same state and instant give the same commands', () => {
    const s = stateOf([opened('2026-03-09T08:00:00.000Z', 'R')])
    expect(dueCommands(s, at('2026-03-09T16:00:00.000Z'))).toEqual(
      dueCommands(s, at('2026-03-09T16:00:00.000Z')),
    )
  })
})

// ---- the runner --------------------------------------------------------------

const storeWith = (events: readonly RecordedEvent[]) => loadStore(createMemoryStore(), events)

type FakeError = { readonly _tag: string; readonly message: string }
type FakeResult = { readonly idempotentReplay: boolean; readonly events: readonly RecordedEvent[] }

/**
 * A stand-in for the command handler: idempotent on commandId, refuses time
 * going backwards in a stream (as the ticket decider does), appends the event.
 */
const fakeHandler = (store: EventStore) => {
  let n = 0
  const sent: TimerRequest[] = []
  const handle =
    (req: TimerRequest): TaskEither<FakeError, FakeResult> =>
    async () => {
      sent.push(req)
      const c = req.command
      if (c.type !== 'EscalateTicket' && c.type !== 'InvolveHierarchy')
        return left({ _tag: 'Unexpected', message: c.type })
      const stream = ticketStream(c.ticketId)
      const read = await store.readStream(stream)()
      if (read._tag === 'Left') return left(read.left)
      const prior = read.right.filter((e) => e.meta.commandId === req.commandId)
      if (prior.length > 0) return right({ idempotentReplay: true, events: prior })
      const last = read.right[read.right.length - 1]
      if (last !== undefined && req.at < last.at)
        return left({ _tag: 'TimeWentBackwards', message: `${req.at} is before ${last.at}` })
      const event =
        c.type === 'EscalateTicket'
          ? { type: 'TicketEscalated' as const, data: { domain: c.domain ?? 'office', reason: c.reason } }
          : { type: 'HierarchyInvolved' as const, data: { reason: c.reason } }
      const appended = await store.append(
        stream,
        [
          {
            ...event,
            id: `cmd-${n++}`,
            version: 1,
            at: req.at,
            actor: req.actor,
            meta: { commandId: req.commandId },
          },
        ],
        last === undefined ? 'no-stream' : last.revision,
      )()
      if (appended._tag === 'Left') return left(appended.left)
      const all = await store.readStream(stream, { fromRevision: appended.right.nextExpectedRevision })()
      return right({ idempotentReplay: false, events: all._tag === 'Right' ? all.right : [] })
    }
  return { handle, sent }
}

const headOf = async (store: EventStore) => {
  const h = await store.headPosition()()
  return h._tag === 'Right' ? h.right : Number.NaN
}

describe('createTimerRunner', () => {
  const setup = async (steps: readonly Step[]) => {
    const store = await storeWith(history([...SAMPLE_ORG, ...steps]))
    const clock = { current: at('2026-03-09T09:00:00.000Z'), now: () => clock.current }
    const fake = fakeHandler(store)
    const runner = createTimerRunner({ store, handle: fake.handle, clock })
    return { store, clock, fake, runner }
  }

  it('escalates at the deadline, and a second run for the same instant appends nothing', async () => {
    const { store, clock, runner } = await setup(officeTicket('T'))
    expect((await runner.runOnce()).issued).toBe(0)
    clock.current = at('2026-03-09T10:20:00.000Z') // woke up 20 minutes after the deadline
    const run = await runner.runOnce()
    expect(run).toMatchObject({ now: '2026-03-09T10:20:00.000Z', issued: 1, refused: 0 })
    const events = await store.readStream(ticketStream('T'))()
    const last = events._tag === 'Right' ? events.right.at(-1) : undefined
    expect(last).toMatchObject({
      type: 'TicketEscalated',
      at: '2026-03-09T10:00:00.000Z', // the deadline, not the wake-up time
      actor: SYSTEM,
      data: { domain: 'office', reason: 'delay-expired' },
      meta: { commandId: 'timer:escalate:T:2026-03-09T10:00:00.000Z' },
    })
    const head = await headOf(store)
    expect((await runner.runOnce()).issued).toBe(0)
    expect(await headOf(store)).toBe(head)
    // The projection the runner keeps sees the escalation on time.
    expect(ticketServiceLevels(runner.state())[0]?.escalation.status).toBe('on-time')
  })

  it('catches up from the last position it has seen', async () => {
    const { store, fake } = await setup(officeTicket('T'))
    const seen: (ReadAllOptions | undefined)[] = []
    const spy: Pick<EventStore, 'readAll'> = {
      readAll: (o) => {
        seen.push(o)
        return store.readAll(o)
      },
    }
    const clock = { now: () => at('2026-03-09T09:00:00.000Z') }
    const runner = createTimerRunner({ store: spy, handle: fake.handle, clock })
    await runner.runOnce()
    await runner.runOnce()
    const head = await headOf(store)
    expect(seen).toEqual([{}, { after: head }])
  })

  it('issues nothing for resolved tickets, and involves the hierarchy on breach', async () => {
    const { clock, fake, runner } = await setup([
      ...officeTicket('DONE'),
      resolved('2026-03-09T09:00:00.000Z', 'DONE'),
      opened('2026-03-09T08:00:00.000Z', 'SILENT'), // never answered, never qualified
    ])
    clock.current = at('2026-03-09T17:00:00.000Z')
    const run = await runner.runOnce()
    expect(fake.sent.map((r) => [r.commandId, r.at])).toEqual([
      ['timer:response-breach:SILENT', '2026-03-09T13:30:00.001Z'],
    ])
    expect(run.issued).toBe(1)
    expect((await runner.runOnce()).issued).toBe(0)
  })

  it('a fresh runner on the same store finds nothing left to do', async () => {
    const { store, clock, fake, runner } = await setup(officeTicket('T'))
    clock.current = at('2026-03-09T11:00:00.000Z')
    expect((await runner.runOnce()).issued).toBe(1)
    const head = await headOf(store)
    const again = createTimerRunner({ store, handle: fake.handle, clock })
    expect((await again.runOnce()).issued).toBe(0)
    expect(await headOf(store)).toBe(head)
  })

  it('concurrent runs are serialised: the second sees what the first appended', async () => {
    const { store, clock, runner } = await setup(officeTicket('T'))
    clock.current = at('2026-03-09T11:00:00.000Z')
    const runs = await Promise.all([runner.runOnce(), runner.runOnce()])
    expect(runs.map((r) => r.issued)).toEqual([1, 0])
    const events = await store.readStream(ticketStream('T'))()
    expect(events._tag === 'Right' && events.right.filter((e) => e.type === 'TicketEscalated')).toHaveLength(
      1,
    )
  })

  it('stamps after the ticket’s last event when it woke up after it', async () => {
    const { store, clock, runner } = await setup([
      ...officeTicket('T'),
      informed('2026-03-09T10:30:00.000Z', 'T', 'progress'),
    ])
    clock.current = at('2026-03-09T11:00:00.000Z')
    const run = await runner.runOnce()
    expect(run).toMatchObject({ issued: 1, refused: 0 })
    const events = await store.readStream(ticketStream('T'))()
    expect(events._tag === 'Right' && events.right.at(-1)?.at).toBe('2026-03-09T10:30:00.000Z')
    await runner.runOnce()
    expect(ticketServiceLevels(runner.state())[0]?.escalation.status).toBe('late')
  })

  it('a settled ticket that is reopened is judged again: its resolution clock runs once more', async () => {
    const { store, clock, fake, runner } = await setup([
      opened('2026-03-09T08:00:00.000Z', 'R'),
      qualified('2026-03-09T08:00:00.000Z', 'R', 'office', 'P1'), // resolution target PT4H
      informed('2026-03-09T08:30:00.000Z', 'R', 'answer'),
      escalated('2026-03-09T08:40:00.000Z', 'R', 'office'),
      resolved('2026-03-09T08:50:00.000Z', 'R'),
    ])
    expect((await runner.runOnce()).issued).toBe(0) // resolved and answered: nothing can fall due
    await loadStore(store, history([reopened('2026-03-09T09:05:00.000Z', 'R')], (await headOf(store)) + 1))
    clock.current = at('2026-03-09T17:00:00.000Z')
    await runner.runOnce()
    expect(fake.sent.map((r) => r.commandId)).toEqual(['timer:resolution-breach:R:1'])
  })

  it('reports refusals and appends nothing for them', async () => {
    const store = await storeWith(history([...SAMPLE_ORG, ...officeTicket('T')]))
    const refuse =
      (_req: TimerRequest): TaskEither<FakeError, never> =>
      async () =>
        left({ _tag: 'Rejected', message: 'no' })
    const runner = createTimerRunner({
      store,
      handle: refuse,
      clock: { now: () => at('2026-03-09T11:00:00.000Z') },
    })
    const head = await headOf(store)
    const run = await runner.runOnce()
    expect(run.issued).toBe(0)
    expect(run.refused).toBe(1)
    expect(run.refusals[0]?.error).toEqual({ _tag: 'Rejected', message: 'no' })
    expect(run.refusals[0]?.request.commandId).toBe('timer:escalate:T:2026-03-09T10:00:00.000Z')
    expect(await headOf(store)).toBe(head)
  })
})

describe('createTimerRunner judges only what can have changed', () => {
  const MIN = 60_000
  const BASE = Date.parse('2026-03-09T06:00:00.000Z') // Monday 07:00 Paris, 01:00 New York
  const iso = (ms: number) => new Date(ms).toISOString()
  const ticketStep = fc.oneof(
    fc.record({
      kind: fc.constant('qualified' as const),
      domain: fc.constantFrom('office', 'network', 'business', 'telephony'),
      priority: fc.constantFrom('P1', 'P2', 'P3'),
    }),
    fc.record({
      kind: fc.constant('informed' as const),
      as: fc.constantFrom('answer', 'progress', 'restoration'),
    }),
    fc.record({ kind: fc.constant('escalated' as const) }),
    // Changes no clock (the runner does not judge the ticket again for it).
    fc.record({ kind: fc.constant('assigned' as const) }),
    fc.record({
      kind: fc.constant('involved' as const),
      reason: fc.constantFrom('response-breach', 'difficulty'),
    }),
    fc.record({ kind: fc.constantFrom('suspended' as const, 'resumed' as const) }),
    fc.record({ kind: fc.constantFrom('resolved' as const, 'reopened' as const, 'closed' as const) }),
  )
  const ticket = fc.record({
    site: fc.constantFrom('paris', 'nyc', 'paris-24', 'nyc-24'),
    // Qualified as it opens, most of the time: the clocks with targets start at once.
    qualifiedAs: fc.option(
      fc.record({
        domain: fc.constantFrom('office', 'network', 'business'),
        priority: fc.constantFrom('P1', 'P2', 'P3'),
      }),
      { freq: 4 },
    ),
    // Answered within two hours, most of the time: then only the resolution clock runs.
    answeredAfter: fc.option(fc.integer({ min: 1, max: 120 }), { freq: 4 }),
    openedAfter: fc.integer({ min: 0, max: 12 * 60 }),
    steps: fc.array(
      fc.record({
        after: fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: 60 }), weight: 3 },
          { arbitrary: fc.integer({ min: 61, max: 1500 }), weight: 1 },
        ),
        step: ticketStep,
      }),
      { maxLength: 7 },
    ),
  })
  type TicketPlan = typeof ticket extends fc.Arbitrary<infer T> ? T : never
  const toSteps = (id: string, t: TicketPlan): { at: number; step: Step }[] => {
    let at = BASE + t.openedAfter * MIN
    const out = [{ at, step: opened(iso(at), id, t.site) }]
    if (t.qualifiedAs !== null)
      out.push({ at, step: qualified(iso(at), id, t.qualifiedAs.domain, t.qualifiedAs.priority) })
    if (t.answeredAfter !== null) {
      at += t.answeredAfter * MIN
      out.push({ at, step: informed(iso(at), id, 'answer') })
    }
    for (const { after, step } of t.steps) {
      at += after * MIN
      const when = iso(at)
      const s =
        step.kind === 'qualified'
          ? qualified(when, id, step.domain, step.priority)
          : step.kind === 'informed'
            ? informed(when, id, step.as)
            : step.kind === 'escalated'
              ? escalated(when, id, 'office')
              : step.kind === 'assigned'
                ? assigned(when, id)
                : step.kind === 'involved'
                  ? involved(when, id, step.reason)
                  : step.kind === 'suspended'
                    ? suspended(when, id)
                    : step.kind === 'resumed'
                      ? resumed(when, id)
                      : step.kind === 'resolved'
                        ? resolved(when, id)
                        : step.kind === 'reopened'
                          ? reopened(when, id)
                          : closed(when, id)
      out.push({ at, step: s })
    }
    return out
  }

  it('sends, run after run, exactly what dueCommands gives over every ticket (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ticket, { minLength: 1, maxLength: 6 }),
        // Wake-ups (minutes after the one before; 0: twice at the same instant), some with
        // events recorded ahead of the clock, some with a new policy.
        fc.array(
          fc.record({
            after: fc.oneof(
              { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 4 },
              { arbitrary: fc.integer({ min: 21, max: 900 }), weight: 1 },
            ),
            ahead: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 240 })),
            policy: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        async (tickets, wakeUps) => {
          const store = await storeWith(history(SAMPLE_ORG))
          const pending = tickets.flatMap((t, i) => toSteps(`T${i}`, t)).sort((a, b) => a.at - b.at)
          const clock = { current: at(iso(BASE)), now: () => clock.current }
          const fake = fakeHandler(store)
          const runner = createTimerRunner({ store, handle: fake.handle, clock })
          let now = BASE
          let next = 0
          for (const w of wakeUps) {
            now += w.after * MIN
            clock.current = at(iso(now))
            const batch: Step[] = []
            while (next < pending.length && pending[next]!.at <= now + w.ahead * MIN)
              batch.push(pending[next++]!.step)
            if (w.policy)
              batch.push(
                policy(iso(now), { escalationDelays: { office: 'PT1H' }, resolutionTargets: { P3: 'PT2H' } }),
              )
            const head = await headOf(store)
            await loadStore(store, history(batch, head + 1))
            const all: RecordedEvent[] = []
            for await (const e of store.readAll()) all.push(e)
            const expected = dueCommands(
              all.reduce(applyServiceLevelEvent, initialServiceLevelState()),
              clock.current,
            )
            const sentBefore = fake.sent.length
            await runner.runOnce()
            expect(fake.sent.slice(sentBefore)).toEqual(expected)
          }
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('timers through the real command handler and deciders', () => {
  it('escalate and involve the hierarchy, once, with the deciders accepting the stamps', async () => {
    const store = createMemoryStore()
    const org = orgFacts.map((f, i) => ({ ...f, id: `org-${i}`, version: currentVersion[f.type], meta: {} }))
    const loaded = await store.append(ORGANIZATION_STREAM, org as EventToAppend[], 'no-stream')()
    expect(loaded._tag).toBe('Right')
    let now = at('2026-03-09T08:00:00.000Z') // Monday 09:00 Paris
    let ids = 0
    const handler = createCommandHandler({ store, clock: { now: () => now }, newId: () => `id-${ids++}` })
    const send = async (command: Command, agentId: string) => {
      const r = await handler.handle({ command, actor: actorOf(agentId) })()
      if (r._tag === 'Left') throw new Error(JSON.stringify(r.left))
    }
    await send(
      {
        type: 'OpenTicket',
        ticketId: 'T-1',
        requesterId: USER.alice,
        channel: 'phone',
        summary: 'no network',
      },
      AGENT.assistParis1,
    )
    now = at('2026-03-09T08:05:00.000Z')
    // Network: escalation delay PT2H → deadline 11:00 Paris (10:00Z); P1: resolution target PT4H.
    await send(
      { type: 'QualifyTicket', ticketId: 'T-1', kind: 'incident', domain: 'network', priority: 'P1' },
      AGENT.assistParis1,
    )

    const clock = { current: at('2026-03-09T12:00:00.000Z'), now: () => clock.current }
    const timers = createTimerRunner({ store, handle: handler.handle, clock })
    const first = await timers.runOnce()
    expect(first.refusals).toEqual([])
    expect(first.issued).toBe(1)
    expect((await timers.runOnce()).issued).toBe(0)

    // 17:00 Paris: no answer yet, so the response (PT4H) and resolution (PT4H) clocks are
    // both breached from 14:30:00.001 Paris (180 before lunch + 60 from 13:30).
    clock.current = at('2026-03-09T16:00:00.000Z')
    const second = await timers.runOnce()
    expect(second.refusals).toEqual([])
    expect(second.issued).toBe(2)
    expect((await timers.runOnce()).issued).toBe(0)

    const events = await store.readStream(ticketStream('T-1'))()
    const timed = (events._tag === 'Right' ? events.right : [])
      .filter((e) => e.actor.role === 'system')
      .map((e) => [
        e.type,
        e.at,
        e.type === 'HierarchyInvolved' || e.type === 'TicketEscalated' ? e.data.reason : '',
      ])
    expect(timed).toEqual([
      ['TicketEscalated', '2026-03-09T10:00:00.000Z', 'delay-expired'],
      ['HierarchyInvolved', '2026-03-09T13:30:00.001Z', 'response-breach'],
      ['HierarchyInvolved', '2026-03-09T13:30:00.001Z', 'resolution-breach'],
    ])
    const [levels] = ticketServiceLevels(timers.state())
    expect(levels?.escalation).toEqual({
      status: 'on-time',
      deadline: '2026-03-09T10:00:00.000Z',
      escalatedAt: '2026-03-09T10:00:00.000Z',
    })
  })
})
