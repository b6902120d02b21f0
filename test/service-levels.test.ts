/**
 * Hand-worked examples of the service-level clocks (domain.md §5). Every
 * expected value is computed by reasoning in the comments, not by the code.
 *
 * Calendars: "office" = Mon–Fri 08:00–12:00 and 13:30–18:00 local; "24x7" =
 * 00:00–24:00 every day. Europe/Paris is UTC+1 in winter and UTC+2 in summer
 * (changes 2026-03-29 and 2026-10-25); America/New_York is UTC−5 / UTC−4
 * (changes 2026-03-08 and 2026-11-01). 2026-03-09 is a Monday.
 */
import { describe, expect, it } from 'vitest'
import type { IsoInstant } from '../src/domain/codec.js'
import { createMemoryCheckpointStore } from '../src/projections/checkpoints.js'
import { runProjections } from '../src/projections/runner.js'
import type { TicketServiceLevels } from '../src/projections/service-level-types.js'
import {
  applyServiceLevelEvent,
  computeServiceLevels,
  initialServiceLevelState,
  majorIncidentServiceLevels,
  type ServiceLevelOptions,
  serviceLevelReport,
  serviceLevelStateCodec,
  serviceLevelsProjection,
  ticketServiceLevels,
  unjudgedServiceLevels,
} from '../src/projections/service-levels.js'
import { createMemoryStore } from '../src/store/memory.js'
import {
  ALL_DAY,
  bulletin,
  declared,
  escalated,
  history,
  hours,
  informed,
  knowledgePublished,
  loadStore,
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
  site,
  staffAlerted,
  suspended,
} from './support/history.js'

const ORG = SAMPLE_ORG

const report = (steps: readonly Step[], options?: ServiceLevelOptions) =>
  computeServiceLevels(history([...ORG, ...steps]), options)

const ticketOf = (steps: readonly Step[], id: string, options?: ServiceLevelOptions): TicketServiceLevels => {
  const t = report(steps, options).tickets.find((x) => x.ticketId === id)
  if (t === undefined) throw new Error(`no service levels for ${id}`)
  return t
}

const at = (s: string) => s as IsoInstant

