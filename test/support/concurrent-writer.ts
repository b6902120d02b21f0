/**
 * A concurrent workload on a few tickets of the fixture organisation, and the
 * child process that runs one worker's share of it against a SQLite file
 * (test/concurrency.test.ts spawns several at once on the same file):
 *
 *   node --import tsx test/support/concurrent-writer.ts <file> <worker> <requests> <seed> <handlers>
 *
 * The child opens the file, prints `ready`, waits for a line on its standard
 * input (so that all workers start together), then sends its requests
 * (deterministic commands and commandIds, from the seed and its worker number)
 * through `<handlers>` command handlers of its own, concurrently, and prints
 * one JSON line per request: its commandId and outcome (the ids of the events
 * recorded, or the refusal's tag).
 *
 * Imported (not run), it gives the tests the same workload, the organisation
 * and the tickets it starts from, and the checks made afterwards.
 */
import { pathToFileURL } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import type { CommandHandler, HandleError } from '../../src/commands/engine.js'
import { createCommandHandler, soutienRouting } from '../../src/commands/handler.js'
import { type IsoInstant, instantMs, toInstant } from '../../src/domain/codec.js'
import type { Command } from '../../src/domain/commands.js'
import {
  categoryOfStream,
  type EventToAppend,
  ORGANIZATION_STREAM,
  type RecordedEvent,
} from '../../src/domain/envelope.js'
import { currentVersion } from '../../src/domain/events.js'
import type { Actor } from '../../src/domain/vocabulary.js'
import { createMemoryStore } from '../../src/store/memory.js'
import type { EventStore } from '../../src/store/port.js'
import { AGENT, actorOf, NOW, orgFacts, SITE, USER, WS } from './org-events.js'

// ---- the organisation and the tickets the workload starts from ------------------

/** Append the fixture organisation's facts (ids `org-<n>`) to an empty store. */
export const seedOrganization = async (store: EventStore): Promise<void> => {
  const facts = orgFacts.map(
    (f, i) => ({ ...f, id: `org-${i}`, version: currentVersion[f.type], meta: {} }) as EventToAppend,
  )
  const r = await store.append(ORGANIZATION_STREAM, facts, 'no-stream')()
  if (E.isLeft(r)) throw new Error(`cannot seed the organisation: ${r.left.message}`)
}

/** A clock that moves `stepMs` forward at every reading, from `start`. */
export const tickingClock = (start: IsoInstant = NOW, stepMs = 1000) => {
  let t = instantMs(start)
  return {
    now: () => {
      t += stepMs
      return toInstant(t)
    },
  }
}

/** One command as a host sends it: who, what, and its idempotency key. */
export interface Request {
  readonly commandId: string
  readonly command: Command
  readonly actor: Actor
}

const assistance = actorOf(AGENT.assistParis1)
const TICKETS = [
  { ticketId: 'T-1', requester: USER.alice },
  { ticketId: 'T-2', requester: USER.bruno },
  { ticketId: 'T-3', requester: USER.hugo },
] as const

/** Open, assign and qualify the tickets the workload works on. */
export const setupRequests: readonly Request[] = TICKETS.flatMap(({ ticketId, requester }): Request[] => [
  {
    commandId: `setup-open-${ticketId}`,
    actor: assistance,
    command: {
      type: 'OpenTicket',
      ticketId,
      requesterId: requester,
      channel: 'phone',
      summary: 'Écran noir',
    },
  },
  {
    commandId: `setup-assign-${ticketId}`,
    actor: assistance,
    command: { type: 'AssignTicket', ticketId, ownerId: AGENT.officeTechParis },
  },
  {
    commandId: `setup-qualify-${ticketId}`,
    actor: assistance,
    command: { type: 'QualifyTicket', ticketId, kind: 'incident', domain: 'office', priority: 'P3' },
  },
])

/** Level-1 agents who can own every ticket of the workload (Paris; Windows, thin client, Mac). */
const OWNERS = [AGENT.officeTechParis, AGENT.telephonyTech, AGENT.networkTech, AGENT.assistParis2]

/** mulberry32: a reproducible workload from a seed. */
const seeded = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T
}

/**
 * Worker `worker`'s requests: commands of every kind on the same three tickets
 * and three major incidents, so that workers collide (one wins, the others
 * conflict, re-decide, and are refused or recorded after it); user
 * registrations on the organisation stream; and commands every worker sends
 * with the same commandId (a retry racing the original), which must be
 * recorded once.
 */
