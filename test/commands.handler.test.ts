/**
 * The command handler against the in-memory store, with small deciders of our
 * own (the real ones are tested in their own files): revisions, stamping,
 * refusals, idempotency, retries on conflict, dating by the system, and the
 * organisation cache.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { describe, expect, it } from 'vitest'
import {
  type Clock,
  createHandler,
  type HandleError,
  type HandleResult,
  type HandlerDeps,
} from '../src/commands/engine.js'
import { makeRouting } from '../src/commands/routing.js'
import { type IsoInstant, instantMs, toInstant } from '../src/domain/codec.js'
import type {
  KnowledgeCommand,
  MajorIncidentCommand,
  OrganizationCommand,
  TicketCommand,
} from '../src/domain/commands.js'
import { type Decided, type Decider, domainError } from '../src/domain/decider.js'
import type { EventToAppend } from '../src/domain/envelope.js'
import type {
  KnowledgeEvent,
  MajorIncidentEvent,
  OrganizationEvent,
  TicketEvent,
} from '../src/domain/events.js'
import { emptyOrganization, type OrganizationView } from '../src/domain/organization-view.js'
import type { Actor } from '../src/domain/vocabulary.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { EventStore, ExpectedRevision } from '../src/store/port.js'
import { sealStore } from '../src/store/protected.js'

// ---- small deciders ------------------------------------------------------------

type OrgState = { readonly view: OrganizationView; readonly events: number }

/** Registers sites and users; anything else is refused. */
const orgDecider: Decider<OrganizationCommand, OrganizationEvent, OrgState> = {
  initialState: { view: emptyOrganization, events: 0 },
  evolve: (s, e) => {
    switch (e.type) {
      case 'SiteRegistered':
        return {
          view: { ...s.view, sites: new Map(s.view.sites).set(e.data.siteId, { ...e.data }) },
          events: s.events + 1,
        }
      case 'UserRegistered':
        return {
          view: { ...s.view, users: new Map(s.view.users).set(e.data.userId, { ...e.data }) },
          events: s.events + 1,
        }
      default:
        return { ...s, events: s.events + 1 }
    }
  },
  decide: (c, s) => {
    switch (c.type) {
      case 'RegisterSite':
        return s.view.sites.has(c.siteId)
          ? E.left(domainError('SiteAlreadyRegistered', `site ${c.siteId} is already registered`))
          : E.right([
              { type: 'SiteRegistered', data: { siteId: c.siteId, name: c.name, timeZone: c.timeZone } },
            ])
      case 'RegisterUser':
        return E.right([
          {
            type: 'UserRegistered',
            data: {
              userId: c.userId,
              name: c.name,
              siteId: c.siteId,
              workstationType: c.workstationType,
              deskId: c.deskId,
            },
          },
        ])
      default:
        return E.left(domainError('NotSupportedHere', `${c.type} is not supported by the test decider`))
    }
  },
}

type TicketState =
  | { readonly status: 'none' }
  | { readonly status: 'open'; readonly ticketId: string; readonly qualifications: number }

/**
 * A ticket decider small enough to read at a glance, with two deliberate bugs
 * (SuspendTicket emits invalid data, ResumeTicket an event of another stream).
 */
const ticketDecider: Decider<TicketCommand, TicketEvent, TicketState> = {
  initialState: { status: 'none' },
  evolve: (s, e) => {
    if (e.type === 'TicketOpened') return { status: 'open', ticketId: e.data.ticketId, qualifications: 0 }
    if (s.status === 'open' && e.type === 'TicketQualified')
      return { ...s, qualifications: s.qualifications + 1 }
    return s
  },
  decide: (c, s, ctx) => {
    if (c.type === 'OpenTicket') {
      if (s.status !== 'none')
        return E.left(domainError('TicketAlreadyExists', `ticket ${c.ticketId} already exists`))
      const user = ctx.organization.users.get(c.requesterId)
      if (user === undefined)
        return E.left(domainError('UserNotRegistered', `user ${c.requesterId} is not registered`))
      return E.right([
        {
          type: 'TicketOpened',
          data: {
            ticketId: c.ticketId,
            requesterId: c.requesterId,
            siteId: user.siteId,
            workstationType: user.workstationType,
            deskId: user.deskId,
            channel: c.channel,
            summary: c.summary,
          },
        },
      ])
    }
    if (s.status === 'none')
      return E.left(domainError('TicketNotFound', `ticket ${c.ticketId} does not exist`))
    switch (c.type) {
      case 'QualifyTicket':
        // The diagnosis counts qualifications: shows which state a decision saw.
        return E.right([
          {
            type: 'TicketQualified',
            data: {
              kind: c.kind,
              domain: c.domain,
              priority: c.priority,
              diagnosis: `qualification #${s.qualifications + 1}`,
            },
          },
        ])
      case 'EscalateTicket':
        // Two events, the second one by the system: exercises the actor override.
        return E.right([
          { type: 'TicketEscalated', data: { domain: c.domain ?? 'office', reason: c.reason } },
          {
            type: 'HierarchyInvolved',
            data: { reason: 'difficulty' },
            actor: { id: 'system', role: 'system' },
          },
        ] satisfies Decided<TicketEvent>[])
      case 'CloseTicket':
        return E.left(
          domainError('TicketNotResolved', `ticket ${c.ticketId} cannot be closed: it is not resolved`),
        )
      case 'ResumeTicket':
        return E.right([]) // nothing to do
      case 'SuspendTicket':
        return E.right([{ type: 'TicketSuspended', data: { reason: 'bogus' } } as unknown as TicketEvent])
      case 'LinkTicketToMajorIncident':
        return E.right([{ type: 'SiteRegistered', data: {} } as unknown as TicketEvent])
      default:
        return E.left(domainError('NotSupportedHere', `${c.type} is not supported by the test decider`))
    }
  },
}

