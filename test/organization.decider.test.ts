import fc from 'fast-check'
import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import type { Duration, IsoInstant, LocalDate, LocalTime } from '../src/domain/codec.js'
import { instantMs, toInstant } from '../src/domain/codec.js'
import type { OrganizationCommand } from '../src/domain/commands.js'
import type { Fact } from '../src/domain/envelope.js'
import { DEFAULT_QUALITY_THRESHOLDS, type OrganizationEvent, type WeeklyHours } from '../src/domain/events.js'
import {
  checkOrganizationHistory,
  foldOrganization,
  type OrganizationState,
  organizationAsOf,
  organizationDecider,
  organizationView,
  PersistentMap,
} from '../src/domain/organization.js'
import type { OrganizationView } from '../src/domain/organization-view.js'
import { type Actor, SYSTEM } from '../src/domain/vocabulary.js'
import { given } from './support/given.js'
import {
  AGENT,
  actorOf,
  contextAt,
  DESK,
  NOW,
  ORG_READY_AT,
  ORG_T0,
  orgFacts,
  orgView,
  PARIS_HOURS,
  SITE,
  USER,
  WS,
} from './support/org-events.js'

const manager = actorOf(AGENT.managerParis)
const ctx = (actor: Actor = manager, now: IsoInstant = NOW) => contextAt(actor, now)
const org = (extra: readonly Fact<OrganizationEvent>[] = []) =>
  given(organizationDecider, [...orgFacts, ...extra])
const fact = (
  e: OrganizationEvent,
  actor: Actor = manager,
  at: IsoInstant = NOW,
): Fact<OrganizationEvent> => ({
  ...e,
  at,
  actor,
})
const lt = (s: string) => s as LocalTime
const d = (s: string) => s as Duration

const registerSite = (siteId = 'site-nantes', timeZone = 'Europe/Paris'): OrganizationCommand => ({
  type: 'RegisterSite',
  siteId,
  name: 'Nantes',
  timeZone,
})

/** Plain-data snapshot of a view, to compare views whatever their map implementation. */
const snapshot = (v: OrganizationView) => ({
  sites: [...v.sites.entries()],
  desks: [...v.desks.entries()],
  workstationTypes: [...v.workstationTypes.entries()],
  users: [...v.users.entries()],
  agents: [...v.agents.entries()],
  policy: v.policy,
})

describe('who changes the organisation', () => {
  it('an active manager may', () => {
    org()
      .when(registerSite(), ctx())
      .then([
        { type: 'SiteRegistered', data: { siteId: 'site-nantes', name: 'Nantes', timeZone: 'Europe/Paris' } },
      ])
  })

  it('the system may bootstrap an empty organisation', () => {
    given(organizationDecider, [])
      .when(registerSite(), ctx(SYSTEM))
      .then([
        { type: 'SiteRegistered', data: { siteId: 'site-nantes', name: 'Nantes', timeZone: 'Europe/Paris' } },
      ])
  })

  it('a manager actor may bootstrap too, before any manager is enrolled', () => {
    given(organizationDecider, [])
      .when(registerSite(), ctx({ id: 'first-manager', role: 'manager' }))
      .then([
        { type: 'SiteRegistered', data: { siteId: 'site-nantes', name: 'Nantes', timeZone: 'Europe/Paris' } },
      ])
  })

  it('the system may not once a manager is enrolled', () => {
    org().when(registerSite(), ctx(SYSTEM)).thenRejects('RoleNotAllowed')
  })

  it('support staff may not, even during bootstrap', () => {
    org()
      .when(registerSite(), ctx(actorOf(AGENT.assistParis1)))
      .thenRejects('RoleNotAllowed')
    given(organizationDecider, [])
      .when(registerSite(), ctx({ id: 'someone', role: 'expert' }))
      .thenRejects('RoleNotAllowed')
    given(organizationDecider, [])
      .when(registerSite(), ctx({ id: 'u', role: 'user' }))
      .thenRejects('RoleNotAllowed')
  })

  it('a manager who is not enrolled may not once managers are', () => {
    org()
      .when(registerSite(), ctx({ id: 'impostor', role: 'manager' }))
      .thenRejects('ActorNotEnrolled')
  })

  it('a retired manager may not', () => {
    org([fact({ type: 'AgentRetired', data: { agentId: AGENT.managerMontreal } })])
      .when(registerSite(), ctx(actorOf(AGENT.managerMontreal)))
      .thenRejects('ActorRetired')
  })

  it('the system may act again when every manager has been retired, so the organisation is never locked', () => {
    const noManager = [
      fact({ type: 'AgentRetired', data: { agentId: AGENT.managerMontreal } }),
      fact({ type: 'AgentRetired', data: { agentId: AGENT.managerParis } }),
    ]
    org(noManager)
      .when(registerSite(), ctx(SYSTEM))
      .then([
        { type: 'SiteRegistered', data: { siteId: 'site-nantes', name: 'Nantes', timeZone: 'Europe/Paris' } },
      ])
  })
})

