/**
 * `soutien simulate`: a realistic organisation and its activity, written as a
 * history file (or imported into a store), deterministic for a seed.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { isLeft } from 'fp-ts/lib/Either.js'
import { historyLine, importHistory } from '../../store/ndjson.js'
import { boolOpt, instantOpt, intOpt, parseArgs, stringOpt } from '../args.js'
import { dataError, usageError } from '../errors.js'
import type { CliCommand, CliIO } from '../io.js'
import { createProgress } from '../progress.js'
import { simulate } from '../simulate/engine.js'
import { defaultKeysPath, isEsdbUrl, openStore, withKeys } from '../source.js'

const help = `soutien simulate — make a realistic support history to try Soutien on

Usage: soutien simulate --tickets N [--seed N] [--days N] [--start ISO] [--out file | --store path.db|esdb://…]

A simulated organisation (three sites in Europe/Paris and America/Toronto, one
assistance desk each, every technician role, experts, managers, users across
workstation types) and its activity, driven through the command handler and the
timers: arrivals that follow working hours and weekdays, a mix of kinds, domains
and priorities, manual and automatic escalations, suspensions, reopenings,
satisfaction answers, major incidents with bulletins, and some breaches.
The same seed always gives the same file, byte for byte.

Options:
  --tickets N   how many tickets (required; up to 1,000,000)
  --seed N      random seed (default 1)
  --days N      calendar days the tickets arrive over (default: from the volume)
  --start ISO   first simulated instant (default 2026-03-02T00:00:00.000Z, a Monday)
  --out FILE    write the history there (default: standard output)
  --store S     import it into a store instead (SQLite file or esdb:// URL)
  --protect     with --store path.db: encrypt names and free text per person
                (keys in path.db.keys), so that 'soutien forget' can erase someone

Examples:
  soutien simulate --seed 7 --tickets 2000 --out month.ndjson
  soutien simulate --tickets 500 --store ./helpdesk.db
`

/**
 * Buffered synchronous writes of history lines to a file descriptor, 64 KiB at
 * a time: lines waiting in a larger buffer outlive the young generation and
 * are copied by every scavenge (a 1 MiB buffer cost the simulation ~8 %).
 */
const lineWriter = (fd: number) => {
  let buf: string[] = []
  let size = 0
  const flush = () => {
    if (buf.length === 0) return
    writeSync(fd, buf.join(''))
    buf = []
    size = 0
  }
  return {
    write: (s: string) => {
      buf.push(s)
      size += s.length
      if (size > 1 << 16) flush()
    },
    flush,
  }
}

const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** The one-line summary both ways of simulating print. */
const summaryLine = (s: Awaited<ReturnType<typeof simulate>>): string =>
  `${counted(s.tickets, 'ticket', 'tickets')}, ${counted(s.events, 'event', 'events')} from ${s.from} to ${s.to} (${counted(s.majorIncidents, 'major incident', 'major incidents')}, ${counted(s.timerCommands, 'timer command', 'timer commands')}, ${counted(
    Object.values(s.refused).reduce((a, b) => a + b, 0),
    'refused command',
    'refused commands',
  )})`

/**
 * With --protect, the simulation writes through the personal-data layer:
 * names and free text encrypted per person, keys in `<store>.keys`, so that
 * `soutien forget` can erase someone (docs/privacy.md).
 */
const simulateProtected = async (
  storeSpec: string,
  o: { seed: number; tickets: number; days: number | undefined; start: string | undefined },
  io: CliIO,
): Promise<number> => {
  const raw = await openStore('simulate', storeSpec, { mustExist: false })
  const head = await raw.headPosition()()
  if (isLeft(head) || head.right >= 0) {
    await raw.dispose()
    throw dataError(`simulate --protect needs a new, empty store; ${storeSpec} already holds events.`)
  }
  const store = withKeys(raw, defaultKeysPath(storeSpec) ?? `${storeSpec}.keys`, true)
  try {
    const summary = await simulate({
      seed: o.seed,
      tickets: o.tickets,
      ...(o.days === undefined ? {} : { days: o.days }),
      ...(o.start === undefined ? {} : { start: o.start as never }),
      store,
    })
    io.stdout.write(
      `${summaryLine(summary)}\nstored in ${storeSpec}, personal data encrypted with the keys in ${storeSpec}.keys\n`,
    )
    return 0
  } finally {
    await store.dispose()
  }
}

