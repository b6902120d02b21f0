/**
 * Forgetting a person on a simulated history: before and after, the report,
 * the service levels and the traces are the same except for that person's
 * personal fields, which read as [erased]; and the hash chain still verifies.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CliIO } from '../src/cli/io.js'
import { main } from '../src/cli/main.js'
import { simulate } from '../src/cli/simulate/engine.js'
import type { RecordedEvent } from '../src/domain/envelope.js'
import { checkChains, writtenFormOf } from '../src/domain/hash-chain.js'
import { ERASED, personalFieldsOf } from '../src/domain/personal-data.js'
import { computeServiceLevels } from '../src/projections/service-levels.js'
import { computeSynthesis } from '../src/projections/synthesis.js'
import { ticketTimeline } from '../src/projections/timeline.js'
import { createMemoryKeyStore, openSqliteKeyStore } from '../src/store/keys.js'
import { createMemoryStore } from '../src/store/memory.js'
import type { EventStore } from '../src/store/port.js'
import { protectStore } from '../src/store/protected.js'
import { openSqliteStore } from '../src/store/sqlite.js'

const collect = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = []
  for await (const e of store.readAll()) out.push(e)
  return out
}

/** The requester with the most tickets, and their tickets. */
const busiestRequester = (events: readonly RecordedEvent[]): { user: string; tickets: string[] } => {
  const by = new Map<string, string[]>()
  for (const e of events)
    if (e.type === 'TicketOpened')
      by.set(e.data.requesterId, [...(by.get(e.data.requesterId) ?? []), e.data.ticketId])
  const [user, tickets] = [...by].sort((a, b) => b[1].length - a[1].length)[0] as [string, string[]]
  return { user, tickets }
}

/** Is this personal field of this event about `user`? (`theirs`: the streams of the tickets they opened.) */
const aboutUser = (e: RecordedEvent, subject: string, theirs: ReadonlySet<string>, user: string): boolean =>
  (subject === 'requester' && theirs.has(e.stream)) ||
  (subject === 'userId' && (e.data as { userId?: string }).userId === user)

/**
 * The history as it must read once `user` is forgotten: their name and their
 * tickets' free text [erased], everything else as it was.
 */
const erasedFor = (events: readonly RecordedEvent[], user: string): RecordedEvent[] => {
  const theirs = new Set<string>()
  return events.map((e) => {
    if (e.type === 'TicketOpened' && e.data.requesterId === user) theirs.add(e.stream)
    const data = { ...(e.data as unknown as Record<string, unknown>) }
    let changed = false
    for (const f of personalFieldsOf(e.type))
      if (typeof data[f.field] === 'string' && aboutUser(e, f.subject, theirs, user)) {
        data[f.field] = ERASED
        changed = true
      }
    return changed ? ({ ...e, data } as unknown as RecordedEvent) : e
  })
}

/** Every personal value of `events` about `user`. */
const personalValuesOf = (events: readonly RecordedEvent[], user: string): string[] => {
  const theirs = new Set<string>()
  const values: string[] = []
  for (const e of events) {
    if (e.type === 'TicketOpened' && e.data.requesterId === user) theirs.add(e.stream)
    const data = e.data as unknown as Record<string, unknown>
    for (const f of personalFieldsOf(e.type)) {
      const v = data[f.field]
      if (typeof v === 'string' && aboutUser(e, f.subject, theirs, user)) values.push(v)
    }
  }
  return values
}

describe('forgetting a user (library, in memory)', () => {
  it('leaves every figure as it was, erases their personal fields, and the chain verifies', async () => {
    const inner = createMemoryStore()
    const keys = createMemoryKeyStore()
    const store = protectStore(inner, keys)
    await simulate({ seed: 11, tickets: 40, store })

    const before = await collect(store)
    const { user, tickets } = busiestRequester(before)
    expect(personalValuesOf(before, user).length).toBeGreaterThan(tickets.length)
    const synthesisBefore = computeSynthesis(before)
    const levelsBefore = computeServiceLevels(before)
    const tracesBefore = tickets.map((t) => ticketTimeline(before, t))
    const rawBefore = await collect(inner)

    const destroyed = await keys.destroy(`user:${user}`, '2026-04-01T00:00:00.000Z')()
    expect(destroyed).toEqual(E.right({ _tag: 'Destroyed' }))

    const after = await collect(store)
    // Nothing stored changed; the chain over the stored (encrypted) form is intact.
    expect(await collect(inner)).toEqual(rawBefore)
    const chain = checkChains(
      rawBefore.map((e) => ({ event: writtenFormOf(e), where: { position: e.position } })),
    )
    expect(chain.problems).toEqual([])
    expect(chain.summary.chained).toBe(chain.summary.streams)

    // Same report and service levels.
    expect(computeSynthesis(after)).toEqual(synthesisBefore)
    expect(computeServiceLevels(after)).toEqual(levelsBefore)
    // Same history and traces, but for this user's personal fields.
    expect(personalValuesOf(after, user).every((v) => v === ERASED)).toBe(true)
    expect(after).toEqual(erasedFor(before, user))
    expect(after).not.toEqual(before)
    tickets.forEach((t, i) => {
      const trace = ticketTimeline(after, t)
      expect(trace?.summary).toBe(ERASED)
      expect(trace).toEqual(ticketTimeline(erasedFor(before, user), t))
      // Only the words changed: the same entries, states and clocks.
      expect(trace?.serviceLevels).toEqual(tracesBefore[i]?.serviceLevels)
      expect(trace?.periods).toEqual(tracesBefore[i]?.periods)
      expect(trace?.entries.map((x) => [x.type, x.at, x.status])).toEqual(
        tracesBefore[i]?.entries.map((x) => [x.type, x.at, x.status]),
      )
    })
    // Others are untouched.
    const someoneElse = before.find(
      (e) => e.type === 'TicketOpened' && e.data.requesterId !== user,
    ) as RecordedEvent
    expect(after.find((e) => e.id === someoneElse.id)).toEqual(someoneElse)
  })
})

