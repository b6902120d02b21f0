/**
 * `soutien export` and `soutien import`: move a history between a store and
 * an NDJSON file (domain.md §3 envelope, one event a line, global order).
 */

import { existsSync, rmSync } from 'node:fs'
import { rename, rm, writeFile } from 'node:fs/promises'
import { isLeft } from 'fp-ts/lib/Either.js'
import type { RecordedEvent } from '../../domain/envelope.js'
import { createManifestBuilder, manifestText } from '../../domain/hash-chain.js'
import { exportHistory, formatLineProblem, importHistory } from '../../store/ndjson.js'
import type { EventStore } from '../../store/port.js'
import { parseArgs, stringOpt } from '../args.js'
import { dataError, usageError } from '../errors.js'
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
or rewritten (docs/audit.md).

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

/** Written under a temporary name, then renamed: never half a manifest. */
const writeManifest = async (path: string, text: string): Promise<void> => {
  const tmp = `${path}.${process.pid}.partial`
  try {
    await writeFile(tmp, text, { flush: true })
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw dataError(`cannot write the manifest ${path}: ${err instanceof Error ? err.message : String(err)}`)
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
    const heads = createManifestBuilder()
    const source = manifestPath === undefined ? store : noting(store, heads.add)
    const r = await exportHistory(source, out ?? io.stdout)()
    if (isLeft(r)) throw dataError(r.left.message)
    if (manifestPath !== undefined) await writeManifest(manifestPath, manifestText(heads.build()))
    // With the history on standard output, the report goes to standard error.
    const report = out === undefined ? io.stderr : io.stdout
    if (out !== undefined) report.write(`${r.right.events} events written to ${out}\n`)
    if (manifestPath !== undefined)
      report.write(`the head of ${heads.build().streams.length} streams written to ${manifestPath}\n`)
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
