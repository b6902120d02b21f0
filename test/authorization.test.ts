/**
 * The authorisation matrix of docs/authorization.md, tried for real: every
 * command, with every role, from a state where nothing but the actor can make
 * it fail, through Soutien's command handler. The expected outcomes are read
 * from the tables of the doc, so the doc and the rules cannot drift apart.
 *
 * Each role is played by an enrolled, active agent of the fixture organisation
 * (test/support/org-events.ts), by a user for `user`, or by `system`; the
 * "situation" of a row says who that actor is with respect to the ticket
 * (its owner, its requester, an expert of the domain asked…).
 */
import { readFileSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { COMMAND_TYPES } from '../src/commands/codecs.js'
import type { CommandHandler } from '../src/commands/engine.js'
import { createCommandHandler } from '../src/commands/handler.js'
import { commandCategory } from '../src/commands/routing.js'
import { type Duration, instantMs, type LocalDate, toInstant } from '../src/domain/codec.js'
import type { Command, CommandType, OrganizationCommand } from '../src/domain/commands.js'
import { type EventToAppend, ORGANIZATION_STREAM } from '../src/domain/envelope.js'
import { currentVersion } from '../src/domain/events.js'
import { type Actor, isL1, ROLES, type Role, SYSTEM } from '../src/domain/vocabulary.js'
import { createMemoryStore } from '../src/store/memory.js'
import { AGENT, DESK, NOW, orgFacts, PARIS_HOURS, SITE, USER, WS } from './support/org-events.js'

// ---- the tables of docs/authorization.md ---------------------------------------

const DOC = readFileSync(new URL('../docs/authorization.md', import.meta.url), 'utf8')

/** The rows of the markdown table between `<!-- name -->` and `<!-- /name -->`. */
const tableOf = (name: string): { header: string[]; rows: string[][] } => {
  const m = new RegExp(`<!-- ${name} -->\\n([\\s\\S]*?)<!-- /${name} -->`).exec(DOC)
  if (m === null) throw new Error(`docs/authorization.md has no <!-- ${name} --> table`)
  const lines = (m[1] ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('|'))
  const cells = (l: string) =>
    l
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim().replaceAll('`', ''))
  const [head, _separator, ...body] = lines
  if (head === undefined) throw new Error(`the ${name} table is empty`)
  return { header: cells(head), rows: body.map(cells) }
}

type Situation = 'own' | 'other' | 'manager active' | 'no manager active' | 'any'
/** What the doc says for one command variant in one situation, per role: `allowed` or a refusal tag. */
interface DocRow {
  readonly variant: string
  readonly situation: Situation
  readonly outcomes: Readonly<Record<Role, string>>
}

const matrix = (): DocRow[] => {
  const { header, rows } = tableOf('matrix')
  const roleColumns = header.slice(3)
  expect(header.slice(0, 3)).toEqual(['command', 'situation', 'who may'])
  expect(roleColumns).toEqual(ROLES)
  return rows.map((r) => ({
    variant: r[0] ?? '',
    situation: (r[1] ?? '') as Situation,
    outcomes: Object.fromEntries(ROLES.map((role, i) => [role, r[3 + i] ?? ''])) as Record<Role, string>,
  }))
}

// ---- the world every cell starts from -----------------------------------------

const manager: Actor = { id: AGENT.managerParis, role: 'manager' }
const TICKET = 'T-1'
const REQUESTER = USER.alice // Paris, Windows desktop, desk-paris

interface World {
  readonly handler: CommandHandler
  /** Run a setup step, which must be accepted. */
  readonly run: (command: Command, actor: Actor) => Promise<void>
}

/** A fresh store with the fixture organisation, and a handler whose clock ticks a minute per decision. */
const world = async (): Promise<World> => {
  const store = createMemoryStore()
  const facts: EventToAppend[] = orgFacts.map(
    (f, i) => ({ ...f, id: `org-${i}`, version: currentVersion[f.type], meta: {} }) as EventToAppend,
  )
  const loaded = await store.append(ORGANIZATION_STREAM, facts, 'no-stream')()
  if (E.isLeft(loaded)) throw new Error(loaded.left.message)
  let t = instantMs(NOW)
  const handler = createCommandHandler({
    store,
    clock: {
      now: () => {
        t += 60_000
        return toInstant(t)
      },
    },
  })
  const run = async (command: Command, actor: Actor) => {
    const r = await handler.handle({ command, actor })()
    if (E.isLeft(r))
      throw new Error(`setup step ${command.type} by ${actor.id} was refused: ${JSON.stringify(r.left)}`)
  }
  return { handler, run }
}

