/**
 * Properties of the service-level projection over random histories: the fold
 * is deterministic (one pass or pieces, with a JSON checkpoint in between),
 * the default as-of instant is the last event's, and an explicit as-of instant
 * travels back in time (later events are ignored, exactly).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IsoInstant } from '../src/domain/codec.js'
import type { RecordedEvent } from '../src/domain/envelope.js'
import {
  applyServiceLevelEvent,
  computeServiceLevels,
  type ServiceLevelOptions,
  type ServiceLevelState,
  serviceLevelReport,
  serviceLevelStateCodec,
  serviceLevelsProjection,
} from '../src/projections/service-levels.js'
import {
  bulletin,
  closed,
  declared,
  escalated,
  history,
  hours,
  informed,
  involved,
  OFFICE_HOURS,
  opened,
  policy,
  policyOf,
  qualified,
  reopened,
  resolved,
  resumed,
  SAMPLE_ORG,
  type Step,
  staffAlerted,
  suspended,
} from './support/history.js'

const BASE = Date.parse('2026-03-02T00:00:00.000Z') // a Monday, winter time
const iso = (ms: number) => new Date(ms).toISOString()

type Make = (at: string, id: string) => Step
const TICKET_STEPS: readonly Make[] = [
  (at, id) => qualified(at, id, 'office', 'P1'),
  (at, id) => qualified(at, id, 'network', 'P2'),
  (at, id) => qualified(at, id, 'business', 'P3'),
  (at, id) => informed(at, id, 'progress'),
  (at, id) => informed(at, id, 'answer'),
  (at, id) => informed(at, id, 'schedule'),
  (at, id) => informed(at, id, 'restoration'),
  (at, id) => escalated(at, id, 'office'),
  (at, id) => involved(at, id, 'response-breach'),
  (at, id) => involved(at, id, 'resolution-breach'),
  (at, id) => suspended(at, id),
  (at, id) => resumed(at, id),
  (at, id) => resolved(at, id),
  (at, id) => resolved(at, id),
  (at, id) => reopened(at, id),
  (at, id) => closed(at, id),
]
const INCIDENT_STEPS: readonly Make[] = [
  (at, id) => staffAlerted(at, id),
  (at, id) => bulletin(at, id),
  (at, id) => bulletin(at, id, 'restoration'),
]

/** A time step: mostly whole minutes, sometimes with milliseconds, sometimes none at all. */
const gap = fc.oneof(
  fc.integer({ min: 0, max: 600 }).map((m) => m * 60_000),
  fc.integer({ min: 0, max: 3 * 24 * 60 * 60_000 }),
  fc.constant(0),
)

const stream = (makers: readonly Make[], maxLength: number) =>
  fc.record({
    start: fc.integer({ min: 0, max: 14 * 24 * 60 }).map((m) => BASE + m * 60_000),
    steps: fc.array(fc.tuple(gap, fc.integer({ min: 0, max: makers.length - 1 })), { maxLength }),
  })

const SITES = ['paris', 'paris-24', 'nyc', 'nyc-24', 'atlantis'] as const

/** Random tickets and incidents, plus sometimes a policy or hours change, merged in `at` order. */
const histories = fc
  .record({
    tickets: fc.array(fc.tuple(stream(TICKET_STEPS, 14), fc.constantFrom(...SITES)), {
      minLength: 1,
      maxLength: 6,
    }),
    incidents: fc.array(stream(INCIDENT_STEPS, 4), { maxLength: 2 }),
    policyChange: fc.option(fc.integer({ min: 0, max: 14 * 24 * 60 }), { nil: undefined }),
    hoursChange: fc.option(fc.integer({ min: 0, max: 14 * 24 * 60 }), { nil: undefined }),
  })
  .map(({ tickets, incidents, policyChange, hoursChange }) => {
    const timed: { at: number; step: Step }[] = []
    tickets.forEach(([s, siteId], k) => {
      const id = `T${k}`
      let at = s.start
      timed.push({ at, step: opened(iso(at), id, siteId) })
      for (const [g, i] of s.steps) {
        at += g
        timed.push({ at, step: TICKET_STEPS[i]!(iso(at), id) })
      }
    })
    incidents.forEach((s, k) => {
      const id = `M${k}`
      let at = s.start
      timed.push({ at, step: declared(iso(at), id) })
      for (const [g, i] of s.steps) {
        at += g
        timed.push({ at, step: INCIDENT_STEPS[i]!(iso(at), id) })
      }
    })
    if (policyChange !== undefined) {
      const at = BASE + policyChange * 60_000
      timed.push({ at, step: policy(iso(at), { responseTarget: 'PT1H', resolutionTargets: { P3: 'PT2H' } }) })
    }
    if (hoursChange !== undefined) {
      const at = BASE + hoursChange * 60_000
      timed.push({ at, step: hours(iso(at), 'paris', { mon: OFFICE_HOURS.mon ?? [] }) })
    }
    // A stable sort keeps each stream's own order: `at` never decreases along the log.
    timed.sort((a, b) => a.at - b.at)
    return history([...SAMPLE_ORG, ...timed.map((t) => t.step)])
  })

