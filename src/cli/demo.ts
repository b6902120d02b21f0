/**
 * `npm start`: the demo. A company's IT support chain on the embedded default
 * store (a fresh SQLite file), a few simulated days of support driven through
 * the command handler and the timers, some commands the rules refuse, and what
 * management reads at the end.
 */
import { existsSync, rmSync } from 'node:fs'
import { isLeft } from 'fp-ts/lib/Either.js'
import { type CommandRequest, createCommandHandler } from '../commands/handler.js'
import { durationMinutes, type IsoInstant } from '../domain/codec.js'
import type { RecordedEvent } from '../domain/envelope.js'
import { computeSynthesis, renderSynthesisTable } from '../projections/synthesis.js'
import { renderTimelineText, ticketTimeline } from '../projections/timeline.js'
import { createMemoryStore } from '../store/memory.js'
import type { EventStore } from '../store/port.js'
import { openSqliteStore } from '../store/sqlite.js'
import { simulate } from './simulate/engine.js'
import { DEFAULT_POLICY, SITES } from './simulate/organization.js'

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

const say = (s = '') => process.stdout.write(`${s}\n`)
const title = (s: string) => {
  say()
  say(s)
  say('─'.repeat(s.length))
}
const parisDay = (at: string) => {
  const d = new Date(new Date(at).toLocaleString('en-US', { timeZone: 'Europe/Paris' }))
  return `${DAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`
}
const localTime = (at: string, timeZone: string) =>
  new Date(at).toLocaleTimeString('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' })
