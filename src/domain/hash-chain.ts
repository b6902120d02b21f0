/**
 * The hash chain that makes a history tamper-evident (docs/audit.md).
 *
 * Every event carries `meta.hash`, the SHA-256 of the canonical JSON of its
 * envelope without `position` and without `meta.hash`, and `meta.prevHash`,
 * the `meta.hash` of the event before it in its stream. Changing, removing,
 * inserting or reordering an event then breaks the chain at that point; cutting
 * off a stream's end is caught against a stream-head manifest kept elsewhere.
 *
 * Pure: SHA-256 is deterministic and reads nothing but its input, so it lives
 * with the domain (an auditor's tool can use it without any store).
 */
import * as crypto from 'node:crypto'
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { type DecodeProblem, intBetween, problemsOf, strict } from './codec.js'
import type { EventToAppend, RecordedEvent } from './envelope.js'

// ---- canonical encoding ------------------------------------------------------------

/**
 * RFC 8785 (JCS) for the JSON our events hold: object keys sorted by UTF-16
 * code units at every depth, no whitespace, strings and numbers exactly as
 * `JSON.stringify` prints them. Keys whose value is `undefined` are left out
 * (as `JSON.stringify` and every store do), so the digest of an event is the
 * digest of what is actually written.
 *
 * Every event is hashed when it is written and when it is verified, so this is
 * on the hot path: the native `JSON.stringify` prints the value, or a copy of
 * it with its objects' keys put in order (`inOrder`); only what it would print
 * differently (sparse arrays, keys it would reorder, what is not JSON) is
 * walked key by key here.
 */
export const canonicalJson = (value: unknown): string => {
  const v = inOrder(value)
  return v === NOT_PLAIN ? walk(value) : JSON.stringify(v)
}

const NOT_PLAIN: unique symbol = Symbol('not plain JSON')

/**
 * `v` itself when `JSON.stringify(v)` is its canonical JSON: plain objects
 * (no class, no `toJSON`) listing their keys in UTF-16 order, arrays without
 * holes, finite numbers. Otherwise a copy whose objects list their keys in
 * that order, or `NOT_PLAIN` when only the walk can say: holes, not JSON at
 * all (functions, symbols, bigints, NaN: the walk throws), or keys a new
 * object would not keep in the order given (integer-like keys, which objects
 * list first, and `__proto__`). `undefined` values need nothing: both leave
 * such keys out and print `null` in arrays.
 */
const inOrder = (v: unknown): unknown => {
  if (v === null) return v
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      return Number.isFinite(v) ? v : NOT_PLAIN
    case 'object': {
      if (Array.isArray(v)) {
        let copy: unknown[] | undefined
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) return NOT_PLAIN
          const x: unknown = v[i]
          if (x === undefined) continue
          const c = inOrder(x)
          if (c === NOT_PLAIN) return NOT_PLAIN
          if (c !== x) {
            copy ??= v.slice()
            copy[i] = c
          }
        }
        return copy ?? v
      }
      const proto: unknown = Object.getPrototypeOf(v)
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN
      const o = v as Record<string, unknown>
      let previous: string | undefined
      let sorted = true
      let changed = false
      // for…in lists a plain object's keys in Object.keys order, without allocating them.
      for (const k in o) {
        if (!Object.hasOwn(o, k)) return NOT_PLAIN
        if (previous !== undefined && !(previous < k)) sorted = false
        previous = k
        const x = o[k]
        if (x === undefined) continue
        const c = inOrder(x)
        if (c === NOT_PLAIN) return NOT_PLAIN
        if (c !== x) changed = true
      }
      if (sorted && !changed) return v
      const copy: Record<string, unknown> = {}
      for (const k of sortedKeys(o)) {
        const x = o[k]
        if (x === undefined) continue
        const first = k.charCodeAt(0)
        if ((first >= 48 && first <= 57) || k === '__proto__') return NOT_PLAIN
        copy[k] = inOrder(x)
      }
      return copy
    }
    default:
      return NOT_PLAIN
  }
}

/**
 * An object's keys in UTF-16 code-unit order (what JCS asks for, what `<` and
 * the default sort compare). By insertion when they are few, as in an event's
 * objects: `Array.prototype.sort` allocates its merge state (about a kilobyte)
 * per call.
 */