export const workload = (worker: number, count: number, seed: number): Request[] => {
  const pick = seeded(seed * 1_000 + worker)
  const out: Request[] = []
  for (let i = 0; i < count; i++) {
    const commandId = `w${worker}-${i}`
    const { ticketId, requester } = pick(TICKETS)
    const incidentId = pick(['MI-1', 'MI-2', 'MI-3'])
    const owner = actorOf(pick(OWNERS))
    const kind = pick([
      'qualify',
      'inform',
      'assign',
      'suspend',
      'resume',
      'escalate',
      'advise',
      'link',
      'declare',
      'resolve',
      'reopen',
      'register',
      'shared',
    ] as const)
    const request = (command: Command, actor: Actor, id = commandId): Request => ({
      commandId: id,
      command,
      actor,
    })
    switch (kind) {
      case 'qualify':
        out.push(
          request(
            {
              type: 'QualifyTicket',
              ticketId,
              kind: pick(['incident', 'request'] as const),
              domain: 'office',
              priority: pick(['P1', 'P2', 'P3', 'P4'] as const),
            },
            owner,
          ),
        )
        break
      case 'inform':
        out.push(
          request(
            { type: 'InformUser', ticketId, kind: 'progress', message: `w${worker} #${i}` },
            assistance,
          ),
        )
        break
      case 'assign':
        out.push(request({ type: 'AssignTicket', ticketId, ownerId: pick(OWNERS) }, assistance))
        break
      case 'suspend':
        out.push(request({ type: 'SuspendTicket', ticketId, reason: 'awaiting-user' }, owner))
        break
      case 'resume':
        out.push(request({ type: 'ResumeTicket', ticketId }, owner))
        break
      case 'escalate':
        out.push(request({ type: 'EscalateTicket', ticketId, reason: 'manual' }, assistance))
        break
      case 'advise':
        out.push(
          request(
            { type: 'GiveExpertAdvice', ticketId, advice: `w${worker} #${i}` },
            actorOf(AGENT.expertOffice),
          ),
        )
        break
      case 'link':
        out.push(request({ type: 'LinkTicketToMajorIncident', ticketId, incidentId }, owner))
        break
      case 'declare':
        out.push(
          request(
            {
              type: 'DeclareMajorIncident',
              incidentId,
              summary: `w${worker} #${i}`,
              siteIds: [SITE.paris],
              services: ['mail'],
            },
            owner,
          ),
        )
        break
      case 'resolve':
        out.push(
          request(
            { type: 'ResolveTicket', ticketId, resolutionCode: 'fixed', solution: `w${worker} #${i}` },
            owner,
          ),
        )
        break
      case 'reopen':
        out.push(
          request(
            { type: 'ReopenTicket', ticketId, reason: `w${worker} #${i}` },
            { id: requester, role: 'user' },
          ),
        )
        break
      case 'register': {
        // Now and then the same user from two workers: one is registered, the other refused.
        const userId = pick([`user-w${worker}-${i}`, `user-w${worker}-${i}`, `user-shared-${i % 3}`])
        out.push(
          request(
            {
              type: 'RegisterUser',
              userId,
              name: userId,
              siteId: SITE.paris,
              workstationType: WS.windows,
              deskId: 'desk-paris',
            },
            actorOf(AGENT.managerParis),
          ),
        )
        break
      }
      case 'shared': {
        // The same request, same commandId, from every worker that draws this slot.
        const slot = i % 4
        out.push(
          request(
            { type: 'InformUser', ticketId: 'T-1', kind: 'progress', message: `shared #${slot}` },
            assistance,
            `shared-${slot}`,
          ),
        )
        break
      }
    }
  }
  return out
}

// ---- running requests ------------------------------------------------------------------

/** What became of a request: the ids of the events it recorded, or why not. */
export type Outcome =
  | {
      readonly commandId: string
      readonly ok: true
      readonly replay: boolean
      readonly eventIds: readonly string[]
    }
  | {
      readonly commandId: string
      readonly ok: false
      readonly error: HandleError['_tag']
      readonly tag?: string
    }

