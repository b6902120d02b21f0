/**
 * NDJSON history files: the §3 envelope, one JSON object per line, in global
 * order. Export streams in constant memory; import is all or nothing: a first
 * streaming pass validates every line, a second one stores (in one
 * transaction where the store can, see `canImportAtomically`).
 */
import { once } from 'node:events'
import { createWriteStream, readSync } from 'node:fs'
import { mkdtemp, open, rename, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import {
  canonicalInstantMs,
  type DecodeProblem,
  formatProblems,
  showValue,
  toInstant,
} from '../domain/codec.js'
import {
  emptyIdIndex,
  f64,
  findRow,
  getF64,
  getU8,
  getU8OrZero,
  type IdIndex,
  insertNextRow,
  setF64,
  setU8,
  u8,
} from '../domain/compact.js'
import { decodeParsedEvent, decodeRecordedEvent, type RecordedEvent, toWire } from '../domain/envelope.js'
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

/** Called for each line: its text (CR before the LF and a first-line BOM dropped), number, and whether a newline ended it. */
type OnLine = (text: string, line: number, terminated: boolean) => void

/**
 * Splits chunks of bytes (or text) into lines. Each chunk is decoded to text
 * once (a character split between two chunks is kept whole) and cut at its
 * newlines: no `Buffer` per line, and a line longer than a chunk is joined
 * once, not copied again with every chunk.
 */
const createLineSplitter = () => {
  const decoder = new StringDecoder('utf8')
  let parts: string[] = []
  let line = 0
  const emit = (s: string, terminated: boolean, onLine: OnLine) => {
    line += 1
    let text = s
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1)
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    onLine(text, line, terminated)
  }
  return {
    feed: (chunk: Buffer | string, onLine: OnLine): void => {
      // A string goes through the decoder too, after any bytes it still holds, as its UTF-8 bytes would.
      const text = decoder.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)
      let nl = text.indexOf('\n')
      if (nl === -1) {
        if (text.length > 0) parts.push(text)
        return
      }
      const head = text.slice(0, nl)
      emit(parts.length === 0 ? head : parts.join('') + head, true, onLine)
      parts = []
      let start = nl + 1
      for (nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
        emit(text.slice(start, nl), true, onLine)
        start = nl + 1
      }
      if (start < text.length) parts.push(text.slice(start))
    },
    end: (onLine: OnLine): void => {
      const tail = decoder.end()
      if (tail.length > 0) parts.push(tail)
      if (parts.length > 0) emit(parts.join(''), false, onLine)
      parts = []
    },
  }
}

/**
 * Split a byte stream into lines, in constant memory (one chunk at a time): a
 * CR before the LF and a BOM at the start are dropped; blank lines are
 * yielded (callers skip them). Exported for `soutien verify`, which needs each
 * line's JSON as written rather than the decoded (upcast) event.
 */