const refuseAll = <C extends { type: string }, Ev extends MajorIncidentEvent | KnowledgeEvent>(): Decider<
  C,
  Ev,
  null
> => ({
  initialState: null,
  evolve: (s) => s,
  decide: (c) => E.left(domainError('NotSupportedHere', `${c.type} is not supported by the test decider`)),
})

const routing = makeRouting({
  organization: orgDecider,
  organizationView: (s) => s.view,
  ticket: ticketDecider,
  majorIncident: refuseAll<MajorIncidentCommand, MajorIncidentEvent>(),
  knowledge: refuseAll<KnowledgeCommand, KnowledgeEvent>(),
})

// ---- fixtures ------------------------------------------------------------------

const T0 = instantMs('2026-03-02T09:00:00.000Z')
const manager: Actor = { id: 'mgr-1', role: 'manager' }
const agent: Actor = { id: 'agent-12', role: 'assistance' }
const system: Actor = { id: 'system', role: 'system' }

/** A clock that moves only when told to, and ids that count. */
const fakeClock = (start = T0) => {
  let ms = start
  const clock: Clock = { now: () => toInstant(ms) }
  return { clock, advance: (minutes: number) => (ms += minutes * 60_000), set: (t: number) => (ms = t) }
}
const counter = (prefix: string) => {
  let n = 0
  return () => `${prefix}-${++n}`
}

const setup = (overrides: Partial<HandlerDeps> = {}) => {
  const store = overrides.store ?? createMemoryStore()
  const time = fakeClock()
  const handler = createHandler(routing, { store, clock: time.clock, newId: counter('evt'), ...overrides })
  return { store, handler, time }
}

