/**
 * The measurements themselves. Each runs inside a child process started by
 * bench/run.ts (bench/child.ts), so that every figure starts from a fresh heap.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { isLeft } from 'fp-ts/lib/Either.js'
import { computeReport } from '../src/cli/commands/report.js'
import { foldHistory } from '../src/cli/commands/sla.js'
import type { CliIO } from '../src/cli/io.js'
import {
  deskOf,
  FR_HOLIDAYS_2026,
  planOrganization,
  type UserPlan,
} from '../src/cli/simulate/organization.js'
import { createRandom } from '../src/cli/simulate/random.js'
import { openHistory } from '../src/cli/source.js'
import { type CommandRequest, createCommandHandler } from '../src/commands/handler.js'
import { type Calendar, makeCalendar, type WeeklyPattern } from '../src/domain/calendar.js'
import { type IsoInstant, toInstant } from '../src/domain/codec.js'
import type { Command, TicketCommand } from '../src/domain/commands.js'
import { type RecordedEvent, validateEventData } from '../src/domain/envelope.js'
import { sealEvents } from '../src/domain/hash-chain.js'
import type { Actor } from '../src/domain/vocabulary.js'
import { createMemoryStore } from '../src/store/memory.js'
import { fileChunks, historyLine, readHistoryBatches } from '../src/store/ndjson.js'
import { canImportAtomically, type EventStore, type EventToImport } from '../src/store/port.js'
import { openSqliteStore } from '../src/store/sqlite.js'
import { benchDir, simulateHistory } from './histories.js'
import { collect, percentile } from './lib.js'

// ---- 1 and 2: the parse floor and the replay --------------------------------

/**
 * Split the file into lines and `JSON.parse` each: the floor of any replay. It
 * reads the file as the replay does (`fileChunks`, 64 KiB at a time), so that
 * the ratio compares parsing with everything the replay adds, not two readers.
 */
export const parseFloor = async (file: string): Promise<number> => {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  let events = 0
  let last: unknown
  for await (const chunk of fileChunks(file)) {
    const text = rest + decoder.write(chunk as Buffer)
    let start = 0
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      if (nl > start) {
        last = JSON.parse(text.slice(start, nl))
        events++
      }
      start = nl + 1
    }
    rest = text.slice(start)
  }
  if (rest.length > 0) {
    last = JSON.parse(rest)
    events++
  }
  if (last === undefined) throw new Error(`${file} is empty`)
  return events
}

const discard = () =>
  new Writable({
    write: (_chunk, _encoding, done) => {
      done()
    },
  })

const silentIO = (): CliIO => ({
  stdout: discard(),
  stderr: discard(),
  stdin: process.stdin,
  env: {},
})

/**
 * What `soutien report <file>` computes, without rendering: read, parse,
 * decode and check every line (io-ts codecs, upcasters, sequence), fold the
 * service levels and quality projections, then the synthesis.
 */
export const replayReport = async (file: string): Promise<number> => {
  const io = silentIO()
  const source = await openHistory('report', file, undefined, io)
  const folded = await foldHistory(source, io, { withQuality: true, label: 'reading' })
  const report = computeReport(folded, {}, undefined)
  if (report.synthesis === undefined) throw new Error('no synthesis')
  return folded.events
}

export interface FloorAndReplay {
  readonly events: number
  /** events/s of each run. */
  readonly floor: readonly number[]
  readonly replay: readonly number[]
}

const timed = async (f: () => Promise<number>): Promise<{ count: number; seconds: number }> => {
  collect()
  const t0 = performance.now()
  const count = await f()
  return { count, seconds: (performance.now() - t0) / 1000 }
}

