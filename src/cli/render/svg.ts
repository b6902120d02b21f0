/**
 * Inline SVG charts for the HTML report: plain markup, no script, no font or
 * image from the network, so the report is one file that opens anywhere
 * (and prints). Each chart scales with its container (viewBox, width 100%),
 * is labelled for screen readers, and shows exact values in hover titles.
 */

/** Escape text for XML/HTML content and attribute values. */
export const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')

/** Distinct, colour-blind-friendly hues (Okabe–Ito, then Tableau), for series. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#7F7F7F',
  '#8C564B',
  '#17BECF',
  '#BCBD22',
] as const
export const colorAt = (i: number): string => PALETTE[i % PALETTE.length] as string

export const STATUS_COLORS = {
  good: '#1a7f37',
  bad: '#c62828',
  pending: '#b7791f',
  neutral: '#6b7280',
} as const

const n = (x: number): string => (Math.round(x * 10) / 10).toString()

/** A label cut to `max` characters with an ellipsis (the whole label stays in its hover title). */
const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`)

export interface Threshold {
  readonly value: number
  readonly label: string
}

export interface LineSeries {
  readonly name: string
  readonly color: string
  readonly values: readonly (number | null)[]
  /** Hover text per point (aligned with `values`). */
  readonly tips?: readonly string[]
}

export interface LineChartSpec {
  readonly label: string
  readonly x: readonly string[]
  readonly series: readonly LineSeries[]
  /** Axis bounds; `yMin` defaults to the lower of 0.5 and the lowest value (rounded down to 0.1). */
  readonly yMax?: number
  readonly yMin?: number
  readonly format?: (v: number) => string
  readonly thresholds?: readonly Threshold[]
}

const pctLabel = (v: number): string => `${Math.round(v * 100)}%`

/** A line chart over categories (weeks): one polyline per run of known values, a dot per value. */
export const lineChart = (spec: LineChartSpec): string => {
  const W = 760
  const H = 260
  const left = 48
  const right = 92
  const top = 14
  const bottom = 34
  const pw = W - left - right
  const ph = H - top - bottom
  const fmt = spec.format ?? pctLabel
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null))
  const yMax = spec.yMax ?? 1
  const lowest = Math.min(...values, ...(spec.thresholds ?? []).map((t) => t.value), yMax)
  const yMin = spec.yMin ?? Math.min(0.5, Math.floor(lowest * 10) / 10)
  const span = yMax - yMin || 1
  const count = spec.x.length
  const xAt = (i: number) => (count <= 1 ? left + pw / 2 : left + (i * pw) / (count - 1))
  const yAt = (v: number) => top + ph * (1 - (Math.min(Math.max(v, yMin), yMax) - yMin) / span)
  const out: string[] = []
  out.push(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(spec.label)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(spec.label)}</title>`,
  )
  // Grid lines at round values, at most six of them.
  const step = [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100].find((x) => span / x <= 6) ?? span
  for (let v = Math.ceil(yMin / step - 1e-9) * step; v <= yMax + 1e-9; v += step) {
    const y = yAt(v)
    out.push(
      `<line x1="${left}" x2="${left + pw}" y1="${n(y)}" y2="${n(y)}" class="grid"/>`,
      `<text x="${left - 6}" y="${n(y + 4)}" class="axis" text-anchor="end">${esc(fmt(v))}</text>`,
    )
  }
  for (const t of spec.thresholds ?? []) {
    if (t.value < yMin || t.value > yMax) continue
    const y = yAt(t.value)
    out.push(
      `<line x1="${left}" x2="${left + pw}" y1="${n(y)}" y2="${n(y)}" class="threshold"/>`,
      `<text x="${left + pw + 6}" y="${n(y + 4)}" class="threshold-label">${esc(t.label)}</text>`,
    )
  }
  const every = Math.max(1, Math.ceil(count / 12))
  spec.x.forEach((label, i) => {
    if (i % every !== 0 && i !== count - 1) return
    out.push(
      `<text x="${n(xAt(i))}" y="${H - bottom + 18}" class="axis" text-anchor="middle">${esc(label)}</text>`,
    )
  })
  out.push(`<line x1="${left}" x2="${left + pw}" y1="${top + ph}" y2="${top + ph}" class="axis-line"/>`)
  for (const s of spec.series) {
    let run: string[] = []
    const flush = () => {
      if (run.length > 1)
        out.push(
          `<polyline points="${run.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.2" stroke-linejoin="round"/>`,
        )
      run = []
    }
    s.values.forEach((v, i) => {
      if (v === null) flush()
      else run.push(`${n(xAt(i))},${n(yAt(v))}`)
    })
    flush()
    s.values.forEach((v, i) => {
      if (v === null) return
      const tip = s.tips?.[i] ?? `${s.name}, ${spec.x[i] ?? ''}: ${fmt(v)}`
      out.push(
        `<circle cx="${n(xAt(i))}" cy="${n(yAt(v))}" r="3.2" fill="${s.color}"><title>${esc(tip)}</title></circle>`,
      )
    })
  }
  out.push('</svg>')
  return out.join('')
}

export interface Bar {
  readonly label: string
  readonly value: number | null
  readonly color: string
  /** Printed after the bar. */
  readonly text: string
  readonly tip?: string
}

export interface BarChartSpec {
  readonly label: string
  readonly bars: readonly Bar[]
  /** Right end of the scale (default: the largest value or threshold). */
  readonly max?: number
  readonly thresholds?: readonly Threshold[]
  /** Drawn for half the page width (a column of two). */
  readonly compact?: boolean
}

