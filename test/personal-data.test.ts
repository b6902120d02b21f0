import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import type { EventToAppend, RecordedEvent } from '../src/domain/envelope.js'
import { validateEventData } from '../src/domain/envelope.js'
import type { DomainEvent, EventType } from '../src/domain/events.js'
import { checkChains, writtenFormOf } from '../src/domain/hash-chain.js'
import {
  ERASED,
  mapPersonalFields,
  parseSubjectKey,
  personalFields,
  subjectKey,
} from '../src/domain/personal-data.js'
import { createMemoryKeyStore, type KeyStore, openSqliteKeyStore } from '../src/store/keys.js'
import { createMemoryStore } from '../src/store/memory.js'
import { type EventStore, StoreFailure } from '../src/store/port.js'
import { decryptField, encryptField, parseEncrypted, protectStore } from '../src/store/protected.js'
import { openSqliteStore } from '../src/store/sqlite.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-personal-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Valid data for every event type with a personal field, every optional personal field present. */
const SAMPLE_DATA: Record<string, unknown> = {
  UserRegistered: { userId: 'u-1', name: 'Ada Martin', siteId: 's', workstationType: 'w', deskId: 'd' },
  AgentEnrolled: {
    agentId: 'a-1',
    name: 'Léa Roux',
    role: 'assistance',
    siteIds: ['s'],
    workstationTypes: ['w'],
    deskId: 'd',
  },
  TicketOpened: {
    ticketId: 'T-1',
    requesterId: 'u-1',
    siteId: 's',
    workstationType: 'w',
    deskId: 'd',
    channel: 'phone',
    summary: 'My screen is black',
  },
  TicketQualified: { kind: 'incident', domain: 'office', priority: 'P3', diagnosis: 'cable' },
  UserInformed: { kind: 'answer', message: 'Plug it in' },
  TicketEscalated: { domain: 'office', reason: 'manual', note: 'please help' },
  ExpertAdviceGiven: { advice: 'replace the cable' },
  HierarchyInvolved: { reason: 'difficulty', note: 'user upset' },
  TicketResolved: { resolutionCode: 'fixed', solution: 'New cable' },
  TicketReopened: { reason: 'black again' },
  SatisfactionRecorded: { score: 4, comment: 'quick, thanks' },
}

const key = new Uint8Array(32).fill(7)
const other = new Uint8Array(32).fill(8)
const ada = { kind: 'user', id: 'u-1' } as const

describe('the personal fields', () => {
  it('are strings of their event codecs, which accept their encrypted form and [erased]', () => {
    expect(Object.keys(SAMPLE_DATA).sort()).toEqual(Object.keys(personalFields).sort())
    for (const [type, fields] of Object.entries(personalFields)) {
      const data = SAMPLE_DATA[type] as Record<string, unknown>
      expect(E.isRight(validateEventData({ type, data } as DomainEvent))).toBe(true)
      for (const f of fields ?? []) {
        expect(typeof data[f.field]).toBe('string')
        const enc = encryptField(key, ada, 'evt-1', type, f.field, data[f.field] as string)
        for (const v of [enc, ERASED])
          expect(E.isRight(validateEventData({ type, data: { ...data, [f.field]: v } } as DomainEvent))).toBe(
            true,
          )
      }
    }
  })

  it('are exactly the table of docs/privacy.md', () => {
    const doc = readFileSync(new URL('../docs/privacy.md', import.meta.url), 'utf8')
    // Columns may be padded for alignment (Biome formats the tables).
    const rows = [...doc.matchAll(/^\| `(\w+)` +\| `(\w+)` +\| (the user|the agent|the requester)/gm)].map(
      (m) => `${m[1]}.${m[2]} ${m[3]}`,
    )
    const subjects = { userId: 'the user', agentId: 'the agent', requester: 'the requester' }
    const table = Object.entries(personalFields).flatMap(([type, fs]) =>
      (fs ?? []).map((f) => `${type}.${f.field} ${subjects[f.subject]}`),
    )
    expect(rows.sort()).toEqual(table.sort())
  })

  it('are replaced one by one, leaving the rest (and data without them) untouched', () => {
    const data = SAMPLE_DATA.TicketOpened as Record<string, unknown>
    const out = mapPersonalFields('TicketOpened', data, (v) => v.toUpperCase()) as Record<string, unknown>
    expect(out).toEqual({ ...data, summary: 'MY SCREEN IS BLACK' })
    expect(data.summary).toBe('My screen is black')
    const none = { kind: 'incident', domain: 'office', priority: 'P3' }
    expect(mapPersonalFields('TicketQualified', none, () => 'x')).toBe(none)
    expect(mapPersonalFields('TicketAssigned', { ownerId: 'x' }, () => 'y')).toEqual({ ownerId: 'x' })
  })

  it('name their subject as user:<id> or agent:<id>', () => {
    expect(subjectKey(ada)).toBe('user:u-1')
    expect(parseSubjectKey('agent:a:1')).toEqual({ kind: 'agent', id: 'a:1' })
    expect(parseSubjectKey('robot:1')).toBeUndefined()
  })
})