describe('response clock (the 4-hour commitment)', () => {
  it('a ticket opened Friday 17:30 and answered Monday 10:00 took 150 business minutes', () => {
    // Opened Fri 2026-03-06 17:30 Paris (16:30Z): 30 min until 18:00.
    // Answered Mon 2026-03-09 10:00 Paris (09:00Z): 08:00–10:00 = 120 min. Total 150 ≤ 240: met.
    // Deadline: 30 min on Friday, the remaining 210 from Monday 08:00 → 11:30 Paris = 10:30Z.
    const t = ticketOf(
      [opened('2026-03-06T16:30:00.000Z', 'T1'), informed('2026-03-09T09:00:00.000Z', 'T1', 'answer')],
      'T1',
    )
    expect(t.response).toEqual({
      status: 'met',
      businessMinutes: 150,
      targetMinutes: 240,
      deadline: '2026-03-09T10:30:00.000Z',
      stoppedAt: '2026-03-09T09:00:00.000Z',
    })
    expect(t.openedAt).toBe('2026-03-06T16:30:00.000Z')
    expect(t.siteId).toBe('paris')
    expect(t.workstationType).toBe('windows-desktop')
  })

  it('a ticket opened on a holiday starts its clock at the next opening', () => {
    // Fri 2026-05-01 is a holiday. Opened 10:00 Paris (UTC+2: 08:00Z), answered
    // Mon 2026-05-04 09:00 Paris (07:00Z): only Monday 08:00–09:00 counts = 60 min.
    // Deadline: Monday 08:00 + 240 min = 12:00 Paris = 10:00Z.
    const t = ticketOf(
      [opened('2026-05-01T08:00:00.000Z', 'H'), informed('2026-05-04T07:00:00.000Z', 'H', 'schedule')],
      'H',
    )
    expect(t.response.businessMinutes).toBe(60)
    expect(t.response.status).toBe('met')
    expect(t.response.deadline).toBe('2026-05-04T10:00:00.000Z')
  })

  it('a ticket opened Sunday night and answered before Monday opening took 0 minutes', () => {
    // Sun 2026-03-08 22:00 Paris (21:00Z) → Mon 07:45 Paris (06:45Z): all closed.
    // Deadline: Monday 08:00 + 4 h = 12:00 Paris = 11:00Z.
    const t = ticketOf(
      [opened('2026-03-08T21:00:00.000Z', 'S'), informed('2026-03-09T06:45:00.000Z', 'S', 'answer')],
      'S',
    )
    expect(t.response.businessMinutes).toBe(0)
    expect(t.response.status).toBe('met')
    expect(t.response.deadline).toBe('2026-03-09T11:00:00.000Z')
  })

  it('a progress message does not stop the clock; the first answer does', () => {
    // Opened Mon 09:00 Paris (08:00Z); progress at 10:00; answer at 14:00 Paris (13:00Z):
    // 09:00–12:00 = 180 + 13:30–14:00 = 30 → 210 (it would be 60 if progress stopped it).
    const steps = [
      opened('2026-03-09T08:00:00.000Z', 'P'),
      informed('2026-03-09T09:00:00.000Z', 'P', 'progress'),
      informed('2026-03-09T13:00:00.000Z', 'P', 'answer'),
      informed('2026-03-09T15:00:00.000Z', 'P', 'restoration'),
    ]
    const t = ticketOf(steps, 'P')
    expect(t.response.businessMinutes).toBe(210)
    expect(t.response.stoppedAt).toBe('2026-03-09T13:00:00.000Z')
    // Without the answer, as of Mon 15:00 Paris (14:00Z): 180 + 90 = 270 > 240: breached, still running.
    const running = ticketOf(steps.slice(0, 2), 'P', { asOf: at('2026-03-09T14:00:00.000Z') })
    expect(running.response).toEqual({
      status: 'breached',
      businessMinutes: null,
      targetMinutes: 240,
      deadline: '2026-03-09T13:30:00.000Z', // 180 before lunch + 60 from 13:30 → 14:30 Paris
      stoppedAt: null,
    })
  })

  it('a restoration stops the clock too', () => {
    // Opened Mon 09:00 Paris; restoration told at 09:45 Paris (08:45Z): 45 min.
    const t = ticketOf(
      [opened('2026-03-09T08:00:00.000Z', 'R'), informed('2026-03-09T08:45:00.000Z', 'R', 'restoration')],
      'R',
    )
    expect(t.response.businessMinutes).toBe(45)
  })

  it('is breached when the stop comes after the target', () => {
    // Opened Mon 09:00 Paris; answered Tue 09:00 Paris (08:00Z):
    // Mon 180 + 270 = 450, Tue 08:00–09:00 = 60 → 510 > 240.
    const t = ticketOf(
      [opened('2026-03-09T08:00:00.000Z', 'B'), informed('2026-03-10T08:00:00.000Z', 'B', 'answer')],
      'B',
    )
    expect(t.response.status).toBe('breached')
    expect(t.response.businessMinutes).toBe(510)
  })

  it('reaching exactly the target is met; one millisecond of business time more is breached', () => {
    // Opened Mon 14:00 Paris (13:00Z): 14:00–18:00 = exactly 240; deadline 18:00 Paris = 17:00Z.
    const steps = [opened('2026-03-09T13:00:00.000Z', 'X')]
    const evening = ticketOf(steps, 'X', { asOf: at('2026-03-09T19:00:00.000Z') })
    expect(evening.response.status).toBe('pending') // 240, not more: the night does not count
    expect(evening.response.deadline).toBe('2026-03-09T17:00:00.000Z')
    // Answered Tue 07:30 Paris, before opening: still 240 → met.
    const answered = ticketOf([...steps, informed('2026-03-10T06:30:00.000Z', 'X', 'answer')], 'X')
    expect(answered.response).toMatchObject({ status: 'met', businessMinutes: 240 })
    // Tue 08:00 Paris exactly is still 240 → pending; 08:00:00.001 is past it → breached.
    expect(ticketOf(steps, 'X', { asOf: at('2026-03-10T07:00:00.000Z') }).response.status).toBe('pending')
    expect(ticketOf(steps, 'X', { asOf: at('2026-03-10T07:00:00.001Z') }).response.status).toBe('breached')
  })

  it('reports exact, possibly fractional, business minutes', () => {
    // Opened Mon 09:00 Paris, answered 10:00:00.030 Paris: 60 min and 30 ms = 60.0005 min.
    const t = ticketOf(
      [opened('2026-03-09T08:00:00.000Z', 'F'), informed('2026-03-09T09:00:00.030Z', 'F', 'answer')],
      'F',
    )
    expect(t.response.businessMinutes).toBeCloseTo(60.0005, 10)
  })
})