const ok = async (te: TE.TaskEither<HandleError, HandleResult>): Promise<HandleResult> => {
  const r = await te()
  if (E.isLeft(r)) throw new Error(`expected success, got ${JSON.stringify(r.left)}`)
  return r.right
}
const ko = async (te: TE.TaskEither<HandleError, HandleResult>): Promise<HandleError> => {
  const r = await te()
  if (E.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right)}`)
  return r.left
}

const registerSite = {
  type: 'RegisterSite',
  siteId: 'site-paris',
  name: 'Paris',
  timeZone: 'Europe/Paris',
} as const
const registerUser = (userId = 'u-1') =>
  ({
    type: 'RegisterUser',
    userId,
    name: 'Jeanne Martin',
    siteId: 'site-paris',
    workstationType: 'windows-desktop',
    deskId: 'desk-paris',
  }) as const
const open = (ticketId = 'T-42', requesterId = 'u-1') =>
  ({ type: 'OpenTicket', ticketId, requesterId, channel: 'phone', summary: 'printer jammed' }) as const
const qualify = (ticketId = 'T-42') =>
  ({ type: 'QualifyTicket', ticketId, kind: 'incident', domain: 'office', priority: 'P3' }) as const

const bootstrap = async (handler: ReturnType<typeof setup>['handler']) => {
  await ok(handler.handle({ command: registerSite, actor: manager }))
  await ok(handler.handle({ command: registerUser(), actor: manager }))
}

/** Records every append's expected revision; optionally runs something just before an append. */
const spyStore = (inner: EventStore, beforeAppend?: (stream: string, call: number) => Promise<void>) => {
  const appends: { stream: string; expected: ExpectedRevision; count: number }[] = []
  const reads: { stream: string; fromRevision: number | undefined; count: number }[] = []
  const store: EventStore = {
    ...inner,
    append: (stream, events, expected) => async () => {
      appends.push({ stream, expected, count: events.length })
      if (beforeAppend !== undefined) await beforeAppend(stream, appends.length)
      return inner.append(stream, events, expected)()
    },
    readStream: (stream, options) => async () => {
      const r = await inner.readStream(stream, options)()
      reads.push({ stream, fromRevision: options?.fromRevision, count: E.isRight(r) ? r.right.length : -1 })
      return r
    },
  }
  return { store, appends, reads }
}

/** An event written by someone else, straight into the store. */
const foreign = (id: string, at: IsoInstant): EventToAppend => ({
  id,
  type: 'TicketQualified',
  version: 1,
  at,
  actor: { id: 'agent-7', role: 'office-technician' },
  data: { kind: 'request', domain: 'telephony', priority: 'P2' },
  meta: {},
})

// ---- tests ---------------------------------------------------------------------

describe('command handler: appending', () => {
  it('appends to the command stream with no-stream first, then the last revision read', async () => {
    const spy = spyStore(createMemoryStore())
    const { handler } = setup({ store: spy.store })
    await bootstrap(handler)
    const opened = await ok(handler.handle({ command: open(), actor: agent }))
    const qualified = await ok(handler.handle({ command: qualify(), actor: agent }))
    const again = await ok(handler.handle({ command: qualify(), actor: agent }))

    expect(spy.appends).toEqual([
      { stream: 'organization', expected: 'no-stream', count: 1 },
      { stream: 'organization', expected: 0, count: 1 },
      { stream: 'ticket-T-42', expected: 'no-stream', count: 1 },
      { stream: 'ticket-T-42', expected: 0, count: 1 },
      { stream: 'ticket-T-42', expected: 1, count: 1 },
    ])
    expect(opened.stream).toBe('ticket-T-42')
    expect(opened.events.map((e) => e.revision)).toEqual([0])
    expect(qualified.events.map((e) => e.revision)).toEqual([1])
    expect(again.events.map((e) => [e.revision, e.position])).toEqual([[2, 4]])
    const stored = await spy.store.readStream('ticket-T-42')()
    expect(E.isRight(stored) && stored.right.map((e) => e.type)).toEqual([
      'TicketOpened',
      'TicketQualified',
      'TicketQualified',
    ])
  })

  it('stamps id, version, at, actor and meta, and returns the events as stored', async () => {
    const { handler, store, time } = setup()
    await bootstrap(handler)
    time.advance(30)
    const r = await ok(
      handler.handle({
        command: open(),
        actor: agent,
        commandId: 'cmd-1',
        correlationId: 'call-77',
        causationId: 'phone-call-3',
      }),
    )
    expect(r.idempotentReplay).toBe(false)
    expect(r.events).toEqual([
      {
        id: 'evt-3',
        stream: 'ticket-T-42',
        revision: 0,
        position: 2,
        type: 'TicketOpened',
        version: 1,
        at: '2026-03-02T09:30:00.000Z',
        actor: agent,
        data: {
          ticketId: 'T-42',
          requesterId: 'u-1',
          siteId: 'site-paris',
          workstationType: 'windows-desktop',
          deskId: 'desk-paris',
          channel: 'phone',
          summary: 'printer jammed',
        },
        meta: {
          commandId: 'cmd-1',
          correlationId: 'call-77',
          causationId: 'phone-call-3',
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      },
    ])
    const stored = await store.readStream('ticket-T-42')()
    expect(stored).toEqual(E.right(r.events))
  })

  it('carries only the hash chain in meta when the request carries no ids (no prevHash at revision 0)', async () => {
    const { handler } = setup()
    await bootstrap(handler)
    const r = await ok(handler.handle({ command: open(), actor: agent }))
    expect(Object.keys(r.events[0]?.meta ?? {})).toEqual(['hash'])
  })

  it("stamps an event with the decider's actor when it overrides the request's", async () => {
    const { handler } = setup()
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    const r = await ok(
      handler.handle({
        command: { type: 'EscalateTicket', ticketId: 'T-42', reason: 'manual' },
        actor: agent,
      }),
    )
    expect(r.events.map((e) => [e.type, e.actor, e.revision])).toEqual([
      ['TicketEscalated', agent, 1],
      ['HierarchyInvolved', system, 2],
    ])
    expect(r.events.map((e) => e.position)).toEqual([3, 4])
  })

  it('appends nothing when the decider has nothing to record', async () => {
    const { handler, store } = setup()
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    const r = await ok(handler.handle({ command: { type: 'ResumeTicket', ticketId: 'T-42' }, actor: agent }))
    expect(r).toEqual({ stream: 'ticket-T-42', events: [], idempotentReplay: false })
    expect(await store.headPosition()()).toEqual(E.right(2))
  })
})

describe('command handler: refusals and bugs are values, and nothing is stored', () => {
  it('returns a refusal with its rule and appends nothing', async () => {
    const { handler, store } = setup()
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    const err = await ko(handler.handle({ command: { type: 'CloseTicket', ticketId: 'T-42' }, actor: agent }))
    expect(err).toEqual({
      _tag: 'Rejected',
      command: 'CloseTicket',
      stream: 'ticket-T-42',
      error: { _tag: 'TicketNotResolved', message: 'ticket T-42 cannot be closed: it is not resolved' },
    })
    expect(await store.headPosition()()).toEqual(E.right(2))
  })

  it('refuses a command on a ticket that does not exist without creating the stream', async () => {
    const { handler, store } = setup()
    const err = await ko(handler.handle({ command: qualify('T-404'), actor: agent }))
    expect(err._tag === 'Rejected' && err.error._tag).toBe('TicketNotFound')
    expect(await store.readStream('ticket-T-404')()).toEqual(E.right([]))
  })

  it('keeps an event with invalid data out of the store and names the field', async () => {
    const { handler, store } = setup()
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    const err = await ko(
      handler.handle({
        command: { type: 'SuspendTicket', ticketId: 'T-42', reason: 'awaiting-user' },
        actor: agent,
      }),
    )
    expect(err._tag).toBe('InvalidDecision')
    expect(err._tag === 'InvalidDecision' && err.problems.map((p) => p.path)).toEqual([
      'events.0.data.reason',
    ])
    expect(await store.headPosition()()).toEqual(E.right(2))
  })

  it('keeps an event of another stream out of the store', async () => {
    const { handler, store } = setup()
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    const err = await ko(
      handler.handle({
        command: { type: 'LinkTicketToMajorIncident', ticketId: 'T-42', incidentId: 'MI-1' },
        actor: agent,
      }),
    )
    expect(err._tag === 'InvalidDecision' && err.problems[0]?.path).toBe('events.0.type')
    expect(await store.headPosition()()).toEqual(E.right(2))
  })

  it('reports a store failure as a value', async () => {
    const inner = createMemoryStore()
    const broken: EventStore = {
      ...inner,
      readStream: (stream, o) =>
        stream === 'ticket-T-42'
          ? TE.left({ _tag: 'StoreUnavailable', message: 'disk on fire' })
          : inner.readStream(stream, o),
    }
    const { handler } = setup({ store: broken })
    await bootstrap(handler)
    expect(await ko(handler.handle({ command: open(), actor: agent }))).toEqual({
      _tag: 'StoreUnavailable',
      message: 'disk on fire',
    })
  })
})

describe('command handler: idempotency on commandId', () => {
  it('answers a repeated commandId with the original events and appends nothing', async () => {
    const { handler, store, time } = setup()
    await bootstrap(handler)
    const first = await ok(handler.handle({ command: open(), actor: agent, commandId: 'cmd-open' }))
    time.advance(5)
    const second = await ok(handler.handle({ command: open(), actor: agent, commandId: 'cmd-open' }))
    expect(second).toEqual({ ...first, idempotentReplay: true })
    expect(await store.headPosition()()).toEqual(E.right(2))
    // The same command without the id is decided again (and refused: the ticket exists).
    const err = await ko(handler.handle({ command: open(), actor: agent }))
    expect(err._tag === 'Rejected' && err.error._tag).toBe('TicketAlreadyExists')
  })

  it('returns every event of a multi-event command on a replay', async () => {
    const { handler } = setup()
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    const escalate = { type: 'EscalateTicket', ticketId: 'T-42', reason: 'manual' } as const
    const first = await ok(handler.handle({ command: escalate, actor: agent, commandId: 'esc-1' }))
    await ok(handler.handle({ command: qualify(), actor: agent }))
    const again = await ok(handler.handle({ command: escalate, actor: agent, commandId: 'esc-1' }))
    expect(again.idempotentReplay).toBe(true)
    expect(again.events).toEqual(first.events)
    expect(again.events).toHaveLength(2)
  })

  it('is idempotent on the organisation stream too, also across handler instances', async () => {
    const { handler, store, time } = setup()
    const first = await ok(handler.handle({ command: registerSite, actor: manager, commandId: 'site-1' }))
    await ok(handler.handle({ command: registerUser(), actor: manager }))
    const again = await ok(handler.handle({ command: registerSite, actor: manager, commandId: 'site-1' }))
    expect(again).toEqual({ ...first, idempotentReplay: true })
    const other = createHandler(routing, { store, clock: time.clock, newId: counter('other') })
    const fromOther = await ok(other.handle({ command: registerSite, actor: manager, commandId: 'site-1' }))
    expect(fromOther).toEqual({ ...first, idempotentReplay: true })
    expect(await store.headPosition()()).toEqual(E.right(1))
  })

  it('does not remember refusals: a retried refused command is decided again', async () => {
    const { handler } = setup()
    await ok(handler.handle({ command: registerSite, actor: manager }))
    expect(await ko(handler.handle({ command: open(), actor: agent, commandId: 'c-9' }))).toMatchObject({
      error: { _tag: 'UserNotRegistered' },
    })
    await ok(handler.handle({ command: registerUser(), actor: manager }))
    const r = await ok(handler.handle({ command: open(), actor: agent, commandId: 'c-9' }))
    expect(r.idempotentReplay).toBe(false)
    expect(r.events.map((e) => e.type)).toEqual(['TicketOpened'])
  })
})

describe('command handler: concurrency', () => {
  it('re-reads, re-decides and appends after a concurrent write', async () => {
    const inner = createMemoryStore()
    let armed = false
    const spy = spyStore(inner, async (stream) => {
      if (stream === 'ticket-T-42' && armed) {
        armed = false
        const r = await inner.append(stream, [foreign('someone-else', toInstant(T0))], 0)()
        expect(E.isRight(r)).toBe(true)
      }
    })
    const { handler } = setup({ store: spy.store })
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    armed = true
    const r = await ok(handler.handle({ command: qualify(), actor: agent }))

    expect(spy.appends.filter((a) => a.stream === 'ticket-T-42').map((a) => a.expected)).toEqual([
      'no-stream',
      0,
      1,
    ])
    expect(r.events.map((e) => e.revision)).toEqual([2])
    // Decided again on the state that includes the other writer's qualification.
    expect(r.events[0]?.data).toMatchObject({ diagnosis: 'qualification #2' })
    const stored = await inner.readStream('ticket-T-42')()
    expect(E.isRight(stored) && stored.right.map((e) => e.id)).toEqual([
      'evt-3',
      'someone-else',
      r.events[0]?.id,
    ])
  })

  it('gives up with the conflict after maxRetries re-decisions', async () => {
    const inner = createMemoryStore()
    let n = 0
    const spy = spyStore(inner, async (stream) => {
      if (stream !== 'ticket-T-42') return
      const last = await inner.readStream(stream)()
      const rev = E.isRight(last) ? last.right.length - 1 : -1
      await inner.append(stream, [foreign(`intruder-${++n}`, toInstant(T0))], rev < 0 ? 'no-stream' : rev)()
    })
    const { handler } = setup({ store: spy.store, maxRetries: 2 })
    await bootstrap(handler)
    await ok(
      createHandler(routing, { store: inner, clock: fakeClock().clock, newId: counter('x') }).handle({
        command: open(),
        actor: agent,
      }),
    )
    const err = await ko(handler.handle({ command: qualify(), actor: agent }))
    expect(err._tag).toBe('ConcurrencyConflict')
    expect(spy.appends.filter((a) => a.stream === 'ticket-T-42')).toHaveLength(3) // 1 + maxRetries
    // The intruders' events are there, ours is not.
    const stored = await inner.readStream('ticket-T-42')()
    expect(E.isRight(stored) && stored.right.map((e) => e.id)).toEqual([
      'x-1',
      'intruder-1',
      'intruder-2',
      'intruder-3',
    ])
  })

  it('turns a concurrent duplicate of the same commandId into a replay', async () => {
    const { handler, store, time } = setup()
    await bootstrap(handler)
    const twin = createHandler(routing, { store, clock: time.clock, newId: counter('twin') })
    const [a, b] = await Promise.all([
      handler.handle({ command: open(), actor: agent, commandId: 'dup' })(),
      twin.handle({ command: open(), actor: agent, commandId: 'dup' })(),
    ])
    const results = [a, b].map((r) => (E.isRight(r) ? r.right : undefined))
    expect(results.map((r) => r?.idempotentReplay).sort()).toEqual([false, true])
    expect(results[0]?.events).toEqual(results[1]?.events)
    expect(await store.readStream('ticket-T-42')()).toMatchObject(E.right([{ type: 'TicketOpened' }]))
  })

  it('refuses maxRetries that are not a non-negative integer (a programmer error)', () => {
    expect(() => setup({ maxRetries: -1 })).toThrow(/maxRetries/)
  })
})

describe('command handler: time', () => {
  it('refuses an explicit instant from anyone but the system', async () => {
    const { handler, store } = setup()
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    const at = '2026-03-02T08:00:00.000Z' as IsoInstant
    const err = await ko(handler.handle({ command: qualify(), actor: agent, at }))
    expect(err).toMatchObject({ _tag: 'Rejected', error: { _tag: 'AtReservedForSystem' } })
    expect(err._tag === 'Rejected' && err.error.message).toContain('agent-12')
    expect(await store.headPosition()()).toEqual(E.right(2))
  })

  it('lets the system date a command (a timer stamps an escalation at its deadline)', async () => {
    const { handler, time } = setup()
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    time.advance(600)
    const deadline = '2026-03-02T13:00:00.000Z' as IsoInstant
    const r = await ok(
      handler.handle({
        command: { type: 'EscalateTicket', ticketId: 'T-42', reason: 'delay-expired' },
        actor: system,
        at: deadline,
      }),
    )
    expect(r.events.map((e) => e.at)).toEqual([deadline, deadline])
  })

  it('never stamps an event before the last one of its stream when the clock lags', async () => {
    const { handler, time } = setup()
    await bootstrap(handler)
    time.advance(60)
    const opened = await ok(handler.handle({ command: open(), actor: agent }))
    time.advance(-10)
    const r = await ok(handler.handle({ command: qualify(), actor: agent }))
    expect(r.events[0]?.at).toBe(opened.events[0]?.at)
  })
})

describe('command handler: organisation cache', () => {
  it('reads the organisation once, then only what is new', async () => {
    const spy = spyStore(createMemoryStore())
    const { handler } = setup({ store: spy.store })
    await ok(handler.handle({ command: registerSite, actor: manager }))
    for (let i = 1; i <= 20; i++)
      await ok(handler.handle({ command: registerUser(`u-${i}`), actor: manager }))
    spy.reads.length = 0
    for (let i = 1; i <= 5; i++) await ok(handler.handle({ command: open(`T-${i}`, `u-${i}`), actor: agent }))
    const orgReads = spy.reads.filter((r) => r.stream === 'organization')
    expect(orgReads).toHaveLength(5)
    expect(orgReads.every((r) => r.fromRevision === 21 && r.count === 0)).toBe(true)
  })

  it('catches up with organisation changes made by another writer', async () => {
    const { handler, store, time } = setup()
    await ok(handler.handle({ command: registerSite, actor: manager }))
    const refused = await ko(handler.handle({ command: open('T-1', 'u-new'), actor: agent }))
    expect(refused).toMatchObject({ error: { _tag: 'UserNotRegistered' } })
    // Another process registers the user.
    const other = createHandler(routing, { store, clock: time.clock, newId: counter('other') })
    await ok(other.handle({ command: registerUser('u-new'), actor: manager }))
    const r = await ok(handler.handle({ command: open('T-1', 'u-new'), actor: agent }))
    expect(r.events[0]?.data).toMatchObject({ requesterId: 'u-new', siteId: 'site-paris' })
    const view = await handler.organization()()
    expect(E.isRight(view) && [...view.right.users.keys()]).toEqual(['u-new'])
  })

  it('decides organisation commands on the cached state and retries when another writer got there first', async () => {
    const { handler, store, time } = setup()
    await ok(handler.handle({ command: registerSite, actor: manager }))
    const other = createHandler(routing, { store, clock: time.clock, newId: counter('other') })
    await ok(other.handle({ command: registerUser('u-2'), actor: manager }))
    // handler's cache is at revision 0; its append conflicts once, then succeeds at revision 2.
    const r = await ok(handler.handle({ command: registerUser('u-3'), actor: manager }))
    expect(r.events.map((e) => e.revision)).toEqual([2])
    const dup = await ko(handler.handle({ command: registerSite, actor: manager }))
    expect(dup).toMatchObject({ _tag: 'Rejected', error: { _tag: 'SiteAlreadyRegistered' } })
  })
})

describe('command handler: stream cache', () => {
  const ticketReads = (reads: ReturnType<typeof spyStore>['reads']) =>
    reads.filter((r) => r.stream === 'ticket-T-42').map((r) => [r.fromRevision, r.count])

  it('reads a stream once, then only what was appended since', async () => {
    const spy = spyStore(createMemoryStore())
    const { handler } = setup({ store: spy.store })
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    await ok(handler.handle({ command: qualify(), actor: agent }))
    const r = await ok(handler.handle({ command: qualify(), actor: agent }))
    expect(r.events[0]?.data).toMatchObject({ diagnosis: 'qualification #2' })
    expect(ticketReads(spy.reads)).toEqual([
      [undefined, 0],
      [1, 0],
      [2, 0],
    ])
  })

  it('folds on what another writer appended meanwhile', async () => {
    const spy = spyStore(createMemoryStore())
    const { handler } = setup({ store: spy.store })
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    await ok(handler.handle({ command: qualify(), actor: agent }))
    expect(E.isRight(await spy.store.append('ticket-T-42', [foreign('other', toInstant(T0))], 1)())).toBe(
      true,
    )
    const r = await ok(handler.handle({ command: qualify(), actor: agent }))
    expect(r.events[0]?.data).toMatchObject({ diagnosis: 'qualification #3' })
    expect(r.events[0]?.revision).toBe(3)
    expect(ticketReads(spy.reads).at(-1)).toEqual([2, 1])
  })

  it('reads the whole stream again after a conflict, and for a command with an id', async () => {
    const inner = createMemoryStore()
    let armed = false
    const spy = spyStore(inner, async (stream) => {
      if (stream === 'ticket-T-42' && armed) {
        armed = false
        await inner.append(stream, [foreign('someone-else', toInstant(T0))], 1)()
      }
    })
    const { handler } = setup({ store: spy.store })
    await bootstrap(handler)
    await ok(handler.handle({ command: open(), actor: agent }))
    await ok(handler.handle({ command: qualify(), actor: agent }))
    armed = true
    const r = await ok(handler.handle({ command: qualify(), actor: agent }))
    expect(r.events[0]?.data).toMatchObject({ diagnosis: 'qualification #3' })
    await ok(handler.handle({ command: qualify(), actor: agent, commandId: 'c-1' }))
    expect(ticketReads(spy.reads).slice(2)).toEqual([
      [2, 0], // from the cache: the conflict comes at the append
      [undefined, 3], // the retry
      [undefined, 4], // the command with an id
    ])
  })

  it('keeps at most cachedStreams streams, and none with 0 or with a store that seals by itself', async () => {
    const fullReads = async (overrides: Partial<HandlerDeps>, store: EventStore) => {
      const spy = spyStore(store)
      const { handler } = setup({ ...overrides, store: spy.store })
      await bootstrap(handler)
      await ok(handler.handle({ command: open('T-1'), actor: agent }))
      await ok(handler.handle({ command: open('T-2'), actor: agent }))
      for (let i = 1; i <= 3; i++) {
        const a = await ok(handler.handle({ command: qualify('T-1'), actor: agent }))
        const b = await ok(handler.handle({ command: qualify('T-2'), actor: agent }))
        // Whatever is cached, each decision sees every earlier qualification.
        expect([a, b].map((r) => r.events[0]?.data)).toMatchObject([
          { diagnosis: `qualification #${i}` },
          { diagnosis: `qualification #${i}` },
        ])
      }
      return spy.reads.filter((r) => r.stream.startsWith('ticket-') && r.fromRevision === undefined).length
    }
    expect(await fullReads({}, createMemoryStore())).toBe(2) // the openings only
    expect(await fullReads({ cachedStreams: 2 }, createMemoryStore())).toBe(2)
    expect(await fullReads({ cachedStreams: 1 }, createMemoryStore())).toBe(8) // evicted by the other one
    expect(await fullReads({ cachedStreams: 0 }, createMemoryStore())).toBe(8)
    expect(await fullReads({}, sealStore(createMemoryStore()))).toBe(8)
    expect(() => setup({ cachedStreams: 1.5 })).toThrow(/cachedStreams/)
  })
})