export const send = async (handler: CommandHandler, r: Request): Promise<Outcome> => {
  const result = await handler.handle({ command: r.command, actor: r.actor, commandId: r.commandId })()
  if (E.isRight(result))
    return {
      commandId: r.commandId,
      ok: true,
      replay: result.right.idempotentReplay,
      eventIds: result.right.events.map((e) => e.id),
    }
  const e = result.left
  return e._tag === 'Rejected'
    ? { commandId: r.commandId, ok: false, error: e._tag, tag: e.error._tag }
    : { commandId: r.commandId, ok: false, error: e._tag }
}

/** Send `requests` through `handlers`, each handler taking the next request when it is free. */
export const sendConcurrently = async (
  handlers: readonly CommandHandler[],
  requests: readonly Request[],
  onOutcome: (o: Outcome) => void = () => undefined,
): Promise<Outcome[]> => {
  const outcomes: Outcome[] = []
  let next = 0
  await Promise.all(
    handlers.map(async (handler) => {
      for (let r = requests[next++]; r !== undefined; r = requests[next++]) {
        const o = await send(handler, r)
        outcomes.push(o)
        onOutcome(o)
      }
    }),
  )
  return outcomes
}

// ---- the checks made afterwards ------------------------------------------------------------

export interface Verdict {
  /** Human-readable violations; empty when everything holds. */
  readonly problems: readonly string[]
  readonly accepted: number
  readonly refused: number
  readonly conflicts: number
}

/** What an event is, whatever its id and position. */
export const essenceOf = (e: RecordedEvent) => ({
  stream: e.stream,
  revision: e.revision,
  type: e.type,
  at: e.at,
  actor: e.actor,
  data: e.data,
  commandId: e.meta.commandId,
})

/**
 * What must hold after concurrent handlers ran `requests` (their `outcomes`)
 * on a store now holding `stored` (every event, in position order, the
 * organisation's included):
 * - positions strictly increase, ids are unique, revisions are contiguous;
 * - every accepted command's events are stored exactly once, as answered
 *   (the same ids), together; a refused one left nothing;
 * - replaying the accepted commands one at a time, in the order they were
 *   stored, on a fresh store, records the very same events (so the
 *   concurrent run equals a sequential one), and folding each stream gives
 *   the same state.
 */
