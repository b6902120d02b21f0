/**
 * The timeline of one ticket, for an auditor: every event with who did it and
 * when, in words; the time spent in each state (elapsed and business); the
 * service-level clocks as they stood after each step; and the policy, support
 * hours and time zone that judged the ticket. Pure: it folds the history it is
 * given with the quality and service-level folds, so it tells the same story as
 * the reports.
 */
import { isRight } from 'fp-ts/lib/Either.js'
import type { Calendar } from '../domain/calendar.js'
import { type IsoInstant, toInstant } from '../domain/codec.js'
import { ORGANIZATION_STREAM, type RecordedEvent, ticketStream } from '../domain/envelope.js'
import { type EventType, type SupportPolicy, WEEKDAYS, type WeeklyHours } from '../domain/events.js'
import type { Actor } from '../domain/vocabulary.js'
import { calendarAt, getOwn } from './policy-history.js'
import {
  applyQuality,
  initialQualityState,
  type QualityState,
  type QualityTicket,
  TICKET_STATUSES,
  type TicketStatus,
} from './quality.js'
import type { TicketServiceLevels } from './service-level-types.js'
import {
  applyServiceLevelEvent,
  initialServiceLevelState,
  type ServiceLevelOptions,
  type ServiceLevelState,
  serviceLevelReport,
  ticketRulesInForce,
} from './service-levels.js'
import { hoursMinutes, renderTable } from './synthesis.js'

export interface TimelineEntry {
  readonly position: number
  readonly revision: number
  readonly at: IsoInstant
  readonly type: EventType
  readonly actor: Actor
  /** One line, e.g. "assigned to agent-7 (office-technician)". */
  readonly description: string
  /** The ticket's status after this event. */
  readonly status: TicketStatus
  /** The clocks as they stood right after this event (null when the ticket cannot be judged). */
  readonly serviceLevels: TicketServiceLevels | null
}

/** One uninterrupted stretch in a state. */
export interface StatePeriod {
  readonly status: TicketStatus
  readonly from: IsoInstant
  /** The next change of state, or the as-of instant for the current one. */
  readonly to: IsoInstant
  readonly elapsedMinutes: number
  /** Inside the site's support hours; null when the ticket has no calendar. */
  readonly businessMinutes: number | null
}

export interface TimeInState {
  readonly elapsedMinutes: number
  readonly businessMinutes: number | null
}

export interface TimelineRules {
  /** The policy that judged the ticket: in force at its opening, or the what-if override. */
  readonly policy: {
    readonly since: IsoInstant | null
    readonly override: boolean
    readonly value: SupportPolicy
  } | null
  readonly timeZone: { readonly since: IsoInstant; readonly value: string } | null
  readonly supportHours: {
    readonly since: IsoInstant
    readonly weekly: WeeklyHours
    readonly holidays: readonly string[]
  } | null
}

export interface Timeline {
  readonly ticketId: string
  readonly requesterId: string
  readonly siteId: string
  readonly workstationType: string
  readonly deskId: string
  readonly channel: string
  readonly summary: string
  readonly openedAt: IsoInstant
  readonly asOf: IsoInstant
  /** The status as of `asOf`. */
  readonly status: TicketStatus
  readonly rules: TimelineRules
  /** Why the clocks cannot be computed (no policy, site or hours in force at the opening), else null. */
  readonly notJudged: string | null
  readonly entries: readonly TimelineEntry[]
  readonly periods: readonly StatePeriod[]
  /** Totals per state over `periods` (every state listed, zero when never in it). */
  readonly timeInState: Readonly<Record<TicketStatus, TimeInState>>
  /** The clocks as of `asOf`. */
  readonly serviceLevels: TicketServiceLevels | null
}

export interface TimelineOptions {
  /** Tell the story up to this instant (events after it are ignored); default: the latest event's `at`. */
  readonly asOf?: IsoInstant
  /** What-if: judge the ticket by this policy instead of the one in force at its opening. */
  readonly policyOverride?: SupportPolicy
}

const MINUTE = 60_000

const levelsOf = (
  sl: ServiceLevelState,
  ticketId: string,
  options: ServiceLevelOptions,
): { levels: TicketServiceLevels | null; notJudged: string | null } => {
  const report = serviceLevelReport(sl, options)
  const levels = report.tickets.find((t) => t.ticketId === ticketId) ?? null
  const why = report.unjudged.find((u) => u.subject === 'ticket' && u.id === ticketId)
  return { levels, notJudged: why?.message ?? null }
}

