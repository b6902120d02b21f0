/**
 * The synthesis keeps each ticket's minutes once, with its group in each
 * grouping as a byte until a grouping has more than 255 groups (then wider),
 * and takes every group's median in one shared buffer. With many groups and
 * random minutes, each median must be `median` of that group's minutes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { computeQuality } from '../src/projections/quality.js'
import type { TicketServiceLevels } from '../src/projections/service-level-types.js'
import { median, synthesize } from '../src/projections/synthesis.js'
import { qualityHistory, serviceLevel, standardOrganization } from './support/quality-history.js'

/** Any minutes: nearly always one that whole milliseconds do not give back, so the medians sort floats. */
const anyMinutes = fc.option(
  fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 1e4, noNaN: true })),
  { nil: null },
)
/** Minutes of whole business milliseconds (what the clocks compute): the medians sort the stored 32-bit values. */
const exactMinutes = fc.option(
  fc.oneof(
    fc.integer({ min: 0, max: 5000 }),
    fc.integer({ min: 0, max: 6e8 }).map((ms) => ms / 60_000),
  ),
  { nil: null },
)

describe('synthesis medians over many groups', () => {
  it.each([
    ['any minutes', anyMinutes],
    ['minutes of whole milliseconds', exactMinutes],
  ])('gives each group the median of its minutes, past 255 groups in a grouping (%s)', (_, minutes) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(599), minutes, minutes), { minLength: 300, maxLength: 700 }),
        (tickets) => {
          const h = standardOrganization(qualityHistory(), '2026-03-01T00:00')
          const levels: TicketServiceLevels[] = []
          const byType = new Map<string, { response: number[]; resolution: number[] }>()
          tickets.forEach(([type, response, resolution], i) => {
            const id = `T${i}`
            const workstationType = `ws-${type}`
            h.ticket(id, '2026-03-02T08:00', { workstationType })
            levels.push(
              serviceLevel(id, '2026-03-02T08:00', {
                ...(response === null ? {} : { response: 'met', responseMinutes: response }),
                ...(resolution === null ? {} : { resolution: 'met', resolutionMinutes: resolution }),
              }),
            )
            const g = byType.get(workstationType) ?? { response: [], resolution: [] }
            if (response !== null) g.response.push(response)
            if (resolution !== null) g.resolution.push(resolution)
            byType.set(workstationType, g)
          })
          const s = synthesize(computeQuality(h.events()), levels, [])
          expect(Object.keys(s.byWorkstationType).length).toBe(byType.size)
          for (const [type, g] of byType) {
            expect(s.byWorkstationType[type]?.medianResponseMinutes).toBe(median(g.response))
            expect(s.byWorkstationType[type]?.medianResolutionMinutes).toBe(median(g.resolution))
          }
          const all = [...byType.values()]
          expect(s.overall.medianResponseMinutes).toBe(median(all.flatMap((g) => g.response)))
          expect(s.overall.medianResolutionMinutes).toBe(median(all.flatMap((g) => g.resolution)))
        },
      ),
      { numRuns: 8 },
    )
  })
})
