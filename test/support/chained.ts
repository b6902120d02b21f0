/** Seal a test history stream by stream, as the command handler would have written it. */
import type { RecordedEvent } from '../../src/domain/envelope.js'
import { sealEvents } from '../../src/domain/hash-chain.js'
import { historyLine } from '../../src/store/ndjson.js'

export const chainHistory = (events: readonly RecordedEvent[]): RecordedEvent[] => {
  const last = new Map<string, RecordedEvent>()
  return events.map((e) => {
    const [sealed] = sealEvents(e.stream, last.get(e.stream), e.revision, [e])
    const rec = sealed as RecordedEvent
    last.set(e.stream, rec)
    return rec
  })
}

/** History file lines (without newlines) of recorded events. */
export const linesOf = (events: readonly RecordedEvent[]): string[] =>
  events.map((e) => historyLine(e).trimEnd())
