/**
 * `soutien export` and `soutien import`: move a history between a store and
 * an NDJSON file (domain.md §3 envelope, one event a line, global order).
 */

import { existsSync, rmSync } from 'node:fs'
import { open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { isLeft } from 'fp-ts/lib/Either.js'
import type { RecordedEvent } from '../../domain/envelope.js'
import { createManifestBuilder, manifestText } from '../../domain/hash-chain.js'
import { exportHistory, formatLineProblem, importHistory } from '../../store/ndjson.js'
import type { EventStore } from '../../store/port.js'
import { parseArgs, stringOpt } from '../args.js'
import { dataError, usageError, whyNotWritten } from '../errors.js'
import type { CliCommand, CliIO } from '../io.js'
import { isEsdbUrl, openStore } from '../source.js'

const exportHelp = `soutien export — write a store's history as an NDJSON file

Usage: soutien export --store path.db|esdb://… [--out file] [--manifest heads.json]

Every event in global order, one JSON object a line (the envelope of
docs/events.md), in constant memory. A file is written under a temporary name
and renamed when complete: it is never left half written. Without --out, the
history goes to standard output.

With --manifest, also write the head of every stream exported (its last
revision and hash): kept apart from the history (signed, sent to the auditor),
it lets 'soutien verify --manifest' prove later that no stream was cut short
or rewritten (docs/audit.md). Both paths are checked writable before anything
is written, and both files are renamed into place only when both are
complete: if either cannot be written, neither is.

Examples:
  soutien export --store ./helpdesk.db --out history.ndjson
  soutien export --store ./helpdesk.db --out march.ndjson --manifest march.heads.json
  soutien export --store ./helpdesk.db | soutien verify -
`

const importHelp = `soutien import — load an NDJSON history file into a store

Usage: soutien import <file|-> --store path.db|esdb://…

Every line is validated first (JSON, envelope and event codecs, revisions
contiguous from the store's next one, positions increasing, time order within
streams). Any invalid line refuses the whole file, naming the line, the event
and the field, and nothing is imported. SQLite imports in one transaction.

Examples:
  soutien import history.ndjson --store ./helpdesk.db
  soutien simulate --tickets 100 | soutien import - --store ./helpdesk.db
`

/** The store, with every event read on its way out noted in the manifest: one pass, the same events. */
const noting = (store: EventStore, note: (e: RecordedEvent) => void): EventStore => ({
  ...store,
  readAll: (options) =>
    (async function* () {
      for await (const e of store.readAll(options)) {
        note(e)
        yield e
      }
    })(),
})

/** A file being written under a temporary name in its own directory (so that renaming it is atomic). */
interface Staged {
  readonly path: string
  readonly tmp: string
}

/**
 * Make sure `path` can be written before anything is: create its temporary
 * file now (the directory exists and lets us write) and refuse a directory.
 * A failure names the path the user gave, not the temporary one.
 */
const stage = async (path: string, what: string): Promise<Staged> => {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`)
  try {
    if ((await stat(path).catch(() => undefined))?.isDirectory())
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    await (await open(tmp, 'w')).close()
  } catch (err) {
    throw dataError(`cannot write ${what}${path}: ${whyNotWritten(err)}. Nothing was exported.`)
  }
  return { path, tmp }
}

const discard = async (staged: readonly (Staged | undefined)[]): Promise<void> => {
  for (const s of staged) if (s !== undefined) await rm(s.tmp, { force: true })
}

/**
 * Export to a file and/or with a manifest: each is written under a temporary
 * name (checked writable before the first event is read) and renamed only
 * when everything is complete, so a failure leaves nothing half done, and no
 * manifest without its history. A history on standard output cannot be taken
 * back: the manifest is checked writable before it starts.
 */
const exportStaged = async (
  store: EventStore,
  out: string | undefined,
  manifestPath: string | undefined,
  io: CliIO,
): Promise<{ readonly events: number; readonly streams: number | undefined }> => {
  const manifest = manifestPath === undefined ? undefined : await stage(manifestPath, 'the manifest ')
  let history: Staged | undefined
  try {
    history = out === undefined ? undefined : await stage(out, '')
    const heads = createManifestBuilder()
    const r = await exportHistory(
      manifest === undefined ? store : noting(store, heads.add),
      history?.tmp ?? io.stdout,
    )()
    if (isLeft(r))
      throw dataError(
        r.left._tag === 'HistoryFileError' && history !== undefined
          ? `cannot write ${history.path}: ${whyNotWritten(r.left.cause ?? r.left.message)}. Nothing was exported.`
          : r.left.message,
      )
    let streams: number | undefined
    if (manifest !== undefined) {
      const built = heads.build()
      streams = built.streams.length
      try {
        await writeFile(manifest.tmp, manifestText(built), { flush: true })
      } catch (err) {
        throw dataError(
          `cannot write the manifest ${manifest.path}: ${whyNotWritten(err)}. Nothing was exported.`,
        )
      }
      await commit(manifest, 'the manifest ')
    }
    if (history !== undefined)
      try {
        await commit(history, '')
      } catch (err) {
        // The two go together: no manifest without its history.
        if (manifest !== undefined) await rm(manifest.path, { force: true })
        throw err
      }
    return { events: r.right.events, streams }
  } finally {
    await discard([manifest, history])
  }
}

const commit = async (s: Staged, what: string): Promise<void> => {
  try {
    await rename(s.tmp, s.path)
  } catch (err) {
    throw dataError(`cannot write ${what}${s.path}: ${whyNotWritten(err)}. Nothing was exported.`)
  }
}

const runExport = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('export', args, {
    store: { type: 'string' },
    out: { type: 'string', short: 'o' },
    manifest: { type: 'string' },
  })
  if (p.positionals.length > 0) throw usageError(`export: unexpected argument "${p.positionals[0]}".`)
  const spec = stringOpt(p, 'store')
  if (spec === undefined) throw usageError("export: --store is required. Try 'soutien export --help'.")
  const out = stringOpt(p, 'out')
  const manifestPath = stringOpt(p, 'manifest')
  if (manifestPath !== undefined && manifestPath === out)
    throw usageError('export: --manifest must name another file than --out.')
  const store = await openStore('export', spec, { mustExist: true })
  try {
    const r = await exportStaged(store, out, manifestPath, io)
    // With the history on standard output, the report goes to standard error.
    const report = out === undefined ? io.stderr : io.stdout
    if (out !== undefined) report.write(`${r.events} events written to ${out}\n`)
    if (r.streams !== undefined) report.write(`the head of ${r.streams} streams written to ${manifestPath}\n`)
    return 0
  } finally {
    await store.dispose()
  }
}

const runImport = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('import', args, { store: { type: 'string' } })
  const [file, extra] = p.positionals
  if (extra !== undefined) throw usageError(`import: unexpected argument "${extra}".`)
  if (file === undefined)
    throw usageError("import: which file? Give a history file or '-' for standard input.")
  const spec = stringOpt(p, 'store')
  if (spec === undefined) throw usageError("import: --store is required. Try 'soutien import --help'.")
  if (file !== '-' && !existsSync(file))
    throw dataError(`cannot read ${file}: no such file. Check the path (or use '-' to read standard input).`)
  const created = !isEsdbUrl(spec) && !existsSync(spec)
  const store = await openStore('import', spec, { mustExist: false })
  let failed = true
  try {
    const head = await store.headPosition()()
    const holdsEvents = !isLeft(head) && head.right >= 0
    const r = await importHistory(file === '-' ? io.stdin : file, store)()
    if (isLeft(r)) {
      const e = r.left
      if (e._tag === 'InvalidHistory') {
        for (const l of e.lines) io.stderr.write(`soutien import: ${file} ${formatLineProblem(l)}\n`)
        // The usual cause of revision errors on a store that is not empty: importing the same file twice.
        const hint = holdsEvents
          ? ` (${spec} already holds events: a history is imported once, into a new store or after the events it continues)`
          : ''
        throw dataError(
          `${file} was refused: ${e.invalidLines} invalid line${e.invalidLines === 1 ? '' : 's'}${hint}. Nothing was imported.`,
        )
      }
      throw dataError(`${e.message}. Nothing was imported.`)
    }
    failed = false
    io.stdout.write(
      `${r.right.events} events in ${r.right.streams} streams imported into ${spec}${r.right.atomic ? '' : ' (appended stream by stream)'}\n`,
    )
    return 0
  } finally {
    await store.dispose()
    // A refused import into a new path leaves no empty store behind.
    if (failed && created) for (const f of [spec, `${spec}-wal`, `${spec}-shm`]) rmSync(f, { force: true })
  }
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: "write a store's history as an NDJSON file",
  help: exportHelp,
  run: runExport,
}
export const importCommand: CliCommand = {
  name: 'import',
  summary: 'load an NDJSON history file into a store (all or nothing)',
  help: importHelp,
  run: runImport,
}
