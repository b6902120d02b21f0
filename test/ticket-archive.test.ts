/**
 * The ticket archive's row encodings (src/projections/ticket-archive.ts): a
 * row's instants as 32-bit offsets from its opening, or as epoch ms when one
 * does not fit (before the opening, or 49.7 days or more after it), status
 * codes packed 8 to a word, ids in the compact id index whatever their form.
 * Each row must decode to what the two folds held, but for what the archive
 * says it drops, and the report must not change, however tickets are archived.
 */
import { describe, expect, it } from 'vitest'
import { computeReport } from '../src/cli/commands/report.js'
import type { IsoInstant } from '../src/domain/codec.js'
import { type RecordedEvent, ticketStream } from '../src/domain/envelope.js'
import { applyQuality, initialQualityState } from '../src/projections/quality.js'
import { applyReportEvent, initialReportFold, type ReportFoldTuning } from '../src/projections/report-fold.js'
import { applyServiceLevelEvent, initialServiceLevelState } from '../src/projections/service-levels.js'
import { emptyTicketArchive } from '../src/projections/ticket-archive.js'
import { expectArchivedAsHeld } from './support/archive-round-trip.js'
import {
  assigned,
  closed,
  escalated,
  history,
  informed,
  opened,
  qualified,
  reopened,
  resolved,
  resumed,
  SAMPLE_ORG,
  type Step,
  suspended,
} from './support/history.js'

const UUID = '0190f3a2-7c4e-7b1d-9a3f-5e6d7c8b9a01'
const DAY = 86_400_000
const T = Date.parse('2026-03-02T09:00:00.000Z')
const at = (ms: number) => new Date(ms).toISOString()

const USER = { id: 'user-1', role: 'user' } as const
const rate = (when: number, id: string, score: number): Step => ({
  type: 'SatisfactionRecorded',
  data: { score },
  at: at(when),
  stream: ticketStream(id),
  actor: USER,
})

interface Ticket {
  readonly id: string
  readonly cycles: number
  readonly gap: number
  /** Satisfaction answers after the first closing. */
  readonly rates?: readonly number[]
  readonly incident?: string
}

/** A ticket's life from `start`: opened, answered, resolved and closed, then `cycles` reopenings `gap` ms apart. */
const life = ({ id, cycles, gap, rates = [], incident }: Ticket, start: number): Step[] => {
  const steps: Step[] = [
    opened(at(start), id),
    qualified(at(start + 60_000), id, 'office', 'P2'),
    assigned(at(start + 120_000), id),
    informed(at(start + 180_000), id, 'answer'),
    escalated(at(start + 200_000), id, 'office'),
    suspended(at(start + 240_000), id),
    resumed(at(start + 300_000), id),
    resolved(at(start + 360_000), id),
    informed(at(start + 420_000), id, 'restoration'),
    closed(at(start + 480_000), id),
    ...rates.map((score, k) => rate(start + 500_000 + k, id, score)),
  ]
  if (incident !== undefined)
    steps.push({
      type: 'TicketLinkedToMajorIncident',
      data: { incidentId: incident },
      at: at(start + 90_000),
      stream: ticketStream(id),
      actor: { id: 'tech-1', role: 'office-technician' },
    })
  for (let k = 1; k <= cycles; k++) {
    const t = start + k * gap
    steps.push(
      reopened(at(t), id),
      suspended(at(t + 60_000), id),
      resolved(at(t + 120_000), id),
      informed(at(t + 180_000), id, 'restoration'),
      closed(at(t + 240_000), id),
    )
  }
  return steps
}