/** Horizontal bars, one per row, with optional vertical threshold lines (targets). */
export const barChart = (spec: BarChartSpec): string => {
  const compact = spec.compact === true
  const W = compact ? 420 : 760
  const row = 28
  const labelW = compact ? 120 : 250
  const textW = compact ? 90 : 140
  const thresholds = [...(spec.thresholds ?? [])].sort((a, b) => a.value - b.value)
  const top = thresholds.length === 0 ? 6 : thresholds.length === 1 ? 22 : 36
  const H = top + Math.max(1, spec.bars.length) * row + 6
  const pw = W - labelW - textW
  const max = Math.max(
    spec.max ?? 0,
    ...spec.bars.map((b) => b.value ?? 0),
    ...(spec.thresholds ?? []).map((t) => t.value),
    Number.MIN_VALUE,
  )
  const xAt = (v: number) => labelW + (pw * Math.max(0, Math.min(v, max))) / max
  const out: string[] = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(spec.label)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(spec.label)}</title>`,
  ]
  spec.bars.forEach((b, i) => {
    const y = top + i * row
    const x1 = b.value === null ? labelW : xAt(b.value)
    out.push(
      `<text x="${labelW - 8}" y="${y + 18}" class="label" text-anchor="end">${esc(clip(b.label, compact ? 16 : 36))}<title>${esc(b.label)}</title></text>`,
      `<rect x="${labelW}" y="${y + 5}" width="${n(pw)}" height="18" class="track"/>`,
    )
    if (b.value !== null && x1 > labelW)
      out.push(
        `<rect x="${labelW}" y="${y + 5}" width="${n(x1 - labelW)}" height="18" rx="2" fill="${b.color}"><title>${esc(b.tip ?? `${b.label}: ${b.text}`)}</title></rect>`,
      )
    out.push(`<text x="${labelW + pw + 8}" y="${y + 18}" class="value">${esc(b.text)}</text>`)
  })
  // Labels of close thresholds alternate between two rows so that they never overlap.
  let previousX = Number.NEGATIVE_INFINITY
  let raised = false
  for (const t of thresholds) {
    const x = xAt(t.value)
    raised = x - previousX < 70 ? !raised : false
    previousX = x
    out.push(
      `<line x1="${n(x)}" x2="${n(x)}" y1="${top - 4}" y2="${H - 4}" class="threshold"/>`,
      `<text x="${n(x)}" y="${top - (raised ? 21 : 8)}" class="threshold-label" text-anchor="middle">${esc(t.label)}</text>`,
    )
  }
  out.push('</svg>')
  return out.join('')
}

export interface ColumnChartSpec {
  readonly label: string
  readonly x: readonly string[]
  readonly values: readonly number[]
  readonly color: string
  readonly tips?: readonly string[]
}

/** Vertical columns over categories (tickets opened per week). */
export const columnChart = (spec: ColumnChartSpec): string => {
  const W = 760
  const H = 180
  const left = 48
  const right = 92
  const top = 10
  const bottom = 30
  const pw = W - left - right
  const ph = H - top - bottom
  const max = Math.max(1, ...spec.values)
  const count = Math.max(1, spec.x.length)
  const slot = pw / count
  const bw = Math.max(2, Math.min(36, slot * 0.7))
  const out: string[] = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(spec.label)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(spec.label)}</title>`,
  ]
  for (let i = 0; i <= 2; i++) {
    const v = Math.round((max * i) / 2)
    const y = top + ph * (1 - v / max)
    out.push(
      `<line x1="${left}" x2="${left + pw}" y1="${n(y)}" y2="${n(y)}" class="grid"/>`,
      `<text x="${left - 6}" y="${n(y + 4)}" class="axis" text-anchor="end">${v}</text>`,
    )
  }
  const every = Math.max(1, Math.ceil(count / 12))
  spec.values.forEach((v, i) => {
    const h = (ph * v) / max
    const x = left + i * slot + (slot - bw) / 2
    out.push(
      `<rect x="${n(x)}" y="${n(top + ph - h)}" width="${n(bw)}" height="${n(h)}" rx="1.5" fill="${spec.color}"><title>${esc(spec.tips?.[i] ?? `${spec.x[i] ?? ''}: ${v}`)}</title></rect>`,
    )
    if (i % every === 0 || i === count - 1)
      out.push(
        `<text x="${n(left + i * slot + slot / 2)}" y="${H - bottom + 18}" class="axis" text-anchor="middle">${esc(spec.x[i] ?? '')}</text>`,
      )
  })
  out.push('</svg>')
  return out.join('')
}

export interface Segment {
  readonly label: string
  readonly value: number
  readonly color: string
}

/** One horizontal bar split into segments (shares of a whole), e.g. the backlog by status. */
export const stackedBar = (label: string, segments: readonly Segment[], compact = false): string => {
  const W = compact ? 420 : 760
  const H = 34
  const total = segments.reduce((a, s) => a + s.value, 0)
  const out: string[] = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(label)}</title>`,
    `<rect x="0" y="4" width="${W}" height="26" rx="3" class="track"/>`,
  ]
  let x = 0
  for (const s of segments) {
    if (s.value <= 0 || total === 0) continue
    const w = (W * s.value) / total
    out.push(
      `<rect x="${n(x)}" y="4" width="${n(w)}" height="26" fill="${s.color}"><title>${esc(`${s.label}: ${s.value}`)}</title></rect>`,
    )
    if (w > 40)
      out.push(`<text x="${n(x + w / 2)}" y="22" class="on-bar" text-anchor="middle">${s.value}</text>`)
    x += w
  }
  out.push('</svg>')
  return out.join('')
}