describe('daylight-saving changes', () => {
  it('Europe/Paris spring forward: Friday 17:00 to Monday 09:00 is 120 minutes', () => {
    // Fri 2026-03-27 17:00 Paris (UTC+1: 16:00Z) → 18:00 = 60; Mon 2026-03-30 09:00 Paris
    // (UTC+2: 07:00Z) → 08:00–09:00 = 60. Deadline Monday 08:00 + 180 = 11:00 Paris = 09:00Z.
    const t = ticketOf(
      [opened('2026-03-27T16:00:00.000Z', 'D1'), informed('2026-03-30T07:00:00.000Z', 'D1', 'answer')],
      'D1',
    )
    expect(t.response.businessMinutes).toBe(120)
    expect(t.response.deadline).toBe('2026-03-30T09:00:00.000Z')
  })

  it('Europe/Paris spring forward on a 24x7 calendar: the Sunday has 23 hours', () => {
    // Opened Sun 2026-03-29 00:30 Paris (UTC+1: 2026-03-28T23:30Z). 4 h later on the
    // instant timeline is 03:30Z, which is 05:30 Paris (UTC+2 since 02:00 → 03:00).
    // Answered 06:00 Paris = 04:00Z: 4 h 30 = 270 min.
    const t = ticketOf(
      [
        opened('2026-03-28T23:30:00.000Z', 'D2', 'paris-24'),
        informed('2026-03-29T04:00:00.000Z', 'D2', 'answer'),
      ],
      'D2',
    )
    expect(t.response).toMatchObject({
      status: 'breached',
      businessMinutes: 270,
      deadline: '2026-03-29T03:30:00.000Z',
    })
  })

  it('Europe/Paris fall back: office hours across the weekend, and a 25-hour Sunday', () => {
    // Fri 2026-10-23 17:00 Paris (UTC+2: 15:00Z) → 60; Mon 2026-10-26 09:00 Paris (UTC+1: 08:00Z) → 60.
    // Deadline Mon 11:00 Paris = 10:00Z.
    const office = ticketOf(
      [opened('2026-10-23T15:00:00.000Z', 'D3'), informed('2026-10-26T08:00:00.000Z', 'D3', 'answer')],
      'D3',
    )
    expect(office.response.businessMinutes).toBe(120)
    expect(office.response.deadline).toBe('2026-10-26T10:00:00.000Z')
    // 24x7: Sat 2026-10-24 12:00 Paris (10:00Z) → Sun 2026-10-25 12:00 Paris (11:00Z) = 25 h.
    const allDay = ticketOf(
      [
        opened('2026-10-24T10:00:00.000Z', 'D4', 'paris-24'),
        informed('2026-10-25T11:00:00.000Z', 'D4', 'answer'),
      ],
      'D4',
    )
    expect(allDay.response.businessMinutes).toBe(1500)
  })

  it('America/New_York spring forward (2026-03-08)', () => {
    // Fri 2026-03-06 17:00 NY (UTC−5: 22:00Z) → 60; Mon 2026-03-09 09:00 NY (UTC−4: 13:00Z) → 60.
    // Deadline Mon 11:00 NY = 15:00Z.
    const office = ticketOf(
      [opened('2026-03-06T22:00:00.000Z', 'N1', 'nyc'), informed('2026-03-09T13:00:00.000Z', 'N1', 'answer')],
      'N1',
    )
    expect(office.response.businessMinutes).toBe(120)
    expect(office.response.deadline).toBe('2026-03-09T15:00:00.000Z')
    // 24x7: Sat 12:00 EST (17:00Z) → Sun 12:00 EDT (16:00Z) = 23 h = 1380 min.
    const allDay = ticketOf(
      [
        opened('2026-03-07T17:00:00.000Z', 'N2', 'nyc-24'),
        informed('2026-03-08T16:00:00.000Z', 'N2', 'answer'),
      ],
      'N2',
    )
    expect(allDay.response.businessMinutes).toBe(1380)
  })

  it('America/New_York fall back (2026-11-01)', () => {
    // Fri 2026-10-30 17:00 NY (UTC−4: 21:00Z) → 60; Mon 2026-11-02 09:00 NY (UTC−5: 14:00Z) → 60.
    // Deadline Mon 11:00 NY = 16:00Z.
    const office = ticketOf(
      [opened('2026-10-30T21:00:00.000Z', 'N3', 'nyc'), informed('2026-11-02T14:00:00.000Z', 'N3', 'answer')],
      'N3',
    )
    expect(office.response.businessMinutes).toBe(120)
    expect(office.response.deadline).toBe('2026-11-02T16:00:00.000Z')
    // 24x7: Sat 12:00 EDT (16:00Z) → Sun 12:00 EST (17:00Z) = 25 h = 1500 min.
    const allDay = ticketOf(
      [
        opened('2026-10-31T16:00:00.000Z', 'N4', 'nyc-24'),
        informed('2026-11-01T17:00:00.000Z', 'N4', 'answer'),
      ],
      'N4',
    )
    expect(allDay.response.businessMinutes).toBe(1500)
  })
})

