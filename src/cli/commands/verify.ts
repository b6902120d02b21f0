/**
 * `soutien verify`: check every line of a history — JSON, envelope and event
 * codecs, contiguous revisions, increasing positions, time order within
 * streams, the domain rules re-checked from the events with the organisation
 * as it stood at each event, and the hash chain links where present — and
 * print every problem with its line number and event id.
 *
 * It streams: what it keeps grows with the number of streams (a few facts per
 * ticket, the organisation's dated views, the short major-incident and
 * knowledge streams), never with the number of events of a ticket.
 */
import { type DecodeProblem, type IsoInstant, instantMs } from '../../domain/codec.js'
import type { DomainError } from '../../domain/decider.js'
import { categoryOfStream, type Fact, type RecordedEvent } from '../../domain/envelope.js'
import type {
  EventData,
  KnowledgeEvent,
  MajorIncidentEvent,
  OrganizationEvent,
  TicketEvent,
} from '../../domain/events.js'
import { checkKnowledgeHistory } from '../../domain/knowledge.js'
import { checkMajorIncidentHistory } from '../../domain/major-incident.js'
import {
  checkOrganizationEvent,
  evolveOrganization,
  initialOrganizationState,
  type OrganizationState,
  organizationView,
} from '../../domain/organization.js'
import { emptyOrganization, type OrganizationView } from '../../domain/organization-view.js'
import { checkTicketHistory } from '../../domain/ticket-rules.js'
import type { SupportDomain } from '../../domain/vocabulary.js'
import { createSequenceCheck, HistoryFileFailure, readHistoryFile } from '../../store/ndjson.js'
import { parseArgs, stringOpt } from '../args.js'
import { dataError, EXIT_DATA, EXIT_OK, usageError } from '../errors.js'
import type { CliCommand, CliIO } from '../io.js'
import { createProgress } from '../progress.js'
import { openHistory } from '../source.js'
import { writeText } from './sla.js'

// ---- the organisation as it stood at any instant, built as the file is read ----

/**
 * The incremental form of `organizationAsOf`: each organisation event read so
 * far is in force from its `at` (the latest instant seen, if the stream went
 * back in time, which its own check reports). Views share their storage
 * (persistent maps), so keeping one per instant is cheap.
 */
const createDatedOrganization = () => {
  const times: number[] = []
  const views: OrganizationView[] = []
  let state: OrganizationState = initialOrganizationState
  let latest = Number.NEGATIVE_INFINITY
  return {
    state: (): OrganizationState => state,
    apply: (e: Fact<OrganizationEvent>): void => {
      state = evolveOrganization(state, e)
      latest = Math.max(latest, instantMs(e.at))
      if (times.length > 0 && times[times.length - 1] === latest)
        views[views.length - 1] = organizationView(state)
      else {
        times.push(latest)
        views.push(organizationView(state))
      }
    },
    at: (at: IsoInstant): OrganizationView => {
      const t = instantMs(at)
      let lo = 0
      let hi = times.length - 1
      let found = -1
      while (lo <= hi) {
        const mid = (lo + hi) >> 1
        if ((times[mid] as number) <= t) {
          found = mid
          lo = mid + 1
        } else hi = mid - 1
      }
      return found < 0 ? emptyOrganization : (views[found] as OrganizationView)
    },
  }
}

// ---- a ticket's rules, checked one event at a time in constant memory ----------

/**
 * What `checkTicketHistory` knows about a ticket before its next event, kept
 * here as a handful of facts instead of the ticket's whole history. It follows
 * the re-check's own fold (the facts as recorded, rule broken or not) so that a
 * short synthetic history can stand for the real one: re-checking that
 * history followed by the new event reports exactly what re-checking the whole
 * stream would report for it (a property the tests check on random histories).
 */
