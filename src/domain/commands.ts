/**
 * The commands of each stream, as plain types (their io-ts codecs, for
 * `unknown` input, live in src/commands/codecs.ts and are checked against
 * these). A command names what someone asks for; its decider answers with
 * events or a refusal.
 */
import type { Duration, IsoInstant, LocalDate } from './codec.js'
import type { QualityThresholds, WeeklyHours } from './events.js'
import type { AgentRole, Channel, Priority, SupportDomain, TicketKind } from './vocabulary.js'

// ---- organization (manager; bootstrap may use system) ----------------------

export type OrganizationCommand =
  | {
      readonly type: 'RegisterSite'
      readonly siteId: string
      readonly name: string
      readonly timeZone: string
    }
  | {
      readonly type: 'SetSupportHours'
      readonly siteId: string
      readonly weekly: WeeklyHours
      readonly holidays: readonly LocalDate[]
    }
  | {
      readonly type: 'RegisterDesk'
      readonly deskId: string
      readonly name: string
      readonly contact: string
      readonly siteIds: readonly string[]
    }
  | { readonly type: 'DefineWorkstationType'; readonly workstationType: string; readonly label: string }
  | {
      readonly type: 'RegisterUser'
      readonly userId: string
      readonly name: string
      readonly siteId: string
      readonly workstationType: string
      readonly deskId: string
    }
  | { readonly type: 'DesignateUserEntryPoint'; readonly userId: string; readonly deskId: string }
  | {
      readonly type: 'EnrollAgent'
      readonly agentId: string
      readonly name: string
      readonly role: AgentRole
      readonly siteIds: readonly string[]
      readonly workstationTypes: readonly string[]
      readonly deskId?: string
      readonly domains?: readonly SupportDomain[]
    }
  | { readonly type: 'RetireAgent'; readonly agentId: string }
  | {
      readonly type: 'SetSupportPolicy'
      readonly responseTarget?: Duration
      readonly escalationDelays: Partial<Record<SupportDomain, Duration>>
      readonly resolutionTargets: Partial<Record<Priority, Duration>>
      readonly majorIncidentBulletinTarget?: Duration
      readonly qualityThresholds?: QualityThresholds
    }

// ---- ticket ----------------------------------------------------------------

export type TicketCommand =
  | {
      readonly type: 'OpenTicket'
      readonly ticketId: string
      readonly requesterId: string
      readonly channel: Channel
      readonly summary: string
      /** When given, must be the requester's site; otherwise taken from the user. */
      readonly siteId?: string
      /** When given, must be the requester's workstation type; otherwise taken from the user. */
      readonly workstationType?: string
    }
  | {
      readonly type: 'QualifyTicket'
      readonly ticketId: string
      readonly kind: TicketKind
      readonly domain: SupportDomain
      readonly priority: Priority
      readonly diagnosis?: string
    }
  | { readonly type: 'AssignTicket'; readonly ticketId: string; readonly ownerId: string }
  | {
      readonly type: 'InformUser'
      readonly ticketId: string
      readonly kind: 'answer' | 'schedule' | 'progress' | 'restoration'
      readonly message: string
      readonly expectedResolutionAt?: IsoInstant
    }
  | {
      readonly type: 'EscalateTicket'
      readonly ticketId: string
      /** Defaults to the ticket's qualified domain. */
      readonly domain?: SupportDomain
      readonly reason: 'manual' | 'delay-expired'
      readonly note?: string
    }
  | { readonly type: 'GiveExpertAdvice'; readonly ticketId: string; readonly advice: string }
  | {
      readonly type: 'InvolveHierarchy'
      readonly ticketId: string
      readonly reason: 'response-breach' | 'resolution-breach' | 'difficulty'
      readonly note?: string
    }
  | {
      readonly type: 'SuspendTicket'
      readonly ticketId: string
      readonly reason: 'awaiting-user' | 'awaiting-supplier'
    }
  | { readonly type: 'ResumeTicket'; readonly ticketId: string }
  | {
      readonly type: 'ResolveTicket'
      readonly ticketId: string
      readonly resolutionCode: string
      readonly solution: string
      readonly knowledgeArticleId?: string
    }
  | { readonly type: 'ReopenTicket'; readonly ticketId: string; readonly reason: string }
  | { readonly type: 'CloseTicket'; readonly ticketId: string }
  | {
      readonly type: 'RecordSatisfaction'
      readonly ticketId: string
      readonly score: number
      readonly comment?: string
    }
  | { readonly type: 'LinkTicketToMajorIncident'; readonly ticketId: string; readonly incidentId: string }

// ---- major incident --------------------------------------------------------

export type MajorIncidentCommand =
  | {
      readonly type: 'DeclareMajorIncident'
      readonly incidentId: string
      readonly summary: string
      readonly siteIds: readonly string[]
      readonly services: readonly string[]
    }
  | {
      readonly type: 'PublishIncidentBulletin'
      readonly incidentId: string
      readonly kind: 'information' | 'restoration'
      readonly message: string
      readonly siteIds: readonly string[]
    }
  | { readonly type: 'ResolveMajorIncident'; readonly incidentId: string; readonly summary: string }

// ---- knowledge -------------------------------------------------------------

export type KnowledgeCommand =
  | {
      readonly type: 'PublishKnowledgeArticle'
      readonly articleId: string
      readonly title: string
      readonly domain: SupportDomain
      readonly workstationTypes: readonly string[]
      readonly body: string
    }
  | { readonly type: 'ReviseKnowledgeArticle'; readonly articleId: string; readonly body: string }

export type Command = OrganizationCommand | TicketCommand | MajorIncidentCommand | KnowledgeCommand
export type CommandType = Command['type']