// ---- who plays each role ---------------------------------------------------------

/** The agent of each level-1 role who can own the requester's ticket (Paris, Windows desktop). */
const L1_AGENT: Readonly<Record<string, string>> = {
  assistance: AGENT.assistParis1,
  'office-technician': AGENT.officeTechParis,
  'telephony-technician': AGENT.telephonyTech,
  'business-support': AGENT.businessSupportParis,
  'network-technician': AGENT.networkTech,
}
/** Level-1 agents able to own the ticket, in the order they are picked as "someone else". */
const OWNERS = [AGENT.officeTechParis, AGENT.telephonyTech, AGENT.businessSupportParis, AGENT.networkTech]

/** The actor playing `role` in `situation`. */
const actorFor = (role: Role, situation: Situation): Actor => {
  switch (role) {
    case 'user':
      return { id: situation === 'other' ? USER.bruno : REQUESTER, role }
    case 'system':
      return SYSTEM
    case 'manager':
      // While no manager is active, "any manager actor": here one not (yet) enrolled.
      return { id: situation === 'no manager active' ? 'manager-new' : AGENT.managerParis, role }
    case 'expert':
      // The ticket is qualified and escalated in the office domain.
      return { id: situation === 'other' ? AGENT.expertTelephony : AGENT.expertOffice, role }
    case 'assistance':
      // "other": an assistance agent of another desk, who does not own the ticket.
      return { id: situation === 'other' ? AGENT.assistLyon : AGENT.assistParis1, role }
    default: {
      const id = L1_AGENT[role]
      if (id === undefined) throw new Error(`no fixture agent for ${role}`)
      return { id, role }
    }
  }
}

/** Who owns the ticket: the acting level-1 agent in its own situation, else another one. */
const ownerFor = (actor: Actor, situation: Situation): string =>
  situation === 'own' && isL1(actor.role) ? actor.id : (OWNERS.find((id) => id !== actor.id) as string)

// ---- each command variant: its setup and the command itself ------------------------

interface Scenario {
  /** Steps (accepted) that bring the world to where the command is otherwise valid. */
  readonly setup: (owner: string, actor: Actor) => readonly [Command, Actor][]
  readonly command: (owner: string, actor: Actor) => Command
}

const assistance: Actor = { id: AGENT.assistParis1, role: 'assistance' }
const actorOf = (id: string): Actor => {
  const role = Object.entries(L1_AGENT).find(([, agent]) => agent === id)?.[0] as Role | undefined
  if (role === undefined) throw new Error(`${id} is not a level-1 fixture agent`)
  return { id, role }
}

const open: Command = {
  type: 'OpenTicket',
  ticketId: TICKET,
  requesterId: REQUESTER,
  channel: 'phone',
  summary: 'Outlook se ferme au démarrage',
}
const assign = (owner: string): [Command, Actor] => [
  { type: 'AssignTicket', ticketId: TICKET, ownerId: owner },
  assistance,
]
const qualify: Command = {
  type: 'QualifyTicket',
  ticketId: TICKET,
  kind: 'incident',
  domain: 'office',
  priority: 'P3',
}
const opened = (owner: string): [Command, Actor][] => [[open, assistance], assign(owner)]
const resolved = (owner: string): [Command, Actor][] => [
  ...opened(owner),
  [
    {
      type: 'ResolveTicket',
      ticketId: TICKET,
      resolutionCode: 'config',
      solution: 'Profil Outlook recréé',
    },
    actorOf(owner),
  ],
]

const ticket = (
  setup: (owner: string) => [Command, Actor][],
  command: (owner: string, actor: Actor) => Command,
): Scenario => ({ setup: (owner) => setup(owner), command })

