/**
 * Pure translation between Soutien's recorded-event envelope and EventStoreDB
 * (client `@eventstore/db-client` 6.2.1): events and their metadata, expected
 * and actual revisions, `$all` positions and checkpoints, stream-prefix
 * filters, error classification and the resubscription backoff. No I/O: the
 * adapter in `esdb.ts` wires these to the client, and they are unit-tested
 * without a server.
 */
import {
  ANY,
  type AppendExpectedRevision,
  type EventData,
  jsonEvent,
  NO_STREAM,
  type PrefixesFilter,
  STREAM_EXISTS,
  streamNameFilter,
} from '@eventstore/db-client'
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js'
import { type DecodeProblem, showValue } from '../domain/codec.js'
import {
  decodeRecordedEvent,
  type EventMeta,
  type EventToAppend,
  type RecordedEvent,
} from '../domain/envelope.js'
import {
  type ConcurrencyConflict,
  conflict,
  type ExpectedRevision,
  invalidEvent,
  type StoreError,
  StoreFailure,
  unavailable,
} from './port.js'

// ---- positions -------------------------------------------------------------

/**
 * A position in EventStoreDB's transaction log, as the client gives it. Events
 * appended through gRPC have `commit === prepare` (the log offset of the
 * event's own record); only events of the legacy TCP explicit transactions
 * share one commit position and differ by prepare position.
 */
export interface EsdbPosition {
  readonly commit: bigint
  readonly prepare: bigint
}
/** Where a read or subscription of `$all` starts: exclusive of the position, or from the very start. */
export type EsdbFrom = EsdbPosition | 'start'

export const comparePositions = (a: EsdbPosition, b: EsdbPosition): -1 | 0 | 1 => {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1
  return 0
}

/** True when `p` comes strictly after `from` in the log. */
export const isAfterPosition = (p: EsdbPosition, from: EsdbFrom): boolean =>
  from === 'start' || comparePositions(p, from) > 0

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MAX_U64 = (1n << 64n) - 1n

/**
 * The port's global `position`: the commit position, a byte offset in the log.
 * It is exact as a JavaScript number up to 2^53 - 1 (8 PiB of log); beyond,
 * the event is refused rather than given a rounded, colliding position.
 */
export const positionNumber = (p: EsdbPosition): Either<string, number> =>
  p.commit < 0n || p.commit > MAX_SAFE
    ? left(
        `commit position ${p.commit} is outside 0..2^53-1, the range of exact positions Soutien can hand out`,
      )
    : right(Number(p.commit))

/**
 * The `$all` position the port's numeric `after` stands for. Numbers come from
 * commit positions, and for gRPC-written events `prepare === commit`, so the
 * pair is exact. Negative means "from the start" (-1 is the port's "nothing yet").
 */
export const fromPortPosition = (after: number | undefined): EsdbFrom => {
  if (after === undefined || after < 0) return 'start'
  if (!Number.isSafeInteger(after)) throw new RangeError(`position ${after} is not an integer position`)
  const n = BigInt(after)
  return { commit: n, prepare: n }
}

/** Start of a read or subscription: the full position when the caller kept it, else the number. */
export const startOf = (options: {
  readonly after?: number
  readonly afterEsdbPosition?: EsdbPosition
}): EsdbFrom => options.afterEsdbPosition ?? fromPortPosition(options.after)

/** A checkpoint as text, in the notation EventStoreDB itself prints: `C:1234/P:1234`. */
export const encodeEsdbPosition = (p: EsdbPosition): string => `C:${p.commit}/P:${p.prepare}`

const CHECKPOINT = /^C:(\d{1,20})\/P:(\d{1,20})$/

