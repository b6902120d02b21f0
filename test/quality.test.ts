import { describe, expect, it } from 'vitest'
import { getOwn } from '../src/projections/policy-history.js'
import {
  computeQuality,
  initialQualityState,
  isFirstContactResolution,
  ownerRoleOf,
  type QualityState,
  qualityProjection,
  statusAt,
  thresholdsInForce,
} from '../src/projections/quality.js'
import type { Projection } from '../src/projections/runner.js'
import { iso, qualityHistory, standardOrganization } from './support/quality-history.js'

const ms = (s: string) => Date.parse(iso(s))

describe('quality projection: per-ticket facts', () => {
  const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
  h.ticket('T-1', '2026-03-02T08:00', { workstationType: 'laptop', channel: 'email', siteId: 'paris' })
    .qualify('2026-03-02T08:05', 'question', 'telephony', 'P4')
    .qualify('2026-03-02T08:06', 'incident', 'office', 'P2') // the latest qualification stands
    .assign('2026-03-02T08:10', 'tech-office')
    .inform('2026-03-02T08:20', 'answer')
    .assign('2026-03-02T08:30', 'tech-office-2') // reassignment
    .escalate('2026-03-02T09:00', 'office')
    .advise('2026-03-02T10:00')
    .suspend('2026-03-02T10:30')
    .resume('2026-03-02T11:00')
    .resolve('2026-03-02T11:30', 'KB-1')
    .satisfaction('2026-03-02T12:00', 2)
    .reopen('2026-03-02T13:00')
    .resolve('2026-03-02T14:00')
    .satisfaction('2026-03-02T14:30', 4)
    .inform('2026-03-02T14:40', 'restoration')
    .close('2026-03-02T15:00')
    .link('2026-03-02T15:10', 'MI-1')
  const q = computeQuality(h.events())
  const t = getOwn(q.tickets, 'T-1')!

  it('keeps the latest qualification, the final owner with their role and level, and the counters', () => {
    expect(t).toMatchObject({
      siteId: 'paris',
      workstationType: 'laptop',
      channel: 'email',
      openedAt: iso('2026-03-02T08:00'),
      kind: 'incident',
      domain: 'office',
      priority: 'P2',
      ownerId: 'tech-office-2',
      ownerRole: 'office-technician',
      ownerLevel: 'L1',
      assignments: 2,
      escalations: 1,
      reopenings: 1,
      resolutions: 2,
      citedArticleIds: ['KB-1'],
      knowledgeArticleId: null, // the latest resolution cited none
      satisfactionScores: [2, 4],
      majorIncidentId: 'MI-1',
      status: 'closed',
      resolvedAt: iso('2026-03-02T14:00'),
      closedAt: iso('2026-03-02T15:00'),
    })
    expect(isFirstContactResolution(t)).toBe(false)
  })

  it('records each change of status once, not every event', () => {
    // qualify, inform, second assignment, satisfaction and link do not change the status.
    expect(t.statusChanges.map((c) => [c.at.slice(11, 16), c.status])).toEqual([
      ['08:00', 'open'],
      ['08:10', 'assigned'],
      ['09:00', 'awaiting-expert'],
      ['10:00', 'assigned'],
      ['10:30', 'suspended'],
      ['11:00', 'assigned'],
      ['11:30', 'resolved'],
      ['13:00', 'assigned'],
      ['14:00', 'resolved'],
      ['15:00', 'closed'],
    ])
  })

  it('tells the status at an instant, exclusive or inclusive of events at that instant', () => {
    expect(statusAt(t, ms('2026-03-02T07:59'), true)).toBeUndefined()
    expect(statusAt(t, ms('2026-03-02T08:00'), false)).toBeUndefined()
    expect(statusAt(t, ms('2026-03-02T08:00'), true)).toBe('open')
    expect(statusAt(t, ms('2026-03-02T11:30'), false)).toBe('assigned')
    expect(statusAt(t, ms('2026-03-02T11:30'), true)).toBe('resolved')
    expect(statusAt(t, ms('2026-03-02T12:59'), true)).toBe('resolved')
    expect(statusAt(t, ms('2026-03-03T00:00'), true)).toBe('closed')
  })

  it('tracks knowledge articles, workstation type labels and the last event instant', () => {
    const h2 = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h2.article('2026-03-03T10:00', 'KB-9', 'network')
    h2.add('knowledge-KB-9', 'KnowledgeArticleRevised', { body: 'v2' }, '2026-03-04T10:00')
    const q2 = computeQuality(h2.events())
    expect(getOwn(q2.articles, 'KB-9')).toEqual({
      articleId: 'KB-9',
      title: 'How to KB-9',
      domain: 'network',
      workstationTypes: ['desktop'],
      publishedAt: iso('2026-03-03T10:00'),
      revisions: 1,
      lastRevisedAt: iso('2026-03-04T10:00'),
    })
    expect(getOwn(q2.workstationTypeLabels, 'desktop')).toBe('Desktop PC')
    expect(q2.lastEventAt).toBe(iso('2026-03-04T10:00'))
  })
})

