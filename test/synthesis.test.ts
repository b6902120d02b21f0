import { describe, expect, it } from 'vitest'
import type { QualityThresholds } from '../src/domain/events.js'
import { computeQuality } from '../src/projections/quality.js'
import type { TicketServiceLevels } from '../src/projections/service-level-types.js'
import {
  computeSynthesis,
  type GroupQuality,
  median,
  qualityLevelOf,
  renderSynthesisTable,
  synthesize,
} from '../src/projections/synthesis.js'
import {
  iso,
  majorIncidentLevel,
  qualityHistory,
  serviceLevel,
  standardOrganization,
} from './support/quality-history.js'

const DEFAULTS: QualityThresholds = {
  excellent: { responseCompliance: 0.95, satisfactionMean: 4.2 },
  good: { responseCompliance: 0.9, satisfactionMean: 3.8 },
  fair: { responseCompliance: 0.75, satisfactionMean: 3.0 },
}

/**
 * Five tickets opened on Monday 2 March 2026:
 *   T1 desktop/office, phone   assigned, answered, resolved; satisfaction 5          (first contact)
 *   T2 desktop/office, email   assigned then reassigned, resolved citing KB-1; sat 4
 *   T3 desktop/telephony       escalated, advised, resolved, reopened, resolved citing KB-1; sat 3 then 2
 *   T4 laptop, unqualified     never assigned, still open
 *   T5 laptop/office at lyon   request via portal, resolved by its first owner; no satisfaction (first contact)
 * Service levels (hand-made, as the service-level projection would hand them):
 *   response   T1 met 30, T2 met 60, T3 breached 300, T4 pending, T5 met 90
 *   resolution T1 met 120, T2 breached 1000, T3 met 500, T4 pending, T5 met 200
 */
const fiveTickets = () => {
  const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
  h.ticket('T1', '2026-03-02T08:00')
    .qualify('2026-03-02T08:01', 'incident', 'office', 'P3')
    .assign('2026-03-02T08:02', 'tech-office')
    .inform('2026-03-02T08:30')
    .resolve('2026-03-02T10:00')
    .satisfaction('2026-03-02T10:05', 5)
  h.ticket('T2', '2026-03-02T08:10', { channel: 'email' })
    .qualify('2026-03-02T08:11', 'incident', 'office', 'P3')
    .assign('2026-03-02T08:12', 'tech-office')
    .assign('2026-03-02T08:13', 'tech-office-2')
    .resolve('2026-03-02T11:00', 'KB-1')
    .satisfaction('2026-03-02T11:05', 4)
  h.ticket('T3', '2026-03-02T08:20')
    .qualify('2026-03-02T08:21', 'incident', 'telephony', 'P3')
    .assign('2026-03-02T08:22', 'tech-phone')
    .escalate('2026-03-02T08:30', 'telephony')
    .advise('2026-03-02T09:00')
    .resolve('2026-03-02T12:00')
    .satisfaction('2026-03-02T12:05', 3)
    .reopen('2026-03-02T13:00')
    .resolve('2026-03-02T15:00', 'KB-1')
    .satisfaction('2026-03-02T15:05', 2)
  h.ticket('T4', '2026-03-02T08:30', { workstationType: 'laptop' })
  h.ticket('T5', '2026-03-02T08:40', { workstationType: 'laptop', siteId: 'lyon', channel: 'portal' })
    .qualify('2026-03-02T08:41', 'request', 'office', 'P3')
    .assign('2026-03-02T08:42', 'tech-office')
    .resolve('2026-03-02T16:00')
  const levels: TicketServiceLevels[] = [
    serviceLevel('T1', '2026-03-02T08:00', {
      response: 'met',
      responseMinutes: 30,
      resolution: 'met',
      resolutionMinutes: 120,
    }),
    serviceLevel('T2', '2026-03-02T08:10', {
      response: 'met',
      responseMinutes: 60,
      resolution: 'breached',
      resolutionMinutes: 1000,
    }),
    serviceLevel('T3', '2026-03-02T08:20', {
      response: 'breached',
      responseMinutes: 300,
      resolution: 'met',
      resolutionMinutes: 500,
    }),
    serviceLevel('T4', '2026-03-02T08:30'),
    serviceLevel('T5', '2026-03-02T08:40', {
      response: 'met',
      responseMinutes: 90,
      resolution: 'met',
      resolutionMinutes: 200,
    }),
  ]
  return { h, levels }
}

