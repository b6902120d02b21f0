/**
 * The organisation a simulation (and the demo) runs: several sites in two time
 * zones with their working hours and holidays, one assistance desk per site
 * (one number), every technician role, experts for each domain, managers, and
 * users across workstation types — as the organisation commands that create it.
 */
import type { Duration, LocalDate, LocalTime } from '../../domain/codec.js'
import type { OrganizationCommand } from '../../domain/commands.js'
import type { WeeklyHours } from '../../domain/events.js'
import type { AgentRole, SupportDomain } from '../../domain/vocabulary.js'
import type { Random } from './random.js'

export interface SiteSpec {
  readonly siteId: string
  readonly name: string
  readonly timeZone: string
  readonly weekly: WeeklyHours
  readonly holidays: readonly LocalDate[]
  /** The desk's single number. */
  readonly contact: string
  /** Share of users working there. */
  readonly weight: number
}

const iv = (a: string, b: string) => [a as LocalTime, b as LocalTime] as const
const weekdays = (intervals: readonly (readonly [LocalTime, LocalTime])[]): WeeklyHours => {
  const day = intervals.map(([a, b]) => [a, b] as [LocalTime, LocalTime])
  return { mon: day, tue: day, wed: day, thu: day, fri: day }
}
const dates = (ds: readonly string[]) => ds as readonly LocalDate[]

export const FR_HOLIDAYS_2026 = dates([
  '2026-01-01',
  '2026-04-06',
  '2026-05-01',
  '2026-05-08',
  '2026-05-14',
  '2026-05-25',
  '2026-07-14',
  '2026-08-15',
  '2026-11-01',
  '2026-11-11',
  '2026-12-25',
])
export const QC_HOLIDAYS_2026 = dates([
  '2026-01-01',
  '2026-04-03',
  '2026-05-18',
  '2026-06-24',
  '2026-07-01',
  '2026-09-07',
  '2026-10-12',
  '2026-12-25',
])

export const SITES: readonly SiteSpec[] = [
  {
    siteId: 'paris',
    name: 'Paris — head office',
    timeZone: 'Europe/Paris',
    weekly: weekdays([iv('08:00', '12:00'), iv('13:30', '18:00')]),
    holidays: FR_HOLIDAYS_2026,
    contact: '+33 1 70 00 10 00',
    weight: 0.45,
  },
  {
    siteId: 'lyon',
    name: 'Lyon — plant',
    timeZone: 'Europe/Paris',
    weekly: {
      ...weekdays([iv('07:00', '12:00'), iv('13:00', '17:00')]),
      sat: [[...iv('08:00', '12:00')]],
    },
    holidays: FR_HOLIDAYS_2026,
    contact: '+33 4 72 00 20 00',
    weight: 0.25,
  },
  {
    siteId: 'montreal',
    name: 'Montréal — sales office',
    timeZone: 'America/Toronto',
    weekly: weekdays([iv('08:30', '17:00')]),
    holidays: QC_HOLIDAYS_2026,
    contact: '+1 514 555 0100',
    weight: 0.3,
  },
]

export const WORKSTATION_TYPES: readonly (readonly [string, string])[] = [
  ['windows-desktop', 'Windows desktop'],
  ['windows-laptop', 'Windows laptop'],
  ['mac-laptop', 'Mac laptop'],
  ['linux-workstation', 'Linux engineering workstation'],
  ['thin-client', 'Thin client (shop floor)'],
]

export const TECHNICIAN_ROLES: readonly AgentRole[] = [
  'office-technician',
  'telephony-technician',
  'business-support',
  'network-technician',
]

export const DEFAULT_POLICY = {
  responseTarget: 'PT4H' as Duration,
  escalationDelays: {
    office: 'PT8H',
    telephony: 'PT6H',
    business: 'PT12H',
    network: 'PT4H',
  } as Record<SupportDomain, Duration>,
  resolutionTargets: { P1: 'PT4H', P2: 'PT8H', P3: 'PT24H', P4: 'PT40H' } as Record<
    'P1' | 'P2' | 'P3' | 'P4',
    Duration
  >,
  majorIncidentBulletinTarget: 'PT24H' as Duration,
}

export interface AgentPlan {
  readonly agentId: string
  readonly role: AgentRole
  readonly siteIds: readonly string[]
  readonly workstationTypes: readonly string[]
  readonly domains?: readonly SupportDomain[]
  readonly deskId?: string
}
export interface UserPlan {
  readonly userId: string
  readonly siteId: string
  readonly workstationType: string
  readonly deskId: string
}

export interface OrganizationPlan {
  readonly sites: readonly SiteSpec[]
  readonly agents: readonly AgentPlan[]
  readonly users: readonly UserPlan[]
  readonly managers: readonly string[]
  readonly commands: readonly OrganizationCommand[]
}