const siteZone = new Map(SITES.map((s) => [s.siteId, s.timeZone]))
const hours = (m: number) => (m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`)

const main = async () => {
  const args = process.argv.slice(2)
  const memory = args.includes('--memory')
  const storeArg = args.indexOf('--store')
  const path = storeArg >= 0 ? (args[storeArg + 1] ?? 'soutien-demo.db') : 'soutien-demo.db'
  let store: EventStore
  if (memory) store = createMemoryStore()
  else {
    for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) rmSync(f)
    const opened = openSqliteStore(path)
    if (isLeft(opened)) {
      process.stderr.write(`demo: ${opened.left.message}\n`)
      process.exitCode = 1
      return
    }
    store = opened.right
  }

  say('Soutien — the IT user-support chain of a company with three sites, as event streams')
  say(
    memory
      ? 'Store: in memory (--memory)'
      : `Store: SQLite file ${path} (the embedded, durable default; recreated at each run)`,
  )

  title('1. The organisation')
  for (const s of SITES) {
    const mon = (s.weekly.mon ?? []).map(([a, b]) => `${a}–${b}`).join(', ')
    say(
      `  ${s.name.padEnd(26)} ${s.timeZone.padEnd(16)} Mon–Fri ${mon}${s.weekly.sat ? ', Sat morning' : ''}; desk ${s.contact}`,
    )
  }
  say(
    `  Policy: an answer or a schedule within ${hours(durationMinutes(DEFAULT_POLICY.responseTarget))} of business time;`,
  )
  say(
    `          level 2 called automatically after ${Object.entries(DEFAULT_POLICY.escalationDelays)
      .map(([d, v]) => `${d} ${hours(durationMinutes(v))}`)
      .join(', ')};`,
  )
  say(
    `          a bulletin within ${hours(durationMinutes(DEFAULT_POLICY.majorIncidentBulletinTarget))} of a major incident.`,
  )

  // ---- a few days of support ----------------------------------------------------
  const events: RecordedEvent[] = []
  const narrative: { at: string; line: string }[] = []
  const refusals: string[] = []
  const summary = await simulate({
    seed: 2026,
    tickets: 36,
    days: 3,
    store,
    onEvent: (e) => {
      events.push(e)
      const zone =
        e.type === 'TicketOpened' ? (siteZone.get(e.data.siteId) ?? 'Europe/Paris') : 'Europe/Paris'
      const t = e.stream.replace(/^ticket-/, '')
      const line = (() => {
        switch (e.type) {
          case 'TicketOpened':
            return `${t} opened by ${e.actor.id} (${e.data.channel}) for ${e.data.requesterId} at ${e.data.siteId}, ${e.data.workstationType} [${localTime(e.at, zone)} local]`
          case 'TicketEscalated':
            return e.data.reason === 'delay-expired'
              ? `${t} level 2 called automatically (${e.data.domain}): the delay set by management expired`
              : `${t} escalated to level 2 (${e.data.domain}) by ${e.actor.id}`
          case 'HierarchyInvolved':
            return `${t} management involved: ${e.data.reason}`
          case 'MajorIncidentDeclared':
            return `MAJOR INCIDENT ${e.data.incidentId} declared by ${e.actor.id}: ${e.data.summary}`
          case 'SupportStaffAlerted':
            return `  ${e.data.agentIds.length} support agents alerted at once`
          case 'IncidentBulletinPublished':
            return `  bulletin (${e.data.kind}) for ${e.stream.replace(/^major-incident-/, '')}: ${e.data.message}`
          case 'TicketReopened':
            return `${t} reopened by ${e.actor.id}: ${e.data.reason}`
          case 'SatisfactionRecorded':
            return e.data.score <= 2 ? `${t} unhappy user: satisfaction ${e.data.score}/5` : undefined
          default:
            return undefined
        }
      })()
      if (line !== undefined) narrative.push({ at: e.at, line })
    },
    onRefused: (req: CommandRequest, _tag: string, message: string) => {
      refusals.push(`${req.command.type} by ${req.actor.id}: ${message}`)
    },
  })
  title(`2. Three days of support, driven through the command handler and the timers`)
  let day = ''
  narrative.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
  for (const n of narrative) {
    const d = parisDay(n.at)
    if (d !== day) {
      day = d
      say(`  ${d}`)
    }
    say(`    ${new Date(n.at).toISOString().slice(11, 16)}Z  ${n.line}`)
  }
  say()
  say(
    `  ${summary.tickets} tickets, ${summary.commands} commands, ${summary.events} events; the timers issued ${summary.timerCommands} commands.`,
  )
  for (const r of refusals) say(`  refused during the simulation — ${r}`)

  // ---- the rules at work ----------------------------------------------------------
  title('3. Commands the support organisation refuses')
  const end = events.at(-1)?.at ?? ('2026-03-10T00:00:00.000Z' as IsoInstant)
  const handler = createCommandHandler({ store, clock: { now: () => end as IsoInstant } })
  const parisUser = events.find((e) => e.type === 'UserRegistered' && e.data.siteId === 'paris')
  const montrealUser = events.find((e) => e.type === 'UserRegistered' && e.data.siteId === 'montreal')
  const assistance = { id: 'paris-assistance-1', role: 'assistance' } as const
  const tries: { what: string; req: CommandRequest }[] = []
  if (parisUser?.type === 'UserRegistered') {
    // A fresh ticket, opened and qualified by the Paris desk, to try the rules on.
    const id = 'T-DEMO-1'
    await handler.handle({
      command: {
        type: 'OpenTicket',
        ticketId: id,
        requesterId: parisUser.data.userId,
        channel: 'phone',
        summary: 'Outlook crashes at start',
      },
      actor: assistance,
    })()
    await handler.handle({
      command: { type: 'QualifyTicket', ticketId: id, kind: 'incident', domain: 'office', priority: 'P3' },
      actor: assistance,
    })()
    say(`  (${id} is opened and qualified by the Paris desk for ${parisUser.data.userId}, then:)`)
    tries.push({
      what: 'An expert is made owner of the ticket',
      req: { command: { type: 'AssignTicket', ticketId: id, ownerId: 'expert-office-1' }, actor: assistance },
    })
    tries.push({
      what: 'The ticket is closed before it is resolved',
      req: { command: { type: 'CloseTicket', ticketId: id }, actor: assistance },
    })
    tries.push({
      what: 'A technician pretends the escalation delay expired',
      req: {
        command: { type: 'EscalateTicket', ticketId: id, reason: 'delay-expired' },
        actor: { id: 'paris-office-technician-1', role: 'office-technician' },
      },
    })
    tries.push({
      what: 'Someone else than the requester rates the support',
      req: {
        command: { type: 'RecordSatisfaction', ticketId: id, score: 5 },
        actor: { id: 'user-99999', role: 'user' },
      },
    })
  }
  if (montrealUser?.type === 'UserRegistered')
    tries.push({
      what: 'The Paris desk opens a ticket for a Montréal user (whose entry point is the Montréal desk)',
      req: {
        command: {
          type: 'OpenTicket',
          ticketId: 'T-DEMO-2',
          requesterId: montrealUser.data.userId,
          channel: 'phone',
          summary: 'Screen flickers',
        },
        actor: assistance,
      },
    })
  for (const t of tries) {
    const r = await handler.handle(t.req)()
    say(`  ${t.what}:`)
    if (isLeft(r)) {
      const e = r.left
      say(
        `    refused [${e._tag === 'Rejected' ? e.error._tag : e._tag}] ${e._tag === 'Rejected' ? e.error.message : e.message}`,
      )
    } else say('    accepted (unexpected!)')
  }
  const bad = await handler.handleInput(
    { type: 'OpenTicket', ticketId: 'T-DEMO-3', requesterId: 'user-00001', channel: 'fax', summary: 42 },
    { id: 'paris-assistance-1', role: 'assistance' },
  )()
  say('  A host sends malformed JSON input:')
  if (isLeft(bad))
    say(
      `    refused [${bad.left._tag}] ${bad.left._tag === 'Rejected' ? bad.left.error.message : bad.left.message}`,
    )

  // ---- one ticket's life ----------------------------------------------------------
  const escalated = events.find((e) => e.type === 'ExpertAdviceGiven')
  const traced =
    escalated?.stream.replace(/^ticket-/, '') ??
    events.find((e) => e.type === 'TicketOpened')?.stream.slice(7)
  if (traced !== undefined) {
    const tl = ticketTimeline(events, traced)
    if (tl !== undefined) {
      title(`4. The life of ticket ${traced}, as an auditor traces it`)
      for (const l of renderTimelineText(tl).trimEnd().split('\n')) say(`  ${l}`)
    }
  }

  // ---- what management reads ------------------------------------------------------
  title('5. What management reads: service levels and quality per workstation type')
  for (const l of renderSynthesisTable(computeSynthesis(events)).trimEnd().split('\n')) say(`  ${l}`)

  await store.dispose()
  say()
  say('Next:')
  if (!memory) {
    say(`  npx soutien report --store ${path}                 the synthesis again, from the durable store`)
    say(`  npx soutien report --store ${path} --format html --out report.html`)
    say(`  npx soutien trace ${traced ?? 'T-000001'} --store ${path}`)
  }
  say('  npx soutien simulate --seed 7 --tickets 2000 --out month.ndjson && npx soutien verify month.ndjson')
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