/** Floor and replay alternately on the same file, in the same process. */
export const floorAndReplay = async (args: { file: string; runs: number }): Promise<FloorAndReplay> => {
  const floor: number[] = []
  const replay: number[] = []
  let events = 0
  for (let i = 0; i < args.runs; i++) {
    const f = await timed(() => parseFloor(args.file))
    const r = await timed(() => replayReport(args.file))
    if (f.count !== r.count) throw new Error(`floor read ${f.count} lines, replay ${r.count} events`)
    events = r.count
    floor.push(f.count / f.seconds)
    replay.push(r.count / r.seconds)
  }
  return { events, floor, replay }
}

// ---- 4: peak memory of a replay ---------------------------------------------

export interface ReplayMemory {
  readonly events: number
  readonly seconds: number
  /** Peak resident set size of this process, MB. */
  readonly maxRssMB: number
}

export const replayMemory = async (args: { file: string }): Promise<ReplayMemory> => {
  const r = await timed(() => replayReport(args.file))
  return { events: r.count, seconds: r.seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }
}

// ---- 3: the command handler -------------------------------------------------

export interface CommandRun {
  readonly commands: number
  readonly perSecond: number
  readonly p50ms: number
  readonly p99ms: number
  readonly refused: number
  /**
   * CPU time of the round, ms: the main thread's (Linux, 10 ms ticks; NaN
   * elsewhere) and the whole process's (the collector's helper threads too).
   * Beside the wall time, they tell work from waiting for a core.
   */
  readonly mainThreadCpuMs: number
  readonly processCpuMs: number
}

export interface CommandBench {
  readonly store: 'memory' | 'sqlite'
  /** Clients sending commands at once, each one at a time (1: strictly sequential). */
  readonly clients: number
  readonly prefilledTickets: number
  readonly storedEvents: number
  readonly prefillSeconds: number
  readonly rounds: readonly CommandRun[]
}

const BASE = Date.parse('2026-03-02T08:00:00.000Z')

/** A ticket's life through the handler: the mix a support desk sends all day. */
const ticketLife = (
  ticketId: string,
  user: UserPlan,
  assistance: Actor,
  owner: Actor,
): readonly { command: TicketCommand; actor: Actor }[] => [
  {
    command: {
      type: 'OpenTicket',
      ticketId,
      requesterId: user.userId,
      channel: 'phone',
      summary: 'Outlook does not start',
    },
    actor: assistance,
  },
  {
    command: {
      type: 'QualifyTicket',
      ticketId,
      kind: 'incident',
      domain: 'office',
      priority: 'P3',
      diagnosis: 'Corrupted profile.',
    },
    actor: assistance,
  },
  { command: { type: 'AssignTicket', ticketId, ownerId: owner.id }, actor: assistance },
  {
    command: { type: 'InformUser', ticketId, kind: 'answer', message: 'A technician is on it.' },
    actor: owner,
  },
  {
    command: {
      type: 'ResolveTicket',
      ticketId,
      resolutionCode: 'fixed',
      solution: 'Profile rebuilt and mail archive reattached.',
    },
    actor: owner,
  },
  {
    command: { type: 'InformUser', ticketId, kind: 'restoration', message: 'Outlook works again.' },
    actor: owner,
  },
  { command: { type: 'CloseTicket', ticketId }, actor: owner },
]

interface Desk {
  readonly users: readonly UserPlan[]
  readonly assistanceOf: (u: UserPlan) => Actor
  readonly ownerOf: (u: UserPlan) => Actor
}

/** Build the simulated organisation through the handler, as `simulate` does. */
const bootstrap = async (
  handle: (r: CommandRequest) => Promise<boolean>,
  userCount: number,
): Promise<Desk> => {
  const org = planOrganization(createRandom(11), userCount)
  let organizer: Actor = { id: 'bootstrap', role: 'system' }
  for (const c of org.commands) {
    if (!(await handle({ command: c as Command, actor: organizer })))
      throw new Error(`bench: the organisation command ${c.type} was refused`)
    if (c.type === 'EnrollAgent' && c.role === 'manager') organizer = { id: c.agentId, role: 'manager' }
  }
  const assistanceOf = (u: UserPlan): Actor => {
    const a = org.agents.find((x) => x.role === 'assistance' && x.deskId === deskOf(u.siteId))
    if (a === undefined) throw new Error(`no assistance for ${u.siteId}`)
    return { id: a.agentId, role: 'assistance' }
  }
  const ownerOf = (u: UserPlan): Actor => {
    const a = org.agents.find(
      (x) =>
        x.role === 'office-technician' &&
        x.siteIds.includes(u.siteId) &&
        x.workstationTypes.includes(u.workstationType),
    )
    if (a === undefined) throw new Error(`no office technician for ${u.userId}`)
    return { id: a.agentId, role: 'office-technician' }
  }
  return { users: org.users, assistanceOf, ownerOf }
}

