/**
 * `soutien verify`: check every line of a history — JSON, envelope and event
 * codecs, contiguous revisions, increasing positions, time order within
 * streams, the domain rules re-checked from the events with the organisation
 * as it stood at each event, and the hash chain (with a stream-head manifest
 * when given) — and print every problem with its line number and event id.
 *
 * It streams: what it keeps grows with the number of streams (a few facts per
 * ticket, the organisation's dated views, the short major-incident and
 * knowledge streams), never with the number of events of a ticket.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { isLeft } from 'fp-ts/lib/Either.js'
import {
  type DecodeProblem,
  formatProblems,
  type IsoInstant,
  instantMs,
  showValue,
} from '../../domain/codec.js'
import type { DomainError } from '../../domain/decider.js'
import {
  categoryOfStream,
  decodeRecordedEvent,
  type Fact,
  type RecordedEvent,
} from '../../domain/envelope.js'
import type {
  EventData,
  KnowledgeEvent,
  MajorIncidentEvent,
  OrganizationEvent,
  TicketEvent,
} from '../../domain/events.js'
import {
  type ChainProblem,
  type ChainStatus,
  type ChainSummary,
  type ChainWhere,
  createChainChecker,
  decodeManifest,
  type Manifest,
  type WrittenEvent,
  writtenEventOf,
  writtenFormOf,
} from '../../domain/hash-chain.js'
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
import { createSequenceCheck } from '../../store/ndjson.js'
import { parseArgs, stringOpt } from '../args.js'
import { CliError, dataError, EXIT_DATA, EXIT_OK, usageError } from '../errors.js'
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

/** One problem: where (a line, a store position, or the end of the history), which event, what is wrong. */
export interface VerifyProblem {
  /** 1-based line of a file. */
  readonly line?: number
  /** Position in a store. */
  readonly position?: number
  readonly eventId?: string
  readonly message: string
}

export const formatVerifyProblem = (p: VerifyProblem): string =>
  `${p.line !== undefined ? `line ${p.line}` : p.position !== undefined ? `position ${p.position}` : 'end of history'}${p.eventId === undefined ? '' : ` (event ${p.eventId})`}: ${p.message}`

const decodeMessage = (p: DecodeProblem): string => `${p.path}: ${p.message}`
const ruleMessage = (e: DomainError): string => `${e._tag}: ${e.message}`
const chainMessage = (p: ChainProblem): string => `hash chain: ${p.kind}: ${p.message}`

interface Where {
  readonly line?: number
  readonly position: number
  readonly eventId: string
}

interface BufferedFact<E extends MajorIncidentEvent> {
  readonly fact: Fact<E>
  readonly where: Where
}

export interface HistoryVerifier {
  /**
   * A line that could not be decoded: its problems. `json` is the line's JSON
   * when it is JSON at all: what can be read of it still counts for the order
   * and the hash chain.
   */
  readonly invalid: (line: number, problems: readonly DecodeProblem[], json?: unknown) => VerifyProblem[]
  /**
   * A decoded event (`line` undefined for a store): every problem it has.
   * `json` is the line as written, which the hash covers (before any upcast);
   * default: the decoded event's own written form.
   */
  readonly event: (e: RecordedEvent, line?: number, json?: unknown) => VerifyProblem[]
  /** Problems only the end of the history reveals (a declaration never followed by its alert, streams cut short). */
  readonly end: () => VerifyProblem[]
  readonly chain: () => { readonly status: ChainStatus; readonly summary: ChainSummary }
}

/**
 * The checks of `soutien verify`, one line at a time. Each call returns the
 * problems settled by that line: its own, and possibly one of an earlier line
 * that only this one could reveal (a major incident's declaration without its
 * staff alert; two events of a chained stream swapped or one inserted).
 */
