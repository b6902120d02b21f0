/**
 * The reader's sequence check (createSequenceCheck in src/store/ndjson.ts)
 * keeps stream names in the compact id index, where `<prefix><UUID>` names
 * are stored as bits and others as characters, and revisions in a byte
 * column with the rest aside. Against a plain Map model: streams whose names
 * differ only by the spelling of their UUID (case, a changed character, a
 * prefix) are different streams, and revisions beyond 32 bits or not counts
 * at all (from lines that did not decode) are judged as before.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DecodeProblem } from '../src/domain/codec.js'
import { emptyIdIndex, idOf, rowFor } from '../src/domain/compact.js'
import type { RecordedEvent } from '../src/domain/envelope.js'
import { createSequenceCheck } from '../src/store/ndjson.js'

const UUID = '0190f3a2-7c4e-7b1d-9a3f-5e6d7c8b9a01'

/** The same rules over a Map, with a first revision for streams seen for the first time. */
const modelCheck = () => {
  const streams = new Map<string, { revision: number; at: string }>()
  let lastPosition: number | undefined
  return {
    check: (e: RecordedEvent, firstRevision: number): string[] => {
      const problems: string[] = []
      if (lastPosition !== undefined && e.position <= lastPosition)
        problems.push(`position ${e.position} is not after the previous line's ${lastPosition}`)
      lastPosition = Math.max(lastPosition ?? -1, e.position)
      const prev = streams.get(e.stream)
      const expected = prev === undefined ? firstRevision : prev.revision + 1
      if (e.revision !== expected)
        problems.push(
          e.revision > expected
            ? `stream ${e.stream}: revision ${e.revision} leaves a gap (expected ${expected})`
            : `stream ${e.stream}: revision ${e.revision} comes again or goes back (expected ${expected})`,
        )
      if (prev !== undefined && e.at < prev.at)
        problems.push(`stream ${e.stream}: at ${e.at} is earlier than the previous event's ${prev.at}`)
      streams.set(e.stream, {
        revision: e.revision,
        at: prev !== undefined && prev.at > e.at ? prev.at : e.at,
      })
      return problems
    },
    skip: (j: { stream: string; revision: number; position: number; at: string }): void => {
      lastPosition = Math.max(lastPosition ?? -1, j.position)
      const prev = streams.get(j.stream)
      streams.set(j.stream, {
        revision: j.revision,
        at: prev === undefined || j.at > prev.at ? j.at : prev.at,
      })
    },
  }
}

const messages = (ps: readonly DecodeProblem[]): string[] => ps.map((p) => p.message)

const streamName = fc.oneof(
  fc.constantFrom(
    `ticket-${UUID}`,
    `ticket-${UUID.toUpperCase()}`,
    `ticket-${UUID.slice(0, 35)}2`,
    `ticket-${UUID.slice(0, 35)}G`,
    `ticket-${UUID.slice(0, 8)}${UUID.slice(9)}x`,
    `Ticket-${UUID}`,
    `major-incident-${UUID}`,
    `knowledge-${UUID}`,
    UUID,
    'organization',
    'ticket-T-42',
  ),
  fc.uuid().map((u) => `ticket-${u}`),
)
const BIG = 2 ** 32
const revision = fc.oneof(
  fc.integer({ min: 0, max: 3 }),
  fc.constantFrom(253, 254, 255, 256, BIG - 1, BIG, BIG + 1, 2 ** 53 - 1),
)
const at = fc.constantFrom('2026-03-02T09:00:00.000Z', '2026-03-02T10:00:00.000Z', '2026-03-02T11:00:00.000Z')