/** Tickets of every row shape: narrow and wide instants, up to ~40 status changes, ids of every form. */
const TICKETS: readonly Ticket[] = [
  { id: UUID, cycles: 0, gap: DAY, rates: [4] },
  { id: UUID.toUpperCase(), cycles: 1, gap: DAY, incident: 'MI-1' },
  { id: `${UUID.slice(0, 35)}g`, cycles: 3, gap: 2 * DAY, rates: [2, 5, 5] },
  { id: 'T-plain', cycles: 9, gap: DAY },
  // Reopened 60 days on: past what a 32-bit offset in ms holds.
  { id: '0190f3a2-7c4e-7b1d-9a3f-5e6d7c8b9a02', cycles: 1, gap: 60 * DAY, rates: [1, 3], incident: 'MI-2' },
  { id: 'T-\u20ac-wide', cycles: 2, gap: 30 * DAY, rates: [5] },
  { id: '0190f3a2-7c4e-7b1d-9a3f-5e6d7c8b9a03', cycles: 12, gap: 5 * DAY },
]

const steps: Step[] = [...SAMPLE_ORG]
TICKETS.forEach((t, i) => {
  steps.push(...life(t, T + i * 3_600_000))
})
const sorted = steps.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
const lastAt = Date.parse(sorted[sorted.length - 1]!.at)
// Answers arriving for archived tickets: on a row with none, one, or counts per score.
const late = TICKETS.flatMap((t, i) => [rate(lastAt + (i + 1) * DAY, t.id, 1 + (i % 5))])
const events: RecordedEvent[] = history([...sorted, ...late, rate(lastAt + 20 * DAY, UUID, 2)])

const printed = (asOf: IsoInstant | undefined, tuning: Partial<ReportFoldTuning> | undefined): string => {
  const limit = asOf === undefined ? Number.POSITIVE_INFINITY : Date.parse(asOf)
  const kept = events.filter((e) => Date.parse(e.at) <= limit)
  let folded: Parameters<typeof computeReport>[0]
  if (tuning === undefined) {
    const sl = initialServiceLevelState()
    const quality = initialQualityState()
    for (const e of kept) {
      applyServiceLevelEvent(sl, e)
      applyQuality(quality, e)
    }
    folded = { serviceLevels: sl, quality, events: kept.length }
  } else {
    const f = initialReportFold(tuning)
    for (const e of kept) applyReportEvent(f, e)
    folded = { serviceLevels: f.serviceLevels, quality: f.quality, events: kept.length, report: f }
  }
  const r = computeReport(folded, asOf === undefined ? {} : { asOf }, undefined, { series: true })
  return JSON.stringify({ synthesis: r.synthesis, series: r.series, unjudged: r.serviceLevels.unjudged })
}

describe('the ticket archive, rows of every shape', () => {
  it('decodes each row as the folds had the ticket, but for what the archive drops', () => {
    const f = initialReportFold({ sweepEvery: Number.POSITIVE_INFINITY })
    for (const e of history(sorted)) applyReportEvent(f, e)
    const a = emptyTicketArchive()
    for (const t of TICKETS) {
      const facts = f.serviceLevels.tickets.get(t.id)!
      const q = f.quality.tickets[t.id]!
      const back = expectArchivedAsHeld(a, t.id, facts, q)
      // The row's latest instant is its closing, not a later answer (not kept: the fold does not read it).
      expect(back.facts.lastAt).toBeLessThanOrEqual(facts.lastAt)
      expect(back.quality.majorIncidentId).toBe(t.incident ?? null)
      expect(q.statusChanges.length).toBeGreaterThan(t.cycles * 3)
    }
    expect(a.wide.next).toBeGreaterThan(0)
    expect(a.narrow.next).toBeGreaterThan(0)
  })

  it('gives the report of the full projections, whenever tickets are archived, as of the end and before', () => {
    const end = Date.parse(events[events.length - 1]!.at)
    for (const asOf of [undefined, at(T + 45 * DAY) as IsoInstant, at(end - DAY) as IsoInstant]) {
      const full = printed(asOf, undefined)
      for (const tuning of [{ sweepEvery: 1, quietMs: 0 }, { sweepEvery: 7, quietMs: DAY }, {}])
        expect(printed(asOf, tuning)).toBe(full)
    }
  })
})
