/**
 * Invariants of the ticket decider over random command sequences.
 *
 * A model generator issues mostly lawful commands (a command that makes sense
 * in the ticket's current state, asked by someone entitled to it) and
 * sometimes anything at all (any command, any actor, odd values, time going
 * backwards), on the fixture organisation, where one agent may retire midway.
 * Whatever the decider accepts is then re-checked from the recorded events
 * alone by `checkTicketHistory`, an independent statement of the same rules.
 */
import fc from 'fast-check'
import { isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { type IsoInstant, instantMs, toInstant } from '../src/domain/codec.js'
import type { TicketCommand } from '../src/domain/commands.js'
import { fold } from '../src/domain/decider.js'
import type { Fact } from '../src/domain/envelope.js'
import type { TicketEvent } from '../src/domain/events.js'
import type { Agent, OrganizationView } from '../src/domain/organization-view.js'
import {
  type ExistingTicket,
  evolve,
  initialState,
  type TicketState,
  ticketDecider,
} from '../src/domain/ticket.js'
import { checkTicketHistory } from '../src/domain/ticket-rules.js'
import { type Actor, DOMAINS, isL1, PRIORITIES, SYSTEM } from '../src/domain/vocabulary.js'
import { fixtureOrg, retire, T0, users } from './support/org-fixture.js'

const TICKET = 'T-7'
const INCIDENTS = ['MI-1', 'MI-2', 'MI-3']

interface Step {
  readonly lawful: boolean
  readonly kind: number
  readonly pick: number
  readonly alt: number
  /** Minutes since the previous command (sometimes negative: a clock that went backwards). */
  readonly dt: number
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  lawful: fc.integer({ min: 0, max: 9 }).map((n) => n < 8),
  kind: fc.nat(),
  pick: fc.nat(),
  alt: fc.nat(),
  dt: fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 0, max: 600 }) },
    { weight: 1, arbitrary: fc.integer({ min: -120, max: -1 }) },
  ),
})

const scenarioArb = fc.record({
  requester: fc.constantFrom(...users.map((u) => u.userId)),
  retiring: fc.constantFrom(
    undefined,
    'tech-office-paris',
    'tech-office-mtl',
    'tech-net',
    'expert-office-net',
    'assist-paris',
    'assist-mtl',
  ),
  retireAfterMinutes: fc.integer({ min: 0, max: 6000 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 40, size: 'max' }),
})
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never

const pickFrom = <T>(xs: readonly T[], n: number): T | undefined => xs[n % Math.max(xs.length, 1)]

const actorOf = (a: Agent): Actor => ({ id: a.agentId, role: a.role })

/** Everyone who might try something: every agent, every user, the system, and an impostor. */
const everyone: readonly Actor[] = [
  ...[...fixtureOrg.agents.values()].map(actorOf),
  ...users.map((u): Actor => ({ id: u.userId, role: 'user' })),
  SYSTEM,
  { id: 'tech-net', role: 'assistance' },
  { id: 'agent-ghost', role: 'office-technician' },
]

const COMMAND_TYPES: readonly TicketCommand['type'][] = [
  'OpenTicket',
  'QualifyTicket',
  'AssignTicket',
  'InformUser',
  'EscalateTicket',
  'GiveExpertAdvice',
  'InvolveHierarchy',
  'SuspendTicket',
  'ResumeTicket',
  'ResolveTicket',
  'ReopenTicket',
  'CloseTicket',
  'RecordSatisfaction',
  'LinkTicketToMajorIncident',
]

