import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IsoInstant } from '../src/domain/codec.js'
import { instantMs, toInstant } from '../src/domain/codec.js'
import type { MajorIncidentCommand } from '../src/domain/commands.js'
import type { Fact } from '../src/domain/envelope.js'
import type { MajorIncidentEvent, OrganizationEvent } from '../src/domain/events.js'
import { checkMajorIncidentHistory, majorIncidentDecider } from '../src/domain/major-incident.js'
import { organizationAsOf } from '../src/domain/organization.js'
import { type Actor, SYSTEM } from '../src/domain/vocabulary.js'
import { acceptedHistoriesFoldAndCheck } from './support/decider-properties.js'
import { given } from './support/given.js'
import { AGENT, actorOf, contextAt, NOW, orgFacts, orgView, SITE, USER } from './support/org-events.js'

const INCIDENT = 'mi-2026-001'
const assistance = actorOf(AGENT.assistParis1)
const expert = actorOf(AGENT.expertBusinessNetwork)
const manager = actorOf(AGENT.managerMontreal)
const minutes = (n: number) => toInstant(instantMs(NOW) + n * 60_000)
const ctx = (actor: Actor = assistance, now: IsoInstant = NOW) => contextAt(actor, now)

/** Every active L1 and L2 agent of the fixture, in enrolment order: no managers, not the retired technician. */
const SUPPORT_STAFF = [
  AGENT.assistParis1,
  AGENT.assistParis2,
  AGENT.assistLyon,
  AGENT.assistMontreal,
  AGENT.officeTechParis,
  AGENT.officeTechMontreal,
  AGENT.telephonyTech,
  AGENT.businessSupportParis,
  AGENT.businessSupportMontreal,
  AGENT.networkTech,
  AGENT.expertOffice,
  AGENT.expertTelephony,
  AGENT.expertBusinessNetwork,
]

const declare = (over: Partial<Extract<MajorIncidentCommand, { type: 'DeclareMajorIncident' }>> = {}) =>
  ({
    type: 'DeclareMajorIncident',
    incidentId: INCIDENT,
    summary: 'Messagerie indisponible : serveur Exchange hors service',
    siteIds: [SITE.paris, SITE.lyon],
    services: ['email', 'calendar'],
    ...over,
  }) as const
const bulletin = (over: Partial<Extract<MajorIncidentCommand, { type: 'PublishIncidentBulletin' }>> = {}) =>
  ({
    type: 'PublishIncidentBulletin',
    incidentId: INCIDENT,
    kind: 'information',
    message: 'La messagerie est indisponible ; rétablissement prévu vers 14 h.',
    siteIds: [SITE.paris],
    ...over,
  }) as const
const bulletinData = { kind: 'information' as const, message: bulletin().message, siteIds: [SITE.paris] }
const resolve = (summary = 'Serveur redémarré, messagerie rétablie.') =>
  ({ type: 'ResolveMajorIncident', incidentId: INCIDENT, summary }) as const

const declaredData = {
  incidentId: INCIDENT,
  summary: 'Messagerie indisponible : serveur Exchange hors service',
  siteIds: [SITE.paris, SITE.lyon],
  services: ['email', 'calendar'],
}
const declared: Fact<MajorIncidentEvent>[] = [
  {
    type: 'MajorIncidentDeclared',
    data: declaredData,
    at: NOW,
    actor: assistance,
  },
  { type: 'SupportStaffAlerted', data: { agentIds: SUPPORT_STAFF }, at: NOW, actor: SYSTEM },
]
const resolvedFact: Fact<MajorIncidentEvent> = {
  type: 'MajorIncidentResolved',
  data: { summary: 'Serveur redémarré.' },
  at: minutes(60),
  actor: assistance,
}
const incident = (extra: readonly Fact<MajorIncidentEvent>[] = []) =>
  given(majorIncidentDecider, [...declared, ...extra])