describe('synthesis: group measures worked by hand', () => {
  const { h, levels } = fiveTickets()
  const s = synthesize(computeQuality(h.events()), levels, [])

  it('overall: rates, even-count medians, satisfaction, knowledge reuse, quality level', () => {
    expect(s.overall).toEqual<GroupQuality>({
      tickets: 5,
      responseCompliance: 3 / 4, // T1, T2, T5 met; T3 breached; T4 pending is left out
      resolutionCompliance: 3 / 4, // T1, T3, T5 met; T2 breached
      medianResponseMinutes: 75, // 30 60 | 90 300 → (60 + 90) / 2
      medianResolutionMinutes: 350, // 120 200 | 500 1000 → (200 + 500) / 2
      escalationRate: 1 / 5, // T3 of 5 tickets
      reopenRate: 1 / 4, // T3 of the 4 tickets ever resolved
      firstContactResolutionRate: 2 / 4, // T1 and T5 of the 4 resolved (T2 reassigned, T3 escalated and reopened)
      satisfaction: { mean: 3.5, responses: 4 }, // (5 + 4 + 3 + 2) / 4
      knowledgeReuseRate: 2 / 5, // 5 resolutions (T3 twice), 2 cite an article
      qualityLevel: 'fair', // 0.75 ≥ 0.75 and 3.5 ≥ 3.0, but below good's 0.90
    })
  })

  it('per workstation type: odd-count medians, and a group with no satisfaction judged on compliance alone', () => {
    expect(Object.keys(s.byWorkstationType)).toEqual(['desktop', 'laptop'])
    expect(s.byWorkstationType.desktop).toEqual<GroupQuality>({
      tickets: 3,
      responseCompliance: 2 / 3,
      resolutionCompliance: 2 / 3,
      medianResponseMinutes: 60, // 30 60 300
      medianResolutionMinutes: 500, // 120 500 1000
      escalationRate: 1 / 3,
      reopenRate: 1 / 3,
      firstContactResolutionRate: 1 / 3,
      satisfaction: { mean: 3.5, responses: 4 },
      knowledgeReuseRate: 2 / 4,
      qualityLevel: 'poor', // 0.67 < 0.75
    })
    expect(s.byWorkstationType.laptop).toEqual<GroupQuality>({
      tickets: 2,
      responseCompliance: 1, // T5 met, T4 pending
      resolutionCompliance: 1,
      medianResponseMinutes: 90,
      medianResolutionMinutes: 200,
      escalationRate: 0,
      reopenRate: 0,
      firstContactResolutionRate: 1,
      satisfaction: { mean: null, responses: 0 },
      knowledgeReuseRate: 0,
      qualityLevel: 'excellent', // no answers: 1.0 ≥ 0.95 alone
    })
  })

  it('groups by site, domain (unqualified apart), owner role and level (unassigned apart)', () => {
    const counts = (r: Readonly<Record<string, GroupQuality>>) =>
      Object.fromEntries(Object.entries(r).map(([k, g]) => [k, g.tickets]))
    expect(counts(s.bySite)).toEqual({ lyon: 1, paris: 4 })
    expect(counts(s.byDomain)).toEqual({ '(unqualified)': 1, office: 3, telephony: 1 })
    // T2's final owner is tech-office-2, also an office technician.
    expect(counts(s.byOwnerRole)).toEqual({
      '(unassigned)': 1,
      'office-technician': 3,
      'telephony-technician': 1,
    })
    expect(counts(s.byLevel)).toEqual({ '(unassigned)': 1, L1: 4 })
    expect(s.byDomain.telephony!.qualityLevel).toBe('poor') // 0 of 1 response met
    expect(s.byDomain['(unqualified)']!.qualityLevel).toBeNull() // nothing to judge
  })

  it('counts volumes by kind and by channel', () => {
    expect(s.volumes).toEqual({
      byKind: { '(unqualified)': 1, incident: 3, request: 1 },
      byChannel: { email: 1, phone: 3, portal: 1 },
    })
  })

  it('summarises knowledge reuse for the period', () => {
    expect(s.knowledge).toEqual({
      articlesPublished: 0,
      publishedArticleIds: [],
      resolutions: 5,
      resolutionsCitingArticle: 2,
      reuseRate: 0.4,
      distinctArticlesCited: 1,
    })
  })

  it('counts a ticket the service levels do not know in volumes, not in compliance', () => {
    const s2 = synthesize(computeQuality(h.events()), levels.slice(0, 4), [])
    expect(s2.overall.tickets).toBe(5)
    expect(s2.overall.responseCompliance).toBe(2 / 3) // T5's met is unknown
    expect(s2.overall.medianResponseMinutes).toBe(60) // 30 60 300
  })

  it('is plain JSON (round-trips unchanged)', () => {
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
    expect(Object.keys(s)).toEqual([
      'period',
      'asOf',
      'overall',
      'byWorkstationType',
      'bySite',
      'byDomain',
      'byOwnerRole',
      'byLevel',
      'volumes',
      'backlog',
      'knowledge',
      'majorIncidents',
    ])
    expect(s.asOf).toBe(iso('2026-03-02T16:00')) // the last event
  })
})

