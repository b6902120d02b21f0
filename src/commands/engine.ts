/**
 * The command handler, generic over its routing: read the stream, fold it,
 * decide with the organisation as it stands, validate and stamp the events,
 * append them with the expected revision; retry a bounded number of times on a
 * concurrent write; answer a repeated `commandId` with the original events.
 *
 * handler.ts binds it to Soutien's deciders; tests bind it to small ones.
 */
import { randomFillSync } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { v7 as uuidv7 } from 'uuid'
import { type DecodeProblem, formatProblems, type IsoInstant, instantMs } from '../domain/codec.js'
import type { Command, CommandType } from '../domain/commands.js'
import type { Context, Decided, DomainError } from '../domain/decider.js'
import {
  type EventMeta,
  type EventToAppend,
  isEventType,
  ORGANIZATION_STREAM,
  type RecordedEvent,
  recordedAs,
  validateEventData,
} from '../domain/envelope.js'
import { currentVersion, type DomainEvent, type StreamCategory, streamCategoryOf } from '../domain/events.js'
import { sealEvents } from '../domain/hash-chain.js'
import type { OrganizationView } from '../domain/organization-view.js'
import type { Actor } from '../domain/vocabulary.js'
import type { ConcurrencyConflict, EventStore, StoreError } from '../store/port.js'
import { sealsAppends } from '../store/protected.js'
import { decodeCommand } from './codecs.js'
import { commandCategory, type Routing, type StreamDecider, streamOfCommand } from './routing.js'

// ---- public types -------------------------------------------------------------

/** Where "now" comes from: injected, so that tests and replays are deterministic. */
export interface Clock {
  readonly now: () => IsoInstant
}
/** The machine's clock, for hosts. */
export const systemClock: Clock = { now: () => new Date().toISOString() as IsoInstant }

export interface HandlerDeps {
  readonly store: EventStore
  readonly clock: Clock
  /** Event ids (and ids a decider asks for); default UUID v7. */
  readonly newId?: () => string
  /** How many times a command is re-decided after a concurrent write; default 3. */
  readonly maxRetries?: number
  /**
   * How many streams' decider states the handler keeps between commands
   * (default 10,000; 0: none), so that a command reads and folds only what
   * was appended since, not its whole stream. Never used with a store that
   * seals by itself (`protectStore`): a forgotten person's data must not
   * outlive its key in the host's memory.
   */
  readonly cachedStreams?: number
}

/** How a command was sent, besides the command itself. */
export interface CommandOptions {
  /**
   * The caller's id for this request. Sending the same command again with the
   * same id (a retry after a timeout) appends nothing and returns the events
   * the first one recorded.
   */
  readonly commandId?: string
  readonly correlationId?: string
  readonly causationId?: string
  /**
   * When the command takes effect, instead of the clock. Only for the `system`
   * actor: timers stamp an automatic escalation at its deadline.
   */
  readonly at?: IsoInstant
}

export interface CommandRequest extends CommandOptions {
  readonly command: Command
  /** Who asks: authenticated by the host, authorised by the deciders. */
  readonly actor: Actor
}

/** The command was refused by a rule of the support organisation. */
export interface Rejected {
  readonly _tag: 'Rejected'
  readonly command: CommandType
  readonly stream: string
  readonly error: DomainError
}
/** The input is not a well-formed command (wrong field, missing field, unknown type…). */
export interface InvalidCommand {
  readonly _tag: 'InvalidCommand'
  readonly problems: readonly DecodeProblem[]
  readonly message: string
}
/** A decider emitted an event that does not match its schema or stream: a bug, kept out of the store. */
export interface InvalidDecision {
  readonly _tag: 'InvalidDecision'
  readonly command: CommandType
  readonly stream: string
  readonly problems: readonly DecodeProblem[]
  readonly message: string
}
export type HandleError = Rejected | InvalidCommand | InvalidDecision | StoreError

export interface HandleResult {
  readonly stream: string
  /** The events recorded for this command (on a replay: those of the first time). */
  readonly events: readonly RecordedEvent[]
  /** True when the `commandId` had already been handled: nothing was appended. */
  readonly idempotentReplay: boolean
}

export interface CommandHandler {
  readonly handle: (req: CommandRequest) => TaskEither<HandleError, HandleResult>
  /** Decode untrusted input first (see codecs.ts), then handle it. */
  readonly handleInput: (
    input: unknown,
    actor: Actor,
    options?: CommandOptions,
  ) => TaskEither<HandleError, HandleResult>
  /** The organisation as it stands now (caught up with the store). */
  readonly organization: () => TaskEither<StoreError, OrganizationView>
}

// ---- hash chain ---------------------------------------------------------------