describe('field encryption (AES-256-GCM)', () => {
  const enc = encryptField(key, ada, 'evt-1', 'TicketOpened', 'summary', 'My screen is black')

  it('round-trips, with a fresh IV each time, and names its subject in clear', () => {
    expect(enc).toMatch(/^enc:v1:user:u-1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/)
    const p = parseEncrypted(enc)
    expect(p?.subject).toEqual(ada)
    expect(decryptField(key, p!, 'evt-1', 'TicketOpened', 'summary')).toBe('My screen is black')
    expect(encryptField(key, ada, 'evt-1', 'TicketOpened', 'summary', 'My screen is black')).not.toBe(enc)
    const odd = { kind: 'user', id: 'dept:it/ü 1' } as const
    const e2 = encryptField(key, odd, 'e', 'UserRegistered', 'name', '')
    expect(parseEncrypted(e2)?.subject).toEqual(odd)
    expect(decryptField(key, parseEncrypted(e2)!, 'e', 'UserRegistered', 'name')).toBe('')
  })

  it('fails closed with the wrong key, another event, field or subject, or an altered ciphertext', () => {
    const p = parseEncrypted(enc)!
    expect(decryptField(other, p, 'evt-1', 'TicketOpened', 'summary')).toBeUndefined()
    expect(decryptField(key, p, 'evt-2', 'TicketOpened', 'summary')).toBeUndefined()
    expect(decryptField(key, p, 'evt-1', 'UserInformed', 'message')).toBeUndefined()
    expect(
      decryptField(key, { ...p, subject: { kind: 'user', id: 'u-2' } }, 'evt-1', 'TicketOpened', 'summary'),
    ).toBeUndefined()
    for (const at of [0, p.sealed.length - 1]) {
      const sealed = Buffer.from(p.sealed)
      sealed[at] = (sealed[at] as number) ^ 1
      expect(decryptField(key, { ...p, sealed }, 'evt-1', 'TicketOpened', 'summary')).toBeUndefined()
    }
  })

  it('leaves alone what is not an encrypted value', () => {
    for (const v of [
      'hello',
      'enc:v1:user:u:short:x',
      'enc:v1:robot:u:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA',
      'enc:v2:x',
    ])
      expect(parseEncrypted(v)).toBeUndefined()
  })
})