/**
 * Tickets already stored, without paying for them through the handler: the
 * events of one real ticket life, copied under new ids (validated by the
 * store's atomic import like any import).
 */
const prefill = async (store: EventStore, template: readonly RecordedEvent[], tickets: number) => {
  if (!canImportAtomically(store)) throw new Error('the store cannot import')
  async function* events(): AsyncIterable<EventToImport> {
    for (let i = 0; i < tickets; i++) {
      const ticketId = `P-${String(i).padStart(7, '0')}`
      // A year before the measured tickets, one minute apart.
      const shift = i * 60_000 - 365 * 86_400_000
      for (const e of template) {
        yield {
          id: `prefill-${i}-${e.revision}`,
          stream: `ticket-${ticketId}`,
          revision: e.revision,
          type: e.type,
          version: e.version,
          at: toInstant(Date.parse(e.at) + shift),
          actor: e.actor,
          data: e.type === 'TicketOpened' ? { ...e.data, ticketId } : e.data,
          meta: {},
        } as EventToImport
      }
    }
  }
  const r = await store.importAtomically(events())()
  if (isLeft(r)) throw new Error(`prefill refused: ${r.left.message}`)
}

/** CPU time of this process's main thread so far, ms (Linux: /proc; NaN elsewhere). */
const mainThreadCpuMs = (): number => {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    // After the command name (in parentheses, which may hold spaces): utime and stime are the 12th and 13th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return Number.NaN
  }
}

