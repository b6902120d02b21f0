/**
 * The recorded event envelope of domain.md §3, its codec, and decoding of a
 * stored or imported event: envelope, then type, upcast, then the data codec.
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {
  type DecodeProblem,
  fastDecoder,
  IsoInstant,
  intBetween,
  NOT_DECODED,
  problemsOf,
  showValue,
  strict,
} from './codec.js'
import {
  currentVersion,
  type DomainEvent,
  type EventType,
  eventCodecs,
  type StreamCategory,
  streamCategoryOf,
} from './events.js'
import { upcast } from './upcasters.js'
import { type Actor, Role } from './vocabulary.js'

export const EventMeta = strict(
  {},
  { commandId: t.string, correlationId: t.string, causationId: t.string, prevHash: t.string, hash: t.string },
  'EventMeta',
)
export type EventMeta = t.TypeOf<typeof EventMeta>

const Nat = intBetween(0, Number.MAX_SAFE_INTEGER, 'non-negative integer')
const Version = intBetween(1, 1_000_000, 'version ≥ 1')

const ActorCodec = strict({ id: t.string, role: Role }, {}, 'Actor')

/** The envelope, with `type` and `data` not yet checked against the event codecs. */
export const RawEnvelope = strict(
  {
    id: t.string,
    stream: t.string,
    revision: Nat,
    position: Nat,
    type: t.string,
    version: Version,
    at: IsoInstant,
    actor: ActorCodec,
    data: t.unknown,
  },
  { meta: EventMeta },
  'RecordedEvent',
)

/** What a decider's `evolve` sees: the event with when it happened and who did it. */
export type Fact<E extends DomainEvent = DomainEvent> = E & { readonly at: IsoInstant; readonly actor: Actor }

/** An event as stored: domain.md §3. `data` is at the current version. */
export type RecordedEvent<E extends DomainEvent = DomainEvent> = Fact<E> & {
  readonly id: string
  readonly stream: string
  readonly revision: number
  readonly position: number
  readonly version: number
  readonly meta: EventMeta
}

/** An event handed to a store: everything but its revision and position. */
export type EventToAppend<E extends DomainEvent = DomainEvent> = Fact<E> & {
  readonly id: string
  readonly version: number
  readonly meta: EventMeta
}

// ---- stream names ----------------------------------------------------------

export const ORGANIZATION_STREAM = 'organization'
export const ticketStream = (ticketId: string) => `ticket-${ticketId}`
export const majorIncidentStream = (incidentId: string) => `major-incident-${incidentId}`
export const knowledgeStream = (articleId: string) => `knowledge-${articleId}`
export const STREAM_PREFIXES = ['organization', 'ticket-', 'major-incident-', 'knowledge-'] as const

/** The category of a stream name, or undefined when it is not one of Soutien's. */
export const categoryOfStream = (stream: string): StreamCategory | undefined => {
  if (stream === ORGANIZATION_STREAM) return 'organization'
  // "major-incident-" must be tested before a hypothetical shorter prefix.
  if (stream.startsWith('major-incident-') && stream.length > 15) return 'major-incident'
  if (stream.startsWith('ticket-') && stream.length > 7) return 'ticket'
  if (stream.startsWith('knowledge-') && stream.length > 10) return 'knowledge'
  return undefined
}
/** The id part of `ticket-<id>`, `major-incident-<id>`, `knowledge-<id>`. */
export const streamId = (stream: string): string => {
  const c = categoryOfStream(stream)
  if (c === 'ticket') return stream.slice(7)
  if (c === 'major-incident') return stream.slice(15)
  if (c === 'knowledge') return stream.slice(10)
  return stream
}

// ---- decoding --------------------------------------------------------------

export const isEventType = (s: string): s is EventType => Object.hasOwn(eventCodecs, s)

/**
 * Decode one stored/imported event: envelope, known type, version not from the
 * future, stream of the right category, upcast to the current version, data.
 * Every problem is reported with its field path; nothing throws.
 */
export const decodeRecordedEvent = (u: unknown): Either<DecodeProblem[], RecordedEvent> =>
  decodeWith(u, false)

/**
 * `decodeRecordedEvent` of what `JSON.parse` just gave for one line, which the
 * caller gives up: the decoded event may be that very object (or share its
 * parts) when it already is exactly the event, instead of a copy. For readers
 * of history files and stores; the same checks, the same answers.
 */
export const decodeParsedEvent = (json: unknown): Either<DecodeProblem[], RecordedEvent> =>
  decodeWith(json, true)