export interface TicketAuditFacts {
  readonly opening: Fact<Extract<TicketEvent, { type: 'TicketOpened' }>>
  readonly phase: 'open' | 'resolved' | 'closed'
  readonly owner: string | null
  readonly domain: SupportDomain | null
  readonly awaiting: SupportDomain | null
  readonly suspended: boolean
  readonly toldRestored: boolean
  readonly rated: boolean
  readonly incidents: readonly string[]
  /** Latest `at` so far. */
  readonly lastAt: IsoInstant
}

const later = (a: IsoInstant, b: IsoInstant): IsoInstant => (instantMs(b) > instantMs(a) ? b : a)

/** The facts after `e` (undefined while the stream has not started with its opening). */
export const stepTicketAudit = (
  a: TicketAuditFacts | undefined,
  e: Fact<TicketEvent>,
): TicketAuditFacts | undefined => {
  if (a === undefined) {
    if (e.type !== 'TicketOpened') return undefined
    // Free text is not needed to judge later events: keep the opening small.
    const opening = { ...e, data: { ...e.data, summary: '-' } }
    return {
      opening,
      phase: 'open',
      owner: null,
      domain: null,
      awaiting: null,
      suspended: false,
      toldRestored: false,
      rated: false,
      incidents: [],
      lastAt: e.at,
    }
  }
  const b: TicketAuditFacts = { ...a, lastAt: later(a.lastAt, e.at) }
  switch (e.type) {
    case 'TicketQualified':
      return { ...b, domain: e.data.domain }
    case 'TicketAssigned':
      return { ...b, owner: e.data.ownerId }
    case 'UserInformed':
      return a.phase === 'resolved' && e.data.kind === 'restoration' ? { ...b, toldRestored: true } : b
    case 'TicketEscalated':
      return { ...b, awaiting: e.data.domain }
    case 'ExpertAdviceGiven':
      return { ...b, awaiting: null }
    case 'TicketSuspended':
      return { ...b, suspended: true }
    case 'TicketResumed':
      return { ...b, suspended: false }
    case 'TicketResolved':
      return { ...b, phase: 'resolved', awaiting: null, suspended: false, toldRestored: false, rated: false }
    case 'TicketReopened':
      return { ...b, phase: 'open', awaiting: null, suspended: false, toldRestored: false, rated: false }
    case 'TicketClosed':
      return { ...b, phase: 'closed' }
    case 'SatisfactionRecorded':
      return { ...b, rated: true }
    case 'TicketLinkedToMajorIncident':
      return { ...b, incidents: [...b.incidents, e.data.incidentId] }
    default:
      return b
  }
}

/** A short history that leaves the re-check in the state these facts describe. */
export const ticketAuditPrefix = (a: TicketAuditFacts | undefined): Fact<TicketEvent>[] => {
  if (a === undefined) return []
  const actor = a.opening.actor
  const at = a.lastAt
  const ev = <E extends TicketEvent>(type: E['type'], data: E['data']): Fact<TicketEvent> =>
    ({ type, data, at, actor }) as Fact<TicketEvent>
  const out: Fact<TicketEvent>[] = [{ ...a.opening, at }]
  if (a.domain !== null)
    out.push(ev('TicketQualified', { kind: 'incident', domain: a.domain, priority: 'P3' }))
  if (a.owner !== null) out.push(ev('TicketAssigned', { ownerId: a.owner }))
  for (const incidentId of a.incidents) out.push(ev('TicketLinkedToMajorIncident', { incidentId }))
  if (a.phase !== 'open') {
    out.push(ev('TicketResolved', { resolutionCode: '-', solution: '-' } as EventData<'TicketResolved'>))
    if (a.toldRestored) out.push(ev('UserInformed', { kind: 'restoration', message: '-' }))
    if (a.phase === 'closed') out.push(ev('TicketClosed', {}))
  }
  // These three are recorded as they come whatever the phase: they go last.
  if (a.awaiting !== null) out.push(ev('TicketEscalated', { domain: a.awaiting, reason: 'manual' }))
  if (a.suspended) out.push(ev('TicketSuspended', { reason: 'awaiting-user' }))
  if (a.rated) out.push(ev('SatisfactionRecorded', { score: 3 }))
  return out
}