export const commandBench = async (args: {
  store: 'memory' | 'sqlite'
  prefill: number
  ticketsPerRound: number
  rounds: number
  users?: number
  /** Default 1. */
  clients?: number
}): Promise<CommandBench> => {
  const clients = Math.max(1, Math.floor(args.clients ?? 1))
  let file: string | undefined
  let store: EventStore
  if (args.store === 'memory') store = createMemoryStore()
  else {
    file = join(benchDir(), `commands-${process.pid}.db`)
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true })
    // Durable: synchronous FULL (the default) in WAL mode; appends that arrive
    // together are committed together (group commit), none acknowledged before its fsync.
    const opened = openSqliteStore(file, { synchronous: 'FULL' })
    if (isLeft(opened)) throw new Error(opened.left.message)
    store = opened.right
  }
  let tick = 0
  const clock = { now: (): IsoInstant => toInstant(BASE + tick++ * 1000) }
  const handler = createCommandHandler({ store, clock })
  let refused = 0
  const handle = async (r: CommandRequest): Promise<boolean> => {
    const out = await handler.handle(r)()
    if (isLeft(out)) {
      refused++
      return false
    }
    return true
  }
  const desk = await bootstrap(handle, args.users ?? 300)
  const lifeOf = (n: number, tag: string) => {
    const user = desk.users[n % desk.users.length]!
    return ticketLife(`${tag}-${n}`, user, desk.assistanceOf(user), desk.ownerOf(user))
  }

  // One ticket through the handler gives the template of the stored ones.
  for (const step of lifeOf(0, 'TEMPLATE')) await handle(step)
  const template = await store.readStream('ticket-TEMPLATE-0')()
  if (isLeft(template) || template.right.length !== 7)
    throw new Error(`the template ticket was refused (${refused} refusals)`)
  const t0 = performance.now()
  if (args.prefill > 0) await prefill(store, template.right, args.prefill)
  const prefillSeconds = (performance.now() - t0) / 1000

  const rounds: CommandRun[] = []
  let next = 0
  for (let r = 0; r < args.rounds; r++) {
    const lives = Array.from({ length: args.ticketsPerRound }, () => lifeOf(next++, 'B'))
    const latencies = new Float64Array(lives.length * 7)
    let k = 0
    const refusedBefore = refused
    // Ticket i belongs to client i mod clients. Each client sends one command
    // at a time (the next once the previous is acknowledged), step by step
    // across its tickets (many tickets in flight, as at a desk); the clients
    // run side by side, as the users of one host do. A latency runs from the
    // submission to the acknowledgement (for SQLite: after the commit's fsync).
    const shares = Array.from({ length: clients }, (_, c) => lives.filter((_, i) => i % clients === c))
    collect()
    const cpu0 = process.cpuUsage()
    const thread0 = mainThreadCpuMs()
    const start = performance.now()
    await Promise.all(
      shares.map(async (mine) => {
        for (let step = 0; step < 7; step++)
          for (const life of mine) {
            const s = performance.now()
            await handle(life[step]!)
            latencies[k++] = performance.now() - s
          }
      }),
    )
    const seconds = (performance.now() - start) / 1000
    const cpu = process.cpuUsage(cpu0)
    const thread = mainThreadCpuMs() - thread0
    const values = Array.from(latencies)
    rounds.push({
      commands: k,
      perSecond: k / seconds,
      p50ms: percentile(values, 50),
      p99ms: percentile(values, 99),
      refused: refused - refusedBefore,
      mainThreadCpuMs: thread,
      processCpuMs: (cpu.user + cpu.system) / 1000,
    })
  }
  const head = await store.headPosition()()
  await store.dispose()
  if (file !== undefined) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true })
  return {
    store: args.store,
    clients,
    prefilledTickets: args.prefill,
    storedEvents: isLeft(head) ? -1 : head.right + 1,
    prefillSeconds,
    rounds,
  }
}

// ---- 5: the calendar ---------------------------------------------------------

// The calendar of bench/calendar.ts: an office week in Europe/Paris with the
// French holidays, starts spread over 2026 (clock changes included).
const OFFICE = [
  ['08:00', '12:00'],
  ['13:30', '18:00'],
] as const
const HOLIDAYS_2026 = FR_HOLIDAYS_2026 // the simulated Paris site's holidays
const HOUR = 3_600_000
export const CALENDAR_SPANS = [
  { key: '1h', label: '1 h', ms: HOUR },
  { key: '1bd', label: '1 business day (8.5 h)', ms: 8.5 * HOUR },
  { key: '5bd', label: '5 business days (42.5 h)', ms: 42.5 * HOUR },
  { key: '90bd', label: '90 business days (765 h)', ms: 765 * HOUR },
] as const

export interface CalendarRates {
  /** Per span key: addBusinessTime calls/s and businessTime calls/s. */
  readonly add: Readonly<Record<string, number>>
  readonly between: Readonly<Record<string, number>>
}