/**
 * Chain the events to the stream's previous one (`meta.prevHash`) and give
 * each its digest (`meta.hash`; docs/audit.md). `previous` is the stream's last
 * recorded event (undefined for a new stream); `firstRevision` the revision the
 * first event will get. A store that seals by itself (`protectStore`, which
 * must hash the encrypted form it stores) gets the events unsealed.
 */
const sealFor =
  (store: EventStore) =>
  (
    stream: string,
    previous: RecordedEvent | undefined,
    firstRevision: number,
    events: readonly EventToAppend[],
  ): readonly EventToAppend[] =>
    sealsAppends(store) ? events : sealEvents(stream, previous, firstRevision, events)

// ---- event ids ------------------------------------------------------------------

/**
 * UUID v7 ids (time-ordered, monotonic within the process, as `uuid`'s `v7()`
 * makes them), with their random bits drawn from a pool refilled 4 KiB at a
 * time: `v7()` asks WebCrypto for 16 bytes per id, about 5 µs each on Node 20,
 * which was 40 % of an in-memory command.
 */
export const pooledUuidv7 = (): (() => string) => {
  const pool = new Uint8Array(4096)
  let offset = pool.length
  let msecs = Number.NEGATIVE_INFINITY
  let seq = 0
  return () => {
    if (offset === pool.length) {
      randomFillSync(pool)
      offset = 0
    }
    const random = pool.subarray(offset, offset + 16)
    offset += 16
    // uuid's own state rule: a new millisecond starts a random sequence, the same one counts up.
    const now = Date.now()
    if (now > msecs) {
      msecs = now
      seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!
    } else {
      seq = (seq + 1) | 0
      if (seq === 0) msecs++
    }
    return uuidv7({ random, msecs, seq })
  }
}

// ---- the handler --------------------------------------------------------------

const reject = (command: CommandType, stream: string, error: DomainError): Rejected => ({
  _tag: 'Rejected',
  command,
  stream,
  error,
})

/**
 * Later of two instants: a clock a little behind the stream must not make
 * time go backwards. `nowMs` is `instantMs(now)`, which the handler
 * remembers: a clock (a simulation's, a busy host's) often tells the same
 * instant to many commands in a row.
 */
const notBefore = (now: IsoInstant, nowMs: number, floor: IsoInstant | undefined): IsoInstant =>
  floor !== undefined && floor !== now && instantMs(floor) > nowMs ? floor : now

interface StreamSnapshot {
  readonly state: unknown
  /** Revision of the last event, -1 when the stream does not exist. */
  readonly revision: number
  readonly last: RecordedEvent | undefined
}

