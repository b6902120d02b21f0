import { createHash } from 'node:crypto'
import { isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { simulate } from '../src/cli/simulate/engine.js'
import { decodeRecordedEvent } from '../src/domain/envelope.js'
import { historyLine } from '../src/store/ndjson.js'

const run = async (seed: number, tickets: number) => {
  const hash = createHash('sha256')
  const types = new Map<string, number>()
  let lines = 0
  const summary = await simulate({
    seed,
    tickets,
    sink: (e) => {
      const line = historyLine(e)
      hash.update(line)
      lines++
      types.set(e.type, (types.get(e.type) ?? 0) + 1)
      // Every line the simulator writes must read back as a valid event.
      expect(isRight(decodeRecordedEvent(JSON.parse(line)))).toBe(true)
    },
  })
  return { digest: hash.digest('hex'), lines, types, summary }
}

describe('soutien simulate', () => {
  it('is deterministic for a seed: the same history, byte for byte', async () => {
    const a = await run(7, 2000)
    const b = await run(7, 2000)
    expect(a.lines).toBeGreaterThan(2000 * 6)
    expect(b.digest).toBe(a.digest)
    const c = await run(8, 300)
    expect(c.digest).not.toBe(a.digest)
  })

  it('exercises the whole support chain', async () => {
    const { types, summary } = await run(3, 800)
    expect(summary.tickets).toBe(800)
    for (const type of [
      'TicketOpened',
      'TicketQualified',
      'TicketAssigned',
      'UserInformed',
      'TicketEscalated',
      'ExpertAdviceGiven',
      'HierarchyInvolved',
      'TicketSuspended',
      'TicketResumed',
      'TicketResolved',
      'TicketReopened',
      'TicketClosed',
      'SatisfactionRecorded',
      'TicketLinkedToMajorIncident',
      'MajorIncidentDeclared',
      'SupportStaffAlerted',
      'IncidentBulletinPublished',
      'MajorIncidentResolved',
      'KnowledgeArticlePublished',
    ])
      expect(types.get(type) ?? 0, type).toBeGreaterThan(0)
    // Timers call level 2 automatically and involve management on breaches.
    expect(summary.timerCommands).toBeGreaterThan(0)
  })
})
