/**
 * The timers: a process manager that watches the service-level clocks and
 * issues, as `system`, the commands domain.md §5 makes automatic: the call to
 * level 2 when an escalation delay expires (`EscalateTicket`, `delay-expired`)
 * and the involvement of management on a breach (`InvolveHierarchy`,
 * `response-breach` / `resolution-breach`).
 *
 * `dueCommands` is pure: the same state and instant give the same commands,
 * with deterministic command ids, so a timer that wakes twice (or two timers)
 * append nothing the second time. See docs/clocks.md, "Timers".
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { type IsoInstant, instantMs, toInstant } from '../domain/codec.js'
import type { Command } from '../domain/commands.js'
import type { RecordedEvent } from '../domain/envelope.js'
import { type Actor, SYSTEM } from '../domain/vocabulary.js'
import {
  applyServiceLevelEvent,
  firstInstantExceeding,
  initialServiceLevelState,
  judgeTicket,
  type ServiceLevelState,
  type TicketFacts,
  type TicketJudgement,
} from '../projections/service-levels.js'
import type { EventStore } from '../store/port.js'

/**
 * A command request as the command handler takes it (src/commands/handler.ts):
 * declared structurally so that timers do not depend on the handler module.
 */
export interface TimerRequest {
  readonly command: Command
  readonly actor: Actor
  readonly commandId: string
  /** When the command takes effect: the deadline (or breach) it answers, never the wake-up time. */
  readonly at: IsoInstant
}

const MINUTE = 60_000

type Due = { readonly natural: number; readonly commandId: string; readonly command: Command }

const dueForTicket = (j: TicketJudgement): Due[] => {
  const t = j.facts
  const now = j.asOf
  const due: Due[] = []
  const { response, escalation, resolution } = j.levels
  // Escalation: at the deadline the ticket was neither resolved nor escalated
  // (status `late` with no escalation at all), and it still runs now.
  if (
    escalation.status === 'late' &&
    escalation.escalatedAt === null &&
    j.resolution.running &&
    j.escalationDeadline !== null &&
    j.levels.domain !== null
  ) {
    const deadline = toInstant(j.escalationDeadline)
    due.push({
      natural: j.escalationDeadline,
      commandId: `timer:escalate:${t.ticketId}:${deadline}`,
      command: {
        type: 'EscalateTicket',
        ticketId: t.ticketId,
        domain: j.levels.domain,
        reason: 'delay-expired',
        note: `escalation delay of ${j.policy.escalationMinutes[j.levels.domain]} business minutes expired at ${deadline}`,
      },
    })
  }

  // Response breach: once per ticket (the response clock runs once).
  const involved = (reason: string, since: number) =>
    t.involvements.some((i) => i.reason === reason && i.at >= since && i.at <= now)
  if (
    response.status === 'breached' &&
    response.stoppedAt === null &&
    !involved('response-breach', t.opened)
  ) {
    // The first millisecond at which the business time exceeds the target.
    const at = j.calendar.addBusinessTime(t.opened, response.targetMinutes * MINUTE + 1)
    due.push({
      natural: at,
      commandId: `timer:response-breach:${t.ticketId}`,
      command: {
        type: 'InvolveHierarchy',
        ticketId: t.ticketId,
        reason: 'response-breach',
        note: `no answer or schedule within ${response.targetMinutes} business minutes (deadline ${response.deadline})`,
      },
    })
  }

  // Resolution breach: once per resolution cycle (a reopened ticket runs again).
  if (
    resolution.status === 'breached' &&
    resolution.businessMinutes === null &&
    resolution.targetMinutes !== null &&
    !involved('resolution-breach', j.resolution.cycleStart)
  ) {
    const first = firstInstantExceeding(j.calendar, j.resolution.stretches, resolution.targetMinutes * MINUTE)
    // Breached before this cycle began: breached again from its first instant.
    const at = Math.max(first ?? now, j.resolution.cycleStart)
    due.push({
      natural: at,
      commandId: `timer:resolution-breach:${t.ticketId}:${j.resolution.cycle}`,
      command: {
        type: 'InvolveHierarchy',
        ticketId: t.ticketId,
        reason: 'resolution-breach',
        note: `not resolved within ${resolution.targetMinutes} business minutes`,
      },
    })
  }
  return due
}

const countUpTo = (sorted: readonly number[], limit: number): number => {
  let n = 0
  while (n < sorted.length && sorted[n]! <= limit) n++
  return n
}

/**
 * Nothing can be due for a ticket closed, or resolved with its response
 * clock stopped: checked first, so that a timer's cost grows with the open
 * tickets, not with every ticket ever opened.
 */
const settled = (t: TicketFacts, now: number): boolean => {
  if (t.closedAt !== null && t.closedAt <= now) return true
  const resolved = countUpTo(t.resolutions, now) > countUpTo(t.reopenings, now)
  return resolved && t.firstStop !== null && t.firstStop <= now
}

/**
 * The commands due at `now`, ordered by the instant they are stamped at, then
 * ticket. Each is stamped at its deadline (or breach instant), unless the
 * ticket already has a later event: a stream's time never goes backwards, so
 * the command is then stamped at that event's `at` (and the escalation counts
 * as `late`). Commands for one ticket are stamped in order of their deadlines.
 * Clocks are judged by the recorded policy in force when the ticket was opened
 * (never a what-if override).
 */
