/**
 * `soutien trace`: one ticket's whole life for an auditor, top to bottom —
 * who (and in which role) did what and when, the clocks after each step, the
 * time spent in each state, and the policy and support hours that judged it.
 */
import { toInstant } from '../../domain/codec.js'
import type { RecordedEvent } from '../../domain/envelope.js'
import { ORGANIZATION_STREAM, streamId, ticketStream } from '../../domain/envelope.js'
import { renderTimelineText, ticketTimeline } from '../../projections/timeline.js'
import { instantOpt, oneOf, parseArgs, stringOpt } from '../args.js'
import { dataError, EXIT_OK, usageError } from '../errors.js'
import type { CliCommand, CliIO } from '../io.js'
import { createProgress } from '../progress.js'
import { openHistory } from '../source.js'
import { loadPolicyFile, writeText } from './sla.js'

/** Edit distance, stopping early once it exceeds `max` (ids are short; this stays cheap). */
const distance = (a: string, b: string, max: number): number => {
  if (Math.abs(a.length - b.length) > max) return max + 1
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
      cur.push(v)
      if (v < best) best = v
    }
    if (best > max) return max + 1
    prev = cur
  }
  return prev[b.length]!
}

/**
 * Ticket ids that look like the one asked for (a typo, another case, a
 * prefix): at most `limit`, the closest first.
 */
export const closeIds = (wanted: string, ids: Iterable<string>, limit = 3): string[] => {
  const w = wanted.toLowerCase()
  const max = Math.max(1, Math.min(3, Math.floor(wanted.length / 3)))
  const scored: [number, string][] = []
  for (const id of ids) {
    const l = id.toLowerCase()
    const d = l === w ? 0 : l.startsWith(w) || w.startsWith(l) ? 1 : distance(w, l, max)
    if (d <= max) scored.push([d, id])
  }
  return scored
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .slice(0, limit)
    .map(([, id]) => id)
}

const help = `soutien trace — one ticket's whole life, for an auditor

Usage: soutien trace <ticketId> <history.ndjson|-> [--store S] [--as-of ISO] [--policy policy.json] [--format text|json]

Top to bottom, in the site's local time: every event of the ticket with who did
it, in which role, and when; the ticket's state and its service-level clocks
(response, escalation delay, resolution) right after each step; the time spent
in each state (elapsed and business); and the policy, time zone and support
hours that judged it (those in force when it was opened).

Options:
  --as-of ISO     tell the story up to this instant (later events ignored);
                  default: the latest event of the history
  --policy FILE   judge the ticket by this policy instead (what-if)
  --format F      text (default) or json (the timeline, see docs/reports.md)
  --store S       read a store instead of a file (SQLite path or esdb:// URL)

An unknown ticket id exits with status 1 and suggests close ids.

Examples:
  soutien trace T-000042 month.ndjson
  soutien trace T-000042 month.ndjson --as-of 2026-03-12T17:00:00Z --format json
`

const run = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('trace', args, {
    store: { type: 'string' },
    'as-of': { type: 'string' },
    policy: { type: 'string' },
    format: { type: 'string' },
  })
  const [ticketId, file, extra] = p.positionals
  if (ticketId === undefined || ticketId === '')
    throw usageError("trace: which ticket? Give its id, then the history file. Try 'soutien trace --help'.")
  if (extra !== undefined)
    throw usageError(`trace: unexpected argument "${extra}". Try 'soutien trace --help'.`)
  const asOf = instantOpt('trace', p, 'as-of')
  const format = oneOf('trace', p, 'format', ['text', 'json'] as const, 'text')
  const policyFile = stringOpt(p, 'policy')
  const source = await openHistory('trace', file, stringOpt(p, 'store'), io)
  const policy = policyFile === undefined ? undefined : loadPolicyFile(policyFile)

  // Only the organisation and this ticket are kept; every event still counts for the default as-of.
  const stream = ticketStream(ticketId)
  const limit = asOf === undefined ? Number.POSITIVE_INFINITY : Date.parse(asOf)
  const kept: RecordedEvent[] = []
  const ids = new Set<string>()
  let latest = Number.NEGATIVE_INFINITY
  let openedLater: string | undefined
  const progress = createProgress('reading', io.stderr)
  let events = 0
  try {
    for await (const e of source.events()) {
      events++
      if ((events & 1023) === 0) progress.tick(events)
      const ms = Date.parse(e.at)
      if (e.type === 'TicketOpened') ids.add(streamId(e.stream))
      if (ms > limit) {
        if (e.stream === stream && e.type === 'TicketOpened') openedLater = e.at
        continue
      }
      if (ms > latest) latest = ms
      if (e.stream === stream || e.stream === ORGANIZATION_STREAM) kept.push(e)
    }
  } finally {
    progress.done()
    await source.dispose()
  }
  const timeline =
    latest === Number.NEGATIVE_INFINITY
      ? undefined
      : ticketTimeline(kept, ticketId, {
          asOf: asOf ?? toInstant(latest),
          ...(policy === undefined ? {} : { policyOverride: policy }),
        })
  if (timeline === undefined) {
    if (openedLater !== undefined)
      throw dataError(
        `ticket ${ticketId} was opened at ${openedLater}, after --as-of ${asOf}: nothing to trace yet.`,
      )
    const close = closeIds(ticketId, ids)
    throw dataError(
      `no ticket ${ticketId} in ${source.label}${close.length === 0 ? '' : `; did you mean ${close.join(', ')}?`}${ids.size === 0 ? ' (it holds no ticket at all)' : ''}`,
    )
  }
  await writeText(
    io,
    format === 'json' ? `${JSON.stringify(timeline, null, 2)}\n` : renderTimelineText(timeline),
  )
  return EXIT_OK
}

export const traceCommand: CliCommand = {
  name: 'trace',
  summary: "one ticket's whole life: who, role, when, what, clocks after each step",
  help,
  run,
}