const keyStoreSuite = (name: string, make: () => KeyStore) =>
  describe(`key store: ${name}`, () => {
    it('creates a key once, forgets it for good, and never creates another', async () => {
      const ks = make()
      const run = async <A>(t: () => Promise<E.Either<unknown, A>>) => {
        const r = await t()
        if (E.isLeft(r)) throw new Error(String(r.left))
        return r.right
      }
      expect(await run(ks.get('user:u-1'))).toBeUndefined()
      const k = await run(ks.getOrCreate('user:u-1'))
      expect(k).toHaveLength(32)
      expect(await run(ks.getOrCreate('user:u-1'))).toEqual(k)
      expect(await run(ks.get('user:u-1'))).toEqual(k)
      expect(await run(ks.getOrCreate('agent:u-1'))).not.toEqual(k)
      expect(await run(ks.destroy('user:u-1', '2026-03-10T10:00:00.000Z'))).toEqual({ _tag: 'Destroyed' })
      expect(await run(ks.get('user:u-1'))).toBeUndefined()
      expect(await run(ks.getOrCreate('user:u-1'))).toBeUndefined()
      expect(await run(ks.forgottenAt('user:u-1'))).toBe('2026-03-10T10:00:00.000Z')
      expect(await run(ks.destroy('user:u-1', '2026-03-11T10:00:00.000Z'))).toEqual({
        _tag: 'AlreadyForgotten',
        at: '2026-03-10T10:00:00.000Z',
      })
      expect(await run(ks.destroy('user:never', '2026-03-11T10:00:00.000Z'))).toEqual({ _tag: 'NoKey' })
      expect(await run(ks.getOrCreate('user:never'))).toBeUndefined()
      expect(await run(ks.get('agent:u-1'))).toHaveLength(32)
      await ks.dispose()
    })
  })

keyStoreSuite('in memory', () => createMemoryKeyStore())
let n = 0
keyStoreSuite('SQLite', () => {
  const r = openSqliteKeyStore(join(dir, `keys-${n++}.db`))
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
})

describe('key store: SQLite file', () => {
  it('keeps keys across reopenings, readable by its owner only, and leaves no trace of a destroyed key', async () => {
    const path = join(dir, 'durable.keys')
    const first = openSqliteKeyStore(path)
    if (E.isLeft(first)) throw new Error(first.left.message)
    const k = await first.right.getOrCreate('user:u-9')()
    const keep = await first.right.getOrCreate('user:u-10')()
    await first.right.dispose()
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const again = openSqliteKeyStore(path, { mustExist: true })
    if (E.isLeft(again) || E.isLeft(k) || E.isLeft(keep)) throw new Error('cannot reopen')
    expect(await again.right.get('user:u-9')()).toEqual(k)
    const bytes = Buffer.from(k.right as Uint8Array)
    expect(await again.right.destroy('user:u-9', '2026-03-10T10:00:00.000Z')()).toEqual(
      E.right({ _tag: 'Destroyed' }),
    )
    await again.right.dispose()
    for (const f of [path, `${path}-wal`]) {
      let content: Buffer
      try {
        content = readFileSync(f)
      } catch {
        continue
      }
      expect(content.includes(bytes)).toBe(false)
    }
    // The other key is still there (the check above would be meaningless otherwise).
    expect(readFileSync(path).includes(Buffer.from(keep.right as Uint8Array))).toBe(true)
  })

  it('refuses a missing file when it must exist, and a foreign database; accepts an event store', () => {
    expect(E.isLeft(openSqliteKeyStore(join(dir, 'none.keys'), { mustExist: true }))).toBe(true)
    const foreign = join(dir, 'foreign.db')
    const db = new Database(foreign)
    db.exec('CREATE TABLE t (x)')
    db.close()
    const r = openSqliteKeyStore(foreign)
    expect(E.isLeft(r) && r.left.message).toMatch(/neither a Soutien key store nor a Soutien event store/)
    const notSqlite = join(dir, 'text.keys')
    writeFileSync(notSqlite, 'hello, I am not a database at all, but a long enough text file.'.repeat(20))
    expect(E.isLeft(openSqliteKeyStore(notSqlite))).toBe(true)
    const events = openSqliteStore(join(dir, 'events.db'))
    if (E.isLeft(events)) throw new Error(events.left.message)
    events.right.database.close()
    const inside = openSqliteKeyStore(join(dir, 'events.db'))
    expect(E.isRight(inside)).toBe(true)
    if (E.isRight(inside)) void inside.right.dispose()
  })
})

// ---- the protected store ------------------------------------------------------------------

const ev = (id: string, type: EventType, data: unknown, at = '2026-03-02T09:00:00.000Z'): EventToAppend =>
  ({
    id,
    type,
    version: type === 'SupportPolicySet' ? 2 : 1,
    at,
    actor: { id: 'assist-1', role: 'assistance' },
    data,
    meta: {},
  }) as EventToAppend

const collect = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of store.readAll()) out.push(e)
  return out
}

