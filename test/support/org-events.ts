/**
 * A realistic organisation as recorded facts of the `organization` stream:
 * three sites in two time zones (Paris and Lyon on Europe/Paris, Montréal on
 * America/Toronto) with their support hours and public holidays, one
 * assistance desk per site, four workstation types, agents of every role
 * (assistance per desk, office/telephony/business/network technicians, experts
 * covering every domain, two managers, one retired technician), users of every
 * workstation type, and the default support policy.
 *
 * The system bootstraps (sites, hours, desks, workstation types, the first
 * manager); from then on the Paris manager runs the organisation. The facts
 * pass `checkOrganizationHistory`.
 *
 *   orgFacts               the facts, one minute apart from ORG_T0
 *   orgView()              folded into an OrganizationView
 *   actorOf('agent-id')    the Actor of a fixture agent (with its enrolled role)
 *   contextAt(actor, now)  a decision Context on that organisation
 */
import type { Duration, IsoInstant, LocalDate, LocalTime } from '../../src/domain/codec.js'
import { instantMs, toInstant } from '../../src/domain/codec.js'
import type { Context } from '../../src/domain/decider.js'
import type { Fact } from '../../src/domain/envelope.js'
import {
  DEFAULT_QUALITY_THRESHOLDS,
  type EventData,
  type OrganizationEvent,
  type WeeklyHours,
} from '../../src/domain/events.js'
import { foldOrganization, organizationDecider } from '../../src/domain/organization.js'
import type { OrganizationView } from '../../src/domain/organization-view.js'
import { type Actor, type AgentRole, SYSTEM } from '../../src/domain/vocabulary.js'

/** Monday 5 January 2026, 07:00 UTC: the organisation is being set up. */
export const ORG_T0 = '2026-01-05T07:00:00.000Z' as IsoInstant

export const SITE = { paris: 'site-paris', lyon: 'site-lyon', montreal: 'site-montreal' } as const
export const DESK = { paris: 'desk-paris', lyon: 'desk-lyon', montreal: 'desk-montreal' } as const
export const WS = {
  windows: 'windows-desktop',
  linux: 'linux-workstation',
  mac: 'mac-laptop',
  thin: 'thin-client',
} as const
const ALL_WS = Object.values(WS)

export const AGENT = {
  managerParis: 'manager-paris',
  managerMontreal: 'manager-montreal',
  assistParis1: 'assist-paris-1',
  assistParis2: 'assist-paris-2',
  assistLyon: 'assist-lyon',
  assistMontreal: 'assist-montreal',
  officeTechParis: 'office-tech-paris',
  officeTechMontreal: 'office-tech-montreal',
  officeTechLyonRetired: 'office-tech-lyon',
  telephonyTech: 'telephony-tech',
  businessSupportParis: 'business-support-paris',
  businessSupportMontreal: 'business-support-montreal',
  networkTech: 'network-tech',
  expertOffice: 'expert-office',
  expertTelephony: 'expert-telephony',
  expertBusinessNetwork: 'expert-business-network',
} as const

export const USER = {
  alice: 'user-alice',
  bruno: 'user-bruno',
  hugo: 'user-hugo',
  claire: 'user-claire',
  david: 'user-david',
  emma: 'user-emma',
  felix: 'user-felix',
  gabrielle: 'user-gabrielle',
} as const

// ---- building blocks --------------------------------------------------------

const lt = (s: string) => s as LocalTime
const ld = (s: string) => s as LocalDate
const interval = (a: string, b: string): [LocalTime, LocalTime] => [lt(a), lt(b)]

const weekdays = (day: [LocalTime, LocalTime][], sat: [LocalTime, LocalTime][] = []): WeeklyHours => ({
  mon: day,
  tue: day,
  wed: day,
  thu: day,
  fri: day,
  sat,
  sun: [],
})

/** Mon–Fri 08:00–12:00 / 13:30–18:00. */
export const PARIS_HOURS = weekdays([interval('08:00', '12:00'), interval('13:30', '18:00')])
/** Mon–Fri 07:30–12:30 / 13:30–17:00, and Saturday mornings. */
export const LYON_HOURS = weekdays(
  [interval('07:30', '12:30'), interval('13:30', '17:00')],
  [interval('09:00', '12:00')],
)
/** Mon–Fri 08:30–12:00 / 13:00–17:00. */
export const MONTREAL_HOURS = weekdays([interval('08:30', '12:00'), interval('13:00', '17:00')])

