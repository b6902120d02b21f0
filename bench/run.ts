/**
 * `npm run bench`: every figure of issue 6 with its target, printed as a table
 * and written to bench/results.json. See bench/README.md.
 *
 *   npm run bench                       # the full run (a few minutes)
 *   npm run bench -- --size smoke       # tiny sizes, no meaningful figures (test/bench.smoke.test.ts)
 *   npm run bench -- --only replay,commands --out /tmp/r.json
 *
 * Each measurement runs in a child process (bench/child.ts), so that figures
 * do not inherit each other's heap, JIT state or peak RSS.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, freemem, loadavg, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { benchDir, replicatedHistory, simulateHistory } from './histories.js'
import { BENCH_DIR, buildChildren, figureOf, type Row, renderTable, runChild, targetMet } from './lib.js'
import {
  CALENDAR_SPANS,
  type CalendarRates,
  type CommandBench,
  type CommandRun,
  type FloorAndReplay,
  type ReplayMemory,
  type SimulationRun,
} from './tasks.js'

export interface BenchSizes {
  /** Tickets of the simulated stretch that the replay histories replicate. */
  readonly baseTickets: number
  /** Events of the history that floor and replay read. */
  readonly replayEvents: number
  readonly replayRuns: number
  /** Events of the two histories whose replay's peak RSS is compared. */
  readonly memoryEvents: readonly [number, number]
  readonly memoryRuns: number
  readonly commandRounds: number
  /** In memory, the few-then-many pair of children is run this many times, back to back (see below). */
  readonly memoryPasses: number
  readonly memoryTicketsPerRound: number
  readonly sqliteTicketsPerRound: number
  /** Clients sending commands side by side to the SQLite store (each one at a time): the figure with targets. */
  readonly sqliteClients: number
  /** Tickets per round when the SQLite store has several clients. */
  readonly sqliteConcurrentTicketsPerRound: number
  /** A second, larger number of clients, measured without target (the scaling); none at smoke size. */
  readonly sqliteMoreClients?: number
  readonly prefill: readonly [number, number]
  readonly calendarMs: number
  readonly calendarRuns: number
  readonly simulationTickets: number
  readonly simulationRuns: number
}

export const SIZES: Readonly<Record<'full' | 'smoke', BenchSizes>> = {
  full: {
    baseTickets: 10_000,
    replayEvents: 1_000_000,
    replayRuns: 3,
    memoryEvents: [1_000_000, 5_000_000],
    memoryRuns: 3,
    commandRounds: 5,
    memoryPasses: 2,
    memoryTicketsPerRound: 4_000,
    sqliteTicketsPerRound: 300,
    sqliteClients: 8,
    sqliteConcurrentTicketsPerRound: 1_600,
    sqliteMoreClients: 16,
    prefill: [1_000, 100_000],
    calendarMs: 500,
    calendarRuns: 3,
    simulationTickets: 10_000,
    simulationRuns: 3,
  },
  smoke: {
    baseTickets: 60,
    replayEvents: 2_000,
    replayRuns: 1,
    memoryEvents: [1_000, 3_000],
    memoryRuns: 1,
    commandRounds: 1,
    memoryPasses: 1,
    memoryTicketsPerRound: 20,
    sqliteTicketsPerRound: 5,
    sqliteClients: 4,
    sqliteConcurrentTicketsPerRound: 8,
    prefill: [10, 100],
    calendarMs: 5,
    calendarRuns: 1,
    simulationTickets: 60,
    simulationRuns: 1,
  },
}

export const SECTIONS = ['replay', 'memory', 'commands', 'calendar', 'simulation'] as const
export type Section = (typeof SECTIONS)[number]

export interface BenchOptions {
  readonly size: 'full' | 'smoke'
  readonly only?: readonly Section[]
  /** Where results.json goes (default bench/results.json). */
  readonly out?: string
  readonly log?: (line: string) => void
}

export interface BenchResults {
  readonly startedAt: string
  readonly seconds: number
  readonly size: 'full' | 'smoke'
  readonly machine: Readonly<Record<string, unknown>>
  readonly rows: readonly (Row & { readonly met?: boolean })[]
  readonly details: Readonly<Record<string, unknown>>
}

const machine = () => {
  const cpu = cpus()
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  }
}

