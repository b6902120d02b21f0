/**
 * Cross-check of the service-level projection against an independent, naive
 * reading of domain.md §5 (test/support/reference-sla.ts: minute-by-minute
 * business time from Intl, clocks replayed from the raw events), on simulated
 * histories, as of the end and as of an instant in the middle. One history also
 * gets a policy and support-hours change in the middle, so that "in force at
 * the opening" matters.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { simulate } from '../src/cli/simulate/engine.js'
import type { IsoInstant } from '../src/domain/codec.js'
import type { RecordedEvent } from '../src/domain/envelope.js'
import type { TicketServiceLevels } from '../src/projections/service-level-types.js'
import { computeServiceLevels } from '../src/projections/service-levels.js'
import { referenceOpenMinutes } from './support/reference-calendar.js'
import { type RefReport, referenceCalendar, referenceServiceLevels } from './support/reference-sla.js'

const MINUTE = 60_000
const TOLERANCE = 1e-6

const simulated = async (seed: number, tickets: number): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = []
  await simulate({ seed, tickets, sink: (e) => events.push(e) })
  return events
}

/**
 * Insert organisation events (stamped at `at`) after the last event whose `at`
 * is at or before it, then renumber positions and organisation revisions so the
 * history stays well formed.
 */
const withOrganizationChange = (
  events: readonly RecordedEvent[],
  at: IsoInstant,
  extra: readonly Pick<RecordedEvent, 'type' | 'data'>[],
): RecordedEvent[] => {
  const template = events.find((e) => e.stream === 'organization') as RecordedEvent
  let index = 0
  while (index < events.length && Date.parse((events[index] as RecordedEvent).at) <= Date.parse(at)) index++
  const inserted = extra.map(
    (x, i) =>
      ({
        ...template,
        ...x,
        id: `00000000-0000-4000-8000-00000000000${i}`,
        at,
        actor: { id: 'manager-ref', role: 'manager' },
        meta: {},
      }) as RecordedEvent,
  )
  const merged = [...events.slice(0, index), ...inserted, ...events.slice(index)]
  let orgRevision = 0
  return merged.map((e, i) => ({
    ...e,
    position: i + 1,
    revision: e.stream === 'organization' ? orgRevision++ : e.revision,
  }))
}

/**
 * The simulator stamps most events at whole minutes: shift every ticket and
 * incident event by a deterministic sub-minute amount (never backwards within
 * a stream), so that fractional business minutes and deadlines with
 * milliseconds are compared too.
 */
const jittered = (events: readonly RecordedEvent[]): RecordedEvent[] => {
  const last = new Map<string, number>()
  return events.map((e) => {
    if (e.stream === 'organization') return e
    const shifted = Date.parse(e.at) + ((e.position * 7_919 + e.revision * 104_729) % 59_999)
    const at = Math.max(shifted, last.get(e.stream) ?? shifted)
    last.set(e.stream, at)
    return { ...e, at: new Date(at).toISOString() as IsoInstant }
  })
}