/** French public holidays of 2026. */
export const FRENCH_HOLIDAYS = [
  '2026-01-01',
  '2026-04-06',
  '2026-05-01',
  '2026-05-08',
  '2026-05-14',
  '2026-07-14',
  '2026-08-15',
  '2026-11-11',
  '2026-12-25',
].map(ld)
/** Québec public holidays of 2026. */
export const QUEBEC_HOLIDAYS = [
  '2026-01-01',
  '2026-04-03',
  '2026-05-18',
  '2026-06-24',
  '2026-07-01',
  '2026-09-07',
  '2026-10-12',
  '2026-12-25',
].map(ld)

export const DEFAULT_POLICY: EventData<'SupportPolicySet'> = {
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
}

type Enrolment = EventData<'AgentEnrolled'>
const agent = (
  agentId: string,
  name: string,
  role: AgentRole,
  siteIds: string[],
  workstationTypes: string[],
  extra: Pick<Enrolment, 'deskId' | 'domains'> = {},
): OrganizationEvent => ({
  type: 'AgentEnrolled',
  data: { agentId, name, role, siteIds, workstationTypes, ...extra },
})

const user = (userId: string, name: string, siteId: string, workstationType: string, deskId: string) =>
  ({ type: 'UserRegistered', data: { userId, name, siteId, workstationType, deskId } }) as const

// ---- the facts --------------------------------------------------------------

const bootstrap: readonly OrganizationEvent[] = [
  { type: 'SiteRegistered', data: { siteId: SITE.paris, name: 'Paris — siège', timeZone: 'Europe/Paris' } },
  { type: 'SiteRegistered', data: { siteId: SITE.lyon, name: 'Lyon — usine', timeZone: 'Europe/Paris' } },
  { type: 'SiteRegistered', data: { siteId: SITE.montreal, name: 'Montréal', timeZone: 'America/Toronto' } },
  { type: 'SupportHoursSet', data: { siteId: SITE.paris, weekly: PARIS_HOURS, holidays: FRENCH_HOLIDAYS } },
  { type: 'SupportHoursSet', data: { siteId: SITE.lyon, weekly: LYON_HOURS, holidays: FRENCH_HOLIDAYS } },
  {
    type: 'SupportHoursSet',
    data: { siteId: SITE.montreal, weekly: MONTREAL_HOURS, holidays: QUEBEC_HOLIDAYS },
  },
  {
    type: 'DeskRegistered',
    data: {
      deskId: DESK.paris,
      name: 'Assistance Paris',
      contact: '+33 1 40 00 12 34',
      siteIds: [SITE.paris],
    },
  },
  {
    type: 'DeskRegistered',
    data: { deskId: DESK.lyon, name: 'Assistance Lyon', contact: '+33 4 72 00 12 34', siteIds: [SITE.lyon] },
  },
  {
    type: 'DeskRegistered',
    data: {
      deskId: DESK.montreal,
      name: 'Assistance Montréal',
      contact: '+1 514 555 0100',
      siteIds: [SITE.montreal],
    },
  },
  { type: 'WorkstationTypeDefined', data: { workstationType: WS.windows, label: 'Windows desktop' } },
  { type: 'WorkstationTypeDefined', data: { workstationType: WS.linux, label: 'Linux workstation' } },
  { type: 'WorkstationTypeDefined', data: { workstationType: WS.mac, label: 'Mac laptop' } },
  { type: 'WorkstationTypeDefined', data: { workstationType: WS.thin, label: 'Thin client' } },
  agent(AGENT.managerParis, 'Mathilde Roux', 'manager', [SITE.paris, SITE.lyon], []),
]