export const calendarBench = (args: { minMs: number }): CalendarRates => {
  const weekly: WeeklyPattern = { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE }
  const made = makeCalendar({ weekly, holidays: HOLIDAYS_2026 }, 'Europe/Paris')
  if (isLeft(made)) throw new Error(made.left.message)
  const cal: Calendar = made.right
  const N = 4096
  const starts = new Float64Array(N)
  let seed = 42
  for (let i = 0; i < N; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    starts[i] = Date.UTC(2026, 0, 1) + Math.floor((seed / 2147483648) * 365 * 24 * HOUR)
  }
  let sink = 0
  const rate = (f: (a: number) => number): number => {
    for (let i = 0; i < 20_000; i++) sink += f(starts[i % N]!)
    let calls = 0
    const t0 = performance.now()
    let elapsed = 0
    while (elapsed < args.minMs) {
      for (let i = 0; i < 2_000; i++) sink += f(starts[(calls + i) % N]!)
      calls += 2_000
      elapsed = performance.now() - t0
    }
    return (calls / elapsed) * 1000
  }
  const add: Record<string, number> = {}
  const between: Record<string, number> = {}
  for (const span of CALENDAR_SPANS) {
    add[span.key] = rate((a) => cal.addBusinessTime(a, span.ms))
    const ends = new Float64Array(N)
    for (let i = 0; i < N; i++) ends[i] = cal.addBusinessTime(starts[i]!, span.ms) - starts[i]!
    let k = 0
    between[span.key] = rate((a) => cal.businessTime(a, a + ends[k++ % N]!))
  }
  if (Number.isNaN(sink)) throw new Error('unreachable')
  return { add, between }
}

// ---- 6: the simulation -------------------------------------------------------

export interface SimulationRun {
  readonly tickets: number
  readonly events: number
  readonly seconds: number
  readonly ticketsPerSecond: number
  /** The sealing floor on the same events, as tickets per second (see `sealingFloor`). */
  readonly floorTicketsPerSecond: number
  /** Its parts, µs per event: data validation, sealing into the hash chain, the NDJSON line. */
  readonly floorMicros: { readonly validate: number; readonly seal: number; readonly line: number }
}

/**
 * The work no simulator can skip for an event of a valid, sealed history,
 * deciding nothing: validate its data against its schema (`validateEventData`,
 * what the handler checks of every decision), seal it into its stream's hash
 * chain (`sealEvents`: the canonical form and its SHA-256) and build its
 * NDJSON line (`historyLine`), on the very events `simulate` wrote. The best of
 * three passes (warm), µs per event for each part.
 */
const sealingFloor = async (path: string): Promise<{ validate: number; seal: number; line: number }> => {
  const events: RecordedEvent[] = []
  for await (const batch of readHistoryBatches(path)) for (const e of batch) events.push(e)
  const n = events.length
  const best = {
    validate: Number.POSITIVE_INFINITY,
    seal: Number.POSITIVE_INFINITY,
    line: Number.POSITIVE_INFINITY,
  }
  let sink = 0
  for (let pass = 0; pass < 3; pass++) {
    let t = performance.now()
    for (const e of events)
      if (isLeft(validateEventData(e))) throw new Error(`event ${e.id} does not validate`)
    best.validate = Math.min(best.validate, (performance.now() - t) / n)
    const heads = new Map<string, RecordedEvent>()
    t = performance.now()
    for (const e of events) {
      const sealed = sealEvents(e.stream, heads.get(e.stream), e.revision, [e])[0]!
      heads.set(e.stream, sealed)
    }
    best.seal = Math.min(best.seal, (performance.now() - t) / n)
    t = performance.now()
    for (const e of events) sink += historyLine(e).length
    best.line = Math.min(best.line, (performance.now() - t) / n)
  }
  if (sink === 0) throw new Error('unreachable')
  return { validate: best.validate * 1000, seal: best.seal * 1000, line: best.line * 1000 }
}

/** `soutien simulate --tickets N --out file`, timed from the first ticket to the last line written; then its sealing floor. */
export const simulationBench = async (args: { tickets: number; seed: number }): Promise<SimulationRun> => {
  const path = join(benchDir(), `simulate-${process.pid}.ndjson`)
  const r = await simulateHistory(path, args.tickets, args.seed)
  const floor = await sealingFloor(path)
  rmSync(path, { force: true })
  const floorSeconds = ((floor.validate + floor.seal + floor.line) * r.events) / 1e6
  return {
    tickets: r.tickets,
    events: r.events,
    seconds: r.seconds,
    ticketsPerSecond: r.tickets / r.seconds,
    floorTicketsPerSecond: r.tickets / floorSeconds,
    floorMicros: floor,
  }
}