const sortedKeys = (o: object): string[] => {
  const keys = Object.keys(o)
  // Insertion is quadratic: a hostile history may hold an object of any size.
  if (keys.length > 16) return keys.sort()
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!
    let j = i - 1
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!
      j--
    }
    keys[j + 1] = k
  }
  return keys
}

/** The canonical form, key by key: for values `JSON.stringify` would not print canonically. */
const walk = (value: unknown): string => {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      // JSON has no NaN or Infinity: such a value can never have been written.
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} is not a JSON number`)
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
      const o = value as Record<string, unknown>
      let out = '{'
      for (const k of sortedKeys(o)) {
        const v = o[k]
        if (v === undefined) continue
        out += `${out.length === 1 ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`
      }
      return `${out}}`
    }
    default:
      throw new Error(`canonicalJson: a ${typeof value} is not JSON`)
  }
}

// ---- what is hashed --------------------------------------------------------------

/**
 * An event as it was written (a history line, a store row), before any upcast:
 * the digest covers the written `version` and `data`, not what a reader makes
 * of them.
 */
export interface WrittenEvent {
  readonly id: string
  readonly stream: string
  readonly revision: number
  readonly type: string
  readonly version: number
  readonly at: string
  readonly actor: unknown
  readonly data: unknown
  readonly meta?: Readonly<Record<string, unknown>>
}

/**
 * The envelope with its keys in canonical order (`canonicalJson` then prints
 * it natively, as long as what it holds is in order too).
 */
const contentOf = (
  e: Pick<WrittenEvent, 'actor' | 'at' | 'data' | 'id' | 'type' | 'version'>,
  stream: string,
  revision: number,
  meta: unknown,
) => ({
  actor: e.actor,
  at: e.at,
  data: e.data,
  id: e.id,
  meta,
  revision,
  stream,
  type: e.type,
  version: e.version,
})

/** `meta` without `hash` (and `prevHash` when asked), its other keys in their order. */
const metaWithout = (
  meta: Readonly<Record<string, unknown>> | undefined,
  prevHashToo: boolean,
): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  if (meta === undefined) return out
  for (const k in meta)
    if (k !== 'hash' && (!prevHashToo || k !== 'prevHash') && Object.hasOwn(meta, k)) out[k] = meta[k]
  return out
}

const isEmpty = (o: object): boolean => {
  for (const _ in o) return false
  return true
}

/**
 * `canonicalJson(contentOf(e, stream, revision, meta))`, the envelope's keys
 * written in their known order around the canonical forms of `actor`, `data`
 * and `meta` (`metaJson` when the caller already knows it): the envelope
 * itself is not walked. Anything unusual (a missing field, a value that is
 * not what an event holds) goes the general way.
 */
const canonicalContent = (
  e: Pick<WrittenEvent, 'actor' | 'at' | 'data' | 'id' | 'type' | 'version'>,
  stream: string,
  revision: number,
  meta: unknown,
  metaJson: string | undefined,
): string => {
  const { actor, at, data, id, type, version } = e
  if (
    typeof at === 'string' &&
    typeof id === 'string' &&
    typeof type === 'string' &&
    typeof version === 'number' &&
    Number.isFinite(version) &&
    Number.isFinite(revision) &&
    actor !== undefined &&
    data !== undefined
  ) {
    const a = inOrder(actor)
    const d = inOrder(data)
    const m = metaJson === undefined ? inOrder(meta) : undefined
    if (a !== NOT_PLAIN && d !== NOT_PLAIN && m !== NOT_PLAIN)
      // Numbers print as `JSON.stringify` prints finite numbers.
      return `{"actor":${JSON.stringify(a)},"at":${JSON.stringify(at)},"data":${JSON.stringify(d)},"id":${JSON.stringify(id)},"meta":${metaJson ?? JSON.stringify(m)},"revision":${revision},"stream":${JSON.stringify(stream)},"type":${JSON.stringify(type)},"version":${version}}`
  }
  return canonicalJson(contentOf(e, stream, revision, meta))
}

/** The object whose canonical JSON is hashed: the envelope without `position` and without `meta.hash`. */
export const hashedContent = (e: WrittenEvent): Record<string, unknown> =>
  contentOf(e, e.stream, e.revision, metaWithout(e.meta, false))

/**
 * SHA-256 in lowercase hex of a string's UTF-8 bytes. The one-shot
 * `crypto.hash` (Node ≥ 20.12) skips building a Hash object per event.
 */
const sha256Hex: (s: string) => string =
  typeof crypto.hash === 'function'
    ? (s) => crypto.hash('sha256', s, 'hex')
    : (s) => crypto.createHash('sha256').update(s, 'utf8').digest('hex')

/** SHA-256 (lowercase hex) of the canonical JSON of `hashedContent(e)`, UTF-8 encoded. */
export const eventHash = (e: WrittenEvent): string => sha256Hex(canonicalJson(hashedContent(e)))

/**
 * The written form of a decoded event. It equals what was written for every
 * event written at its type's current version — which every hashed event is
 * today (hashing came after the last version bump). See docs/audit.md for what
 * changes the day an event type gets a new version.
 */
export const writtenFormOf = (e: RecordedEvent): WrittenEvent => ({
  id: e.id,
  stream: e.stream,
  revision: e.revision,
  type: e.type,
  version: e.version,
  at: e.at,
  actor: { id: e.actor.id, role: e.actor.role },
  data: e.data,
  meta: e.meta,
})

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A parsed history line as a written event, or undefined when it lacks what the
 * chain needs (id, stream, revision): the codec checks report such lines.
 */
export const writtenEventOf = (json: unknown): WrittenEvent | undefined => {
  if (!isRecord(json)) return undefined
  const { id, stream, revision, type, version, at, actor, data, meta } = json
  if (typeof id !== 'string' || typeof stream !== 'string' || typeof revision !== 'number') return undefined
  return {
    id,
    stream,
    revision,
    type: type as string,
    version: version as number,
    at: at as string,
    actor,
    data,
    ...(isRecord(meta) ? { meta } : {}),
  }
}

// ---- sealing -------------------------------------------------------------------------

/**
 * Chain `events`, about to be appended to `stream` from `firstRevision`, to the
 * stream's `previous` event: each gets `meta.prevHash` (absent when there is no
 * previous hash: a new stream, or one written before hashing, whose chain
 * starts here) and `meta.hash`. Any `hash`/`prevHash` the events carried is
 * replaced.
 */
export const sealEvents = <E extends EventToAppend>(
  stream: string,
  previous: { readonly meta?: { readonly hash?: string | undefined } } | undefined,
  firstRevision: number,
  events: readonly E[],
): E[] => {
  let prevHash = previous?.meta?.hash
  const out: E[] = []
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    // Built key by key (the event's own meta keys in their order, then the
    // links): on Node 20, `{ ...meta, prevHash }` costs microseconds per event.
    const meta = metaWithout((e as { readonly meta?: EventToAppend['meta'] }).meta, true)
    // Nothing but the link (the usual case): its canonical form is known.
    const linkOnly = isEmpty(meta) && (prevHash === undefined || typeof prevHash === 'string')
    if (prevHash !== undefined) meta.prevHash = prevHash
    const hash = sha256Hex(
      canonicalContent(
        e,
        stream,
        firstRevision + i,
        meta,
        linkOnly ? (prevHash === undefined ? '{}' : `{"prevHash":${JSON.stringify(prevHash)}}`) : undefined,
      ),
    )
    meta.hash = hash
    prevHash = hash
    out.push({ ...e, meta } as E)
  }
  return out
}

// ---- the stream-head manifest --------------------------------------------------------

/** Where a stream ended when the manifest was made; `hash` absent for an unchained stream. */
export interface StreamHead {
  readonly stream: string
  readonly revision: number
  readonly hash?: string
}

export const MANIFEST_FORMAT = 'soutien-stream-heads'

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT
  readonly version: 1
  /** Events in the history the manifest was made from. */
  readonly events: number
  /** One head per stream, sorted by stream name. */
  readonly streams: readonly StreamHead[]
}

const ManifestCodec = strict(
  {
    format: t.literal(MANIFEST_FORMAT),
    version: t.literal(1),
    events: intBetween(0, Number.MAX_SAFE_INTEGER, 'event count'),
    streams: t.array(
      strict(
        { stream: t.string, revision: intBetween(0, Number.MAX_SAFE_INTEGER, 'revision') },
        { hash: t.string },
        'StreamHead',
      ),
    ),
  },
  {},
  'Manifest',
)

/** Check a parsed manifest file; problems name the field path and the value. */
export const decodeManifest = (u: unknown): Either<DecodeProblem[], Manifest> => {
  const r = ManifestCodec.decode(u)
  if (isLeft(r)) return left(problemsOf(r.left))
  const seen = new Set<string>()
  for (const [i, h] of r.right.streams.entries()) {
    if (seen.has(h.stream))
      return left([
        {
          path: `streams.${i}.stream`,
          expected: 'each stream once',
          actual: JSON.stringify(h.stream),
          message: `stream ${h.stream} appears twice in the manifest`,
        },
      ])
    seen.add(h.stream)
  }
  return right(r.right as Manifest)
}

/** Collects each stream's head while a history is read, then builds its manifest. */
export const createManifestBuilder = () => {
  const heads = new Map<string, StreamHead>()
  let events = 0
  return {
    add: (e: {
      readonly stream: string
      readonly revision: number
      readonly meta?: { readonly hash?: string }
    }) => {
      events += 1
      const hash = e.meta?.hash
      heads.set(
        e.stream,
        hash === undefined
          ? { stream: e.stream, revision: e.revision }
          : { stream: e.stream, revision: e.revision, hash },
      )
    },
    build: (): Manifest => ({
      format: MANIFEST_FORMAT,
      version: 1,
      events,
      streams: [...heads.values()].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0)),
    }),
  }
}

/** The manifest file's text: one stream head a line, so that two manifests diff well. */
export const manifestText = (m: Manifest): string => {
  const heads = m.streams.map((h) => `    ${JSON.stringify(h)}`).join(',\n')
  return `{\n  "format": ${JSON.stringify(m.format)},\n  "version": ${m.version},\n  "events": ${m.events},\n  "streams": [\n${heads}${heads === '' ? '' : '\n'}  ]\n}\n`
}

// ---- checking --------------------------------------------------------------------------

export type ChainProblemKind =
  /** The event's content no longer matches its own hash. */
  | 'altered'
  /** Events are missing inside a stream (a revision gap). */
  | 'removed'
  /** An event that does not belong to the chain sits before this one. */
  | 'inserted'
  /** Two events of a stream are in each other's place. */
  | 'swapped'
  /** A revision comes again or goes back, or the same event twice. */
  | 'out-of-order'
  /** The link to the previous event is wrong: the event before was replaced, or events were removed and re-hashed. */
  | 'relinked'
  /** An event of a chained stream carries no hash (partly chained stream). */
  | 'unhashed'
  /** The stream ends before the head recorded in the manifest. */
  | 'truncated'
  /** The stream's event at the manifest's head revision is not the one the manifest recorded. */
  | 'rewritten'

export interface ChainProblem {
  readonly kind: ChainProblemKind
  readonly stream: string
  /** The event the problem is located at (the stream's first broken event). */
  readonly eventId?: string
  readonly revision?: number
  /** 1-based line of a file. */
  readonly line?: number
  /** Position in a store. */
  readonly position?: number
  readonly message: string
}

/** Where an event was read from. */
export interface ChainWhere {
  readonly line?: number
  readonly position?: number
}

export interface ChainSummary {
  readonly streams: number
  /** Streams whose events all carry hashes, from revision 0. */
  readonly chained: number
  /** Streams written before hashing existed: no event carries a hash. */
  readonly unchained: number
  /** Streams written before hashing and continued after: chained from a later revision. */
  readonly chainedLater: number
  /** Streams with a problem (each reported once, at its first broken event). */
  readonly broken: number
  readonly events: number
  readonly hashedEvents: number
  /** Streams of the manifest checked against it, and streams newer than it. */
  readonly manifest?: { readonly streams: number; readonly notInManifest: number }
}

export type ChainStatus = 'unchained' | 'chained'

export interface ChainChecker {
  /**
   * The next event of the history, as written. Returns the problems settled by
   * it (for a stream, at most one in all: its first broken event; it may be
   * the one before, which only this event could reveal).
   */
  readonly event: (e: WrittenEvent, where?: ChainWhere) => ChainProblem[]
  /** Problems only the end reveals: a gap at the very end, streams cut short against the manifest. */
  readonly end: () => ChainProblem[]
  readonly summary: () => ChainSummary
  /** `unchained` when no event of the history carries a hash. */
  readonly status: () => ChainStatus
}

interface Located {
  readonly id: string
  readonly revision: number
  readonly where: ChainWhere
}

interface StreamState {
  /** The next revision the chain expects. */
  expected: number
  /** meta.hash of the last accepted event (undefined: unhashed). */
  lastHash: string | undefined
  /** Recomputed digest of the last accepted event (to recognise a stripped hash). */
  lastDigest: string | undefined
  /** meta.hash of the event before the last one (to recognise an insertion). */
  beforeLastHash: string | undefined
  last: Located | undefined
  chainStart: number | undefined
  broken: boolean
  /** A revision gap waiting for the next event: a removal, or the first half of a swap. */
  gap: { readonly at: Located; readonly expected: number; readonly lastHash: string | undefined } | undefined
  headChecked: boolean
}

const short = (h: string): string => (h.length > 12 ? `${h.slice(0, 12)}…` : h)

const placeOf = (l: Located): string => {
  const w = l.where
  const where =
    w.line !== undefined ? `line ${w.line}` : w.position !== undefined ? `position ${w.position}` : ''
  return `revision ${l.revision} (event ${l.id}${where === '' ? '' : `, ${where}`})`
}

/**
 * The streaming chain check behind `soutien verify`: feed the history's events
 * in order, then call `end`. Memory grows with the number of streams (a few
 * fields each), never with their length. With a manifest, each stream must
 * reach its recorded head, and the event at that revision must carry the
 * recorded hash.
 */
export const createChainChecker = (options: { readonly manifest?: Manifest } = {}): ChainChecker => {
  const streams = new Map<string, StreamState>()
  const heads = new Map<string, StreamHead>((options.manifest?.streams ?? []).map((h) => [h.stream, h]))
  let events = 0
  let hashedEvents = 0

  const problem = (
    kind: ChainProblemKind,
    stream: string,
    at: Located | undefined,
    message: string,
  ): ChainProblem => ({
    kind,
    stream,
    ...(at === undefined
      ? {}
      : {
          eventId: at.id,
          revision: at.revision,
          ...(at.where.line === undefined ? {} : { line: at.where.line }),
          ...(at.where.position === undefined ? {} : { position: at.where.position }),
        }),
    message,
  })

  const fail = (st: StreamState, p: ChainProblem): ChainProblem[] => {
    st.broken = true
    st.gap = undefined
    return [p]
  }

  const removed = (stream: string, st: StreamState): ChainProblem[] => {
    const g = st.gap
    if (g === undefined) return []
    const missing =
      g.at.revision - g.expected === 1
        ? `revision ${g.expected} is missing`
        : `revisions ${g.expected} to ${g.at.revision - 1} are missing`
    return fail(
      st,
      problem(
        'removed',
        stream,
        g.at,
        `${stream}: ${missing} before ${placeOf(g.at)}: ${g.at.revision - g.expected === 1 ? 'an event was' : 'events were'} removed`,
      ),
    )
  }

  const checkHead = (stream: string, st: StreamState, e: WrittenEvent, at: Located): ChainProblem[] => {
    const head = heads.get(stream)
    if (head === undefined || st.headChecked || e.revision !== head.revision) return []
    st.headChecked = true
    const hash = typeof e.meta?.hash === 'string' ? e.meta.hash : undefined
    if (hash === head.hash) return []
    return fail(
      st,
      problem(
        'rewritten',
        stream,
        at,
        `${stream}: ${placeOf(at)} is not the event the manifest recorded at this revision (hash ${head.hash === undefined ? 'none' : short(head.hash)}, found ${hash === undefined ? 'none' : short(hash)}): the stream was rewritten at or before this event`,
      ),
    )
  }

  const accept = (
    st: StreamState,
    e: WrittenEvent,
    at: Located,
    hash: string | undefined,
    digest: string,
  ) => {
    st.beforeLastHash = st.lastHash
    st.lastHash = hash
    st.lastDigest = digest
    st.last = at
    st.expected = e.revision + 1
  }

  const event = (e: WrittenEvent, where: ChainWhere = {}): ChainProblem[] => {
    events += 1
    const hashValue = e.meta?.hash
    const prevValue = e.meta?.prevHash
    const hash = typeof hashValue === 'string' ? hashValue : undefined
    const prevHash = typeof prevValue === 'string' ? prevValue : undefined
    if (hash !== undefined) hashedEvents += 1
    let st = streams.get(e.stream)
    if (st === undefined) {
      st = {
        expected: 0,
        lastHash: undefined,
        lastDigest: undefined,
        beforeLastHash: undefined,
        last: undefined,
        chainStart: undefined,
        broken: false,
        gap: undefined,
        headChecked: false,
      }
      streams.set(e.stream, st)
    }
    if (st.broken) return []
    const at: Located = { id: e.id, revision: e.revision, where }
    const stream = e.stream
    let digest: string
    try {
      digest = eventHash(e)
    } catch {
      // Not JSON at all (a hostile input): nothing written can have this digest.
      digest = ''
    }

    // A gap seen at the previous event is settled now: the missing revision
    // arriving right after, chained where the gap began, is a swap.
    if (st.gap !== undefined) {
      const g = st.gap
      if (e.revision === g.expected && prevHash === g.lastHash && (hash === undefined || hash === digest))
        return fail(
          st,
          problem(
            'swapped',
            stream,
            g.at,
            `${stream}: ${placeOf(g.at)} comes before ${placeOf(at)}: the two events were swapped`,
          ),
        )
      return removed(stream, st)
    }

    if (st.chainStart === undefined && hash === undefined) {
      // Written before hashing (or its hash stripped: the next event will say).
      if (prevHash !== undefined)
        return fail(
          st,
          problem(
            'unhashed',
            stream,
            at,
            `${stream}: ${placeOf(at)} has meta.prevHash but no meta.hash: its hash was removed`,
          ),
        )
      accept(st, e, at, undefined, digest)
      return checkHead(stream, st, e, at)
    }

    if (hash === undefined)
      return fail(
        st,
        problem(
          'unhashed',
          stream,
          at,
          `${stream}: ${placeOf(at)} has no meta.hash although the stream is chained from revision ${st.chainStart}: the stream is only partly chained (an event inserted without a hash, or its hash removed)`,
        ),
      )

    if (e.revision > st.expected) {
      st.gap = { at, expected: st.expected, lastHash: st.lastHash }
      return []
    }
    if (e.revision < st.expected) {
      const last = st.last
      if (last !== undefined && last.id === e.id)
        return fail(st, problem('out-of-order', stream, at, `${stream}: ${placeOf(at)} appears twice`))
      if (
        last !== undefined &&
        e.revision === last.revision &&
        prevHash === st.beforeLastHash &&
        hash === digest
      )
        return fail(
          st,
          problem(
            'inserted',
            stream,
            last,
            `${stream}: ${placeOf(last)} does not belong to the chain: the next event, ${placeOf(at)}, has the same revision and is chained to the event before it: it was inserted`,
          ),
        )
      return fail(
        st,
        problem(
          'out-of-order',
          stream,
          at,
          `${stream}: ${placeOf(at)} comes again or goes back (expected revision ${st.expected})`,
        ),
      )
    }

    // The expected revision: its own digest, then its link.
    const intact = hash === digest
    const starting = st.chainStart === undefined
    const expectedPrev = starting ? undefined : st.lastHash
    const linked = prevHash === expectedPrev
    if (intact && linked) {
      if (starting) st.chainStart = e.revision
      accept(st, e, at, hash, digest)
      return checkHead(stream, st, e, at)
    }
    if (!intact && linked)
      return fail(
        st,
        problem(
          'altered',
          stream,
          at,
          `${stream}: ${placeOf(at)} was altered after it was written: its content does not match its hash (recorded ${short(hash)}, recomputed ${short(digest)})`,
        ),
      )
    // The link is wrong.
    if (starting && st.last !== undefined && prevHash !== undefined && prevHash === st.lastDigest)
      return fail(
        st,
        problem(
          'unhashed',
          stream,
          st.last,
          `${stream}: ${placeOf(st.last)} lost its meta.hash: the next event is chained to it (the stream is only partly chained)`,
        ),
      )
    if (starting && e.revision === 0)
      return fail(
        st,
        problem(
          'removed',
          stream,
          at,
          `${stream}: ${placeOf(at)} is the first event but links to a previous one (meta.prevHash ${short(prevHash ?? '')}): the events before it were removed`,
        ),
      )
    if (st.last !== undefined && prevHash !== undefined && prevHash === st.beforeLastHash)
      return fail(
        st,
        problem(
          'inserted',
          stream,
          st.last,
          `${stream}: ${placeOf(st.last)} does not belong to the chain: the next event, ${placeOf(at)}, is chained to the event before it: it was inserted`,
        ),
      )
    if (intact)
      return fail(
        st,
        problem(
          'relinked',
          stream,
          at,
          `${stream}: ${placeOf(at)} is not chained to the event before it${st.last === undefined ? '' : `, ${placeOf(st.last)}`} (meta.prevHash ${prevHash === undefined ? 'missing' : short(prevHash)}, expected ${expectedPrev === undefined ? 'none' : short(expectedPrev)}): the event before was replaced, or events were removed or inserted and the history re-hashed`,
        ),
      )
    return fail(
      st,
      problem(
        'altered',
        stream,
        at,
        `${stream}: ${placeOf(at)} matches neither its hash nor its link to the event before: it was altered, moved or renumbered`,
      ),
    )
  }

  const end = (): ChainProblem[] => {
    const out: ChainProblem[] = []
    for (const [stream, st] of streams) out.push(...removed(stream, st))
    for (const head of heads.values()) {
      const st = streams.get(head.stream)
      if (st === undefined) {
        out.push(
          problem(
            'truncated',
            head.stream,
            undefined,
            `${head.stream}: the manifest records it up to revision ${head.revision}, but the history has no event of it: the stream was removed`,
          ),
        )
        continue
      }
      if (st.broken || st.headChecked) continue
      const last = st.last
      st.broken = true
      out.push(
        problem(
          'truncated',
          head.stream,
          last,
          `${head.stream}: the history ends at ${last === undefined ? 'nothing' : placeOf(last)}, but the manifest records revision ${head.revision}: the last ${head.revision - (last?.revision ?? -1)} event${head.revision - (last?.revision ?? -1) === 1 ? ' was' : 's were'} removed`,
        ),
      )
    }
    return out
  }

  const summary = (): ChainSummary => {
    let chained = 0
    let unchained = 0
    let chainedLater = 0
    let broken = 0
    let notInManifest = 0
    for (const [stream, st] of streams) {
      if (st.broken) broken += 1
      else if (st.chainStart === undefined) unchained += 1
      else if (st.chainStart === 0) chained += 1
      else chainedLater += 1
      if (!heads.has(stream)) notInManifest += 1
    }
    for (const h of heads.keys()) if (!streams.has(h)) broken += 1
    return {
      streams: streams.size,
      chained,
      unchained,
      chainedLater,
      broken,
      events,
      hashedEvents,
      ...(options.manifest === undefined ? {} : { manifest: { streams: heads.size, notInManifest } }),
    }
  }

  return { event, end, summary, status: () => (hashedEvents > 0 ? 'chained' : 'unchained') }
}

/** Check a whole history at once: every problem, then the summary. */
export const checkChains = (
  history: Iterable<WrittenEvent | { readonly event: WrittenEvent; readonly where?: ChainWhere }>,
  options: { readonly manifest?: Manifest } = {},
): {
  readonly problems: readonly ChainProblem[]
  readonly summary: ChainSummary
  readonly status: ChainStatus
} => {
  const checker = createChainChecker(options)
  const problems: ChainProblem[] = []
  for (const item of history) {
    if ('stream' in item) problems.push(...checker.event(item))
    else problems.push(...checker.event(item.event, item.where))
  }
  problems.push(...checker.end())
  return { problems, summary: checker.summary(), status: checker.status() }
}