/** Parse a checkpoint written by `encodeEsdbPosition`; problems name the value. */
export const decodeEsdbPosition = (u: unknown): Either<DecodeProblem[], EsdbPosition> => {
  const problem = (message: string): Either<DecodeProblem[], EsdbPosition> =>
    left([
      {
        path: '(root)',
        expected: 'an EventStoreDB position C:<commit>/P:<prepare>',
        actual: showValue(u),
        message,
      },
    ])
  if (typeof u !== 'string') return problem(`expected a checkpoint like "C:1024/P:1024", got ${showValue(u)}`)
  const m = CHECKPOINT.exec(u)
  if (m === null) return problem(`${showValue(u)} is not a checkpoint like "C:1024/P:1024"`)
  const commit = BigInt(m[1] ?? '')
  const prepare = BigInt(m[2] ?? '')
  if (commit > MAX_U64 || prepare > MAX_U64) return problem(`${showValue(u)} is beyond a 64-bit log position`)
  return right({ commit, prepare })
}

// ---- revisions -------------------------------------------------------------

/** The port's expected revision in the client's terms. -1 is accepted as "no stream". */
export const toEsdbExpectedRevision = (e: ExpectedRevision): Either<string, AppendExpectedRevision> => {
  switch (e) {
    case 'any':
      return right(ANY)
    case 'no-stream':
      return right(NO_STREAM)
    case 'exists':
      return right(STREAM_EXISTS)
    default:
      if (e === -1) return right(NO_STREAM)
      if (Number.isSafeInteger(e) && e >= 0) return right(BigInt(e))
      return left(`expected revision ${showValue(e)} is not a revision (an integer ≥ 0, or -1 for no stream)`)
  }
}

/** The expected revision to send when the current last revision is known (-1: none). */
export const exactExpectedRevision = (last: number): AppendExpectedRevision =>
  last < 0 ? NO_STREAM : BigInt(last)

/**
 * A stream's actual revision as the port reports it (-1 when it does not
 * exist). The client says `'no_stream'`, which must never reach `BigInt`;
 * some servers encode "none" as -1 or as the unsigned 2^64 - 1.
 */
export const actualRevisionOf = (current: unknown): number => {
  if (typeof current === 'bigint') {
    if (current < 0n || current >= 1n << 63n) return -1
    return Number(current)
  }
  if (typeof current === 'number' && Number.isInteger(current)) return current < 0 ? -1 : current
  if (typeof current === 'string' && /^\d+$/.test(current)) return actualRevisionOf(BigInt(current))
  // 'no_stream', undefined, anything else: the stream does not exist.
  return -1
}

/** A `WrongExpectedVersionError` (or the shape of one) as the port's conflict. */
export const conflictOf = (
  err: { readonly actualVersion?: unknown },
  stream: string,
  expected: ExpectedRevision,
): ConcurrencyConflict => conflict(stream, expected, actualRevisionOf(err.actualVersion))

// ---- events ----------------------------------------------------------------

/**
 * What EventStoreDB's `metadata` carries for a Soutien event. `$correlationId`
 * and `$causationId` repeat `meta` under the names EventStoreDB's own
 * projections (`$by_correlation_id`) and UI look for; on read, `meta` is the
 * source of truth.
 */
export interface EsdbMetadata {
  readonly version: number
  readonly at: string
  readonly actor: { readonly id: string; readonly role: string }
  readonly meta: EventMeta
  readonly $correlationId?: string
  readonly $causationId?: string
}

