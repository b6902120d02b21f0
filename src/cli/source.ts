/**
 * Where a command reads its history from: an NDJSON file, standard input
 * (`-`), or a store (`--store ./helpdesk.db`, `--store esdb://…`). Analysis
 * commands stop at the first invalid line with its number and what is wrong,
 * and point to `soutien verify` for the full list.
 */
import { existsSync, statSync } from 'node:fs'
import { isLeft } from 'fp-ts/lib/Either.js'
import { formatProblems } from '../domain/codec.js'
import type { IdIndex } from '../domain/compact.js'
import type { RecordedEvent } from '../domain/envelope.js'
import { openSqliteKeyStore } from '../store/keys.js'
import { HistoryFileFailure, InvalidHistoryLine, readHistoryBatchesSharing } from '../store/ndjson.js'
import { type EventStore, StoreFailure } from '../store/port.js'
import { protectStore } from '../store/protected.js'
import { openSqliteStore } from '../store/sqlite.js'
import { dataError, usageError } from './errors.js'
import type { CliIO } from './io.js'

export interface HistorySource {
  /** How to name it in messages: the file path, 'standard input' or the store. */
  readonly label: string
  /** Every event in global order; throws a CliError (exit 1) on the first unreadable one. */
  readonly events: () => AsyncIterable<RecordedEvent>
  /**
   * The same events, in the same order, with the same error at the same place,
   * a few hundred at a time (one array per chunk of a file, up to
   * `STORE_BATCH` from a store): a replay folds each array in a plain loop
   * instead of awaiting every event. Arrays are never empty and belong to the
   * caller. Every event before an unreadable one is yielded before the error.
   * `streams`: an index of stream names a file's reader fills as it checks
   * the sequence of each stream, for the report's fold to share (a store's
   * source leaves it alone).
   */
  readonly batches: (streams?: IdIndex) => AsyncIterable<readonly RecordedEvent[]>
  readonly dispose: () => Promise<void>
}

export const isEsdbUrl = (s: string): boolean => /^(esdb|esdb\+discover|kurrentdb|kdb):\/\//.test(s)

/**
 * A store as messages and reports name it: an EventStoreDB URL without its
 * credentials (`esdb://admin:changeit@host` → `esdb://host`), so a password
 * never reaches a terminal, a log or an HTML report.
 */
export const storeLabel = (spec: string): string =>
  isEsdbUrl(spec) ? spec.replace(/^([^:]+:\/\/)[^@/?]*@/, '$1') : spec

/** Open a store named on the command line: a SQLite file path or an esdb:// URL. */
export const openStore = async (
  command: string,
  spec: string,
  options: { mustExist: boolean },
): Promise<EventStore> => {
  if (isEsdbUrl(spec)) {
    // Loaded only when asked for: the gRPC client costs every other command half a second.
    const { createEsdbStore } = await import('../store/esdb.js')
    try {
      return createEsdbStore(spec)
    } catch (err) {
      throw dataError(
        `cannot use the EventStoreDB store ${storeLabel(spec)}: ${err instanceof Error ? err.message : String(err)}`,
      )
    }
  }
  if (options.mustExist && !existsSync(spec))
    throw dataError(
      `the store ${spec} does not exist. Check the path, or create it with 'soutien import' or 'soutien simulate --store'.`,
    )
  const opened = openSqliteStore(spec, { mustExist: options.mustExist })
  if (isLeft(opened)) throw dataError(`${opened.left.message}. Is it a Soutien SQLite store?`)
  void command
  return opened.right
}

/** The key store that goes with a SQLite store: `<store>.keys` (docs/privacy.md). */
export const defaultKeysPath = (storeSpec: string): string | undefined =>
  isEsdbUrl(storeSpec) ? undefined : `${storeSpec}.keys`

/**
 * Wrap a store so personal fields are encrypted on append and decrypted on
 * read, with the keys of `keysPath` (created when `create`); forgotten subjects
 * read as `[erased]`.
 */
