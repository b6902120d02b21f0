/**
 * `soutien report --format html`: the synthesis for management as one
 * self-contained page (inline CSS and SVG, no script, nothing fetched), that a
 * manager opens in a browser, prints, or attaches to a mail. Deterministic:
 * the same history gives the same bytes (no generation date; the as-of instant
 * says when the figures stand).
 */
import type { QualityThresholds } from '../../domain/events.js'
import type { GroupQuality, QualityLevel, Synthesis } from '../../projections/synthesis.js'
import { GROUPINGS } from './csv.js'
import type { WeeklySeries } from './series.js'
import { barChart, colorAt, columnChart, esc, lineChart, STATUS_COLORS, stackedBar } from './svg.js'
import { hoursMinutes, percent } from './table.js'

export interface HtmlReportInput {
  readonly synthesis: Synthesis
  readonly series: WeeklySeries
  /** The quality thresholds the levels were judged by. */
  readonly thresholds: QualityThresholds
  /** Where the history came from (file path, 'standard input', store). */
  readonly source: string
  /** Set when a --policy file judged every clock instead of the policies in force. */
  readonly policyNote?: string
  /** Labels of workstation types (from `WorkstationTypeDefined`), by id. */
  readonly workstationTypeLabels?: Readonly<Record<string, string>>
}

export const LEVEL_COLORS: Readonly<Record<QualityLevel, string>> = {
  excellent: '#1a7f37',
  good: '#2563eb',
  fair: '#b7791f',
  poor: '#c62828',
}
const levelColor = (l: QualityLevel | null): string => (l === null ? STATUS_COLORS.neutral : LEVEL_COLORS[l])

const badge = (l: QualityLevel | null): string =>
  `<span class="badge" style="background:${levelColor(l)}">${l ?? 'no data'}</span>`