describe('resolution clock', () => {
  // Opened Mon 09:00 Paris (08:00Z), P2 (target PT8H = 480).
  // Suspended 10:00–11:00 and 14:00–15:00, resolved 16:00 Paris (15:00Z):
  //   09:00–12:00 = 180, 13:30–16:00 = 150 → 330, minus 60 + 60 → 210.
  // Reopened Tue 09:00 Paris (08:00Z), resolved Tue 10:30 (09:30Z): + 90 → 300 ≤ 480: met.
  const steps = [
    opened('2026-03-09T08:00:00.000Z', 'R1'),
    qualified('2026-03-09T08:00:00.000Z', 'R1', 'business', 'P2'),
    suspended('2026-03-09T09:00:00.000Z', 'R1'),
    resumed('2026-03-09T10:00:00.000Z', 'R1'),
    suspended('2026-03-09T13:00:00.000Z', 'R1'),
    resumed('2026-03-09T14:00:00.000Z', 'R1'),
    resolved('2026-03-09T15:00:00.000Z', 'R1'),
    reopened('2026-03-10T08:00:00.000Z', 'R1'),
    resolved('2026-03-10T09:30:00.000Z', 'R1'),
  ]

  it('a ticket suspended twice and reopened once: 300 business minutes', () => {
    expect(ticketOf(steps, 'R1').resolution).toEqual({
      status: 'met',
      businessMinutes: 300,
      targetMinutes: 480,
    })
  })

  it('runs again after the reopening: minutes null while it runs', () => {
    // As of Tue 10:00 Paris (09:00Z): 210 + 60 = 270 ≤ 480, running → pending.
    expect(ticketOf(steps, 'R1', { asOf: at('2026-03-10T09:00:00.000Z') }).resolution).toEqual({
      status: 'pending',
      businessMinutes: null,
      targetMinutes: 480,
    })
    // As of the first resolution, the first cycle alone: 210.
    expect(ticketOf(steps, 'R1', { asOf: at('2026-03-09T15:00:00.000Z') }).resolution.businessMinutes).toBe(
      210,
    )
  })

  it('a suspension still open at the as-of instant does not count', () => {
    // What-if target PT2H30M = 150. As of Mon 14:59 Paris (suspended since 14:00):
    // 180 − 60 + 13:30–14:00 = 150 → not more than 150: pending.
    // As of Mon 15:01 Paris (resumed at 15:00): 151 → breached.
    const override = policyOf({ resolutionTargets: { P2: 'PT2H30M' } })
    const pending = ticketOf(steps, 'R1', { asOf: at('2026-03-09T13:59:00.000Z'), policyOverride: override })
    expect(pending.resolution).toEqual({ status: 'pending', businessMinutes: null, targetMinutes: 150 })
    const breached = ticketOf(steps, 'R1', { asOf: at('2026-03-09T14:01:00.000Z'), policyOverride: override })
    expect(breached.resolution.status).toBe('breached')
  })

  it('a suspension open at the resolution ends there', () => {
    // Opened Mon 09:00 Paris, suspended 10:00, resolved 11:00 without resuming: 60.
    // Reopened Tue 09:00, a stray resume at 09:30 (not suspended: ignored), resolved 10:00: + 60 → 120.
    const t = ticketOf(
      [
        opened('2026-03-09T08:00:00.000Z', 'R2'),
        qualified('2026-03-09T08:00:00.000Z', 'R2', 'business', 'P1'),
        suspended('2026-03-09T09:00:00.000Z', 'R2'),
        resolved('2026-03-09T10:00:00.000Z', 'R2'),
        reopened('2026-03-10T08:00:00.000Z', 'R2'),
        resumed('2026-03-10T08:30:00.000Z', 'R2'),
        resolved('2026-03-10T09:00:00.000Z', 'R2'),
      ],
      'R2',
    )
    expect(t.resolution).toEqual({ status: 'met', businessMinutes: 120, targetMinutes: 240 })
  })

  it('uses the latest priority; no priority or no target for it: target null, never judged', () => {
    // Qualified P1 then P2: target 480. Resolved after 5 h (09:00 → 15:30 Paris: 180 + 120 = 300).
    const requalified = ticketOf(
      [
        opened('2026-03-09T08:00:00.000Z', 'R3'),
        qualified('2026-03-09T08:00:00.000Z', 'R3', 'business', 'P1'),
        qualified('2026-03-09T09:00:00.000Z', 'R3', 'business', 'P2'),
        resolved('2026-03-09T14:30:00.000Z', 'R3'),
      ],
      'R3',
    )
    expect(requalified.priority).toBe('P2')
    expect(requalified.resolution).toEqual({ status: 'met', businessMinutes: 300, targetMinutes: 480 })
    // P4 has no target: minutes reported once stopped, status pending (counted neither met nor breached).
    const noTarget = ticketOf(
      [
        opened('2026-03-09T08:00:00.000Z', 'R4'),
        qualified('2026-03-09T08:00:00.000Z', 'R4', 'business', 'P4'),
        resolved('2026-03-09T09:00:00.000Z', 'R4'),
      ],
      'R4',
    )
    expect(noTarget.resolution).toEqual({ status: 'pending', businessMinutes: 60, targetMinutes: null })
    const unqualified = ticketOf([opened('2026-03-09T08:00:00.000Z', 'R5')], 'R5')
    expect(unqualified.priority).toBeNull()
    expect(unqualified.resolution).toEqual({ status: 'pending', businessMinutes: null, targetMinutes: null })
  })

  it('is breached when resolved after its target', () => {
    // P1 (240): opened Mon 09:00 Paris, resolved 15:00 Paris: 180 + 90 = 270 > 240.
    const t = ticketOf(
      [
        opened('2026-03-09T08:00:00.000Z', 'R6'),
        qualified('2026-03-09T08:00:00.000Z', 'R6', 'business', 'P1'),
        resolved('2026-03-09T14:00:00.000Z', 'R6'),
      ],
      'R6',
    )
    expect(t.resolution).toEqual({ status: 'breached', businessMinutes: 270, targetMinutes: 240 })
  })
})