// ---- the CLI on a SQLite store -----------------------------------------------------------

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}
const cli = async (argv: readonly string[]): Promise<Run> => {
  let out = ''
  let err = ''
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(String(chunk))
        cb()
      },
    })
  const io: CliIO = {
    stdout: sink((s) => {
      out += s
    }),
    stderr: sink((s) => {
      err += s
    }),
    stdin: Readable.from(['']),
    env: {},
  }
  const code = await main(argv, io)
  return { code, stdout: out, stderr: err }
}

describe('soutien forget', () => {
  let dir: string
  let db: string
  let user: string
  let before: RecordedEvent[]

  const readProtected = async (): Promise<RecordedEvent[]> => {
    const s = openSqliteStore(db, { mustExist: true })
    const k = openSqliteKeyStore(`${db}.keys`, { mustExist: true })
    if (E.isLeft(s) || E.isLeft(k)) throw new Error('cannot open')
    try {
      return await collect(protectStore(s.right, k.right))
    } finally {
      await s.right.dispose()
      await k.right.dispose()
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soutien-forget-'))
    db = join(dir, 'helpdesk.db')
    const s = openSqliteStore(db, { synchronous: 'NORMAL' })
    const k = openSqliteKeyStore(`${db}.keys`)
    if (E.isLeft(s) || E.isLeft(k)) throw new Error('cannot open')
    await simulate({ seed: 5, tickets: 30, store: protectStore(s.right, k.right) })
    await s.right.dispose()
    await k.right.dispose()
    before = await readProtected()
    user = busiestRequester(before).user
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reports what would become unreadable with --dry-run, and destroys nothing', async () => {
    const r = await cli(['forget', user, '--store', db, '--dry-run'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      new RegExp(
        `^dry run: forgetting user ${user} would make \\d+ personal fields in \\d+ events unreadable`,
      ),
    )
    expect(r.stdout).toMatch(/TicketOpened\.summary\s+\d+/)
    expect(await readProtected()).toEqual(before)
  })

  it('destroys the key: the report and verify are unchanged, the personal fields read as [erased]', async () => {
    const reportBefore = await cli(['report', '--store', db, '--format', 'json'])
    expect(reportBefore.code).toBe(0)
    const r = await cli(['forget', user, '--store', db])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      new RegExp(
        `^user ${user} is forgotten: their key is destroyed\\. \\d+ personal fields in \\d+ events now read as \\[erased\\]\\.`,
      ),
    )
    expect(r.stdout).toMatch(/in \d+ tickets? and 1 other stream \(organization\)\./)

    const after = await readProtected()
    expect(personalValuesOf(after, user).every((v) => v === ERASED)).toBe(true)
    expect(after).toEqual(erasedFor(before, user))
    expect(computeSynthesis(after)).toEqual(computeSynthesis(before))

    const reportAfter = await cli(['report', '--store', db, '--format', 'json'])
    expect(reportAfter.stdout).toBe(reportBefore.stdout)
    const verify = await cli(['verify', '--store', db])
    expect(verify.stdout).toMatch(/ 0 problems /)
    expect(verify.code).toBe(0)
  })

  it('exports with a manifest that verify accepts after the forgetting', async () => {
    const out = join(dir, 'history.ndjson')
    const heads = join(dir, 'heads.json')
    const ex = await cli(['export', '--store', db, '--out', out, '--manifest', heads])
    expect(ex.code).toBe(0)
    expect(ex.stdout).toMatch(/the head of \d+ streams written to/)
    expect(JSON.parse(readFileSync(heads, 'utf8'))).toMatchObject({
      format: 'soutien-stream-heads',
      version: 1,
      events: before.length,
    })
    const v = await cli(['verify', out, '--manifest', heads])
    expect(v.stdout).toMatch(/ 0 problems /)
    expect(v.code).toBe(0)
    // The exported history keeps the forgotten fields encrypted, never in clear.
    const text = readFileSync(out, 'utf8')
    for (const secret of personalValuesOf(before, user).filter((s) => s.length > 12))
      expect(text).not.toContain(secret)
  })

  it('says so when the person was already forgotten, and refuses a store without keys', async () => {
    const again = await cli(['forget', user, '--store', db])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/was already forgotten/)
    const bare = join(dir, 'bare.db')
    const s = openSqliteStore(bare)
    if (E.isRight(s)) await s.right.dispose()
    const none = await cli(['forget', user, '--store', bare])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(
      /key store .*bare\.db\.keys does not exist: without it nothing was stored encrypted/,
    )
    expect(existsSync(`${bare}.keys`)).toBe(false)
    expect((await cli(['forget', '--store', db])).code).toBe(2)
    expect((await cli(['forget', user])).code).toBe(2)
  })
})