export async function* linesOf(input: AsyncIterable<Buffer | string>): AsyncGenerator<RawLine> {
  const split = createLineSplitter()
  let pending: RawLine[] = []
  const onLine: OnLine = (text, line, terminated) => {
    pending.push({ line, text, terminated })
  }
  for await (const chunk of input) {
    split.feed(chunk, onLine)
    const ready = pending
    pending = []
    yield* ready
  }
  split.end(onLine)
  yield* pending
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Longer than any event id: not repeated in reports (a hostile line must not make them megabytes long). */
const MAX_REPORTED_ID = 256

/** The line's `id`, when it is short enough to report. */
const reportedIdOf = (json: unknown): string | undefined =>
  isObject(json) && typeof json.id === 'string' && json.id.length <= MAX_REPORTED_ID ? json.id : undefined

/** Why a line is not JSON. */
const unparsable = (text: string, terminated: boolean, err: unknown): DecodeProblem[] => [
  terminated
    ? {
        path: '(line)',
        expected: 'one JSON object',
        actual: showValue(text),
        message: `not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      }
    : {
        path: '(line)',
        expected: 'a complete last line',
        actual: showValue(text),
        message: 'truncated: the file ends in the middle of this line',
      },
]

/** The JSON of one line, or why it is not one (`eventId`: the line's `id`, when short enough to report). */
export const parseLine = (
  raw: RawLine,
): { readonly json: unknown; readonly eventId?: string } | { readonly problems: DecodeProblem[] } => {
  let json: unknown
  try {
    json = JSON.parse(raw.text)
  } catch (err) {
    return { problems: unparsable(raw.text, raw.terminated, err) }
  }
  const eventId = reportedIdOf(json)
  return eventId === undefined ? { json } : { json, eventId }
}

/** A line holding nothing but white space (JSON lines start with `{`: `trim` only for the others). */
const isBlank = (text: string): boolean => text.charCodeAt(0) !== 123 && text.trim() === ''

const NO_PROBLEMS: readonly DecodeProblem[] = Object.freeze([])
/**
 * A last revision that does not fit the sequence check's byte column (kept in
 * a map instead): only streams of more than 254 events (revisions from 254 on), which are few (the
 * organisation's), and what an undecodable line may hold.
 */
const ODD_REVISION = 0xff
/** A row the check has no revision for (`revisions` holds revision + 1 in between). */
const UNSEEN = 0

const withProblem = (ps: DecodeProblem[] | undefined, p: DecodeProblem): DecodeProblem[] => {
  if (ps === undefined) return [p]
  ps.push(p)
  return ps
}

/**
 * The rules that tie lines together: positions strictly increasing along the
 * file; in each stream, revisions contiguous from its first one, and `at`
 * never decreasing. Memory grows with the number of streams, not of events —
 * and a replay of years has hundreds of thousands of streams: each is a row
 * of a compact id index (a prefix such as `ticket-` kept once, the UUID or
 * other characters after it in a byte pool, off the JS heap:
 * src/domain/compact.ts) and two chunked typed-array columns (its last
 * revision as a byte, its latest `at` in epoch ms; chunks, so that growing
 * never copies nor doubles), about 35 bytes a stream, none of them on the
 * heap the collector scans. An `at` that is not a canonical instant, or a
 * revision beyond 253 (a long stream: the organisation's) or not a count
 * (only `skip` can meet one, on a line that did not decode), is kept as
 * written, aside. `rows`: the index of stream names to keep, when someone
 * else reads it too (the report's fold keeps its archive's rows by the same
 * stream rows, `readHistoryBatchesSharing`).
 */
export const createSequenceCheck = (rows: IdIndex = emptyIdIndex()) => {
  /**
   * Per row, its last revision + 1 (ODD_REVISION: it is in `oddRevisions`;
   * UNSEEN: a row of the index this check has not met, one a sharer added).
   */
  const revisions = u8()
  const oddRevisions = new Map<number, number>()
  /** Per row, the epoch ms of its latest `at` (NaN: it is in `oddAts`). */
  const ats = f64()
  const oddAts = new Map<number, string>()
  let lastPosition: number | undefined

  const revisionOf = (row: number): number => {
    const r = getU8(revisions, row)
    return r === ODD_REVISION ? (oddRevisions.get(row) ?? Number.NaN) : r - 1
  }
  /** The row of `stream` when this check has met it, else -1 (and `found` the index's row, or -1). */
  let found = -1
  const metRow = (stream: string): number => {
    found = findRow(rows, stream)
    return found >= 0 && getU8OrZero(revisions, found) !== UNSEEN ? found : -1
  }
  const setRevision = (row: number, r: number): void => {
    // Any number may come here from an undecodable line (`skip`): all but small counts go to the map.
    if (r >= 0 && r < ODD_REVISION - 1 && Number.isInteger(r)) {
      if (oddRevisions.size > 0) oddRevisions.delete(row)
      setU8(revisions, row, r + 1)
    } else {
      setU8(revisions, row, ODD_REVISION)
      oddRevisions.set(row, r)
    }
  }

  /** The latest `at` of a row as written (canonical instants come back as they were). */
  const atOf = (row: number): string => {
    const ms = getF64(ats, row)
    return Number.isNaN(ms) ? (oddAts.get(row) ?? '') : toInstant(ms)
  }
  const setAt = (row: number, at: string): void => {
    const ms = canonicalInstantMs(at)
    if (!Number.isNaN(ms)) {
      setF64(ats, row, ms)
      oddAts.delete(row)
    } else {
      setF64(ats, row, Number.NaN)
      oddAts.set(row, at)
    }
  }

  return {
    knows: (stream: string): boolean => metRow(stream) >= 0,
    /** Problems of `e` given the lines before; `firstRevision` applies to a stream seen for the first time. */
    check: (e: RecordedEvent, firstRevision = 0): readonly DecodeProblem[] => {
      // Allocated only for a line with problems: most have none.
      let problems: DecodeProblem[] | undefined
      if (lastPosition !== undefined && e.position <= lastPosition)
        problems = [
          {
            path: 'position',
            expected: `> ${lastPosition}`,
            actual: String(e.position),
            message: `position ${e.position} is not after the previous line's ${lastPosition}`,
          },
        ]
      lastPosition = Math.max(lastPosition ?? -1, e.position)
      const row0 = metRow(e.stream)
      const known = row0 < 0 ? undefined : row0
      const expected = known === undefined ? firstRevision : revisionOf(known) + 1
      if (e.revision !== expected)
        problems = withProblem(problems, {
          path: 'revision',
          expected: String(expected),
          actual: String(e.revision),
          message:
            e.revision > expected
              ? `stream ${e.stream}: revision ${e.revision} leaves a gap (expected ${expected})`
              : `stream ${e.stream}: revision ${e.revision} comes again or goes back (expected ${expected})`,
        })
      if (known === undefined) {
        const row = found >= 0 ? found : insertNextRow(rows, e.stream)
        setRevision(row, e.revision)
        setAt(row, e.at)
      } else {
        setRevision(known, e.revision)
        const prevMs = getF64(ats, known)
        // Canonical instants compare as their strings do (fixed width): by epoch ms.
        const t = Number.isNaN(prevMs) ? Number.NaN : canonicalInstantMs(e.at)
        const earlier = Number.isNaN(t) ? e.at < atOf(known) : t < prevMs
        if (earlier) {
          const prevAt = atOf(known)
          problems = withProblem(problems, {
            path: 'at',
            expected: `≥ ${prevAt}`,
            actual: e.at,
            message: `stream ${e.stream}: at ${e.at} is earlier than the previous event's ${prevAt}`,
          })
        } else if (Number.isNaN(t)) setAt(known, e.at)
        else setF64(ats, known, t)
      }
      return problems ?? NO_PROBLEMS
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
      const row0 = metRow(stream)
      const known = row0 < 0 ? undefined : row0
      const prevAt = known === undefined ? undefined : atOf(known)
      const when = typeof at === 'string' && (prevAt === undefined || at > prevAt) ? at : (prevAt ?? '')
      const row = known ?? (found >= 0 ? found : insertNextRow(rows, stream))
      setRevision(row, revision)
      setAt(row, when)
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

const READ_CHUNK = 64 * 1024

/**
 * The chunks of a file, for readers that consume each one before asking for
 * the next: a regular file is read with `readSync`, 64 KiB at a time, into
 * one buffer that every chunk reuses (valid until the next is asked for).
 * A read stream cost a replay a tenth of its time: ~130 µs a chunk in the
 * main thread against ~22 µs here (bench/README.md); a read from the page
 * cache blocks the event loop for those microseconds only. Anything else (a
 * pipe, a device) is streamed.
 */
export async function* fileChunks(path: string, size = READ_CHUNK): AsyncGenerator<Buffer> {
  const file = await open(path, 'r')
  try {
    if (!(await file.stat()).isFile()) {
      yield* file.createReadStream({ autoClose: false, highWaterMark: size })
      return
    }
    const buffer = Buffer.allocUnsafe(size)
    for (let offset = 0; ; ) {
      const n = readSync(file.fd, buffer, 0, size, offset)
      if (n === 0) return
      offset += n
      yield n === size ? buffer : buffer.subarray(0, n)
    }
  } finally {
    await file.close()
  }
}

const openSource = (source: string | Readable): AsyncIterable<Buffer | string> => {
  if (typeof source !== 'string') return source
  if (source === '-') return process.stdin
  return fileChunks(source)
}
const nameOf = (source: string | Readable): string =>
  typeof source !== 'string' ? 'the input stream' : source === '-' ? 'standard input' : source

/** What the reader makes of each non-blank line: a decoded, checked event, or its problems. */
interface LineSink {
  readonly event: (e: RecordedEvent, line: number) => void
  readonly problem: (line: number, problems: readonly DecodeProblem[], eventId: string | undefined) => void
}

/**
 * The reading loop shared by `readHistoryFile` and `readHistoryBatches`: every
 * non-blank line parsed, decoded (envelope, type, upcast, data), and checked
 * against the lines before it, its outcome handed to `sink` synchronously;
 * yields once per chunk read so that the caller can pass on what the chunk gave.
 */
async function* readLines(
  source: string | Readable,
  options: ReadHistoryOptions,
  sink: LineSink,
  streams?: IdIndex,
): AsyncGenerator<void> {
  const sequence = options.checkSequence === false ? undefined : createSequenceCheck(streams)
  const split = createLineSplitter()
  const onLine: OnLine = (text, line, terminated) => {
    if (isBlank(text)) return
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      sink.problem(line, unparsable(text, terminated, err), undefined)
      return
    }
    // The line's JSON is ours alone: the event may be that very object.
    const d = decodeParsedEvent(json)
    if (E.isLeft(d)) {
      sequence?.skip(json)
      sink.problem(line, d.left, reportedIdOf(json))
      return
    }
    const ps = sequence === undefined ? NO_PROBLEMS : sequence.check(d.right)
    if (ps.length > 0) sink.problem(line, ps, reportedIdOf(json))
    else sink.event(d.right, line)
  }
  try {
    for await (const chunk of openSource(source)) {
      split.feed(chunk, onLine)
      yield
    }
    split.end(onLine)
    yield
  } catch (err) {
    if (err instanceof HistoryFileFailure) throw err
    throw new HistoryFileFailure(fileError(`cannot read ${nameOf(source)}: ${messageOf(err)}`, err))
  }
}

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
  let pending: HistoryLine[] = []
  const sink: LineSink = {
    event: (event, line) => {
      pending.push({ line, event })
    },
    problem: (line, problems, eventId) => {
      pending.push(eventId === undefined ? { line, problems } : { line, problems, eventId })
    },
  }
  for await (const _ of readLines(source, options, sink)) {
    const ready = pending
    pending = []
    yield* ready
  }
}