const DECLARE: Command = {
  type: 'DeclareMajorIncident',
  incidentId: 'MI-1',
  summary: 'Messagerie indisponible',
  siteIds: [SITE.paris],
  services: ['messagerie'],
}
const ARTICLE: Command = {
  type: 'PublishKnowledgeArticle',
  articleId: 'KB-1',
  title: 'Outlook se ferme au démarrage',
  domain: 'office',
  workstationTypes: [WS.windows],
  body: 'Recréer le profil Outlook.',
}

const ORG_SCENARIOS: Readonly<Record<OrganizationCommand['type'], Scenario>> = {
  RegisterSite: {
    setup: () => [],
    command: () => ({
      type: 'RegisterSite',
      siteId: 'site-nantes',
      name: 'Nantes',
      timeZone: 'Europe/Paris',
    }),
  },
  SetSupportHours: {
    setup: () => [],
    command: () => ({
      type: 'SetSupportHours',
      siteId: SITE.lyon,
      weekly: PARIS_HOURS,
      holidays: ['2026-05-01' as LocalDate],
    }),
  },
  RegisterDesk: {
    setup: () => [],
    command: () => ({
      type: 'RegisterDesk',
      deskId: 'desk-paris-2',
      name: 'Assistance Paris (2)',
      contact: '+33 1 40 00 99 99',
      siteIds: [SITE.paris],
    }),
  },
  DefineWorkstationType: {
    setup: () => [],
    command: () => ({ type: 'DefineWorkstationType', workstationType: 'tablet', label: 'Tablette' }),
  },
  RegisterUser: {
    setup: () => [],
    command: () => ({
      type: 'RegisterUser',
      userId: 'user-ines',
      name: 'Inès Fabre',
      siteId: SITE.paris,
      workstationType: WS.windows,
      deskId: DESK.paris,
    }),
  },
  DesignateUserEntryPoint: {
    setup: () => [
      [
        {
          type: 'RegisterDesk',
          deskId: 'desk-paris-2',
          name: 'Assistance Paris (2)',
          contact: '+33 1 40 00 99 99',
          siteIds: [SITE.paris],
        },
        manager,
      ],
    ],
    command: () => ({ type: 'DesignateUserEntryPoint', userId: USER.alice, deskId: 'desk-paris-2' }),
  },
  EnrollAgent: {
    setup: () => [],
    command: () => ({
      type: 'EnrollAgent',
      agentId: 'office-tech-paris-2',
      name: 'Paul Henry',
      role: 'office-technician',
      siteIds: [SITE.paris],
      workstationTypes: [WS.windows],
    }),
  },
  RetireAgent: {
    setup: () => [],
    command: () => ({ type: 'RetireAgent', agentId: AGENT.officeTechMontreal }),
  },
  SetSupportPolicy: {
    setup: () => [],
    command: () => ({
      type: 'SetSupportPolicy',
      escalationDelays: { office: 'PT6H' as Duration },
      resolutionTargets: { P1: 'PT2H' as Duration },
    }),
  },
}

