/**
 * A small organisation built directly as an `OrganizationView` (no organization
 * decider involved), so that ticket rules can be tested on their own: two sites
 * in two time zones, one desk per site, users of several workstation types,
 * agents of every role, experts with domains, a manager and a retired agent.
 *
 * `organization(parts)` builds a view from plain lists; `withAgent`, `withUser`
 * and `retire` derive variations without mutating the original.
 */
import type { Duration, IsoInstant, LocalDate, LocalTime } from '../../src/domain/codec.js'
import { DEFAULT_QUALITY_THRESHOLDS, type WeeklyHours } from '../../src/domain/events.js'
import type {
  Agent,
  Desk,
  OrganizationView,
  Site,
  SupportHours,
  User,
} from '../../src/domain/organization-view.js'
import type { Actor } from '../../src/domain/vocabulary.js'

export const T0 = '2026-03-02T08:00:00.000Z' as IsoInstant

export const SITE = { paris: 'site-paris', montreal: 'site-montreal' } as const
export const DESK = { paris: 'desk-paris', montreal: 'desk-montreal' } as const
export const WS = {
  windows: 'windows-desktop',
  linux: 'linux-workstation',
  mac: 'mac-laptop',
  thin: 'thin-client',
} as const

const lt = (s: string) => s as LocalTime
const day = [
  [lt('08:00'), lt('12:00')],
  [lt('13:30'), lt('18:00')],
] as [LocalTime, LocalTime][]
const weekdays: WeeklyHours = { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] }
const hours = (holidays: string[]): SupportHours => ({
  weekly: weekdays,
  holidays: holidays as LocalDate[],
  since: T0,
})

export const sites: readonly Site[] = [
  { siteId: SITE.paris, name: 'Paris HQ', timeZone: 'Europe/Paris', hours: hours(['2026-05-01']) },
  { siteId: SITE.montreal, name: 'Montréal', timeZone: 'America/Toronto', hours: hours(['2026-07-01']) },
]

export const desks: readonly Desk[] = [
  { deskId: DESK.paris, name: 'Assistance Paris', contact: '+33 1 00 00 00 00', siteIds: [SITE.paris] },
  {
    deskId: DESK.montreal,
    name: 'Assistance Montréal',
    contact: '+1 514 000 0000',
    siteIds: [SITE.montreal],
  },
]

export const users: readonly User[] = [
  {
    userId: 'user-alice',
    name: 'Alice',
    siteId: SITE.paris,
    workstationType: WS.windows,
    deskId: DESK.paris,
  },
  { userId: 'user-bruno', name: 'Bruno', siteId: SITE.paris, workstationType: WS.thin, deskId: DESK.paris },
  {
    userId: 'user-chloe',
    name: 'Chloé',
    siteId: SITE.montreal,
    workstationType: WS.mac,
    deskId: DESK.montreal,
  },
  {
    userId: 'user-denis',
    name: 'Denis',
    siteId: SITE.montreal,
    workstationType: WS.linux,
    deskId: DESK.montreal,
  },
]

const allWs = Object.values(WS)
const bothSites = [SITE.paris, SITE.montreal]