const compare = (
  events: readonly RecordedEvent[],
  asOf?: IsoInstant,
): { disagreements: string[]; count: number } => {
  const lib = computeServiceLevels(events, asOf === undefined ? {} : { asOf })
  const ref: RefReport = referenceServiceLevels(events, asOf)
  const disagreements: string[] = []
  const near = (a: number | null, b: number | null): boolean =>
    a === null || b === null ? a === b : Math.abs(a - b) <= TOLERANCE
  expect(lib.unjudged).toEqual([])
  expect(new Set(lib.tickets.map((t) => t.ticketId))).toEqual(new Set(ref.tickets.keys()))
  for (const t of lib.tickets) {
    const r = ref.tickets.get(t.ticketId)
    if (r === undefined) continue
    const check = (field: string, ok: boolean, libValue: unknown, refValue: unknown): void => {
      if (!ok)
        disagreements.push(
          `${t.ticketId} (opened ${t.openedAt}, site ${t.siteId}) ${field}: library ${JSON.stringify(libValue)}, reference ${JSON.stringify(refValue)}`,
        )
    }
    const same = (field: string, a: unknown, b: unknown): void => check(field, a === b, a, b)
    same('siteId', t.siteId, r.siteId)
    same('openedAt', t.openedAt, r.openedAt)
    same('domain', t.domain, r.domain)
    same('priority', t.priority, r.priority)
    same('response.status', t.response.status, r.response.status)
    check(
      'response.businessMinutes',
      near(t.response.businessMinutes, r.response.businessMinutes),
      t.response.businessMinutes,
      r.response.businessMinutes,
    )
    same('response.targetMinutes', t.response.targetMinutes, r.response.targetMinutes)
    same('response.deadline', t.response.deadline, r.response.deadline)
    same('response.stoppedAt', t.response.stoppedAt, r.response.stoppedAt)
    same('escalation.status', t.escalation.status, r.escalation.status)
    same('escalation.deadline', t.escalation.deadline, r.escalation.deadline)
    same('escalation.escalatedAt', t.escalation.escalatedAt, r.escalation.escalatedAt)
    same('resolution.status', t.resolution.status, r.resolution.status)
    check(
      'resolution.businessMinutes',
      near(t.resolution.businessMinutes, r.resolution.businessMinutes),
      t.resolution.businessMinutes,
      r.resolution.businessMinutes,
    )
    same('resolution.targetMinutes', t.resolution.targetMinutes, r.resolution.targetMinutes)
  }
  expect(new Set(lib.majorIncidents.map((i) => i.incidentId))).toEqual(new Set(ref.incidents.keys()))
  for (const i of lib.majorIncidents) {
    const r = ref.incidents.get(i.incidentId)
    if (r === undefined) continue
    const tag = `major incident ${i.incidentId}`
    if (i.status !== r.status) disagreements.push(`${tag} status: library ${i.status}, reference ${r.status}`)
    if (!near(i.bulletinElapsedMinutes, r.bulletinElapsedMinutes))
      disagreements.push(
        `${tag} bulletin: library ${i.bulletinElapsedMinutes}, reference ${r.bulletinElapsedMinutes}`,
      )
    if (!near(i.staffAlertElapsedMinutes, r.staffAlertElapsedMinutes))
      disagreements.push(
        `${tag} alert: library ${i.staffAlertElapsedMinutes}, reference ${r.staffAlertElapsedMinutes}`,
      )
    if (i.bulletinTargetMinutes !== r.bulletinTargetMinutes)
      disagreements.push(
        `${tag} target: library ${i.bulletinTargetMinutes}, reference ${r.bulletinTargetMinutes}`,
      )
  }
  return { disagreements, count: lib.tickets.length }
}

const middleAt = (events: readonly RecordedEvent[]): IsoInstant =>
  (events[Math.floor(events.length / 2)] as RecordedEvent).at

describe('reference calendar (sanity, before trusting it as a referee)', () => {
  const PARIS = {
    weekly: Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [
        d,
        [
          ['08:00', '12:00'],
          ['13:30', '18:00'],
        ] as const,
      ]),
    ),
    holidays: ['2026-05-01'],
  }
  const cal = referenceCalendar(PARIS, 'Europe/Paris')
  const at = (s: string): number => Date.parse(s)

  it('gives the worked example of docs/clocks.md (Friday 17:30 → Monday)', () => {
    // Friday 2026-03-06 17:30 Paris = 16:30Z; Monday 10:00 Paris = 09:00Z
    expect(cal.businessTime(at('2026-03-06T16:30:00.000Z'), at('2026-03-09T09:00:00.000Z'))).toBe(
      150 * MINUTE,
    )
    expect(new Date(cal.addBusinessTime(at('2026-03-06T16:30:00.000Z'), 4 * 60 * MINUTE)).toISOString()).toBe(
      '2026-03-09T10:30:00.000Z',
    )
    // time running out at a closing stops at the closing
    expect(new Date(cal.addBusinessTime(at('2026-03-09T07:00:00.000Z'), 4 * 60 * MINUTE)).toISOString()).toBe(
      '2026-03-09T11:00:00.000Z',
    )
    // fractions of a minute
    expect(cal.businessTime(at('2026-03-09T07:00:00.000Z'), at('2026-03-09T08:00:00.030Z'))).toBe(
      60 * MINUTE + 30,
    )
    expect(cal.addBusinessTime(at('2026-03-09T06:59:59.990Z'), 25)).toBe(at('2026-03-09T07:00:00.025Z'))
  })

  it('agrees with test/support/reference-calendar.ts minute by minute across a clock change and a holiday', () => {
    const weird = {
      weekly: { ...PARIS.weekly, sat: [['01:00', '04:00'] as const], sun: [['00:00', '02:30'] as const] },
      holidays: ['2026-03-27'],
    }
    for (const tz of ['Europe/Paris', 'America/Toronto']) {
      const mine = referenceCalendar(weird, tz)
      const a = at('2026-03-06T00:00:00.000Z')
      const b = at('2026-04-02T00:00:00.000Z')
      const theirs = referenceOpenMinutes(weird, tz, a, b)
      const ours = theirs.map((_, i) => mine.businessTime(a + i * MINUTE, a + (i + 1) * MINUTE) === MINUTE)
      expect(ours).toEqual(theirs)
    }
  })
})