// ---- the verifier --------------------------------------------------------------

/** One problem of one event: where (line or position), which event, what is wrong. */
export interface VerifyProblem {
  /** 1-based line of a file; for a store, undefined (see `position`). */
  readonly line?: number
  readonly position?: number
  readonly eventId?: string
  readonly message: string
}

export const formatVerifyProblem = (p: VerifyProblem): string =>
  `${p.line !== undefined ? `line ${p.line}` : `position ${p.position ?? '?'}`}${p.eventId === undefined ? '' : ` (event ${p.eventId})`}: ${p.message}`

const decodeMessage = (p: DecodeProblem): string => `${p.path}: ${p.message}`
const ruleMessage = (e: DomainError): string => `${e._tag}: ${e.message}`

interface Where {
  readonly line?: number
  readonly position: number
  readonly eventId: string
}

interface BufferedFact<E extends MajorIncidentEvent> {
  readonly fact: Fact<E>
  readonly where: Where
}

/** How the hash chain looked over the history. */
export type ChainStatus = 'unchained' | 'links-checked'

export interface HistoryVerifier {
  /** A line that could not be decoded: its problems. */
  readonly invalid: (line: number, problems: readonly DecodeProblem[], eventId?: string) => VerifyProblem[]
  /** A decoded event (line undefined for a store): every problem it has. */
  readonly event: (e: RecordedEvent, line?: number) => VerifyProblem[]
  /** Problems that only the end of the history reveals (a declaration never followed by its alert). */
  readonly end: () => VerifyProblem[]
  readonly chain: () => ChainStatus
  readonly streams: () => number
}

/**
 * The checks of `soutien verify`, one line at a time. Each call returns the
 * problems found for that line (and, for a major incident, possibly for the
 * line before it, which only the next event of its stream can settle).
 */
