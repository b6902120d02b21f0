import { describe, expect, it } from 'vitest'
import type { TicketServiceLevels } from '../src/projections/service-level-types.js'
import { renderTimelineText, ticketTimeline } from '../src/projections/timeline.js'
import { iso, qualityHistory, standardOrganization } from './support/quality-history.js'

/**
 * Site paris, Europe/Paris (UTC+1 in early March 2026), open Mon–Fri 08:00–12:00
 * and 13:30–18:00 local. Policy: response PT4H, escalation office PT8H, P3 PT16H.
 * Times below are local; the builder takes UTC (one hour earlier).
 *
 *   Mon 2 March 09:00  opened                         (08:00Z)
 *               09:05  qualified incident/office/P3   (08:05Z)
 *               09:30  assigned to tech-office        (08:30Z)
 *               10:00  answer given: response stops   (09:00Z)
 *               11:00  suspended (awaiting the user)  (10:00Z)
 *               14:30  resumed                        (13:30Z)
 *               16:00  resolved                       (15:00Z)
 *   Tue 3 March 09:00  reopened by the requester      (08:00Z)
 *               10:30  resolved again                 (09:30Z)
 *               11:00  restoration told               (10:00Z)
 *               11:30  closed                         (10:30Z)
 *               12:00  satisfaction 4                 (11:00Z)  ← last event: the as-of instant
 */
const build = () => {
  const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
  h.ticket('T-9', '2026-03-02T08:00', { summary: 'Screen stays black' })
    .qualify('2026-03-02T08:05', 'incident', 'office', 'P3')
    .assign('2026-03-02T08:30', 'tech-office')
    .inform('2026-03-02T09:00', 'answer')
    .suspend('2026-03-02T10:00')
    .resume('2026-03-02T13:30')
    .resolve('2026-03-02T15:00')
    .reopen('2026-03-03T08:00', 'still black')
    .resolve('2026-03-03T09:30', 'KB-7')
    .inform('2026-03-03T10:00', 'restoration')
    .close('2026-03-03T10:30')
    .satisfaction('2026-03-03T11:00', 4)
  // Another ticket's events must not leak into this timeline.
  h.ticket('OTHER', '2026-03-02T08:10').assign('2026-03-02T08:11', 'tech-phone')
  return h
}

type Clocks = Pick<TicketServiceLevels, 'response' | 'escalation' | 'resolution'>
const clocks = (l: TicketServiceLevels | null): Clocks | null =>
  l === null ? null : { response: l.response, escalation: l.escalation, resolution: l.resolution }

// Response deadline: 4 business hours from Mon 09:00 = 09:00–12:00 (3 h) + 13:30–14:30 = Mon 14:30 local.
const RESPONSE_DEADLINE = iso('2026-03-02T13:30')
// Escalation deadline (office, 8 h): Mon 09:00–12:00 (3 h) + 13:30–18:00 (4.5 h) + Tue 08:00–08:30 = Tue 08:30 local.
const ESCALATION_DEADLINE = iso('2026-03-03T07:30')