const fold = (events: readonly RecordedEvent[], state = serviceLevelsProjection.init()): ServiceLevelState =>
  events.reduce(applyServiceLevelEvent, state)

const instantIn = (events: readonly RecordedEvent[]) =>
  fc.integer({ min: 0, max: 1_000_000 }).map((k) => {
    const first = Date.parse(events[0]!.at)
    const last = Date.parse(events[events.length - 1]!.at)
    return iso(first + Math.floor(((last - first + 1) * k) / 1_000_000)) as IsoInstant
  })

const RUNS = { numRuns: 150 }

describe('service-level projection properties', () => {
  it('one pass and random pieces with a JSON checkpoint between them give the same report', () => {
    fc.assert(
      fc.property(
        histories.chain((events) =>
          fc.tuple(
            fc.constant(events),
            fc.array(fc.integer({ min: 0, max: events.length }), { maxLength: 5 }),
            fc.option(instantIn(events), { nil: undefined }),
          ),
        ),
        ([events, cuts, asOf]) => {
          const options: ServiceLevelOptions = asOf === undefined ? {} : { asOf }
          const whole = serviceLevelReport(fold(events), options)
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), events.length]
          let state = serviceLevelsProjection.init()
          for (let i = 0; i + 1 < bounds.length; i++) {
            state = fold(events.slice(bounds[i], bounds[i + 1]), state)
            // What a runner's checkpoint does: the state survives its JSON encoding.
            const saved = JSON.parse(JSON.stringify(serviceLevelStateCodec.encode(state)))
            const restored = serviceLevelStateCodec.decode(saved)
            if (restored._tag === 'Left') throw new Error(restored.left)
            state = restored.right
          }
          expect(serviceLevelReport(state, options)).toEqual(whole)
        },
      ),
      RUNS,
    )
  })

  it('as of the last event equals no as-of', () => {
    fc.assert(
      fc.property(histories, (events) => {
        const last = events[events.length - 1]!.at
        expect(computeServiceLevels(events, { asOf: last })).toEqual(computeServiceLevels(events))
      }),
      RUNS,
    )
  })

  it('time travel: as of an instant, the full history reports what its prefix up to that instant reports', () => {
    fc.assert(
      fc.property(
        histories.chain((events) => fc.tuple(fc.constant(events), instantIn(events))),
        ([events, asOf]) => {
          const cut = Date.parse(asOf)
          const prefix = events.filter((e) => Date.parse(e.at) <= cut)
          expect(computeServiceLevels(events, { asOf })).toEqual(computeServiceLevels(prefix, { asOf }))
        },
      ),
      RUNS,
    )
  })

  it('stopped clocks agree with their targets; business minutes never exceed elapsed minutes', () => {
    fc.assert(
      fc.property(histories, (events) => {
        const r = computeServiceLevels(events)
        for (const t of r.tickets) {
          const { response, resolution } = t
          if (response.businessMinutes !== null) {
            expect(response.status).toBe(
              response.businessMinutes <= response.targetMinutes ? 'met' : 'breached',
            )
            const elapsed = (Date.parse(response.stoppedAt ?? '') - Date.parse(t.openedAt)) / 60_000
            expect(response.businessMinutes).toBeLessThanOrEqual(elapsed)
          } else expect(response.stoppedAt).toBeNull()
          if (resolution.businessMinutes !== null) {
            expect(resolution.businessMinutes).toBeGreaterThanOrEqual(0)
            if (resolution.targetMinutes !== null)
              expect(resolution.status).toBe(
                resolution.businessMinutes <= resolution.targetMinutes ? 'met' : 'breached',
              )
          }
          if (resolution.targetMinutes === null) expect(resolution.status).toBe('pending')
          const e = t.escalation
          if (e.status === 'on-time') expect(e.escalatedAt !== null && e.deadline !== null).toBe(true)
          if (e.escalatedAt !== null && e.deadline !== null)
            expect(e.status).toBe(e.escalatedAt <= e.deadline ? 'on-time' : e.status)
        }
        for (const m of r.majorIncidents)
          if (m.bulletinElapsedMinutes !== null)
            expect(m.status).toBe(m.bulletinElapsedMinutes <= m.bulletinTargetMinutes ? 'met' : 'breached')
      }),
      RUNS,
    )
  })

  it('a what-if override equal to the only recorded policy changes nothing', () => {
    const recorded = policyOf({
      escalationDelays: { office: 'PT2H', network: 'PT1H' },
      resolutionTargets: { P1: 'PT4H', P2: 'PT8H' },
    })
    const onlyOnePolicy = histories.map((events) =>
      events.filter((e) => e.type !== 'SupportPolicySet' || e.at === SAMPLE_ORG[0]!.at),
    )
    fc.assert(
      fc.property(onlyOnePolicy, (events) => {
        const plain = computeServiceLevels(events)
        expect(computeServiceLevels(events, { policyOverride: recorded }).tickets).toEqual(plain.tickets)
      }),
      RUNS,
    )
  })
})