describe('time', () => {
  it('accepts a change at the same instant as the latest fact', () => {
    org()
      .when(registerSite(), ctx(manager, ORG_READY_AT))
      .then([
        { type: 'SiteRegistered', data: { siteId: 'site-nantes', name: 'Nantes', timeZone: 'Europe/Paris' } },
      ])
  })

  it('refuses a change dated before the latest fact', () => {
    org().when(registerSite(), ctx(manager, ORG_T0)).thenRejects('TimeWentBackwards')
  })
})

describe('sites', () => {
  it('registers a site with an IANA time zone', () => {
    org()
      .when(registerSite('site-quebec', 'America/Toronto'), ctx())
      .then([
        {
          type: 'SiteRegistered',
          data: { siteId: 'site-quebec', name: 'Nantes', timeZone: 'America/Toronto' },
        },
      ])
  })

  it('refuses a site registered twice', () => {
    org().when(registerSite(SITE.paris), ctx()).thenRejects('SiteAlreadyRegistered')
  })

  it('refuses an unknown time zone or a bare offset', () => {
    org().when(registerSite('site-x', 'Mars/Olympus_Mons'), ctx()).thenRejects('InvalidTimeZone')
    org().when(registerSite('site-x', '+01:00'), ctx()).thenRejects('InvalidTimeZone')
    org().when(registerSite('site-x', ''), ctx()).thenRejects('InvalidTimeZone')
  })

  it('refuses a blank name', () => {
    const e = org()
      .when({ type: 'RegisterSite', siteId: 'site-x', name: '  ', timeZone: 'Europe/Paris' }, ctx())
      .thenRejects('BlankField')
    expect(e.message).toContain('name')
  })
})

describe('support hours', () => {
  const setHours = (weekly: WeeklyHours, siteId: string = SITE.paris): OrganizationCommand => ({
    type: 'SetSupportHours',
    siteId,
    weekly,
    holidays: ['2026-12-24' as LocalDate],
  })

  it('sets hours, with intervals that may end at 24:00 and days left out closed', () => {
    const weekly: WeeklyHours = { mon: [[lt('00:00'), lt('24:00')]], sat: [[lt('09:00'), lt('12:00')]] }
    org()
      .when(setHours(weekly), ctx())
      .then([
        {
          type: 'SupportHoursSet',
          data: { siteId: SITE.paris, weekly, holidays: ['2026-12-24' as LocalDate] },
        },
      ])
  })

  it('accepts back-to-back intervals', () => {
    const weekly: WeeklyHours = {
      tue: [
        [lt('08:00'), lt('12:00')],
        [lt('12:00'), lt('18:00')],
      ],
    }
    expect(isRight(organizationDecider.decide(setHours(weekly), orgStateNow(), ctx()))).toBe(true)
  })

  it('refuses hours of an unknown site', () => {
    org().when(setHours(PARIS_HOURS, 'site-nowhere'), ctx()).thenRejects('UnknownSite')
  })

  it('refuses an interval that does not end after it starts', () => {
    org()
      .when(setHours({ mon: [[lt('12:00'), lt('08:00')]] }), ctx())
      .thenRejects('InvalidSupportHours')
    org()
      .when(setHours({ mon: [[lt('09:00'), lt('09:00')]] }), ctx())
      .thenRejects('InvalidSupportHours')
  })

  it('refuses overlapping or unordered intervals', () => {
    const overlapping: WeeklyHours = {
      wed: [
        [lt('08:00'), lt('12:00')],
        [lt('11:00'), lt('14:00')],
      ],
    }
    const unordered: WeeklyHours = {
      wed: [
        [lt('13:30'), lt('18:00')],
        [lt('08:00'), lt('12:00')],
      ],
    }
    org().when(setHours(overlapping), ctx()).thenRejects('InvalidSupportHours')
    org().when(setHours(unordered), ctx()).thenRejects('InvalidSupportHours')
  })

  it('refuses hours that close support for the whole week', () => {
    org().when(setHours({}), ctx()).thenRejects('ClosedSupportHours')
    org()
      .when(setHours({ mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }), ctx())
      .thenRejects('ClosedSupportHours')
  })

  it('records when each site’s hours came into force', () => {
    const later = '2026-02-02T06:00:00.000Z' as IsoInstant
    const v = foldOrganization([
      ...orgFacts,
      fact(
        { type: 'SupportHoursSet', data: { siteId: SITE.lyon, weekly: PARIS_HOURS, holidays: [] } },
        manager,
        later,
      ),
    ])
    expect(v.sites.get(SITE.lyon)?.hours).toEqual({ weekly: PARIS_HOURS, holidays: [], since: later })
    const parisHoursFact = orgFacts.find((f) => f.type === 'SupportHoursSet' && f.data.siteId === SITE.paris)
    expect(v.sites.get(SITE.paris)?.hours?.since).toBe(parisHoursFact?.at)
  })
})