describe('median', () => {
  it('is the middle value of an odd count and the mean of the two middle values of an even count', () => {
    expect(median([])).toBeNull()
    expect(median([7])).toBe(7)
    expect(median([9, 1, 5])).toBe(5)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([10, 10.5])).toBe(10.25)
  })
})

describe('quality level at each threshold boundary (domain.md §6 defaults)', () => {
  it.each([
    [0.95, 4.2, 'excellent'],
    [0.9499, 4.2, 'good'],
    [0.95, 4.19, 'good'],
    [0.9, 3.8, 'good'],
    [0.8999, 5, 'fair'],
    [1, 3.79, 'fair'],
    [0.75, 3.0, 'fair'],
    [0.7499, 5, 'poor'],
    [1, 2.99, 'poor'],
    [0.95, null, 'excellent'], // no satisfaction answers: compliance alone
    [0.9, null, 'good'],
    [0.75, null, 'fair'],
    [0.74, null, 'poor'],
    [null, 4.2, 'excellent'], // no met or breached response: satisfaction alone
    [null, 2.5, 'poor'],
    [null, null, null], // nothing to judge
  ] as const)('compliance %s, satisfaction %s → %s', (c, m, level) => {
    expect(qualityLevelOf(c, m, DEFAULTS)).toBe(level)
  })

  it('a threshold without a satisfaction mean judges compliance alone', () => {
    const t: QualityThresholds = {
      excellent: { responseCompliance: 0.99 },
      good: { responseCompliance: 0.5, satisfactionMean: 4 },
      fair: { responseCompliance: 0.1 },
    }
    expect(qualityLevelOf(0.99, 1, t)).toBe('excellent')
    expect(qualityLevelOf(0.6, 3.9, t)).toBe('fair')
    expect(qualityLevelOf(0.6, 4, t)).toBe('good')
  })

  it('a group exactly at 19/20 response compliance and a 21/5 mean is excellent (no rounding loss)', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    const levels: TicketServiceLevels[] = []
    const scores = [5, 5, 4, 4, 3] // mean 4.2
    for (let i = 0; i < 20; i++) {
      const at = `2026-03-02T09:${String(i).padStart(2, '0')}`
      const b = h.ticket(`G${i}`, at).assign(at, 'tech-office').resolve(at)
      if (i < scores.length) b.satisfaction(at, scores[i]!)
      levels.push(serviceLevel(`G${i}`, at, { response: i === 0 ? 'breached' : 'met', responseMinutes: 1 }))
    }
    const s = synthesize(computeQuality(h.events()), levels, [])
    expect(s.overall.responseCompliance).toBe(0.95)
    expect(s.overall.satisfaction).toEqual({ mean: 4.2, responses: 5 })
    expect(s.overall.qualityLevel).toBe('excellent')
  })

  it('uses the thresholds of the policy in force at the end of the period, unless given', () => {
    const { h, levels } = fiveTickets()
    h.policy('2026-03-05T00:00', {
      qualityThresholds: {
        excellent: { responseCompliance: 0.7 },
        good: { responseCompliance: 0.6 },
        fair: { responseCompliance: 0.5 },
      },
    })
    const q = computeQuality(h.events())
    expect(synthesize(q, levels, [], { to: iso('2026-03-04T00:00') }).overall.qualityLevel).toBe('fair')
    expect(synthesize(q, levels, [], { to: iso('2026-03-06T00:00') }).overall.qualityLevel).toBe('excellent')
    expect(
      synthesize(q, levels, [], { to: iso('2026-03-06T00:00'), thresholds: DEFAULTS }).overall.qualityLevel,
    ).toBe('fair')
  })
})