/** The commands that make sense in a state (the lawful generator's menu). */
const sensible = (s: ExistingTicket): readonly TicketCommand['type'][] => {
  switch (s.status) {
    case 'open':
      // Steer towards the life cycle: qualify and assign first, then work and resolve.
      if (s.ownerId === null)
        return [
          'AssignTicket',
          'AssignTicket',
          'AssignTicket',
          'QualifyTicket',
          'InformUser',
          'EscalateTicket',
        ]
      return [
        ...(s.qualification === null ? (['QualifyTicket', 'QualifyTicket'] as const) : []),
        'QualifyTicket',
        'AssignTicket',
        'InformUser',
        'EscalateTicket',
        ...(s.awaitingExpert !== null
          ? (['GiveExpertAdvice', 'GiveExpertAdvice', 'GiveExpertAdvice'] as const)
          : []),
        'InvolveHierarchy',
        s.suspended === null ? 'SuspendTicket' : 'ResumeTicket',
        'ResolveTicket',
        'ResolveTicket',
        'ResolveTicket',
        'LinkTicketToMajorIncident',
      ]
    case 'resolved':
      return [
        'InformUser',
        'InformUser',
        'CloseTicket',
        'CloseTicket',
        'ReopenTicket',
        'RecordSatisfaction',
        'RecordSatisfaction',
        'QualifyTicket',
        'LinkTicketToMajorIncident',
      ]
    case 'closed':
      return ['ReopenTicket', 'RecordSatisfaction']
  }
}