const orgStateNow = (extra: readonly Fact<OrganizationEvent>[] = []): OrganizationState =>
  [...orgFacts, ...extra].reduce(organizationDecider.evolve, organizationDecider.initialState)

describe('desks', () => {
  const desk = (
    siteIds: string[],
    deskId = 'desk-2',
    contact = '+33 1 40 00 99 99',
  ): OrganizationCommand => ({
    type: 'RegisterDesk',
    deskId,
    name: 'Assistance VIP',
    contact,
    siteIds,
  })

  it('registers a desk serving known sites', () => {
    org()
      .when(desk([SITE.paris, SITE.lyon]), ctx())
      .then([
        {
          type: 'DeskRegistered',
          data: {
            deskId: 'desk-2',
            name: 'Assistance VIP',
            contact: '+33 1 40 00 99 99',
            siteIds: [SITE.paris, SITE.lyon],
          },
        },
      ])
  })

  it('refuses a desk registered twice', () => {
    org()
      .when(desk([SITE.paris], DESK.paris), ctx())
      .thenRejects('DeskAlreadyRegistered')
  })

  it('refuses a desk serving an unknown site, or none', () => {
    org()
      .when(desk([SITE.paris, 'site-nowhere']), ctx())
      .thenRejects('UnknownSite')
    org().when(desk([]), ctx()).thenRejects('DeskWithoutSite')
  })

  it('refuses a desk without its single number', () => {
    org()
      .when(desk([SITE.paris], 'desk-2', ''), ctx())
      .thenRejects('BlankField')
  })
})

describe('workstation types', () => {
  it('defines a workstation type', () => {
    org()
      .when({ type: 'DefineWorkstationType', workstationType: 'tablet', label: 'Tablet' }, ctx())
      .then([{ type: 'WorkstationTypeDefined', data: { workstationType: 'tablet', label: 'Tablet' } }])
  })

  it('refuses a workstation type defined twice', () => {
    org()
      .when({ type: 'DefineWorkstationType', workstationType: WS.mac, label: 'Mac' }, ctx())
      .thenRejects('WorkstationTypeAlreadyDefined')
  })
})

describe('users and their entry point', () => {
  const register = (
    over: Partial<Extract<OrganizationCommand, { type: 'RegisterUser' }>> = {},
  ): OrganizationCommand => ({
    type: 'RegisterUser',
    userId: 'user-ines',
    name: 'Inès Roche',
    siteId: SITE.lyon,
    workstationType: WS.thin,
    deskId: DESK.lyon,
    ...over,
  })

  it('registers a user with the desk of their site', () => {
    org()
      .when(register(), ctx())
      .then([
        {
          type: 'UserRegistered',
          data: {
            userId: 'user-ines',
            name: 'Inès Roche',
            siteId: SITE.lyon,
            workstationType: WS.thin,
            deskId: DESK.lyon,
          },
        },
      ])
  })

  it('refuses a user registered twice', () => {
    org()
      .when(register({ userId: USER.alice }), ctx())
      .thenRejects('UserAlreadyRegistered')
  })

  it('refuses unknown references', () => {
    org()
      .when(register({ siteId: 'site-nowhere' }), ctx())
      .thenRejects('UnknownSite')
    org()
      .when(register({ workstationType: 'amiga' }), ctx())
      .thenRejects('UnknownWorkstationType')
    org()
      .when(register({ deskId: 'desk-nowhere' }), ctx())
      .thenRejects('UnknownDesk')
  })

  it('refuses a desk that does not serve the user’s site', () => {
    org()
      .when(register({ deskId: DESK.montreal }), ctx())
      .thenRejects('DeskDoesNotServeSite')
  })

  const secondParisDesk = fact({
    type: 'DeskRegistered',
    data: { deskId: 'desk-vip', name: 'Assistance VIP', contact: '+33 1 40 00 99 99', siteIds: [SITE.paris] },
  })

  it('designates another desk serving the user’s site', () => {
    const spec = org([secondParisDesk]).when(
      { type: 'DesignateUserEntryPoint', userId: USER.alice, deskId: 'desk-vip' },
      ctx(),
    )
    spec.then([{ type: 'UserEntryPointDesignated', data: { userId: USER.alice, deskId: 'desk-vip' } }])
    const v = foldOrganization([
      ...orgFacts,
      secondParisDesk,
      fact({ type: 'UserEntryPointDesignated', data: { userId: USER.alice, deskId: 'desk-vip' } }),
    ])
    expect(v.users.get(USER.alice)?.deskId).toBe('desk-vip')
  })

  it('refuses to designate for an unknown user, an unknown desk, or a desk not serving the site', () => {
    org()
      .when({ type: 'DesignateUserEntryPoint', userId: 'user-nobody', deskId: DESK.paris }, ctx())
      .thenRejects('UnknownUser')
    org()
      .when({ type: 'DesignateUserEntryPoint', userId: USER.alice, deskId: 'desk-nowhere' }, ctx())
      .thenRejects('UnknownDesk')
    org()
      .when({ type: 'DesignateUserEntryPoint', userId: USER.alice, deskId: DESK.montreal }, ctx())
      .thenRejects('DeskDoesNotServeSite')
  })

  it('refuses to designate the desk that already is the entry point', () => {
    org()
      .when({ type: 'DesignateUserEntryPoint', userId: USER.alice, deskId: DESK.paris }, ctx())
      .thenRejects('EntryPointUnchanged')
  })
})