/** Thrown by `readHistoryBatches` at the first line that is not a valid event. */
export class InvalidHistoryLine extends Error {
  constructor(readonly problem: LineProblem) {
    super(formatLineProblem(problem))
    this.name = 'InvalidHistoryLine'
  }
}

/**
 * The events of a history file (`-`: standard input), as `readHistoryFile`
 * reads and checks them, one array per chunk read (a few hundred events), for
 * replays that fold synchronously instead of awaiting every event. At the
 * first bad line, the events before it are yielded, then `InvalidHistoryLine`
 * is thrown; a file that cannot be read throws `HistoryFileFailure`. An array
 * is never empty, and belongs to the caller.
 */
export const readHistoryBatches = (
  source: string | Readable,
  options: ReadHistoryOptions = {},
): AsyncGenerator<readonly RecordedEvent[]> => readHistoryBatchesSharing(source, options, undefined)

/**
 * `readHistoryBatches`, its sequence check keeping the stream names in
 * `streams` (numbering their rows with `nextRow`), so that the report's fold
 * keeps its archived tickets by the same rows instead of a second index of
 * the same ids (src/projections/report-fold.ts). Not public: the index is
 * internal; `checkSequence: false` leaves it untouched.
 */
export async function* readHistoryBatchesSharing(
  source: string | Readable,
  options: ReadHistoryOptions,
  streams: IdIndex | undefined,
): AsyncGenerator<readonly RecordedEvent[]> {
  let batch: RecordedEvent[] = []
  let invalid: LineProblem | undefined
  const sink: LineSink = {
    event: (event) => {
      if (invalid === undefined) batch.push(event)
    },
    problem: (line, problems, eventId) => {
      invalid ??= eventId === undefined ? { line, problems } : { line, problems, eventId }
    },
  }
  for await (const _ of readLines(source, options, sink, streams)) {
    if (batch.length > 0) {
      const ready = batch
      batch = []
      yield ready
    }
    if (invalid !== undefined) throw new InvalidHistoryLine(invalid)
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
  for await (const raw of linesOf(fileChunks(path))) {
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
    for await (const raw of linesOf(fileChunks(path))) {
      if (raw.text.trim() === '') continue
      const parsed = parseLine(raw)
      if ('problems' in parsed) {
        problem({ line: raw.line, problems: parsed.problems })
        continue
      }
      const withId = parsed.eventId === undefined ? {} : { eventId: parsed.eventId }
      const d = decodeParsedEvent(parsed.json)
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