/** Command variants: a command type, or a command type and the reason that changes who may. */
const SCENARIOS: Readonly<Record<string, Scenario>> = {
  ...ORG_SCENARIOS,
  OpenTicket: { setup: () => [], command: () => open },
  QualifyTicket: ticket(opened, () => qualify),
  AssignTicket: ticket(opened, (owner, actor) => ({
    type: 'AssignTicket',
    ticketId: TICKET,
    // Someone new: neither the owner nor the actor.
    ownerId: [...OWNERS, AGENT.assistParis2].find((id) => id !== owner && id !== actor.id) as string,
  })),
  InformUser: ticket(opened, () => ({
    type: 'InformUser',
    ticketId: TICKET,
    kind: 'answer',
    message: 'Nous recréons votre profil Outlook.',
  })),
  'EscalateTicket manual': ticket(
    (owner) => [...opened(owner), [qualify, assistance]],
    () => ({ type: 'EscalateTicket', ticketId: TICKET, reason: 'manual' }),
  ),
  'EscalateTicket delay-expired': ticket(
    (owner) => [...opened(owner), [qualify, assistance]],
    () => ({ type: 'EscalateTicket', ticketId: TICKET, reason: 'delay-expired' }),
  ),
  GiveExpertAdvice: ticket(
    (owner) => [
      ...opened(owner),
      [qualify, assistance],
      [{ type: 'EscalateTicket', ticketId: TICKET, reason: 'manual' }, assistance],
    ],
    () => ({ type: 'GiveExpertAdvice', ticketId: TICKET, advice: 'Supprimer le cache OST.' }),
  ),
  'InvolveHierarchy difficulty': ticket(opened, () => ({
    type: 'InvolveHierarchy',
    ticketId: TICKET,
    reason: 'difficulty',
  })),
  'InvolveHierarchy response-breach': ticket(opened, () => ({
    type: 'InvolveHierarchy',
    ticketId: TICKET,
    reason: 'response-breach',
  })),
  'InvolveHierarchy resolution-breach': ticket(opened, () => ({
    type: 'InvolveHierarchy',
    ticketId: TICKET,
    reason: 'resolution-breach',
  })),
  SuspendTicket: ticket(opened, () => ({ type: 'SuspendTicket', ticketId: TICKET, reason: 'awaiting-user' })),
  ResumeTicket: ticket(
    (owner) => [
      ...opened(owner),
      [{ type: 'SuspendTicket', ticketId: TICKET, reason: 'awaiting-user' }, actorOf(owner)],
    ],
    () => ({ type: 'ResumeTicket', ticketId: TICKET }),
  ),
  ResolveTicket: ticket(opened, () => ({
    type: 'ResolveTicket',
    ticketId: TICKET,
    resolutionCode: 'config',
    solution: 'Profil Outlook recréé',
  })),
  ReopenTicket: ticket(resolved, () => ({
    type: 'ReopenTicket',
    ticketId: TICKET,
    reason: 'Outlook se ferme encore',
  })),
  CloseTicket: ticket(
    (owner) => [
      ...resolved(owner),
      [
        { type: 'InformUser', ticketId: TICKET, kind: 'restoration', message: 'Outlook refonctionne.' },
        actorOf(owner),
      ],
    ],
    () => ({ type: 'CloseTicket', ticketId: TICKET }),
  ),
  RecordSatisfaction: ticket(resolved, () => ({ type: 'RecordSatisfaction', ticketId: TICKET, score: 4 })),
  LinkTicketToMajorIncident: ticket(opened, () => ({
    type: 'LinkTicketToMajorIncident',
    ticketId: TICKET,
    incidentId: 'MI-1',
  })),
  DeclareMajorIncident: { setup: () => [], command: () => DECLARE },
  PublishIncidentBulletin: {
    setup: () => [[DECLARE, actorOf(AGENT.officeTechParis)]],
    command: () => ({
      type: 'PublishIncidentBulletin',
      incidentId: 'MI-1',
      kind: 'information',
      message: 'Rétablissement prévu à 14 h.',
      siteIds: [SITE.paris],
    }),
  },
  ResolveMajorIncident: {
    setup: () => [[DECLARE, actorOf(AGENT.officeTechParis)]],
    command: () => ({ type: 'ResolveMajorIncident', incidentId: 'MI-1', summary: 'Serveur redémarré.' }),
  },
  PublishKnowledgeArticle: { setup: () => [], command: () => ARTICLE },
  ReviseKnowledgeArticle: {
    setup: () => [[ARTICLE, actorOf(AGENT.officeTechParis)]],
    command: () => ({
      type: 'ReviseKnowledgeArticle',
      articleId: 'KB-1',
      body: 'Recréer le profil, puis reconfigurer la signature.',
    }),
  },
}

// ---- trying a command -------------------------------------------------------------

/** Retiring both managers: the organisation is back to bootstrap. */
const NO_MANAGER: readonly [Command, Actor][] = [
  [{ type: 'RetireAgent', agentId: AGENT.managerMontreal }, manager],
  [{ type: 'RetireAgent', agentId: AGENT.managerParis }, manager],
]

/**
 * The outcome of `variant` by `actor` in `situation`: `allowed` (events were
 * recorded) or the refusal's tag. `owner` is who owns the ticket; `before` runs
 * just before the command (e.g. retiring the actor).
 */