const run: readonly OrganizationEvent[] = [
  agent(AGENT.managerMontreal, 'Maxime Tremblay', 'manager', [SITE.montreal], []),
  agent(AGENT.assistParis1, 'Amélie Petit', 'assistance', [SITE.paris], ALL_WS, { deskId: DESK.paris }),
  agent(AGENT.assistParis2, 'Antoine Morel', 'assistance', [SITE.paris], ALL_WS, { deskId: DESK.paris }),
  agent(AGENT.assistLyon, 'Lucie Girard', 'assistance', [SITE.lyon], ALL_WS, { deskId: DESK.lyon }),
  agent(AGENT.assistMontreal, 'Marc Gagnon', 'assistance', [SITE.montreal], ALL_WS, {
    deskId: DESK.montreal,
  }),
  agent(
    AGENT.officeTechParis,
    'Olivier Blanc',
    'office-technician',
    [SITE.paris],
    [WS.windows, WS.thin, WS.mac],
  ),
  agent(AGENT.officeTechMontreal, 'Odile Côté', 'office-technician', [SITE.montreal], [WS.windows, WS.mac]),
  agent(AGENT.officeTechLyonRetired, 'Raymond Faure', 'office-technician', [SITE.lyon], [WS.windows]),
  agent(AGENT.telephonyTech, 'Thomas Lefèvre', 'telephony-technician', [SITE.paris, SITE.lyon], ALL_WS),
  agent(
    AGENT.businessSupportParis,
    'Béatrice Laurent',
    'business-support',
    [SITE.paris, SITE.lyon],
    [WS.windows, WS.thin],
  ),
  agent(
    AGENT.businessSupportMontreal,
    'Benoît Roy',
    'business-support',
    [SITE.montreal],
    [WS.windows, WS.mac],
  ),
  agent(
    AGENT.networkTech,
    'Nadia Bouchard',
    'network-technician',
    [SITE.paris, SITE.lyon, SITE.montreal],
    ALL_WS,
  ),
  agent(AGENT.expertOffice, 'Émile Garnier', 'expert', [SITE.paris], ALL_WS, { domains: ['office'] }),
  agent(AGENT.expertTelephony, 'Estelle Mercier', 'expert', [SITE.paris, SITE.montreal], ALL_WS, {
    domains: ['telephony'],
  }),
  agent(AGENT.expertBusinessNetwork, 'Élise Pelletier', 'expert', [SITE.montreal, SITE.paris], ALL_WS, {
    domains: ['business', 'network'],
  }),
  user(USER.alice, 'Alice Martin', SITE.paris, WS.windows, DESK.paris),
  user(USER.bruno, 'Bruno Durand', SITE.paris, WS.thin, DESK.paris),
  user(USER.hugo, 'Hugo Bernard', SITE.paris, WS.mac, DESK.paris),
  user(USER.claire, 'Claire Dubois', SITE.lyon, WS.linux, DESK.lyon),
  user(USER.david, 'David Moreau', SITE.lyon, WS.windows, DESK.lyon),
  user(USER.emma, 'Emma Lavoie', SITE.montreal, WS.mac, DESK.montreal),
  user(USER.felix, 'Félix Bergeron', SITE.montreal, WS.windows, DESK.montreal),
  user(USER.gabrielle, 'Gabrielle Ouellet', SITE.montreal, WS.linux, DESK.montreal),
  { type: 'AgentRetired', data: { agentId: AGENT.officeTechLyonRetired } },
  { type: 'SupportPolicySet', data: DEFAULT_POLICY },
]

const minute = 60_000
const managerParis: Actor = { id: AGENT.managerParis, role: 'manager' }

/** The organisation's facts, one minute apart from ORG_T0. */
export const orgFacts: readonly Fact<OrganizationEvent>[] = [
  ...bootstrap.map((e) => ({ actor: SYSTEM, e })),
  ...run.map((e) => ({ actor: managerParis, e })),
].map(({ actor, e }, i) => ({ ...e, at: toInstant(instantMs(ORG_T0) + i * minute), actor }))

/** When the last fact was recorded: the organisation is complete from then on. */
export const ORG_READY_AT = (orgFacts.at(-1) as Fact<OrganizationEvent>).at

/** A moment well after the organisation is set up: Monday 5 January 2026, 09:00 UTC. */
export const NOW = '2026-01-05T09:00:00.000Z' as IsoInstant

/** The organisation folded into the view every decision reads. */
export const orgView = (facts: readonly Fact<OrganizationEvent>[] = orgFacts): OrganizationView =>
  foldOrganization(facts)

/** The organization decider's state after these facts. */
export const orgState = (facts: readonly Fact<OrganizationEvent>[] = orgFacts) =>
  facts.reduce(organizationDecider.evolve, organizationDecider.initialState)

/** The Actor of a fixture agent, with the role it was enrolled with. */
export const actorOf = (agentId: string): Actor => {
  const a = orgView().agents.get(agentId)
  if (a === undefined) throw new Error(`no agent ${agentId} in the fixture`)
  return { id: a.agentId, role: a.role }
}

/** A decision context: the organisation, who acts, when; ids `id-1`, `id-2`… */
export const contextAt = (
  actor: Actor,
  now: IsoInstant = NOW,
  organization: OrganizationView = orgView(),
): Context => {
  let n = 0
  return {
    now,
    actor,
    organization,
    newId: () => {
      n += 1
      return `id-${n}`
    },
  }
}