export const createHistoryVerifier = (options: { readonly manifest?: Manifest } = {}): HistoryVerifier => {
  const sequence = createSequenceCheck()
  const org = createDatedOrganization()
  const chain = createChainChecker(options.manifest === undefined ? {} : { manifest: options.manifest })
  const tickets = new Map<string, TicketAuditFacts | undefined>()
  const incidents = new Map<string, BufferedFact<MajorIncidentEvent>[]>()
  const articles = new Map<string, Fact<KnowledgeEvent>[]>()

  const problem = (w: Where, message: string): VerifyProblem => ({
    ...(w.line === undefined ? { position: w.position } : { line: w.line }),
    eventId: w.eventId,
    message,
  })
  const fromChain = (p: ChainProblem): VerifyProblem => ({
    ...(p.line === undefined ? {} : { line: p.line }),
    ...(p.position === undefined ? {} : { position: p.position }),
    ...(p.eventId === undefined ? {} : { eventId: p.eventId }),
    message: chainMessage(p),
  })
  const checkChain = (written: WrittenEvent, where: ChainWhere): VerifyProblem[] =>
    chain.event(written, where).map(fromChain)

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
    invalid: (line, problems, json) => {
      const written = json === undefined ? undefined : writtenEventOf(json)
      const out: VerifyProblem[] = problems.map((p) => ({
        line,
        ...(written === undefined ? {} : { eventId: written.id }),
        message: decodeMessage(p),
      }))
      // One broken event is reported once, not again by every line after it.
      if (json !== undefined) sequence.skip(json)
      if (written !== undefined) out.push(...checkChain(written, { line }))
      return out
    },

    event: (e, line, json) => {
      const w: Where = { ...(line === undefined ? {} : { line }), position: e.position, eventId: e.id }
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
      out.push(
        ...checkChain(
          (json === undefined ? undefined : writtenEventOf(json)) ?? writtenFormOf(e),
          line === undefined ? { position: e.position } : { line },
        ),
      )
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
      out.push(...chain.end().map(fromChain))
      return out
    },

    chain: () => ({ status: chain.status(), summary: chain.summary() }),
  }
}

/** The summary's words for the chain: `unchained`, or how many streams are chained, broken… */
export const describeChain = (status: ChainStatus, s: ChainSummary): string => {
  const parts: string[] = []
  if (status === 'unchained') parts.push('unchained')
  else {
    parts.push(`${s.chained} stream${s.chained === 1 ? '' : 's'} chained`)
    if (s.chainedLater > 0) parts.push(`${s.chainedLater} chained from a later revision`)
    if (s.unchained > 0) parts.push(`${s.unchained} unchained`)
    if (s.broken > 0) parts.push(`${s.broken} broken`)
  }
  const chainText = `hash chain: ${parts.join(', ')}`
  if (s.manifest === undefined) return chainText
  const newer = s.manifest.notInManifest
  return `${chainText}; manifest: ${s.manifest.streams} stream heads checked${newer > 0 ? `, ${newer} newer stream${newer === 1 ? '' : 's'}` : ''}`
}

// ---- reading lines as written ----------------------------------------------------

/*
 * verify reads the file itself rather than through `readHistoryFile`: it needs
 * each line's JSON as written (the hash covers the event before any upcast,
 * docs/audit.md), which the decoded event no longer is. Lines are split as
 * `readHistoryFile` splits them (CR before LF dropped, a BOM at the start
 * dropped, blank lines skipped) and a bad line is worded the same way.
 */

interface RawLine {
  readonly line: number
  readonly text: string
  /** False for a last line without its newline. */
  readonly terminated: boolean
}

/** One line at a time, in constant memory. */
export async function* rawLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<RawLine> {
  let parts: Buffer[] = []
  let line = 0
  const text = (buf: Buffer): string => {
    let s = buf.toString('utf8')
    if (s.endsWith('\r')) s = s.slice(0, -1)
    if (line === 1 && s.startsWith('\uFEFF')) s = s.slice(1)
    return s
  }
  for await (const c of input) {
    const chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : c
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      const buf = parts.length === 0 ? piece : Buffer.concat([...parts, piece])
      parts = []
      line += 1
      yield { line, text: text(buf), terminated: true }
      start = nl + 1
    }
    if (start < chunk.length) parts.push(Buffer.from(chunk.subarray(start)))
  }
  if (parts.length > 0) {
    line += 1
    yield { line, text: text(Buffer.concat(parts)), terminated: false }
  }
}

/** Check one raw line with the verifier. */
export const verifyLine = (verifier: HistoryVerifier, raw: RawLine): VerifyProblem[] => {
  let json: unknown
  try {
    json = JSON.parse(raw.text)
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err)
    return verifier.invalid(raw.line, [
      raw.terminated
        ? {
            path: '(line)',
            expected: 'one JSON object',
            actual: showValue(raw.text),
            message: `not valid JSON (${detail})`,
          }
        : {
            path: '(line)',
            expected: 'a complete last line',
            actual: showValue(raw.text),
            message: 'truncated: the file ends in the middle of this line',
          },
    ])
  }
  const decoded = decodeRecordedEvent(json)
  return isLeft(decoded)
    ? verifier.invalid(raw.line, decoded.left, json)
    : verifier.event(decoded.right, raw.line, json)
}

