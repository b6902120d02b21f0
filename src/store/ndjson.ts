/**
 * NDJSON history files: the §3 envelope, one JSON object per line, in global
 * order. Export streams in constant memory; import is all or nothing: a first
 * streaming pass validates every line, a second one stores (in one
 * transaction where the store can, see `canImportAtomically`).
 */
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, open, rename, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { type DecodeProblem, formatProblems, showValue } from '../domain/codec.js'
import { decodeRecordedEvent, type RecordedEvent, toWire } from '../domain/envelope.js'
import {
  canImportAtomically,
  type EventStore,
  type EventToImport,
  type StoreError,
  StoreFailure,
} from './port.js'

/** The history file itself could not be read or written. */
export interface HistoryFileError {
  readonly _tag: 'HistoryFileError'
  readonly message: string
  readonly cause?: unknown
}
const fileError = (message: string, cause?: unknown): HistoryFileError =>
  cause === undefined ? { _tag: 'HistoryFileError', message } : { _tag: 'HistoryFileError', message, cause }

/** Thrown by `readHistoryFile` when the file cannot be read at all (bad lines are yielded, never thrown). */
export class HistoryFileFailure extends Error {
  constructor(readonly error: HistoryFileError) {
    super(error.message)
    this.name = 'HistoryFileFailure'
  }
}

/** What is wrong with one line. */
export interface LineProblem {
  /** 1-based line number in the file. */
  readonly line: number
  readonly eventId?: string
  readonly problems: readonly DecodeProblem[]
}

/** The file was refused: nothing was imported. */
export interface InvalidHistory {
  readonly _tag: 'InvalidHistory'
  readonly message: string
  /** The first invalid lines (at most `maxProblems`). */
  readonly lines: readonly LineProblem[]
  /** How many lines are invalid in all. */
  readonly invalidLines: number
}

export const formatLineProblem = (p: LineProblem): string =>
  `line ${p.line}${p.eventId === undefined ? '' : ` (event ${p.eventId})`}: ${formatProblems(p.problems)}`

// ---- reading ---------------------------------------------------------------

export type HistoryLine =
  | { readonly line: number; readonly event: RecordedEvent }
  | { readonly line: number; readonly problems: readonly DecodeProblem[]; readonly eventId?: string }

/** One line of a file as read, before parsing. */
export interface RawLine {
  readonly line: number
  readonly text: string
  /** False for a last line without its newline. */
  readonly terminated: boolean
}

/**
 * Split a byte stream into lines, in constant memory (one line at a time): a
 * CR before the LF and a BOM at the start are dropped; blank lines are
 * yielded (callers skip them). Exported for `soutien verify`, which needs each
 * line's JSON as written rather than the decoded (upcast) event.
 */
export async function* linesOf(input: AsyncIterable<Buffer | string>): AsyncGenerator<RawLine> {
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

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Longer than any event id: not repeated in reports (a hostile line must not make them megabytes long). */
const MAX_REPORTED_ID = 256

/** The JSON of one line, or why it is not one (`eventId`: the line's `id`, when short enough to report). */
export const parseLine = (
  raw: RawLine,
): { readonly json: unknown; readonly eventId?: string } | { readonly problems: DecodeProblem[] } => {
  try {
    const json: unknown = JSON.parse(raw.text)
    return isObject(json) && typeof json.id === 'string' && json.id.length <= MAX_REPORTED_ID
      ? { json, eventId: json.id }
      : { json }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err)
    return {
      problems: [
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
      ],
    }
  }
}

/**
 * The rules that tie lines together: positions strictly increasing along the
 * file; in each stream, revisions contiguous from its first one, and `at`
 * never decreasing. Memory grows with the number of streams, not of events.
 */