const decodeWith = (u: unknown, owned: boolean): Either<DecodeProblem[], RecordedEvent> => {
  let fast: RecordedEvent | undefined
  try {
    fast = fastRecordedEvent(u, owned)
  } catch {
    // A getter or proxy trap that throws: the slow path says so below.
    fast = undefined
  }
  if (fast !== undefined) return right(fast)
  try {
    return decodeEnvelope(u)
  } catch (err) {
    // Not data: a host object whose getter or proxy trap throws while it is read.
    let detail: string
    try {
      detail = err instanceof Error ? err.message : String(err)
    } catch {
      detail = Object.prototype.toString.call(err)
    }
    return left([
      {
        path: '(root)',
        expected: 'plain data (as JSON.parse gives)',
        actual: '(unreadable)',
        message: `the event could not be read: ${detail}`,
      },
    ])
  }
}

// ---- the fast path -----------------------------------------------------------
//
// A replay decodes every event: the fast path does in one pass what
// `decodeEnvelope` does through `RawEnvelope.decode` and the event codec, with
// the same field codecs' fast decoders (codec.ts), and builds the very same
// value — but without io-ts' contexts and Eithers, the intermediate envelope
// object, and five lookups by a freshly parsed `type` string. It handles only
// what needs no upcast and answers `undefined` on anything doubtful: then
// `decodeEnvelope` decides and names the problems, so it can only agree with it.

interface EventTypeInfo {
  readonly type: EventType
  readonly category: StreamCategory
  readonly version: number
  readonly data: (u: unknown, owned?: boolean) => unknown
}
// Filled on first use: the event codecs' fast decoders compile lazily anyway.
let typeInfo: Map<string, EventTypeInfo> | undefined
const typeInfoOf = (): Map<string, EventTypeInfo> =>
  (typeInfo ??= new Map(
    (Object.keys(eventCodecs) as EventType[]).map((type) => [
      type,
      {
        type,
        category: streamCategoryOf[type],
        version: currentVersion[type],
        data: fastDecoder(eventCodecs[type] as t.Mixed),
      },
    ]),
  ))

const hasOwn = Object.prototype.hasOwnProperty
const fastNat = fastDecoder(Nat)
const fastAt = fastDecoder(IsoInstant)
const fastActor = fastDecoder(ActorCodec)
const fastMeta = fastDecoder(EventMeta)

/**
 * The decoded event, or undefined for the slow path. Keys as `strict` reads
 * them (codec.ts `compileStrict`): seen by one `for…in`, own; an unseen key
 * that `in` finds is for the slow path. `owned` (a line just parsed, given
 * up): an envelope already exactly the decoded event is returned itself.
 */
const fastRecordedEvent = (u: unknown, owned: boolean): RecordedEvent | undefined => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return undefined
  const o = u as Record<string, unknown>
  let seen = 0
  let last = -1
  let same = owned
  // Bits in toWire's order, which is also the decoded event's.
  for (const k in o) {
    if (!hasOwn.call(o, k)) return undefined
    let i: number
    switch (k) {
      case 'id':
        i = 0
        break
      case 'stream':
        i = 1
        break
      case 'revision':
        i = 2
        break
      case 'position':
        i = 3
        break
      case 'type':
        i = 4
        break
      case 'version':
        i = 5
        break
      case 'at':
        i = 6
        break
      case 'actor':
        i = 7
        break
      case 'data':
        i = 8
        break
      case 'meta':
        i = 9
        break
      default:
        return undefined
    }
    seen |= 1 << i
    if (i < last) same = false
    last = i
  }
  // Every required key (all but meta) seen; a missing one is the slow path's to name.
  if ((seen & 0x1ff) !== 0x1ff) return undefined
  const type = o.type
  if (typeof type !== 'string') return undefined
  const info = typeInfoOf().get(type)
  if (info === undefined) return undefined
  const id = o.id
  const stream = o.stream
  if (
    typeof id !== 'string' ||
    typeof stream !== 'string' ||
    fastNat(o.revision) === NOT_DECODED ||
    fastNat(o.position) === NOT_DECODED ||
    // Older versions are upcast by the slow path; newer ones refused there.
    o.version !== info.version ||
    fastAt(o.at) === NOT_DECODED ||
    categoryOfStream(stream) !== info.category
  )
    return undefined
  const actor = fastActor(o.actor, owned)
  if (actor === NOT_DECODED) return undefined
  if (actor !== o.actor) same = false
  let meta: unknown
  if ((seen & 0x200) !== 0) {
    meta = fastMeta(o.meta, owned)
    if (meta === NOT_DECODED) return undefined
    if (meta !== o.meta) same = false
  } else if ('meta' in o) return undefined
  else {
    meta = {}
    same = false
  }
  const data = info.data(o.data, owned)
  if (data === NOT_DECODED) return undefined
  if (data !== o.data) same = false
  if (same) {
    // The very event: only `type` is swapped for its interned twin (the same string), which projections compare fast.
    o.type = info.type
    return o as unknown as RecordedEvent
  }
  // Key for key the literal `decodeEnvelope` builds.
  return {
    id,
    stream,
    revision: o.revision,
    position: o.position,
    type: info.type,
    version: info.version,
    at: o.at,
    actor,
    data,
    meta,
  } as RecordedEvent
}

