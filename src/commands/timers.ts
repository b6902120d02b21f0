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
import { ORGANIZATION_STREAM, type RecordedEvent } from '../domain/envelope.js'
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
import { createHeap } from './heap.js'

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

/** A timer command with what orders it: its stamp, then its ticket. */
type Stamped = TimerRequest & { readonly stamp: number; readonly ticketId: string }

/**
 * What the timers make of one ticket at `nowMs`: `wait` when it cannot be
 * judged yet (opened later, or unjudged: no policy or calendar), `settled`
 * when nothing can be due (see `settled`), else its judgement and the
 * commands due, in the order they are stamped.
 */
type Assessment =
  | { readonly kind: 'wait' | 'settled' }
  | { readonly kind: 'judged'; readonly judgement: TicketJudgement; readonly due: readonly Stamped[] }

const WAIT = { kind: 'wait' } as const
const SETTLED = { kind: 'settled' } as const

const assess = (state: ServiceLevelState, t: TicketFacts, nowMs: number): Assessment => {
  if (t.opened > nowMs) return WAIT
  if (settled(t, nowMs)) return SETTLED
  const j = judgeTicket(state.org, t, nowMs)
  if (isLeft(j)) return WAIT // unjudged tickets are reported by the projection, not timed
  const due = dueForTicket(j.right)
  if (due.length === 0) return { kind: 'judged', judgement: j.right, due: [] }
  due.sort((a, b) => a.natural - b.natural)
  const out: Stamped[] = []
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
  return { kind: 'judged', judgement: j.right, due: out }
}

/** Sorted by stamp then ticket; one ticket's commands keep their order (the sort is stable). */
const inStampOrder = (out: Stamped[]): readonly TimerRequest[] => {
  out.sort((a, b) => a.stamp - b.stamp || (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0))
  return out.map(({ command, actor, commandId, at }) => ({ command, actor, commandId, at }))
}