export const dueCommands = (state: ServiceLevelState, now: IsoInstant): readonly TimerRequest[] =>
  dueAmong(state, state.tickets.values(), now)

/**
 * `dueCommands` over some of the state's tickets: the runner passes only those
 * that may still need a command (see `createTimerRunner`). The result does not
 * depend on the order of `tickets`: commands are sorted by stamp then ticket,
 * and one ticket's commands keep their own order.
 */
const dueAmong = (
  state: ServiceLevelState,
  tickets: Iterable<TicketFacts>,
  now: IsoInstant,
): readonly TimerRequest[] => {
  const nowMs = instantMs(now)
  if (Number.isNaN(nowMs)) throw new Error(`now is not an ISO instant: ${String(now)}`)
  const out: (TimerRequest & { readonly stamp: number; readonly ticketId: string })[] = []
  for (const t of tickets) {
    if (t.opened > nowMs || settled(t, nowMs)) continue
    const j = judgeTicket(state.org, t, nowMs)
    if (isLeft(j)) continue // unjudged tickets are reported by the projection, not timed
    const due = dueForTicket(j.right).sort((a, b) => a.natural - b.natural)
    let floor = t.lastAt
    for (const d of due) {
      const stamp = Math.max(d.natural, floor)
      floor = stamp
      out.push({
        command: d.command,
        actor: SYSTEM,
        commandId: d.commandId,
        at: toInstant(stamp),
        stamp,
        ticketId: t.ticketId,
      })
    }
  }
  out.sort((a, b) => a.stamp - b.stamp || (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0))
  return out.map(({ command, actor, commandId, at }) => ({ command, actor, commandId, at }))
}

// ---- the runner ------------------------------------------------------------

export interface TimerClock {
  readonly now: () => IsoInstant
}

export interface TimerRunnerDeps<E, R> {
  readonly store: Pick<EventStore, 'readAll'>
  /** The command handler's `handle` (src/commands/handler.ts). */
  readonly handle: (request: TimerRequest) => TaskEither<E, R>
  readonly clock: TimerClock
}

export interface TimerRun<E, R> {
  /** The instant the runner woke at. */
  readonly now: IsoInstant
  /** How many commands the handler accepted (a replayed command id counts: nothing new was appended). */
  readonly issued: number
  /** How many it refused. */
  readonly refused: number
  readonly accepted: readonly { readonly request: TimerRequest; readonly result: R }[]
  readonly refusals: readonly { readonly request: TimerRequest; readonly error: E }[]
}

export interface TimerRunner<E, R> {
  /**
   * Catch up with the store (from the last position seen), then send every
   * command due now through the handler, one at a time, in stamp order.
   * Concurrent calls run one after the other. Rejects when the store fails.
   */
  readonly runOnce: () => Promise<TimerRun<E, R>>
  /** The service-level state the runner has folded so far. */
  readonly state: () => ServiceLevelState
}

export const createTimerRunner = <E, R>(deps: TimerRunnerDeps<E, R>): TimerRunner<E, R> => {
  let state = initialServiceLevelState()
  let position: number | undefined
  let queue: Promise<unknown> = Promise.resolve()
  /**
   * The tickets (by stream id) that may still need a command: every ticket
   * with a new event, until a run finds it settled with no event after that
   * run's instant. Settled stays settled as time passes until the ticket's
   * next event (a reopening), which brings it back here: a run costs the open
   * tickets, not every ticket ever opened (the same commands as `dueCommands`).
   */
  const watched = new Set<string>()

  const catchUp = async (): Promise<void> => {
    const events: AsyncIterable<RecordedEvent> = deps.store.readAll(
      position === undefined ? {} : { after: position },
    )
    for await (const e of events) {
      state = applyServiceLevelEvent(state, e)
      position = e.position
      if (e.stream.startsWith('ticket-')) watched.add(e.stream.slice(7))
    }
  }

  /** The watched tickets, forgetting those settled for good as of `now`. */
  const openTickets = (now: IsoInstant): TicketFacts[] => {
    const nowMs = instantMs(now)
    const open: TicketFacts[] = []
    for (const key of watched) {
      const t = state.tickets.get(key)
      if (t === undefined || (t.lastAt <= nowMs && settled(t, nowMs))) watched.delete(key)
      else open.push(t)
    }
    return open
  }

  const run = async (): Promise<TimerRun<E, R>> => {
    await catchUp()
    const now = deps.clock.now()
    const accepted: { request: TimerRequest; result: R }[] = []
    const refusals: { request: TimerRequest; error: E }[] = []
    for (const request of dueAmong(state, openTickets(now), now)) {
      const outcome = await deps.handle(request)()
      if (isLeft(outcome)) refusals.push({ request, error: outcome.left })
      else accepted.push({ request, result: outcome.right })
    }
    return { now, issued: accepted.length, refused: refusals.length, accepted, refusals }
  }

  return {
    runOnce: () => {
      const next = queue.then(run, run)
      queue = next.catch(() => undefined)
      return next
    },
    state: () => state,
  }
}