describe('ticket timeline: a ticket suspended and reopened', () => {
  const t = ticketTimeline(build().events(), 'T-9')!

  it('tells who the ticket is and what judged it', () => {
    expect(t).toMatchObject({
      ticketId: 'T-9',
      requesterId: 'user-T-9',
      siteId: 'paris',
      workstationType: 'desktop',
      channel: 'phone',
      summary: 'Screen stays black',
      openedAt: iso('2026-03-02T08:00'),
      asOf: iso('2026-03-03T11:00'),
      status: 'closed',
      notJudged: null,
    })
    expect(t.rules.policy).toMatchObject({ since: iso('2026-03-01T00:00'), override: false })
    expect(t.rules.policy?.value.responseTarget).toBe('PT4H')
    expect(t.rules.timeZone).toEqual({ since: iso('2026-03-01T00:00'), value: 'Europe/Paris' })
    expect(t.rules.supportHours?.weekly.mon).toEqual([
      ['08:00', '12:00'],
      ['13:30', '18:00'],
    ])
  })

  it('lists every event of the ticket, with actor, status after it and a one-line description', () => {
    expect(t.entries.map((e) => [e.actor.id, e.actor.role, e.status, e.description])).toEqual([
      [
        'desk-agent',
        'assistance',
        'open',
        'opened for user-T-9 by phone at desk desk-1 (site paris, workstation desktop): “Screen stays black”',
      ],
      ['desk-agent', 'assistance', 'open', 'qualified as incident, domain office, priority P3'],
      ['desk-agent', 'assistance', 'assigned', 'assigned to tech-office (office-technician)'],
      ['tech-office', 'office-technician', 'assigned', 'user given an answer: “answer given”'],
      ['tech-office', 'office-technician', 'suspended', 'suspended, awaiting the user'],
      ['tech-office', 'office-technician', 'assigned', 'resumed'],
      ['tech-office', 'office-technician', 'resolved', 'resolved, code fixed: “done”'],
      ['user-T-9', 'user', 'assigned', 'reopened: “still black”'],
      [
        'tech-office',
        'office-technician',
        'resolved',
        'resolved, code fixed (knowledge article KB-7): “done”',
      ],
      ['tech-office', 'office-technician', 'resolved', 'user told of the restoration: “restoration given”'],
      ['tech-office', 'office-technician', 'closed', 'closed'],
      ['user-T-9', 'user', 'closed', 'satisfaction 4/5'],
    ])
    expect(t.entries.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
  })

  it('times each stretch and each state, elapsed and in business hours', () => {
    expect(t.periods.map((p) => [p.status, p.elapsedMinutes, p.businessMinutes])).toEqual([
      ['open', 30, 30], // Mon 09:00–09:30
      ['assigned', 90, 90], // 09:30–11:00
      ['suspended', 210, 120], // 11:00–14:30: 11:00–12:00 and 13:30–14:30 are open
      ['assigned', 90, 90], // 14:30–16:00
      ['resolved', 1020, 180], // Mon 16:00 → Tue 09:00: Mon 16:00–18:00 and Tue 08:00–09:00
      ['assigned', 90, 90], // Tue 09:00–10:30
      ['resolved', 60, 60], // 10:30–11:30
      ['closed', 30, 30], // 11:30 → as of 12:00
    ])
    expect(t.timeInState).toEqual({
      open: { elapsedMinutes: 30, businessMinutes: 30 },
      assigned: { elapsedMinutes: 270, businessMinutes: 270 },
      'awaiting-expert': { elapsedMinutes: 0, businessMinutes: 0 },
      suspended: { elapsedMinutes: 210, businessMinutes: 120 },
      resolved: { elapsedMinutes: 1080, businessMinutes: 240 },
      closed: { elapsedMinutes: 30, businessMinutes: 30 },
    })
    // The stretches cover Mon 09:00 → Tue 12:00 without gap: 27 h.
    expect(t.periods.reduce((n, p) => n + p.elapsedMinutes, 0)).toBe(27 * 60)
  })

  it('shows the clocks as they stood after each step', () => {
    const pendingResponse = {
      status: 'pending',
      businessMinutes: null,
      targetMinutes: 240,
      deadline: RESPONSE_DEADLINE,
      stoppedAt: null,
    }
    const metResponse = {
      status: 'met',
      businessMinutes: 60, // Mon 09:00–10:00
      targetMinutes: 240,
      deadline: RESPONSE_DEADLINE,
      stoppedAt: iso('2026-03-02T09:00'),
    }
    const escalationPending = { status: 'pending', deadline: ESCALATION_DEADLINE, escalatedAt: null }
    const escalationNotNeeded = { status: 'not-needed', deadline: ESCALATION_DEADLINE, escalatedAt: null }
    const running = { status: 'pending', businessMinutes: null, targetMinutes: 960 }
    const c = t.entries.map((e) => clocks(e.serviceLevels))
    // Opened, not yet qualified: no domain, no priority.
    expect(c[0]).toEqual({
      response: pendingResponse,
      escalation: { status: 'pending', deadline: null, escalatedAt: null },
      resolution: { status: 'pending', businessMinutes: null, targetMinutes: null },
    })
    expect(c[1]).toEqual({ response: pendingResponse, escalation: escalationPending, resolution: running })
    expect(c[3]).toEqual({ response: metResponse, escalation: escalationPending, resolution: running })
    expect(c[4]?.resolution).toEqual(running) // suspended
    // First resolution, Mon 16:00: 09:00–16:00 is 330 business minutes, less 120 suspended = 210.
    expect(c[6]).toEqual({
      response: metResponse,
      escalation: escalationNotNeeded, // resolved before Tue 08:30
      resolution: { status: 'met', businessMinutes: 210, targetMinutes: 960 },
    })
    expect(c[7]?.resolution).toEqual(running) // reopened: the clock runs again
    // Second resolution, Tue 10:30: 210 + Tue 09:00–10:30 (90) = 300.
    expect(c[8]?.resolution).toEqual({ status: 'met', businessMinutes: 300, targetMinutes: 960 })
    expect(clocks(t.serviceLevels)).toEqual({
      response: metResponse,
      escalation: escalationNotNeeded,
      resolution: { status: 'met', businessMinutes: 300, targetMinutes: 960 },
    })
  })

  it('travels in time: as of Mon 12:30 local, the ticket is suspended and its clock still runs', () => {
    const early = ticketTimeline(build().events(), 'T-9', { asOf: iso('2026-03-02T11:30') })!
    expect(early.status).toBe('suspended')
    expect(early.entries).toHaveLength(5)
    expect(early.periods.at(-1)).toEqual({
      status: 'suspended',
      from: iso('2026-03-02T10:00'),
      to: iso('2026-03-02T11:30'),
      elapsedMinutes: 90, // 11:00–12:30
      businessMinutes: 60, // 11:00–12:00
    })
    expect(early.serviceLevels?.resolution).toEqual({
      status: 'pending',
      businessMinutes: null,
      targetMinutes: 960,
    })
  })

  it('a what-if policy judges the ticket instead of the one in force', () => {
    const whatIf = ticketTimeline(build().events(), 'T-9', {
      policyOverride: {
        responseTarget: 'PT30M' as never,
        escalationDelays: {},
        resolutionTargets: { P3: 'PT4H' as never },
        majorIncidentBulletinTarget: 'PT24H' as never,
        qualityThresholds: {
          excellent: { responseCompliance: 0.95 },
          good: { responseCompliance: 0.9 },
          fair: { responseCompliance: 0.75 },
        },
      },
    })!
    expect(whatIf.rules.policy).toMatchObject({ since: null, override: true })
    expect(whatIf.serviceLevels?.response.status).toBe('breached') // 60 > 30
    expect(whatIf.serviceLevels?.resolution.status).toBe('breached') // 300 > 240
  })
})

describe('ticket timeline: other cases', () => {
  it('describes reassignment, escalation by the delay, advice and management', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('R', '2026-03-02T08:00')
      .qualify('2026-03-02T08:01', 'incident', 'network', 'P1')
      .assign('2026-03-02T08:02', 'tech-office')
      .assign('2026-03-02T08:03', 'tech-office-2')
      .escalate('2026-03-02T10:00', 'network', 'delay-expired')
      .advise('2026-03-02T10:30')
      .involve('2026-03-02T11:00', 'difficulty')
      .qualify('2026-03-02T11:01', 'request', 'office', 'P4')
      .link('2026-03-02T11:02', 'MI-3')
    const t = ticketTimeline(h.events(), 'R')!
    expect(t.entries.slice(3).map((e) => e.description)).toEqual([
      'reassigned from tech-office to tech-office-2 (office-technician)',
      'level 2 (network) called automatically: the escalation delay expired',
      'expert advice from expert-1, ticket back with its owner: “try this”',
      'management involved: resolution in difficulty',
      'requalified as request, domain office, priority P4',
      'linked to major incident MI-3',
    ])
    expect(t.timeInState['awaiting-expert']).toEqual({ elapsedMinutes: 30, businessMinutes: 30 })
  })

  it('says why the clocks cannot be computed when the site has no support hours', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.org('SiteRegistered', { siteId: 'lyon', name: 'Lyon', timeZone: 'Europe/Paris' }, '2026-03-01T00:00')
    h.ticket('L', '2026-03-02T08:00', { siteId: 'lyon' }).assign('2026-03-02T09:00', 'tech-office')
    const t = ticketTimeline(h.events(), 'L')!
    expect(t.serviceLevels).toBeNull()
    expect(t.entries.every((e) => e.serviceLevels === null)).toBe(true)
    expect(t.notJudged).toMatch(/no support hours/)
    expect(t.rules.supportHours).toBeNull()
    expect(t.periods.map((p) => [p.status, p.elapsedMinutes, p.businessMinutes])).toEqual([
      ['open', 60, null],
      ['assigned', 0, null],
    ])
  })

  it('is undefined for a ticket never opened, or not yet opened as of asOf', () => {
    const events = build().events()
    expect(ticketTimeline(events, 'NOPE')).toBeUndefined()
    expect(ticketTimeline(events, 'T-9', { asOf: iso('2026-03-02T07:59') })).toBeUndefined()
  })
})

