/**
 * The JSON files named on the command line: a `--policy` file (report, sla,
 * trace, what-if) and a `--manifest` file (verify). One loader, so that every
 * such file is read the same way: a byte-order mark (what Windows editors put
 * at the start of a "UTF-8" file) is dropped, a missing file or a directory
 * is said plainly, and bad content names the file and the field path.
 */
import { readFileSync, statSync } from 'node:fs'
import { isLeft } from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { formatProblems, problemsOf, toInstant } from '../domain/codec.js'
import { currentVersion, type SupportPolicy, SupportPolicySet, SupportPolicySetV1 } from '../domain/events.js'
import { checkOrganizationEvent, initialOrganizationState } from '../domain/organization.js'
import { UpcastError, upcast } from '../domain/upcasters.js'
import { SYSTEM } from '../domain/vocabulary.js'
import { CliError, dataError } from './errors.js'

/** U+FEFF at the very start: a byte-order mark, not content (JSON.parse refuses it). */
export const withoutBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)

/**
 * The JSON of a file named on the command line (`what`: `policy`, `manifest`),
 * or a data error a user can act on. `directory` says why a directory will not do.
 */
export const readJsonFile = (path: string, what: string, directory = 'it is a directory'): unknown => {
  let text: string
  try {
    if (statSync(path).isDirectory()) throw dataError(`cannot read ${what} ${path}: ${directory}.`)
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if (err instanceof CliError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw dataError(
      code === 'ENOENT'
        ? `cannot read ${what} ${path}: no such file. Check the path.`
        : `cannot read ${what} ${path}: ${(err as Error).message}`,
    )
  }
  try {
    return JSON.parse(withoutBom(text))
  } catch (err) {
    throw dataError(`${what} ${path}: not valid JSON (${(err as Error).message}).`)
  }
}

// ---- --policy files ------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Fields that version 1 of `SupportPolicySet` let default and version 2 records. */
const V2_ONLY = ['responseTarget', 'majorIncidentBulletinTarget', 'qualityThresholds'] as const

const decodeWith = <A>(codec: t.Decoder<unknown, A>, data: unknown, where: string, prefix: string): A => {
  const r = codec.decode(data)
  if (isLeft(r)) {
    const problems = problemsOf(r.left).map((p) => ({
      ...p,
      path: prefix === '' ? p.path : p.path === '(root)' ? prefix.slice(0, -1) : `${prefix}${p.path}`,
    }))
    throw dataError(`${where}: not a valid support policy: ${formatProblems(problems)}.`)
  }
  return r.right
}

const decodePolicy = (json: unknown, where: string): SupportPolicy => {
  if (!isObject(json)) throw dataError(`${where}: not a valid support policy: expected a JSON object.`)
  if (Object.hasOwn(json, 'data')) {
    if (json.type !== undefined && json.type !== 'SupportPolicySet')
      throw dataError(`${where}: type: expected "SupportPolicySet", got ${JSON.stringify(json.type)}.`)
    const version = json.version ?? 1
    const latest = currentVersion.SupportPolicySet
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > latest)
      throw dataError(
        `${where}: version: expected a SupportPolicySet version from 1 to ${latest}, got ${JSON.stringify(version)}.`,
      )
    let data: unknown
    try {
      data = upcast('SupportPolicySet', version, json.data)
    } catch (err) {
      if (err instanceof UpcastError) throw dataError(`${where}: ${err.message}.`)
      throw err
    }
    return decodeWith(SupportPolicySet, data, where, 'data.')
  }
  if (V2_ONLY.some((k) => !Object.hasOwn(json, k))) {
    const v1 = decodeWith(SupportPolicySetV1, json, where, '')
    return decodeWith(SupportPolicySet, upcast('SupportPolicySet', 1, v1), where, '')
  }
  return decodeWith(SupportPolicySet, json, where, '')
}

/**
 * A support policy given on the command line, as JSON:
 *  - the data of a `SupportPolicySet` event (docs/events.md), version 2 (every
 *    field) or version 1 (`responseTarget`, `majorIncidentBulletinTarget` and
 *    `qualityThresholds` may be left out: they take the defaults of domain.md
 *    §4 and §6, through the same upcaster as recorded events);
 *  - or a wrapper `{"version": n, "data": {…}}` (a line copied from a history
 *    file works too: its other envelope fields are ignored, its `type` must be
 *    `SupportPolicySet`), upcast from version n.
 * Anything else stops the command (exit 1) naming the file and the field path.
 */
export const parsePolicy = (json: unknown, where: string): SupportPolicy => {
  const policy = decodePolicy(json, where)
  // The rules a recorded policy obeys (durations longer than zero, thresholds in order) hold here too.
  const refused = checkOrganizationEvent(
    initialOrganizationState,
    { type: 'SupportPolicySet', data: policy },
    SYSTEM,
    toInstant(0),
  )
  if (refused !== undefined)
    throw dataError(`${where}: ${refused.message.replace(/\.$/, '')} [${refused._tag}].`)
  return policy
}

/** Read and check a `--policy` file. */
export const loadPolicyFile = (path: string): SupportPolicy =>
  parsePolicy(readJsonFile(path, 'policy', 'it is a directory, not a JSON file'), `policy ${path}`)
