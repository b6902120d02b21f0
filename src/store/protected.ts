/**
 * Crypto-shredding and the hash chain as store wrappers.
 *
 * `protectStore(inner, keys)` encrypts every personal field (see
 * src/domain/personal-data.ts) with its data subject's key before the events
 * reach `inner`, then seals them (hash chain) over that encrypted form, and
 * decrypts on every read: deciders, projections and reports only ever see
 * plaintext, or `[erased]` once the subject's key is destroyed. Because the
 * hashes cover the ciphertext, destroying a key changes nothing stored, and
 * the chain still verifies after a person is forgotten.
 *
 * `sealStore(inner)` is the same sealing without encryption, for hosts that
 * append without the command handler (the handler seals by itself otherwise).
 *
 * Layering (docs/audit.md): encrypt, then hash, then store. The command
 * handler sees that these stores seal (`sealsAppends`) and leaves it to them.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import type { EventToAppend, RecordedEvent } from '../domain/envelope.js'
import { sealEvents } from '../domain/hash-chain.js'
import {
  type DataSubject,
  ERASED,
  mapPersonalFields,
  needsRequester,
  personalFieldsOf,
  subjectKey,
  subjectOfField,
} from '../domain/personal-data.js'
import type { KeyStore } from './keys.js'
import {
  type AppendResult,
  type AtomicImport,
  canImportAtomically,
  type EventStore,
  type ExpectedRevision,
  type InvalidEvent,
  invalidEvent,
  type StoreError,
  StoreFailure,
} from './port.js'

// ---- the encrypted form of a field ------------------------------------------------------

export const ENCRYPTED_PREFIX = 'enc:v1:'
const IV_BYTES = 12
const TAG_BYTES = 16

/** A parsed `enc:v1:<kind>:<id>:<iv>:<ciphertext+tag>` value. */
export interface EncryptedValue {
  readonly subject: DataSubject
  readonly iv: Buffer
  readonly sealed: Buffer
}

/**
 * The additional authenticated data: the ciphertext only opens for this
 * subject, this event and this field (it cannot be moved to another event, or
 * to another field of the same event, without failing).
 */
const aad = (subject: DataSubject, eventId: string, type: string, field: string): Buffer =>
  Buffer.from(`soutien/personal-data/v1\n${subjectKey(subject)}\n${eventId}\n${type}.${field}`, 'utf8')

export const isEncrypted = (value: string): boolean => value.startsWith(ENCRYPTED_PREFIX)

/** The parts of an encrypted value, or undefined when it is not one (plaintext written before encryption). */
export const parseEncrypted = (value: string): EncryptedValue | undefined => {
  if (!isEncrypted(value)) return undefined
  const parts = value.slice(ENCRYPTED_PREFIX.length).split(':')
  if (parts.length !== 4) return undefined
  const [kind, id, iv, sealed] = parts as [string, string, string, string]
  if (kind !== 'user' && kind !== 'agent') return undefined
  if (!/^[A-Za-z0-9_-]+$/.test(iv) || !/^[A-Za-z0-9_-]*$/.test(sealed)) return undefined
  let decodedId: string
  try {
    decodedId = decodeURIComponent(id)
  } catch {
    return undefined
  }
  const ivBytes = Buffer.from(iv, 'base64url')
  const sealedBytes = Buffer.from(sealed, 'base64url')
  if (ivBytes.length !== IV_BYTES || sealedBytes.length < TAG_BYTES) return undefined
  return { subject: { kind, id: decodedId }, iv: ivBytes, sealed: sealedBytes }
}

/** AES-256-GCM of `plaintext` for `subject`, bound to the event and field; a fresh random 96-bit IV. */
export const encryptField = (
  key: Uint8Array,
  subject: DataSubject,
  eventId: string,
  type: string,
  field: string,
  plaintext: string,
  iv: Uint8Array = randomBytes(IV_BYTES),
): string => {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad(subject, eventId, type, field))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `${ENCRYPTED_PREFIX}${subject.kind}:${encodeURIComponent(subject.id)}:${Buffer.from(iv).toString('base64url')}:${body.toString('base64url')}`
}

