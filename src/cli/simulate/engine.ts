/**
 * The simulator: a realistic organisation and its support activity, driven
 * through the command handler and the timers exactly as a host would drive
 * them. Arrivals follow working hours and weekdays; technicians work on business
 * time; users answer on elapsed time. Deterministic for a given seed.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import {
  type CommandRequest,
  createCommandHandler,
  type HandleError,
  type HandleResult,
} from '../../commands/handler.js'
import { createHeap } from '../../commands/heap.js'
import { createTimerRunner } from '../../commands/timers.js'
import { type Calendar, makeCalendar } from '../../domain/calendar.js'
import { type IsoInstant, toInstant } from '../../domain/codec.js'
import type { Command } from '../../domain/commands.js'
import type { RecordedEvent } from '../../domain/envelope.js'
import type {
  Actor,
  AgentRole,
  Channel,
  Priority,
  SupportDomain,
  TicketKind,
} from '../../domain/vocabulary.js'
import type { EventStore } from '../../store/port.js'
import { type AgentPlan, deskOf, planOrganization, SITES, type UserPlan } from './organization.js'
import { createIdGenerator, createRandom, type Random } from './random.js'
import { createSimulationStore } from './store.js'

export interface SimulationOptions {
  readonly seed: number
  readonly tickets: number
  /** Calendar days the tickets arrive over; default: about 25 tickets per 100 users per working day. */
  readonly days?: number
  /** First simulated instant (default 2026-03-02T00:00:00.000Z, a Monday). */
  readonly start?: IsoInstant
  /**
   * Where the history goes. Without `store`, the simulation keeps only what it
   * still needs in memory and hands every event to `sink` (the NDJSON output);
   * with `store` (the demo's SQLite file), events are appended there.
   */
  readonly sink?: (e: RecordedEvent) => void
  readonly store?: EventStore
  /** Every event recorded through a command (for narratives). */
  readonly onEvent?: (e: RecordedEvent) => void
  readonly onProgress?: (ticketsOpened: number, total: number) => void
  /** Called for each refused command (the demo prints some). */
  readonly onRefused?: (req: CommandRequest, tag: string, message: string) => void
  /** Simulated minutes between two runs of the timers (default 15). */
  readonly timerEveryMinutes?: number
}

export interface SimulationSummary {
  readonly tickets: number
  readonly commands: number
  readonly refused: Readonly<Record<string, number>>
  readonly events: number
  readonly majorIncidents: number
  readonly knowledgeArticles: number
  readonly timerCommands: number
  readonly from: IsoInstant
  readonly to: IsoInstant
}

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

interface SimTicket {
  readonly id: string
  readonly user: UserPlan
  readonly assistance: string
  readonly calendar: Calendar
  kind: TicketKind
  domain: SupportDomain
  priority: Priority
  owner?: string
  awaitingExpert: boolean
  escalatedDomain?: SupportDomain
  cycle: number
  lateResponse: boolean
  /** Steps still scheduled for this ticket; at 0 its stream can leave memory. */
  pending: number
}

type Step = () => Promise<void>
/** A step on the agenda, with the ticket whose life it is part of (if any). */
interface Scheduled {
  readonly step: Step
  readonly ticket: SimTicket | undefined
}