describe('declaring a major incident', () => {
  it('records the declaration and, in the same decision, alerts every active support agent as the system', () => {
    given(majorIncidentDecider, [])
      .when(declare(), ctx())
      .then([
        { type: 'MajorIncidentDeclared', data: declaredData },
        { type: 'SupportStaffAlerted', data: { agentIds: SUPPORT_STAFF }, actor: SYSTEM },
      ])
  })

  it('may be declared by an expert or a manager too', () => {
    for (const actor of [expert, manager, actorOf(AGENT.networkTech)]) {
      const [first] = given(majorIncidentDecider, [])
        .when(declare(), ctx(actor))
        .then([
          { type: 'MajorIncidentDeclared', data: declaredData },
          { type: 'SupportStaffAlerted', data: { agentIds: SUPPORT_STAFF }, actor: SYSTEM },
        ])
      expect(first?.actor).toBeUndefined()
    }
  })

  it('may not be declared by a user or the system', () => {
    given(majorIncidentDecider, [])
      .when(declare(), ctx({ id: USER.alice, role: 'user' }))
      .thenRejects('RoleNotAllowed')
    given(majorIncidentDecider, []).when(declare(), ctx(SYSTEM)).thenRejects('RoleNotAllowed')
  })

  it('may not be declared by someone not enrolled with that role, or retired', () => {
    given(majorIncidentDecider, [])
      .when(declare(), ctx({ id: 'intruder', role: 'assistance' }))
      .thenRejects('ActorNotEnrolled')
    given(majorIncidentDecider, [])
      .when(declare(), ctx({ id: AGENT.assistParis1, role: 'expert' }))
      .thenRejects('ActorNotEnrolled')
    given(majorIncidentDecider, [])
      .when(declare(), ctx(actorOf(AGENT.officeTechLyonRetired)))
      .thenRejects('ActorRetired')
  })

  it('is declared once', () => {
    incident().when(declare(), ctx()).thenRejects('MajorIncidentAlreadyDeclared')
  })

  it('names known sites, at least one', () => {
    given(majorIncidentDecider, [])
      .when(declare({ siteIds: [SITE.paris, 'site-nowhere'] }), ctx())
      .thenRejects('UnknownSite')
    given(majorIncidentDecider, [])
      .when(declare({ siteIds: [] }), ctx())
      .thenRejects('NoSiteAffected')
  })

  it('has a summary', () => {
    given(majorIncidentDecider, [])
      .when(declare({ summary: ' ' }), ctx())
      .thenRejects('BlankField')
  })

  it('alerts the staff active at the time: a newly enrolled technician is alerted, a retired one is not', () => {
    const later = [
      ...orgFacts,
      {
        type: 'AgentEnrolled',
        data: {
          agentId: 'tel-tech-2',
          name: 'Julie',
          role: 'telephony-technician',
          siteIds: [SITE.montreal],
          workstationTypes: [],
        },
        at: NOW,
        actor: actorOf(AGENT.managerParis),
      },
      {
        type: 'AgentRetired',
        data: { agentId: AGENT.networkTech },
        at: NOW,
        actor: actorOf(AGENT.managerParis),
      },
    ] as Fact<OrganizationEvent>[]
    const staff = [...SUPPORT_STAFF.filter((a) => a !== AGENT.networkTech), 'tel-tech-2']
    const events = given(majorIncidentDecider, [])
      .when(declare(), contextAt(assistance, NOW, orgView(later)))
      .then([
        { type: 'MajorIncidentDeclared', data: declaredData },
        { type: 'SupportStaffAlerted', data: { agentIds: staff }, actor: SYSTEM },
      ])
    expect(events).toHaveLength(2)
  })
})

describe('bulletins', () => {
  it('are published while the incident is ongoing, by level 1, experts or managers', () => {
    for (const actor of [assistance, expert, manager])
      incident()
        .when(bulletin(), ctx(actor, minutes(30)))
        .then([{ type: 'IncidentBulletinPublished', data: bulletinData }])
    incident()
      .when(bulletin({ kind: 'restoration', siteIds: [SITE.lyon, SITE.paris] }), ctx())
      .then([
        {
          type: 'IncidentBulletinPublished',
          data: { kind: 'restoration', message: bulletin().message, siteIds: [SITE.lyon, SITE.paris] },
        },
      ])
  })

  it('are not published by users', () => {
    incident()
      .when(bulletin(), ctx({ id: USER.bruno, role: 'user' }))
      .thenRejects('RoleNotAllowed')
  })

  it('are not published before the declaration nor after the resolution', () => {
    given(majorIncidentDecider, []).when(bulletin(), ctx()).thenRejects('MajorIncidentNotDeclared')
    incident([resolvedFact])
      .when(bulletin(), ctx(assistance, minutes(90)))
      .thenRejects('MajorIncidentAlreadyResolved')
  })

  it('are about this incident', () => {
    incident()
      .when(bulletin({ incidentId: 'mi-other' }), ctx())
      .thenRejects('IncidentMismatch')
  })

  it('have a message and address known sites', () => {
    incident()
      .when(bulletin({ message: '' }), ctx())
      .thenRejects('BlankField')
    incident()
      .when(bulletin({ siteIds: ['site-nowhere'] }), ctx())
      .thenRejects('UnknownSite')
    incident()
      .when(bulletin({ siteIds: [] }), ctx())
      .thenRejects('NoSiteAffected')
  })
})

