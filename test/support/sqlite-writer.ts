/**
 * Child process of test/store.durability.test.ts: appends batches of events to
 * a SQLite store as fast as it can, printing `appended <batch>` once each
 * append is acknowledged, until it is killed.
 *
 *   node --import tsx test/support/sqlite-writer.ts <file> <events per batch> <streams>
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import type { IsoInstant } from '../../src/domain/codec.js'
import type { EventToAppend } from '../../src/domain/envelope.js'
import { openSqliteStore } from '../../src/store/sqlite.js'

const [path, perBatchArg, streamsArg] = process.argv.slice(2)
if (path === undefined) throw new Error('usage: sqlite-writer <file> <events per batch> <streams>')
const perBatch = Number(perBatchArg ?? 10)
const streamCount = Number(streamsArg ?? 3)

const opened = openSqliteStore(path)
if (isLeft(opened)) {
  process.stderr.write(`${opened.left.message}\n`)
  process.exit(2)
}
const store = opened.right

// Resume after an earlier run: next batch number and each stream's last revision.
let nextBatch = 0
const last = new Map<string, number>()
for await (const e of store.readAll()) {
  last.set(e.stream, e.revision)
  const m = /^batch-(\d+)$/.exec(e.meta.commandId ?? '')
  if (m !== null) nextBatch = Math.max(nextBatch, Number(m[1]) + 1)
}

const padding = 'x'.repeat(2000)
const at = (n: number): IsoInstant => new Date(Date.UTC(2026, 2, 2, 8) + n * 1000).toISOString() as IsoInstant

for (let batch = nextBatch; ; batch++) {
  const stream = `ticket-d${batch % streamCount}`
  const revision = last.get(stream) ?? -1
  const events: EventToAppend[] = Array.from({ length: perBatch }, (_, i): EventToAppend => {
    const meta = { commandId: `batch-${batch}` }
    const base = { id: crypto.randomUUID(), version: 1, at: at(batch * perBatch + i), meta }
    return revision + 1 + i === 0
      ? {
          ...base,
          type: 'TicketOpened',
          actor: { id: 'agent-1', role: 'assistance' },
          data: {
            ticketId: stream.slice(7),
            requesterId: 'user-1',
            siteId: 'site-1',
            workstationType: 'laptop',
            deskId: 'desk-1',
            channel: 'phone',
            summary: padding,
          },
        }
      : {
          ...base,
          type: 'UserInformed',
          actor: { id: 'agent-1', role: 'assistance' },
          data: { kind: 'progress', message: `batch ${batch} event ${i} ${padding}` },
        }
  })
  const r = await store.append(stream, events, revision === -1 ? 'no-stream' : revision)()
  if (isLeft(r)) {
    process.stderr.write(`${r.left.message}\n`)
    process.exit(3)
  }
  last.set(stream, r.right.nextExpectedRevision)
  process.stdout.write(`appended ${batch}\n`)
}