describe('period, backlog, knowledge and major incidents', () => {
  /**
   * Period [Tue 3 March 00:00, Thu 5 March 00:00); history runs until Sat 7 March.
   *   P0 opened Mon 2 (before the period), still assigned            → backlog only (age 3 days exactly)
   *   P1 opened Tue 3 00:00 (the start: included), resolved Tue 3    → period, not backlog
   *   P2 opened Wed 4 23:59 (included), resolved Fri 6 (after `to`)  → period and backlog (assigned at `to`)
   *   P3 opened Thu 5 00:00 (the end: excluded)                      → neither
   *   P4 opened Tue 3 10:00, escalated, still awaiting the expert    → period and backlog
   *   P5 opened Tue 3 11:00, suspended Wed 4                         → period and backlog (suspended)
   *   P6 opened Wed 4 12:00, resolved exactly at Thu 5 00:00         → period and backlog (`to` is excluded)
   *   P7 opened Wed 4 13:00, resolved Wed 4, reopened Fri 6          → period, not backlog at `to`
   */
  const build = () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('P0', '2026-03-02T00:00').assign('2026-03-02T08:00', 'tech-office')
    h.ticket('P1', '2026-03-03T00:00')
      .assign('2026-03-03T08:00', 'tech-office')
      .resolve('2026-03-03T09:00', 'KB-A')
    h.article('2026-03-03T12:00', 'KB-A')
    h.majorIncident('2026-03-03T14:00', 'MI-IN')
    h.ticket('P4', '2026-03-03T10:00')
      .assign('2026-03-03T10:01', 'tech-office')
      .escalate('2026-03-03T10:02', 'office')
      .link('2026-03-03T14:05', 'MI-IN')
    h.ticket('P5', '2026-03-03T11:00').assign('2026-03-03T11:01', 'tech-office').suspend('2026-03-04T09:00')
    h.ticket('P2', '2026-03-04T23:59').assign('2026-03-04T23:59', 'tech-office')
    h.ticket('P6', '2026-03-04T12:00').assign('2026-03-04T12:01', 'tech-office')
    h.ticket('P7', '2026-03-04T13:00').assign('2026-03-04T13:01', 'tech-office').resolve('2026-03-04T14:00')
    h.ticket('P3', '2026-03-05T00:00')
    h.article('2026-03-05T00:00', 'KB-B') // published at `to`: next period
    h.majorIncident('2026-03-05T00:00', 'MI-OUT')
    h.add('ticket-P6', 'TicketResolved', { resolutionCode: 'x', solution: 'y' as never }, '2026-03-05T00:00')
    h.add('ticket-P2', 'TicketResolved', { resolutionCode: 'x', solution: 'y' as never }, '2026-03-06T10:00')
    h.add('ticket-P7', 'TicketReopened', { reason: 'again' }, '2026-03-06T11:00')
    h.add('ticket-P0', 'TicketSuspended', { reason: 'awaiting-user' }, '2026-03-07T00:00')
    return h
  }
  const period = { from: iso('2026-03-03T00:00'), to: iso('2026-03-05T00:00') }
  const q = computeQuality(build().events())
  const s = synthesize(
    q,
    [],
    [
      majorIncidentLevel('MI-IN', '2026-03-03T14:00', {
        status: 'met',
        bulletinElapsedMinutes: 90,
        staffAlertElapsedMinutes: 0,
      }),
      majorIncidentLevel('MI-OUT', '2026-03-05T00:00'),
    ],
    period,
  )

  it('takes the tickets opened in [from, to)', () => {
    expect(s.period).toEqual({ from: period.from, to: period.to })
    expect(s.overall.tickets).toBe(6) // P1 P2 P4 P5 P6 P7
    expect(s.volumes.byKind).toEqual({ '(unqualified)': 6 })
  })

  it('tells the backlog at the end of the period: opened before `to`, not resolved just before it', () => {
    expect(s.backlog).toEqual({
      at: period.to,
      total: 5, // P0 P2 P4 P5 P6
      byStatus: { open: 0, assigned: 3, 'awaiting-expert': 1, suspended: 1 },
      byAge: {
        // at Thu 5 00:00: P2 1 minute, P6 12 h → under 1 day; P4 38 h, P5 37 h → 1 to 3 days; P0 exactly 3 days
        'under-1-day': 2,
        '1-to-3-days': 2,
        '3-to-7-days': 1,
        '7-to-30-days': 0,
        '30-days-or-more': 0,
      },
      oldest: { ticketId: 'P0', openedAt: iso('2026-03-02T00:00'), ageDays: 3 },
    })
  })

  it('without `to`, tells the backlog as of the last event, inclusive', () => {
    const all = synthesize(q, [], [])
    expect(all.backlog.at).toBe(iso('2026-03-07T00:00'))
    // P0 suspended at that very instant; P3 open; P4 awaiting; P5 suspended; P7 reopened (assigned).
    expect(all.backlog.byStatus).toEqual({ open: 1, assigned: 1, 'awaiting-expert': 1, suspended: 2 })
  })

  it('with an asOf before `to`, tells the backlog as of asOf and ignores later tickets', () => {
    const early = synthesize(q, [], [], { ...period, asOf: iso('2026-03-03T10:00') })
    expect(early.overall.tickets).toBe(2) // P1, and P4 opened at 10:00 exactly
    expect(early.backlog.at).toBe(iso('2026-03-03T10:00'))
    expect(early.backlog.total).toBe(2) // P0 assigned, P4 open (P1 resolved at 09:00)
  })

  it('reports articles published in the period and reuse by the period’s resolutions', () => {
    expect(s.knowledge).toEqual({
      articlesPublished: 1,
      publishedArticleIds: ['KB-A'],
      // The period's tickets are measured with everything known as of the last event:
      // P1, P6 (at `to`), P7, and P2 (Fri 6) are resolutions; only P1 cites an article.
      resolutions: 4,
      resolutionsCitingArticle: 1,
      reuseRate: 1 / 4,
      distinctArticlesCited: 1,
    })
  })

  it('lists the major incidents declared in the period with their commitments', () => {
    expect(s.majorIncidents).toEqual([
      {
        incidentId: 'MI-IN',
        declaredAt: iso('2026-03-03T14:00'),
        bulletinElapsedMinutes: 90,
        bulletinTargetMinutes: 1440,
        status: 'met',
        staffAlertElapsedMinutes: 0,
        linkedTickets: 1,
      },
    ])
  })
})