describe('escalation delay', () => {
  // Office delay PT2H: opened Mon 09:00 Paris (08:00Z) → deadline 11:00 Paris = 10:00Z.
  const base = (id: string) => [
    opened('2026-03-09T08:00:00.000Z', id),
    qualified('2026-03-09T08:00:00.000Z', id, 'office', 'P3'),
  ]
  // A later fact (Mon 18:00 Paris) fixes the default as-of instant.
  const late = knowledgePublished('2026-03-09T17:00:00.000Z', 'K1')
  const esc = (steps: readonly Step[], id: string, options?: ServiceLevelOptions) =>
    ticketOf([...steps, late], id, options).escalation

  it('on-time when escalated at the deadline', () => {
    expect(esc([...base('E1'), escalated('2026-03-09T10:00:00.000Z', 'E1', 'office')], 'E1')).toEqual({
      status: 'on-time',
      deadline: '2026-03-09T10:00:00.000Z',
      escalatedAt: '2026-03-09T10:00:00.000Z',
    })
  })

  it('not-needed when resolved strictly before the deadline', () => {
    expect(esc([...base('E2'), resolved('2026-03-09T09:59:00.000Z', 'E2')], 'E2').status).toBe('not-needed')
  })

  it('pending while the as-of instant is before the deadline', () => {
    expect(esc(base('E3'), 'E3', { asOf: at('2026-03-09T09:30:00.000Z') })).toEqual({
      status: 'pending',
      deadline: '2026-03-09T10:00:00.000Z',
      escalatedAt: null,
    })
  })

  it('late when escalated after the deadline, or never though unresolved at it', () => {
    expect(esc([...base('E4'), escalated('2026-03-09T10:01:00.000Z', 'E4', 'office')], 'E4')).toEqual({
      status: 'late',
      deadline: '2026-03-09T10:00:00.000Z',
      escalatedAt: '2026-03-09T10:01:00.000Z',
    })
    expect(esc(base('E5'), 'E5')).toEqual({
      status: 'late',
      deadline: '2026-03-09T10:00:00.000Z',
      escalatedAt: null,
    })
  })

  it('a resolution exactly at the deadline is not strictly before it: late', () => {
    expect(esc([...base('E6'), resolved('2026-03-09T10:00:00.000Z', 'E6')], 'E6').status).toBe('late')
  })

  it('resolved then reopened before the deadline: unresolved at it, so late', () => {
    const steps = [
      ...base('E7'),
      resolved('2026-03-09T09:00:00.000Z', 'E7'),
      reopened('2026-03-09T09:30:00.000Z', 'E7'),
    ]
    expect(esc(steps, 'E7').status).toBe('late')
    // As of 10:15 Paris (09:15Z), before the reopening, it stood resolved: not-needed then.
    expect(esc(steps, 'E7', { asOf: at('2026-03-09T09:15:00.000Z') }).status).toBe('not-needed')
  })

  it('the deadline follows the latest qualified domain', () => {
    // Requalified network (PT1H) at 09:30 Paris: deadline 09:00 + 1 h = 10:00 Paris = 09:00Z.
    const steps = [...base('E8'), qualified('2026-03-09T08:30:00.000Z', 'E8', 'network', 'P3')]
    const now = ticketOf([...steps, late], 'E8')
    expect(now.domain).toBe('network')
    expect(now.escalation.deadline).toBe('2026-03-09T09:00:00.000Z')
    // As of 09:15 Paris, before the requalification: office, deadline 10:00Z.
    const before = ticketOf(steps, 'E8', { asOf: at('2026-03-09T08:15:00.000Z') })
    expect(before.domain).toBe('office')
    expect(before.escalation).toEqual({
      status: 'pending',
      deadline: '2026-03-09T10:00:00.000Z',
      escalatedAt: null,
    })
  })

  it('the deadline counts business time across lunch', () => {
    // Opened Mon 11:00 Paris (10:00Z): 11:00–12:00 = 60, 13:30–14:30 = 60 → 14:30 Paris = 13:30Z.
    const steps = [
      opened('2026-03-09T10:00:00.000Z', 'E9'),
      qualified('2026-03-09T10:00:00.000Z', 'E9', 'office', 'P3'),
    ]
    expect(esc(steps, 'E9').deadline).toBe('2026-03-09T13:30:00.000Z')
  })

  it('the first escalation counts, whatever its domain', () => {
    // Escalated to network at 10:30 Paris (before the office deadline), again later: on-time.
    const steps = [
      ...base('E10'),
      escalated('2026-03-09T09:30:00.000Z', 'E10', 'network'),
      escalated('2026-03-09T12:00:00.000Z', 'E10', 'office'),
    ]
    expect(esc(steps, 'E10')).toMatchObject({ status: 'on-time', escalatedAt: '2026-03-09T09:30:00.000Z' })
  })

  it('no delay for the domain: not-needed; no domain yet: pending until resolved', () => {
    const business = [
      opened('2026-03-09T08:00:00.000Z', 'E11'),
      qualified('2026-03-09T08:00:00.000Z', 'E11', 'business', 'P3'),
    ]
    expect(esc(business, 'E11')).toEqual({ status: 'not-needed', deadline: null, escalatedAt: null })
    const unqualified = [opened('2026-03-09T08:00:00.000Z', 'E12')]
    expect(esc(unqualified, 'E12')).toEqual({ status: 'pending', deadline: null, escalatedAt: null })
    const unqualifiedResolved = [...unqualified, resolved('2026-03-09T09:00:00.000Z', 'E12')]
    expect(esc(unqualifiedResolved, 'E12').status).toBe('not-needed')
  })
})