const nowOf = (now: IsoInstant): number => {
  const nowMs = instantMs(now)
  if (Number.isNaN(nowMs)) throw new Error(`now is not an ISO instant: ${String(now)}`)
  return nowMs
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
export const dueCommands = (state: ServiceLevelState, now: IsoInstant): readonly TimerRequest[] => {
  const nowMs = nowOf(now)
  const out: Stamped[] = []
  for (const t of state.tickets.values()) {
    const a = assess(state, t, nowMs)
    if (a.kind === 'judged') out.push(...a.due)
  }
  return inStampOrder(out)
}

/**
 * A judged ticket with nothing due at `asOf`, and none of its events after
 * `asOf`: the earliest instant at which something could fall due if nothing
 * else happens to it (+∞: never). Its facts cannot change without a new
 * event, so each clock is a fixed function of time from here:
 *
 * - the escalation delay, still `pending`, expires at its deadline;
 * - the response clock, `pending`, is breached from `addBusinessTime(opened,
 *   target + 1 ms)`;
 * - the resolution clock, `pending` and running, is breached at the earliest
 *   from the instant its remaining business time runs out counted from
 *   `asOf` (later if the ticket is suspended: it is then judged again, and
 *   waits once more).
 *
 * Every other status stays as it is (met, breached and involved, not
 * needed, on time…). A lower bound is enough: the runner judges the ticket
 * in full when it wakes.
 */
const nextPossibleDue = (j: TicketJudgement): number => {
  const { response, escalation, resolution } = j.levels
  let next = Number.POSITIVE_INFINITY
  if (escalation.status === 'pending' && j.escalationDeadline !== null) next = j.escalationDeadline
  if (response.status === 'pending' && response.stoppedAt === null)
    next = Math.min(next, j.calendar.addBusinessTime(j.facts.opened, response.targetMinutes * MINUTE + 1))
  if (resolution.status === 'pending' && j.resolution.running && resolution.targetMinutes !== null) {
    let elapsed = 0
    for (const [from, to] of j.resolution.stretches) elapsed += j.calendar.businessTime(from, to)
    const left = Math.max(1, resolution.targetMinutes * MINUTE + 1 - elapsed)
    next = Math.min(next, j.calendar.addBusinessTime(j.asOf, left))
  }
  return next
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

/**
 * Margin before a computed wake-up: the instants are exact, but a ticket
 * judged a minute early costs one judgement, one missed would cost a late
 * command.
 */
const WAKE_MARGIN = MINUTE

/**
 * Ticket events after which nothing can fall due sooner than before them, at
 * any instant: they change no clock (an assignment, advice, a satisfaction
 * answer, a link to a major incident, news of progress) or only stop or hold
 * one from their own instant on (the response clock's stop, an escalation, an
 * involvement of management, a suspension, a resolution). A ticket's wake-up,
 * a lower bound on its next due instant, stays one after such an event, and
 * its judgement when it wakes reads every fact: so the runner does not judge
 * the ticket again for them. An opening, a qualification (a new domain or
 * priority: new deadlines), a resumption, a reopening (the resolution clock
 * runs again), a closing (cheap: the ticket is then settled) and any other
 * event make it judged at the next run.
 */
const CANNOT_BRING_FORWARD: ReadonlySet<string> = new Set([
  'TicketAssigned',
  'UserInformed',
  'TicketEscalated',
  'ExpertAdviceGiven',
  'HierarchyInvolved',
  'TicketSuspended',
  'TicketResolved',
  'SatisfactionRecorded',
  'TicketLinkedToMajorIncident',
])

const isIterable = <T>(x: AsyncIterable<T>): x is AsyncIterable<T> & Iterable<T> =>
  typeof (x as Partial<Iterable<T>>)[Symbol.iterator] === 'function'

export const createTimerRunner = <E, R>(deps: TimerRunnerDeps<E, R>): TimerRunner<E, R> => {
  let state = initialServiceLevelState()
  let position: number | undefined
  let queue: Promise<unknown> = Promise.resolve()
  /*
   * Which tickets a run judges. `dueCommands` judges every ticket; the runner
   * gives the same commands judging only those whose judgement can have
   * changed since it last judged them: tickets with a new event that can bring
   * something due sooner (`fresh`; see `CANNOT_BRING_FORWARD`), and tickets
   * whose next possible deadline or breach has come (`waiting`, by stream
   * key, and `wakeUps`, by instant). A ticket found settled, or with nothing
   * that can ever fall due, is in neither until such an event. So a
   * run costs the tickets that change or fall due, not every open ticket
   * every run. Everything is judged again after an organisation event (a new
   * policy or calendar) or when the clock goes backwards.
   */
  const fresh = new Set<string>()
  const waiting = new Map<string, number>()
  /** The runner's alarm clock: (instant, ticket key) wake-ups. */
  const wakeUps = createHeap<string>()
  let lastNow = Number.NEGATIVE_INFINITY
  let judgeAll = false

  const fold = (e: RecordedEvent): void => {
    state = applyServiceLevelEvent(state, e)
    position = e.position
    if (e.stream.startsWith('ticket-')) {
      if (CANNOT_BRING_FORWARD.has(e.type)) return
      const key = e.stream.slice(7)
      fresh.add(key)
      waiting.delete(key)
    } else if (e.stream === ORGANIZATION_STREAM) judgeAll = true
  }

  const catchUp = async (): Promise<void> => {
    const events: AsyncIterable<RecordedEvent> = deps.store.readAll(
      position === undefined ? {} : { after: position },
    )
    // A store holding its log in memory may hand it over synchronously (the
    // simulation's does): no promise per event.
    if (isIterable(events)) for (const e of events) fold(e)
    else for await (const e of events) fold(e)
  }

  /** The tickets to judge at `nowMs`: fresh ones, and waiting ones whose wake-up has come. */
  const toJudge = (nowMs: number): string[] => {
    if (judgeAll || nowMs < lastNow) {
      judgeAll = false
      for (const key of waiting.keys()) fresh.add(key)
      waiting.clear()
      wakeUps.clear()
    }
    lastNow = nowMs
    for (let w = wakeUps.popUpTo(nowMs); w !== undefined; w = wakeUps.popUpTo(nowMs)) {
      // A wake-up set before the ticket's latest event or judgement is stale.
      if (waiting.get(w.value) !== w.at) continue
      waiting.delete(w.value)
      fresh.add(w.value)
    }
    const keys = [...fresh]
    fresh.clear()
    return keys
  }

  /** When to judge the ticket again: at the next run, at an instant, or only on its next event. */
  const reschedule = (key: string, t: TicketFacts, a: Assessment, nowMs: number): void => {
    // Settled for good, as the ticket stood before this change: only a new event brings it back.
    if (a.kind === 'settled' && t.lastAt <= nowMs) return
    if (a.kind !== 'judged' || a.due.length > 0 || t.lastAt > nowMs) {
      // Due (and refused, or about to be answered by an event), not judged yet,
      // or with events still ahead of `now`: judged again at the next run, as before.
      fresh.add(key)
      return
    }
    let next: number
    try {
      next = nextPossibleDue(a.judgement) - WAKE_MARGIN
    } catch {
      next = Number.NEGATIVE_INFINITY // a calendar that gives up: judged every run
    }
    if (next === Number.POSITIVE_INFINITY) return
    if (next <= nowMs) fresh.add(key)
    else {
      waiting.set(key, next)
      wakeUps.push(next, key)
    }
  }

  const run = async (): Promise<TimerRun<E, R>> => {
    await catchUp()
    const now = deps.clock.now()
    const nowMs = nowOf(now)
    const out: Stamped[] = []
    for (const key of toJudge(nowMs)) {
      const t = state.tickets.get(key)
      if (t === undefined) continue // no opening seen: nothing to time
      const a = assess(state, t, nowMs)
      if (a.kind === 'judged') out.push(...a.due)
      reschedule(key, t, a, nowMs)
    }
    const accepted: { request: TimerRequest; result: R }[] = []
    const refusals: { request: TimerRequest; error: E }[] = []
    for (const request of inStampOrder(out)) {
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
