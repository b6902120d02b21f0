/**
 * The report's compact fold (src/projections/report-fold.ts) must give the very
 * report the two full projections give: same synthesis, same weekly series,
 * same unjudged tickets, byte for byte, whatever the moment tickets are
 * archived — on simulated histories, with events arriving for archived tickets
 * (satisfaction, reopenings, and events a decider would refuse), as of the end
 * and of instants in the middle, over periods, and under a what-if policy.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { type ComputedReport, computeReport, type PeriodOptions } from '../src/cli/commands/report.js'
import type { FoldedHistory } from '../src/cli/commands/sla.js'
import { simulate } from '../src/cli/simulate/engine.js'
import { type IsoInstant, toInstant } from '../src/domain/codec.js'
import { emptyIdIndex, rowFor } from '../src/domain/compact.js'
import { type RecordedEvent, ticketStream } from '../src/domain/envelope.js'
import type { DomainEvent, SupportPolicy } from '../src/domain/events.js'
import { applyQuality, initialQualityState } from '../src/projections/quality.js'
import {
  applyReportEvent,
  initialReportFold,
  type ReportFold,
  type ReportFoldTuning,
} from '../src/projections/report-fold.js'
import { applyServiceLevelEvent, initialServiceLevelState } from '../src/projections/service-levels.js'
import { emptyTicketArchive } from '../src/projections/ticket-archive.js'
import { createSequenceCheck } from '../src/store/ndjson.js'
import { expectArchivedAsHeld } from './support/archive-round-trip.js'
import {
  assigned,
  closed,
  history,
  informed,
  opened,
  policyOf,
  qualified,
  reopened,
  resolved,
  SAMPLE_ORG,
  suspended,
} from './support/history.js'

const simulated = async (seed: number, tickets: number): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = []
  await simulate({ seed, tickets, sink: (e) => events.push(e) })
  return events
}

const limitOf = (asOf: IsoInstant | undefined) =>
  asOf === undefined ? Number.POSITIVE_INFINITY : Date.parse(asOf)

/** Both projections in full, as `foldHistory` did before the compact fold. */
const foldFull = (events: readonly RecordedEvent[], asOf: IsoInstant | undefined): FoldedHistory => {
  const sl = initialServiceLevelState()
  const quality = initialQualityState()
  const limit = limitOf(asOf)
  for (const e of events) {
    if (Date.parse(e.at) > limit) continue
    applyServiceLevelEvent(sl, e)
    applyQuality(quality, e)
  }
  return { serviceLevels: sl, quality, events: events.length }
}

/**
 * The fold's pairs of live records are exactly the live tickets that have both
 * records, as the very objects the two states hold (a stale pair would fold
 * an event onto a record the states no longer hold).
 */
const expectLivePairsMirror = (f: ReportFold): void => {
  if (f.archive === undefined) {
    expect(f.live.size).toBe(0)
    return
  }
  const both = new Map<string, { facts: unknown; quality: unknown }>()
  for (const [key, facts] of f.serviceLevels.tickets) {
    const quality = Object.hasOwn(f.quality.tickets, key) ? f.quality.tickets[key] : undefined
    if (quality !== undefined) both.set(key, { facts, quality })
  }
  expect([...f.live.keys()].sort()).toEqual([...both.keys()].sort())
  for (const [key, pair] of f.live) {
    expect(pair.facts).toBe(both.get(key)?.facts)
    expect(pair.quality).toBe(both.get(key)?.quality)
  }
}

/**
 * The compact fold; with `shared`, as `soutien report` folds a file: the
 * archive keeps its rows in the reader's index of stream names, which the
 * reader's sequence check fills a batch ahead of the fold (here after 3
 * other streams and ten of the history's own, in another order, so that no
 * row is the one the fold would have given).
 */
const foldCompact = (
  events: readonly RecordedEvent[],
  asOf: IsoInstant | undefined,
  tuning: Partial<ReportFoldTuning>,
  shared = false,
): FoldedHistory => {
  const streams = emptyIdIndex()
  const sequence = createSequenceCheck(streams)
  if (shared) {
    for (let i = 0; i < 3; i++) rowFor(streams, `other-${i}`)
    // And the history's last ten streams, so that the reader finds some of its streams already there.
    const last = [...new Set(events.map((e) => e.stream))].slice(-10).reverse()
    for (const stream of last) rowFor(streams, stream)
  }
  const f = initialReportFold(tuning, streams)
  const limit = limitOf(asOf)
  const BATCH = 50
  let n = 0
  for (let from = 0; from < events.length; from += BATCH) {
    const batch = events.slice(from, from + BATCH)
    // Problems do not matter here (some tests append events out of sequence): only the rows.
    if (shared) for (const e of batch) sequence.check(e)
    const rows = streams.nextRow
    for (const e of batch)
      if (Date.parse(e.at) <= limit) {
        applyReportEvent(f, e)
        if (++n % 97 === 0) expectLivePairsMirror(f)
      }
    // Sharing the reader's index, the fold finds every stream there and adds none of its own.
    if (shared) expect(streams.nextRow).toBe(rows)
  }
  expectLivePairsMirror(f)
  return { serviceLevels: f.serviceLevels, quality: f.quality, events: events.length, report: f }
}