describe('policies and support hours in force', () => {
  // A second policy from Tue 2026-03-10 00:00Z: response PT1H.
  const change = policy('2026-03-10T00:00:00.000Z', { responseTarget: 'PT1H' })
  const steps = [
    // A: Mon 09:00 → 11:00 Paris: 120 min, judged by PT4H: met.
    opened('2026-03-09T08:00:00.000Z', 'A'),
    informed('2026-03-09T10:00:00.000Z', 'A', 'answer'),
    change,
    // C: opened at the very instant of the change (Tue 01:00 Paris); answered Tue 08:30 Paris: 30 min.
    opened('2026-03-10T00:00:00.000Z', 'C'),
    // B: Tue 09:00 → 11:00 Paris: 120 min, judged by PT1H: breached.
    opened('2026-03-10T08:00:00.000Z', 'B'),
    informed('2026-03-10T07:30:00.000Z', 'C', 'answer'),
    informed('2026-03-10T10:00:00.000Z', 'B', 'answer'),
  ]

  it('each ticket is judged by the policy in force when it was opened', () => {
    const r = report(steps)
    const byId = new Map(r.tickets.map((t) => [t.ticketId, t]))
    expect(byId.get('A')?.response).toMatchObject({
      status: 'met',
      businessMinutes: 120,
      targetMinutes: 240,
      deadline: '2026-03-09T13:30:00.000Z', // 180 before lunch + 60 → 14:30 Paris
    })
    expect(byId.get('B')?.response).toMatchObject({
      status: 'breached',
      businessMinutes: 120,
      targetMinutes: 60,
      deadline: '2026-03-10T09:00:00.000Z', // 09:00 + 1 h Paris
    })
    // "At or before": a policy set at the very instant of the opening judges it.
    expect(byId.get('C')?.response).toMatchObject({ status: 'met', businessMinutes: 30, targetMinutes: 60 })
  })

  it('a what-if override judges every ticket by the given policy without changing history', () => {
    const override = policyOf({ responseTarget: 'PT1H' })
    const whatIf = report(steps, { policyOverride: override })
    const a = whatIf.tickets.find((t) => t.ticketId === 'A')
    expect(a?.response).toMatchObject({
      status: 'breached',
      targetMinutes: 60,
      deadline: '2026-03-09T09:00:00.000Z',
    })
    // The recorded history still judges A by PT4H.
    expect(report(steps).tickets.find((t) => t.ticketId === 'A')?.response.status).toBe('met')
  })

  it('later support hours do not change an earlier ticket', () => {
    // From Tue 2026-03-10, Paris opens 00:00–24:00 every day. T (opened Mon 09:00 Paris,
    // answered Tue 09:00 Paris) keeps the office calendar: 180 + 270 + 60 = 510.
    const t = ticketOf(
      [
        opened('2026-03-09T08:00:00.000Z', 'T'),
        hours('2026-03-10T00:00:00.000Z', 'paris', ALL_DAY),
        informed('2026-03-10T08:00:00.000Z', 'T', 'answer'),
      ],
      'T',
    )
    expect(t.response.businessMinutes).toBe(510)
  })

  it('no policy, no site or no support hours in force: the ticket is reported as unjudged', () => {
    const events = history([
      site('2025-12-01T00:00:00.000Z', 'old', 'Europe/Paris'),
      hours('2025-12-01T00:00:00.000Z', 'old', OFFICE_HOURS),
      opened('2025-12-31T10:00:00.000Z', 'EARLY', 'old'), // before any policy (T0 = 2026-01-01)
      ...ORG,
      site('2026-01-02T00:00:00.000Z', 'lyon', 'Europe/Paris'), // no hours ever set
      opened('2026-03-09T08:00:00.000Z', 'LYON', 'lyon'),
      opened('2026-03-09T08:00:00.000Z', 'NOWHERE', 'atlantis'),
      opened('2026-03-09T08:00:00.000Z', 'OK'),
      declared('2025-12-31T12:00:00.000Z', 'MI-EARLY'),
    ])
    const r = computeServiceLevels(events)
    expect(r.tickets.map((t) => t.ticketId)).toEqual(['OK'])
    expect(r.unjudged.map((u) => [u.subject, u.id, u._tag])).toEqual([
      ['ticket', 'EARLY', 'NoPolicyInForce'],
      ['ticket', 'LYON', 'NoSupportHoursInForce'],
      ['ticket', 'NOWHERE', 'UnknownSite'],
      ['major-incident', 'MI-EARLY', 'NoPolicyInForce'],
    ])
    expect(r.unjudged[0]?.message).toBe(
      'ticket EARLY (opened 2025-12-31T10:00:00.000Z) cannot be judged: no support policy was in force at 2025-12-31T10:00:00.000Z',
    )
    // The same as the separate query.
    const state = events.reduce(applyServiceLevelEvent, initialServiceLevelState())
    expect(unjudgedServiceLevels(state)).toEqual(r.unjudged)
    // A what-if policy judges the ticket that had none (its site has hours).
    const whatIf = computeServiceLevels(events, { policyOverride: policyOf() })
    expect(whatIf.tickets.map((t) => t.ticketId)).toEqual(['EARLY', 'OK'])
  })
  it('support hours that never open again make the ticket unjudged, not the report fail', () => {
    // Open Mondays 08:00–09:00 only, and every Monday of the next 11 years is a holiday:
    // the calendar gives up after 10 years of searching for an opening.
    const mondays = Array.from({ length: 11 * 53 }, (_, k) =>
      new Date(Date.parse('2026-03-09T00:00:00.000Z') + k * 7 * 86_400_000).toISOString().slice(0, 10),
    )
    const r = report([
      site('2026-01-02T00:00:00.000Z', 'ghost', 'Europe/Paris'),
      hours('2026-01-02T00:00:00.000Z', 'ghost', { mon: [['08:00', '09:00']] } as never, mondays),
      opened('2026-03-09T08:00:00.000Z', 'G', 'ghost'),
      opened('2026-03-09T08:00:00.000Z', 'OK'),
    ])
    expect(r.tickets.map((t) => t.ticketId)).toEqual(['OK'])
    expect(r.unjudged.map((u) => [u.id, u._tag])).toEqual([['G', 'InvalidSupportHours']])
  })
})