export const createHistoryVerifier = (): HistoryVerifier => {
  const sequence = createSequenceCheck()
  const org = createDatedOrganization()
  const tickets = new Map<string, TicketAuditFacts | undefined>()
  const incidents = new Map<string, BufferedFact<MajorIncidentEvent>[]>()
  const articles = new Map<string, Fact<KnowledgeEvent>[]>()
  const lastHash = new Map<string, string | undefined>()
  let chained = false
  const seen = new Set<string>()

  const problem = (w: Where, message: string): VerifyProblem => ({
    ...(w.line === undefined ? { position: w.position } : { line: w.line }),
    eventId: w.eventId,
    message,
  })

  const checkChain = (e: RecordedEvent, w: Where): VerifyProblem[] => {
    const { hash, prevHash } = e.meta
    if (hash !== undefined || prevHash !== undefined) chained = true
    const known = lastHash.has(e.stream)
    const previous = lastHash.get(e.stream)
    lastHash.set(e.stream, hash)
    if (!chained) return []
    if (!known)
      return prevHash === undefined
        ? []
        : [
            problem(
              w,
              `meta.prevHash: the first event of ${e.stream} links to a previous event (${prevHash})`,
            ),
          ]
    if (previous === undefined)
      return prevHash === undefined
        ? []
        : [problem(w, `meta.prevHash: the previous event of ${e.stream} has no hash to link to`)]
    if (prevHash === undefined)
      return [
        problem(w, `meta.prevHash: missing; the chain of ${e.stream} is broken (previous hash ${previous})`),
      ]
    return prevHash === previous
      ? []
      : [
          problem(
            w,
            `meta.prevHash: ${prevHash} is not the previous event's hash ${previous}: the chain of ${e.stream} is broken`,
          ),
        ]
  }

  const ticketProblems = (e: Fact<TicketEvent>, stream: string, revision: number): DomainError[] => {
    const before = tickets.get(stream)
    const prefix = ticketAuditPrefix(before)
    // The organisation lookups of the synthetic prefix only concern problems that are not reported.
    const found = checkTicketHistory([...prefix, e], org.at).filter((p) => p.index === prefix.length)
    tickets.set(stream, stepTicketAudit(before, e))
    // The re-check counts events from the start of what it was given: name the real revision.
    return found.map((p) => ({
      ...p.error,
      message: p.error.message.replace(`[event ${prefix.length}, `, `[revision ${revision}, `),
    }))
  }

  const incidentProblems = (e: Fact<MajorIncidentEvent>, stream: string, w: Where): VerifyProblem[] => {
    const buffered = incidents.get(stream) ?? []
    buffered.push({ fact: e, where: w })
    incidents.set(stream, buffered)
    const found = checkMajorIncidentHistory(
      buffered.map((b) => b.fact),
      org.at,
    )
    const last = buffered.length - 1
    const out: VerifyProblem[] = []
    // A declaration is settled by the event after it (the staff alert must follow at once).
    if (last > 0 && buffered[last - 1]?.fact.type === 'MajorIncidentDeclared')
      for (const p of found.filter((x) => x.index === last - 1))
        out.push(problem(buffered[last - 1]!.where, ruleMessage(p.error)))
    if (e.type !== 'MajorIncidentDeclared')
      for (const p of found.filter((x) => x.index === last)) out.push(problem(w, ruleMessage(p.error)))
    return out
  }

  const knowledgeProblems = (e: Fact<KnowledgeEvent>, stream: string): DomainError[] => {
    const buffered = articles.get(stream) ?? []
    buffered.push(e)
    articles.set(stream, buffered)
    const last = buffered.length - 1
    return checkKnowledgeHistory(buffered, org.at)
      .filter((p) => p.index === last)
      .map((p) => p.error)
  }

  return {
    invalid: (line, problems, eventId) =>
      problems.map((p) => ({
        line,
        ...(eventId === undefined ? {} : { eventId }),
        message: decodeMessage(p),
      })),

    event: (e, line) => {
      const w: Where = { ...(line === undefined ? {} : { line }), position: e.position, eventId: e.id }
      seen.add(e.stream)
      const out: VerifyProblem[] = []
      const sequenceProblems = sequence.check(e)
      for (const p of sequenceProblems) out.push(problem(w, decodeMessage(p)))
      // Time going backwards is already said once by the sequence check.
      const timeSaid = sequenceProblems.some((p) => p.path === 'at')
      const rule = (errors: readonly DomainError[]) => {
        for (const err of errors)
          if (!(timeSaid && err._tag === 'TimeWentBackwards')) out.push(problem(w, ruleMessage(err)))
      }
      switch (categoryOfStream(e.stream)) {
        case 'organization': {
          const f = e as unknown as Fact<OrganizationEvent>
          const err = checkOrganizationEvent(org.state(), f, f.actor, f.at)
          rule(err === undefined ? [] : [err])
          org.apply(f)
          break
        }
        case 'ticket':
          rule(ticketProblems(e as unknown as Fact<TicketEvent>, e.stream, e.revision))
          break
        case 'major-incident':
          for (const p of incidentProblems(e as unknown as Fact<MajorIncidentEvent>, e.stream, w))
            if (!(timeSaid && p.message.startsWith('TimeWentBackwards') && p.eventId === e.id)) out.push(p)
          break
        case 'knowledge':
          rule(knowledgeProblems(e as unknown as Fact<KnowledgeEvent>, e.stream))
          break
        default:
          break
      }
      out.push(...checkChain(e, w))
      return out
    },

    end: () => {
      const out: VerifyProblem[] = []
      for (const buffered of incidents.values()) {
        const last = buffered.length - 1
        if (buffered[last]?.fact.type !== 'MajorIncidentDeclared') continue
        const found = checkMajorIncidentHistory(
          buffered.map((b) => b.fact),
          org.at,
        )
        for (const p of found.filter((x) => x.index === last))
          out.push(problem(buffered[last]!.where, ruleMessage(p.error)))
      }
      return out
    },

    chain: () => (chained ? 'links-checked' : 'unchained'),
    streams: () => seen.size,
  }
}