const attempt = async (
  variant: string,
  situation: Situation,
  actor: Actor,
  owner: string,
  before: readonly [Command, Actor][] = [],
): Promise<string> => {
  const scenario = SCENARIOS[variant]
  if (scenario === undefined) throw new Error(`no scenario for ${variant}`)
  const w = await world()
  for (const [c, a] of scenario.setup(owner, actor)) await w.run(c, a)
  if (situation === 'no manager active') for (const [c, a] of NO_MANAGER) await w.run(c, a)
  for (const [c, a] of before) await w.run(c, a)
  const r = await w.handler.handle({ command: scenario.command(owner, actor), actor })()
  if (E.isRight(r)) {
    expect(r.right.events.length).toBeGreaterThan(0)
    return 'allowed'
  }
  return r.left._tag === 'Rejected' ? r.left.error._tag : `(${r.left._tag}: ${r.left.message})`
}

const typeOf = (variant: string): CommandType => variant.split(' ')[0] as CommandType

const SITUATIONS: Readonly<Record<string, readonly Situation[]>> = {
  organization: ['manager active', 'no manager active'],
  ticket: ['own', 'other'],
  'major-incident': ['any'],
  knowledge: ['any'],
}

describe('docs/authorization.md: the matrix', () => {
  const rows = matrix()

  it('has one row per command variant and situation, for every command', () => {
    expect(new Set(rows.map((r) => typeOf(r.variant)))).toEqual(new Set(COMMAND_TYPES))
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(Object.keys(SCENARIOS)))
    for (const variant of Object.keys(SCENARIOS)) {
      const category = commandCategory[typeOf(variant)]
      expect(
        rows.filter((r) => r.variant === variant).map((r) => r.situation),
        variant,
      ).toEqual(SITUATIONS[category])
    }
  })

  describe.each(rows.map((r) => [`${r.variant} (${r.situation})`, r] as const))('%s', (_name, row) => {
    it('gives every role the documented outcome', async () => {
      const observed: Record<string, string> = {}
      for (const role of ROLES) {
        const actor = actorFor(role, row.situation)
        observed[role] = await attempt(row.variant, row.situation, actor, ownerFor(actor, row.situation))
      }
      expect(observed).toEqual(row.outcomes)
    })
  })
})

describe('docs/authorization.md: who the acting agent really is', () => {
  const { header, rows: identity } = tableOf('identity')
  const rows = matrix()
  expect(header).toEqual(['stream', 'not enrolled', 'enrolled with another role', 'retired'])
  const expectedFor = (category: string) => {
    const r = identity.find((row) => row[0] === category)
    if (r === undefined) throw new Error(`no identity row for ${category}`)
    return { notEnrolled: r[1], otherRole: r[2], retired: r[3] }
  }

  it('has a row for every stream', () => {
    expect(identity.map((r) => r[0]).sort()).toEqual(Object.keys(SITUATIONS).sort())
  })

  // The first situation of each variant (own ticket, a manager active, any):
  // an agent allowed there is impersonated, unknown or retired.
  const firsts = rows.filter((r) => SITUATIONS[commandCategory[typeOf(r.variant)]]?.[0] === r.situation)
  describe.each(firsts.map((r) => [r.variant, r] as const))('%s', (variant, row) => {
    const agentRoles = ROLES.filter((r) => r !== 'user' && r !== 'system' && row.outcomes[r] === 'allowed')
    const role = agentRoles[0]
    if (role === undefined) {
      it('is for users or the system only: no agent to impersonate', () => {
        expect(agentRoles).toEqual([])
        expect(row.outcomes.user === 'allowed' || row.outcomes.system === 'allowed').toBe(true)
      })
      return
    }
    it(`refuses an unknown, an impersonated and a retired ${role} as documented`, async () => {
      const real = actorFor(role, row.situation)
      const owner = ownerFor(real, row.situation)
      const expected = expectedFor(commandCategory[typeOf(variant)])
      const otherAgent = role === 'expert' ? AGENT.officeTechParis : AGENT.expertOffice
      expect({
        notEnrolled: await attempt(variant, row.situation, { id: 'agent-unknown', role }, owner),
        otherRole: await attempt(variant, row.situation, { id: otherAgent, role }, owner),
        retired: await attempt(variant, row.situation, real, owner, [
          [{ type: 'RetireAgent', agentId: real.id }, manager],
        ]),
      }).toEqual(expected)
    })
  })
})