export const createSequenceCheck = () => {
  const streams = new Map<string, { revision: number; at: string }>()
  let lastPosition: number | undefined
  return {
    knows: (stream: string): boolean => streams.has(stream),
    /** Problems of `e` given the lines before; `firstRevision` applies to a stream seen for the first time. */
    check: (e: RecordedEvent, firstRevision = 0): DecodeProblem[] => {
      const problems: DecodeProblem[] = []
      if (lastPosition !== undefined && e.position <= lastPosition)
        problems.push({
          path: 'position',
          expected: `> ${lastPosition}`,
          actual: String(e.position),
          message: `position ${e.position} is not after the previous line's ${lastPosition}`,
        })
      lastPosition = Math.max(lastPosition ?? -1, e.position)
      const prev = streams.get(e.stream)
      const expected = prev === undefined ? firstRevision : prev.revision + 1
      if (e.revision !== expected)
        problems.push({
          path: 'revision',
          expected: String(expected),
          actual: String(e.revision),
          message:
            e.revision > expected
              ? `stream ${e.stream}: revision ${e.revision} leaves a gap (expected ${expected})`
              : `stream ${e.stream}: revision ${e.revision} comes again or goes back (expected ${expected})`,
        })
      if (prev !== undefined && e.at < prev.at)
        problems.push({
          path: 'at',
          expected: `≥ ${prev.at}`,
          actual: e.at,
          message: `stream ${e.stream}: at ${e.at} is earlier than the previous event's ${prev.at}`,
        })
      streams.set(e.stream, {
        revision: e.revision,
        at: prev !== undefined && prev.at > e.at ? prev.at : e.at,
      })
      return problems
    },
    /**
     * Take note of a line that could not be decoded, as far as it can be read,
     * so that one broken event is reported once and not again by every line after it.
     */
    skip: (json: unknown): void => {
      if (!isObject(json) || typeof json.stream !== 'string') return
      const { stream, revision, position, at } = json
      if (typeof position === 'number') lastPosition = Math.max(lastPosition ?? -1, position)
      if (typeof revision !== 'number') return
      const prev = streams.get(stream)
      const when = typeof at === 'string' && (prev === undefined || at > prev.at) ? at : (prev?.at ?? '')
      streams.set(stream, { revision, at: when })
    },
  }
}

export interface ReadHistoryOptions {
  /**
   * Also check positions, revision contiguity from 0 and `at` order across
   * lines (default true). Turn off for an excerpt (`export --after`).
   */
  readonly checkSequence?: boolean
}

const openSource = (source: string | Readable): AsyncIterable<Buffer | string> => {
  if (typeof source !== 'string') return source
  if (source === '-') return process.stdin
  return createReadStream(source)
}
const nameOf = (source: string | Readable): string =>
  typeof source !== 'string' ? 'the input stream' : source === '-' ? 'standard input' : source

/**
 * Read a history file (`-`: standard input) line by line, in constant memory:
 * each line is either its decoded (checked, upcast) event or its problems with
 * field paths. Bad lines never throw; a file that cannot be read at all throws
 * `HistoryFileFailure`. Blank lines are skipped.
 */
export async function* readHistoryFile(
  source: string | Readable,
  options: ReadHistoryOptions = {},
): AsyncGenerator<HistoryLine> {
  const sequence = options.checkSequence === false ? undefined : createSequenceCheck()
  try {
    for await (const raw of linesOf(openSource(source))) {
      if (raw.text.trim() === '') continue
      const parsed = parseLine(raw)
      if ('problems' in parsed) {
        yield { line: raw.line, problems: parsed.problems }
        continue
      }
      const d = decodeRecordedEvent(parsed.json)
      const withId = parsed.eventId === undefined ? {} : { eventId: parsed.eventId }
      if (E.isLeft(d)) {
        sequence?.skip(parsed.json)
        yield { line: raw.line, problems: d.left, ...withId }
        continue
      }
      const ps = sequence?.check(d.right) ?? []
      yield ps.length > 0 ? { line: raw.line, problems: ps, ...withId } : { line: raw.line, event: d.right }
    }
  } catch (err) {
    if (err instanceof HistoryFileFailure) throw err
    throw new HistoryFileFailure(fileError(`cannot read ${nameOf(source)}: ${messageOf(err)}`, err))
  }
}

// ---- export ----------------------------------------------------------------

export interface ExportOptions {
  /** Only events after this position (an excerpt: revisions then do not start at 0). */
  readonly after?: number
  readonly streamPrefixes?: readonly string[]
}

export interface ExportResult {
  readonly events: number
  /** Position of the last exported event (-1: none). */
  readonly lastPosition: number
}

/** One line of a history file: `toWire` key order, then a newline. */
export const historyLine = (e: RecordedEvent): string => `${JSON.stringify(toWire(e))}\n`

const CHUNK = 64 * 1024

/**
 * Write the store's history (global order, §3 envelope, `toWire` key order) to
 * a path or a stream, in constant memory. A path is written to a temporary
 * file, synced, then renamed: it is never left half written. A stream is
 * written with back-pressure and not ended (stdout cannot be).
 */