/** One generated command and who asks for it. */
const generate = (
  s: TicketState,
  step: Step,
  org: OrganizationView,
  requester: string,
  now: IsoInstant,
): { readonly command: TicketCommand; readonly actor: Actor } => {
  const { lawful, pick, alt } = step
  const anyone = pickFrom(everyone, pick) ?? SYSTEM
  const agents = [...org.agents.values()]
  const active = agents.filter((a) => a.active)
  const some = (pred: (a: Agent) => boolean): Actor => {
    const found = pickFrom(active.filter(pred), pick)
    return found !== undefined ? actorOf(found) : anyone
  }
  const l1 = () => some((a) => isL1(a.role))
  const user = org.users.get(requester)
  if (s.status === 'none') {
    const command: TicketCommand = {
      type: 'OpenTicket',
      ticketId: TICKET,
      requesterId: lawful || alt % 4 !== 0 ? requester : 'user-nobody',
      channel: pickFrom(['phone', 'email', 'portal', 'walk-in'] as const, alt) ?? 'phone',
      summary: lawful || alt % 5 !== 0 ? 'my screen stays black' : ' ',
      ...(alt % 3 === 1 && user !== undefined ? { workstationType: user.workstationType } : {}),
    }
    return {
      command,
      actor: lawful ? some((a) => a.role === 'assistance' && a.deskId === user?.deskId) : anyone,
    }
  }
  const type = lawful
    ? (pickFrom(sensible(s), step.kind) ?? 'QualifyTicket')
    : (pickFrom(COMMAND_TYPES, step.kind) ?? 'CloseTicket')
  const owner: Actor = s.ownerId !== null ? some((a) => a.agentId === s.ownerId) : anyone
  const ownerOrDesk = (): Actor => (alt % 2 === 0 ? owner : some((a) => a.role === 'assistance'))
  const who = (lawfulActor: () => Actor): Actor => (lawful ? lawfulActor() : anyone)
  const base = { ticketId: TICKET }
  switch (type) {
    case 'OpenTicket':
      return {
        command: { ...base, type, requesterId: requester, channel: 'phone', summary: 'again' },
        actor: anyone,
      }
    case 'QualifyTicket':
      return {
        command: {
          ...base,
          type,
          kind: pickFrom(['incident', 'question', 'request', 'preventive'] as const, alt) ?? 'incident',
          domain: pickFrom(DOMAINS, alt >> 2) ?? 'office',
          priority: pickFrom(PRIORITIES, alt >> 4) ?? 'P3',
          ...(alt % 2 === 0 ? { diagnosis: 'first look' } : {}),
        },
        actor: who(l1),
      }
    case 'AssignTicket': {
      const candidates = active.filter(
        (a) =>
          isL1(a.role) &&
          a.workstationTypes.includes(s.workstationType) &&
          a.siteIds.includes(s.siteId) &&
          a.agentId !== s.ownerId,
      )
      const ownerId = (lawful ? pickFrom(candidates, alt) : pickFrom(agents, alt))?.agentId ?? 'agent-ghost'
      return { command: { ...base, type, ownerId }, actor: who(ownerOrDesk) }
    }
    case 'InformUser': {
      const kind =
        s.status === 'resolved' && lawful
          ? 'restoration'
          : (pickFrom(['answer', 'schedule', 'progress', 'restoration'] as const, alt) ?? 'answer')
      const offset = lawful ? 60 + (alt % 600) : (alt % 240) - 120
      const date =
        kind === 'schedule' || (!lawful && alt % 7 === 0)
          ? { expectedResolutionAt: toInstant(instantMs(now) + offset * 60_000) }
          : {}
      return {
        command: { ...base, type, kind, message: lawful || alt % 6 !== 0 ? 'news' : '', ...date },
        actor: who(ownerOrDesk),
      }
    }
    case 'EscalateTicket': {
      const system = alt % 3 === 0
      const domain = alt % 5 === 0 ? { domain: pickFrom(DOMAINS, alt >> 3) ?? 'network' } : {}
      return {
        command: {
          ...base,
          type,
          reason: system ? 'delay-expired' : 'manual',
          ...(system && lawful ? {} : domain),
          ...(alt % 2 ? { note: 'stuck' } : {}),
        },
        actor: who(() => (system ? SYSTEM : ownerOrDesk())),
      }
    }
    case 'GiveExpertAdvice': {
      const domain = s.status === 'open' ? s.awaitingExpert : null
      return {
        command: { ...base, type, advice: lawful || alt % 4 !== 0 ? 'reinstall the driver' : '' },
        actor: who(() =>
          some((a) => a.role === 'expert' && domain !== null && (a.domains ?? []).includes(domain)),
        ),
      }
    }
    case 'InvolveHierarchy': {
      const reason =
        pickFrom(['response-breach', 'resolution-breach', 'difficulty'] as const, alt) ?? 'difficulty'
      const actor =
        reason === 'difficulty'
          ? alt % 2
            ? owner
            : some((a) => a.role === 'manager')
          : alt % 2
            ? SYSTEM
            : some((a) => a.role === 'manager')
      return { command: { ...base, type, reason }, actor: who(() => actor) }
    }
    case 'SuspendTicket':
      return {
        command: { ...base, type, reason: alt % 2 ? 'awaiting-user' : 'awaiting-supplier' },
        actor: who(() => owner),
      }
    case 'ResumeTicket':
      return { command: { ...base, type }, actor: who(() => owner) }
    case 'ResolveTicket':
      return {
        command: {
          ...base,
          type,
          resolutionCode: 'fixed',
          solution: lawful || alt % 4 !== 0 ? 'driver reinstalled' : '\t ',
          ...(alt % 3 === 0 ? { knowledgeArticleId: 'KB-1' } : {}),
        },
        actor: who(() => owner),
      }
    case 'ReopenTicket':
      return {
        command: { ...base, type, reason: 'still broken' },
        actor: who(() => (alt % 3 === 0 ? { id: requester, role: 'user' } : ownerOrDesk())),
      }
    case 'CloseTicket':
      return { command: { ...base, type }, actor: who(ownerOrDesk) }
    case 'RecordSatisfaction':
      return {
        command: {
          ...base,
          type,
          score: lawful ? 1 + (alt % 5) : (alt % 8) - 1,
          ...(alt % 2 ? { comment: 'ok' } : {}),
        },
        actor: who(() => ({ id: requester, role: 'user' })),
      }
    case 'LinkTicketToMajorIncident':
      return { command: { ...base, type, incidentId: pickFrom(INCIDENTS, alt) ?? 'MI-1' }, actor: who(l1) }
  }
}