describe('renderSynthesisTable', () => {
  const { h, levels } = fiveTickets()
  const text = renderSynthesisTable(
    synthesize(computeQuality(h.events()), levels, [majorIncidentLevel('MI-1', '2026-03-02T09:00')]),
  )
  const lines = text.split('\n')

  it('prints each group as a row of aligned columns', () => {
    const header = lines.findIndex(
      (l, i) => l.startsWith('       ') && lines[i - 1] === 'By workstation type',
    )
    expect(header).toBeGreaterThan(0)
    const rows = lines.slice(header + 2, header + 4)
    expect(rows[0]).toMatch(
      /^desktop\s+3\s+66\.7%\s+66\.7%\s+1:00\s+8:20\s+33\.3%\s+33\.3%\s+33\.3%\s+3\.50 \(4\)\s+50\.0%\s+poor$/,
    )
    expect(rows[1]).toMatch(
      /^laptop\s+2\s+100\.0%\s+100\.0%\s+1:30\s+3:20\s+0\.0%\s+0\.0%\s+100\.0%\s+— \(0\)\s+0\.0%\s+excellent$/,
    )
    // Right-aligned numbers end under the end of their header.
    const end = lines[header]!.indexOf('Tickets') + 'Tickets'.length
    for (const r of rows) expect(r[end - 1]).toMatch(/\d/)
    expect(lines[header + 1]).toMatch(/^-+( {2}-+)+$/)
  })

  it('has every section a manager reads', () => {
    for (const title of [
      'Overall',
      'By site',
      'By domain',
      'By owner role',
      'By level',
      'Volumes',
      'Knowledge base',
    ])
      expect(lines).toContain(title)
    expect(text).toContain('Backlog at 2026-03-02T16:00:00.000Z: 1 ticket not resolved')
    expect(text).toMatch(/MI-1\s+2026-03-02T09:00:00\.000Z\s+—\s+24:00\s+pending/)
  })
})