const FIRST = [
  'Camille',
  'Louis',
  'Inès',
  'Hugo',
  'Léa',
  'Noah',
  'Chloé',
  'Jules',
  'Manon',
  'Gabriel',
  'Emma',
  'Arthur',
]
const LAST = [
  'Martin',
  'Bernard',
  'Dubois',
  'Tremblay',
  'Gagnon',
  'Roy',
  'Lefebvre',
  'Moreau',
  'Girard',
  'Côté',
]

export const deskOf = (siteId: string) => `desk-${siteId}`

/** Build the organisation: agents per site and role, experts per domain, `userCount` users. */
export const planOrganization = (random: Random, userCount: number): OrganizationPlan => {
  const wsAll = WORKSTATION_TYPES.map(([w]) => w)
  const name = () => `${random.pick(FIRST)} ${random.pick(LAST)}`
  const agents: AgentPlan[] = []
  for (const site of SITES) {
    for (let i = 1; i <= 2; i++)
      agents.push({
        agentId: `${site.siteId}-assistance-${i}`,
        role: 'assistance',
        siteIds: [site.siteId],
        workstationTypes: wsAll,
        deskId: deskOf(site.siteId),
      })
    for (const role of TECHNICIAN_ROLES) {
      const count = role === 'office-technician' ? 2 : 1
      for (let i = 1; i <= count; i++)
        agents.push({
          agentId: `${site.siteId}-${role}-${i}`,
          role,
          siteIds: [site.siteId],
          // Every technician knows most workstation types; the first office technician knows them all.
          workstationTypes: i === 1 ? wsAll : wsAll.filter((_, k) => k % 2 === 0),
        })
    }
  }
  const domains: SupportDomain[] = ['office', 'telephony', 'business', 'network']
  for (const d of domains)
    for (let i = 1; i <= 2; i++)
      agents.push({
        agentId: `expert-${d}-${i}`,
        role: 'expert',
        siteIds: SITES.map((s) => s.siteId),
        workstationTypes: wsAll,
        domains: i === 1 ? [d] : [d, domains[(domains.indexOf(d) + 1) % 4] as SupportDomain],
      })
  const managers = ['manager-support', 'manager-quality']
  for (const m of managers)
    agents.push({ agentId: m, role: 'manager', siteIds: SITES.map((s) => s.siteId), workstationTypes: [] })

  const users: UserPlan[] = []
  for (let i = 1; i <= userCount; i++) {
    const site = random.weighted(SITES.map((s) => [s, s.weight] as const))
    const ws =
      site.siteId === 'lyon'
        ? random.weighted<string>([
            ['thin-client', 4],
            ['windows-desktop', 3],
            ['linux-workstation', 2],
            ['windows-laptop', 1],
          ])
        : random.weighted<string>([
            ['windows-laptop', 5],
            ['windows-desktop', 3],
            ['mac-laptop', 2],
            ['linux-workstation', 1],
          ])
    users.push({
      userId: `user-${String(i).padStart(5, '0')}`,
      siteId: site.siteId,
      workstationType: ws,
      deskId: deskOf(site.siteId),
    })
  }

  const commands: OrganizationCommand[] = []
  for (const s of SITES)
    commands.push({ type: 'RegisterSite', siteId: s.siteId, name: s.name, timeZone: s.timeZone })
  for (const s of SITES)
    commands.push({ type: 'SetSupportHours', siteId: s.siteId, weekly: s.weekly, holidays: s.holidays })
  for (const s of SITES)
    commands.push({
      type: 'RegisterDesk',
      deskId: deskOf(s.siteId),
      name: `Assistance aux utilisateurs — ${s.name}`,
      contact: s.contact,
      siteIds: [s.siteId],
    })
  for (const [w, label] of WORKSTATION_TYPES)
    commands.push({ type: 'DefineWorkstationType', workstationType: w, label })
  for (const a of agents)
    commands.push({
      type: 'EnrollAgent',
      agentId: a.agentId,
      name: name(),
      role: a.role,
      siteIds: a.siteIds,
      workstationTypes: a.workstationTypes,
      ...(a.deskId === undefined ? {} : { deskId: a.deskId }),
      ...(a.domains === undefined ? {} : { domains: a.domains }),
    })
  for (const u of users)
    commands.push({
      type: 'RegisterUser',
      userId: u.userId,
      name: name(),
      siteId: u.siteId,
      workstationType: u.workstationType,
      deskId: u.deskId,
    })
  commands.push({ type: 'SetSupportPolicy', ...DEFAULT_POLICY })
  return { sites: SITES, agents, users, managers, commands }
}
