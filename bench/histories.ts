/**
 * The histories the benches replay: one simulated stretch of activity
 * (`simulate`, as `soutien simulate` writes it), then, for millions of events,
 * that stretch replicated back to back — the organisation once, then every
 * ticket, major incident and knowledge article again under new ids, shifted by
 * whole weeks (weekdays and business hours stay as simulated), with fresh event
 * ids and global positions. Every copy is a valid history: the replay decodes
 * and checks it like any file.
 *
 * Simulating millions of events would take minutes; replicating takes seconds,
 * and the files are cached by content (the base history is deterministic).
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simulate } from '../src/cli/simulate/engine.js'
import { toInstant } from '../src/domain/codec.js'
import { historyLine } from '../src/store/ndjson.js'

const WEEK = 7 * 24 * 3_600_000

/** Buffered synchronous writes to a file (what `soutien simulate` does). */
export const lineWriter = (path: string) => {
  const fd = openSync(path, 'w')
  let parts: string[] = []
  let size = 0
  const flush = () => {
    if (parts.length === 0) return
    writeSync(fd, parts.join(''))
    parts = []
    size = 0
  }
  return {
    write: (s: string) => {
      parts.push(s)
      size += s.length
      if (size >= 1 << 20) flush()
    },
    close: () => {
      flush()
      closeSync(fd)
    },
  }
}

/** Where histories and databases go: `SOUTIEN_BENCH_DIR`, else a directory of the system's temporary one. */
export const benchDir = (): string => {
  const dir = process.env.SOUTIEN_BENCH_DIR ?? join(tmpdir(), 'soutien-bench')
  mkdirSync(dir, { recursive: true })
  return dir
}

export interface SimulatedHistory {
  readonly path: string
  readonly tickets: number
  readonly events: number
  readonly seconds: number
}

/** Simulate `tickets` tickets into `path` (through the command handler and the timers). */
export const simulateHistory = async (path: string, tickets: number, seed = 7): Promise<SimulatedHistory> => {
  const tmp = `${path}.partial`
  const out = lineWriter(tmp)
  const t0 = performance.now()
  const summary = await simulate({ seed, tickets, sink: (e) => out.write(historyLine(e)) })
  out.close()
  const seconds = (performance.now() - t0) / 1000
  renameSync(tmp, path)
  return { path, tickets: summary.tickets, events: summary.events, seconds }
}

type Json = Record<string, unknown>

/**
 * Write `targetEvents` events (at least; whole copies) made of `base` copied
 * back to back. The organisation stream is written once, first.
 */
export const replicateHistory = (basePath: string, targetEvents: number, path: string): number => {
  const lines = readFileSync(basePath, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
  const base = lines.map((l) => JSON.parse(l) as Json)
  const org = base.filter((e) => e.stream === 'organization')
  const activity = base.filter((e) => e.stream !== 'organization')
  if (activity.length === 0) throw new Error(`${basePath} has no activity to replicate`)
  const times = activity.map((e) => Date.parse(e.at as string))
  const first = Math.min(...times)
  const last = Math.max(...times)
  // Whole weeks, so that each copy falls on the same weekdays and hours as the original.
  const shift = (Math.ceil((last - first) / WEEK) + 1) * WEEK
  const copies = Math.max(1, Math.ceil((targetEvents - org.length) / activity.length))
  const out = lineWriter(`${path}.partial`)
  let position = 0
  const eventId = (p: number) => `00000000-0000-4000-8000-${p.toString(16).padStart(12, '0')}`
  for (const e of org) out.write(`${JSON.stringify({ ...e, id: eventId(position), position: position++ })}\n`)
  for (let k = 0; k < copies; k++) {
    const suffix = k === 0 ? '' : `-c${k}`
    const rename = (id: string) => `${id}${suffix}`
    const at = (s: string) => toInstant(Date.parse(s) + k * shift)
    for (const e of activity) {
      const stream = e.stream as string
      const data = { ...(e.data as Json) }
      // Every id that names a stream of the copy, and every instant, moves with it.
      for (const key of ['ticketId', 'incidentId', 'articleId', 'knowledgeArticleId'])
        if (typeof data[key] === 'string') data[key] = rename(data[key] as string)
      if (typeof data.expectedResolutionAt === 'string')
        data.expectedResolutionAt = at(data.expectedResolutionAt)
      const copy = {
        id: eventId(position),
        stream: rename(stream),
        revision: e.revision,
        position: position++,
        type: e.type,
        version: e.version,
        at: at(e.at as string),
        actor: e.actor,
        data,
        meta: e.meta,
      }
      out.write(`${JSON.stringify(copy)}\n`)
    }
  }
  out.close()
  renameSync(`${path}.partial`, path)
  return position
}

/** A cached replicated history of at least `targetEvents` events, and its exact size. */
export const replicatedHistory = (
  basePath: string,
  targetEvents: number,
): { path: string; events: number } => {
  const digest = createHash('sha256').update(readFileSync(basePath)).digest('hex').slice(0, 16)
  const path = join(benchDir(), `replay-${digest}-${targetEvents}.ndjson`)
  const meta = `${path}.events`
  if (existsSync(path) && existsSync(meta)) return { path, events: Number(readFileSync(meta, 'utf8')) }
  const events = replicateHistory(basePath, targetEvents, path)
  const fd = openSync(meta, 'w')
  writeSync(fd, String(events))
  closeSync(fd)
  return { path, events }
}