/**
 * The plaintext of an encrypted value, or `undefined` when it does not
 * authenticate (wrong key, another event or field, altered ciphertext): never
 * a guess.
 */
export const decryptField = (
  key: Uint8Array,
  value: EncryptedValue,
  eventId: string,
  type: string,
  field: string,
): string | undefined => {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, value.iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad(value.subject, eventId, type, field))
    decipher.setAuthTag(value.sealed.subarray(value.sealed.length - TAG_BYTES))
    const text = Buffer.concat([
      decipher.update(value.sealed.subarray(0, value.sealed.length - TAG_BYTES)),
      decipher.final(),
    ])
    return text.toString('utf8')
  } catch {
    return undefined
  }
}

// ---- the store wrappers ---------------------------------------------------------------

const SEALS_APPENDS: unique symbol = Symbol.for('soutien.store.sealsAppends')

/** True for the stores that seal what is appended to them (the command handler then does not). */
export const sealsAppends = (store: EventStore): boolean =>
  (store as { readonly [SEALS_APPENDS]?: boolean })[SEALS_APPENDS] === true

/** Bounded memory of each ticket's requester (needed to encrypt its free text). */
const createRequesterCache = (max = 50_000) => {
  const m = new Map<string, string>()
  return {
    get: (stream: string) => m.get(stream),
    set: (stream: string, requester: string) => {
      if (m.size >= max) m.delete(m.keys().next().value as string)
      m.set(stream, requester)
    },
  }
}

const requesterIn = (
  events: readonly { readonly type: string; readonly data: unknown }[],
): string | undefined => {
  for (const e of events)
    if (e.type === 'TicketOpened') {
      const r = (e.data as { readonly requesterId?: unknown }).requesterId
      if (typeof r === 'string') return r
    }
  return undefined
}

type Prepare = (
  stream: string,
  events: readonly EventToAppend[],
  known: readonly RecordedEvent[] | undefined,
) => Promise<E.Either<StoreError, readonly EventToAppend[]>>

type Reveal = (
  e: RecordedEvent,
  keys: (subject: DataSubject) => Promise<Uint8Array | undefined>,
) => Promise<E.Either<InvalidEvent, RecordedEvent>>

/** How many times an append with `any`/`exists` is retried when a writer got in between. */
const RETRIES = 5