// ---- the command -----------------------------------------------------------------

const help = `soutien verify — check a history line by line and list every problem

Usage: soutien verify <history.ndjson|-> [--store path.db|esdb://…] [--manifest heads.json]

Checks every line:
  - it is one JSON object with the envelope of docs/events.md (id, stream,
    revision, position, type, version, at, actor, data, meta) and the data of
    its event type (after upcasting older versions);
  - positions strictly increase along the file; each stream's revisions are
    contiguous from 0; 'at' never decreases within a stream;
  - the domain rules hold, re-checked from the events with the organisation as
    it stood at each event (who may do what, to which ticket, in which state);
  - the hash chain (docs/audit.md): each event's meta.hash is the digest of the
    event as written, and its meta.prevHash the hash of the event before it in
    its stream; each broken stream is reported once, at its first broken event.
    A history without hashes is "unchained".
With --manifest (written by 'soutien export --manifest'), every stream must
also reach the head the manifest recorded, with the recorded hash: a stream cut
short, rewritten or removed is found.

Prints one line per problem, 'line N (event <id>): <what is wrong>', then a
summary 'N events, M problems'. Exit status 0 when the history is clean, 1
when any problem was found (or the history or manifest cannot be read), 2 for
a usage error. Reading a store, problems name the event's position instead.

Options:
  --store S      read a store instead of a file (SQLite path or esdb:// URL)
  --manifest F   the stream heads to check the history against

Examples:
  soutien verify month.ndjson
  soutien verify march.ndjson --manifest march.heads.json
  soutien export --store ./helpdesk.db | soutien verify -
  soutien verify --store ./helpdesk.db
`

/** Read and check a stream-head manifest file. */
export const loadManifest = (path: string): Manifest => {
  let text: string
  try {
    if (statSync(path).isDirectory()) throw dataError(`cannot read manifest ${path}: it is a directory.`)
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if (err instanceof CliError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw dataError(
      code === 'ENOENT'
        ? `cannot read manifest ${path}: no such file. Check the path.`
        : `cannot read manifest ${path}: ${(err as Error).message}`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw dataError(`manifest ${path}: not valid JSON (${(err as Error).message}).`)
  }
  const m = decodeManifest(json)
  if (isLeft(m)) throw dataError(`manifest ${path}: not a stream-head manifest: ${formatProblems(m.left)}.`)
  return m.right
}

const BATCH = 64 * 1024

const run = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('verify', args, { store: { type: 'string' }, manifest: { type: 'string' } })
  const [file, extra] = p.positionals
  if (extra !== undefined)
    throw usageError(`verify: unexpected argument "${extra}". Try 'soutien verify --help'.`)
  const storeSpec = stringOpt(p, 'store')
  const manifestPath = stringOpt(p, 'manifest')
  // Validates the arguments and the file (missing, directory) the same way every command does.
  const source = await openHistory('verify', file, storeSpec, io, { decrypt: false })
  const manifest = manifestPath === undefined ? undefined : loadManifest(manifestPath)
  const verifier = createHistoryVerifier(manifest === undefined ? {} : { manifest })
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
      const input = file === '-' ? io.stdin : createReadStream(file as string)
      try {
        for await (const raw of rawLines(input)) {
          if (raw.text.trim() === '') continue
          events++
          await report(verifyLine(verifier, raw))
          if ((events & 1023) === 0) progress.tick(events)
        }
      } catch (err) {
        if (err instanceof CliError) throw err
        throw dataError(`cannot read ${source.label}: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    await report(verifier.end())
  } finally {
    progress.done()
    await source.dispose()
  }
  const { status, summary } = verifier.chain()
  buffer += `${events} events, ${problems} problem${problems === 1 ? '' : 's'} (${summary.streams} streams; ${describeChain(status, summary)})\n`
  await writeText(io, buffer)
  return problems === 0 ? EXIT_OK : EXIT_DATA
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'check a history line by line: codecs, order, domain rules, hash chain',
  help,
  run,
}
