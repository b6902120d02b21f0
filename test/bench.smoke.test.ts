/**
 * The benchmarks at tiny sizes (no targets: the figures mean nothing here), so
 * that `npm run bench` cannot rot; and the fast paths that the benchmarks led
 * to, checked against the slow ones they replace.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { renderTable } from '../bench/lib.js'
import { type BenchResults, runBench } from '../bench/run.js'
import { decodeCommand } from '../src/commands/codecs.js'
import { IsoInstant, instantMs, toInstant } from '../src/domain/codec.js'
import { decodeRecordedEvent } from '../src/domain/envelope.js'
import { mutate, pathsOf, slowed } from './support/json-paths.js'

describe('npm run bench, given wrong arguments', () => {
  it.each([
    [['--size', 'huge'], '--size must be full or smoke, not huge'],
    [['--only', 'replay,speed'], '--only: unknown section speed'],
    [['--fast'], "Unknown option '--fast'"],
  ])('refuses %j in one sentence, with exit code 2 and no stack trace', (args, message) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(`npm run bench: ${message}`)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stdout).toBe('')
  })
})

describe('npm run bench, at smoke size', () => {
  it('measures every figure, prints the table and writes results.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soutien-bench-smoke-'))
    const previous = process.env.SOUTIEN_BENCH_DIR
    process.env.SOUTIEN_BENCH_DIR = dir // children inherit it: histories and databases stay here
    try {
      const out = join(dir, 'results.json')
      const r = await runBench({ size: 'smoke', out, log: () => {} })
      const saved = JSON.parse(readFileSync(out, 'utf8')) as BenchResults
      expect(saved.rows.map((row) => row.key)).toEqual(r.rows.map((row) => row.key))
      const keys = r.rows.map((row) => row.key)
      for (const key of [
        'floor.eventsPerSecond',
        'replay.eventsPerSecond',
        'replay.ratioToFloor',
        'memory.ratio',
        'commands.memory.10.perSecond',
        'commands.memory.100.perSecond',
        'commands.memory.sizeRatio',
        'commands.memory.sizeRatioCpu',
        'commands.sqlite.perSecond',
        'commands.sqlite.p99ms',
        'calendar.addBusinessTime.5bd',
        'calendar.businessTime.90bd',
        'simulation.ticketsPerSecond',
        'simulation.floorTicketsPerSecond',
      ])
        expect(keys).toContain(key)
      for (const row of r.rows) {
        expect(Number.isFinite(row.figure.median) && row.figure.median > 0, row.key).toBe(true)
        expect(row.figure.min).toBeLessThanOrEqual(row.figure.median)
        expect(row.figure.max).toBeGreaterThanOrEqual(row.figure.median)
        expect(typeof row.met === 'boolean').toBe(row.target !== undefined)
      }
      // Every command of the mix was accepted: the throughput is that of real work.
      const details = r.details as Record<string, { rounds?: { refused: number }[] }>
      for (const k of ['commands.memory.10', 'commands.memory.100', 'commands.sqlite.10'])
        expect(
          details[k]?.rounds?.every((round) => round.refused === 0),
          k,
        ).toBe(true)
      const table = renderTable(r.rows)
      expect(table).toContain('replay (soutien report path)')
      expect(table).toMatch(/met|MISSED/)
    } finally {
      if (previous === undefined) delete process.env.SOUTIEN_BENCH_DIR
      else process.env.SOUTIEN_BENCH_DIR = previous
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})

// ---- the fast paths keep the behaviour of the code they replace -------------

const orThrow = <A>(f: () => A): A | 'throws' => {
  try {
    return f()
  } catch {
    return 'throws'
  }
}

/** The former checks: a round trip through `Date`. */
const slowIsoInstant = (s: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s)) return false
  const ms = Date.parse(s)
  return !Number.isNaN(ms) && new Date(ms).toISOString() === s
}

const digits = (max: number, width: number) =>
  fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'))