/**
 * The timeline of `ticketId` in `events` (a whole history, in log order), or
 * undefined when the ticket was not opened as of `asOf`. Only the organisation's
 * and this ticket's streams are folded; the as-of instant defaults to the
 * latest `at` of the whole history, as for every report.
 */
export const ticketTimeline = (
  events: Iterable<RecordedEvent>,
  ticketId: string,
  options: TimelineOptions = {},
): Timeline | undefined => {
  const stream = ticketStream(ticketId)
  const limit = options.asOf === undefined ? Number.POSITIVE_INFINITY : Date.parse(options.asOf)
  const override = options.policyOverride === undefined ? {} : { policyOverride: options.policyOverride }
  let sl = initialServiceLevelState()
  let quality = initialQualityState()
  let latest = Number.NEGATIVE_INFINITY
  const entries: TimelineEntry[] = []
  // The quality fold keeps no free text; the summary is taken from the opening on the way.
  let summary = ''

  for (const e of events) {
    const ms = Date.parse(e.at)
    if (ms > limit) continue
    if (ms > latest) latest = ms
    const mine = e.stream === stream
    if (!mine && e.stream !== ORGANIZATION_STREAM) continue
    if (mine && e.type === 'TicketOpened') summary = e.data.summary
    const before = getOwn(quality.tickets, ticketId)
    const description = mine ? describe(e, before, quality) : ''
    sl = applyServiceLevelEvent(sl, e)
    quality = applyQuality(quality, e)
    const after = getOwn(quality.tickets, ticketId)
    if (!mine || after === undefined) continue
    // The fold holds exactly the history up to this event, so "as of its `at`"
    // is the clocks as this step left them (later events at the same instant are not folded yet).
    const { levels } = levelsOf(sl, ticketId, { asOf: e.at, ...override })
    entries.push({
      position: e.position,
      revision: e.revision,
      at: e.at,
      type: e.type,
      actor: e.actor,
      description,
      status: after.status,
      serviceLevels: levels,
    })
  }

  const t = getOwn(quality.tickets, ticketId)
  if (t === undefined) return undefined
  const asOf = options.asOf ?? toInstant(latest)
  const asOfMs = Date.parse(asOf)
  const opened = Date.parse(t.openedAt)
  const { levels, notJudged } = levelsOf(sl, ticketId, { asOf, ...override })

  const cal = calendarAt(sl.org, t.siteId, opened)
  const calendar: Calendar | undefined = isRight(cal) ? cal.right : undefined
  const periods = periodsOf(t, asOfMs, calendar)
  const timeInState = Object.fromEntries(
    TICKET_STATUSES.map((status) => {
      const mine = periods.filter((p) => p.status === status)
      return [
        status,
        {
          elapsedMinutes: mine.reduce((n, p) => n + p.elapsedMinutes, 0),
          businessMinutes:
            calendar === undefined ? null : mine.reduce((n, p) => n + (p.businessMinutes ?? 0), 0),
        },
      ]
    }),
  ) as Record<TicketStatus, TimeInState>

  const rules = ticketRulesInForce(sl, ticketId)
  const r = isRight(rules) ? rules.right : undefined

  return {
    ticketId: t.ticketId,
    requesterId: t.requesterId,
    siteId: t.siteId,
    workstationType: t.workstationType,
    deskId: t.deskId,
    channel: t.channel,
    summary,
    openedAt: t.openedAt,
    asOf,
    status: t.status,
    rules: {
      policy:
        options.policyOverride !== undefined
          ? { since: null, override: true, value: options.policyOverride }
          : r?.policy === undefined
            ? null
            : { since: toInstant(r.policy.at), override: false, value: r.policy.value },
      timeZone:
        r?.timeZone === undefined ? null : { since: toInstant(r.timeZone.at), value: r.timeZone.value },
      supportHours:
        r?.supportHours === undefined
          ? null
          : {
              since: toInstant(r.supportHours.at),
              weekly: r.supportHours.value.weekly,
              holidays: r.supportHours.value.holidays,
            },
    },
    notJudged,
    entries,
    periods,
    timeInState,
    serviceLevels: levels,
  }
}

const periodsOf = (t: QualityTicket, asOfMs: number, calendar: Calendar | undefined): StatePeriod[] => {
  const changes = t.statusChanges.filter((c) => Date.parse(c.at) <= asOfMs)
  return changes.map((c, i) => {
    const from = Date.parse(c.at)
    const next = changes[i + 1]
    const to = next === undefined ? Math.max(from, asOfMs) : Date.parse(next.at)
    return {
      status: c.status,
      from: c.at,
      to: toInstant(to),
      elapsedMinutes: (to - from) / MINUTE,
      businessMinutes: calendar === undefined ? null : calendar.businessTime(from, to) / MINUTE,
    }
  })
}