export const esdbMetadataOf = (e: EventToAppend): EsdbMetadata => {
  const base = { version: e.version, at: e.at, actor: { id: e.actor.id, role: e.actor.role }, meta: e.meta }
  return {
    ...base,
    ...(e.meta.correlationId === undefined ? {} : { $correlationId: e.meta.correlationId }),
    ...(e.meta.causationId === undefined ? {} : { $causationId: e.meta.causationId }),
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The event as the client appends it: id = envelope id, type, JSON data, metadata. */
export const toEsdbEvent = (e: EventToAppend): Either<string, EventData> =>
  UUID.test(e.id)
    ? right(
        jsonEvent({
          id: e.id,
          type: e.type,
          data: e.data as unknown as Record<string, unknown>,
          metadata: esdbMetadataOf(e),
        }),
      )
    : left(`event id ${showValue(e.id)} is not a UUID, which EventStoreDB requires for event ids`)

/** The fields of a client `RecordedEvent` the mapping reads (so tests can build them). */
export interface EsdbRecord {
  readonly streamId: string
  readonly id: string
  readonly revision: bigint
  readonly type: string
  readonly isJson: boolean
  readonly data: unknown
  readonly metadata?: unknown
  readonly position?: { readonly commit: bigint; readonly prepare: bigint } | undefined
}

/** `event <id> (<stream>@<revision>)`, for messages. */
export const describeRecord = (r: EsdbRecord): string => `event ${r.id} (${r.streamId}@${r.revision})`

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array)

const problem = (path: string, expected: string, actual: unknown, message: string): DecodeProblem => ({
  path,
  expected,
  actual: showValue(actual),
  message,
})

/**
 * Rebuild the envelope of domain.md §3 from an EventStoreDB record: stream,
 * id, revision, position from the record; version, at, actor, meta from the
 * metadata. Nothing is validated here beyond what the rebuilding needs.
 */
export const envelopeOf = (r: EsdbRecord): Either<DecodeProblem[], Record<string, unknown>> => {
  const problems: DecodeProblem[] = []
  if (!r.isJson) problems.push(problem('data', 'JSON', 'binary', 'the event is stored as binary, not JSON'))
  if (r.position === undefined)
    problems.push(
      problem(
        'position',
        'a log position',
        undefined,
        'the server returned no log position for this event (EventStoreDB 22.10 or later returns it)',
      ),
    )
  const position = r.position === undefined ? undefined : positionNumber(r.position)
  if (position !== undefined && isLeft(position))
    problems.push(problem('position', '0..2^53-1', r.position?.commit.toString(), position.left))
  if (r.revision > MAX_SAFE)
    problems.push(problem('revision', '0..2^53-1', r.revision.toString(), 'revision beyond 2^53-1'))
  const md = r.metadata
  if (!isPlainObject(md))
    problems.push(
      problem(
        'metadata',
        'a JSON object with version, at, actor',
        md instanceof Uint8Array ? 'binary' : md,
        'the event metadata is not the JSON object Soutien writes',
      ),
    )
  if (problems.length > 0 || !isPlainObject(md) || position === undefined || isLeft(position))
    return left(problems)
  return right({
    id: r.id,
    stream: r.streamId,
    revision: Number(r.revision),
    position: position.right,
    type: r.type,
    version: md.version,
    at: md.at,
    actor: md.actor,
    data: r.data,
    ...(md.meta === undefined ? {} : { meta: md.meta }),
  })
}

/** An EventStoreDB record as a Soutien event: rebuilt, then `decodeRecordedEvent` (upcast + validation). */
export const fromEsdbRecord = (
  r: EsdbRecord,
): Either<DecodeProblem[], { readonly event: RecordedEvent; readonly position: EsdbPosition }> => {
  const env = envelopeOf(r)
  if (isLeft(env)) return env
  const decoded = decodeRecordedEvent(env.right)
  if (isLeft(decoded)) return decoded
  const p = r.position as EsdbPosition
  return right({ event: decoded.right, position: { commit: p.commit, prepare: p.prepare } })
}

// ---- streams and filters ---------------------------------------------------

/** EventStoreDB's own streams and event types (`$all` stats, projections' links, metadata) start with `$`. */
export const isSystemName = (name: string): boolean => name.startsWith('$')

/** A record a Soutien reader should see: a Soutien stream, not a system stream or system event type. */
export const isDeliverable = (
  r: { readonly streamId: string; readonly type: string },
  prefixes: readonly string[],
): boolean =>
  !isSystemName(r.streamId) && !isSystemName(r.type) && prefixes.some((p) => r.streamId.startsWith(p))

/**
 * The prefixes to filter `$all` on: the caller's, else the store's defaults,
 * without duplicates. An empty list is kept (it selects nothing); an empty
 * prefix (everything) or a `$` prefix (system streams) is refused.
 */
export const resolvePrefixes = (
  requested: readonly string[] | undefined,
  defaults: readonly string[],
): Either<string, readonly string[]> => {
  const prefixes = requested ?? defaults
  for (const p of prefixes) {
    if (typeof p !== 'string' || p.length === 0)
      return left(`stream prefix ${showValue(p)} is not a non-empty string`)
    if (isSystemName(p))
      return left(
        `stream prefix ${showValue(p)} names EventStoreDB system streams, which Soutien never reads`,
      )
  }
  return right([...new Set(prefixes)])
}

/**
 * An optional namespace puts a Soutien store inside a shared EventStoreDB
 * under `<namespace>.<stream>` (`acme.ticket-42`): several tenants or test
 * runs in one cluster. Without one, Soutien streams are EventStoreDB streams
 * one to one.
 */
export const checkNamespace = (namespace: string | undefined): Either<string, string | undefined> =>
  namespace === undefined || /^[A-Za-z0-9_-]{1,64}$/.test(namespace)
    ? right(namespace)
    : left(`stream namespace ${showValue(namespace)} must be 1 to 64 letters, digits, "_" or "-"`)

export const esdbStreamName = (namespace: string | undefined, stream: string): string =>
  namespace === undefined ? stream : `${namespace}.${stream}`

/** The Soutien stream of an EventStoreDB stream, or undefined when it lies outside the namespace. */
export const soutienStreamName = (namespace: string | undefined, esdbStream: string): string | undefined => {
  if (namespace === undefined) return esdbStream
  const head = `${namespace}.`
  return esdbStream.startsWith(head) ? esdbStream.slice(head.length) : undefined
}

/** The server-side filter for a `$all` subscription on these stream prefixes. */
export const prefixFilter = (prefixes: readonly string[]): PrefixesFilter =>
  streamNameFilter({ prefixes: [...prefixes] })

// ---- errors ----------------------------------------------------------------

export type EsdbErrorKind =
  | 'wrong-expected-version'
  | 'stream-not-found'
  | 'stream-deleted'
  | 'unavailable'
  | 'access-denied'
  | 'too-large'
  | 'invalid-argument'
  /** The local stream was closed under the reader (ours on close, or the transport's). */
  | 'closed'
  /** The server reported an error it did not classify. */
  | 'unknown'
  /** Anything else: not from the server, most likely a bug. */
  | 'other'

const byCommandType: Readonly<Record<string, EsdbErrorKind>> = {
  'wrong-expected-version': 'wrong-expected-version',
  'stream-not-found': 'stream-not-found',
  'stream-deleted': 'stream-deleted',
  unavailable: 'unavailable',
  'deadline-exceeded': 'unavailable',
  timeout: 'unavailable',
  cancelled: 'unavailable',
  'not-leader': 'unavailable',
  'access-denied': 'access-denied',
  'maximum-append-size-exceeded': 'too-large',
  'invalid-argument': 'invalid-argument',
}

// gRPC status codes (@grpc/grpc-js `status`).
const byGrpcCode: Readonly<Record<number, EsdbErrorKind>> = {
  1: 'unavailable', // CANCELLED (by the server or a proxy)
  2: 'unknown', // UNKNOWN
  3: 'invalid-argument', // INVALID_ARGUMENT
  4: 'unavailable', // DEADLINE_EXCEEDED
  5: 'stream-not-found', // NOT_FOUND
  7: 'access-denied', // PERMISSION_DENIED
  8: 'unavailable', // RESOURCE_EXHAUSTED
  10: 'unavailable', // ABORTED (EventStoreDB's timeout)
  13: 'unknown', // INTERNAL
  14: 'unavailable', // UNAVAILABLE
  16: 'access-denied', // UNAUTHENTICATED
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
])