describe('as of when', () => {
  const steps = [
    opened('2026-03-09T08:00:00.000Z', 'W'),
    informed('2026-03-09T09:00:00.000Z', 'W', 'answer'),
    opened('2026-03-09T12:00:00.000Z', 'LATER'),
  ]

  it('defaults to the latest event, so the same history always gives the same report', () => {
    const r1 = report(steps)
    const r2 = report(steps, { asOf: at('2026-03-09T12:00:00.000Z') })
    expect(r1).toEqual(r2)
    expect(r1.tickets.map((t) => t.ticketId)).toEqual(['W', 'LATER'])
  })

  it('the default is the latest instant in the history, even when a later-recorded event is stamped earlier', () => {
    // A timer's escalation of W is recorded last but stamped at W's deadline (11:00 Paris),
    // before LATER's opening (13:00 Paris): LATER is still in the report.
    const r = report([...steps, escalated('2026-03-09T10:00:00.000Z', 'W', 'office', 'delay-expired')])
    expect(r.tickets.map((t) => t.ticketId)).toEqual(['W', 'LATER'])
    expect(r).toEqual(
      report(steps.concat(escalated('2026-03-09T10:00:00.000Z', 'W', 'office', 'delay-expired')), {
        asOf: at('2026-03-09T12:00:00.000Z'),
      }),
    )
  })

  it('time travel: events after the as-of instant do not count', () => {
    // As of Mon 09:30 Paris: the answer (10:00 Paris) has not happened yet, LATER is not opened.
    const r = report(steps, { asOf: at('2026-03-09T08:30:00.000Z') })
    expect(r.tickets.map((t) => t.ticketId)).toEqual(['W'])
    expect(r.tickets[0]?.response).toMatchObject({
      status: 'pending',
      businessMinutes: null,
      stoppedAt: null,
    })
  })

  it('orders tickets by opening, then ticket id', () => {
    const r = report([
      opened('2026-03-09T09:00:00.000Z', 'b'),
      opened('2026-03-09T09:00:00.000Z', 'a'),
      opened('2026-03-09T08:00:00.000Z', 'z'),
    ])
    expect(r.tickets.map((t) => t.ticketId)).toEqual(['z', 'a', 'b'])
  })

  it('an empty history reports nothing', () => {
    expect(computeServiceLevels([])).toEqual({ tickets: [], majorIncidents: [], unjudged: [] })
  })

  it('a ticket id like __proto__ is an ordinary key, also after a JSON round trip', () => {
    const events = history([...ORG, opened('2026-03-09T08:00:00.000Z', '__proto__')])
    const state = events.reduce(applyServiceLevelEvent, initialServiceLevelState())
    const restored = serviceLevelStateCodec.decode(
      JSON.parse(JSON.stringify(serviceLevelStateCodec.encode(state))),
    )
    if (restored._tag === 'Left') throw new Error(restored.left)
    const more = history([informed('2026-03-09T09:00:00.000Z', '__proto__', 'answer')], events.length)
    const after = more.reduce(applyServiceLevelEvent, restored.right)
    expect(ticketServiceLevels(after).map((t) => [t.ticketId, t.response.businessMinutes])).toEqual([
      ['__proto__', 60],
    ])
  })
})