describe('quality projection: owners, first contact, policies, time travel', () => {
  it('a ticket resolved by its first owner with no escalation nor reopening is a first-contact resolution', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('A', '2026-03-02T08:00').assign('2026-03-02T08:01', 'tech-office').resolve('2026-03-02T08:30')
    h.ticket('B', '2026-03-02T08:00').resolve('2026-03-02T08:30') // resolved with no assignment at all
    h.ticket('C', '2026-03-02T08:00').assign('2026-03-02T08:01', 'tech-office')
    const q = computeQuality(h.events())
    expect(isFirstContactResolution(getOwn(q.tickets, 'A')!)).toBe(true)
    expect(isFirstContactResolution(getOwn(q.tickets, 'B')!)).toBe(true)
    expect(isFirstContactResolution(getOwn(q.tickets, 'C')!)).toBe(false) // not resolved
  })

  it('takes the owner role known at assignment, else the one enrolled later, else none', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('A', '2026-03-02T08:00').assign('2026-03-02T08:01', 'newcomer')
    h.ticket('B', '2026-03-02T08:00').assign('2026-03-02T08:01', 'ghost')
    h.agent('2026-03-02T09:00', 'newcomer', 'business-support')
    const q = computeQuality(h.events())
    const a = getOwn(q.tickets, 'A')!
    expect(a.ownerRole).toBeNull()
    expect(ownerRoleOf(q, a)).toBe('business-support')
    expect(ownerRoleOf(q, getOwn(q.tickets, 'B')!)).toBeNull()
  })

  it('ignores events of a ticket whose opening is not in the history', () => {
    const h = qualityHistory()
    h.add('ticket-X', 'TicketResolved', { resolutionCode: 'x', solution: 'y' as never }, '2026-03-02T08:00')
    const q = computeQuality(h.events())
    expect(Object.keys(q.tickets)).toEqual([])
    expect(q.lastEventAt).toBe(iso('2026-03-02T08:00'))
  })

  it('keeps the thresholds of each policy and tells which is in force', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    const strict = {
      excellent: { responseCompliance: 0.99 },
      good: { responseCompliance: 0.98 },
      fair: { responseCompliance: 0.97 },
    }
    h.policy('2026-03-10T00:00', { qualityThresholds: strict })
    const q = computeQuality(h.events())
    expect(thresholdsInForce(q, ms('2026-02-28T00:00'))).toBeUndefined()
    expect(thresholdsInForce(q, ms('2026-03-09T23:59'))?.excellent.responseCompliance).toBe(0.95)
    expect(thresholdsInForce(q, ms('2026-03-10T00:00'))).toEqual(strict)
  })

  it('with asOf, folds only the events at or before it', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('A', '2026-03-02T08:00').assign('2026-03-02T08:01', 'tech-office').resolve('2026-03-02T09:00')
    h.ticket('B', '2026-03-02T10:00')
    const q = computeQuality(h.events(), { asOf: iso('2026-03-02T08:30') })
    expect(Object.keys(q.tickets)).toEqual(['A'])
    expect(getOwn(q.tickets, 'A')!.status).toBe('assigned')
    expect(q.lastEventAt).toBe(iso('2026-03-02T08:01'))
  })

  it('gives the same state whatever the fold (deterministic, same shape as a runner projection)', () => {
    const asRunnerProjection: Projection<QualityState> = qualityProjection // checked by the compiler
    expect(asRunnerProjection.version).toBe(1)
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('A', '2026-03-02T08:00').assign('2026-03-02T08:01', 'tech-office').resolve('2026-03-02T09:00')
    let s = qualityProjection.init()
    for (const e of h.events()) s = qualityProjection.apply(s, e)
    expect(s).toEqual(computeQuality(h.events()))
    expect(Object.keys(initialQualityState().tickets)).toEqual([])
    expect(qualityProjection.name).toBe('quality')
  })

  it('is plain JSON: a state checkpointed half-way and restored folds on to the same result', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('constructor', '2026-03-02T08:00').assign('2026-03-02T08:01', 'tech-office')
    h.ticket('__proto__', '2026-03-02T08:00').qualify('2026-03-02T08:02', 'question', 'office', 'P4')
    h.add(
      'ticket-constructor',
      'TicketResolved',
      { resolutionCode: 'x', solution: 'y' as never },
      '2026-03-02T09:00',
    )
    h.add('ticket-__proto__', 'TicketAssigned', { ownerId: 'tech-phone' }, '2026-03-02T09:30')
    const events = h.events()
    const oneGo = computeQuality(events)
    for (let cut = 0; cut <= events.length; cut += 5) {
      let s = qualityProjection.init()
      for (const e of events.slice(0, cut)) s = qualityProjection.apply(s, e)
      s = JSON.parse(JSON.stringify(s))
      for (const e of events.slice(cut)) s = qualityProjection.apply(s, e)
      expect(JSON.stringify(s)).toBe(JSON.stringify(oneGo))
    }
    expect(getOwn(oneGo.tickets, '__proto__')?.ownerRole).toBe('telephony-technician')
    expect(getOwn(oneGo.tickets, 'constructor')?.status).toBe('resolved')
  })

  it('takes as the default as-of instant the latest `at`, not the last event’s (only streams are ordered in time)', () => {
    const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
    h.ticket('A', '2026-03-02T10:00')
    h.ticket('B', '2026-03-02T09:00') // written later, happened earlier
    expect(computeQuality(h.events()).lastEventAt).toBe(iso('2026-03-02T10:00'))
  })
})