describe('agents', () => {
  type Enrol = Extract<OrganizationCommand, { type: 'EnrollAgent' }>
  const enrol = (over: Partial<Enrol>): Enrol => ({
    type: 'EnrollAgent',
    agentId: 'new-agent',
    name: 'Nouvel Agent',
    role: 'office-technician',
    siteIds: [SITE.lyon],
    workstationTypes: [WS.windows],
    ...over,
  })
  const accepts = (c: Enrol) => {
    const { type: _t, ...data } = c
    org()
      .when(c, ctx())
      .then([
        {
          type: 'AgentEnrolled',
          data: {
            ...data,
            siteIds: [...data.siteIds],
            workstationTypes: [...data.workstationTypes],
          } as never,
        },
      ])
  }

  it('enrols a technician with known workstation types, without desk or domains', () => {
    accepts(enrol({}))
  })

  it('enrols an assistance agent on a desk serving one of their sites', () => {
    accepts(enrol({ role: 'assistance', siteIds: [SITE.montreal, SITE.lyon], deskId: DESK.lyon }))
  })

  it('enrols an expert with the domains they cover', () => {
    accepts(enrol({ role: 'expert', domains: ['network', 'telephony'] }))
  })

  it('enrols a manager', () => {
    accepts(enrol({ role: 'manager', workstationTypes: [] }))
  })

  it('refuses an agent id already used, even by a retired agent', () => {
    org()
      .when(enrol({ agentId: AGENT.networkTech }), ctx())
      .thenRejects('AgentAlreadyEnrolled')
    org()
      .when(enrol({ agentId: AGENT.officeTechLyonRetired }), ctx())
      .thenRejects('AgentAlreadyEnrolled')
  })

  it('refuses an agent without a site or on an unknown site', () => {
    org()
      .when(enrol({ siteIds: [] }), ctx())
      .thenRejects('AgentWithoutSite')
    org()
      .when(enrol({ siteIds: ['site-nowhere'] }), ctx())
      .thenRejects('UnknownSite')
  })

  it('refuses competences on an unknown workstation type', () => {
    org()
      .when(enrol({ workstationTypes: [WS.windows, 'amiga'] }), ctx())
      .thenRejects('UnknownWorkstationType')
  })

  it('refuses an assistance agent without a desk, on an unknown desk, or on a desk serving none of their sites', () => {
    org()
      .when(enrol({ role: 'assistance' }), ctx())
      .thenRejects('DeskRequired')
    org()
      .when(enrol({ role: 'assistance', deskId: 'desk-nowhere' }), ctx())
      .thenRejects('UnknownDesk')
    org()
      .when(enrol({ role: 'assistance', deskId: DESK.paris }), ctx())
      .thenRejects('DeskDoesNotServeSite')
  })

  it('refuses a desk for anyone but assistance', () => {
    org()
      .when(enrol({ deskId: DESK.lyon }), ctx())
      .thenRejects('DeskOnlyForAssistance')
    org()
      .when(enrol({ role: 'expert', domains: ['office'], deskId: DESK.lyon }), ctx())
      .thenRejects('DeskOnlyForAssistance')
  })

  it('refuses an expert covering no domain', () => {
    org()
      .when(enrol({ role: 'expert' }), ctx())
      .thenRejects('ExpertWithoutDomain')
    org()
      .when(enrol({ role: 'expert', domains: [] }), ctx())
      .thenRejects('ExpertWithoutDomain')
  })

  it('refuses domains for anyone but experts', () => {
    org()
      .when(enrol({ domains: ['office'] }), ctx())
      .thenRejects('DomainsOnlyForExperts')
    org()
      .when(enrol({ role: 'manager', domains: ['office'] }), ctx())
      .thenRejects('DomainsOnlyForExperts')
  })

  it('retires an active agent, who stays known but inactive', () => {
    org()
      .when({ type: 'RetireAgent', agentId: AGENT.networkTech }, ctx())
      .then([{ type: 'AgentRetired', data: { agentId: AGENT.networkTech } }])
    expect(orgView().agents.get(AGENT.officeTechLyonRetired)?.active).toBe(false)
    expect(orgView().agents.get(AGENT.networkTech)?.active).toBe(true)
  })

  it('refuses to retire an unknown or already retired agent', () => {
    org().when({ type: 'RetireAgent', agentId: 'nobody' }, ctx()).thenRejects('UnknownAgent')
    org()
      .when({ type: 'RetireAgent', agentId: AGENT.officeTechLyonRetired }, ctx())
      .thenRejects('AgentAlreadyRetired')
  })
})