describe('createSequenceCheck with compact stream names and revisions in a byte', () => {
  it('judges every line as a Map of streams would, whatever the spelling of the ids and the size of revisions', () => {
    const step = fc.record({
      skip: fc.boolean(),
      stream: streamName,
      revision,
      position: fc.integer({ min: 0, max: 30 }),
      at,
      firstRevision: fc.constantFrom(0, 0, 5, 253, 254, 255, BIG + 7),
    })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 50 }), (steps) => {
        const check = createSequenceCheck()
        const model = modelCheck()
        for (const s of steps) {
          const e = { stream: s.stream, revision: s.revision, position: s.position, at: s.at }
          if (s.skip) {
            check.skip(e)
            model.skip(e)
          } else
            expect(messages(check.check(e as unknown as RecordedEvent, s.firstRevision))).toEqual(
              model.check(e as unknown as RecordedEvent, s.firstRevision),
            )
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('judges the same in an index of stream names shared with another user, who adds names of its own at any time', () => {
    // The report's fold shares the reader's index (readHistoryBatchesSharing); whatever it adds, the check is not misled.
    const step = fc.record({
      kind: fc.constantFrom('check', 'check', 'skip', 'share'),
      stream: streamName,
      revision,
      position: fc.integer({ min: 0, max: 30 }),
      at,
    })
    fc.assert(
      fc.property(
        fc.array(streamName, { maxLength: 5 }),
        fc.array(step, { maxLength: 50 }),
        (first, steps) => {
          const streams = emptyIdIndex()
          for (const name of first) rowFor(streams, name)
          const check = createSequenceCheck(streams)
          const model = modelCheck()
          for (const s of steps) {
            const e = { stream: s.stream, revision: s.revision, position: s.position, at: s.at }
            if (s.kind === 'share') rowFor(streams, s.stream)
            else if (s.kind === 'skip') {
              check.skip(e)
              model.skip(e)
            } else
              expect(messages(check.check(e as unknown as RecordedEvent))).toEqual(
                model.check(e as unknown as RecordedEvent, 0),
              )
            // Either user's names are found by both, one row each.
            expect(idOf(streams, rowFor(streams, s.stream))).toBe(s.stream)
          }
        },
      ),
      { numRuns: 1_000 },
    )
  })

  it('keeps a canonical ticket stream and its uppercase spelling as two streams', () => {
    const check = createSequenceCheck()
    const event = (stream: string, revision: number, position: number) =>
      ({ stream, revision, position, at: '2026-03-02T09:00:00.000Z' }) as unknown as RecordedEvent
    expect(check.check(event(`ticket-${UUID}`, 0, 1))).toEqual([])
    expect(check.knows(`ticket-${UUID.toUpperCase()}`)).toBe(false)
    expect(check.check(event(`ticket-${UUID.toUpperCase()}`, 0, 2))).toEqual([])
    expect(check.check(event(`ticket-${UUID}`, 1, 3))).toEqual([])
    expect(messages(check.check(event(`ticket-${UUID.toUpperCase()}`, 2, 4)))).toEqual([
      `stream ticket-${UUID.toUpperCase()}: revision 2 leaves a gap (expected 1)`,
    ])
  })

  it('continues a revision beyond a byte or 32 bits exactly, and one that is not a count', () => {
    const check = createSequenceCheck()
    const event = (revision: number, position: number) =>
      ({
        stream: `ticket-${UUID}`,
        revision,
        position,
        at: '2026-03-02T09:00:00.000Z',
      }) as unknown as RecordedEvent
    expect(check.check(event(BIG + 1, 1), BIG + 1)).toEqual([])
    expect(check.check(event(BIG + 2, 2))).toEqual([])
    expect(messages(check.check(event(BIG + 2, 3)))).toEqual([
      `stream ticket-${UUID}: revision ${BIG + 2} comes again or goes back (expected ${BIG + 3})`,
    ])
    check.skip({ stream: `ticket-${UUID}`, revision: 1.5, position: 4, at: '2026-03-02T09:00:00.000Z' })
    expect(messages(check.check(event(3, 5)))).toEqual([
      `stream ticket-${UUID}: revision 3 leaves a gap (expected 2.5)`,
    ])
    expect(check.check(event(4, 6))).toEqual([])
    for (let r = 5, position = 7; r < 300; r++, position++)
      expect(check.check(event(r, position))).toEqual([])
    expect(messages(check.check(event(301, 400)))).toEqual([
      `stream ticket-${UUID}: revision 301 leaves a gap (expected 300)`,
    ])
  })
})
