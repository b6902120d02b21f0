/**
 * `soutien forget <userId>`: destroy a person's key, so that every personal
 * field encrypted for them reads as `[erased]` from now on, wherever copies
 * of the history went. Nothing in the history changes: service levels,
 * reports and traces compute as before, and the hash chain still verifies.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { ERASED, type PersonalField, personalFieldsOf, subjectKey } from '../../domain/personal-data.js'
import { openSqliteKeyStore } from '../../store/keys.js'
import { StoreFailure } from '../../store/port.js'
import { parseEncrypted } from '../../store/protected.js'
import { boolOpt, parseArgs, stringOpt } from '../args.js'
import { dataError, EXIT_OK, usageError } from '../errors.js'
import type { CliCommand, CliIO } from '../io.js'
import { isEsdbUrl, openStore } from '../source.js'
import { writeText } from './sla.js'

const help = `soutien forget — erase a person's personal data for good (crypto-shredding)

Usage: soutien forget <userId> --store path.db|esdb://… [--keys keys.db] [--agent] [--dry-run]

Personal fields (names, the free text of tickets: see docs/privacy.md) are
stored encrypted with a key per person. Forgetting destroys that key: every
field encrypted with it reads as '[erased]' from then on, in the store and in
every export or backup of it, and anything written about the person later is
stored as '[erased]' too. The events themselves stay: service levels,
reports and traces compute exactly as before, and 'soutien verify' still
finds the hash chain intact (it covers the encrypted form).

The free text of a ticket belongs to its requester: forgetting a user erases
what their tickets say, whoever wrote it. With --agent, the id is an agent's
and only their name is erased.

Options:
  --store S    the event store (SQLite path or esdb:// URL), to report what becomes unreadable
  --keys K     the key store (SQLite); default: <store>.keys next to a SQLite store
  --agent      forget an agent instead of a user
  --dry-run    report what would become unreadable, destroy nothing

Exit status 0 when the key was destroyed (or, with --dry-run, could be), 1
when the stores cannot be read, 2 for a usage error.

Examples:
  soutien forget u-0042 --store ./helpdesk.db
  soutien forget agent-7 --agent --store ./helpdesk.db --keys /secure/helpdesk.keys
`

interface Found {
  /** The person is registered (user) or enrolled (agent) in the store. */
  known: boolean
  fields: number
  events: number
  clearFields: number
  readonly byField: Map<string, number>
  readonly streams: Set<string>
}

const fieldName = (type: string, f: PersonalField): string => `${type}.${f.field}`

