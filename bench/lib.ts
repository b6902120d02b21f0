/**
 * What the benches share: a figure as the median of several runs with its min
 * and max, the child processes that measure in a fresh heap, and the table.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** One measured figure over several runs. */
export interface Figure {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: readonly number[]
}

export const figureOf = (runs: readonly number[]): Figure => {
  if (runs.length === 0) throw new Error('a figure needs at least one run')
  const sorted = [...runs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs }
}

/** The p-th percentile (0–100) of some values, nearest rank. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** A target: a figure must be at least (`min`) or at most (`max`) a bound. */
export interface Target {
  readonly op: '>=' | '<='
  readonly bound: number
}

export interface Row {
  /** Stable key in results.json, e.g. `replay.eventsPerSecond`. */
  readonly key: string
  readonly label: string
  readonly unit: string
  readonly figure: Figure
  readonly target?: Target
  /** Why there is no figure, or how it was measured, when the table alone would mislead. */
  readonly note?: string
}

export const targetMet = (row: Row): boolean | undefined => {
  if (row.target === undefined) return undefined
  const v = row.figure.median
  return row.target.op === '>=' ? v >= row.target.bound : v <= row.target.bound
}

const number = (n: number): string => {
  if (!Number.isFinite(n)) return String(n)
  const abs = Math.abs(n)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** The table printed at the end of a run. */
export const renderTable = (rows: readonly Row[]): string => {
  const cells = rows.map((r) => {
    const met = targetMet(r)
    return [
      r.label,
      `${number(r.figure.median)} ${r.unit}`,
      `${number(r.figure.min)} – ${number(r.figure.max)}`,
      String(r.figure.runs.length),
      r.target === undefined ? '' : `${r.target.op} ${number(r.target.bound)}`,
      met === undefined ? '' : met ? 'met' : 'MISSED',
    ]
  })
  const header = ['figure', 'median', 'min – max', 'runs', 'target', '']
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i === 1 || i === 2 || i === 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const REPO_DIR = join(BENCH_DIR, '..')

/**
 * Where `buildChildren` compiles src/ and bench/ (tsconfig.bench.json): inside
 * node_modules, so that the compiled files find the same packages.
 */
export const BUILT_DIR = join(REPO_DIR, 'node_modules', '.cache', 'soutien-bench')

/**
 * Compile src/ and bench/ to JavaScript (BUILT_DIR) for the child processes:
 * they then run the code as `soutien` runs it, from compiled files, without
 * tsx's loader (which adds ~60 MB to a process's RSS, and would flatter the
 * ratio of two peak RSS). Throws with tsc's output when it fails.
 */
export const buildChildren = (): void => {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')
  const r = spawnSync(process.execPath, [tsc, '-p', join(REPO_DIR, 'tsconfig.bench.json')], {
    cwd: REPO_DIR,
    encoding: 'utf8',
  })
  if (r.status !== 0)
    throw new Error(`compiling the bench failed (tsc -p tsconfig.bench.json):\n${r.stdout}${r.stderr}`)
}

/**
 * Run one task of bench/child.ts, compiled by `buildChildren`, in a fresh
 * Node process (its own heap, JIT and peak RSS) and return what it printed
 * as its result.
 */
export const runChild = <R>(task: string, args: unknown): Promise<R> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', join(BUILT_DIR, 'bench', 'child.js'), task, JSON.stringify(args)],
      { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
      if (code !== 0 || line === undefined) {
        reject(new Error(`bench task ${task} failed (exit ${code}):\n${err.slice(-4000)}${out.slice(-2000)}`))
        return
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as R)
    })
  })

export const RESULT_PREFIX = 'BENCH-RESULT '

/** Give the collector a chance between runs, when Node runs with --expose-gc. */
export const collect = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) gc()
}