const wrap = (
  inner: EventStore,
  prepare: Prepare | undefined,
  reveal: Reveal | undefined,
  keyLookup: ((subject: DataSubject) => Promise<E.Either<StoreError, Uint8Array | undefined>>) | undefined,
): EventStore => {
  const sealedAppend = async (
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<E.Either<StoreError, AppendResult>> => {
    if (events.length === 0) return inner.append(stream, events, expected)()
    if (sealsAppends(inner)) {
      // The inner store seals what it is given: only prepare (encrypt) here.
      if (prepare === undefined) return inner.append(stream, events, expected)()
      const p = await prepare(stream, events, undefined)
      return E.isLeft(p) ? p : inner.append(stream, p.right, expected)()
    }
    for (let attempt = 0; ; attempt++) {
      // The event the new ones chain to, and the exact revision to append after.
      let previous: RecordedEvent | undefined
      let known: readonly RecordedEvent[] | undefined
      let exact: ExpectedRevision = expected
      if (typeof expected === 'number') {
        if (expected >= 0) {
          const r = await inner.readStream(stream, { fromRevision: expected })()
          if (E.isLeft(r)) return r
          previous = r.right[0]?.revision === expected ? r.right[0] : undefined
        }
      } else if (expected !== 'no-stream') {
        const r = await inner.readStream(stream)()
        if (E.isLeft(r)) return r
        known = r.right
        const first = events[0]
        // A retry of events already stored: let the store answer it as such.
        if (first !== undefined && known.some((e) => e.id === first.id))
          return inner.append(stream, events, expected)()
        previous = known[known.length - 1]
        exact = previous === undefined ? (expected === 'exists' ? 'exists' : 'no-stream') : previous.revision
      }
      const firstRevision =
        previous !== undefined ? previous.revision + 1 : typeof expected === 'number' ? expected + 1 : 0
      let toStore: readonly EventToAppend[] = events
      if (prepare !== undefined) {
        const p = await prepare(stream, events, known)
        if (E.isLeft(p)) return p
        toStore = p.right
      }
      const sealed = sealEvents(stream, previous, Math.max(0, firstRevision), toStore)
      const r = await inner.append(stream, sealed, exact)()
      if (E.isLeft(r) && r.left._tag === 'ConcurrencyConflict' && exact !== expected && attempt < RETRIES)
        continue
      return r
    }
  }

  const revealAll = async (
    events: readonly RecordedEvent[],
    cache: Map<string, Uint8Array | undefined>,
  ): Promise<E.Either<StoreError, readonly RecordedEvent[]>> => {
    if (reveal === undefined) return E.right(events)
    const out: RecordedEvent[] = []
    for (const e of events) {
      const r = await revealOne(e, cache)
      if (E.isLeft(r)) return r
      out.push(r.right)
    }
    return E.right(out)
  }

  // Key lookups failing (the key store unreachable) surface as store errors, not as erasure.
  const revealOne = async (
    e: RecordedEvent,
    cache: Map<string, Uint8Array | undefined> | undefined,
  ): Promise<E.Either<StoreError, RecordedEvent>> => {
    if (reveal === undefined || keyLookup === undefined) return E.right(e)
    let failed: StoreError | undefined
    const keyOf = async (s: DataSubject): Promise<Uint8Array | undefined> => {
      const k = subjectKey(s)
      if (cache?.has(k) === true) return cache.get(k)
      const r = await keyLookup(s)
      if (E.isLeft(r)) {
        failed = r.left
        return undefined
      }
      cache?.set(k, r.right)
      return r.right
    }
    const r = await reveal(e, keyOf)
    if (failed !== undefined) return E.left(failed)
    return r
  }

  const store: EventStore & { readonly [SEALS_APPENDS]: true } = {
    [SEALS_APPENDS]: true,
    append: (stream, events, expected) => () => sealedAppend(stream, events, expected),
    readStream: (stream, options) => async () => {
      const r = await inner.readStream(stream, options)()
      if (E.isLeft(r)) return r
      return revealAll(r.right, new Map())
    },
    readAll: (options) =>
      (async function* () {
        const cache = new Map<string, Uint8Array | undefined>()
        for await (const e of inner.readAll(options)) {
          const r = await revealOne(e, cache)
          if (E.isLeft(r)) throw new StoreFailure(r.left)
          yield r.right
        }
      })(),
    subscribe: (handler, options) =>
      inner.subscribe(async (e) => {
        // No cache: a subject forgotten meanwhile reads as erased from the next event on.
        const r = await revealOne(e, undefined)
        if (E.isLeft(r)) throw new StoreFailure(r.left)
        await handler(r.right)
      }, options),
    headPosition: () => inner.headPosition(),
    dispose: () => inner.dispose(),
  }
  // Imports keep their events exactly as written (already encrypted and sealed, or history from before).
  if (canImportAtomically(inner)) {
    const withImport: EventStore & AtomicImport = {
      ...store,
      importAtomically: (events) => inner.importAtomically(events),
    }
    return withImport
  }
  return store
}

/**
 * Seal every append (hash chain over what is stored), reading the previous
 * event's hash from `inner`. Reads pass through.
 */
export const sealStore = (inner: EventStore): EventStore =>
  sealsAppends(inner) ? inner : wrap(inner, undefined, undefined, undefined)

/**
 * Encrypt personal fields per data subject on append (then seal), decrypt on
 * read; fields whose subject's key is destroyed read as `[erased]`, and
 * nothing new is kept readable about a forgotten subject (written as
 * `[erased]`). A value that does not authenticate fails the read (a
 * `StoreError`), never yields a guess.
 */
export const protectStore = (inner: EventStore, keys: KeyStore): EventStore => {
  const requesters = createRequesterCache()

  const requesterOf = async (
    stream: string,
    events: readonly EventToAppend[],
    known: readonly RecordedEvent[] | undefined,
  ): Promise<E.Either<StoreError, string | undefined>> => {
    const here = requesterIn(events)
    if (here !== undefined) return E.right(here)
    const cached = requesters.get(stream)
    if (cached !== undefined) return E.right(cached)
    let opening = known
    if (opening === undefined) {
      const r = await inner.readStream(stream, { fromRevision: 0 })()
      if (E.isLeft(r)) return r
      opening = r.right
    }
    return E.right(requesterIn(opening.slice(0, 1)))
  }

  const prepare: Prepare = async (stream, events, known) => {
    let requester: string | undefined
    if (events.some((e) => needsRequester(e.type))) {
      const r = await requesterOf(stream, events, known)
      if (E.isLeft(r)) return r
      requester = r.right
      if (requester !== undefined) requesters.set(stream, requester)
    }
    // Fetch (or create) every key first; then encrypt synchronously.
    const keyBySubject = new Map<string, Uint8Array | undefined>()
    for (const e of events)
      for (const f of personalFieldsOf(e.type)) {
        if (typeof (e.data as Record<string, unknown>)[f.field] !== 'string') continue
        const s = subjectOfField(f, e.data, requester)
        if (s === undefined)
          return E.left(
            invalidEvent(
              `stream ${stream}: event ${e.id} (${e.type}): cannot tell whose ${f.field} it is (${f.subject === 'requester' ? 'the ticket has no TicketOpened to name its requester' : `no ${f.subject}`}), so it cannot be stored protected`,
            ),
          )
        const k = subjectKey(s)
        if (keyBySubject.has(k)) continue
        const r = await keys.getOrCreate(k)()
        if (E.isLeft(r)) return r
        keyBySubject.set(k, r.right)
      }
    return E.right(
      events.map((e) => {
        const data = mapPersonalFields(e.type, e.data, (value, f) => {
          const s = subjectOfField(f, e.data, requester) as DataSubject
          const key = keyBySubject.get(subjectKey(s))
          return key === undefined ? ERASED : encryptField(key, s, e.id, e.type, f.field, value)
        })
        return data === e.data ? e : ({ ...e, data } as EventToAppend)
      }),
    )
  }

  const reveal: Reveal = async (e, keyOf) => {
    const fields = personalFieldsOf(e.type)
    if (fields.length === 0) return E.right(e)
    const data = e.data as unknown as Record<string, unknown>
    const opened = new Map<string, string>()
    for (const f of fields) {
      const v = data[f.field]
      if (typeof v !== 'string') continue
      const parsed = parseEncrypted(v)
      if (parsed === undefined) continue
      const key = await keyOf(parsed.subject)
      if (key === undefined) {
        opened.set(f.field, ERASED)
        continue
      }
      const text = decryptField(key, parsed, e.id, e.type, f.field)
      if (text === undefined)
        return E.left(
          invalidEvent(
            `stream ${e.stream}: event ${e.id} (${e.type}, revision ${e.revision}): the encrypted ${f.field} does not authenticate with ${subjectKey(parsed.subject)}'s key: it was altered, or moved from another event or field`,
          ),
        )
      opened.set(f.field, text)
    }
    if (opened.size === 0) return E.right(e)
    const revealed = mapPersonalFields(e.type, e.data, (value, f) => opened.get(f.field) ?? value)
    return E.right({ ...e, data: revealed } as RecordedEvent)
  }

  const keyLookup = (s: DataSubject): Promise<E.Either<StoreError, Uint8Array | undefined>> =>
    keys.get(subjectKey(s))()

  return wrap(inner, prepare, reveal, keyLookup)
}