const when = (iso: string | null): string =>
  iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`

const day = (iso: string | null): string => (iso === null ? '—' : iso.slice(0, 10))

const CSS = `
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--card:#fff;--bg:#f5f6f8;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:linear-gradient(120deg,#0b3d6e,#0b5cad);color:#fff;padding:28px 40px 24px}
header h1{margin:0 0 6px;font-size:26px;font-weight:650;letter-spacing:.2px}
header p{margin:2px 0;opacity:.9}
main{max-width:1120px;margin:0 auto;padding:24px 32px 48px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:-44px 0 24px}
.kpi{background:var(--card);border-radius:10px;padding:14px 16px;box-shadow:0 1px 3px rgba(0,0,0,.08),0 4px 12px rgba(0,0,0,.04)}
.kpi .v{font-size:24px;font-weight:650;margin-top:2px}
.kpi .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
.kpi .s{color:var(--muted);font-size:12px}
section{background:var(--card);border-radius:10px;padding:18px 22px 20px;margin:0 0 18px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
section h2{margin:0 0 4px;font-size:17px;font-weight:650}
section p.note{margin:0 0 10px;color:var(--muted);font-size:13px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:6px 0 0;font-size:12.5px;color:var(--ink)}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin-top:6px}
th,td{padding:5px 7px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{color:var(--muted);font-weight:600;font-size:12px;white-space:normal;vertical-align:bottom}
th:first-child,td:first-child{text-align:left;white-space:normal;min-width:120px}
tbody tr:hover{background:#f9fafb}
.badge{display:inline-block;color:#fff;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600}
.scroll{overflow-x:auto}
svg.chart{display:block;max-width:100%;height:auto}
svg .grid{stroke:#eef0f3;stroke-width:1}
svg .axis-line{stroke:#c7ccd4;stroke-width:1}
svg .axis{fill:#6b7280;font-size:11px}
svg .label{fill:#1f2937;font-size:12.5px}
svg .value{fill:#374151;font-size:12px}
svg .on-bar{fill:#fff;font-size:12px;font-weight:600}
svg .track{fill:#f1f3f5}
svg .threshold{stroke:#9ca3af;stroke-width:1;stroke-dasharray:4 3}
svg .threshold-label{fill:#6b7280;font-size:10.5px}
.empty{color:var(--muted);font-style:italic;margin:8px 0}
footer{color:var(--muted);font-size:12px;text-align:center;margin:24px 0 0}
@media print{body{background:#fff}header{-webkit-print-color-adjust:exact;print-color-adjust:exact}section,.kpi{box-shadow:none;border:1px solid var(--line);break-inside:avoid}}
`

const legend = (items: readonly { readonly label: string; readonly color: string }[]): string =>
  `<div class="legend">${items.map((i) => `<span><i style="background:${i.color}"></i>${esc(i.label)}</span>`).join('')}</div>`

const kpi = (label: string, value: string, sub: string): string =>
  `<div class="kpi"><div class="k">${esc(label)}</div><div class="v">${value}</div><div class="s">${esc(sub)}</div></div>`

const weekTick = (label: string): string => label.slice(5) // "2026-W10" → "W10"

const complianceThresholds = (th: QualityThresholds) => [
  { value: th.excellent.responseCompliance, label: `excellent ${percent(th.excellent.responseCompliance)}` },
  { value: th.fair.responseCompliance, label: `fair ${percent(th.fair.responseCompliance)}` },
]

const weeklyCompliance = (
  title: string,
  series: WeeklySeries,
  byKey: Readonly<Record<string, readonly { met: number; breached: number; rate: number | null }[]>>,
  name: (k: string) => string,
  th: QualityThresholds,
): string => {
  const keys = Object.keys(byKey)
  if (series.weeks.length === 0 || keys.length === 0)
    return `<p class="empty">No clock stopped in the period.</p>`
  const lines = keys.map((k, i) => {
    const points = byKey[k] ?? []
    return {
      name: name(k),
      color: colorAt(i),
      values: points.map((p) => p.rate),
      tips: points.map(
        (p, w) =>
          `${name(k)}, ${series.weeks[w]?.label ?? ''} (from ${series.weeks[w]?.monday ?? ''}): ${percent(p.rate)} — ${p.met} met of ${p.met + p.breached}`,
      ),
    }
  })
  return (
    lineChart({
      label: title,
      x: series.weeks.map((w) => weekTick(w.label)),
      series: lines,
      thresholds: complianceThresholds(th),
    }) + legend(lines.map((l) => ({ label: l.name, color: l.color })))
  )
}

const groupTable = (
  title: string,
  groups: Readonly<Record<string, GroupQuality>>,
  name: (k: string) => string,
) => {
  const rows = Object.entries(groups)
  if (rows.length === 0) return `<p class="empty">No ticket in the period.</p>`
  const head = [
    title,
    'Tickets',
    'Response',
    'Resolution',
    'Median response',
    'Median resolution',
    'Escalated',
    'Reopened',
    'First contact',
    'Satisfaction',
    'KB reuse',
    'Quality',
  ]
  return `<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      ([k, g]) =>
        `<tr><td>${esc(name(k))}</td><td>${g.tickets}</td><td>${percent(g.responseCompliance)}</td><td>${percent(g.resolutionCompliance)}</td><td>${hoursMinutes(g.medianResponseMinutes)}</td><td>${hoursMinutes(g.medianResolutionMinutes)}</td><td>${percent(g.escalationRate)}</td><td>${percent(g.reopenRate)}</td><td>${percent(g.firstContactResolutionRate)}</td><td>${g.satisfaction.mean === null ? '—' : `${g.satisfaction.mean.toFixed(2)} (${g.satisfaction.responses})`}</td><td>${percent(g.knowledgeReuseRate)}</td><td>${badge(g.qualityLevel)}</td></tr>`,
    )
    .join('')}</tbody></table></div>`
}

const countBars = (label: string, counts: Readonly<Record<string, number>>, color: string): string => {
  const entries = Object.entries(counts)
  if (entries.length === 0) return `<p class="empty">None.</p>`
  const total = entries.reduce((a, [, v]) => a + v, 0)
  return barChart({
    compact: true,
    label,
    bars: entries.map(([k, v]) => ({
      label: k,
      value: v,
      color,
      text: `${v} (${percent(total === 0 ? null : v / total)})`,
    })),
  })
}

/** The HTML report, as one string. */
export const renderReportHtml = (input: HtmlReportInput): string => {
  const s = input.synthesis
  const th = input.thresholds
  const label = (k: string) => {
    const l = input.workstationTypeLabels?.[k]
    return l === undefined || l === k ? k : `${l} (${k})`
  }
  const o = s.overall
  const period = `Tickets opened from ${s.period.from === null ? 'the beginning' : when(s.period.from)} to ${s.period.to === null ? 'the as-of instant' : `${when(s.period.to)} (excluded)`}`
  const out: string[] = []
  out.push(
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Soutien — quality of support, as of ${esc(day(s.asOf))}</title>`,
    `<style>${CSS}</style></head><body>`,
    '<header><h1>Quality of support</h1>',
    `<p>${esc(period)} · figures as of ${esc(when(s.asOf))}</p>`,
    `<p>Source: ${esc(input.source)}${input.policyNote === undefined ? ' · each ticket judged by the policy in force when it was opened' : ` · ${esc(input.policyNote)}`}</p>`,
    '</header><main>',
  )

  // ---- key figures
  out.push(
    '<div class="kpis">',
    kpi('Tickets', String(o.tickets), 'opened in the period'),
    kpi('Response', percent(o.responseCompliance), 'answered within the target (4 business hours)'),
    kpi('Resolution', percent(o.resolutionCompliance), 'resolved within the target'),
    kpi('Median response', hoursMinutes(o.medianResponseMinutes), 'business h:mm'),
    kpi(
      'Satisfaction',
      o.satisfaction.mean === null
        ? '—'
        : `${o.satisfaction.mean.toFixed(2)}<small style="font-size:13px;color:#6b7280"> / 5</small>`,
      `${o.satisfaction.responses} answer${o.satisfaction.responses === 1 ? '' : 's'}`,
    ),
    kpi('Backlog', String(s.backlog.total), `unresolved at ${day(s.backlog.at)}`),
    `<div class="kpi"><div class="k">Quality level</div><div class="v">${badge(o.qualityLevel)}</div><div class="s">overall</div></div>`,
    '</div>',
  )

  // ---- over time
  const series = input.series
  const overall = {
    response: series.response,
    resolution: series.resolution,
  }
  out.push(
    '<section><h2>Compliance over time</h2>',
    '<p class="note">Share of clocks met among those met or breached, per ISO week of opening (UTC). Dashed lines: the excellent and fair thresholds of response compliance.</p>',
  )
  if (series.weeks.length === 0) out.push('<p class="empty">No ticket in the period.</p>')
  else {
    const mk = (name: string, color: string, pts: typeof overall.response) => ({
      name,
      color,
      values: pts.map((p) => p.rate),
      tips: pts.map(
        (p, w) =>
          `${name}, ${series.weeks[w]?.label ?? ''}: ${percent(p.rate)} — ${p.met} met of ${p.met + p.breached}`,
      ),
    })
    const lines = [
      mk('Response', colorAt(0), overall.response),
      mk('Resolution', colorAt(1), overall.resolution),
    ]
    out.push(
      lineChart({
        label: 'Response and resolution compliance per week',
        x: series.weeks.map((w) => weekTick(w.label)),
        series: lines,
        thresholds: complianceThresholds(th),
      }),
      legend(lines.map((l) => ({ label: l.name, color: l.color }))),
      '<h2 style="margin-top:18px">Tickets opened per week</h2>',
      columnChart({
        label: 'Tickets opened per week',
        x: series.weeks.map((w) => weekTick(w.label)),
        values: series.opened,
        color: '#0b5cad',
        tips: series.weeks.map((w, i) => `${w.label} (from ${w.monday}): ${series.opened[i] ?? 0} tickets`),
      }),
    )
  }
  out.push('</section>')

  out.push(
    '<section><h2>Response compliance per workstation type</h2>',
    '<p class="note">Per ISO week of opening. Quality is qualified per workstation type (domain.md §6).</p>',
    weeklyCompliance(
      'Response compliance per workstation type and week',
      series,
      series.responseByWorkstationType,
      label,
      th,
    ),
    '</section>',
    '<section><h2>Response compliance per site</h2>',
    '<p class="note">Per ISO week of opening; each site is judged on its own support hours.</p>',
    weeklyCompliance('Response compliance per site and week', series, series.responseBySite, (k) => k, th),
    '</section>',
  )

  // ---- quality levels
  const types = Object.entries(s.byWorkstationType)
  out.push(
    '<section><h2>Quality level per workstation type</h2>',
    `<p class="note">Levels from response compliance and satisfaction: excellent ≥ ${percent(th.excellent.responseCompliance)}${th.excellent.satisfactionMean === undefined ? '' : ` and ≥ ${th.excellent.satisfactionMean}`}, good ≥ ${percent(th.good.responseCompliance)}${th.good.satisfactionMean === undefined ? '' : ` and ≥ ${th.good.satisfactionMean}`}, fair ≥ ${percent(th.fair.responseCompliance)}${th.fair.satisfactionMean === undefined ? '' : ` and ≥ ${th.fair.satisfactionMean}`}, else poor. Bars: response compliance, coloured by level.</p>`,
  )
  if (types.length === 0) out.push('<p class="empty">No ticket in the period.</p>')
  else
    out.push(
      barChart({
        label: 'Response compliance and quality level per workstation type',
        max: 1,
        bars: types.map(([k, g]) => ({
          label: label(k),
          value: g.responseCompliance,
          color: levelColor(g.qualityLevel),
          text: `${percent(g.responseCompliance)} · ${g.qualityLevel ?? 'no data'}`,
        })),
        thresholds: complianceThresholds(th).map((t) => ({ ...t, label: t.label.split(' ')[0] ?? t.label })),
      }),
      legend(
        (['excellent', 'good', 'fair', 'poor'] as const).map((l) => ({ label: l, color: LEVEL_COLORS[l] })),
      ),
      groupTable('Workstation type', s.byWorkstationType, label),
    )
  out.push('</section>')

  // ---- satisfaction
  const satisfied = types.filter(([, g]) => g.satisfaction.responses > 0)
  out.push(
    '<section><h2>User satisfaction</h2>',
    '<p class="note">Mean score (1 to 5) of the answers given for the tickets opened in the period, per workstation type and per week of opening.</p>',
  )
  if (satisfied.length === 0) out.push('<p class="empty">No satisfaction answer in the period.</p>')
  else {
    const satThresholds = (['excellent', 'good', 'fair'] as const)
      .map((l) => ({ value: th[l].satisfactionMean, label: l }))
      .filter((t): t is { value: number; label: 'excellent' | 'good' | 'fair' } => t.value !== undefined)
    out.push(
      barChart({
        label: 'Mean satisfaction per workstation type',
        max: 5,
        bars: satisfied.map(([k, g], i) => ({
          label: label(k),
          value: g.satisfaction.mean,
          color: colorAt(i),
          text: `${g.satisfaction.mean?.toFixed(2) ?? '—'} (${g.satisfaction.responses})`,
        })),
        thresholds: satThresholds,
      }),
      '<h3 style="font-size:14px;margin:14px 0 0">Per week of opening</h3>',
      lineChart({
        label: 'Mean satisfaction per week',
        x: series.weeks.map((w) => weekTick(w.label)),
        series: [
          {
            name: 'Satisfaction',
            color: colorAt(2),
            values: series.satisfaction.map((x) => x.mean),
            tips: series.satisfaction.map(
              (x, w) =>
                `${series.weeks[w]?.label ?? ''}: ${x.mean === null ? 'no answer' : `${x.mean.toFixed(2)} (${x.responses} answers)`}`,
            ),
          },
        ],
        yMin: 1,
        yMax: 5,
        format: (v) => v.toFixed(1),
        thresholds: satThresholds,
      }),
    )
  }
  out.push('</section>')

  // ---- backlog
  const b = s.backlog
  const statusColors = ['#0b5cad', '#56B4E9', '#E69F00', '#CC79A7']
  const statuses = Object.entries(b.byStatus).map(([k, v], i) => ({
    label: k,
    value: v,
    color: statusColors[i % 4]!,
  }))
  out.push(
    '<section><h2>Backlog</h2>',
    `<p class="note">Tickets neither resolved nor closed at ${esc(when(b.at))}, whatever their opening date: ${b.total}.${b.oldest === null ? '' : ` Oldest: ${esc(b.oldest.ticketId)}, opened ${esc(when(b.oldest.openedAt))} (${b.oldest.ageDays.toFixed(1)} days).`}</p>`,
  )
  if (b.total === 0) out.push('<p class="empty">No unresolved ticket.</p>')
  else
    out.push(
      '<div class="grid2"><div><h3 style="font-size:14px;margin:4px 0">By status</h3>',
      stackedBar('Backlog by status', statuses, true),
      legend(statuses.map((x) => ({ label: `${x.label} (${x.value})`, color: x.color }))),
      '</div><div><h3 style="font-size:14px;margin:4px 0">By age (elapsed since opening)</h3>',
      barChart({
        compact: true,
        label: 'Backlog by age',
        bars: Object.entries(b.byAge).map(([k, v]) => ({
          label: k.replace(/-/g, ' '),
          value: v,
          color: '#6b7280',
          text: String(v),
        })),
      }),
      '</div></div>',
    )
  out.push('</section>')

  // ---- major incidents
  out.push(
    '<section><h2>Major incidents against the 24-hour commitment</h2>',
    '<p class="note">Elapsed time (not business time) from the declaration to the first bulletin; dashed line: the bulletin target. Staff must be alerted immediately (target 0).</p>',
  )
  if (s.majorIncidents.length === 0)
    out.push('<p class="empty">No major incident declared in the period.</p>')
  else {
    const target = Math.max(...s.majorIncidents.map((m) => m.bulletinTargetMinutes)) / 60
    out.push(
      barChart({
        label: 'Hours to the first bulletin per major incident',
        max: target,
        bars: s.majorIncidents.map((m) => ({
          label: m.incidentId,
          value: m.bulletinElapsedMinutes === null ? null : m.bulletinElapsedMinutes / 60,
          color:
            m.status === 'met'
              ? STATUS_COLORS.good
              : m.status === 'breached'
                ? STATUS_COLORS.bad
                : STATUS_COLORS.pending,
          text:
            m.bulletinElapsedMinutes === null
              ? `${m.status}: no bulletin yet`
              : `${hoursMinutes(m.bulletinElapsedMinutes)} h · ${m.status}`,
        })),
        thresholds: [{ value: target, label: `target ${hoursMinutes(target * 60)} h` }],
      }),
      '<div class="scroll"><table><thead><tr><th>Incident</th><th>Declared</th><th>First bulletin after</th><th>Target</th><th>Status</th><th>Staff alerted after</th><th>Linked tickets</th></tr></thead><tbody>',
      s.majorIncidents
        .map(
          (m) =>
            `<tr><td>${esc(m.incidentId)}</td><td>${esc(when(m.declaredAt))}</td><td>${hoursMinutes(m.bulletinElapsedMinutes)}</td><td>${hoursMinutes(m.bulletinTargetMinutes)}</td><td><span class="badge" style="background:${m.status === 'met' ? STATUS_COLORS.good : m.status === 'breached' ? STATUS_COLORS.bad : STATUS_COLORS.pending}">${m.status}</span></td><td>${m.staffAlertElapsedMinutes === null ? '—' : `${m.staffAlertElapsedMinutes.toFixed(1)} min`}</td><td>${m.linkedTickets}</td></tr>`,
        )
        .join(''),
      '</tbody></table></div>',
    )
  }
  out.push('</section>')

  // ---- every grouping
  out.push(
    '<section><h2>All measures</h2>',
    '<p class="note">Rates of tickets (escalated) or of resolved tickets (reopened, first contact); medians in business h:mm; satisfaction as mean (answers). Definitions: docs/reports.md.</p>',
    groupTable('Overall', { all: s.overall }, (k) => k),
  )
  for (const [key, title] of GROUPINGS)
    if (key !== 'byWorkstationType')
      out.push(
        `<h3 style="font-size:14px;margin:16px 0 0">By ${esc(title)}</h3>`,
        groupTable(title[0]!.toUpperCase() + title.slice(1), s[key], (k) => k),
      )
  out.push('</section>')

  // ---- volumes and knowledge
  const k = s.knowledge
  out.push(
    '<section><h2>Volumes and knowledge base</h2><div class="grid2"><div>',
    '<h3 style="font-size:14px;margin:4px 0">By kind</h3>',
    countBars('Tickets by kind', s.volumes.byKind, '#0b5cad'),
    '</div><div><h3 style="font-size:14px;margin:4px 0">By channel</h3>',
    countBars('Tickets by channel', s.volumes.byChannel, '#009E73'),
    '</div></div>',
    `<p>Knowledge base: ${k.articlesPublished} article${k.articlesPublished === 1 ? '' : 's'} published in the period; ${k.resolutionsCitingArticle} of ${k.resolutions} resolutions cited an article (${percent(k.reuseRate)}), ${k.distinctArticlesCited} distinct article${k.distinctArticlesCited === 1 ? '' : 's'}.</p>`,
    '</section>',
  )

  out.push(
    `<footer>Soutien · computed from the event history as of ${esc(when(s.asOf))}: the same history always gives the same report.</footer>`,
    '</main></body></html>',
  )
  return `${out.join('\n')}\n`
}