describe('renderTimelineText', () => {
  const text = renderTimelineText(ticketTimeline(build().events(), 'T-9')!)

  it('reads top to bottom in the site’s local time', () => {
    const lines = text.split('\n')
    expect(lines[0]).toBe('Ticket T-9: “Screen stays black”')
    expect(text).toContain('Opened Mon 2026-03-02 09:00 (Europe/Paris); closed as of Tue 2026-03-03 12:00')
    expect(text).toContain('policy in force since 2026-03-01T00:00:00.000Z: response PT4H;')
    expect(text).toContain('support hours since 2026-03-01T00:00:00.000Z: mon 08:00–12:00, 13:30–18:00;')
    expect(text).toContain(
      '  Mon 2026-03-02 09:30  desk-agent (assistance)  assigned to tech-office (office-technician)',
    )
    expect(text).toContain(
      'now resolved; response met in 1:00 (target 4:00); escalation not-needed (deadline Tue 2026-03-03 08:30); ' +
        'resolution met in 3:30 (target 16:00)',
    )
    expect(lines.findIndex((l) => l.includes('suspended, awaiting the user'))).toBeLessThan(
      lines.findIndex((l) => l.includes('reopened')),
    )
    expect(text).toMatch(/\n {2}suspended\s+3:30\s+2:00\n/)
    expect(text).toMatch(/\n {2}resolved\s+18:00\s+4:00\n/)
    expect(text).toMatch(/\n {2}Mon 2026-03-02 11:00\s+Mon 2026-03-02 14:30\s+suspended\s+3:30\s+2:00\n/)
  })
})
