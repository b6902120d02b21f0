/**
 * Where a command goes: the stream it is decided on (`ticket-<ticketId>`, …)
 * and the decider of that stream's category. Kept free of the concrete deciders
 * so the handler can be exercised with small ones; handler.ts wires Soutien's.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type {
  Command,
  CommandType,
  KnowledgeCommand,
  MajorIncidentCommand,
  OrganizationCommand,
  TicketCommand,
} from '../domain/commands.js'
import type { Context, Decided, Decider, DomainError } from '../domain/decider.js'
import {
  type Fact,
  knowledgeStream,
  majorIncidentStream,
  ORGANIZATION_STREAM,
  ticketStream,
} from '../domain/envelope.js'
import type {
  DomainEvent,
  KnowledgeEvent,
  MajorIncidentEvent,
  OrganizationEvent,
  StreamCategory,
  TicketEvent,
} from '../domain/events.js'
import type { OrganizationView } from '../domain/organization-view.js'

/** The stream category each command is decided on. */
export const commandCategory: Readonly<Record<CommandType, StreamCategory>> = {
  RegisterSite: 'organization',
  SetSupportHours: 'organization',
  RegisterDesk: 'organization',
  DefineWorkstationType: 'organization',
  RegisterUser: 'organization',
  DesignateUserEntryPoint: 'organization',
  EnrollAgent: 'organization',
  RetireAgent: 'organization',
  SetSupportPolicy: 'organization',
  OpenTicket: 'ticket',
  QualifyTicket: 'ticket',
  AssignTicket: 'ticket',
  InformUser: 'ticket',
  EscalateTicket: 'ticket',
  GiveExpertAdvice: 'ticket',
  InvolveHierarchy: 'ticket',
  SuspendTicket: 'ticket',
  ResumeTicket: 'ticket',
  ResolveTicket: 'ticket',
  ReopenTicket: 'ticket',
  CloseTicket: 'ticket',
  RecordSatisfaction: 'ticket',
  LinkTicketToMajorIncident: 'ticket',
  DeclareMajorIncident: 'major-incident',
  PublishIncidentBulletin: 'major-incident',
  ResolveMajorIncident: 'major-incident',
  PublishKnowledgeArticle: 'knowledge',
  ReviseKnowledgeArticle: 'knowledge',
}

/** The stream a command is decided on and appended to. */
export const streamOfCommand = (c: Command): string => {
  // Narrowing on the id field rather than on the category table keeps this
  // exhaustive at compile time: a new command without one of these ids fails here.
  if ('ticketId' in c) return ticketStream(c.ticketId)
  if ('incidentId' in c) return majorIncidentStream(c.incidentId)
  if ('articleId' in c) return knowledgeStream(c.articleId)
  const org: OrganizationCommand = c
  void org
  return ORGANIZATION_STREAM
}

/**
 * A decider with its types erased, so the handler can hold one per category.
 * Sound as long as it only receives commands of its category (the routing
 * guarantees it) and facts of its stream (stores decode a stream's events
 * against its category).
 */
export interface StreamDecider {
  readonly initialState: unknown
  readonly evolve: (state: unknown, event: Fact) => unknown
  readonly decide: (command: Command, state: unknown, ctx: Context) => Either<DomainError, readonly Decided[]>
}

export interface Routing {
  readonly deciders: Readonly<Record<StreamCategory, StreamDecider>>
  /** The organisation as decisions see it, from the `organization` decider's state. */
  readonly organizationView: (organizationState: unknown) => OrganizationView
}

/** Build a routing from typed deciders: each must accept exactly its category's commands and events. */
export const makeRouting = <SO, ST, SM, SK>(r: {
  readonly organization: Decider<OrganizationCommand, OrganizationEvent, SO>
  readonly organizationView: (state: SO) => OrganizationView
  readonly ticket: Decider<TicketCommand, TicketEvent, ST>
  readonly majorIncident: Decider<MajorIncidentCommand, MajorIncidentEvent, SM>
  readonly knowledge: Decider<KnowledgeCommand, KnowledgeEvent, SK>
}): Routing => ({
  deciders: {
    organization: erase(r.organization),
    ticket: erase(r.ticket),
    'major-incident': erase(r.majorIncident),
    knowledge: erase(r.knowledge),
  },
  organizationView: r.organizationView as (s: unknown) => OrganizationView,
})

const erase = <C, E extends DomainEvent, S>(d: Decider<C, E, S>): StreamDecider =>
  d as unknown as StreamDecider