describe('service levels agree with an independent reference on simulated histories', () => {
  let plain: RecordedEvent[] = []
  let shifted: RecordedEvent[] = []
  let changed: RecordedEvent[] = []
  let changeAt: IsoInstant = '2026-01-01T00:00:00.000Z' as IsoInstant

  beforeAll(async () => {
    plain = await simulated(7, 220)
    shifted = jittered(plain)
    const base = await simulated(20260302, 180)
    // The policy and Paris hours change at the very millisecond a Paris ticket
    // is opened in the middle of the history: that ticket is judged by the new ones.
    const parisOpenings = base.filter(
      (e) => e.type === 'TicketOpened' && (e.data as { siteId: string }).siteId === 'paris',
    )
    changeAt = (parisOpenings[Math.floor(parisOpenings.length / 2)] as RecordedEvent).at
    changed = withOrganizationChange(base, changeAt, [
      {
        type: 'SupportPolicySet',
        data: {
          responseTarget: 'PT2H',
          // no delay for `business` (deadline null, not-needed), no target for P4 (pending)
          escalationDelays: { office: 'PT3H30M', telephony: 'PT1H', network: 'PT2H' },
          resolutionTargets: { P1: 'PT2H', P2: 'PT6H', P3: 'PT16H' },
          majorIncidentBulletinTarget: 'PT1H',
        },
      } as unknown as Pick<RecordedEvent, 'type' | 'data'>,
      {
        type: 'SupportHoursSet',
        data: {
          siteId: 'paris',
          weekly: {
            mon: [['09:00', '17:00']],
            tue: [
              ['13:00', '17:00'],
              ['09:00', '12:30'],
              ['12:00', '12:45'],
            ],
            wed: [['09:00', '17:00']],
            thu: [['09:00', '17:00']],
            fri: [['09:00', '24:00']],
            sat: [['00:00', '02:00']],
          },
          holidays: ['2026-04-01', '2026-04-02'],
        },
      } as unknown as Pick<RecordedEvent, 'type' | 'data'>,
    ])
  }, 60_000)

  const cases: readonly (readonly [string, () => readonly RecordedEvent[], () => IsoInstant | undefined])[] =
    [
      ['seed 7, as of the end', () => plain, () => undefined],
      ['seed 7, as of the middle', () => plain, () => middleAt(plain)],
      ['seed 7 with milliseconds, as of the end', () => shifted, () => undefined],
      ['seed 7 with milliseconds, as of the middle', () => shifted, () => middleAt(shifted)],
      ['policy/hours change, as of the end', () => changed, () => undefined],
      ['policy/hours change, as of the middle', () => changed, () => middleAt(changed)],
      ['policy/hours change, as of the change', () => changed, () => changeAt],
    ]
  it.each(cases)('%s', (_, events, asOf) => {
    const { disagreements, count } = compare(events(), asOf())
    expect(count).toBeGreaterThan(20)
    expect(disagreements).toEqual([])
  })

  it('the histories exercise the interesting cases', () => {
    const end = computeServiceLevels(plain)
    const reports = [end, computeServiceLevels(plain, { asOf: middleAt(plain) })]
    const statuses = (f: (t: TicketServiceLevels) => string): Set<string> =>
      new Set(reports.flatMap((r) => r.tickets.map(f)))
    expect(statuses((t) => t.response.status)).toEqual(new Set(['met', 'breached', 'pending']))
    expect(statuses((t) => t.escalation.status)).toContain('not-needed')
    expect(statuses((t) => t.escalation.status)).toEqual(
      new Set(['on-time', 'not-needed', 'pending', 'late']),
    )
    expect(statuses((t) => t.resolution.status)).toEqual(new Set(['met', 'breached', 'pending']))
    const fractional = computeServiceLevels(shifted).tickets.filter(
      (t) => t.resolution.businessMinutes !== null && !Number.isInteger(t.resolution.businessMinutes),
    )
    expect(fractional.length).toBeGreaterThan(50)
    const after = computeServiceLevels(changed).tickets.filter((t) => t.openedAt >= changeAt)
    expect(after.some((t) => t.response.targetMinutes === 120)).toBe(true)
    expect(after.some((t) => t.resolution.targetMinutes === null)).toBe(true)
  })
})