describe('resolution', () => {
  it('resolves an ongoing incident', () => {
    incident()
      .when(resolve(), ctx(expert, minutes(120)))
      .then([{ type: 'MajorIncidentResolved', data: { summary: 'Serveur redémarré, messagerie rétablie.' } }])
  })

  it('happens once, after the declaration', () => {
    incident([resolvedFact])
      .when(resolve(), ctx(assistance, minutes(120)))
      .thenRejects('MajorIncidentAlreadyResolved')
    given(majorIncidentDecider, []).when(resolve(), ctx()).thenRejects('MajorIncidentNotDeclared')
  })

  it('is not for users, and explains how it was resolved', () => {
    incident()
      .when(resolve(), ctx({ id: USER.emma, role: 'user' }))
      .thenRejects('RoleNotAllowed')
    incident().when(resolve(' '), ctx()).thenRejects('BlankField')
  })
})

describe('time and state', () => {
  it('never goes backwards within the stream, the same instant is fine', () => {
    incident()
      .when(bulletin(), ctx(assistance, minutes(-1)))
      .thenRejects('TimeWentBackwards')
    incident()
      .when(resolve(), ctx(assistance, NOW))
      .then([{ type: 'MajorIncidentResolved', data: { summary: 'Serveur redémarré, messagerie rétablie.' } }])
  })

  it('keeps what the service levels need', () => {
    const s = incident([
      { type: 'IncidentBulletinPublished', data: bulletinData, at: minutes(20), actor: assistance },
      { type: 'IncidentBulletinPublished', data: bulletinData, at: minutes(40), actor: assistance },
      resolvedFact,
    ]).when(resolve(), ctx(assistance, minutes(90))).state
    expect(s).toMatchObject({
      status: 'resolved',
      declaredAt: NOW,
      alertedAgentIds: SUPPORT_STAFF,
      bulletins: 2,
      firstBulletinAt: minutes(20),
      resolvedAt: minutes(60),
      lastAt: minutes(60),
    })
  })
})