describe('support policy', () => {
  it('records every default explicitly (SupportPolicySet v2)', () => {
    org()
      .when(
        {
          type: 'SetSupportPolicy',
          escalationDelays: { network: d('PT1H') },
          resolutionTargets: { P1: d('PT2H') },
        },
        ctx(),
      )
      .then([
        {
          type: 'SupportPolicySet',
          data: {
            responseTarget: d('PT4H'),
            escalationDelays: { network: d('PT1H') },
            resolutionTargets: { P1: d('PT2H') },
            majorIncidentBulletinTarget: d('PT24H'),
            qualityThresholds: DEFAULT_QUALITY_THRESHOLDS,
          },
        },
      ])
  })

  it('keeps the values given', () => {
    const qualityThresholds = {
      excellent: { responseCompliance: 0.99 },
      good: { responseCompliance: 0.9, satisfactionMean: 4 },
      fair: { responseCompliance: 0.5 },
    }
    org()
      .when(
        {
          type: 'SetSupportPolicy',
          responseTarget: d('PT2H30M'),
          escalationDelays: {},
          resolutionTargets: {},
          majorIncidentBulletinTarget: d('PT12H'),
          qualityThresholds,
        },
        ctx(),
      )
      .then([
        {
          type: 'SupportPolicySet',
          data: {
            responseTarget: d('PT2H30M'),
            escalationDelays: {},
            resolutionTargets: {},
            majorIncidentBulletinTarget: d('PT12H'),
            qualityThresholds,
          },
        },
      ])
  })

  it('refuses durations that are not positive, naming the field', () => {
    const zeroResponse = org()
      .when(
        { type: 'SetSupportPolicy', responseTarget: d('PT0M'), escalationDelays: {}, resolutionTargets: {} },
        ctx(),
      )
      .thenRejects('InvalidDuration')
    expect(zeroResponse.message).toContain('responseTarget')
    const zeroDelay = org()
      .when(
        {
          type: 'SetSupportPolicy',
          escalationDelays: { office: d('PT2H'), network: d('PT0H') },
          resolutionTargets: {},
        },
        ctx(),
      )
      .thenRejects('InvalidDuration')
    expect(zeroDelay.message).toContain('escalationDelays.network')
    org()
      .when({ type: 'SetSupportPolicy', escalationDelays: {}, resolutionTargets: { P4: d('PT0H0M') } }, ctx())
      .thenRejects('InvalidDuration')
    org()
      .when(
        {
          type: 'SetSupportPolicy',
          escalationDelays: {},
          resolutionTargets: {},
          majorIncidentBulletinTarget: d('PT0M'),
        },
        ctx(),
      )
      .thenRejects('InvalidDuration')
  })

  it('refuses quality thresholds out of range or in the wrong order', () => {
    const policy = (qualityThresholds: typeof DEFAULT_QUALITY_THRESHOLDS): OrganizationCommand => ({
      type: 'SetSupportPolicy',
      escalationDelays: {},
      resolutionTargets: {},
      qualityThresholds,
    })
    org()
      .when(policy({ ...DEFAULT_QUALITY_THRESHOLDS, fair: { responseCompliance: 1.5 } }), ctx())
      .thenRejects('InvalidQualityThresholds')
    org()
      .when(
        policy({ ...DEFAULT_QUALITY_THRESHOLDS, good: { responseCompliance: 0.9, satisfactionMean: 7 } }),
        ctx(),
      )
      .thenRejects('InvalidQualityThresholds')
    org()
      .when(policy({ ...DEFAULT_QUALITY_THRESHOLDS, good: { responseCompliance: 0.99 } }), ctx())
      .thenRejects('InvalidQualityThresholds')
  })

  it('records when the policy came into force', () => {
    const policyFact = orgFacts.find((f) => f.type === 'SupportPolicySet')
    expect(orgView().policy?.since).toBe(policyFact?.at)
    expect(orgView().policy?.responseTarget).toBe('PT4H')
  })
})