const fsOf = (dir: string): string => {
  try {
    return execFileSync('df', ['-T', dir], { encoding: 'utf8' }).split('\n')[1]?.split(/\s+/)[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export const runBench = async (options: BenchOptions): Promise<BenchResults> => {
  const sizes = SIZES[options.size]
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  const wanted = (s: Section) => options.only === undefined || options.only.includes(s)
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const rows: Row[] = []
  const details: Record<string, unknown> = { sizes, benchDir: benchDir(), fileSystem: fsOf(benchDir()) }
  const loads: number[][] = [loadavg()]
  log('compiling src/ and bench/ for the measuring processes (tsconfig.bench.json)…')
  buildChildren()

  // ---- the histories
  let base: string | undefined
  const baseHistory = async () => {
    if (base !== undefined) return base
    const path = join(benchDir(), `base-${sizes.baseTickets}.ndjson`)
    log(`simulating ${sizes.baseTickets} tickets for the replay histories…`)
    const sim = await simulateHistory(path, sizes.baseTickets)
    details.baseHistory = sim
    base = path
    return path
  }

  // ---- 1 and 2: floor and replay on the same file, in the same process
  if (wanted('replay')) {
    const h = replicatedHistory(await baseHistory(), sizes.replayEvents)
    log(`floor and replay: ${h.events} events, ${sizes.replayRuns} runs each…`)
    const r = await runChild<FloorAndReplay>('floorAndReplay', { file: h.path, runs: sizes.replayRuns })
    details.replay = { file: h.path, ...r }
    const floor = figureOf(r.floor)
    const replay = figureOf(r.replay)
    rows.push(
      { key: 'floor.eventsPerSecond', label: 'floor: split + JSON.parse', unit: 'events/s', figure: floor },
      {
        key: 'replay.eventsPerSecond',
        label: 'replay (soutien report path)',
        unit: 'events/s',
        figure: replay,
        target: { op: '>=', bound: 250_000 },
      },
      {
        key: 'replay.ratioToFloor',
        label: 'replay ÷ floor (same file, same run)',
        unit: '×',
        figure: figureOf(r.replay.map((x, i) => x / r.floor[i]!)),
        target: { op: '>=', bound: 0.6 },
      },
    )
    loads.push(loadavg())
  }

  // ---- 4: peak RSS of a replay, small and large history
  if (wanted('memory')) {
    const peaks: number[][] = []
    for (const n of sizes.memoryEvents) {
      const h = replicatedHistory(await baseHistory(), n)
      log(`peak RSS of a replay of ${h.events} events, ${sizes.memoryRuns} runs…`)
      // One at a time: side by side on two cores, each replay's collector got
      // less CPU and the peaks of the 5M replay spread over 5 % (one at a time: under 1 %).
      const runs: ReplayMemory[] = []
      for (let i = 0; i < sizes.memoryRuns; i++)
        runs.push(await runChild<ReplayMemory>('replayMemory', { file: h.path }))
      details[`memory${n}`] = { file: h.path, runs }
      peaks.push(runs.map((r) => r.maxRssMB))
      rows.push({
        key: `memory.peakRssMB.${n}`,
        label: `peak RSS, replay of ${h.events.toLocaleString('en-US')} events`,
        unit: 'MB',
        figure: figureOf(runs.map((r) => r.maxRssMB)),
        ...(n === sizes.memoryEvents[1] ? { target: { op: '<=', bound: 512 } as const } : {}),
      })
    }
    const [small, large] = peaks
    if (small !== undefined && large !== undefined)
      rows.push({
        key: 'memory.ratio',
        label: `peak RSS ratio, ${sizes.memoryEvents[1].toLocaleString('en-US')} ÷ ${sizes.memoryEvents[0].toLocaleString('en-US')} events`,
        unit: '×',
        figure: figureOf(large.map((l, i) => l / small[i]!)),
        target: { op: '<=', bound: 1.5 },
      })
    loads.push(loadavg())
  }

  // ---- 3: the command handler
  if (wanted('commands')) {
    const run = async (
      store: 'memory' | 'sqlite',
      prefill: number,
      ticketsPerRound: number,
      clients = 1,
      detailsKey = `commands.${store}.${prefill}`,
    ) => {
      log(
        `commands on ${store}, ${prefill} tickets stored, ${clients} client${clients === 1 ? '' : 's'}, ${sizes.commandRounds} rounds of ${ticketsPerRound} tickets…`,
      )
      const r = await runChild<CommandBench>('commands', {
        store,
        prefill,
        ticketsPerRound,
        clients,
        // One more round than counted: the first warms the JIT up.
        rounds: sizes.commandRounds + 1,
      })
      const counted = r.rounds.length > 1 ? r.rounds.slice(1) : r.rounds
      details[detailsKey] = r
      return counted
    }
    const [few, many] = sizes.prefill
    // Few, then many, and again: the ratio pairs rounds of children run minutes
    // apart at most, so that a drift of the shared machine weighs on both sides.
    const memFew: CommandRun[] = []
    const memMany: CommandRun[] = []
    for (let pass = 0; pass < sizes.memoryPasses; pass++) {
      const suffix = pass === 0 ? '' : `.pass${pass + 1}`
      memFew.push(
        ...(await run('memory', few, sizes.memoryTicketsPerRound, 1, `commands.memory.${few}${suffix}`)),
      )
      memMany.push(
        ...(await run('memory', many, sizes.memoryTicketsPerRound, 1, `commands.memory.${many}${suffix}`)),
      )
    }
    // SQLite as a host uses it: several users' commands in flight, committed
    // together (group commit). 8 clients: by Little's law a host taking 3,000
    // commands/s at 1–2 ms each has 3–6 in flight; more clients measure the
    // queueing of a saturated host (latency = clients ÷ throughput), shown
    // without target. And one client alone, for comparison.
    const clients = sizes.sqliteClients
    const sqlite = await run('sqlite', few, sizes.sqliteConcurrentTicketsPerRound, clients)
    const more = sizes.sqliteMoreClients
    const sqliteMore =
      more === undefined
        ? undefined
        : await run(
            'sqlite',
            few,
            sizes.sqliteConcurrentTicketsPerRound,
            more,
            `commands.sqlite.${few}.${more}clients`,
          )
    const sqliteAlone = await run(
      'sqlite',
      few,
      sizes.sqliteTicketsPerRound,
      1,
      `commands.sqlite.${few}.single`,
    )
    const per = (rs: readonly { perSecond: number }[]) => figureOf(rs.map((r) => r.perSecond))
    /** Throughput, p50 and p99 of one SQLite measurement; the targets only on the one they are set for. */
    const sqliteRows = (
      key: string,
      n: number,
      rs: readonly { perSecond: number; p50ms: number; p99ms: number }[],
      withTargets: boolean,
    ): Row[] => {
      const who = n === 1 ? '1 client' : `${n} clients`
      return [
        {
          key: `${key}.perSecond`,
          label: withTargets ? `commands, SQLite (WAL, sync FULL), ${who}` : `commands, SQLite, ${who}`,
          unit: 'commands/s',
          figure: per(rs),
          ...(withTargets
            ? {
                target: { op: '>=', bound: 3_000 },
                note: `${n} clients side by side, each sending its next command once the previous is durably acknowledged`,
              }
            : {}),
        },
        {
          key: `${key}.p50ms`,
          label: `SQLite, ${who}: p50 latency`,
          unit: 'ms',
          figure: figureOf(rs.map((r) => r.p50ms)),
        },
        {
          key: `${key}.p99ms`,
          label: `SQLite, ${who}: p99 latency`,
          unit: 'ms',
          figure: figureOf(rs.map((r) => r.p99ms)),
          ...(withTargets ? { target: { op: '<=', bound: 5 } } : {}),
        },
      ]
    }
    rows.push(
      {
        key: `commands.memory.${few}.perSecond`,
        label: `commands, in memory, ${few.toLocaleString('en-US')} tickets stored`,
        unit: 'commands/s',
        figure: per(memFew),
        target: { op: '>=', bound: 30_000 },
      },
      {
        key: `commands.memory.${many}.perSecond`,
        label: `commands, in memory, ${many.toLocaleString('en-US')} tickets stored`,
        unit: 'commands/s',
        figure: per(memMany),
        target: { op: '>=', bound: 30_000 },
      },
      {
        key: 'commands.memory.sizeRatio',
        label: `in memory: ${many.toLocaleString('en-US')} ÷ ${few.toLocaleString('en-US')} tickets stored`,
        unit: '×',
        figure: figureOf(memMany.map((r, i) => r.perSecond / (memFew[i] ?? memFew[0]!).perSecond)),
        target: { op: '>=', bound: 0.9 },
        note: 'round i with many tickets stored over round i with few, in the same pass; "as fast" read as within 10 %',
      },
      {
        // The same pairs by the work done rather than the time taken: the
        // process's CPU time per command (its collector's threads included),
        // which waiting for a core on a shared machine does not inflate.
        key: 'commands.memory.sizeRatioCpu',
        label: 'in memory: the same, by CPU time per command',
        unit: '×',
        figure: figureOf(
          memMany.map((r, i) => {
            const f = memFew[i] ?? memFew[0]!
            return f.processCpuMs / f.commands / (r.processCpuMs / r.commands)
          }),
        ),
        note: 'process CPU time per command with few tickets stored over that with many, round by round (no target: the target is on time)',
      },
      {
        key: 'commands.memory.p50ms',
        label: 'in memory: p50 latency',
        unit: 'ms',
        figure: figureOf(memFew.map((r) => r.p50ms)),
      },
      {
        key: 'commands.memory.p99ms',
        label: 'in memory: p99 latency',
        unit: 'ms',
        figure: figureOf(memFew.map((r) => r.p99ms)),
      },
      ...sqliteRows('commands.sqlite', clients, sqlite, true),
      ...(more === undefined || sqliteMore === undefined
        ? []
        : sqliteRows('commands.sqlite.more', more, sqliteMore, false)),
      ...sqliteRows('commands.sqlite.single', 1, sqliteAlone, false),
    )
    loads.push(loadavg())
  }

  // ---- 5: the calendar
  if (wanted('calendar')) {
    log(`calendar: ${sizes.calendarRuns} runs…`)
    const runs: CalendarRates[] = []
    for (let i = 0; i < sizes.calendarRuns; i++)
      runs.push(await runChild<CalendarRates>('calendar', { minMs: sizes.calendarMs }))
    details.calendar = runs
    for (const span of CALENDAR_SPANS) {
      const upTo5 = span.key !== '90bd'
      rows.push({
        key: `calendar.addBusinessTime.${span.key}`,
        label: `addBusinessTime, ${span.label}`,
        unit: 'calls/s',
        figure: figureOf(runs.map((r) => r.add[span.key]!)),
        ...(upTo5 ? { target: { op: '>=', bound: 500_000 } as const } : {}),
      })
    }
    for (const span of CALENDAR_SPANS)
      rows.push({
        key: `calendar.businessTime.${span.key}`,
        label: `businessTime, ${span.label}`,
        unit: 'calls/s',
        figure: figureOf(runs.map((r) => r.between[span.key]!)),
      })
    loads.push(loadavg())
  }

  // ---- 6: the simulation
  if (wanted('simulation')) {
    log(`simulation: ${sizes.simulationTickets} tickets, ${sizes.simulationRuns} runs…`)
    const runs: SimulationRun[] = []
    for (let i = 0; i < sizes.simulationRuns; i++)
      runs.push(
        await runChild<SimulationRun>('simulation', { tickets: sizes.simulationTickets, seed: 7 + i }),
      )
    details.simulation = runs
    rows.push({
      key: 'simulation.ticketsPerSecond',
      label: `simulate --tickets ${sizes.simulationTickets.toLocaleString('en-US')}`,
      unit: 'tickets/s',
      figure: figureOf(runs.map((r) => r.ticketsPerSecond)),
      target: { op: '>=', bound: 20_000 },
    })
    // What the target leaves per event, against what validating, sealing and writing it alone cost.
    rows.push({
      key: 'simulation.floorTicketsPerSecond',
      label: 'simulation floor: validate + seal + line, per event',
      unit: 'tickets/s',
      figure: figureOf(runs.map((r) => r.floorTicketsPerSecond)),
    })
    loads.push(loadavg())
  }

  details.loadAverages = loads.map((l) => l.map((x) => Math.round(x * 100) / 100))
  const results: BenchResults = {
    startedAt,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    size: options.size,
    machine: machine(),
    rows: rows.map((r) => {
      const met = targetMet(r)
      return met === undefined ? r : { ...r, met }
    }),
    details,
  }
  writeFileSync(options.out ?? join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  return results
}

/** Wrong arguments: exit 2, before anything is measured. */
class UsageError extends Error {}

const argsOf = () => {
  try {
    return parseArgs({
      options: {
        size: { type: 'string', default: 'full' },
        only: { type: 'string' },
        out: { type: 'string' },
      },
    })
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
}

const main = async () => {
  const { values } = argsOf()
  const size = values.size
  if (size !== 'full' && size !== 'smoke') throw new UsageError(`--size must be full or smoke, not ${size}`)
  const only = values.only?.split(',').map((s) => s.trim())
  for (const s of only ?? [])
    if (!(SECTIONS as readonly string[]).includes(s))
      throw new UsageError(`--only: unknown section ${s} (${SECTIONS.join(', ')})`)
  const r = await runBench({
    size,
    ...(only === undefined ? {} : { only: only as Section[] }),
    ...(values.out === undefined ? {} : { out: values.out }),
  })
  const m = r.machine
  process.stdout.write(
    `\n${renderTable(r.rows)}\n\n${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, Node ${m.node}; load average ${(m.loadAverage as number[]).join(' ')}; ${r.seconds} s\nresults: ${values.out ?? join(BENCH_DIR, 'results.json')}\n`,
  )
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]))
  await main().catch((err: unknown) => {
    // One sentence, no stack trace: a bad argument, a failed compilation, a child that failed.
    process.stderr.write(`npm run bench: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = err instanceof UsageError ? 2 : 1
  })