interface Run {
  readonly history: readonly Fact<TicketEvent>[]
  readonly incremental: TicketState
  readonly orgAt: (at: IsoInstant) => OrganizationView
  readonly refusals: readonly string[]
}

/** Play a scenario: decide each command on the state so far, record what is accepted. */
const play = (sc: Scenario): Run => {
  const retireMs = instantMs(T0) + sc.retireAfterMinutes * 60_000
  const after = sc.retiring === undefined ? fixtureOrg : retire(fixtureOrg, sc.retiring)
  const orgAt = (at: IsoInstant) => (instantMs(at) >= retireMs ? after : fixtureOrg)
  const history: Fact<TicketEvent>[] = []
  const refusals: string[] = []
  let state: TicketState = initialState
  let clock = instantMs(T0)
  for (const step of sc.steps) {
    clock += step.dt * 60_000
    const now = toInstant(clock)
    const org = orgAt(now)
    const { command, actor } = generate(state, step, org, sc.requester, now)
    const r = ticketDecider.decide(command, state, { now, actor, organization: org, newId: () => 'unused' })
    if (isRight(r)) {
      for (const e of r.right) {
        const f = { ...e, actor: e.actor ?? actor, at: now } as Fact<TicketEvent>
        history.push(f)
        state = evolve(state, f)
      }
    } else refusals.push(r.left._tag)
  }
  return { history, incremental: state, orgAt, refusals }
}

describe('ticket decider properties', () => {
  it('every accepted history satisfies the rules re-checked from its events alone, and folds deterministically', () => {
    const seenEvents = new Set<string>()
    const seenRefusals = new Set<string>()
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const run = play(sc)
        for (const e of run.history) seenEvents.add(e.type)
        for (const t of run.refusals) seenRefusals.add(t)
        expect(checkTicketHistory(run.history, run.orgAt)).toEqual([])
        const once = fold(ticketDecider, run.history)
        const twice = fold(ticketDecider, run.history)
        expect(twice).toEqual(once)
        expect(once).toEqual(run.incremental)
        // Time never goes backwards within the stream.
        run.history.forEach((e, i) => {
          const prev = run.history[i - 1]
          if (prev !== undefined) expect(instantMs(e.at)).toBeGreaterThanOrEqual(instantMs(prev.at))
        })
      }),
      { numRuns: 400 },
    )
    // The generator must exercise the whole life cycle, or the property says little.
    expect([...seenEvents].sort()).toEqual(
      [
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
      ].sort(),
    )
    for (const tag of [
      'TimeWentBackwards',
      'RoleNotAllowed',
      'NotTheOwner',
      'TicketClosed',
      'AgentNotActive',
    ])
      expect(seenRefusals).toContain(tag)
  })

  it('the re-check is not blind: an event repeated right after itself is reported when the rules forbid it', () => {
    // Repeating any of these is always unlawful (the first one changed what the second needs).
    const neverTwice = new Set<string>([
      'TicketOpened',
      'TicketAssigned',
      'TicketEscalated',
      'ExpertAdviceGiven',
      'TicketSuspended',
      'TicketResumed',
      'TicketResolved',
      'TicketReopened',
      'TicketClosed',
      'SatisfactionRecorded',
      'TicketLinkedToMajorIncident',
    ])
    let checked = 0
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (sc, n) => {
        const { history, orgAt } = play(sc)
        const candidates = history.map((e, i) => [e, i] as const).filter(([e]) => neverTwice.has(e.type))
        const chosen = pickFrom(candidates, n)
        if (chosen === undefined) return
        const [event, i] = chosen
        const tampered = [...history.slice(0, i + 1), event, ...history.slice(i + 1)]
        const problems = checkTicketHistory(tampered, orgAt)
        expect(problems.map((p) => p.index)).toContain(i + 1)
        checked++
      }),
      { numRuns: 300 },
    )
    expect(checked).toBeGreaterThan(100)
  })
})