/** Everything a report prints (the per-ticket list is not part of it). */
const printed = (r: ComputedReport): string =>
  JSON.stringify({
    synthesis: r.synthesis,
    series: r.series,
    thresholds: r.thresholds,
    majorIncidents: r.serviceLevels.majorIncidents,
    unjudged: r.serviceLevels.unjudged,
  })

const bothWays = (
  events: readonly RecordedEvent[],
  period: PeriodOptions,
  policy: SupportPolicy | undefined,
  tuning: Partial<ReportFoldTuning>,
): { full: string; compact: string; archived: number } => {
  const full = computeReport(foldFull(events, period.asOf), period, policy, { series: true })
  const folded = foldCompact(events, period.asOf, tuning)
  const compact = printed(computeReport(folded, period, policy, { series: true }))
  const shared = foldCompact(events, period.asOf, tuning, true)
  expect(printed(computeReport(shared, period, policy, { series: true }))).toBe(compact)
  expect(shared.report?.archive?.count).toBe(folded.report?.archive?.count)
  return { full: printed(full), compact, archived: folded.report?.archive?.count ?? -1 }
}

/** A ticket event appended after everything else, `minutes` after the history's last instant. */
const extra = (base: readonly RecordedEvent[], ticketId: string, minutes: number, event: DomainEvent) => {
  const last = base[base.length - 1]!
  return {
    id: `extra-${ticketId}-${minutes}`,
    stream: ticketStream(ticketId),
    revision: 10_000 + minutes,
    position: last.position + 1 + minutes,
    at: toInstant(Date.parse(last.at) + minutes * 60_000),
    actor: { id: 'assist-x', role: 'assistance' },
    meta: {},
    version: 1,
    ...event,
  } as RecordedEvent
}

type Late = 'rate' | 'reopen' | 'requalify' | 'close' | 'suspend' | 'escalate' | 'reassign' | 'reopen-open'

const lateEvent = (kind: Late, score: number): DomainEvent => {
  switch (kind) {
    case 'rate':
      return { type: 'SatisfactionRecorded', data: { score } }
    case 'reopen':
      return { type: 'TicketReopened', data: { reason: 'again' } }
    case 'requalify':
      return { type: 'TicketQualified', data: { kind: 'request', domain: 'network', priority: 'P1' } }
    case 'close':
      return { type: 'TicketClosed', data: {} }
    case 'suspend':
      return { type: 'TicketSuspended', data: { reason: 'awaiting-supplier' } }
    case 'escalate':
      return { type: 'TicketEscalated', data: { domain: 'business', reason: 'manual' } }
    case 'reassign':
      return { type: 'TicketAssigned', data: { ownerId: 'nobody-known' } }
    case 'reopen-open':
      return {
        type: 'TicketOpened',
        data: {
          ticketId: 'ignored',
          requesterId: 'u',
          siteId: 'paris',
          workstationType: 'x',
          deskId: 'd',
          channel: 'phone',
          summary: 's',
        },
      }
  }
}

const TUNINGS: readonly Partial<ReportFoldTuning>[] = [
  { sweepEvery: 1, quietMs: 0 },
  { sweepEvery: 13, quietMs: 3_600_000 },
  { sweepEvery: 200, quietMs: 86_400_000 },
]

