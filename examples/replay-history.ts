/**
 * An analyst's script: replay a history file with the library's projections
 * and answer questions the report does not ask directly.
 *
 *   npx tsx examples/replay-history.ts month.ndjson [--as-of 2026-03-20T17:00:00Z]
 *
 * (Make a file with `soutien simulate --seed 7 --tickets 2000 --out month.ndjson`.)
 * It streams the file once, folding the service-level and quality projections
 * (memory grows with tickets, not events), then:
 *   1. the response commitment per site and ISO week of opening;
 *   2. the five slowest answers still within the commitment ("near misses");
 *   3. the synthesis for management, as `soutien report` prints it;
 *   4. what a 2-hour response target would have done to compliance.
 */
import {
  formatProblems,
  type IsoInstant,
  majorIncidentServiceLevels,
  qualityProjection,
  readHistoryFile,
  renderSynthesisTable,
  type SupportPolicy,
  serviceLevelsProjection,
  synthesize,
  ticketServiceLevels,
} from '../src/index.js'

// Even an example fails like a tool: one line, no stack trace.
process.on('uncaughtException', (err) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})

const [file, flag, value] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: npx tsx examples/replay-history.ts <history.ndjson> [--as-of ISO]')
  process.exit(2)
}
if (flag === '--as-of' && (value === undefined || Number.isNaN(Date.parse(value)))) {
  console.error(`--as-of needs an ISO 8601 instant such as 2026-03-20T17:00:00Z, not "${value ?? ''}"`)
  process.exit(2)
}
const asOf =
  flag === '--as-of' && value !== undefined ? (new Date(value).toISOString() as IsoInstant) : undefined
const limit = asOf === undefined ? Number.POSITIVE_INFINITY : Date.parse(asOf)

// ---- one pass over the file ------------------------------------------------------
let clocks = serviceLevelsProjection.init()
let quality = qualityProjection.init()
let policyInForce: SupportPolicy | undefined
for await (const line of readHistoryFile(file)) {
  if ('problems' in line) {
    // An analysis stops at the first bad line; `soutien verify` lists them all.
    console.error(`${file} line ${line.line}: ${formatProblems(line.problems)}`)
    process.exit(1)
  }
  const e = line.event
  if (Date.parse(e.at) > limit) continue // time travel: only what was known then
  clocks = serviceLevelsProjection.apply(clocks, e)
  quality = qualityProjection.apply(quality, e)
  if (e.type === 'SupportPolicySet') policyInForce = e.data
}
const options = asOf === undefined ? {} : { asOf }
const tickets = ticketServiceLevels(clocks, options)

// ---- 1. response commitment per site and week --------------------------------------
const weekOf = (iso: string): string => {
  const d = new Date(iso)
  const day = (d.getUTCDay() + 6) % 7
  const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day))
  return monday.toISOString().slice(0, 10)
}
const cells = new Map<string, { met: number; breached: number }>()
for (const t of tickets) {
  if (t.response.status === 'pending') continue
  const key = `${t.siteId}|${weekOf(t.openedAt)}`
  const c = cells.get(key) ?? { met: 0, breached: 0 }
  c[t.response.status === 'met' ? 'met' : 'breached']++
  cells.set(key, c)
}
console.log('Response commitment per site, by week of opening (Monday, UTC)')
for (const [key, c] of [...cells.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  const [site, week] = key.split('|')
  const rate = (100 * c.met) / (c.met + c.breached)
  console.log(
    `  ${site?.padEnd(12)} ${week}  ${rate.toFixed(1).padStart(5)}%  (${c.breached} breached of ${c.met + c.breached})`,
  )
}

// ---- 2. near misses ----------------------------------------------------------------
const nearMisses = tickets
  .filter((t) => t.response.status === 'met' && t.response.businessMinutes !== null)
  .sort((a, b) => (b.response.businessMinutes ?? 0) - (a.response.businessMinutes ?? 0))
  .slice(0, 5)
console.log('\nSlowest answers that still met the commitment')
for (const t of nearMisses)
  console.log(
    `  ${t.ticketId}  ${t.siteId}  answered after ${t.response.businessMinutes} of ${t.response.targetMinutes} business minutes`,
  )

// ---- 3. the synthesis ----------------------------------------------------------------
const synthesis = synthesize(quality, tickets, majorIncidentServiceLevels(clocks, options), options)
console.log(`\n${renderSynthesisTable(synthesis)}`)

// ---- 4. what if the target were 2 hours -------------------------------------------
if (policyInForce !== undefined) {
  const stricter: SupportPolicy = {
    ...policyInForce,
    responseTarget: 'PT2H' as SupportPolicy['responseTarget'],
  }
  const whatIf = ticketServiceLevels(clocks, { ...options, policyOverride: stricter })
  const compliance = (ls: typeof tickets) => {
    const met = ls.filter((t) => t.response.status === 'met').length
    const breached = ls.filter((t) => t.response.status === 'breached').length
    return met + breached === 0 ? '—' : `${((100 * met) / (met + breached)).toFixed(1)}%`
  }
  console.log(
    `With a 2-hour response target, compliance would be ${compliance(whatIf)} instead of ${compliance(tickets)}.`,
  )
}
