/**
 * What was in force when: the organisation's support policies, each site's time
 * zone and support hours, as dated histories. domain.md §4: "everything here is
 * in force from its `at` onwards; a ticket is judged by the policy and support
 * hours in force when it was opened".
 *
 * The state is data (maps, arrays, numbers and strings) that a projection's
 * state codec turns into JSON; calendars, which are functions, are memoised
 * beside it, never inside it.
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js'
import { type Calendar, makeCalendar } from '../domain/calendar.js'
import { durationMinutes, instantMs, toInstant } from '../domain/codec.js'
import type { SupportPolicy, WeeklyHours } from '../domain/events.js'
import type { Priority, SupportDomain } from '../domain/vocabulary.js'

// ---- records that survive a JSON round trip ---------------------------------

/**
 * A string-keyed record used as a map, for projections whose state is saved as
 * plain JSON (the quality projection; this one uses `Map`s and a state codec).
 * Created without a prototype; after a JSON round trip it has one, so reads and
 * writes go through `getOwn`/`setOwn` (a ticket called `__proto__` or
 * `constructor` must stay an ordinary key).
 */
export type Dict<V> = Record<string, V>

export const emptyDict = <V>(): Dict<V> => Object.create(null) as Dict<V>

export const getOwn = <V>(d: Readonly<Dict<V>>, key: string): V | undefined => {
  // One lookup for a record without a prototype (every fold's, until a JSON round trip): nothing inherited to skip.
  const v = d[key]
  return v !== undefined && (Object.getPrototypeOf(d) === null || Object.hasOwn(d, key)) ? v : undefined
}

export const setOwn = <V>(d: Dict<V>, key: string, value: V): void => {
  if (key === '__proto__')
    Object.defineProperty(d, key, { value, writable: true, enumerable: true, configurable: true })
  else d[key] = value
}

// ---- instants ---------------------------------------------------------------

/**
 * Epoch ms of an `IsoInstant`: the codec's own parser (`instantMs`, which
 * answers at once for the event's `at` the decoder has just checked, and falls
 * back to `Date.parse` for any other shape). One parser, so that every module
 * reads an instant alike.
 */
export const parseInstant = (s: string): number => instantMs(s)

// ---- dated values ----------------------------------------------------------

/** A value in force from `at` (epoch ms) onwards, until the next one. */
export interface InForce<T> {
  readonly at: number
  readonly value: T
}

/** Index of the first entry whose `at` is strictly after `at` (entries sorted by `at`). */
const upperBound = <T>(list: readonly InForce<T>[], at: number): number => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (list[mid]!.at <= at) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Add a dated value, keeping the list sorted by `at`. Entries are appended in
 * log order; two entries at the same instant keep that order, so the one
 * recorded later is the one in force (it replaced the other).
 */
export const addInForce = <T>(list: InForce<T>[], entry: InForce<T>): void => {
  const last = list[list.length - 1]
  if (last === undefined || last.at <= entry.at) list.push(entry)
  else list.splice(upperBound(list, entry.at), 0, entry)
}

/** The value in force at `at`: the latest entry at or before it. */
export const inForceAt = <T>(list: readonly InForce<T>[], at: number): InForce<T> | undefined => {
  const i = upperBound(list, at)
  return i === 0 ? undefined : list[i - 1]
}

// ---- the organisation's history --------------------------------------------

export interface SupportHoursValue {
  readonly weekly: WeeklyHours
  readonly holidays: readonly string[]
}

export interface SiteHistory {
  readonly timeZones: readonly InForce<string>[]
  readonly hours: readonly InForce<SupportHoursValue>[]
}

export interface PolicyHistory {
  readonly sites: ReadonlyMap<string, SiteHistory>
  readonly policies: readonly InForce<SupportPolicy>[]
}

export const emptyPolicyHistory = (): PolicyHistory => ({ sites: new Map(), policies: [] })

type MutableSite = { timeZones: InForce<string>[]; hours: InForce<SupportHoursValue>[] }

const siteOf = (h: PolicyHistory, siteId: string): MutableSite => {
  const found = h.sites.get(siteId)
  if (found !== undefined) return found as MutableSite
  const created: MutableSite = { timeZones: [], hours: [] }
  ;(h.sites as Map<string, SiteHistory>).set(siteId, created)
  return created
}

/** Record a site's time zone (`SiteRegistered`), in force from `at`. */
export const recordTimeZone = (h: PolicyHistory, siteId: string, at: number, timeZone: string): void =>
  addInForce(siteOf(h, siteId).timeZones, { at, value: timeZone })

/** Record a site's support hours (`SupportHoursSet`), in force from `at`. */
export const recordSupportHours = (
  h: PolicyHistory,
  siteId: string,
  at: number,
  hours: SupportHoursValue,
): void =>
  addInForce(siteOf(h, siteId).hours, { at, value: { weekly: hours.weekly, holidays: hours.holidays } })