describe('the report fold: compact archive against the full projections', () => {
  let events: RecordedEvent[] = []
  let ticketIds: string[] = []
  let first = 0
  let last = 0
  beforeAll(async () => {
    events = await simulated(11, 300)
    ticketIds = [...new Set(events.filter((e) => e.type === 'TicketOpened').map((e) => e.stream.slice(7)))]
    first = Date.parse(events[0]!.at)
    last = Date.parse(events[events.length - 1]!.at)
  })

  it('gives the same report, archiving after every event, as of the end', () => {
    const r = bothWays(events, {}, undefined, TUNINGS[0]!)
    expect(r.archived).toBeGreaterThan(ticketIds.length / 2)
    expect(r.compact).toBe(r.full)
  })

  it('gives the same report under a what-if policy, over a period ending before the as-of, with the default tuning', () => {
    const mid = toInstant(Math.round((first + last) / 2))
    const to = toInstant(Math.round(first + (last - first) * 0.4))
    const policy = policyOf({ responseTarget: 'PT1H', resolutionTargets: { P1: 'PT2H', P3: 'PT10H' } })
    for (const tuning of [{}, ...TUNINGS]) {
      const r = bothWays(events, { to, asOf: mid }, policy, tuning)
      expect(r.compact).toBe(r.full)
      const s = bothWays(events, { from: to }, undefined, tuning)
      expect(s.compact).toBe(s.full)
    }
  })

  it('gives the same report whatever arrives later for archived tickets, as of any instant, over any period', () => {
    const kinds: readonly Late[] = [
      'rate',
      'rate',
      'rate',
      'reopen',
      'requalify',
      'close',
      'suspend',
      'escalate',
      'reassign',
      'reopen-open',
    ]
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ticket: fc.nat(),
            kind: fc.constantFrom(...kinds),
            score: fc.integer({ min: 1, max: 5 }),
          }),
          { maxLength: 25 },
        ),
        fc.option(fc.double({ min: 0, max: 1.2, noNaN: true }), { nil: undefined }),
        fc.option(
          fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
          {
            nil: undefined,
          },
        ),
        fc.constantFrom(...TUNINGS),
        fc.boolean(),
        (late, asOfShare, periodShares, tuning, whatIf) => {
          const more = late.map((l, i) =>
            extra(events, ticketIds[l.ticket % ticketIds.length]!, 30 * (i + 1), lateEvent(l.kind, l.score)),
          )
          const all = [...events, ...more]
          const end = Date.parse(all[all.length - 1]!.at)
          const at = (share: number) => toInstant(Math.round(first + (end - first) * share))
          const period: PeriodOptions = {
            ...(asOfShare === undefined ? {} : { asOf: at(asOfShare) }),
            ...(periodShares === undefined
              ? {}
              : {
                  from: at(Math.min(...periodShares)),
                  to: at(Math.max(...periodShares) + 0.001),
                }),
          }
          const policy = whatIf ? policyOf({ responseTarget: 'PT2H' }) : undefined
          const r = bothWays(all, period, policy, tuning)
          expect(r.compact).toBe(r.full)
        },
      ),
      { numRuns: 25 },
    )
  })

  it('keeps every ticket live, and the same report, once a ticket is opened under another stream', () => {
    const odd = extra(events, 'Z-1', 5, {
      type: 'TicketOpened',
      data: {
        ticketId: ticketIds[0]!,
        requesterId: 'u',
        siteId: 'paris',
        workstationType: 'x',
        deskId: 'd',
        channel: 'phone',
        summary: 's',
      },
    })
    const all = [...events, odd, extra(events, ticketIds[1]!, 9, lateEvent('rate', 2))]
    const r = bothWays(all, {}, undefined, TUNINGS[0]!)
    expect(r.archived).toBe(-1)
    expect(r.compact).toBe(r.full)
  })

  it('decodes an archived ticket as the folds had it, but for what the archive says it drops', () => {
    const f = initialReportFold({ sweepEvery: Number.POSITIVE_INFINITY })
    for (const e of events) applyReportEvent(f, e)
    const a = emptyTicketArchive()
    let n = 0
    for (const [key, facts] of f.serviceLevels.tickets) {
      const q = f.quality.tickets[key]!
      expectArchivedAsHeld(a, key, facts, q)
      n++
    }
    expect(n).toBe(ticketIds.length)
  })

  it('archives tickets whatever their ids (beyond Latin-1, very long), and brings them back', () => {
    const ids = ['T-\u20ac-1', `T-${'x'.repeat(300)}`, 'T-plain', '__proto__', 'T-\u00e9']
    const day = (d: number, h: number) =>
      `2026-03-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00.000Z`
    const steps = [
      ...SAMPLE_ORG,
      ...ids.flatMap((id, i) => [
        opened(day(2 + i, 9), id),
        qualified(day(2 + i, 10), id, 'office', 'P2'),
        assigned(day(2 + i, 10), id),
        informed(day(2 + i, 11), id, 'answer'),
        resolved(day(2 + i, 12), id),
        informed(day(2 + i, 13), id, 'restoration'),
        closed(day(2 + i, 14), id),
      ]),
      ...ids.flatMap((id, i) => [
        reopened(day(12 + i, 9), id),
        suspended(day(12 + i, 10), id),
        resolved(day(12 + i, 12), id),
        informed(day(12 + i, 13), id, 'restoration'),
        closed(day(12 + i, 14), id),
      ]),
    ]
    const h = history(steps)
    const rated = ids.map((id, i) => extra(h, id, 10 * (i + 1), lateEvent('rate', 1 + (i % 5))))
    const all = [...h, ...rated]
    for (const tuning of TUNINGS) {
      const r = bothWays(all, {}, undefined, tuning)
      if (tuning === TUNINGS[0]) expect(r.archived).toBeGreaterThanOrEqual(ids.length - 1)
      expect(r.compact).toBe(r.full)
      const mid = bothWays(
        all,
        { asOf: day(13, 11) as IsoInstant, to: day(12, 11) as IsoInstant },
        undefined,
        tuning,
      )
      expect(mid.compact).toBe(mid.full)
    }
  })
})
