/**
 * How a host embeds Soutien: wire a store, a clock and the command handler,
 * send commands from its own HTTP handlers, and show a refusal to the person.
 *
 *   npx tsx examples/embed.ts
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import {
  type Actor,
  type CommandRequest,
  createCommandHandler,
  createMemoryStore,
  type HandleError,
  type IsoInstant,
  openSqliteStore,
  systemClock,
} from '../src/index.js'

// 1. A store: SQLite is the embedded, durable default (memory for tests).
const opened = process.env.SOUTIEN_DB === undefined ? undefined : openSqliteStore(process.env.SOUTIEN_DB)
if (opened !== undefined && isLeft(opened)) {
  console.error(opened.left.message)
  process.exit(1)
}
const store = opened?.right ?? createMemoryStore()

// 2. The handler: the clock is injected (tests pass a fake one), ids default to UUID v7.
//    Here a fixed clock keeps the example's output the same at every run.
let now = '2026-03-02T07:00:00.000Z' as IsoInstant
const handler = createCommandHandler({
  store,
  clock: process.env.SOUTIEN_REAL_CLOCK === '1' ? systemClock : { now: () => now },
})

/** What a host shows when a command is refused: one sentence for a person. */
const explain = (e: HandleError): string =>
  e._tag === 'Rejected' ? `${e.error.message} [${e.error._tag}]` : `${e.message} [${e._tag}]`

const send = async (command: CommandRequest['command'], actor: Actor, commandId?: string) => {
  const r = await handler.handle({ command, actor, ...(commandId === undefined ? {} : { commandId }) })()
  if (isLeft(r)) console.log(`  refused: ${explain(r.left)}`)
  else
    console.log(
      `  ${command.type} → ${r.right.events.map((e) => e.type).join(', ') || 'nothing'}${r.right.idempotentReplay ? ' (replayed)' : ''}`,
    )
  return r
}

const system: Actor = { id: 'bootstrap', role: 'system' }
const manager: Actor = { id: 'm-1', role: 'manager' }
const desk: Actor = { id: 'a-1', role: 'assistance' }
const tech: Actor = { id: 't-1', role: 'office-technician' }

console.log('Bootstrap the organisation (the system, until a manager is enrolled):')
await send({ type: 'RegisterSite', siteId: 'paris', name: 'Paris', timeZone: 'Europe/Paris' }, system)
const day = [
  ['08:00', '12:00'],
  ['13:30', '18:00'],
] as never
await send(
  {
    type: 'SetSupportHours',
    siteId: 'paris',
    weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
    holidays: [],
  },
  system,
)
await send(
  {
    type: 'RegisterDesk',
    deskId: 'desk-paris',
    name: 'Assistance',
    contact: '+33 1 70 00 10 00',
    siteIds: ['paris'],
  },
  system,
)
await send(
  { type: 'DefineWorkstationType', workstationType: 'windows-laptop', label: 'Windows laptop' },
  system,
)
await send(
  {
    type: 'EnrollAgent',
    agentId: 'm-1',
    name: 'Camille Martin',
    role: 'manager',
    siteIds: ['paris'],
    workstationTypes: [],
  },
  system,
)
console.log('Then the manager:')
await send(
  {
    type: 'EnrollAgent',
    agentId: 'a-1',
    name: 'Louis Roy',
    role: 'assistance',
    siteIds: ['paris'],
    workstationTypes: ['windows-laptop'],
    deskId: 'desk-paris',
  },
  manager,
)
await send(
  {
    type: 'EnrollAgent',
    agentId: 't-1',
    name: 'Inès Côté',
    role: 'office-technician',
    siteIds: ['paris'],
    workstationTypes: ['windows-laptop'],
  },
  manager,
)
await send(
  {
    type: 'RegisterUser',
    userId: 'u-1',
    name: 'Hugo Girard',
    siteId: 'paris',
    workstationType: 'windows-laptop',
    deskId: 'desk-paris',
  },
  manager,
)
await send(
  {
    type: 'SetSupportPolicy',
    escalationDelays: { office: 'PT8H' } as never,
    resolutionTargets: { P3: 'PT24H' } as never,
  },
  manager,
)

console.log('A ticket, from JSON input a host received (decoded, with field paths on errors):')
now = '2026-03-02T08:15:00.000Z' as IsoInstant
const body: unknown = JSON.parse(
  '{"type":"OpenTicket","ticketId":"T-1","requesterId":"u-1","channel":"phone","summary":"VPN drops"}',
)
const opened1 = await handler.handleInput(body, desk, { commandId: 'http-req-1' })()
console.log(
  isLeft(opened1)
    ? `  refused: ${explain(opened1.left)}`
    : `  opened ${opened1.right.stream} at revision ${opened1.right.events[0]?.revision}`,
)
const retried = await handler.handleInput(body, desk, { commandId: 'http-req-1' })()
console.log(
  `  the same request retried: ${isLeft(retried) ? 'refused' : retried.right.idempotentReplay ? 'nothing appended, original outcome returned' : 'appended again (bug!)'}`,
)
const junk = await handler.handleInput({ type: 'OpenTicket', ticketId: 'T-2', channel: 'fax' }, desk)()
if (isLeft(junk)) console.log(`  malformed input refused: ${explain(junk.left)}`)

await send(
  { type: 'QualifyTicket', ticketId: 'T-1', kind: 'incident', domain: 'office', priority: 'P3' },
  desk,
)
await send({ type: 'AssignTicket', ticketId: 'T-1', ownerId: 't-1' }, desk)
console.log('A rule at work: closing before the user was told of the restoration:')
now = '2026-03-02T09:00:00.000Z' as IsoInstant
await send(
  {
    type: 'ResolveTicket',
    ticketId: 'T-1',
    resolutionCode: 'fixed',
    solution: 'Reinstalled the VPN client.',
  },
  tech,
)
await send({ type: 'CloseTicket', ticketId: 'T-1' }, tech)
await send(
  { type: 'InformUser', ticketId: 'T-1', kind: 'restoration', message: 'The VPN works again.' },
  tech,
)
await send({ type: 'CloseTicket', ticketId: 'T-1' }, tech)
await store.dispose()