describe('major incidents (the 24-hour commitment)', () => {
  const steps = [
    // M1: bulletin after 12 h: met; staff alerted at once.
    declared('2026-03-09T08:00:00.000Z', 'M1'),
    staffAlerted('2026-03-09T08:00:00.000Z', 'M1'),
    bulletin('2026-03-09T20:00:00.000Z', 'M1'),
    bulletin('2026-03-09T21:00:00.000Z', 'M1', 'restoration'),
    // M2: declared Friday 18:00 Paris, first bulletin Saturday 19:00 Paris: 25 h elapsed
    // (weekends count: elapsed, not business time): breached. Staff alerted 30 s later.
    declared('2026-03-06T17:00:00.000Z', 'M2'),
    staffAlerted('2026-03-06T17:00:30.000Z', 'M2'),
    bulletin('2026-03-07T18:00:00.000Z', 'M2'),
    // M3: exactly 24 h: met.
    declared('2026-03-09T09:00:00.000Z', 'M3'),
    bulletin('2026-03-10T09:00:00.000Z', 'M3'),
    // M4: no bulletin yet.
    declared('2026-03-09T10:00:00.000Z', 'M4'),
  ]

  it('bulletin met, breached, and exactly at the target', () => {
    const r = report(steps, { asOf: at('2026-03-10T09:00:00.000Z') })
    expect(r.majorIncidents).toEqual([
      {
        incidentId: 'M2',
        declaredAt: '2026-03-06T17:00:00.000Z',
        bulletinElapsedMinutes: 1500,
        bulletinTargetMinutes: 1440,
        status: 'breached',
        staffAlertElapsedMinutes: 0.5,
      },
      {
        incidentId: 'M1',
        declaredAt: '2026-03-09T08:00:00.000Z',
        bulletinElapsedMinutes: 720,
        bulletinTargetMinutes: 1440,
        status: 'met',
        staffAlertElapsedMinutes: 0,
      },
      {
        incidentId: 'M3',
        declaredAt: '2026-03-09T09:00:00.000Z',
        bulletinElapsedMinutes: 1440,
        bulletinTargetMinutes: 1440,
        status: 'met',
        staffAlertElapsedMinutes: null,
      },
      {
        incidentId: 'M4',
        declaredAt: '2026-03-09T10:00:00.000Z',
        bulletinElapsedMinutes: null,
        bulletinTargetMinutes: 1440,
        status: 'pending', // 23 h so far
        staffAlertElapsedMinutes: null,
      },
    ])
  })

  it('pending until the target passes without a bulletin, then breached', () => {
    const state = history([...ORG, ...steps]).reduce(applyServiceLevelEvent, serviceLevelsProjection.init())
    const m4 = (asOf: string) =>
      majorIncidentServiceLevels(state, { asOf: at(asOf) }).find((m) => m.incidentId === 'M4')
    expect(m4('2026-03-10T10:00:00.000Z')?.status).toBe('pending') // exactly 24 h
    expect(m4('2026-03-10T10:00:00.001Z')).toMatchObject({ status: 'breached', bulletinElapsedMinutes: null })
    // Before M1's bulletin and alert are recorded, they do not count.
    const m1 = majorIncidentServiceLevels(state, { asOf: at('2026-03-09T08:00:00.000Z') }).find(
      (m) => m.incidentId === 'M1',
    )
    expect(m1).toMatchObject({ status: 'pending', bulletinElapsedMinutes: null, staffAlertElapsedMinutes: 0 })
  })

  it('the bulletin target is the policy in force at the declaration, or the what-if', () => {
    const events = [
      policy('2026-03-09T09:30:00.000Z', { majorIncidentBulletinTarget: 'PT1H' }),
      declared('2026-03-09T09:00:00.000Z', 'BEFORE'),
      declared('2026-03-09T10:00:00.000Z', 'AFTER'),
      bulletin('2026-03-09T11:30:00.000Z', 'BEFORE'),
      bulletin('2026-03-09T11:30:00.000Z', 'AFTER'),
    ]
    const r = report(events)
    expect(r.majorIncidents.map((m) => [m.incidentId, m.bulletinTargetMinutes, m.status])).toEqual([
      ['BEFORE', 1440, 'met'],
      ['AFTER', 60, 'breached'],
    ])
    // What-if PT3H: 150 and 90 minutes are both within it.
    const whatIf = report(events, { policyOverride: policyOf({ majorIncidentBulletinTarget: 'PT3H' }) })
    expect(whatIf.majorIncidents.map((m) => m.status)).toEqual(['met', 'met'])
  })
})

describe('with the projection runner', () => {
  const steps = [
    ...ORG,
    opened('2026-03-09T08:00:00.000Z', 'A'),
    qualified('2026-03-09T08:00:00.000Z', 'A', 'office', 'P1'),
    suspended('2026-03-09T09:00:00.000Z', 'A'),
    opened('2026-03-09T09:30:00.000Z', 'B'),
    resumed('2026-03-09T10:00:00.000Z', 'A'),
    informed('2026-03-09T10:30:00.000Z', 'B', 'answer'),
    declared('2026-03-09T11:00:00.000Z', 'M'),
    resolved('2026-03-09T12:00:00.000Z', 'A'),
    bulletin('2026-03-09T13:00:00.000Z', 'M'),
  ]
  const events = history(steps)

  it('resumes from its saved state (as JSON) and reports what one pass reports', async () => {
    const store = await loadStore(createMemoryStore(), events.slice(0, 12))
    const checkpoints = createMemoryCheckpointStore()
    const start = async () => {
      const r = await runProjections({
        store,
        projections: [serviceLevelsProjection],
        checkpoints,
        saveEvery: 5,
      })()
      if (r._tag === 'Left') throw new Error(r.left.message)
      await r.right.caughtUp
      return r.right
    }
    const first = await start()
    expect((await first.close()())._tag).toBe('Right')
    await loadStore(store, events.slice(12))
    const second = await start()
    expect(second.status()[0]?.start).toBe('resumed')
    const head = await store.headPosition()()
    await second.waitFor(head._tag === 'Right' ? head.right : -1)
    expect(serviceLevelReport(second.stateOf(serviceLevelsProjection))).toEqual(computeServiceLevels(events))
    await second.close()()
  })

  it('a checkpoint that is not a service-level state is rebuilt, not trusted', () => {
    expect(serviceLevelStateCodec.decode({ tickets: [] })._tag).toBe('Left')
    const state = events.reduce(applyServiceLevelEvent, initialServiceLevelState())
    const decoded = serviceLevelStateCodec.decode(
      JSON.parse(JSON.stringify(serviceLevelStateCodec.encode(state))),
    )
    expect(decoded._tag === 'Right' && serviceLevelReport(decoded.right)).toEqual(serviceLevelReport(state))
  })
})