export const simulate = async (options: SimulationOptions): Promise<SimulationSummary> => {
  const random: Random = createRandom(options.seed)
  const newId = createIdGenerator(createRandom(options.seed ^ 0x5eed))
  const startMs = Date.parse(options.start ?? '2026-03-02T00:00:00.000Z')
  const userCount = Math.max(30, Math.min(20_000, Math.round(options.tickets / 8)))
  const days = options.days ?? Math.max(3, Math.ceil((options.tickets / (userCount * 0.25)) * (7 / 5)))
  const endMs = startMs + days * DAY
  const org = planOrganization(random, userCount)

  let nowMs = startMs
  const ticketsById = new Map<string, SimTicket>()
  const simStore = options.store === undefined ? createSimulationStore((e) => options.sink?.(e)) : undefined
  const store: EventStore = options.store ?? simStore!
  // Many commands run at the same simulated instant (a step's, a timer run's): format it once.
  let clockMs = Number.NaN
  let clockIso = toInstant(startMs)
  const clock = {
    now: (): IsoInstant => {
      if (nowMs !== clockMs) {
        clockMs = nowMs
        clockIso = toInstant(nowMs)
      }
      return clockIso
    },
  }
  const handler = createCommandHandler({ store, clock, newId })
  let eventCount = 0
  let lastAt = startMs
  // The events of a command (and of a timer run) mostly share their instant: parse it once.
  let lastSeenAt = ''
  const observe = (r: HandleResult) => {
    if (r.idempotentReplay) return
    for (const e of r.events) {
      eventCount++
      if (e.at !== lastSeenAt) {
        lastSeenAt = e.at
        const at = Date.parse(e.at)
        if (at > lastAt) lastAt = at
      }
      options.onEvent?.(e)
      if (e.type === 'TicketEscalated') onEscalated(e.stream.slice(7), e.data.domain, Date.parse(e.at))
    }
  }
  /** What the timers send through: the handler, then what the simulation learns from it. */
  const handle =
    (req: CommandRequest): TE.TaskEither<HandleError, HandleResult> =>
    async () => {
      const r = await handler.handle(req)()
      if (r._tag === 'Right') observe(r.right)
      return r
    }
  const refused: Record<string, number> = {}
  let commands = 0

  const send = async (command: Command, actor: Actor): Promise<boolean> => {
    commands++
    const req: CommandRequest = { command, actor }
    const r = await handler.handle(req)()
    if (r._tag === 'Right') observe(r.right)
    if (isLeft(r)) {
      const err = r.left as { _tag: string; error?: { _tag: string; message: string }; message?: string }
      const tag = err._tag === 'Rejected' && err.error ? err.error._tag : err._tag
      refused[tag] = (refused[tag] ?? 0) + 1
      options.onRefused?.(req, tag, err.error?.message ?? err.message ?? tag)
      return false
    }
    return true
  }

  // ---- the organisation ------------------------------------------------------
  // Bootstrap: the system builds the organisation until a manager is enrolled;
  // from then on only a manager may change it (organization decider).
  let organizer: Actor = { id: 'bootstrap', role: 'system' }
  for (const c of org.commands) {
    if (!(await send(c, organizer)))
      throw new Error(`simulation: the organisation command ${c.type} was refused`)
    if (c.type === 'EnrollAgent' && c.role === 'manager') organizer = { id: c.agentId, role: 'manager' }
  }
  const calendars = new Map<string, Calendar>()
  for (const s of SITES) {
    const c = makeCalendar({ weekly: s.weekly, holidays: s.holidays }, s.timeZone)
    if (isLeft(c))
      throw new Error(`simulation calendar for ${s.siteId}: ${(c.left as { message: string }).message}`)
    calendars.set(s.siteId, c.right)
  }
  const agentsBy = (pred: (a: AgentPlan) => boolean) => org.agents.filter(pred)
  /**
   * The agents a step picks from, listed once per key (in the organisation's
   * order, as a filter gives them, so the picks are the same): they were
   * filtered out of every agent at each step.
   */
  const agentLists = new Map<string, readonly string[]>()
  const agentIdsBy = (key: string, pred: (a: AgentPlan) => boolean): readonly string[] => {
    let ids = agentLists.get(key)
    if (ids === undefined) {
      ids = agentsBy(pred).map((a) => a.agentId)
      agentLists.set(key, ids)
    }
    return ids
  }
  // One actor value per agent, shared by its commands and events (actors are never changed).
  const actors = new Map<string, Actor>(
    org.agents.map((a) => [a.agentId, { id: a.agentId, role: a.role as AgentRole }] as const),
  )
  const agent = (id: string): Actor => actors.get(id) ?? { id, role: 'assistance' }
  const usersBySite = new Map<string, UserPlan[]>()
  for (const u of org.users) usersBySite.set(u.siteId, [...(usersBySite.get(u.siteId) ?? []), u])

  // ---- scheduling ------------------------------------------------------------
  const heap = createHeap<Scheduled>()
  const at = (t: number, step: Step) => heap.push(t, { step, ticket: undefined })
  /** Schedule a step of one ticket; when its last step has run, its stream leaves memory (see the loop). */
  const atT = (ticket: SimTicket, t: number, step: Step) => {
    ticket.pending++
    heap.push(t, { step, ticket })
  }
  /** An agent's work: `minutes` of business time later on the site's calendar. */
  const work = (cal: Calendar, from: number, minutes: number) =>
    cal.addBusinessTime(from, Math.round(minutes) * MIN)

  // ---- knowledge base ----------------------------------------------------------
  const articles: { id: string; domain: SupportDomain }[] = []
  const articlesByDomain = new Map<SupportDomain, string[]>()
  const publish = async (by: string, domain: SupportDomain) => {
    const articleId = `kb-${String(articles.length + 1).padStart(4, '0')}`
    const ok = await send(
      {
        type: 'PublishKnowledgeArticle',
        articleId,
        title: `${domain} procedure ${articles.length + 1}`,
        domain,
        workstationTypes: ['windows-desktop', 'windows-laptop'],
        body: `Steps to diagnose and fix a recurring ${domain} problem.`,
      },
      agent(by),
    )
    if (ok) {
      articles.push({ id: articleId, domain })
      const ids = articlesByDomain.get(domain)
      if (ids === undefined) articlesByDomain.set(domain, [articleId])
      else ids.push(articleId)
    }
  }
  const technicianOf = (domain: SupportDomain): AgentRole =>
    domain === 'office'
      ? 'office-technician'
      : domain === 'telephony'
        ? 'telephony-technician'
        : domain === 'business'
          ? 'business-support'
          : 'network-technician'

  // ---- expert advice after any escalation (manual or by the timers) ------------
  function onEscalated(ticketId: string, domain: SupportDomain, when: number) {
    const t = ticketsById.get(ticketId)
    if (t === undefined) return
    t.awaitingExpert = true
    t.escalatedDomain = domain
    const expert = random.pick(
      agentIdsBy(`expert ${domain}`, (a) => a.role === 'expert' && (a.domains ?? []).includes(domain)),
    )
    atT(t, work(t.calendar, Math.max(when, nowMs), random.exponential(150) + 15), async () => {
      if (
        await send(
          { type: 'GiveExpertAdvice', ticketId, advice: 'Known issue: apply the documented workaround.' },
          agent(expert),
        )
      )
        t.awaitingExpert = false
    })
  }

  // ---- one ticket's life --------------------------------------------------------
  const resolveStep = (t: SimTicket, when: number): void =>
    atT(t, when, async () => {
      if (t.awaitingExpert) return resolveStep(t, work(t.calendar, nowMs, 60))
      const kb = articlesByDomain.get(t.domain)
      const cite = kb !== undefined && random.chance(0.25) ? random.pick(kb) : undefined
      const ok = await send(
        {
          type: 'ResolveTicket',
          ticketId: t.id,
          resolutionCode: random.pick(['fixed', 'workaround', 'replaced', 'configured', 'explained']),
          solution: 'Diagnosed with the user and corrected the configuration.',
          ...(cite === undefined ? {} : { knowledgeArticleId: cite }),
        },
        agent(t.owner ?? t.assistance),
      )
      if (!ok) return resolveStep(t, work(t.calendar, nowMs, 120))
      if (random.chance(0.01)) await publish(t.owner ?? t.assistance, t.domain)
      // Now and then someone tries to close before telling the user how it was restored.
      if (random.chance(0.01))
        atT(t, nowMs + MIN, async () => {
          await send({ type: 'CloseTicket', ticketId: t.id }, agent(t.owner ?? t.assistance))
        })
      restorationStep(t, work(t.calendar, nowMs, random.int(1, 30)))
    })

  const restorationStep = (t: SimTicket, when: number): void =>
    atT(t, when, async () => {
      await send(
        {
          type: 'InformUser',
          ticketId: t.id,
          kind: 'restoration',
          message: 'Service restored: please check on your side.',
        },
        agent(t.owner ?? t.assistance),
      )
      const reopen = t.cycle === 1 && random.chance(0.05)
      if (random.chance(0.6)) {
        const base = t.lateResponse ? 2.6 : 4.1
        const score = Math.max(1, Math.min(5, Math.round(base + (random.next() - 0.5) * 2.4)))
        atT(t, nowMs + random.int(30, 48 * 60) * MIN, async () => {
          await send(
            {
              type: 'RecordSatisfaction',
              ticketId: t.id,
              score,
              ...(random.chance(0.3)
                ? { comment: score >= 4 ? 'Quick and clear, thanks.' : 'It took too long.' }
                : {}),
            },
            { id: t.user.userId, role: 'user' },
          )
        })
      }
      if (reopen) {
        atT(t, nowMs + random.int(60, 72 * 60) * MIN, async () => {
          if (
            await send(
              { type: 'ReopenTicket', ticketId: t.id, reason: 'The problem came back.' },
              { id: t.user.userId, role: 'user' },
            )
          ) {
            t.cycle++
            resolveStep(t, work(t.calendar, nowMs, random.exponential(240) + 20))
          }
        })
      }
      if (random.chance(0.9))
        atT(t, work(t.calendar, nowMs, random.int(0, 60)), async () => {
          await send({ type: 'CloseTicket', ticketId: t.id }, agent(t.owner ?? t.assistance))
        })
    })

  const openTicket = (arrival: number, siteId: string, n: number): void =>
    at(arrival, async () => {
      const site = SITES.find((s) => s.siteId === siteId) ?? SITES[0]!
      const user = random.pick(usersBySite.get(site.siteId) ?? org.users)
      const calendar = calendars.get(user.siteId)!
      const desk = deskOf(user.siteId)
      const assistance = random.pick(
        agentIdsBy(`assistance ${desk}`, (a) => a.role === 'assistance' && a.deskId === desk),
      )
      const id = `T-${String(n).padStart(6, '0')}`
      const channel = random.weighted<Channel>([
        ['phone', 50],
        ['email', 25],
        ['portal', 20],
        ['walk-in', 5],
      ])
      const t: SimTicket = {
        id,
        user,
        assistance,
        calendar,
        kind: random.weighted<TicketKind>([
          ['incident', 50],
          ['question', 25],
          ['request', 20],
          ['preventive', 5],
        ]),
        domain: random.weighted<SupportDomain>([
          ['office', 45],
          ['telephony', 15],
          ['business', 25],
          ['network', 15],
        ]),
        priority: random.weighted<Priority>([
          ['P1', 5],
          ['P2', 20],
          ['P3', 50],
          ['P4', 25],
        ]),
        awaitingExpert: false,
        cycle: 1,
        lateResponse: false,
        pending: 0,
      }
      if (
        !(await send(
          {
            type: 'OpenTicket',
            ticketId: id,
            requesterId: user.userId,
            channel,
            summary: `${t.kind} reported by ${user.userId}`,
          },
          agent(assistance),
        ))
      )
        return
      ticketsById.set(id, t)
      opened++
      // Qualification by the assistance desk, a few minutes later.
      atT(t, work(calendar, nowMs, random.int(2, 15)), async () => {
        await send(
          {
            type: 'QualifyTicket',
            ticketId: id,
            kind: t.kind,
            domain: t.domain,
            priority: t.priority,
            diagnosis: 'First analysis on the phone.',
          },
          agent(assistance),
        )
        const firstContact = t.kind === 'question' ? random.chance(0.5) : random.chance(0.12)
        const role = technicianOf(t.domain)
        const candidates = firstContact
          ? [assistance]
          : agentIdsBy(
              `${role} ${user.siteId} ${user.workstationType}`,
              (a) =>
                a.role === role &&
                a.siteIds.includes(user.siteId) &&
                a.workstationTypes.includes(user.workstationType),
            )
        const owner = candidates.length > 0 ? random.pick(candidates) : assistance
        atT(t, work(calendar, nowMs, random.int(3, 30)), async () => {
          if (await send({ type: 'AssignTicket', ticketId: id, ownerId: owner }, agent(assistance)))
            t.owner = owner
          if (
            incidentOpen !== undefined &&
            t.domain === 'network' &&
            incidentSite === user.siteId &&
            random.chance(0.5)
          )
            await send(
              { type: 'LinkTicketToMajorIncident', ticketId: id, incidentId: incidentOpen },
              agent(assistance),
            )
          // The first answer or schedule: usually quick, sometimes late.
          t.lateResponse = random.chance(0.07)
          const delay = t.lateResponse ? random.int(250, 600) : random.exponential(70) + 5
          atT(t, work(calendar, nowMs, delay), async () => {
            const schedule = !firstContact && random.chance(0.4)
            const eta = nowMs + random.int(4, 72) * HOUR
            await send(
              schedule
                ? {
                    type: 'InformUser',
                    ticketId: id,
                    kind: 'schedule',
                    message: 'We will fix it by the announced time.',
                    expectedResolutionAt: toInstant(eta),
                  }
                : { type: 'InformUser', ticketId: id, kind: 'answer', message: 'Here is what to do.' },
              agent(t.owner ?? assistance),
            )
            if (firstContact) return resolveStep(t, work(calendar, nowMs, random.int(5, 30)))
            const workMinutes =
              random.exponential(
                t.priority === 'P1' ? 60 : t.priority === 'P2' ? 150 : t.priority === 'P3' ? 240 : 300,
              ) + 15
            if (random.chance(0.12)) {
              atT(t, work(calendar, nowMs, random.int(30, 240)), async () => {
                if (!t.awaitingExpert)
                  await send(
                    {
                      type: 'EscalateTicket',
                      ticketId: id,
                      reason: 'manual',
                      note: 'Need an expert opinion.',
                    },
                    agent(t.owner ?? assistance),
                  )
                resolveStep(t, work(calendar, nowMs, workMinutes))
              })
            } else if (random.chance(0.08)) {
              atT(t, work(calendar, nowMs, random.int(30, 120)), async () => {
                await send(
                  {
                    type: 'SuspendTicket',
                    ticketId: id,
                    reason: random.chance(0.7) ? 'awaiting-user' : 'awaiting-supplier',
                  },
                  agent(t.owner ?? assistance),
                )
                atT(t, calendar.nextOpening(nowMs + random.int(2, 72) * HOUR), async () => {
                  await send({ type: 'ResumeTicket', ticketId: id }, agent(t.owner ?? assistance))
                  resolveStep(t, work(calendar, nowMs, workMinutes))
                })
              })
            } else resolveStep(t, work(calendar, nowMs, workMinutes))
          })
        })
      })
    })

  // ---- major incidents ------------------------------------------------------------
  let incidentOpen: string | undefined
  let incidentSite: string | undefined
  let incidents = 0
  const majorIncidentCount = Math.max(1, Math.min(12, Math.round(options.tickets / 4000)))
  const declareIncident = (when: number, k: number): void =>
    at(when, async () => {
      const site = random.pick(SITES)
      const declarer = `${site.siteId}-network-technician-1`
      const incidentId = `MI-${String(k).padStart(3, '0')}`
      const ok = await send(
        {
          type: 'DeclareMajorIncident',
          incidentId,
          summary: random.pick([
            'Core switch failure',
            'Mail servers unreachable',
            'ERP database down',
            'Telephony gateway outage',
          ]),
          siteIds: [site.siteId],
          services: random.pick([['network'], ['mail'], ['erp'], ['telephony']]),
        },
        agent(declarer),
      )
      if (!ok) return
      incidents++
      incidentOpen = incidentId
      incidentSite = site.siteId
      const late = random.chance(0.2)
      const firstBulletin = nowMs + (late ? random.int(25 * 60, 40 * 60) : random.int(20, 6 * 60)) * MIN
      at(firstBulletin, async () => {
        await send(
          {
            type: 'PublishIncidentBulletin',
            incidentId,
            kind: 'information',
            message: 'Teams are working on it; workaround: use the web client.',
            siteIds: [site.siteId],
          },
          agent(declarer),
        )
        at(nowMs + random.int(1, 8) * HOUR, async () => {
          await send(
            {
              type: 'PublishIncidentBulletin',
              incidentId,
              kind: 'restoration',
              message: 'Service restored.',
              siteIds: [site.siteId],
            },
            agent(declarer),
          )
          await send(
            { type: 'ResolveMajorIncident', incidentId, summary: 'Faulty component replaced.' },
            agent(declarer),
          )
          if (incidentOpen === incidentId) incidentOpen = undefined
        })
      })
    })

  // ---- arrivals: working hours, weekdays, morning and afternoon peaks ---------------
  const arrivals: { t: number; siteId: string }[] = []
  // Local hour weights (08–11 and 14–16 peaks); the site's standard offset is close enough for weighting.
  const hourWeight = [
    0, 0, 0, 0, 0, 0, 0.3, 0.6, 1, 1.2, 1.1, 0.9, 0.5, 0.7, 1, 1.1, 0.9, 0.6, 0.3, 0.1, 0, 0, 0, 0,
  ]
  const offsetHours: Record<string, number> = { 'Europe/Paris': 1, 'America/Toronto': -5 }
  for (let i = 0; i < options.tickets; i++) {
    const site = random.weighted(SITES.map((s) => [s, s.weight] as const))
    const cal = calendars.get(site.siteId)!
    for (let tries = 0; ; tries++) {
      const t = startMs + Math.floor(random.next() * (endMs - startMs))
      const localHour = (((new Date(t).getUTCHours() + (offsetHours[site.timeZone] ?? 0)) % 24) + 24) % 24
      if (tries < 50 && (!cal.isOpen(t) || random.next() > (hourWeight[localHour] ?? 0) / 1.2)) continue
      arrivals.push({ t: cal.nextOpening(t), siteId: site.siteId })
      break
    }
  }
  arrivals.sort((a, b) => a.t - b.t)
  let opened = 0
  arrivals.forEach((a, i) => {
    openTicket(a.t, a.siteId, i + 1)
  })
  const firstSiteCal = calendars.get('paris')!
  for (let k = 1; k <= majorIncidentCount; k++)
    declareIncident(
      firstSiteCal.nextOpening(startMs + Math.floor(((k - 0.5) / majorIncidentCount) * (endMs - startMs))),
      k,
    )
  for (const d of ['office', 'telephony', 'business', 'network'] as const)
    at(firstSiteCal.nextOpening(startMs), () => publish(`paris-${technicianOf(d)}-1`, d))

  // ---- the loop ------------------------------------------------------------------
  const timers = createTimerRunner({ store, handle, clock })
  const timerEvery = (options.timerEveryMinutes ?? 15) * MIN
  let nextTimer = startMs + timerEvery
  let timerCommands = 0
  const runTimersUntil = async (t: number) => {
    while (nextTimer <= t) {
      nowMs = nextTimer
      const head = eventCount - 1
      const r = await timers.runOnce()
      timerCommands += r.issued
      // Everything before the run has been read by the timers: it may leave memory.
      if (simStore !== undefined) simStore.trimThrough(head)
      nextTimer += timerEvery
    }
  }
  let lastProgress = 0
  for (let next = heap.pop(); next !== undefined; next = heap.pop()) {
    if (nextTimer <= next.at) await runTimersUntil(next.at)
    nowMs = Math.max(nowMs, next.at)
    const { step, ticket } = next.value
    await step()
    if (ticket !== undefined && --ticket.pending === 0) {
      simStore?.forget(`ticket-${ticket.id}`)
      ticketsById.delete(ticket.id)
    }
    if (options.onProgress && opened - lastProgress >= 1000) {
      lastProgress = opened
      options.onProgress(opened, options.tickets)
    }
  }
  // Let the timers see the end of the activity.
  await runTimersUntil(nowMs + timerEvery)
  return {
    tickets: opened,
    commands,
    refused,
    events: eventCount,
    majorIncidents: incidents,
    knowledgeArticles: articles.length,
    timerCommands,
    from: toInstant(startMs),
    // The latest event (what `soutien report` takes as its as-of instant).
    to: toInstant(lastAt),
  }
}
