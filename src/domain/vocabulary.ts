/** The domain vocabulary of domain.md §2: roles, levels, domains, kinds, priorities, channels. */
import * as t from 'io-ts'

export const Role = t.keyof(
  {
    user: null,
    assistance: null,
    'office-technician': null,
    'telephony-technician': null,
    'business-support': null,
    'network-technician': null,
    expert: null,
    manager: null,
    system: null,
  },
  'Role',
)
export type Role = t.TypeOf<typeof Role>
export const ROLES: readonly Role[] = Object.keys(Role.keys) as Role[]

/** Roles that an agent can be enrolled with (users are registered, `system` is the machine). */
export const AgentRole = t.keyof(
  {
    assistance: null,
    'office-technician': null,
    'telephony-technician': null,
    'business-support': null,
    'network-technician': null,
    expert: null,
    manager: null,
  },
  'AgentRole',
)
export type AgentRole = t.TypeOf<typeof AgentRole>

export const Level = t.keyof({ L1: null, L2: null }, 'Level')
export type Level = t.TypeOf<typeof Level>

export const SupportDomain = t.keyof(
  { office: null, telephony: null, business: null, network: null },
  'Domain',
)
export type SupportDomain = t.TypeOf<typeof SupportDomain>
export const DOMAINS: readonly SupportDomain[] = ['office', 'telephony', 'business', 'network']

export const TicketKind = t.keyof(
  { incident: null, question: null, request: null, preventive: null },
  'TicketKind',
)
export type TicketKind = t.TypeOf<typeof TicketKind>

export const Priority = t.keyof({ P1: null, P2: null, P3: null, P4: null }, 'Priority')
export type Priority = t.TypeOf<typeof Priority>
export const PRIORITIES: readonly Priority[] = ['P1', 'P2', 'P3', 'P4']

export const Channel = t.keyof({ phone: null, email: null, portal: null, 'walk-in': null }, 'Channel')
export type Channel = t.TypeOf<typeof Channel>

export const L1_ROLES = [
  'assistance',
  'office-technician',
  'telephony-technician',
  'business-support',
  'network-technician',
] as const satisfies readonly Role[]
export type L1Role = (typeof L1_ROLES)[number]

/** Support staff are L1 and L2 agents; managers are not support staff. */
export const isL1 = (r: Role): r is L1Role => (L1_ROLES as readonly Role[]).includes(r)
export const isL2 = (r: Role): r is 'expert' => r === 'expert'
export const isSupportStaff = (r: Role): boolean => isL1(r) || isL2(r)
export const levelOf = (r: Role): Level | undefined => (isL1(r) ? 'L1' : isL2(r) ? 'L2' : undefined)

/** The domain a technician role serves; `assistance` serves all, others none of their own. */
export const roleDomain: Partial<Record<Role, SupportDomain>> = {
  'office-technician': 'office',
  'telephony-technician': 'telephony',
  'business-support': 'business',
  'network-technician': 'network',
}

/** Who did something: an agent, a user, or the system. */
export const Actor = t.type({ id: t.string, role: Role }, 'Actor')
export type Actor = t.TypeOf<typeof Actor>
export const SYSTEM: Actor = { id: 'system', role: 'system' }