describe('computeSynthesis: from a history, with the real service-level clocks', () => {
  /**
   * Paris, Mon–Fri 08:00–12:00 / 13:30–18:00 local (UTC+1), response target PT4H.
   *   A opened Mon 09:00 local, answered 10:00            → 60 business minutes, met
   *   B opened Mon 09:00 local, answered 15:30            → 180 + 120 = 300 > 240, breached
   *   C opened Mon 09:00 local, only told of progress      → still running
   */
  const build = () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('A', '2026-03-02T08:00').inform('2026-03-02T09:00', 'answer')
    h.ticket('B', '2026-03-02T08:00').inform('2026-03-02T14:30', 'answer')
    h.ticket('C', '2026-03-02T08:00').inform('2026-03-02T14:45', 'progress')
    return h.events()
  }

  it('judges each ticket by its clocks as of the last event', () => {
    // As of Mon 15:45 local, C has run 180 + 135 = 315 business minutes: breached while running.
    const s = computeSynthesis(build())
    expect(s.asOf).toBe(iso('2026-03-02T14:45'))
    expect(s.overall.responseCompliance).toBe(1 / 3)
    expect(s.overall.medianResponseMinutes).toBe(180) // (60 + 300) / 2; C's clock runs: no minutes
  })

  it('travels in time with asOf: later facts do not count', () => {
    // As of Mon 12:00 local: A met; B and C have run 180 minutes, still pending.
    const s = computeSynthesis(build(), { asOf: iso('2026-03-02T11:00') })
    expect(s.overall.responseCompliance).toBe(1)
    expect(s.overall.medianResponseMinutes).toBe(60)
    expect(s.backlog.at).toBe(iso('2026-03-02T11:00'))
  })

  it('answers a what-if policy without changing the history', () => {
    const s = computeSynthesis(build(), {
      policyOverride: {
        responseTarget: 'PT6H' as never,
        escalationDelays: {},
        resolutionTargets: {},
        majorIncidentBulletinTarget: 'PT24H' as never,
        qualityThresholds: DEFAULTS,
      },
    })
    expect(s.overall.responseCompliance).toBe(1) // A 60 and B 300 ≤ 360; C (315) still pending
  })
})