/** Count the fields encrypted for `subject` (and those about them still in clear). */
const scan = async (
  events: AsyncIterable<{
    readonly stream: string
    readonly type: string
    readonly data: unknown
  }>,
  kind: 'user' | 'agent',
  id: string,
): Promise<Found> => {
  const found: Found = {
    known: false,
    fields: 0,
    events: 0,
    clearFields: 0,
    byField: new Map(),
    streams: new Set(),
  }
  const requesters = new Map<string, string>()
  for await (const e of events) {
    const data = e.data as Record<string, unknown>
    if (e.type === 'TicketOpened' && typeof data.requesterId === 'string')
      requesters.set(e.stream, data.requesterId)
    if (
      (kind === 'user' && e.type === 'UserRegistered' && data.userId === id) ||
      (kind === 'agent' && e.type === 'AgentEnrolled' && data.agentId === id)
    )
      found.known = true
    let hit = false
    for (const f of personalFieldsOf(e.type)) {
      const v = data[f.field]
      if (typeof v !== 'string' || v === ERASED) continue
      const enc = parseEncrypted(v)
      if (enc !== undefined) {
        if (enc.subject.kind !== kind || enc.subject.id !== id) continue
        found.fields += 1
        const name = fieldName(e.type, f)
        found.byField.set(name, (found.byField.get(name) ?? 0) + 1)
        hit = true
        continue
      }
      // In clear: written before encryption. Is it about this person?
      const about =
        (f.subject === 'userId' && kind === 'user' && data.userId === id) ||
        (f.subject === 'agentId' && kind === 'agent' && data.agentId === id) ||
        (f.subject === 'requester' && kind === 'user' && requesters.get(e.stream) === id)
      if (about) found.clearFields += 1
    }
    if (hit) {
      found.events += 1
      found.streams.add(e.stream)
    }
  }
  return found
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

const run = async (args: readonly string[], io: CliIO): Promise<number> => {
  const p = parseArgs('forget', args, {
    store: { type: 'string' },
    keys: { type: 'string' },
    agent: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  })
  const [id, extra] = p.positionals
  if (extra !== undefined)
    throw usageError(`forget: unexpected argument "${extra}". Try 'soutien forget --help'.`)
  if (id === undefined || id === '')
    throw usageError("forget: whom? Give a user id (or an agent's, with --agent).")
  const storeSpec = stringOpt(p, 'store')
  if (storeSpec === undefined) throw usageError("forget: --store is required. Try 'soutien forget --help'.")
  const keysPath = stringOpt(p, 'keys') ?? (isEsdbUrl(storeSpec) ? undefined : `${storeSpec}.keys`)
  if (keysPath === undefined) throw usageError('forget: --keys is required with an EventStoreDB store.')
  const kind = boolOpt(p, 'agent') ? 'agent' : 'user'
  const dryRun = boolOpt(p, 'dry-run')
  const subject = subjectKey({ kind, id })

  const keys = openSqliteKeyStore(keysPath, { mustExist: true })
  if (isLeft(keys))
    throw dataError(
      `${keys.left.message}: without it nothing was stored encrypted, so there is nothing to forget (personal data written in clear cannot be erased by forgetting a key).`,
    )
  const store = await openStore('forget', storeSpec, { mustExist: true })
  try {
    let found: Found
    try {
      found = await scan(store.readAll(), kind, id)
    } catch (err) {
      if (err instanceof StoreFailure) throw dataError(`${storeSpec}: ${err.error.message}`)
      throw err
    }
    const ks = keys.right
    const already = await ks.forgottenAt(subject)()
    if (isLeft(already)) throw dataError(already.left.message)
    const who = `${kind} ${id}`
    // A mistyped id must not look like a successful erasure.
    if (!found.known && already.right === undefined)
      throw dataError(
        `there is no ${who} in ${storeSpec}: nothing was forgotten. Check the id${kind === 'user' ? ' (or use --agent for an agent)' : ''}.`,
      )
    const lines: string[] = []
    if (already.right !== undefined) {
      lines.push(`${who} was already forgotten (${already.right}): nothing more to do.`)
    } else if (dryRun) {
      const key = await ks.get(subject)()
      if (isLeft(key)) throw dataError(key.left.message)
      lines.push(
        key.right === undefined
          ? `dry run: ${who} has no key in ${keysPath}; forgetting would only keep anything written about them later from being readable.`
          : `dry run: forgetting ${who} would make ${plural(found.fields, 'personal field')} in ${plural(found.events, 'event')} unreadable.`,
      )
    } else {
      const r = await ks.destroy(subject, new Date().toISOString())()
      if (isLeft(r)) throw dataError(`${r.left.message}: nothing was forgotten.`)
      lines.push(
        r.right._tag === 'Destroyed'
          ? `${who} is forgotten: their key is destroyed. ${plural(found.fields, 'personal field')} in ${plural(found.events, 'event')} now read as ${ERASED}.`
          : `${who} had no key in ${keysPath} (nothing was stored encrypted for them): they are marked forgotten, so nothing written about them from now on is kept readable.`,
      )
    }
    if (found.fields > 0) {
      const width = Math.max(...[...found.byField.keys()].map((k) => k.length))
      for (const [name, n] of [...found.byField].sort(([a], [b]) => (a < b ? -1 : 1)))
        lines.push(`  ${name.padEnd(width)}  ${n}`)
      const tickets = [...found.streams].filter((s) => s.startsWith('ticket-')).length
      const other = found.streams.size - tickets
      lines.push(
        `in ${plural(tickets, 'ticket')}${other > 0 ? ` and ${plural(other, 'other stream')} (${[...found.streams].filter((s) => !s.startsWith('ticket-')).join(', ')})` : ''}.`,
      )
    }
    if (found.clearFields > 0)
      lines.push(
        `warning: ${plural(found.clearFields, 'personal field')} about ${who} ${found.clearFields === 1 ? 'is' : 'are'} stored in clear (written before encryption): forgetting a key cannot erase ${found.clearFields === 1 ? 'it' : 'them'}.`,
      )
    if (!dryRun && already.right === undefined)
      lines.push('Service levels, reports and traces are unchanged; the hash chain still verifies.')
    await writeText(io, `${lines.join('\n')}\n`)
    return EXIT_OK
  } finally {
    await store.dispose()
    await keys.right.dispose()
  }
}

export const forgetCommand: CliCommand = {
  name: 'forget',
  summary: "erase a person's personal data for good (destroys their key)",
  help,
  run,
}
