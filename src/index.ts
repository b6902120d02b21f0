/**
 * Soutien's public API: everything a host, an analyst's script or an auditor's
 * tool needs, and nothing else. See the README for a tour and docs/ for details.
 */

// ---- commands: decoding, the handler, the timers ------------------------------
export { decodeCommand } from './commands/codecs.js'
export {
  type Clock,
  type CommandHandler,
  type CommandOptions,
  type CommandRequest,
  createCommandHandler,
  type HandleError,
  type HandleResult,
  type HandlerDeps,
  systemClock,
} from './commands/handler.js'
export { createTimerRunner, dueCommands } from './commands/timers.js'
// ---- business time (domain.md §5) --------------------------------------------
export { type BusinessHours, type Calendar, type CalendarError, makeCalendar } from './domain/calendar.js'
// ---- vocabulary, codecs, events (domain.md §2–4) -----------------------------
export {
  type DecodeProblem,
  Duration,
  durationMinutes,
  formatProblems,
  IsoInstant,
  instantMs,
  minutesToDuration,
  problemsOf,
  toInstant,
} from './domain/codec.js'
export type {
  Command,
  CommandType,
  KnowledgeCommand,
  MajorIncidentCommand,
  OrganizationCommand,
  TicketCommand,
} from './domain/commands.js'
export {
  type Context,
  type Decided,
  type Decider,
  type DomainError,
  fold,
} from './domain/decider.js'
export {
  categoryOfStream,
  decodeRecordedEvent,
  type EventMeta,
  type EventToAppend,
  type Fact,
  knowledgeStream,
  majorIncidentStream,
  ORGANIZATION_STREAM,
  type RecordedEvent,
  STREAM_PREFIXES,
  streamId,
  ticketStream,
  toWire,
} from './domain/envelope.js'
export {
  currentVersion,
  DEFAULT_QUALITY_THRESHOLDS,
  type DomainEvent,
  EVENT_TYPES,
  type EventData,
  type EventType,
  eventCodecs,
  type KnowledgeEvent,
  type MajorIncidentEvent,
  type OrganizationEvent,
  type SupportPolicy,
  type TicketEvent,
} from './domain/events.js'
// ---- deciders and the organisation -------------------------------------------
// ---- the hash chain and personal data (docs/audit.md, docs/privacy.md) ---------
export {
  type ChainChecker,
  type ChainProblem,
  type ChainProblemKind,
  type ChainStatus,
  type ChainSummary,
  type ChainWhere,
  canonicalJson,
  checkChains,
  createChainChecker,
  createManifestBuilder,
  decodeManifest,
  eventHash,
  hashedContent,
  type Manifest,
  manifestText,
  type StreamHead,
  sealEvents,
  type WrittenEvent,
  writtenEventOf,
  writtenFormOf,
} from './domain/hash-chain.js'
export { checkKnowledgeHistory, knowledgeDecider } from './domain/knowledge.js'
export { checkMajorIncidentHistory, majorIncidentDecider } from './domain/major-incident.js'
export {
  checkOrganizationHistory,
  foldOrganization,
  organizationAsOf,
  organizationDecider,
  organizationView,
} from './domain/organization.js'
export type { Agent, Desk, OrganizationView, Site, User } from './domain/organization-view.js'
export {
  type DataSubject,
  ERASED,
  type PersonalField,
  personalFields,
  subjectKey,
} from './domain/personal-data.js'
export { type TicketState, ticketDecider } from './domain/ticket.js'
export { checkTicketHistory } from './domain/ticket-rules.js'
export { upcast, upcasters } from './domain/upcasters.js'
export {
  type Actor,
  type AgentRole,
  type Channel,
  isL1,
  isL2,
  isSupportStaff,
  type Level,
  levelOf,
  type Priority,
  type Role,
  type SupportDomain,
  SYSTEM,
  type TicketKind,
} from './domain/vocabulary.js'

// ---- projections ---------------------------------------------------------------
export { type CheckpointStore, createMemoryCheckpointStore } from './projections/checkpoints.js'
export { computeQuality, qualityProjection } from './projections/quality.js'
export { type Projection, type ProjectionRunner, runProjections } from './projections/runner.js'
export type {
  ClockStatus,
  EscalationStatus,
  MajorIncidentServiceLevels,
  TicketServiceLevels,
} from './projections/service-level-types.js'
export {
  computeServiceLevels,
  majorIncidentServiceLevels,
  type ServiceLevelOptions,
  serviceLevelsProjection,
  ticketServiceLevels,
  unjudgedServiceLevels,
} from './projections/service-levels.js'
export {
  computeSynthesis,
  renderSynthesisTable,
  type Synthesis,
  synthesize,
} from './projections/synthesis.js'
export { renderTimelineText, type Timeline, ticketTimeline } from './projections/timeline.js'

// ---- stores ----------------------------------------------------------------------
export { createEsdbStore, esdbCheckpoint } from './store/esdb.js'
export {
  type FaultKind,
  type FaultOptions,
  type FaultRates,
  type FaultyStore,
  faultyStore,
  type InjectedFault,
} from './store/faulty.js'
export {
  createMemoryKeyStore,
  type DestroyOutcome,
  type KeyStore,
  keyStoreOn,
  openSqliteKeyStore,
  type SqliteKeyStore,
} from './store/keys.js'
export { createMemoryStore } from './store/memory.js'
export {
  exportHistory,
  InvalidHistoryLine,
  importHistory,
  readHistoryBatches,
  readHistoryFile,
} from './store/ndjson.js'
export type {
  AppendResult,
  ConcurrencyConflict,
  EventStore,
  ExpectedRevision,
  StoreError,
  StoreUnavailable,
  Subscription,
} from './store/port.js'
export { protectStore, sealStore, sealsAppends } from './store/protected.js'
export {
  createSqliteCheckpointStore,
  createSqliteStore,
  type GroupCommit,
  openSqliteStore,
  type SqliteEventStore,
  type SqliteStoreOptions,
} from './store/sqlite.js'