const run = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('simulate', args, {
    tickets: { type: 'string' },
    seed: { type: 'string' },
    days: { type: 'string' },
    start: { type: 'string' },
    out: { type: 'string', short: 'o' },
    store: { type: 'string' },
    protect: { type: 'boolean' },
  })
  if (p.positionals.length > 0) throw usageError(`simulate: unexpected argument "${p.positionals[0]}".`)
  const tickets = intOpt('simulate', p, 'tickets', 1, 1_000_000)
  if (tickets === undefined)
    throw usageError("simulate: --tickets is required (e.g. --tickets 2000). Try 'soutien simulate --help'.")
  const seed = intOpt('simulate', p, 'seed', 0, 2 ** 32 - 1) ?? 1
  const days = intOpt('simulate', p, 'days', 1, 3660)
  const start = instantOpt('simulate', p, 'start')
  const out = stringOpt(p, 'out')
  const storeSpec = stringOpt(p, 'store')
  if (out !== undefined && storeSpec !== undefined)
    throw usageError('simulate: give either --out or --store, not both.')
  const protect = boolOpt(p, 'protect')
  if (protect && (storeSpec === undefined || isEsdbUrl(storeSpec)))
    throw usageError('simulate: --protect goes with --store path.db (the keys are kept in path.db.keys).')
  if (protect && storeSpec !== undefined)
    return simulateProtected(storeSpec, { seed, tickets, days, start }, io)

  // Always write a file first (to a temporary name): a failed run leaves nothing half-written.
  const dir = mkdtempSync(join(tmpdir(), 'soutien-sim-'))
  const tmp = join(dir, 'history.ndjson')
  const fd = openSync(tmp, 'w')
  const writer = lineWriter(fd)
  const progress = createProgress('simulating', io.stderr)
  try {
    const summary = await simulate({
      seed,
      tickets,
      ...(days === undefined ? {} : { days }),
      ...(start === undefined ? {} : { start }),
      sink: (e) => writer.write(historyLine(e)),
      onProgress: (done, total) => progress.tick(done, total),
    })
    writer.flush()
    closeSync(fd)
    progress.done()
    const line = summaryLine(summary)
    if (storeSpec !== undefined) {
      const store = await openStore('simulate', storeSpec, { mustExist: false })
      try {
        const head = await store.headPosition()()
        if (isLeft(head)) throw dataError(`${storeSpec}: ${head.left.message}`)
        if (head.right >= 0)
          throw dataError(
            `${storeSpec} already holds events: simulate into a new store, or write a file with --out. Nothing was added.`,
          )
        const r = await importHistory(tmp, store)()
        if (isLeft(r)) throw dataError(`cannot import the simulation into ${storeSpec}: ${r.left.message}`)
      } finally {
        await store.dispose()
      }
      io.stdout.write(`${line}\nstored in ${storeSpec}\n`)
    } else if (out !== undefined) {
      try {
        renameSync(tmp, out)
      } catch {
        // Another file system: copy instead.
        const { copyFileSync } = await import('node:fs')
        try {
          copyFileSync(tmp, out)
        } catch (err) {
          throw dataError(`cannot write ${out}: ${(err as Error).message}`)
        }
      }
      io.stdout.write(`${line}\nwritten to ${out}\n`)
    } else {
      await pipeline(createReadStream(tmp), io.stdout, { end: false })
    }
    return 0
  } finally {
    progress.done()
    try {
      closeSync(fd)
    } catch {
      // already closed
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'make a realistic, reproducible support history (organisation and tickets)',
  help,
  run,
}