// ---- one line per event ------------------------------------------------------

const who = (q: QualityState, agentId: string): string => {
  const role = getOwn(q.agentRoles, agentId)
  return role === undefined ? agentId : `${agentId} (${role})`
}

const quote = (s: string): string => {
  const one = s.replace(/\s+/g, ' ').trim()
  return `“${one.length > 80 ? `${one.slice(0, 77)}...` : one}”`
}

/** The event in words, given the ticket as it stood before it. */
const describe = (e: RecordedEvent, before: QualityTicket | undefined, q: QualityState): string => {
  switch (e.type) {
    case 'TicketOpened':
      return `opened for ${e.data.requesterId} by ${e.data.channel} at desk ${e.data.deskId} (site ${e.data.siteId}, workstation ${e.data.workstationType}): ${quote(e.data.summary)}`
    case 'TicketQualified': {
      const d = e.data
      const diagnosis = d.diagnosis === undefined ? '' : `; diagnosis ${quote(d.diagnosis)}`
      const again = before?.kind === null || before === undefined ? 'qualified' : 'requalified'
      return `${again} as ${d.kind}, domain ${d.domain}, priority ${d.priority}${diagnosis}`
    }
    case 'TicketAssigned':
      return before?.ownerId === null || before === undefined
        ? `assigned to ${who(q, e.data.ownerId)}`
        : `reassigned from ${before.ownerId} to ${who(q, e.data.ownerId)}`
    case 'UserInformed': {
      const d = e.data
      const label =
        d.kind === 'answer'
          ? 'user given an answer'
          : d.kind === 'schedule'
            ? `user given a resolution schedule (expected ${d.expectedResolutionAt ?? 'unspecified'})`
            : d.kind === 'progress'
              ? 'user told of progress'
              : 'user told of the restoration'
      return `${label}: ${quote(d.message)}`
    }
    case 'TicketEscalated':
      return e.data.reason === 'delay-expired'
        ? `level 2 (${e.data.domain}) called automatically: the escalation delay expired`
        : `escalated to level 2 (${e.data.domain})${e.data.note === undefined ? '' : `: ${quote(e.data.note)}`}`
    case 'ExpertAdviceGiven':
      return `expert advice from ${e.actor.id}, ticket back with its owner: ${quote(e.data.advice)}`
    case 'HierarchyInvolved': {
      const why =
        e.data.reason === 'response-breach'
          ? 'the response commitment was breached'
          : e.data.reason === 'resolution-breach'
            ? 'the resolution target was breached'
            : 'resolution in difficulty'
      return `management involved: ${why}${e.data.note === undefined ? '' : ` (${quote(e.data.note)})`}`
    }
    case 'TicketSuspended':
      return `suspended, ${e.data.reason === 'awaiting-user' ? 'awaiting the user' : 'awaiting a supplier'}`
    case 'TicketResumed':
      return 'resumed'
    case 'TicketResolved': {
      const kb =
        e.data.knowledgeArticleId === undefined ? '' : ` (knowledge article ${e.data.knowledgeArticleId})`
      return `resolved, code ${e.data.resolutionCode}${kb}: ${quote(e.data.solution)}`
    }
    case 'TicketReopened':
      return `reopened: ${quote(e.data.reason)}`
    case 'TicketClosed':
      return 'closed'
    case 'SatisfactionRecorded':
      return `satisfaction ${e.data.score}/5${e.data.comment === undefined ? '' : `: ${quote(e.data.comment)}`}`
    case 'TicketLinkedToMajorIncident':
      return `linked to major incident ${e.data.incidentId}`
    default:
      return e.type
  }
}

// ---- plain text --------------------------------------------------------------

/** `2026-03-02 10:15` in the site's time zone (UTC when unknown). */
const localTime = (instant: string, timeZone: string | undefined): string => {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timeZone ?? 'UTC',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(new Date(instant))
  const p = (type: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === type)?.value ?? ''
  return `${p('weekday')} ${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`
}