/**
 * Classify what the client threw. Works on the library's error classes (by
 * their `type`), on raw gRPC service errors (by numeric `code`, which the
 * client leaves unconverted on some paths, e.g. an append's capability check),
 * and on Node socket errors.
 */
export const esdbErrorKind = (err: unknown): EsdbErrorKind => {
  if (typeof err !== 'object' || err === null) return 'other'
  const e = err as { readonly type?: unknown; readonly code?: unknown }
  if (typeof e.type === 'string') {
    const k = byCommandType[e.type]
    if (k !== undefined) return k
  }
  if (typeof e.code === 'number') return byGrpcCode[e.code] ?? 'unknown'
  if (typeof e.code === 'string') {
    if (networkCodes.has(e.code)) return 'unavailable'
    if (e.code === 'ERR_STREAM_PREMATURE_CLOSE') return 'closed'
  }
  if (e.type === 'unknown') return 'unknown'
  return 'other'
}

/** Worth subscribing again after a pause: the connection, the leader or the server had a moment. */
export const isTransient = (err: unknown): boolean => {
  const k = esdbErrorKind(err)
  return k === 'unavailable' || k === 'closed' || k === 'unknown'
}

export const errorMessage = (err: unknown): string => {
  if (err instanceof Error) {
    if (err.message !== '') return err.message
    const t = (err as { type?: unknown }).type
    return typeof t === 'string' ? t : err.name
  }
  return typeof err === 'string' ? err : showValue(err)
}