export const agents: readonly Agent[] = [
  {
    agentId: 'assist-paris',
    name: 'Amélie (desk Paris)',
    role: 'assistance',
    siteIds: [SITE.paris],
    workstationTypes: allWs,
    deskId: DESK.paris,
    active: true,
  },
  {
    agentId: 'assist-mtl',
    name: 'Marc (desk Montréal)',
    role: 'assistance',
    siteIds: [SITE.montreal],
    workstationTypes: allWs,
    deskId: DESK.montreal,
    active: true,
  },
  {
    agentId: 'tech-office-paris',
    name: 'Olivier',
    role: 'office-technician',
    siteIds: [SITE.paris],
    workstationTypes: [WS.windows, WS.thin],
    active: true,
  },
  {
    agentId: 'tech-office-mtl',
    name: 'Odile',
    role: 'office-technician',
    siteIds: [SITE.montreal],
    workstationTypes: [WS.mac, WS.windows],
    active: true,
  },
  {
    agentId: 'tech-tel',
    name: 'Thomas',
    role: 'telephony-technician',
    siteIds: bothSites,
    workstationTypes: [WS.windows, WS.mac],
    active: true,
  },
  {
    agentId: 'biz-support',
    name: 'Béatrice',
    role: 'business-support',
    siteIds: [SITE.paris],
    workstationTypes: [WS.windows, WS.thin],
    active: true,
  },
  {
    agentId: 'tech-net',
    name: 'Nadia',
    role: 'network-technician',
    siteIds: bothSites,
    workstationTypes: allWs,
    active: true,
  },
  {
    agentId: 'expert-office-net',
    name: 'Émile',
    role: 'expert',
    siteIds: bothSites,
    workstationTypes: allWs,
    domains: ['office', 'network'],
    active: true,
  },
  {
    agentId: 'expert-tel-biz',
    name: 'Estelle',
    role: 'expert',
    siteIds: bothSites,
    workstationTypes: allWs,
    domains: ['telephony', 'business'],
    active: true,
  },
  {
    agentId: 'manager',
    name: 'Mathilde',
    role: 'manager',
    siteIds: bothSites,
    workstationTypes: [],
    active: true,
  },
  {
    agentId: 'retired-tech',
    name: 'Raymond (retired)',
    role: 'office-technician',
    siteIds: [SITE.paris],
    workstationTypes: [WS.windows],
    active: false,
  },
]

export interface OrganizationParts {
  readonly sites: readonly Site[]
  readonly desks: readonly Desk[]
  readonly users: readonly User[]
  readonly agents: readonly Agent[]
  readonly workstationTypes?: Readonly<Record<string, string>>
}

/** Build a view from lists; the default policy of domain.md §4 is in force from T0. */
export const organization = (parts: OrganizationParts): OrganizationView => ({
  sites: new Map(parts.sites.map((s) => [s.siteId, s])),
  desks: new Map(parts.desks.map((d) => [d.deskId, d])),
  workstationTypes: new Map(
    Object.entries(
      parts.workstationTypes ?? {
        [WS.windows]: 'Windows desktop',
        [WS.linux]: 'Linux workstation',
        [WS.mac]: 'Mac laptop',
        [WS.thin]: 'Thin client',
      },
    ),
  ),
  users: new Map(parts.users.map((u) => [u.userId, u])),
  agents: new Map(parts.agents.map((a) => [a.agentId, a])),
  policy: {
    responseTarget: 'PT4H' as Duration,
    escalationDelays: {
      office: 'PT8H' as Duration,
      telephony: 'PT4H' as Duration,
      business: 'PT16H' as Duration,
      network: 'PT2H' as Duration,
    },
    resolutionTargets: {
      P1: 'PT4H' as Duration,
      P2: 'PT8H' as Duration,
      P3: 'PT24H' as Duration,
      P4: 'PT40H' as Duration,
    },
    majorIncidentBulletinTarget: 'PT24H' as Duration,
    qualityThresholds: DEFAULT_QUALITY_THRESHOLDS,
    since: T0,
  },
})

/** The standard fixture organisation. */
export const fixtureOrg: OrganizationView = organization({ sites, desks, users, agents })

export const withAgent = (org: OrganizationView, agent: Agent): OrganizationView => ({
  ...org,
  agents: new Map([...org.agents, [agent.agentId, agent]]),
})

export const withUser = (org: OrganizationView, user: User): OrganizationView => ({
  ...org,
  users: new Map([...org.users, [user.userId, user]]),
})

/** The organisation after an agent has retired. */
export const retire = (org: OrganizationView, agentId: string): OrganizationView => {
  const a = org.agents.get(agentId)
  if (a === undefined) throw new Error(`no agent ${agentId} in the fixture`)
  return withAgent(org, { ...a, active: false })
}

/** The actor an agent of the organisation acts as (its enrolled role). */
export const agentActor = (agentId: string, org: OrganizationView = fixtureOrg): Actor => {
  const a = org.agents.get(agentId)
  if (a === undefined) throw new Error(`no agent ${agentId} in the fixture`)
  return { id: a.agentId, role: a.role }
}

export const userActor = (userId: string): Actor => ({ id: userId, role: 'user' })
