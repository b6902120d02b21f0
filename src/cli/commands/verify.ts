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
import { createReadStream } from 'node:fs'
import { isLeft } from 'fp-ts/lib/Either.js'
import { type DecodeProblem, formatProblems } from '../../domain/codec.js'
import type { DomainError } from '../../domain/decider.js'
import {
  categoryOfStream,
  decodeRecordedEvent,
  type Fact,
  type RecordedEvent,
} from '../../domain/envelope.js'
import type {
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
import { checkOrganizationEvent, createDatedOrganization } from '../../domain/organization.js'
import { createTicketAudit, stepTicketAudit, type TicketAudit } from '../../domain/ticket-rules.js'
import { createSequenceCheck, linesOf, parseLine, type RawLine } from '../../store/ndjson.js'
import { parseArgs, stringOpt } from '../args.js'
import { CliError, dataError, EXIT_DATA, EXIT_OK, usageError } from '../errors.js'
import { readJsonFile } from '../input-files.js'
import type { CliCommand, CliIO } from '../io.js'
import { createProgress } from '../progress.js'
import { openHistory } from '../source.js'
import { writeText } from './sla.js'

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
  const tickets = new Map<string, TicketAudit>()
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

  // A ticket is re-checked one event at a time: what is kept is a few facts per ticket.
  const ticketProblems = (e: Fact<TicketEvent>, stream: string, revision: number): DomainError[] => {
    const checked = stepTicketAudit(
      tickets.get(stream) ?? createTicketAudit(),
      e,
      org.at(e.at),
      `revision ${revision}`,
    )
    tickets.set(stream, checked.audit)
    return checked.error === undefined ? [] : [checked.error]
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
 * verify reads the file with `linesOf` rather than through `readHistoryFile`:
 * it needs each line's JSON as written (the hash covers the event before any
 * upcast, docs/audit.md), which the decoded event no longer is. Lines are
 * split, and a bad line worded, exactly as `readHistoryFile` does.
 */

/** Check one raw line with the verifier. */
export const verifyLine = (verifier: HistoryVerifier, raw: RawLine): VerifyProblem[] => {
  const parsed = parseLine(raw)
  if ('problems' in parsed) return verifier.invalid(raw.line, parsed.problems)
  const decoded = decodeRecordedEvent(parsed.json)
  return isLeft(decoded)
    ? verifier.invalid(raw.line, decoded.left, parsed.json)
    : verifier.event(decoded.right, raw.line, parsed.json)
}

// ---- is it a history at all? -------------------------------------------------------

/** How much of a file `verify` reads before deciding whether it can be a history at all. */
export const SNIFF_BYTES = 64 * 1024

const startsWith = (b: Buffer, bytes: readonly number[]): boolean => bytes.every((x, i) => b[i] === x)
const SQLITE_MAGIC = [...Buffer.from('SQLite format 3\0', 'latin1')]

/**
 * Why the start of a file shows that it is not an NDJSON history, or
 * undefined when it may be one. Without this, a compressed file, a store or a
 * spreadsheet would be "verified" as thousands of "events", one per chunk of
 * bytes between two newline bytes, each "not valid JSON". `head` is the
 * file's first bytes (up to SNIFF_BYTES); `complete` says it is the whole
 * file (a multi-byte character cut at the end of an incomplete head is not an
 * error); `name` is how to give the file back on a command line (`-` for
 * standard input). A history whose first line is a damaged event (it still
 * starts like a JSON object) is left to the line-by-line checks, which say
 * what is wrong with it.
 */
export const notHistoryReason = (head: Buffer, complete: boolean, name: string): string | undefined => {
  if (startsWith(head, [0x1f, 0x8b]))
    return name === '-'
      ? 'it is gzip-compressed; decompress it first (gunzip -c)'
      : `it is gzip-compressed; decompress it first (gunzip -c ${name} | soutien verify -)`
  if (startsWith(head, SQLITE_MAGIC))
    return name === '-'
      ? 'it is a SQLite database; to check a store, give its path with --store'
      : `it is a SQLite database; to check a store, give it with --store (soutien verify --store ${name})`
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff]))
    return 'it is UTF-16 text; a history is UTF-8 (re-save it as UTF-8)'
  const nul = head.indexOf(0)
  if (nul !== -1) return `it holds binary data (a NUL byte at byte ${nul}), not text`
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete })
  } catch {
    return 'it is not UTF-8 text (binary data, or text saved in another encoding such as Latin-1)'
  }
  // Blank lines are allowed (and skipped) before the first event.
  const start = /[^\s\uFEFF]/.exec(text)
  if (start === null) return undefined
  const firstLine = (text.slice(start.index).split('\n')[0] ?? '').trimEnd()
  if (!firstLine.startsWith('{'))
    return `its first line is not a JSON object (it starts ${JSON.stringify(firstLine.slice(0, 24))}); a history has one event, one JSON object, per line`
  if (firstLine === '{' && (complete || text.includes('\n', start.index)))
    return 'its first line is a lone "{": it looks like one JSON document spread over several lines, where a history has one event, one JSON object, per line'
  return undefined
}

/**
 * The bytes of `input`, unchanged, once its first SNIFF_BYTES have shown it
 * can be a history; otherwise a data error saying plainly what it is instead.
 */
async function* historyBytes(
  input: AsyncIterable<Buffer | string>,
  label: string,
  name: string,
): AsyncGenerator<Buffer> {
  const held: Buffer[] = []
  let size = 0
  const check = (complete: boolean) => {
    const reason = notHistoryReason(Buffer.concat(held), complete, name)
    if (reason !== undefined) throw dataError(`${label} is not an NDJSON history: ${reason}.`)
  }
  let checked = false
  for await (const c of input) {
    const chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : c
    if (checked) {
      yield chunk
      continue
    }
    held.push(chunk)
    size += chunk.length
    if (size >= SNIFF_BYTES) {
      check(false)
      checked = true
      yield* held
      held.length = 0
    }
  }
  if (!checked) {
    check(true)
    yield* held
  }
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
summary 'N events, M problems'. A file that is not an NDJSON history at all
(compressed, binary, not UTF-8, a SQLite store, a first line that is not a
JSON object) is refused in one line instead. Exit status 0 when the history is clean, 1
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
  const m = decodeManifest(readJsonFile(path, 'manifest'))
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
        for await (const raw of linesOf(historyBytes(input, source.label, file as string))) {
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
