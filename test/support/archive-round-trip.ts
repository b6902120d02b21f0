/**
 * What archiving a ticket and decoding its row must give back: what the two
 * folds held, but for what the archive says it drops (docs/reports.md): the
 * latest instants, the involvements, all but the latest qualification (kept
 * as of the opening), and the order of satisfaction answers (counted per
 * score). Shared by the archive's and the report fold's tests.
 */
import { expect } from 'vitest'
import { rowFor } from '../../src/domain/compact.js'
import { ticketStream } from '../../src/domain/envelope.js'
import type { QualityTicket } from '../../src/projections/quality.js'
import type { TicketFacts } from '../../src/projections/service-levels.js'
import {
  type ArchivedTicket,
  archivedRow,
  archiveTicket,
  decodeRow,
  type TicketArchive,
} from '../../src/projections/ticket-archive.js'

/** Archive the ticket `key` (in its stream's row), decode its row, require what the folds held; the decoded ticket, for more checks. */
export const expectArchivedAsHeld = (
  a: TicketArchive,
  key: string,
  facts: TicketFacts,
  q: QualityTicket,
): ArchivedTicket => {
  const row = rowFor(a.streams, ticketStream(key))
  expect(archiveTicket(a, row, facts, q)).toBe(true)
  expect(archivedRow(a, ticketStream(key))).toBe(row)
  // Already archived: a second time keeps nothing.
  expect(archiveTicket(a, row, facts, q)).toBe(false)
  const back = decodeRow(a, key, row)
  const lastQ = facts.qualifications[facts.qualifications.length - 1]
  expect(back.facts).toEqual({
    ...facts,
    lastAt: back.facts.lastAt,
    closedAt: facts.closedAt === null ? null : back.facts.closedAt,
    involvements: [],
    qualifications: lastQ === undefined ? [] : [{ ...lastQ, at: facts.opened }],
  })
  expect(back.quality).toEqual({
    ...q,
    resolvedAt: q.resolvedAt === null ? null : back.quality.resolvedAt,
    closedAt: q.closedAt === null ? null : back.quality.closedAt,
    lastEventAt: back.quality.lastEventAt,
    satisfactionScores: [...q.satisfactionScores].sort(),
  })
  return back
}