// ---- the command -----------------------------------------------------------------

const help = `soutien verify — check a history line by line and list every problem

Usage: soutien verify <history.ndjson|-> [--store path.db|esdb://…]

Checks every line:
  - it is one JSON object with the envelope of docs/events.md (id, stream,
    revision, position, type, version, at, actor, data, meta) and the data of
    its event type (after upcasting older versions);
  - positions strictly increase along the file; each stream's revisions are
    contiguous from 0; 'at' never decreases within a stream;
  - the domain rules hold, re-checked from the events with the organisation as
    it stood at each event (who may do what, to which ticket, in which state);
  - the hash chain links (meta.prevHash = the previous event's meta.hash in its
    stream) where events carry hashes; a history without any is "unchained".

Prints one line per problem, 'line N (event <id>): <what is wrong>', then a
summary 'N events, M problems'. Exit status 0 when the history is clean, 1
when any problem was found (or the history cannot be read), 2 for a usage error.
Reading a store, problems name the event's position instead of a line.

Options:
  --store S     read a store instead of a file (SQLite path or esdb:// URL)
  --manifest F  not supported yet (a usage error)

Examples:
  soutien verify month.ndjson
  soutien export --store ./helpdesk.db | soutien verify -
  soutien verify --store ./helpdesk.db
`

const BATCH = 64 * 1024

const run = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('verify', args, { store: { type: 'string' }, manifest: { type: 'string' } })
  if (stringOpt(p, 'manifest') !== undefined)
    throw usageError(
      'verify: --manifest is not supported yet: this release checks the history itself (codecs, order, rules, hash links). Run it without --manifest.',
    )
  const [file, extra] = p.positionals
  if (extra !== undefined)
    throw usageError(`verify: unexpected argument "${extra}". Try 'soutien verify --help'.`)
  const storeSpec = stringOpt(p, 'store')
  // Validates the arguments and the file (missing, directory) the same way every command does.
  const source = openHistory('verify', file, storeSpec, io)
  const verifier = createHistoryVerifier()
  const progress = createProgress('verifying', io.stderr)
  let events = 0
  let problems = 0
  let buffer = ''
  const report = async (found: readonly VerifyProblem[]) => {
    for (const f of found) {
      problems++
      buffer += `${formatVerifyProblem(f)}\n`
    }
    if (buffer.length >= BATCH) {
      await writeText(io, buffer)
      buffer = ''
    }
  }
  try {
    if (storeSpec !== undefined) {
      for await (const e of source.events()) {
        events++
        await report(verifier.event(e))
        if ((events & 1023) === 0) progress.tick(events)
      }
    } else {
      try {
        for await (const l of readHistoryFile(file === '-' ? io.stdin : (file as string), {
          checkSequence: false,
        })) {
          events++
          if ('problems' in l) await report(verifier.invalid(l.line, l.problems, l.eventId))
          else await report(verifier.event(l.event, l.line))
          if ((events & 1023) === 0) progress.tick(events)
        }
      } catch (err) {
        if (err instanceof HistoryFileFailure) throw dataError(err.message)
        throw err
      }
    }
    await report(verifier.end())
  } finally {
    progress.done()
    await source.dispose()
  }
  const chain =
    verifier.chain() === 'unchained'
      ? 'hash chain: unchained'
      : 'hash chain: links checked (digests are not recomputed by this release)'
  buffer += `${events} events, ${problems} problem${problems === 1 ? '' : 's'} (${verifier.streams()} streams; ${chain})\n`
  await writeText(io, buffer)
  return problems === 0 ? EXIT_OK : EXIT_DATA
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'check a history line by line: codecs, order, domain rules, hash links',
  help,
  run,
}
