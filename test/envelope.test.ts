import fc from 'fast-check'
import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { durationMinutes, minutesToDuration } from '../src/domain/codec.js'
import {
  categoryOfStream,
  decodeRecordedEvent,
  recordedAs,
  streamId,
  toWire,
} from '../src/domain/envelope.js'
import { currentVersion, DEFAULT_QUALITY_THRESHOLDS, EVENT_TYPES } from '../src/domain/events.js'
import { upcast } from '../src/domain/upcasters.js'

const opened = {
  id: '0190a1b2-0000-7000-8000-000000000001',
  stream: 'ticket-T-1',
  revision: 0,
  position: 41,
  type: 'TicketOpened',
  version: 1,
  at: '2026-03-02T09:15:00.000Z',
  actor: { id: 'agent-12', role: 'assistance' },
  data: {
    ticketId: 'T-1',
    requesterId: 'u-1',
    siteId: 'paris',
    workstationType: 'windows-desktop',
    deskId: 'desk-paris',
    channel: 'phone',
    summary: 'Printer jams',
  },
  meta: { commandId: 'c-1' },
}

const problems = (u: unknown) => {
  const r = decodeRecordedEvent(u)
  if (!isLeft(r)) throw new Error('expected a decoding failure')
  return r.left
}

describe('recorded event envelope', () => {
  it('decodes a §3 envelope and writes it back identically', () => {
    const r = decodeRecordedEvent(opened)
    expect(isRight(r)).toBe(true)
    if (isRight(r)) expect(toWire(r.right)).toEqual(opened)
  })

  it('accepts an envelope without meta (meta keys are optional on input)', () => {
    const { meta: _meta, ...bare } = opened
    const r = decodeRecordedEvent(bare)
    expect(isRight(r) && r.right.meta).toEqual({})
  })

  it('records an appended event as the §3 envelope in its key order, a missing meta as {}', () => {
    const { stream, revision, position, meta, ...toAppend } = opened
    const withMeta = recordedAs({ ...toAppend, meta } as never, stream, revision, position)
    expect(Object.keys(withMeta)).toEqual(Object.keys(toWire(withMeta)))
    expect(withMeta).toEqual(opened)
    expect(recordedAs(toAppend as never, stream, revision, position).meta).toEqual({})
  })

  it('names the field path and the offending value of a bad data field', () => {
    const ps = problems({ ...opened, data: { ...opened.data, channel: 'fax' } })
    expect(ps).toHaveLength(1)
    expect(ps[0]?.path).toBe('data.channel')
    expect(ps[0]?.message).toContain('"fax"')
  })

  it('reports a missing field, unknown fields and a bad instant', () => {
    const { summary: _s, ...noSummary } = opened.data
    expect(problems({ ...opened, data: noSummary }).map((p) => p.path)).toEqual(['data.summary'])
    expect(problems({ ...opened, extra: 1 }).map((p) => p.path)).toEqual(['extra'])
    expect(problems({ ...opened, data: { ...opened.data, __proto__x: 1 } })[0]?.message).toContain(
      'unknown field',
    )
    expect(problems({ ...opened, at: '2026-03-02T09:15:00Z' }).map((p) => p.path)).toEqual(['at'])
    expect(problems({ ...opened, at: '2026-02-30T09:15:00.000Z' }).map((p) => p.path)).toEqual(['at'])
  })

  it('refuses an unknown type, a type in the wrong stream, and a version from the future', () => {
    expect(problems({ ...opened, type: 'TicketTeleported' })[0]?.path).toBe('type')
    expect(problems({ ...opened, stream: 'organization' })[0]?.path).toBe('stream')
    expect(problems({ ...opened, version: 2 })[0]?.path).toBe('version')
    expect(problems({ ...opened, revision: -1 })[0]?.path).toBe('revision')
  })

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (u) => {
        decodeRecordedEvent(u)
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(fc.jsonValue(), (data) => {
        decodeRecordedEvent({ ...opened, data })
      }),
      { numRuns: 500 },
    )
  })

  it('maps stream names to categories and ids', () => {
    expect(categoryOfStream('organization')).toBe('organization')
    expect(categoryOfStream('ticket-7f3a')).toBe('ticket')
    expect(categoryOfStream('major-incident-MI-1')).toBe('major-incident')
    expect(categoryOfStream('knowledge-kb-1')).toBe('knowledge')
    expect(categoryOfStream('ticket-')).toBeUndefined()
    expect(categoryOfStream('orders-1')).toBeUndefined()
    expect(streamId('major-incident-MI-1')).toBe('MI-1')
  })

  it('has a codec and a current version for every event of domain.md §4', () => {
    expect(EVENT_TYPES).toHaveLength(9 + 14 + 4 + 2)
    for (const t of EVENT_TYPES) expect(currentVersion[t]).toBeGreaterThanOrEqual(1)
  })
})

describe('durations', () => {
  it('parses PTnHnM', () => {
    expect(durationMinutes('PT4H')).toBe(240)
    expect(durationMinutes('PT1H30M')).toBe(90)
    expect(durationMinutes('PT45M')).toBe(45)
    expect(() => durationMinutes('PT')).toThrow()
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (m) => durationMinutes(minutesToDuration(m)) === m),
    )
  })
})

describe('upcasting SupportPolicySet v1 → v2', () => {
  const v1 = {
    escalationDelays: { network: 'PT1H', office: 'PT2H' },
    resolutionTargets: { P1: 'PT4H', P2: 'PT8H' },
  }

  it('fills the v1 defaults explicitly (PT4H, PT24H, §6 thresholds)', () => {
    expect(upcast('SupportPolicySet', 1, v1)).toEqual({
      responseTarget: 'PT4H',
      escalationDelays: v1.escalationDelays,
      resolutionTargets: v1.resolutionTargets,
      majorIncidentBulletinTarget: 'PT24H',
      qualityThresholds: DEFAULT_QUALITY_THRESHOLDS,
    })
  })

  it('keeps the values a v1 policy did set', () => {
    const r = decodeRecordedEvent({
      id: 'e-1',
      stream: 'organization',
      revision: 3,
      position: 3,
      type: 'SupportPolicySet',
      version: 1,
      at: '2026-01-01T00:00:00.000Z',
      actor: { id: 'm-1', role: 'manager' },
      data: { ...v1, responseTarget: 'PT2H' },
    })
    expect(isRight(r)).toBe(true)
    if (isRight(r) && r.right.type === 'SupportPolicySet') {
      expect(r.right.version).toBe(2)
      expect(r.right.data.responseTarget).toBe('PT2H')
      expect(r.right.data.majorIncidentBulletinTarget).toBe('PT24H')
    }
  })

  it('reports a broken v1 policy with the v2 field path', () => {
    const ps = problems({
      id: 'e-1',
      stream: 'organization',
      revision: 0,
      position: 0,
      type: 'SupportPolicySet',
      version: 1,
      at: '2026-01-01T00:00:00.000Z',
      actor: { id: 'm-1', role: 'manager' },
      data: { ...v1, resolutionTargets: { P9: 'PT1H' } },
    })
    expect(ps.map((p) => p.path)).toContain('data.resolutionTargets.P9')
  })
})