describe('the organisation view', () => {
  it('folds the fixture into a complete organisation', () => {
    const v = orgView()
    expect(v.sites.size).toBe(3)
    expect(v.desks.get(DESK.montreal)?.siteIds).toEqual([SITE.montreal])
    expect(v.workstationTypes.get(WS.thin)).toBe('Thin client')
    expect(v.users.size).toBe(8)
    expect(v.agents.get(AGENT.expertBusinessNetwork)?.domains).toEqual(['business', 'network'])
    expect(v.agents.get(AGENT.assistLyon)?.deskId).toBe(DESK.lyon)
    expect(v.agents.get(AGENT.networkTech)?.deskId).toBeUndefined()
    expect(organizationView(organizationDecider.initialState).sites.size).toBe(0)
  })

  it('answers as of any instant (ties included)', () => {
    const asOf = organizationAsOf(orgFacts)
    const first = orgFacts[0] as Fact<OrganizationEvent>
    expect(asOf(toInstant(instantMs(ORG_T0) - 1)).sites.size).toBe(0)
    expect([...asOf(first.at).sites.keys()]).toEqual([SITE.paris])
    expect(asOf(ORG_READY_AT).agents.get(AGENT.officeTechLyonRetired)?.active).toBe(false)
    expect(asOf(toInstant(instantMs(ORG_READY_AT) - 60_000)).policy).toBeUndefined()
    expect(snapshot(asOf(NOW))).toEqual(snapshot(orgView()))
  })

  it('folds 10,000 registered users in linear time (intermediate views stay as they were)', () => {
    const n = 10_000
    const users: Fact<OrganizationEvent>[] = Array.from({ length: n }, (_, i) =>
      fact({
        type: 'UserRegistered',
        data: {
          userId: `bulk-${i}`,
          name: `User ${i}`,
          siteId: SITE.paris,
          workstationType: WS.windows,
          deskId: DESK.paris,
        },
      }),
    )
    const half = orgStateNow(users.slice(0, n / 2))
    const full = users.slice(n / 2).reduce(organizationDecider.evolve, half)
    expect(organizationView(full).users.size).toBe(n + 8)
    expect(organizationView(full).users.get('bulk-9999')?.siteId).toBe(SITE.paris)
    // the state folded halfway did not see the later users
    expect(organizationView(half).users.size).toBe(n / 2 + 8)
    expect(organizationView(half).users.has('bulk-9999')).toBe(false)
    // and the same through decide + evolve, as the command handler does it
    let s = orgStateNow()
    const c = ctx()
    for (let i = 0; i < n; i++) {
      const r = organizationDecider.decide(
        {
          type: 'RegisterUser',
          userId: `cmd-${i}`,
          name: 'U',
          siteId: SITE.lyon,
          workstationType: WS.linux,
          deskId: DESK.lyon,
        },
        s,
        c,
      )
      if (isLeft(r)) throw new Error(r.left.message)
      for (const e of r.right) s = organizationDecider.evolve(s, fact(e))
    }
    expect(organizationView(s).users.size).toBe(n + 8)
  })
})

describe('PersistentMap', () => {
  it('is a ReadonlyMap whose older versions never change', () => {
    const a = PersistentMap.from([
      ['x', 1],
      ['y', 2],
    ])
    const b = a.with('z', 3)
    const c = b.with('x', 10)
    expect([...a]).toEqual([
      ['x', 1],
      ['y', 2],
    ])
    expect([...c.entries()]).toEqual([
      ['x', 10],
      ['y', 2],
      ['z', 3],
    ])
    expect([a.size, b.size, c.size]).toEqual([2, 3, 3])
    expect(a.has('z')).toBe(false)
    expect(b.get('x')).toBe(1)
    // writing from an older version branches without disturbing the newer one
    const a2 = a.with('w', 4)
    expect([...a2.keys()]).toEqual(['x', 'y', 'w'])
    expect([...c.values()]).toEqual([10, 2, 3])
    const seen: string[] = []
    c.forEach((v, k) => {
      seen.push(`${k}=${v}`)
    })
    expect(seen).toEqual(['x=10', 'y=2', 'z=3'])
  })

  it('compares by content with toEqual', () => {
    expect(PersistentMap.from([['k', { v: 1 }]])).toEqual(
      PersistentMap.empty<{ v: number }>().with('k', { v: 1 }),
    )
    expect(PersistentMap.from([['k', 1]])).not.toEqual(PersistentMap.from([['k', 2]]))
  })

  it('behaves like copying a Map on every write, whatever version is written from (property)', () => {
    const op = fc.record({
      from: fc.nat(),
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      value: fc.integer(),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const versions: [PersistentMap<number>, Map<string, number>][] = [[PersistentMap.empty(), new Map()]]
        for (const { from, key, value } of ops) {
          const [pm, model] = versions[from % versions.length] as [PersistentMap<number>, Map<string, number>]
          versions.push([pm.with(key, value), new Map(model).set(key, value)])
        }
        for (const [pm, model] of versions) {
          expect([...pm]).toEqual([...model])
          expect(pm.size).toBe(model.size)
          for (const k of ['a', 'b', 'c', 'd', 'e']) expect(pm.get(k)).toBe(model.get(k))
        }
      }),
    )
  })
})