const clocksLine = (l: TicketServiceLevels | null, zone: string | undefined): string => {
  if (l === null) return '—'
  const clock = (name: string, status: string, minutes: number | null, target: number | null) =>
    `${name} ${status}${minutes === null ? '' : ` in ${hoursMinutes(minutes)}`}${target === null ? '' : ` (target ${hoursMinutes(target)})`}`
  const esc =
    l.escalation.deadline === null
      ? `escalation ${l.escalation.status}`
      : `escalation ${l.escalation.status} (deadline ${localTime(l.escalation.deadline, zone)})`
  return [
    clock('response', l.response.status, l.response.businessMinutes, l.response.targetMinutes),
    esc,
    clock('resolution', l.resolution.status, l.resolution.businessMinutes, l.resolution.targetMinutes),
  ].join('; ')
}

/** A policy on one line: its targets and delays (`none` for an empty table). */
export const policyLine = (p: SupportPolicy): string => {
  const rec = (r: Readonly<Record<string, string | undefined>>) =>
    Object.entries(r)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none'
  return (
    `response ${p.responseTarget}; escalation delays: ${rec(p.escalationDelays)}; ` +
    `resolution targets: ${rec(p.resolutionTargets)}; bulletin ${p.majorIncidentBulletinTarget}`
  )
}

const hoursLine = (w: WeeklyHours): string =>
  [...WEEKDAYS.slice(1), WEEKDAYS[0]]
    .map((d) => {
      const iv = w[d] ?? []
      return `${d} ${iv.length === 0 ? 'closed' : iv.map(([a, b]) => `${a}–${b}`).join(', ')}`
    })
    .join('; ')

const indent = (block: string): string =>
  block
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')

/** The timeline as plain text, read top to bottom. Times are local to the ticket's site. */
export const renderTimelineText = (t: Timeline): string => {
  const zone = t.rules.timeZone?.value
  const zoneName = zone ?? 'UTC'
  const out: string[] = []
  out.push(`Ticket ${t.ticketId}: ${quote(t.summary)}`)
  out.push(
    `Requester ${t.requesterId}, site ${t.siteId}, workstation ${t.workstationType}, desk ${t.deskId}, by ${t.channel}`,
  )
  out.push(
    `Opened ${localTime(t.openedAt, zone)} (${zoneName}); ${t.status} as of ${localTime(t.asOf, zone)}`,
  )
  out.push('', 'Judged by')
  const p = t.rules.policy
  out.push(
    p === null
      ? '  policy: none in force at the opening'
      : `  policy ${p.override ? '(what-if override)' : `in force since ${p.since}`}: ${policyLine(p.value)}`,
  )
  out.push(`  time zone: ${zone ?? 'unknown (site not registered at the opening)'}`)
  const h = t.rules.supportHours
  out.push(
    h === null
      ? '  support hours: none in force at the opening'
      : `  support hours since ${h.since}: ${hoursLine(h.weekly)}; holidays: ${h.holidays.length === 0 ? 'none' : h.holidays.join(', ')}`,
  )
  if (t.notJudged !== null) out.push(`  clocks not computed: ${t.notJudged}`)

  out.push('', `Events (local time, ${zoneName})`)
  for (const e of t.entries) {
    out.push(`  ${localTime(e.at, zone)}  ${e.actor.id} (${e.actor.role})  ${e.description}`)
    out.push(`      now ${e.status}; ${clocksLine(e.serviceLevels, zone)}`)
  }

  out.push('', 'Time in each state (h:mm; business = inside support hours)')
  out.push(
    indent(
      renderTable(
        ['State', 'Elapsed', 'Business'],
        TICKET_STATUSES.map((s) => [
          s,
          hoursMinutes(t.timeInState[s].elapsedMinutes),
          hoursMinutes(t.timeInState[s].businessMinutes),
        ]),
        [false, true, true],
      ),
    ),
  )
  out.push('', 'Stretches')
  out.push(
    indent(
      renderTable(
        ['From', 'To', 'State', 'Elapsed', 'Business'],
        t.periods.map((s) => [
          localTime(s.from, zone),
          localTime(s.to, zone),
          s.status,
          hoursMinutes(s.elapsedMinutes),
          hoursMinutes(s.businessMinutes),
        ]),
        [false, false, false, true, true],
      ),
    ),
  )
  out.push('', `Service levels as of ${localTime(t.asOf, zone)}`)
  out.push(`  ${clocksLine(t.serviceLevels, zone)}`)
  if (t.serviceLevels !== null) {
    out.push(`  response deadline ${localTime(t.serviceLevels.response.deadline, zone)}`)
    if (t.serviceLevels.response.stoppedAt !== null)
      out.push(`  response stopped ${localTime(t.serviceLevels.response.stoppedAt, zone)}`)
  }
  return `${out.join('\n')}\n`
}
