/**
 * The organisation as it stands: what decisions need to know about sites,
 * support hours, desks, users, agents and the support policy. It is the state of
 * the `organization` decider (see organization.ts).
 */
import type { IsoInstant, LocalDate } from './codec.js'
import type { SupportPolicy, WeeklyHours } from './events.js'
import type { AgentRole, SupportDomain } from './vocabulary.js'

export interface SupportHours {
  readonly weekly: WeeklyHours
  readonly holidays: readonly LocalDate[]
  /** When these hours came into force. */
  readonly since: IsoInstant
}

export interface Site {
  readonly siteId: string
  readonly name: string
  readonly timeZone: string
  readonly hours?: SupportHours
}

export interface Desk {
  readonly deskId: string
  readonly name: string
  readonly contact: string
  readonly siteIds: readonly string[]
}

export interface User {
  readonly userId: string
  readonly name: string
  readonly siteId: string
  readonly workstationType: string
  /** The designated entry point. */
  readonly deskId: string
}

export interface Agent {
  readonly agentId: string
  readonly name: string
  readonly role: AgentRole
  readonly siteIds: readonly string[]
  readonly workstationTypes: readonly string[]
  readonly deskId?: string
  readonly domains?: readonly SupportDomain[]
  readonly active: boolean
}

export interface OrganizationView {
  readonly sites: ReadonlyMap<string, Site>
  readonly desks: ReadonlyMap<string, Desk>
  /** workstationType → label */
  readonly workstationTypes: ReadonlyMap<string, string>
  readonly users: ReadonlyMap<string, User>
  readonly agents: ReadonlyMap<string, Agent>
  readonly policy?: SupportPolicy & { readonly since: IsoInstant }
}

export const emptyOrganization: OrganizationView = {
  sites: new Map(),
  desks: new Map(),
  workstationTypes: new Map(),
  users: new Map(),
  agents: new Map(),
}