// ---- the slow path: every problem, named ------------------------------------

const decodeEnvelope = (u: unknown): Either<DecodeProblem[], RecordedEvent> => {
  const env = RawEnvelope.decode(u)
  if (isLeft(env)) return left(problemsOf(env.left))
  const e = env.right
  if (!isEventType(e.type))
    return left([
      {
        path: 'type',
        expected: 'a known event type',
        actual: showValue(e.type),
        message: `unknown event type ${showValue(e.type)}`,
      },
    ])
  const type = e.type
  const cat = categoryOfStream(e.stream)
  if (cat !== streamCategoryOf[type])
    return left([
      {
        path: 'stream',
        expected: `a ${streamCategoryOf[type]} stream`,
        actual: showValue(e.stream),
        message: `${type} belongs to a ${streamCategoryOf[type]} stream, not ${showValue(e.stream)}`,
      },
    ])
  if (e.version > currentVersion[type])
    return left([
      {
        path: 'version',
        expected: `≤ ${currentVersion[type]}`,
        actual: String(e.version),
        message: `${type} version ${e.version} is newer than this release reads (≤ ${currentVersion[type]})`,
      },
    ])
  let data: unknown
  try {
    data = upcast(type, e.version, e.data)
  } catch (err) {
    return left([
      { path: 'version', expected: 'an upcastable version', actual: String(e.version), message: String(err) },
    ])
  }
  const codec = eventCodecs[type] as t.Mixed
  const d = codec.decode(data)
  if (isLeft(d)) return left(problemsOf(prefix(d.left, 'data')))
  const rec = {
    id: e.id,
    stream: e.stream,
    revision: e.revision,
    position: e.position,
    type,
    version: currentVersion[type],
    at: e.at,
    actor: e.actor as Actor,
    data: d.right,
    meta: e.meta ?? {},
  } as RecordedEvent
  return right(rec)
}

const prefix = (errors: t.Errors, key: string): t.Errors =>
  errors.map((err) => ({
    ...err,
    context: [
      err.context[0] ?? { key: '', type: t.unknown, actual: undefined },
      { key, type: t.unknown, actual: undefined },
      ...err.context.slice(1),
    ],
  }))

/**
 * Check an event a decider or a host wants to append (its data against the
 * codec of its type). Programmer errors in deciders surface here, not in storage.
 */
export const validateEventData = (e: DomainEvent): Either<DecodeProblem[], DomainEvent> => {
  const codec = eventCodecs[e.type] as t.Mixed
  const d = codec.decode(e.data)
  return isLeft(d) ? left(problemsOf(prefix(d.left, 'data'))) : right(e)
}

/**
 * An appended event as recorded at `revision` of `stream` and global
 * `position` (before a store decodes it: the §3 envelope in its key order).
 * Written out key by key: on Node 20, `{ ...e, stream, … }` (a
 * spread followed by new keys) costs microseconds and a fresh hidden class per
 * event, and this is on every append's path.
 */
export const recordedAs = (
  e: EventToAppend,
  stream: string,
  revision: number,
  position: number,
): RecordedEvent =>
  ({
    id: e.id,
    stream,
    revision,
    position,
    type: e.type,
    version: e.version,
    at: e.at,
    actor: e.actor,
    data: e.data,
    // domain.md §3: meta keys are all optional on input, and so is meta itself.
    meta: (e as { readonly meta?: EventMeta }).meta ?? {},
  }) as RecordedEvent

/** The envelope exactly as domain.md §3 writes it (key order fixed), for files and hashing. */
export const toWire = (e: RecordedEvent): Record<string, unknown> => ({
  id: e.id,
  stream: e.stream,
  revision: e.revision,
  position: e.position,
  type: e.type,
  version: e.version,
  at: e.at,
  actor: { id: e.actor.id, role: e.actor.role },
  data: e.data,
  meta: e.meta,
})
