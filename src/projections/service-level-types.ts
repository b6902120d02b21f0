/**
 * The service-level results of domain.md §5, as the projections report them
 * (and as `soutien sla` prints them, one JSON object per ticket).
 */
import type { IsoInstant } from '../domain/codec.js'
import type { Priority, SupportDomain } from '../domain/vocabulary.js'

/** Response, resolution and bulletin clocks: `met`, `breached` or `pending` (§5). */
export type ClockStatus = 'met' | 'breached' | 'pending'
/** Escalation delay, in §5's order of precedence. */
export type EscalationStatus = 'on-time' | 'not-needed' | 'pending' | 'late'

export interface ResponseLevel {
  readonly status: ClockStatus
  /** Business minutes from opening to the stop; null while the clock runs. */
  readonly businessMinutes: number | null
  readonly targetMinutes: number
  readonly deadline: IsoInstant
  readonly stoppedAt: IsoInstant | null
}

export interface EscalationLevel {
  readonly status: EscalationStatus
  /** null when the ticket has no qualified domain or the policy sets no delay for it. */
  readonly deadline: IsoInstant | null
  readonly escalatedAt: IsoInstant | null
}

export interface ResolutionLevel {
  readonly status: ClockStatus
  readonly businessMinutes: number | null
  /** null when the ticket has no priority or the policy sets no target for it. */
  readonly targetMinutes: number | null
}

export interface TicketServiceLevels {
  readonly ticketId: string
  readonly siteId: string
  readonly workstationType: string
  readonly domain: SupportDomain | null
  readonly priority: Priority | null
  readonly openedAt: IsoInstant
  readonly response: ResponseLevel
  readonly escalation: EscalationLevel
  readonly resolution: ResolutionLevel
}

export interface MajorIncidentServiceLevels {
  readonly incidentId: string
  readonly declaredAt: IsoInstant
  /** Elapsed (not business) minutes to the first bulletin; null while none. */
  readonly bulletinElapsedMinutes: number | null
  readonly bulletinTargetMinutes: number
  readonly status: ClockStatus
  /** Elapsed minutes to `SupportStaffAlerted` (commitment: 0). */
  readonly staffAlertElapsedMinutes: number | null
}