export const createHandler = (routing: Routing, deps: HandlerDeps): CommandHandler => {
  const { store, clock } = deps
  const newId = deps.newId ?? pooledUuidv7()
  const maxRetries = deps.maxRetries ?? 3
  const seal = sealFor(store)
  if (!Number.isInteger(maxRetries) || maxRetries < 0)
    throw new Error(`maxRetries must be a non-negative integer, got ${maxRetries}`)
  const cacheLimit = sealsAppends(store) ? 0 : (deps.cachedStreams ?? 10_000)
  if (!Number.isInteger(cacheLimit) || cacheLimit < 0)
    throw new Error(`cachedStreams must be a non-negative integer, got ${cacheLimit}`)
  const orgDecider = routing.deciders.organization

  let lastNow = ''
  let lastNowMs = Number.NaN
  const msOfNow = (now: IsoInstant): number => {
    if (now !== lastNow) {
      lastNow = now
      lastNowMs = instantMs(now)
    }
    return lastNowMs
  }

  // ---- organisation cache: folded once, then caught up incrementally, so a
  // command costs its own stream, not the size of the organisation's history.
  let org: StreamSnapshot = { state: orgDecider.initialState, revision: -1, last: undefined }
  let orgView: OrganizationView | undefined
  /** `E.right(orgView)`, made once per view rather than once per command. */
  let orgAnswer: E.Either<StoreError, OrganizationView> | undefined
  /** commandId → revision range of the organisation events carrying it. */
  const orgCommandIds = new Map<string, { first: number; last: number }>()

  // Applies only the next contiguous revisions: two overlapping catch-ups (or a
  // catch-up racing our own append) cannot apply an event twice.
  const applyOrganization = (events: readonly RecordedEvent[]): void => {
    for (const e of events) {
      if (e.revision <= org.revision) continue
      if (e.revision !== org.revision + 1) break // a gap: the next catch-up reads it again
      org = { state: orgDecider.evolve(org.state, e), revision: e.revision, last: e }
      orgView = undefined
      const id = e.meta.commandId
      if (id !== undefined) {
        const range = orgCommandIds.get(id)
        orgCommandIds.set(id, { first: range?.first ?? e.revision, last: e.revision })
      }
    }
  }

  // ---- stream cache: each stream's decider state as of a revision, exact
  // for that revision whatever was appended since (a command reads what
  // follows and folds it on). Snapshots are replaced, never changed (a
  // command in flight may hold one), and deciders' states are immutable
  // values. A conflict drops the stream's entry: the next attempt reads it in
  // full. The stream cached first is evicted first.
  const streamCache = new Map<string, StreamSnapshot>()
  const remember = (stream: string, snapshot: StreamSnapshot): void => {
    if (cacheLimit === 0 || snapshot.revision < 0) return
    // A concurrent command may have stored a later one meanwhile.
    const current = streamCache.get(stream)
    if (current !== undefined && current.revision >= snapshot.revision) return
    streamCache.set(stream, snapshot)
    if (current === undefined && streamCache.size > cacheLimit) {
      const oldest = streamCache.keys().next()
      if (oldest.done !== true) streamCache.delete(oldest.value)
    }
  }

  /** The stream's next events folded onto a snapshot; undefined if they do not follow it. */
  const foldOnto = (
    decider: StreamDecider,
    from: StreamSnapshot,
    events: readonly RecordedEvent[],
  ): StreamSnapshot | undefined => {
    if (events.length === 0) return from
    let { state, revision, last } = from
    for (const e of events) {
      if (e.revision !== revision + 1) return undefined
      state = decider.evolve(state, e)
      revision = e.revision
      last = e
    }
    return { state, revision, last }
  }

  const catchUpOrganization = async (): Promise<E.Either<StoreError, OrganizationView>> => {
    const r = await store.readStream(ORGANIZATION_STREAM, { fromRevision: org.revision + 1 })()
    if (E.isLeft(r)) return r
    applyOrganization(r.right)
    if (orgView === undefined || orgAnswer === undefined) {
      orgView = routing.organizationView(org.state)
      orgAnswer = E.right(orgView)
    }
    return orgAnswer
  }

  /** Events of `stream` already recorded for `commandId`, if any. */
  const replayOf = async (
    stream: string,
    commandId: string,
    events: readonly RecordedEvent[] | undefined,
  ): Promise<E.Either<StoreError, readonly RecordedEvent[]>> => {
    if (events !== undefined) return E.right(events.filter((e) => e.meta.commandId === commandId))
    const range = orgCommandIds.get(commandId)
    if (range === undefined) return E.right([])
    const r = await store.readStream(stream, { fromRevision: range.first })()
    if (E.isLeft(r)) return r
    return E.right(r.right.filter((e) => e.revision <= range.last && e.meta.commandId === commandId))
  }

  const validateDecision = (
    category: StreamCategory,
    decided: readonly Decided[],
  ): E.Either<DecodeProblem[], readonly DomainEvent[]> => {
    for (let i = 0; i < decided.length; i++) {
      const d = decided[i]!
      const type: string = d.type
      if (!isEventType(type) || streamCategoryOf[type] !== category)
        return E.left([
          {
            path: `events.${i}.type`,
            expected: `an event of a ${category} stream`,
            actual: JSON.stringify(type),
            message: `${JSON.stringify(type)} is not an event of a ${category} stream`,
          },
        ])
      // Only `type` and `data` are read (and then stamped): a decided event is its own domain event.
      const v = validateEventData(d as DomainEvent)
      if (E.isLeft(v)) return E.left(v.left.map((p) => ({ ...p, path: `events.${i}.${p.path}` })))
    }
    return E.right(decided as readonly DomainEvent[])
  }

  const stamp = (
    req: CommandRequest,
    now: IsoInstant,
    decided: readonly Decided[],
    events: readonly DomainEvent[],
  ): EventToAppend[] => {
    // Key by key rather than by spreading conditional literals (three objects per command).
    const meta: { -readonly [K in keyof EventMeta]: EventMeta[K] } = {}
    if (req.commandId !== undefined) meta.commandId = req.commandId
    if (req.correlationId !== undefined) meta.correlationId = req.correlationId
    if (req.causationId !== undefined) meta.causationId = req.causationId
    return events.map(
      (e, i) =>
        ({
          id: newId(),
          type: e.type,
          version: currentVersion[e.type],
          at: now,
          actor: decided[i]?.actor ?? req.actor,
          data: e.data,
          meta,
        }) as EventToAppend,
    )
  }

  /** The appended events as recorded: exact positions from the store when there are several. */
  const recordedOf = async (
    stream: string,
    appended: readonly EventToAppend[],
    firstRevision: number,
    lastPosition: number,
  ): Promise<readonly RecordedEvent[]> => {
    const n = appended.length
    const guess = appended.map((e, i) => recordedAs(e, stream, firstRevision + i, lastPosition - (n - 1 - i)))
    if (n <= 1) return guess
    // Positions need not be contiguous (EventStoreDB commit positions): read them back.
    const r = await store.readStream(stream, { fromRevision: firstRevision })()
    if (E.isLeft(r)) return guess
    const read = r.right.slice(0, n)
    return read.length === n && read.every((e, i) => e.id === appended[i]?.id) ? read : guess
  }

  const handle =
    (req: CommandRequest): TaskEither<HandleError, HandleResult> =>
    async () => {
      const { command, actor } = req
      const stream = streamOfCommand(command)
      if (req.at !== undefined && actor.role !== 'system')
        return E.left(
          reject(command.type, stream, {
            _tag: 'AtReservedForSystem',
            message: `${command.type} by ${actor.id} (${actor.role}) cannot be dated ${req.at}: only the system may date a command; people act at the current time`,
          }),
        )
      const category = commandCategory[command.type]
      const decider = routing.deciders[category]

      for (let attempt = 0; ; attempt++) {
        const view = await catchUpOrganization()
        if (E.isLeft(view)) return view

        let snapshot: StreamSnapshot | undefined
        let streamEvents: readonly RecordedEvent[] | undefined
        if (stream === ORGANIZATION_STREAM) {
          snapshot = org
        } else {
          // A command with an id reads its whole stream: its events may already be there.
          const cached = req.commandId === undefined ? streamCache.get(stream) : undefined
          if (cached !== undefined) {
            const r = await store.readStream(stream, { fromRevision: cached.revision + 1 })()
            if (E.isLeft(r)) return r
            snapshot = foldOnto(decider, cached, r.right)
            if (snapshot === undefined) streamCache.delete(stream)
          }
          if (snapshot === undefined) {
            const r = await store.readStream(stream)()
            if (E.isLeft(r)) return r
            streamEvents = r.right
            let state = decider.initialState
            for (const e of streamEvents) state = decider.evolve(state, e)
            const last = streamEvents[streamEvents.length - 1]
            snapshot = { state, revision: last?.revision ?? -1, last }
          }
          if (snapshot !== cached) remember(stream, snapshot)
        }

        if (req.commandId !== undefined) {
          const replay = await replayOf(stream, req.commandId, streamEvents)
          if (E.isLeft(replay)) return replay
          if (replay.right.length > 0)
            return E.right({ stream, events: replay.right, idempotentReplay: true })
        }

        let now = req.at
        if (now === undefined) {
          const clockNow = clock.now()
          now = notBefore(clockNow, msOfNow(clockNow), snapshot.last?.at)
        }
        const ctx: Context = { now, actor, organization: view.right, newId }
        const decision = decider.decide(command, snapshot.state, ctx)
        if (E.isLeft(decision)) return E.left(reject(command.type, stream, decision.left))
        const decided = decision.right
        if (decided.length === 0) return E.right({ stream, events: [], idempotentReplay: false })

        const valid = validateDecision(category, decided)
        if (E.isLeft(valid))
          return E.left({
            _tag: 'InvalidDecision',
            command: command.type,
            stream,
            problems: valid.left,
            message: `the ${category} decider answered ${command.type} with an invalid event (a bug; nothing was recorded): ${formatProblems(valid.left)}`,
          })

        const firstRevision = snapshot.revision + 1
        const toAppend = seal(stream, snapshot.last, firstRevision, stamp(req, now, decided, valid.right))
        const appended = await store.append(
          stream,
          toAppend,
          snapshot.revision < 0 ? 'no-stream' : snapshot.revision,
        )()
        if (E.isLeft(appended)) {
          if (appended.left._tag === 'ConcurrencyConflict') streamCache.delete(stream)
          if (appended.left._tag === 'ConcurrencyConflict' && attempt < maxRetries) continue
          return appended
        }
        const lastPosition = appended.right.position
        // One event (most commands) is recorded where the store says: nothing to read back.
        const events =
          toAppend.length === 1
            ? [recordedAs(toAppend[0]!, stream, firstRevision, lastPosition)]
            : await recordedOf(stream, toAppend, firstRevision, lastPosition)
        if (stream === ORGANIZATION_STREAM) applyOrganization(events)
        else {
          const next = foldOnto(decider, snapshot, events)
          if (next !== undefined) remember(stream, next)
        }
        return E.right({ stream, events, idempotentReplay: false })
      }
    }

  const handleInput =
    (input: unknown, actor: Actor, options?: CommandOptions): TaskEither<HandleError, HandleResult> =>
    async () => {
      const decoded = decodeCommand(input)
      if (E.isLeft(decoded))
        return E.left({
          _tag: 'InvalidCommand',
          problems: decoded.left,
          message: `not a valid command: ${formatProblems(decoded.left)}`,
        })
      return handle({ ...options, command: decoded.right, actor })()
    }

  return { handle, handleInput, organization: () => catchUpOrganization }
}

/** True when a handle error is a concurrency conflict that survived every retry. */
export const isConflict = (e: HandleError): e is ConcurrencyConflict => e._tag === 'ConcurrencyConflict'
