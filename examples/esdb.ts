/**
 * Soutien on EventStoreDB: open a ticket, read it back, follow $all, print a
 * checkpoint. Needs a server (docs/esdb.md):
 *
 *   SOUTIEN_ESDB_URL='esdb://localhost:2113?tls=false' npx tsx examples/esdb.ts
 */
import { randomUUID } from 'node:crypto'
import { isLeft } from 'fp-ts/lib/Either.js'
import type { IsoInstant } from '../src/domain/codec.js'
import { type EventToAppend, ticketStream } from '../src/domain/envelope.js'
import { createEsdbStore, esdbCheckpoint } from '../src/store/esdb.js'
import { encodeEsdbPosition } from '../src/store/esdb-mapping.js'

const url = process.env.SOUTIEN_ESDB_URL
if (url === undefined || url === '') {
  console.error(
    'SOUTIEN_ESDB_URL is not set. Start a server, e.g.\n' +
      '  docker run --rm -p 2113:2113 eventstore/eventstore:24.10 --insecure --run-projections=All\n' +
      "then run: SOUTIEN_ESDB_URL='esdb://localhost:2113?tls=false' npx tsx examples/esdb.ts",
  )
  process.exit(2)
}

const store = createEsdbStore(url)
console.log(`connected to ${store.server} (lazily: the first call shows whether it answers)`)

const ticketId = `T-${randomUUID().slice(0, 8)}`
const stream = ticketStream(ticketId)
const opened: EventToAppend = {
  id: randomUUID(),
  type: 'TicketOpened',
  version: 1,
  at: new Date().toISOString() as IsoInstant,
  actor: { id: 'agent-12', role: 'assistance' },
  data: {
    ticketId,
    requesterId: 'user-7',
    siteId: 'site-paris',
    workstationType: 'laptop',
    deskId: 'desk-1',
    channel: 'phone',
    summary: 'Outlook freezes when opening the shared calendar',
  },
  meta: { commandId: randomUUID() },
}

const appended = await store.append(stream, [opened], 'no-stream')()
if (isLeft(appended)) {
  console.error(`${appended.left._tag}: ${appended.left.message}`)
  await store.dispose()
  process.exit(1)
}
console.log(`${stream}: revision ${appended.right.nextExpectedRevision}, position ${appended.right.position}`)

// Retrying the same append (same ids, same expected revision) is a no-op success.
const retried = await store.append(stream, [opened], 'no-stream')()
console.log(
  `retry of the same append: ${isLeft(retried) ? retried.left._tag : 'accepted, nothing written twice'}`,
)

const read = await store.readStream(stream)()
if (isLeft(read)) throw new Error(read.left.message)
for (const e of read.right) console.log(`read back: ${e.type} by ${e.actor.id} at ${e.at}`)

// A catch-up subscription on $all, filtered on the server to ticket streams.
let seen = 0
let last: (typeof read.right)[number] | undefined
const sub = store.subscribe(
  (e) => {
    seen += 1
    last = e
  },
  { streamPrefixes: ['ticket-'], onError: (err) => console.error('subscription failed:', err) },
)
await sub.caughtUp
await sub.close()
console.log(`$all (ticket streams): ${seen} events so far`)
if (last !== undefined)
  console.log(`checkpoint to resume after the last one: ${encodeEsdbPosition(esdbCheckpoint(last))}`)

await store.dispose()