export interface ErrorContext {
  /** The server as `describeServer` prints it. */
  readonly server: string
  /** What was being done, for the message: `append to ticket-42`, `read $all`. */
  readonly operation: string
  readonly stream?: string
  readonly expected?: ExpectedRevision
}

/**
 * Why a server could not be reached, in words, and what to check, from what
 * the client said. The gRPC texts are for its developers (`14 UNAVAILABLE: No
 * connection established. Last error: Error: connect ECONNREFUSED …
 * Resolution note: `, cut after its last label): the person running the
 * command needs the cause and the next step. Undefined when the text is not
 * about reaching the server.
 */
const unreachable = (msg: string): string | undefined => {
  const running =
    "check that the server is running and listens at that address, and that the connection string's tls setting matches the server's (tls=false for a server run without TLS)"
  if (/ECONNREFUSED/.test(msg)) return `the connection was refused; ${running}`
  if (/Name resolution failed|ENOTFOUND|EAI_AGAIN/.test(msg))
    return 'its host name could not be resolved; check the host name in the connection string and the DNS'
  if (/ETIMEDOUT|DEADLINE_EXCEEDED|deadline exceeded|timed out/i.test(msg))
    return 'it did not answer in time; check that the server is running and that the network (a firewall, a VPN) lets this machine reach it'
  if (/EHOSTUNREACH|ENETUNREACH/.test(msg))
    return 'no network route leads to it; check the address in the connection string and the network connection'
  if (/ECONNRESET|EPIPE|Connection dropped|socket hang up/i.test(msg))
    return `the connection was dropped; ${running}`
  if (/Failed to discover/i.test(msg))
    return `no node of the cluster answered; check that its nodes are running and listen at the addresses given, and that the connection string's tls setting matches theirs`
  if (/No connection established/i.test(msg)) return `no connection could be established; ${running}`
  return undefined
}

/** A client text without the label it sometimes ends on with nothing after it (`Resolution note: `). */
const tidy = (msg: string): string => msg.replace(/(?:\.?\s*[A-Z][\w ]*:\s*)+$/, '').replace(/\s+$/, '')