export const exportHistory =
  (
    store: EventStore,
    out: Writable | string,
    options: ExportOptions = {},
  ): TE.TaskEither<StoreError | HistoryFileError, ExportResult> =>
  async () => {
    const readOptions = {
      ...(options.after === undefined ? {} : { after: options.after }),
      ...(options.streamPrefixes === undefined ? {} : { streamPrefixes: options.streamPrefixes }),
    }
    const name = typeof out === 'string' ? out : 'the output stream'
    let sink: { write: (s: string) => Promise<void>; done: () => Promise<void>; abort: () => Promise<void> }
    if (typeof out === 'string') {
      const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.partial`)
      let fh: Awaited<ReturnType<typeof open>>
      try {
        fh = await open(tmp, 'w')
      } catch (err) {
        return E.left(fileError(`cannot write ${out}: ${messageOf(err)}`, err))
      }
      sink = {
        write: async (s) => {
          await fh.write(s)
        },
        done: async () => {
          await fh.sync()
          await fh.close()
          await rename(tmp, out)
        },
        abort: async () => {
          await fh.close().catch(() => undefined)
          await unlink(tmp).catch(() => undefined)
        },
      }
    } else {
      let streamError: unknown
      const onError = (err: unknown) => {
        streamError = err
      }
      out.on('error', onError)
      sink = {
        write: async (s) => {
          if (streamError !== undefined) throw streamError
          if (!out.write(s)) await once(out, 'drain')
        },
        done: async () => {
          out.off('error', onError)
          if (streamError !== undefined) throw streamError
        },
        abort: async () => {
          out.off('error', onError)
        },
      }
    }
    let events = 0
    let lastPosition = -1
    let buffer = ''
    try {
      for await (const e of store.readAll(readOptions)) {
        buffer += historyLine(e)
        events += 1
        lastPosition = e.position
        if (buffer.length >= CHUNK) {
          await sink.write(buffer)
          buffer = ''
        }
      }
      if (buffer.length > 0) await sink.write(buffer)
      await sink.done()
      return E.right({ events, lastPosition })
    } catch (err) {
      await sink.abort()
      if (err instanceof StoreFailure) return E.left(err.error)
      return E.left(fileError(`cannot write ${name}: ${messageOf(err)}`, err))
    }
  }

// ---- import ----------------------------------------------------------------

export interface ImportOptions {
  /** How many invalid lines to report in detail; default 20. */
  readonly maxProblems?: number
  /** Most events per append for stores without atomic import; default 500. */
  readonly appendBatch?: number
}

export interface ImportSummary {
  readonly events: number
  readonly streams: number
  /** Position of the last stored event (-1: nothing imported into an empty store). */
  readonly lastPosition: number
  /** True when the store imported everything in one all-or-nothing unit. */
  readonly atomic: boolean
}

/** Raised inside the second pass when the file no longer reads as it did in the first. */
class FileChanged extends Error {}

const toImport = (json: Record<string, unknown>): EventToImport =>
  ({
    id: json.id,
    stream: json.stream,
    revision: json.revision,
    type: json.type,
    // Stored as written: an older `version` stays older and is upcast on read.
    version: json.version,
    at: json.at,
    actor: json.actor,
    data: json.data,
    meta: json.meta ?? {},
  }) as EventToImport

/**
 * The events of a file already validated by the first pass, as they will be
 * stored (the written `version` and `data`, not the upcast ones).
 */
async function* eventsToImport(path: string, position: { line: number; eventId?: string | undefined }) {
  for await (const raw of linesOf(createReadStream(path))) {
    if (raw.text.trim() === '') continue
    position.line = raw.line
    const parsed = parseLine(raw)
    if ('problems' in parsed || !isObject(parsed.json) || E.isLeft(decodeRecordedEvent(parsed.json)))
      throw new FileChanged(`line ${raw.line} changed since it was validated`)
    position.eventId = parsed.eventId
    yield toImport(parsed.json)
  }
}

const withContext = <Err extends StoreError>(err: Err, context: string): Err => ({
  ...err,
  message: `${context}: ${err.message}`,
})

/**
 * Import a history file (path, `-` for stdin, or a stream) into `store`. Every
 * line is validated first — JSON, envelope and data (`decodeRecordedEvent`),
 * positions strictly increasing, each stream's revisions contiguous from the
 * store's next revision, `at` never decreasing — and any invalid line refuses
 * the whole file (`InvalidHistory`, naming line, event id and field path).
 * Then the events are stored: in one transaction when the store can
 * (`canImportAtomically`: memory, SQLite), otherwise by consecutive same-stream
 * groups with exact expected revisions (EventStoreDB), where only a concurrent
 * writer can make a group fail and leave the earlier ones stored.
 * Positions are the target store's, in the file's order.
 */
export const importHistory =
  (
    source: string | Readable,
    store: EventStore,
    options: ImportOptions = {},
  ): TE.TaskEither<StoreError | HistoryFileError | InvalidHistory, ImportSummary> =>
  async () => {
    const name = nameOf(source)
    let path: string
    let spool: string | undefined
    // A stream cannot be read twice: spool it to a temporary file (constant memory).
    if (typeof source === 'string' && source !== '-') path = source
    else {
      try {
        spool = await mkdtemp(join(tmpdir(), 'soutien-import-'))
        path = join(spool, 'history.ndjson')
        await pipeline(source === '-' ? process.stdin : source, createWriteStream(path))
      } catch (err) {
        if (spool !== undefined) await rm(spool, { recursive: true, force: true })
        return E.left(fileError(`cannot read ${name}: ${messageOf(err)}`, err))
      }
    }
    try {
      return await importFile(path, name, store, options)
    } finally {
      if (spool !== undefined) await rm(spool, { recursive: true, force: true })
    }
  }

const importFile = async (
  path: string,
  name: string,
  store: EventStore,
  options: ImportOptions,
): Promise<E.Either<StoreError | HistoryFileError | InvalidHistory, ImportSummary>> => {
  const maxProblems = options.maxProblems ?? 20
  // ---- first pass: validate everything, store nothing
  const sequence = createSequenceCheck()
  const reported: LineProblem[] = []
  let invalidLines = 0
  let streams = 0
  const problem = (p: LineProblem) => {
    invalidLines += 1
    if (reported.length < maxProblems) reported.push(p)
  }
  try {
    for await (const raw of linesOf(createReadStream(path))) {
      if (raw.text.trim() === '') continue
      const parsed = parseLine(raw)
      if ('problems' in parsed) {
        problem({ line: raw.line, problems: parsed.problems })
        continue
      }
      const withId = parsed.eventId === undefined ? {} : { eventId: parsed.eventId }
      const d = decodeRecordedEvent(parsed.json)
      if (E.isLeft(d)) {
        sequence.skip(parsed.json)
        problem({ line: raw.line, problems: d.left, ...withId })
        continue
      }
      const e = d.right
      let first = 0
      if (!sequence.knows(e.stream)) {
        streams += 1
        const existing = await store.readStream(e.stream)()
        if (E.isLeft(existing)) return existing
        first = existing.right.length
      }
      const ps = sequence.check(e, first)
      if (ps.length > 0) problem({ line: raw.line, problems: ps, ...withId })
    }
  } catch (err) {
    return E.left(fileError(`cannot read ${name}: ${messageOf(err)}`, err))
  }
  if (invalidLines > 0)
    return E.left({
      _tag: 'InvalidHistory',
      message:
        `${name} was not imported (nothing was stored): ${invalidLines} invalid line${invalidLines > 1 ? 's' : ''}; ` +
        reported.slice(0, 3).map(formatLineProblem).join('; ') +
        (invalidLines > 3 ? '; …' : ''),
      lines: reported,
      invalidLines,
    })

  // ---- second pass: store
  const at: { line: number; eventId?: string | undefined } = { line: 0 }
  const where = () => `${name} line ${at.line}${at.eventId === undefined ? '' : ` (event ${at.eventId})`}`
  if (canImportAtomically(store)) {
    const r = await store.importAtomically(eventsToImport(path, at))()
    if (E.isLeft(r)) {
      const cause = (r.left as { readonly cause?: unknown }).cause
      if (cause instanceof FileChanged)
        return E.left(fileError(`${name} changed during the import, nothing was stored: ${cause.message}`))
      return E.left(withContext(r.left, `${where()}: nothing was imported`))
    }
    return E.right({ events: r.right.events, streams, lastPosition: r.right.lastPosition, atomic: true })
  }
  const batchMax = Math.max(1, options.appendBatch ?? 500)
  let stored = 0
  let lastPosition = -1
  let group: EventToImport[] = []
  let groupLine = 0
  const flush = async (): Promise<E.Either<StoreError, void>> => {
    const first = group[0]
    if (first === undefined) return E.right(undefined)
    const r = await store.append(
      first.stream,
      group,
      first.revision === 0 ? 'no-stream' : first.revision - 1,
    )()
    if (E.isLeft(r))
      return E.left(
        withContext(
          r.left,
          `${name} line ${groupLine} (event ${first.id}): import stopped, ${stored} events before this line were stored`,
        ),
      )
    stored += group.length
    lastPosition = r.right.position
    group = []
    return E.right(undefined)
  }
  try {
    for await (const e of eventsToImport(path, at)) {
      if (group.length > 0 && (group[0]!.stream !== e.stream || group.length >= batchMax)) {
        const r = await flush()
        if (E.isLeft(r)) return r
      }
      if (group.length === 0) groupLine = at.line
      group.push(e)
    }
    const r = await flush()
    if (E.isLeft(r)) return r
  } catch (err) {
    return E.left(
      fileError(`cannot read ${name} (${stored} events were stored before): ${messageOf(err)}`, err),
    )
  }
  if (stored === 0) {
    const head = await store.headPosition()()
    if (E.isLeft(head)) return head
    lastPosition = head.right
  }
  return E.right({ events: stored, streams, lastPosition, atomic: false })
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))
