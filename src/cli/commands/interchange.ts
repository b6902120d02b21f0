/**
 * `soutien export` and `soutien import`: move a history between a store and
 * an NDJSON file (domain.md §3 envelope, one event a line, global order).
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { exportHistory, formatLineProblem, importHistory } from '../../store/ndjson.js'
import { parseArgs, stringOpt } from '../args.js'
import { dataError, usageError } from '../errors.js'
import type { CliCommand, CliIO } from '../io.js'
import { openStore } from '../source.js'

const exportHelp = `soutien export — write a store's history as an NDJSON file

Usage: soutien export --store path.db|esdb://… [--out file]

Every event in global order, one JSON object a line (the envelope of
docs/events.md), in constant memory. A file is written under a temporary name
and renamed when complete: it is never left half written. Without --out, the
history goes to standard output.

Examples:
  soutien export --store ./helpdesk.db --out history.ndjson
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

const runExport = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('export', args, { store: { type: 'string' }, out: { type: 'string', short: 'o' } })
  if (p.positionals.length > 0) throw usageError(`export: unexpected argument "${p.positionals[0]}".`)
  const spec = stringOpt(p, 'store')
  if (spec === undefined) throw usageError("export: --store is required. Try 'soutien export --help'.")
  const out = stringOpt(p, 'out')
  const store = openStore('export', spec, { mustExist: true })
  try {
    const r = await exportHistory(store, out ?? io.stdout)()
    if (isLeft(r)) throw dataError(r.left.message)
    if (out !== undefined) io.stdout.write(`${r.right.events} events written to ${out}\n`)
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
  const store = openStore('import', spec, { mustExist: false })
  try {
    const r = await importHistory(file === '-' ? io.stdin : file, store)()
    if (isLeft(r)) {
      const e = r.left
      if (e._tag === 'InvalidHistory') {
        for (const l of e.lines) io.stderr.write(`soutien import: ${file} ${formatLineProblem(l)}\n`)
        throw dataError(`${e.message}. Nothing was imported.`)
      }
      throw dataError(`${e.message}. Nothing was imported.`)
    }
    io.stdout.write(
      `${r.right.events} events in ${r.right.streams} streams imported into ${spec}${r.right.atomic ? '' : ' (appended stream by stream)'}\n`,
    )
    return 0
  } finally {
    await store.dispose()
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