describe('re-checking a recorded major-incident stream', () => {
  const orgAt = organizationAsOf(orgFacts)
  const bulletinFact: Fact<MajorIncidentEvent> = {
    type: 'IncidentBulletinPublished',
    data: { kind: 'information', message: 'En cours', siteIds: [SITE.paris] },
    at: minutes(10),
    actor: expert,
  }

  it('accepts a history the decider would have written', () => {
    expect(checkMajorIncidentHistory([...declared, bulletinFact, resolvedFact], orgAt)).toEqual([])
  })

  it('requires the staff alert right after the declaration, at the same instant, by the system', () => {
    const [declaration, alert] = declared as [Fact<MajorIncidentEvent>, Fact<MajorIncidentEvent>]
    const tags = (facts: Fact<MajorIncidentEvent>[]) =>
      checkMajorIncidentHistory(facts, orgAt).map((p) => [p.index, p.error._tag])
    expect(tags([declaration, bulletinFact])).toEqual([[0, 'StaffNotAlerted']])
    expect(tags([declaration, { ...alert, at: minutes(5) }])).toEqual([[1, 'StaffAlertDelayed']])
    expect(tags([declaration, { ...alert, actor: assistance }])).toEqual([[1, 'RoleNotAllowed']])
    expect(tags([declaration, bulletinFact, { ...alert, at: minutes(10) }])).toEqual([
      [0, 'StaffNotAlerted'],
      [2, 'StaffAlertOutOfPlace'],
    ])
  })

  it('requires the alert to name exactly the support staff active then', () => {
    const [declaration, alert] = declared as [Fact<MajorIncidentEvent>, Fact<MajorIncidentEvent>]
    const withAgents = (agentIds: string[]) => ({ ...alert, data: { agentIds } }) as Fact<MajorIncidentEvent>
    const check = (agentIds: string[]) =>
      checkMajorIncidentHistory([declaration, withAgents(agentIds)], orgAt)
    const missing = check(SUPPORT_STAFF.slice(1))
    expect(missing.map((p) => p.error._tag)).toEqual(['StaffAlertMismatch'])
    expect(missing[0]?.error.message).toContain(AGENT.assistParis1)
    expect(check([...SUPPORT_STAFF, AGENT.managerParis])[0]?.error.message).toContain(AGENT.managerParis)
    expect(check([...SUPPORT_STAFF, AGENT.officeTechLyonRetired])[0]?.error._tag).toBe('StaffAlertMismatch')
    expect(check([...SUPPORT_STAFF, AGENT.networkTech])[0]?.error._tag).toBe('StaffAlertMismatch')
    // the order does not matter
    expect(check([...SUPPORT_STAFF].reverse())).toEqual([])
  })

  it('judges the alert by the organisation as it stood at the declaration', () => {
    const laterOrg = organizationAsOf([
      ...orgFacts,
      { type: 'AgentRetired', data: { agentId: AGENT.networkTech }, at: minutes(30), actor: manager },
    ] as Fact<OrganizationEvent>[])
    expect(checkMajorIncidentHistory([...declared, bulletinFact, resolvedFact], laterOrg)).toEqual([])
  })

  it('flags events out of order, by the wrong people, or back in time', () => {
    const problems = checkMajorIncidentHistory(
      [
        bulletinFact,
        ...declared,
        { ...bulletinFact, actor: { id: USER.alice, role: 'user' } },
        { ...resolvedFact, at: minutes(-30) },
        { ...resolvedFact, at: minutes(-30) },
        { ...declared[0], at: minutes(-30) } as Fact<MajorIncidentEvent>,
      ],
      orgAt,
    )
    expect(problems.map((p) => [p.index, p.error._tag])).toEqual([
      [0, 'MajorIncidentNotDeclared'],
      [1, 'TimeWentBackwards'],
      [3, 'RoleNotAllowed'],
      [4, 'TimeWentBackwards'],
      [5, 'MajorIncidentAlreadyResolved'],
      [6, 'MajorIncidentAlreadyDeclared'],
    ])
  })
})

// ---- properties over random command sequences -------------------------------

const ACTORS: readonly Actor[] = [
  assistance,
  expert,
  manager,
  actorOf(AGENT.telephonyTech),
  actorOf(AGENT.officeTechLyonRetired),
  { id: USER.alice, role: 'user' },
  SYSTEM,
]
const sites = fc.uniqueArray(fc.constantFrom(SITE.paris, SITE.lyon, SITE.montreal, 'site-nowhere'), {
  maxLength: 3,
})
const text = fc.constantFrom('Panne du réseau', 'Serveurs distants injoignables', '')
const arbCommand: fc.Arbitrary<MajorIncidentCommand> = fc.oneof(
  fc.record({
    type: fc.constant('DeclareMajorIncident' as const),
    incidentId: fc.constant(INCIDENT),
    summary: text,
    siteIds: sites,
    services: fc.constantFrom([], ['erp'], ['email', 'vpn']),
  }),
  {
    arbitrary: fc.record({
      type: fc.constant('PublishIncidentBulletin' as const),
      incidentId: fc.constantFrom(INCIDENT, INCIDENT, 'mi-other'),
      kind: fc.constantFrom('information' as const, 'restoration' as const),
      message: text,
      siteIds: sites,
    }),
    weight: 3,
  },
  fc.record({
    type: fc.constant('ResolveMajorIncident' as const),
    incidentId: fc.constantFrom(INCIDENT, 'mi-other'),
    summary: text,
  }),
)
describe('properties of the major-incident decider', () => {
  it('folding the same accepted history twice gives equal states, and the re-check accepts it', () => {
    const accepted = acceptedHistoriesFoldAndCheck({
      decider: majorIncidentDecider,
      check: checkMajorIncidentHistory,
      command: arbCommand,
      actors: ACTORS,
    })
    for (const type of [
      'MajorIncidentDeclared',
      'SupportStaffAlerted',
      'IncidentBulletinPublished',
      'MajorIncidentResolved',
    ])
      expect(accepted[type], type).toBeGreaterThan(3)
  })
})