const ticketHistory = (ticket: string, requester: string): EventToAppend[] => [
  ev(`${ticket}-0`, 'TicketOpened', {
    ...(SAMPLE_DATA.TicketOpened as object),
    ticketId: ticket,
    requesterId: requester,
  }),
  ev(`${ticket}-1`, 'TicketQualified', SAMPLE_DATA.TicketQualified),
  ev(`${ticket}-2`, 'UserInformed', SAMPLE_DATA.UserInformed),
]

describe('protectStore', () => {
  const setup = async () => {
    const inner = createMemoryStore()
    const keys = createMemoryKeyStore()
    const store = protectStore(inner, keys)
    const put = async (
      stream: string,
      events: EventToAppend[],
      expected: Parameters<EventStore['append']>[2],
    ) => {
      const r = await store.append(stream, events, expected)()
      if (E.isLeft(r)) throw new Error(r.left.message)
    }
    await put(
      'organization',
      [
        ev('o-0', 'UserRegistered', SAMPLE_DATA.UserRegistered),
        ev('o-1', 'AgentEnrolled', SAMPLE_DATA.AgentEnrolled),
      ],
      'no-stream',
    )
    const [o, q, i] = ticketHistory('T-1', 'u-1')
    await put('ticket-T-1', [o!], 'no-stream')
    // One at a time, as the handler appends: the requester comes from the stored opening.
    await put('ticket-T-1', [q!], 0)
    await put('ticket-T-1', [i!], 'any')
    await put('ticket-T-2', ticketHistory('T-2', 'u-2'), 'no-stream')
    return { inner, keys, store }
  }

  it('stores personal fields encrypted, chained over the ciphertext, and reads them back in clear', async () => {
    const { inner, store } = await setup()
    const raw = await collect(inner)
    const text = JSON.stringify(raw)
    for (const secret of ['Ada Martin', 'Léa Roux', 'My screen is black', 'cable', 'Plug it in'])
      expect(text).not.toContain(secret)
    expect(raw.find((e) => e.id === 'o-0')?.data).toMatchObject({
      userId: 'u-1',
      name: expect.stringMatching(/^enc:v1:user:u-1:/),
    })
    expect(raw.find((e) => e.id === 'o-1')?.data).toMatchObject({
      name: expect.stringMatching(/^enc:v1:agent:a-1:/),
    })
    expect(raw.find((e) => e.id === 'T-2-2')?.data).toMatchObject({
      message: expect.stringMatching(/^enc:v1:user:u-2:/),
    })
    expect(checkChains(raw.map(writtenFormOf)).problems).toEqual([])
    expect(raw.every((e) => typeof e.meta.hash === 'string')).toBe(true)

    const clear = await collect(store)
    expect(clear.find((e) => e.id === 'o-0')?.data).toEqual(SAMPLE_DATA.UserRegistered)
    expect(clear.find((e) => e.id === 'T-1-1')?.data).toEqual(SAMPLE_DATA.TicketQualified)
    const t1 = await store.readStream('ticket-T-1')()
    expect(E.isRight(t1) && t1.right.map((e) => e.data)).toEqual(
      ticketHistory('T-1', 'u-1').map((e) => e.data),
    )
  })

  it('reads a forgotten person as [erased], and keeps the chain and everyone else intact', async () => {
    const { inner, keys, store } = await setup()
    const before = await collect(inner)
    await keys.destroy('user:u-1', '2026-03-05T00:00:00.000Z')()
    const after = await collect(store)
    expect(after.find((e) => e.id === 'o-0')?.data).toEqual({
      ...(SAMPLE_DATA.UserRegistered as object),
      name: ERASED,
    })
    expect(after.find((e) => e.id === 'T-1-0')?.data).toMatchObject({ requesterId: 'u-1', summary: ERASED })
    expect(after.find((e) => e.id === 'T-1-1')?.data).toEqual({
      ...(SAMPLE_DATA.TicketQualified as object),
      diagnosis: ERASED,
    })
    expect(after.find((e) => e.id === 'T-2-2')?.data).toEqual(SAMPLE_DATA.UserInformed)
    expect(after.find((e) => e.id === 'o-1')?.data).toEqual(SAMPLE_DATA.AgentEnrolled)
    expect(await collect(inner)).toEqual(before)
    expect(checkChains(before.map(writtenFormOf)).problems).toEqual([])
  })

  it('writes what arrives later about a forgotten person as [erased]', async () => {
    const { inner, keys, store } = await setup()
    await keys.destroy('user:u-1', '2026-03-05T00:00:00.000Z')()
    const r = await store.append(
      'ticket-T-1',
      [ev('T-1-3', 'TicketResolved', SAMPLE_DATA.TicketResolved)],
      2,
    )()
    expect(E.isRight(r)).toBe(true)
    const raw = await inner.readStream('ticket-T-1', { fromRevision: 3 })()
    expect(E.isRight(raw) && raw.right[0]?.data).toEqual({ resolutionCode: 'fixed', solution: ERASED })
  })

  it('fails a read, naming the event, when a ciphertext was altered or moved', async () => {
    const inner = createMemoryStore()
    const keys = createMemoryKeyStore()
    const writer = protectStore(inner, keys)
    await writer.append('ticket-T-1', ticketHistory('T-1', 'u-1'), 'no-stream')()
    const raw = await collect(inner)
    // Replay the stored events into another store with one value moved to another event.
    const message = (raw[2] as RecordedEvent).data as unknown as { message: string }
    const moved = raw.map((e) =>
      e.id === 'T-1-1' ? ({ ...e, data: { ...e.data, diagnosis: message.message } } as RecordedEvent) : e,
    )
    const copy = createMemoryStore()
    await copy.importAtomically(
      (async function* () {
        for (const e of moved) yield e
      })(),
    )()
    const reader = protectStore(copy, keys)
    const r = await reader.readStream('ticket-T-1')()
    expect(E.isLeft(r) && r.left.message).toMatch(
      /event T-1-1 \(TicketQualified, revision 1\): the encrypted diagnosis does not authenticate/,
    )
    await expect(collect(reader)).rejects.toBeInstanceOf(StoreFailure)
    // The chain says the same: that event was altered.
    expect(checkChains(moved.map(writtenFormOf)).problems[0]).toMatchObject({
      kind: 'altered',
      eventId: 'T-1-1',
    })
  })

  it('delivers plaintext to subscribers, and [erased] once forgotten', async () => {
    const { keys, store } = await setup()
    const seen: RecordedEvent[] = []
    const sub = store.subscribe((e) => {
      seen.push(e)
    })
    await sub.caughtUp
    await keys.destroy('user:u-2', '2026-03-05T00:00:00.000Z')()
    await store.append('ticket-T-2', [ev('T-2-3', 'TicketReopened', SAMPLE_DATA.TicketReopened)], 2)()
    await store.append('ticket-T-3', ticketHistory('T-3', 'u-3'), 'no-stream')()
    await new Promise((r) => setImmediate(r))
    await sub.close()
    expect(seen.find((e) => e.id === 'T-1-2')?.data).toEqual(SAMPLE_DATA.UserInformed)
    expect(seen.find((e) => e.id === 'T-2-3')?.data).toEqual({ reason: ERASED })
    expect(seen.find((e) => e.id === 'T-3-0')?.data).toMatchObject({ summary: 'My screen is black' })
  })

  it('refuses free text on a ticket whose requester it cannot find, and reports a key store that fails', async () => {
    const store = protectStore(createMemoryStore(), createMemoryKeyStore())
    const r = await store.append('ticket-T-9', [ev('x', 'UserInformed', SAMPLE_DATA.UserInformed)], 'any')()
    expect(E.isLeft(r) && r.left.message).toMatch(/cannot tell whose message it is/)
    const broken: KeyStore = {
      ...createMemoryKeyStore(),
      getOrCreate: () => async () => E.left({ _tag: 'StoreUnavailable', message: 'keys are offline' }),
    }
    const s2 = protectStore(createMemoryStore(), broken)
    const r2 = await s2.append('ticket-T-1', ticketHistory('T-1', 'u-1'), 'no-stream')()
    expect(E.isLeft(r2) && r2.left).toMatchObject({ _tag: 'StoreUnavailable', message: 'keys are offline' })
  })
})