/** Record a support policy (`SupportPolicySet`), in force from `at`. */
export const recordPolicy = (h: PolicyHistory, at: number, policy: SupportPolicy): void =>
  addInForce(h.policies as InForce<SupportPolicy>[], { at, value: policy })

// ---- lookups ---------------------------------------------------------------

/** Why a clock cannot be computed: what was missing when the ticket was opened. */
export interface NotJudged {
  readonly _tag: 'NoPolicyInForce' | 'UnknownSite' | 'NoSupportHoursInForce' | 'InvalidSupportHours'
  /** Completes "… cannot be judged: ". */
  readonly reason: string
}

/** A policy with its durations turned into minutes and milliseconds, once. */
export interface ParsedPolicy {
  readonly policy: SupportPolicy
  readonly responseMinutes: number
  readonly bulletinMinutes: number
  readonly escalationMinutes: Readonly<Partial<Record<SupportDomain, number>>>
  readonly resolutionMinutes: Readonly<Partial<Record<Priority, number>>>
}

const parsedPolicies = new WeakMap<SupportPolicy, ParsedPolicy>()

const minutesOf = <K extends string>(r: Readonly<Partial<Record<K, string>>>): Partial<Record<K, number>> => {
  const out: Partial<Record<K, number>> = {}
  for (const [k, d] of Object.entries(r) as [K, string | undefined][])
    if (d !== undefined) out[k] = durationMinutes(d)
  return out
}

/** Parse a policy's durations (memoised per policy object). */
export const parsePolicy = (policy: SupportPolicy): ParsedPolicy => {
  const cached = parsedPolicies.get(policy)
  if (cached !== undefined) return cached
  const parsed: ParsedPolicy = {
    policy,
    responseMinutes: durationMinutes(policy.responseTarget),
    bulletinMinutes: durationMinutes(policy.majorIncidentBulletinTarget),
    escalationMinutes: minutesOf(policy.escalationDelays),
    resolutionMinutes: minutesOf(policy.resolutionTargets),
  }
  parsedPolicies.set(policy, parsed)
  return parsed
}

/** The policy that judges something that happened at `at`, or the what-if override. */
export const policyAt = (
  h: PolicyHistory,
  at: number,
  override: SupportPolicy | undefined,
): Either<NotJudged, ParsedPolicy> => {
  if (override !== undefined) return right(parsePolicy(override))
  const p = inForceAt(h.policies, at)
  return p === undefined
    ? left({
        _tag: 'NoPolicyInForce',
        reason: `no support policy was in force at ${toInstant(at)}`,
      })
    : right(parsePolicy(p.value))
}

// Calendars are built once per (support hours version, time zone). The key is
// the hours object itself, so a state restored from JSON rebuilds them once.
const calendars = new WeakMap<SupportHoursValue, Map<string, Either<NotJudged, Calendar>>>()

const calendarFor = (
  hours: SupportHoursValue,
  timeZone: string,
  siteId: string,
): Either<NotJudged, Calendar> => {
  let byZone = calendars.get(hours)
  if (byZone === undefined) {
    byZone = new Map()
    calendars.set(hours, byZone)
  }
  const cached = byZone.get(timeZone)
  if (cached !== undefined) return cached
  const made = makeCalendar({ weekly: hours.weekly, holidays: hours.holidays }, timeZone)
  const result: Either<NotJudged, Calendar> = isLeft(made)
    ? left({
        _tag: 'InvalidSupportHours',
        reason: `the support hours of site ${siteId} in time zone ${timeZone} cannot be used (${made.left.message})`,
      })
    : made
  byZone.set(timeZone, result)
  return result
}

/** The business-time calendar of a site as it stood at `at` (support hours and time zone in force). */
export const calendarAt = (h: PolicyHistory, siteId: string, at: number): Either<NotJudged, Calendar> => {
  const site = h.sites.get(siteId)
  const zone = site === undefined ? undefined : inForceAt(site.timeZones, at)
  if (site === undefined || zone === undefined)
    return left({ _tag: 'UnknownSite', reason: `site ${siteId} was not registered at ${toInstant(at)}` })
  const hours = inForceAt(site.hours, at)
  if (hours === undefined)
    return left({
      _tag: 'NoSupportHoursInForce',
      reason: `no support hours were in force for site ${siteId} at ${toInstant(at)}`,
    })
  return calendarFor(hours.value, zone.value, siteId)
}

/** What judged something that happened at a site at `at`: for timelines and audits. */
export interface RulesInForce {
  readonly policy: InForce<SupportPolicy> | undefined
  readonly timeZone: InForce<string> | undefined
  readonly supportHours: InForce<SupportHoursValue> | undefined
}

export const rulesInForceAt = (h: PolicyHistory, siteId: string, at: number): RulesInForce => {
  const site = h.sites.get(siteId)
  return {
    policy: inForceAt(h.policies, at),
    timeZone: site === undefined ? undefined : inForceAt(site.timeZones, at),
    supportHours: site === undefined ? undefined : inForceAt(site.hours, at),
  }
}