export const withKeys = (store: EventStore, keysPath: string, create: boolean): EventStore => {
  const keys = openSqliteKeyStore(keysPath, { mustExist: !create })
  if (isLeft(keys)) throw dataError(`${keys.left.message}. Check --keys.`)
  const protectedStore = protectStore(store, keys.right)
  return {
    ...protectedStore,
    dispose: async () => {
      await protectedStore.dispose()
      await keys.right.dispose()
    },
  }
}

/** Most events per array of `batches()` from a store. */
export const STORE_BATCH = 512

/** `events()` of a source, from its `batches()`. */
const eventsOf = (batches: HistorySource['batches']) =>
  async function* (): AsyncGenerator<RecordedEvent> {
    for await (const batch of batches()) yield* batch
  }

/** A store read as a history source (errors become CliErrors naming `label`). */
export const sourceOfStore = (store: EventStore, label: string): HistorySource => {
  const batches = async function* (): AsyncGenerator<readonly RecordedEvent[]> {
    let batch: RecordedEvent[] = []
    try {
      for await (const e of store.readAll()) {
        batch.push(e)
        if (batch.length >= STORE_BATCH) {
          yield batch
          batch = []
        }
      }
    } catch (err) {
      // What was read before the failure is handed on first, as `events()` would have.
      if (batch.length > 0) yield batch
      batch = []
      if (err instanceof StoreFailure) {
        // The EventStoreDB adapter's messages already name the server.
        const m = err.error.message
        throw dataError(m.startsWith('EventStoreDB at ') ? m : `${label}: ${m}`)
      }
      throw err
    }
    if (batch.length > 0) yield batch
  }
  return { label, events: eventsOf(batches), batches, dispose: () => store.dispose() }
}

const fromFile = (path: string, io: CliIO): HistorySource => {
  const label = path === '-' ? 'standard input' : path
  if (path !== '-') {
    if (!existsSync(path))
      throw dataError(
        `cannot read ${path}: no such file. Check the path (or use '-' to read standard input).`,
      )
    if (statSync(path).isDirectory())
      throw dataError(`cannot read ${path}: it is a directory, not a history file.`)
  }
  const batches = async function* (streams?: IdIndex): AsyncGenerator<readonly RecordedEvent[]> {
    try {
      yield* readHistoryBatchesSharing(path === '-' ? io.stdin : path, {}, streams)
    } catch (err) {
      if (err instanceof InvalidHistoryLine) {
        const l = err.problem
        throw dataError(
          `${label} line ${l.line}${l.eventId === undefined ? '' : ` (event ${l.eventId})`}: ${formatProblems(l.problems)}. Run 'soutien verify ${path}' to list every problem.`,
        )
      }
      if (err instanceof HistoryFileFailure) throw dataError(err.message)
      throw err
    }
  }
  return { label, events: eventsOf(batches), batches, dispose: async () => {} }
}

/** The history named by `<file>` or `--store`, exactly one of them. */
export const openHistory = async (
  command: string,
  file: string | undefined,
  store: string | undefined,
  io: CliIO,
  /** Decrypt personal fields (default); `verify` reads what is stored, ciphertext and all. */
  options: { readonly decrypt?: boolean } = {},
): Promise<HistorySource> => {
  if (file !== undefined && store !== undefined)
    throw usageError(`${command}: give either a history file or --store, not both.`)
  if (store !== undefined) {
    // A store written with personal data protection reads back decrypted (forgotten people as [erased]).
    const raw = await openStore(command, store, { mustExist: true })
    const keys = defaultKeysPath(store)
    const decrypt = options.decrypt !== false && keys !== undefined && existsSync(keys)
    return sourceOfStore(decrypt ? withKeys(raw, keys, false) : raw, storeLabel(store))
  }
  if (file === undefined)
    throw usageError(
      `${command}: which history? Give a file (or '-' for standard input) or --store. Try 'soutien ${command} --help'.`,
    )
  return fromFile(file, io)
}