export const judge = async (
  requests: readonly Request[],
  outcomes: readonly Outcome[],
  stored: readonly RecordedEvent[],
): Promise<Verdict> => {
  const problems: string[] = []
  const ids = new Set<string>()
  const revisions = new Map<string, number>()
  let position = -1
  for (const e of stored) {
    if (e.position <= position) problems.push(`position ${e.position} after ${position}`)
    position = e.position
    if (ids.has(e.id)) problems.push(`event id ${e.id} stored twice`)
    ids.add(e.id)
    const expected = (revisions.get(e.stream) ?? -1) + 1
    if (e.revision !== expected) problems.push(`${e.stream}: revision ${e.revision}, expected ${expected}`)
    revisions.set(e.stream, e.revision)
  }

  // Group the stored events by commandId (organisation facts have none).
  const byCommand = new Map<string, RecordedEvent[]>()
  for (const e of stored) {
    const id = e.meta.commandId
    if (id === undefined) continue
    const group = byCommand.get(id) ?? []
    group.push(e)
    byCommand.set(id, group)
  }
  const requestOf = new Map(requests.map((r) => [r.commandId, r]))
  for (const id of byCommand.keys()) if (!requestOf.has(id)) problems.push(`events of unknown command ${id}`)

  let accepted = 0
  let refused = 0
  let conflicts = 0
  const outcomesOf = new Map<string, Outcome[]>()
  for (const o of outcomes) outcomesOf.set(o.commandId, [...(outcomesOf.get(o.commandId) ?? []), o])
  for (const [id, os] of outcomesOf) {
    const group = byCommand.get(id) ?? []
    const oks = os.filter((o) => o.ok)
    for (const o of os) {
      if (o.ok) accepted++
      else if (o.error === 'ConcurrencyConflict') conflicts++
      else refused++
      if (!o.ok && o.error !== 'Rejected' && o.error !== 'ConcurrencyConflict')
        problems.push(`${id}: unexpected ${o.error}`)
    }
    if (oks.length === 0) {
      if (group.length > 0) problems.push(`${id} was refused, yet ${group.length} events carry its id`)
      continue
    }
    const storedIds = group.map((e) => e.id)
    for (const o of oks)
      if (o.ok && JSON.stringify(o.eventIds) !== JSON.stringify(storedIds))
        problems.push(`${id} answered ${JSON.stringify(o.eventIds)} but stored ${JSON.stringify(storedIds)}`)
    // Stored together: one stream, consecutive revisions and positions.
    for (let i = 1; i < group.length; i++) {
      const [a, b] = [group[i - 1] as RecordedEvent, group[i] as RecordedEvent]
      if (a.stream !== b.stream || b.revision !== a.revision + 1)
        problems.push(`${id}: its events are not stored together`)
    }
  }
  for (const [id, group] of byCommand)
    if (requestOf.has(id) && !outcomesOf.get(id)?.some((o) => o.ok))
      problems.push(`${id}: ${group.length} events stored for a command nobody was told was recorded`)

  // The sequential replay.
  const store = createMemoryStore()
  await seedOrganization(store)
  let now = NOW
  const handler = createCommandHandler({ store, clock: { now: () => now } })
  const order = [...byCommand.entries()].sort(([, a], [, b]) => (a[0]?.position ?? 0) - (b[0]?.position ?? 0))
  for (const [id, group] of order) {
    const request = requestOf.get(id)
    if (request === undefined) continue
    now = group[0]?.at ?? now
    const r = await handler.handle({ command: request.command, actor: request.actor, commandId: id })()
    if (E.isLeft(r)) {
      problems.push(`replaying ${id} (${request.command.type}) alone was refused: ${JSON.stringify(r.left)}`)
      continue
    }
    const got = JSON.stringify(r.right.events.map(essenceOf))
    const want = JSON.stringify(group.map(essenceOf))
    if (got !== want) problems.push(`replaying ${id} recorded ${got}, concurrently ${want}`)
  }
  const replayed: RecordedEvent[] = []
  for await (const e of store.readAll()) replayed.push(e)
  const foldAll = (events: readonly RecordedEvent[]) => {
    const states = new Map<string, unknown>()
    for (const e of events) {
      const category = categoryOfStream(e.stream)
      if (category === undefined) continue
      const decider = soutienRouting.deciders[category]
      states.set(e.stream, decider.evolve(states.get(e.stream) ?? decider.initialState, e))
    }
    return states
  }
  const concurrent = foldAll(stored)
  const sequential = foldAll(replayed)
  for (const [stream, state] of concurrent)
    if (JSON.stringify(state) !== JSON.stringify(sequential.get(stream)))
      problems.push(`${stream}: its state differs from the sequential replay's`)
  return { problems, accepted, refused, conflicts }
}

// ---- the child process --------------------------------------------------------------------

const main = async (args: readonly string[]) => {
  const { openSqliteStore } = await import('../../src/store/sqlite.js')
  const [path, workerArg, countArg, seedArg, handlersArg] = args
  if (path === undefined)
    throw new Error('usage: concurrent-writer <file> <worker> <requests> <seed> <handlers>')
  const worker = Number(workerArg ?? 0)
  const handlerCount = Number(handlersArg ?? 2)
  const stores = Array.from({ length: handlerCount }, () => {
    const opened = openSqliteStore(path, { busyTimeoutMs: 30_000, synchronous: 'NORMAL' })
    if (E.isLeft(opened)) throw new Error(opened.left.message)
    return opened.right
  })
  // Clocks of different machines: close, never equal, each moving forward.
  const handlers = stores.map((store, i) =>
    createCommandHandler({
      store,
      clock: tickingClock(toInstant(instantMs(NOW) + worker * 7 + i), 1000),
      maxRetries: 8,
    }),
  )
  const requests = workload(worker, Number(countArg ?? 20), Number(seedArg ?? 1))
  // Start together: say when ready (modules loaded, file open), wait for "go" on stdin.
  process.stdout.write('ready\n')
  await new Promise<void>((resolve) => {
    let input = ''
    process.stdin.on('data', (d: Buffer) => {
      input += d.toString()
      if (input.includes('\n')) resolve()
    })
  })
  process.stdin.pause()
  await sendConcurrently(handlers, requests, (o) => {
    process.stdout.write(`${JSON.stringify(o)}\n`)
  })
  for (const s of stores) await s.dispose()
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  await main(process.argv.slice(2))
