/**
 * Soutien's command handler: the generic engine (engine.ts) bound to the four
 * deciders of the support organisation. This is what hosts embed:
 *
 *   const handler = createCommandHandler({ store, clock: systemClock })
 *   const r = await handler.handleInput(body, actor, { commandId })()
 *
 * See docs/commands.md.
 */
import { knowledgeDecider } from '../domain/knowledge.js'
import { majorIncidentDecider } from '../domain/major-incident.js'
import { organizationDecider, organizationView } from '../domain/organization.js'
import { ticketDecider } from '../domain/ticket.js'
import { type CommandHandler, createHandler, type HandlerDeps } from './engine.js'
import { makeRouting, type Routing } from './routing.js'

export type {
  Clock,
  CommandHandler,
  CommandOptions,
  CommandRequest,
  HandleError,
  HandleResult,
  HandlerDeps,
  InvalidCommand,
  InvalidDecision,
  Rejected,
} from './engine.js'
export { isConflict, systemClock } from './engine.js'

/** Which decider decides which stream. */
export const soutienRouting: Routing = makeRouting({
  organization: organizationDecider,
  organizationView,
  ticket: ticketDecider,
  majorIncident: majorIncidentDecider,
  knowledge: knowledgeDecider,
})

export const createCommandHandler = (deps: HandlerDeps): CommandHandler => createHandler(soutienRouting, deps)