/** What the client threw, as the port's error, with a message naming the server and the operation. */
export const toStoreError = (err: unknown, ctx: ErrorContext): StoreError => {
  if (err instanceof StoreFailure) return err.error
  const msg = errorMessage(err)
  const at = `EventStoreDB at ${ctx.server}`
  switch (esdbErrorKind(err)) {
    case 'wrong-expected-version':
      return conflictOf(
        err as { actualVersion?: unknown },
        ctx.stream ?? String((err as { streamName?: unknown }).streamName ?? '?'),
        ctx.expected ?? 'any',
      )
    case 'unavailable':
    case 'closed':
      return unavailable(`${at} is unavailable (${ctx.operation}): ${unreachable(msg) ?? tidy(msg)}`, err)
    case 'access-denied':
      return unavailable(
        `${at} refused access (${ctx.operation}): check the user in the connection string (${msg})`,
        err,
      )
    case 'stream-deleted':
      return invalidEvent(
        `${at}: stream ${ctx.stream ?? String((err as { streamName?: unknown }).streamName ?? '?')} has been deleted (tombstoned) and can no longer be written or read (${ctx.operation})`,
      )
    case 'too-large': {
      const max = (err as { maxAppendSize?: unknown }).maxAppendSize
      return invalidEvent(
        `${at} refused the append to ${ctx.stream ?? '?'}: larger than its maximum append size${typeof max === 'number' ? ` (${max} bytes)` : ''}`,
      )
    }
    case 'invalid-argument':
      return invalidEvent(`${at} refused the request as invalid (${ctx.operation}): ${msg}`)
    case 'stream-not-found':
      return unavailable(`${at}: not found (${ctx.operation}): ${msg}`, err)
    case 'unknown':
      return unavailable(`${at} failed (${ctx.operation}): ${tidy(msg)}`, err)
    case 'other': {
      // Some connection failures come as plain errors (a cluster's discovery giving up).
      const cause = unreachable(msg)
      return unavailable(
        cause === undefined
          ? `unexpected failure talking to ${at} (${ctx.operation}): ${tidy(msg)}`
          : `${at} is unavailable (${ctx.operation}): ${cause}`,
        err,
      )
    }
  }
}

// ---- connection strings ----------------------------------------------------

/**
 * The server part of a connection string, for messages and logs:
 * `esdb://node1:2113,node2:2113`. Credentials and settings are dropped, so a
 * password never reaches a log.
 */
export const describeServer = (connectionString: string): string => {
  const m = /^\s*(esdb(?:\+discover)?):\/\/(?:[^@/?]*@)?([^/?]*)/i.exec(
    toClientConnectionString(connectionString),
  )
  if (m === null || m[2] === undefined || m[2] === '')
    return 'an EventStoreDB server (unreadable connection string)'
  return `${(m[1] ?? 'esdb').toLowerCase()}://${m[2]}`
}

/**
 * The 6.2.1 client knows `esdb://` and `esdb+discover://` only; the schemes of
 * the renamed server (`kurrentdb://`, `kdb://`, with `+discover`) mean the same.
 */
export const toClientConnectionString = (connectionString: string): string =>
  connectionString.replace(
    /^(\s*)(?:kurrentdb|kdb)(\+discover)?:\/\//i,
    (_, space: string, discover?: string) => `${space}esdb${discover ?? ''}://`,
  )

/** Hide `user:password@` in any text that may quote a connection string. */
export const redactCredentials = (text: string): string =>
  text.replace(/((?:esdb|kurrentdb|kdb)(?:\+discover)?:\/\/)[^@/?\s]*@/gi, '$1***@')

// ---- resubscription ---------------------------------------------------------

export interface ResubscribePolicy {
  /** Pause before the first new attempt after a drop. */
  readonly initialDelayMs: number
  /** The pause doubles per failed attempt up to this bound. */
  readonly maxDelayMs: number
  /** Consecutive failed attempts before the subscription gives up and calls `onError`. */
  readonly maxAttempts: number
}

/** About five minutes of attempts: longer than a leader election, short enough for an outage to be reported. */
export const DEFAULT_RESUBSCRIBE: ResubscribePolicy = {
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  maxAttempts: 60,
}

/** Pause before attempt `attempt` (0-based): exponential, capped. */
export const resubscribeDelay = (attempt: number, policy: ResubscribePolicy): number =>
  // The exponent is capped so that 0 × 2^attempt never becomes 0 × Infinity = NaN.
  Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(0, attempt), 52))
