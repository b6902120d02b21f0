/**
 * Child process of test/store.durability.test.ts: appends batches of events to
 * a SQLite store as fast as it can, printing `appended <batch>` once each
 * append is acknowledged, until it is killed.
 *
 *   node --import tsx test/support/sqlite-writer.ts <file> <events per batch> <streams> [<clients>]
 *
 * With several clients, each appends one batch at a time to its own streams,
 * side by side with the others: their appends are committed in groups.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import type { IsoInstant } from '../../src/domain/codec.js'
import type { EventToAppend } from '../../src/domain/envelope.js'
import { openSqliteStore } from '../../src/store/sqlite.js'

const [path, perBatchArg, streamsArg] = process.argv.slice(2)
if (path === undefined) throw new Error('usage: sqlite-writer <file> <events per batch> <streams>')
const perBatch = Number(perBatchArg ?? 10)
const streamCount = Number(streamsArg ?? 3)
const clients = Number(process.argv[5] ?? 1)

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

/** The batch of events that continues `stream`. */
const batchFor = (stream: string, batch: number): { events: EventToAppend[]; revision: number } => {
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
  return { events, revision }
}

const appendBatch = async (stream: string, batch: number): Promise<void> => {
  const { events, revision } = batchFor(stream, batch)
  const r = await store.append(stream, events, revision === -1 ? 'no-stream' : revision)()
  if (isLeft(r)) {
    process.stderr.write(`${r.left.message}\n`)
    process.exit(3)
  }
  last.set(stream, r.right.nextExpectedRevision)
  process.stdout.write(`appended ${batch}\n`)
}

if (clients <= 1)
  for (let batch = nextBatch; ; batch++) await appendBatch(`ticket-d${batch % streamCount}`, batch)
else {
  // Batch numbers are taken in submission order; client c writes the streams ticket-k<c>-<n>.
  let batch = nextBatch
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let n = 0; ; n++) await appendBatch(`ticket-k${c}-${n % streamCount}`, batch++)
    }),
  )
}
