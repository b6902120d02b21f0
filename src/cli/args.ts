/** Command-line parsing on node:util's parseArgs, with usage errors instead of throws. */
import { parseArgs as nodeParseArgs } from 'node:util'
import { IsoInstant } from '../domain/codec.js'
import { usageError } from './errors.js'

export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  readonly multiple?: boolean
}

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>
  readonly positionals: readonly string[]
}

/** node:util's parse errors, said plainly (its own texts give irrelevant advice). */
const explainParseError = (err: unknown): string => {
  const msg = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)
  const unknown = /^Unknown option '([^']+)'/.exec(msg)
  if (unknown) return `unknown option ${unknown[1]}`
  const missing = /^Option '(--[\w-]+)[^']*' argument missing/.exec(msg)
  if (missing) return `${missing[1]} needs a value`
  const ambiguous = /^Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(msg)
  if (ambiguous)
    return `${ambiguous[1]} needs a value (a value starting with '-' is written ${ambiguous[1]}=-1)`
  const unexpected = /^Unexpected argument '([^']+)'/.exec(msg)
  if (unexpected) return `unexpected argument ${unexpected[1]}`
  return msg.replace(/\.+$/, '')
}

export const parseArgs = (
  command: string,
  args: readonly string[],
  options: Record<string, OptionSpec>,
): Parsed => {
  try {
    const r = nodeParseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
    return { values: r.values as Parsed['values'], positionals: r.positionals }
  } catch (err) {
    throw usageError(`${command}: ${explainParseError(err)}. Try 'soutien ${command} --help'.`)
  }
}

export const stringOpt = (p: Parsed, name: string): string | undefined => {
  const v = p.values[name]
  return typeof v === 'string' ? v : undefined
}
export const boolOpt = (p: Parsed, name: string): boolean => p.values[name] === true

export const intOpt = (
  command: string,
  p: Parsed,
  name: string,
  min: number,
  max: number,
): number | undefined => {
  const v = stringOpt(p, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
    throw usageError(`${command}: --${name} must be a whole number from ${min} to ${max}, not "${v}".`)
  return n
}

/** Accepts ISO 8601 instants; a date or minute-precision time is completed (UTC). */
export const instantOpt = (command: string, p: Parsed, name: string): IsoInstant | undefined => {
  const v = stringOpt(p, name)
  if (v === undefined) return undefined
  const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(v)
    ? Date.parse(v.length === 10 ? `${v}T00:00:00Z` : /(Z|[+-]\d{2}:\d{2})$/.test(v) ? v : `${v}Z`)
    : Number.NaN
  if (Number.isNaN(ms))
    throw usageError(
      `${command}: --${name} must be an ISO 8601 instant such as 2026-03-12T17:00:00Z, not "${v}".`,
    )
  // Date.parse rolls impossible dates over (2026-02-31 → 3 March): refuse them instead.
  const date = v.slice(0, 10)
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number]
  const roll = new Date(Date.UTC(y, mo - 1, d))
  if (roll.getUTCFullYear() !== y || roll.getUTCMonth() !== mo - 1 || roll.getUTCDate() !== d)
    throw usageError(`${command}: --${name}: ${date} is not a date of the calendar.`)
  const iso = new Date(ms).toISOString()
  if (!IsoInstant.is(iso)) throw usageError(`${command}: --${name} is out of range: "${v}".`)
  return iso
}

export const oneOf = <T extends string>(
  command: string,
  p: Parsed,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T => {
  const v = stringOpt(p, name)
  if (v === undefined) return fallback
  if (!(allowed as readonly string[]).includes(v))
    throw usageError(`${command}: --${name} must be one of ${allowed.join(', ')}, not "${v}".`)
  return v as T
}