describe('re-checking a recorded organisation stream', () => {
  it('finds nothing wrong with the fixture', () => {
    expect(checkOrganizationHistory(orgFacts)).toEqual([])
  })

  it('reports every offending event with its index and rule', () => {
    const tampered: Fact<OrganizationEvent>[] = [
      ...orgFacts,
      fact({
        type: 'UserRegistered',
        data: {
          userId: 'user-x',
          name: 'X',
          siteId: SITE.paris,
          workstationType: WS.mac,
          deskId: DESK.montreal,
        },
      }),
      fact(
        { type: 'SiteRegistered', data: { siteId: 'site-y', name: 'Y', timeZone: 'Europe/Paris' } },
        SYSTEM,
      ),
      fact(
        { type: 'SiteRegistered', data: { siteId: 'site-z', name: 'Z', timeZone: 'Europe/Paris' } },
        manager,
        ORG_T0,
      ),
      fact({ type: 'AgentRetired', data: { agentId: AGENT.officeTechLyonRetired } }),
    ]
    const n = orgFacts.length
    expect(checkOrganizationHistory(tampered).map((p) => [p.index, p.error._tag])).toEqual([
      [n, 'DeskDoesNotServeSite'],
      [n + 1, 'RoleNotAllowed'],
      [n + 2, 'TimeWentBackwards'],
      [n + 3, 'AgentAlreadyRetired'],
    ])
  })
})

// ---- properties over random command sequences -------------------------------

// Small pools of ids, weighted towards those the prelude registers, so that
// random commands often refer to something that exists (and sometimes not).
const site = fc.constantFrom('s1', 's1', 's2', 's3')
const desk = fc.constantFrom('d1', 'd1', 'd2')
const type = fc.constantFrom('w1', 'w1', 'w2')
const person = fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5')
const list = <T>(a: fc.Arbitrary<T>) => fc.uniqueArray(a, { maxLength: 2 })

const hours = fc.constantFrom<WeeklyHours>(
  PARIS_HOURS,
  PARIS_HOURS,
  { sat: [[lt('09:00'), lt('24:00')]] },
  {},
  { mon: [[lt('10:00'), lt('09:00')]] },
)

/** Enrolments mostly shaped right for their role (desk for assistance, domains for experts), sometimes not. */
const enrolment: fc.Arbitrary<OrganizationCommand> = fc
  .record({
    agentId: person,
    role: fc.constantFrom('assistance', 'office-technician', 'network-technician', 'expert', 'manager'),
    siteIds: fc.oneof(fc.uniqueArray(site, { minLength: 1, maxLength: 2 }), fc.constant([])),
    workstationTypes: list(type),
    deskId: desk,
    domains: fc.subarray(['office', 'network'] as const),
    shapedRight: fc.boolean(),
  })
  .map(({ agentId, role, siteIds, workstationTypes, deskId, domains, shapedRight }) => {
    const withDesk = shapedRight ? role === 'assistance' : role !== 'assistance'
    const withDomains = shapedRight ? role === 'expert' : role !== 'expert'
    return {
      type: 'EnrollAgent' as const,
      agentId,
      name: 'Agent',
      role,
      siteIds,
      workstationTypes,
      ...(withDesk ? { deskId } : {}),
      ...(withDomains ? { domains } : {}),
    }
  })

