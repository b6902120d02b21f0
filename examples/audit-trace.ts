/**
 * An auditor's script: is one ticket's record trustworthy, and what happened
 * to it?
 *
 *   npx tsx examples/audit-trace.ts month.ndjson T-000042
 *
 * It reads the history once, keeping only the organisation's stream and the
 * ticket's, then:
 *   1. re-checks the ticket's events against the domain rules, with the
 *      organisation as it stood at each event (who may do what, in which
 *      state) — the check `soutien verify` runs on every stream;
 *   2. prints the ticket's timeline: every step with who, role and when, the
 *      clocks after each step, the time in each state, and the policy and
 *      support hours that judged it — what `soutien trace` prints.
 */
import {
  checkTicketHistory,
  type Fact,
  formatProblems,
  ORGANIZATION_STREAM,
  type OrganizationEvent,
  organizationAsOf,
  type RecordedEvent,
  readHistoryFile,
  renderTimelineText,
  type TicketEvent,
  ticketStream,
  ticketTimeline,
  toInstant,
} from '../src/index.js'

// Even an example fails like a tool: one line, no stack trace.
process.on('uncaughtException', (err) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})

const [file, ticketId] = process.argv.slice(2)
if (file === undefined || ticketId === undefined) {
  console.error('usage: npx tsx examples/audit-trace.ts <history.ndjson> <ticketId>')
  process.exit(2)
}

const stream = ticketStream(ticketId)
const kept: RecordedEvent[] = []
let latest = Number.NEGATIVE_INFINITY
for await (const line of readHistoryFile(file)) {
  if ('problems' in line) {
    console.error(
      `${file} line ${line.line}: ${formatProblems(line.problems)} (run 'soutien verify ${file}')`,
    )
    process.exit(1)
  }
  const e = line.event
  latest = Math.max(latest, Date.parse(e.at))
  if (e.stream === stream || e.stream === ORGANIZATION_STREAM) kept.push(e)
}

// ---- 1. the rules, re-checked from the record -------------------------------------
const organization = kept.filter(
  (e) => e.stream === ORGANIZATION_STREAM,
) as unknown as Fact<OrganizationEvent>[]
const ticket = kept.filter((e) => e.stream === stream) as unknown as Fact<TicketEvent>[]
if (ticket.length === 0) {
  console.error(`no ticket ${ticketId} in ${file}`)
  process.exit(1)
}
const problems = checkTicketHistory(ticket, organizationAsOf(organization))
console.log(
  problems.length === 0
    ? `The ${ticket.length} events of ticket ${ticketId} obey every rule.`
    : `Ticket ${ticketId}: ${problems.length} event(s) break a rule:`,
)
for (const p of problems) console.log(`  revision ${p.index}: ${p.error.message} [${p.error._tag}]`)

// ---- 2. the timeline -----------------------------------------------------------------
// As of the latest event of the whole history, as every report (not only this ticket's).
const timeline = ticketTimeline(kept, ticketId, { asOf: toInstant(latest) })
if (timeline !== undefined) console.log(`\n${renderTimelineText(timeline)}`)