describe('command handler: untrusted input', () => {
  it('decodes input first and reports problems with their paths', async () => {
    const { handler, store } = setup()
    const err = await ko(
      handler.handleInput(
        { type: 'OpenTicket', ticketId: 'T-1', channel: 'fax', summary: 'x', junk: 1 },
        agent,
      ),
    )
    expect(err._tag).toBe('InvalidCommand')
    expect(err._tag === 'InvalidCommand' && err.problems.map((p) => p.path).sort()).toEqual([
      'channel',
      'junk',
      'requesterId',
    ])
    expect(await store.headPosition()()).toEqual(E.right(-1))
  })

  it('handles decoded input like a typed command, with its options', async () => {
    const { handler } = setup()
    await bootstrap(handler)
    const r = await ok(handler.handleInput(JSON.parse(JSON.stringify(open())), agent, { commandId: 'in-1' }))
    expect(r.events[0]?.meta).toEqual({ commandId: 'in-1', hash: expect.any(String) })
    const again = await ok(handler.handleInput(open(), agent, { commandId: 'in-1' }))
    expect(again.idempotentReplay).toBe(true)
  })
})

describe("createCommandHandler: Soutien's deciders wired in", () => {
  const at = (minutes: number) => toInstant(T0 + minutes * 60_000)
  const assistance: Actor = { id: 'agent-12', role: 'assistance' }
  const technician: Actor = { id: 'tech-3', role: 'office-technician' }

  const organisation: readonly OrganizationCommand[] = [
    { type: 'RegisterSite', siteId: 'site-paris', name: 'Paris', timeZone: 'Europe/Paris' },
    {
      type: 'RegisterDesk',
      deskId: 'desk-paris',
      name: 'AU Paris',
      contact: '3000',
      siteIds: ['site-paris'],
    },
    { type: 'DefineWorkstationType', workstationType: 'windows-desktop', label: 'Windows 11' },
    {
      type: 'RegisterUser',
      userId: 'u-1',
      name: 'Jeanne Martin',
      siteId: 'site-paris',
      workstationType: 'windows-desktop',
      deskId: 'desk-paris',
    },
    {
      type: 'EnrollAgent',
      agentId: 'agent-12',
      name: 'Paul Lenoir',
      role: 'assistance',
      siteIds: ['site-paris'],
      workstationTypes: ['windows-desktop'],
      deskId: 'desk-paris',
    },
    {
      type: 'EnrollAgent',
      agentId: 'tech-3',
      name: 'Ana Costa',
      role: 'office-technician',
      siteIds: ['site-paris'],
      workstationTypes: ['windows-desktop'],
    },
    {
      type: 'EnrollAgent',
      agentId: 'mgr-1',
      name: 'Claire Dubois',
      role: 'manager',
      siteIds: ['site-paris'],
      workstationTypes: [],
    },
  ]

  // Imported here so that a decider that fails to load fails these tests only, not the engine's.
  const soutien = async () => {
    const { createCommandHandler } = await import('../src/commands/handler.js')
    const store = createMemoryStore()
    const time = fakeClock()
    const handler = createCommandHandler({ store, clock: time.clock, newId: counter('evt') })
    for (const command of organisation) await ok(handler.handle({ command, actor: system }))
    return { store, time, handler }
  }

  it('sets up an organisation, opens and assigns a ticket, and refuses by the rules', async () => {
    const { handler, time, store } = await soutien()
    time.advance(10)
    const opened = await ok(
      handler.handleInput(
        { type: 'OpenTicket', ticketId: 'T-42', requesterId: 'u-1', channel: 'phone', summary: 'écran noir' },
        assistance,
        { commandId: 'open-T-42' },
      ),
    )
    expect(opened.events).toMatchObject([
      {
        stream: 'ticket-T-42',
        revision: 0,
        type: 'TicketOpened',
        at: at(10),
        data: { siteId: 'site-paris', workstationType: 'windows-desktop', deskId: 'desk-paris' },
      },
    ])
    await ok(
      handler.handle({
        command: { type: 'AssignTicket', ticketId: 'T-42', ownerId: 'tech-3' },
        actor: assistance,
      }),
    )
    const refused = await ko(
      handler.handle({ command: { type: 'CloseTicket', ticketId: 'T-42' }, actor: technician }),
    )
    expect(refused).toMatchObject({ _tag: 'Rejected', error: { _tag: 'TicketNotResolved' } })
    // Once a manager is enrolled, the system no longer changes the organisation.
    const late = await ko(handler.handle({ command: organisation[0] as OrganizationCommand, actor: system }))
    expect(late).toMatchObject({
      _tag: 'Rejected',
      stream: 'organization',
      error: { _tag: 'RoleNotAllowed' },
    })
    expect(await store.headPosition()()).toEqual(E.right(organisation.length + 1))
  })

  it('records a major incident and the system alert of every support agent in one append', async () => {
    const { handler } = await soutien()
    const r = await ok(
      handler.handle({
        command: {
          type: 'DeclareMajorIncident',
          incidentId: 'MI-1',
          summary: 'Messagerie indisponible',
          siteIds: ['site-paris'],
          services: ['messagerie'],
        },
        actor: technician,
      }),
    )
    expect(r.events.map((e) => [e.type, e.actor.role, e.revision, e.position])).toEqual([
      ['MajorIncidentDeclared', 'office-technician', 0, organisation.length],
      ['SupportStaffAlerted', 'system', 1, organisation.length + 1],
    ])
    expect(r.events[1]?.data).toEqual({ agentIds: ['agent-12', 'tech-3'] })
  })

  it('routes knowledge articles to their own stream', async () => {
    const { handler } = await soutien()
    const r = await ok(
      handler.handle({
        command: {
          type: 'PublishKnowledgeArticle',
          articleId: 'KB-1',
          title: 'Écran noir au démarrage',
          domain: 'office',
          workstationTypes: ['windows-desktop'],
          body: 'Vérifier le câble, puis…',
        },
        actor: technician,
      }),
    )
    expect(r.events.map((e) => [e.stream, e.type])).toEqual([['knowledge-KB-1', 'KnowledgeArticlePublished']])
  })
})