const arbCommand: fc.Arbitrary<OrganizationCommand> = fc.oneof(
  fc.record({
    type: fc.constant('RegisterSite' as const),
    siteId: site,
    name: fc.constantFrom('Site', 'Site', ' '),
    timeZone: fc.constantFrom('Europe/Paris', 'America/Toronto', 'Nowhere/Zone'),
  }),
  fc.record({
    type: fc.constant('SetSupportHours' as const),
    siteId: site,
    weekly: hours,
    holidays: fc.constant([] as LocalDate[]),
  }),
  fc.record({
    type: fc.constant('RegisterDesk' as const),
    deskId: desk,
    name: fc.constant('Desk'),
    contact: fc.constant('+33 1 00'),
    siteIds: list(site),
  }),
  fc.record({
    type: fc.constant('DefineWorkstationType' as const),
    workstationType: type,
    label: fc.constant('Type'),
  }),
  {
    arbitrary: fc.record({
      type: fc.constant('RegisterUser' as const),
      userId: person,
      name: fc.constant('User'),
      siteId: site,
      workstationType: type,
      deskId: desk,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      type: fc.constant('DesignateUserEntryPoint' as const),
      userId: person,
      deskId: fc.constantFrom('d1', 'd2'),
    }),
    weight: 3,
  },
  { arbitrary: enrolment, weight: 4 },
  { arbitrary: fc.record({ type: fc.constant('RetireAgent' as const), agentId: person }), weight: 3 },
  fc.record(
    {
      type: fc.constant('SetSupportPolicy' as const),
      responseTarget: fc.constantFrom(d('PT4H'), d('PT0M')),
      escalationDelays: fc.constantFrom({}, { office: d('PT8H') }),
      resolutionTargets: fc.constantFrom({}, { P1: d('PT4H') }),
    },
    { requiredKeys: ['type', 'escalationDelays', 'resolutionTargets'] },
  ),
)
/** Mostly whoever may run the organisation now (resolved during the run), sometimes anyone. */
const arbActor: fc.Arbitrary<Actor | 'organizer'> = fc.oneof(
  { arbitrary: fc.constant('organizer' as const), weight: 4 },
  fc.constantFrom<Actor>(
    SYSTEM,
    { id: 'p1', role: 'manager' },
    { id: 'p2', role: 'manager' },
    { id: 'p3', role: 'assistance' },
  ),
)
const organizer = (v: OrganizationView): Actor => {
  for (const a of v.agents.values())
    if (a.role === 'manager' && a.active) return { id: a.agentId, role: 'manager' }
  return SYSTEM
}
/** Steps in minutes; now and then a negative step tries to go back in time. */
const arbMinutes = fc.oneof(
  { arbitrary: fc.nat(30), weight: 9 },
  { arbitrary: fc.integer({ min: -5, max: -1 }), weight: 1 },
)
const arbStep = fc.record({ command: arbCommand, actor: arbActor, minutes: arbMinutes })

type Step = {
  readonly command: OrganizationCommand
  readonly actor: Actor | 'organizer'
  readonly minutes: number
}
/** A few foundations first, so that random steps find something to refer to. */
const prelude: readonly Step[] = [
  {
    command: { type: 'RegisterSite', siteId: 's1', name: 'One', timeZone: 'Europe/Paris' },
    actor: SYSTEM,
    minutes: 0,
  },
  {
    command: { type: 'DefineWorkstationType', workstationType: 'w1', label: 'W' },
    actor: SYSTEM,
    minutes: 0,
  },
  {
    command: { type: 'RegisterDesk', deskId: 'd1', name: 'D', contact: '1', siteIds: ['s1'] },
    actor: SYSTEM,
    minutes: 0,
  },
]

const run = (randomSteps: readonly Step[]) => {
  const steps = [...prelude, ...randomSteps]
  let s = organizationDecider.initialState
  let t = instantMs(ORG_T0)
  const facts: Fact<OrganizationEvent>[] = []
  for (const { command, actor: who, minutes } of steps) {
    t += minutes * 60_000
    const now = toInstant(t)
    const actor = who === 'organizer' ? organizer(organizationView(s)) : who
    const r = organizationDecider.decide(command, s, contextAt(actor, now, organizationView(s)))
    if (isLeft(r)) continue
    for (const e of r.right) {
      const f = { ...e, at: now, actor: e.actor ?? actor } as Fact<OrganizationEvent>
      facts.push(f)
      s = organizationDecider.evolve(s, f)
    }
  }
  return { state: s, facts }
}

describe('properties of the organization decider', () => {
  it('folding the same accepted history twice gives equal states, and the re-check accepts it', () => {
    const accepted: Record<string, number> = {}
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 30, maxLength: 80 }), (steps) => {
        const { state, facts } = run(steps)
        for (const f of facts) accepted[f.type] = (accepted[f.type] ?? 0) + 1
        const once = facts.reduce(organizationDecider.evolve, organizationDecider.initialState)
        const twice = facts.reduce(organizationDecider.evolve, organizationDecider.initialState)
        expect(twice).toEqual(once)
        expect(once).toEqual(state)
        expect(snapshot(foldOrganization(facts))).toEqual(snapshot(organizationView(state)))
        expect(checkOrganizationHistory(facts)).toEqual([])
      }),
      { numRuns: 150 },
    )
    // the generator must exercise every kind of change, not only be refused
    for (const type of [
      'SiteRegistered',
      'SupportHoursSet',
      'DeskRegistered',
      'WorkstationTypeDefined',
      'UserRegistered',
      'UserEntryPointDesignated',
      'AgentEnrolled',
      'AgentRetired',
      'SupportPolicySet',
    ])
      expect(accepted[type], type).toBeGreaterThan(0)
  })
})