/** Instant-shaped strings, most in range, some not (month 13, day 31 of April, 24:00…). */
const instantLike = fc
  .tuple(
    digits(9999, 4),
    digits(13, 2),
    digits(32, 2),
    digits(25, 2),
    digits(61, 2),
    digits(61, 2),
    digits(999, 3),
  )
  .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`)

describe('the instant fast paths', () => {
  it('toInstant writes what Date#toISOString writes, and throws when it throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
          fc.integer({ min: 0, max: 253_402_300_799_999 }),
          fc.double(),
        ),
        (ms) => {
          expect(orThrow(() => toInstant(ms))).toBe(orThrow(() => new Date(ms).toISOString()))
        },
      ),
      { numRuns: 20_000 },
    )
    for (const ms of [0, 951_782_400_000, 4_107_542_400_000, 253_402_300_799_999, 253_402_300_800_000, -1])
      expect(toInstant(ms)).toBe(new Date(ms).toISOString())
  })

  it('toInstant answers the same from its cache of recent days', () => {
    const DAY = 86_400_000
    const T = Date.parse('2026-03-02T09:00:00.000Z')
    // Days that share a slot of the cache (64 days apart), one after the other.
    for (const ms of [T, T + 64 * DAY, T + 1, T + 128 * DAY + 7, T + 2, T - 64 * DAY])
      expect(toInstant(ms)).toBe(new Date(ms).toISOString())
    fc.assert(
      fc.property(fc.integer({ min: T - 400 * DAY, max: T + 400 * DAY }), (ms) => {
        // Twice: the second from the day it remembers.
        expect(toInstant(ms)).toBe(new Date(ms).toISOString())
        expect(toInstant(ms + 1)).toBe(new Date(ms + 1).toISOString())
      }),
      { numRuns: 2000 },
    )
  })

  it('IsoInstant accepts exactly the strings that survive a round trip through Date', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          instantLike,
          fc.string(),
          instantLike.map((s) => s.slice(1)),
        ),
        (s) => {
          expect(IsoInstant.is(s)).toBe(slowIsoInstant(s))
        },
      ),
      { numRuns: 20_000 },
    )
    for (const s of ['2024-02-29T00:00:00.000Z', '2100-02-29T00:00:00.000Z', '2000-02-29T23:59:59.999Z'])
      expect(IsoInstant.is(s)).toBe(slowIsoInstant(s))
  })

  it('instantMs is Date.parse', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          instantLike,
          fc.string(),
          fc
            .integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 })
            .map((ms) => new Date(ms).toISOString()),
        ),
        (s) => {
          expect(Object.is(instantMs(s), Date.parse(s))).toBe(true)
        },
      ),
      { numRuns: 20_000 },
    )
  })
})

const sameDecoding = <E, A>(decode: (u: unknown) => { _tag: string; left?: E; right?: A }, u: unknown) => {
  const fast = decode(u)
  const slow = decode(slowed(u))
  expect(fast._tag).toBe(slow._tag)
  if (fast._tag === 'Right') expect(JSON.stringify(fast.right)).toBe(JSON.stringify(slow.right))
  else expect(fast.left).toEqual(slow.left)
}

const line = (type: string, data: unknown, extra: Record<string, unknown> = {}) => ({
  id: '0190a0b0-0000-7000-8000-000000000001',
  stream: type === 'SupportPolicySet' ? 'organization' : 'ticket-T-1',
  revision: 0,
  position: 41,
  type,
  version: 1,
  at: '2026-03-02T09:15:00.000Z',
  actor: { id: 'agent-12', role: 'assistance' },
  data,
  meta: { commandId: 'c-1' },
  ...extra,
})

const EVENTS = [
  line('TicketOpened', {
    ticketId: 'T-1',
    requesterId: 'u-1',
    siteId: 'paris',
    workstationType: 'windows-laptop',
    deskId: 'desk-paris',
    channel: 'phone',
    summary: 'Outlook does not start',
  }),
  line('TicketQualified', { priority: 'P2', kind: 'incident', domain: 'office', diagnosis: 'profile' }),
  line('UserInformed', {
    kind: 'schedule',
    message: 'Tomorrow',
    expectedResolutionAt: '2026-03-03T10:00:00.000Z',
  }),
  line('TicketResolved', { resolutionCode: 'fixed', solution: 'Rebuilt.', knowledgeArticleId: 'kb-1' }),
  line('TicketClosed', {}),
  line('SupportPolicySet', {
    escalationDelays: { office: 'PT8H', network: 'PT4H' },
    resolutionTargets: { P1: 'PT4H' },
  }),
  line(
    'SupportPolicySet',
    {
      responseTarget: 'PT4H',
      escalationDelays: {},
      resolutionTargets: { P4: 'PT40H' },
      majorIncidentBulletinTarget: 'PT24H',
      qualityThresholds: {
        excellent: { responseCompliance: 0.95, satisfactionMean: 4.2 },
        good: { responseCompliance: 0.9 },
        fair: { satisfactionMean: 3, responseCompliance: 0.75 },
      },
    },
    { version: 2 },
  ),
]

describe('the strict codecs fast path', () => {
  it('decodes recorded events exactly as the slow path does, valid or not', () => {
    for (const e of EVENTS) sameDecoding(decodeRecordedEvent, e)
    const cases = EVENTS.flatMap((e) => pathsOf(e).map((p) => [e, p] as const))
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.constantFrom('replace', 'remove', 'add' as const),
        fc.jsonValue(),
        ([e, path], change, v) => {
          sameDecoding(decodeRecordedEvent, mutate(e, path, change, v))
        },
      ),
      { numRuns: 3_000 },
    )
  })

  it('decodes commands exactly as the slow path does, valid or not', () => {
    const commands = [
      { type: 'OpenTicket', ticketId: 'T-1', requesterId: 'u-1', channel: 'phone', summary: 'No mail' },
      { type: 'InformUser', ticketId: 'T-1', kind: 'answer', message: 'Done' },
      {
        type: 'SetSupportHours',
        siteId: 'paris',
        weekly: { mon: [['08:00', '12:00']], sat: [] },
        holidays: ['2026-05-01'],
      },
      {
        type: 'EnrollAgent',
        agentId: 'a-1',
        name: 'Léa',
        role: 'expert',
        siteIds: ['paris'],
        workstationTypes: ['mac'],
        domains: ['office'],
      },
    ]
    for (const c of commands) sameDecoding(decodeCommand, c)
    const cases = commands.flatMap((c) => pathsOf(c).map((p) => [c, p] as const))
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.constantFrom('replace', 'remove', 'add' as const),
        fc.jsonValue(),
        ([c, path], change, v) => {
          sameDecoding(decodeCommand, mutate(c, path, change, v))
        },
      ),
      { numRuns: 2_000 },
    )
  })
})
