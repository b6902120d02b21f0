/**
 * The built `soutien` executable as a user runs it (`node bin/soutien.js …`,
 * a child process): simulate → verify (clean) → report (every format) → sla →
 * trace → what-if; one corrupted copy per kind of corruption, which verify
 * must refuse naming the right line; usage errors exit 2; pipes behave.
 *
 * The build is private to this test (`npm run build` with another output
 * directory, beside a copy of bin/soutien.js): another build of dist/ running
 * at the same time, a developer's or another test's, cannot pull files from
 * under the processes started here.
 */
import { spawn, spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POLICY } from './support/cli-history.js'

const ROOT = resolve(import.meta.dirname, '..')
/** The private build: <BUILD>/bin/soutien.js runs <BUILD>/dist/src/cli/run.js, as in the package. */
const BUILD = mkdtempSync(join(tmpdir(), 'soutien-e2e-build-'))
const BIN = join(BUILD, 'bin', 'soutien.js')

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const soutien = (args: readonly string[], input?: string): Run => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The same, as a promise: independent runs go in parallel. */
const soutienAsync = (args: readonly string[]): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.on('error', fail)
    child.on('close', (status) => done({ status, stdout, stderr }))
  })

let dir: string
let sim: string
let lines: string[]
const file = (name: string, content: string): string => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

interface Wire {
  id: string
  stream: string
  revision: number
  position: number
  type: string
  at: string
  actor: { id: string; role: string }
  data: Record<string, unknown>
}
const parsed = (): Wire[] => lines.map((l) => JSON.parse(l) as Wire)
/** 0-based index of the first line matching. */
const indexOf = (match: (e: Wire, i: number) => boolean): number => {
  const i = parsed().findIndex(match)
  if (i < 0) throw new Error('the simulated history lacks the event this test corrupts')
  return i
}

beforeAll(() => {
  // Build once, as `npm run build` does (other modules still in progress may
  // report type errors; what matters is that the CLI was emitted).
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', join(BUILD, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  if (!existsSync(join(BUILD, 'dist', 'src', 'cli', 'run.js'))) throw new Error('the CLI was not built')
  // What the package provides around dist/: its type (ES modules), its dependencies, its bin.
  writeFileSync(join(BUILD, 'package.json'), JSON.stringify({ name: 'soutien', type: 'module' }))
  symlinkSync(join(ROOT, 'node_modules'), join(BUILD, 'node_modules'), 'dir')
  mkdirSync(join(BUILD, 'bin'))
  copyFileSync(join(ROOT, 'bin', 'soutien.js'), BIN)
  dir = mkdtempSync(join(tmpdir(), 'soutien-e2e-'))
  sim = join(dir, 'sim.ndjson')
  const r = soutien(['simulate', '--seed', '7', '--tickets', '150', '--out', sim])
  if (r.status !== 0) throw new Error(`simulate failed: ${r.stderr}`)
  lines = readFileSync(sim, 'utf8').trimEnd().split('\n')
}, 180_000)
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  // The link first, on its own: removing the build must never reach the repository's node_modules.
  rmSync(join(BUILD, 'node_modules'), { force: true })
  rmSync(BUILD, { recursive: true, force: true })
})

describe('the analyst and auditor path on a simulated history', () => {
  it('verify finds it clean', () => {
    const r = soutien(['verify', sim])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(
      // The simulator records through the command handler, which seals every event.
      new RegExp(
        `^${lines.length} events, 0 problems \\((\\d+) streams; hash chain: \\1 streams chained\\)\\n$`,
      ),
    )
  })

  it('report in every format', async () => {
    const html = join(dir, 'report.html')
    const [table, json, csv, h] = await Promise.all([
      soutienAsync(['report', sim]),
      soutienAsync(['report', sim, '--format', 'json']),
      soutienAsync(['report', sim, '--format', 'csv']),
      soutienAsync(['report', sim, '--format', 'html', '--out', html]),
    ])
    for (const r of [table, json, csv, h])
      expect({ status: r!.status, stderr: r!.stderr }).toEqual({ status: 0, stderr: '' })
    expect(table!.stdout).toContain('By workstation type')
    expect(JSON.parse(json!.stdout).overall.tickets).toBe(150)
    expect(csv!.stdout.split('\n')[1]).toMatch(/^overall,,150,/)
    expect([h!.status, h!.stdout]).toEqual([0, `report written to ${html}\n`])
    expect(readFileSync(html, 'utf8')).toMatch(/<svg [^>]*role="img"/)
  })

  it('sla gives one JSON object per ticket; trace tells one of them', () => {
    const r = soutien(['sla', sim])
    expect(r.status).toBe(0)
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(rows).toHaveLength(150)
    const breached = rows.find((x) => x.response.status === 'breached') ?? rows[0]
    const t = soutien(['trace', breached.ticketId, sim])
    expect(t.status).toBe(0)
    expect(t.stdout).toContain(`Ticket ${breached.ticketId}:`)
    expect(t.stdout).toContain(`response ${breached.response.status}`)
    const j = soutien(['trace', breached.ticketId, sim, '--format', 'json'])
    expect(JSON.parse(j.stdout).serviceLevels).toEqual(breached)
  })

  it('what-if compares with another policy', () => {
    const policy = file('policy.json', JSON.stringify({ ...POLICY, responseTarget: 'PT1H' }))
    const r = soutien(['what-if', sim, '--policy', policy, '--format', 'json'])
    expect(r.status).toBe(0)
    const w = JSON.parse(r.stdout)
    expect(w.comparison.overall.responseCompliance.delta).toBeLessThan(0)
    const t = soutien(['what-if', sim, '--policy', policy])
    expect(t.stdout).toContain('What if every ticket had been judged by')
  })

  it('reads standard input and stops quietly when the reader goes away', () => {
    const v = soutien(['verify', '-'], readFileSync(sim, 'utf8'))
    expect(v.status).toBe(0)
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" sla "${sim}" | head -n 1`], {
      encoding: 'utf8',
    })
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stderr).toBe('')
  })
})

describe('verify names the line of each kind of corruption', () => {
  const mutate = (i: number, change: (e: Wire) => void): string[] =>
    lines.map((l, j) => {
      if (j !== i) return l
      const e = JSON.parse(l) as Wire
      change(e)
      return JSON.stringify(e)
    })
  const cases: readonly [string, () => { lines: string[]; line: number; what: RegExp; newline?: boolean }][] =
    [
      [
        'a truncated line',
        () => ({
          lines: [...lines.slice(0, -1), lines.at(-1)!.slice(0, 50)],
          line: lines.length,
          what: /truncated/,
          newline: false,
        }),
      ],
      [
        'bad JSON',
        () => {
          const i = 200
          return {
            lines: lines.map((l, j) => (j === i ? l.replace(/,"type"/, ',type') : l)),
            line: i + 1,
            what: /not valid JSON/,
          }
        },
      ],
      [
        'an unknown type',
        () => {
          const i = indexOf((e) => e.type === 'UserInformed')
          return {
            lines: mutate(i, (e) => {
              e.type = 'UserPhoned'
            }),
            line: i + 1,
            what: /unknown event type "UserPhoned"/,
          }
        },
      ],
      [
        'a missing field',
        () => {
          const i = indexOf((e) => e.type === 'TicketOpened')
          return {
            lines: mutate(i, (e) => {
              delete e.data.summary
            }),
            line: i + 1,
            what: /data\.summary: missing required field/,
          }
        },
      ],
      [
        'a wrong enum',
        () => {
          const i = indexOf((e) => e.type === 'TicketQualified')
          return {
            lines: mutate(i, (e) => {
              e.data.priority = 'P9'
            }),
            line: i + 1,
            what: /data\.priority: expected Priority, got "P9"/,
          }
        },
      ],
      [
        'a revision gap',
        () => {
          const i = indexOf((e) => e.stream.startsWith('ticket-') && e.revision === 3)
          return {
            lines: mutate(i, (e) => {
              e.revision = 9
            }),
            line: i + 1,
            what: /revision 9 leaves a gap \(expected 3\)/,
          }
        },
      ],
      [
        'time going backwards',
        () => {
          const i = indexOf((e) => e.stream.startsWith('ticket-') && e.revision === 3)
          return {
            lines: mutate(i, (e) => {
              e.at = '2026-01-01T00:00:00.000Z'
            }),
            line: i + 1,
            what: /at 2026-01-01T00:00:00.000Z is earlier than the previous event's/,
          }
        },
      ],
      [
        'a field altered after the fact (only the hash chain sees it)',
        () => {
          const i = indexOf((e) => e.type === 'TicketOpened' && e.revision === 0)
          return {
            lines: mutate(i, (e) => {
              e.data.summary = `${String(e.data.summary)} (edited)`
            }),
            line: i + 1,
            what: /hash chain: altered: ticket-\S+: revision 0 .* was altered after it was written/,
          }
        },
      ],
      [
        'a rule broken',
        () => {
          const expert = parsed().find((e) => e.type === 'AgentEnrolled' && e.data.role === 'expert')!.data
            .agentId as string
          const i = indexOf((e) => e.type === 'TicketAssigned')
          return {
            lines: mutate(i, (e) => {
              e.data.ownerId = expert
            }),
            line: i + 1,
            what: /OwnerNotLevel1: ticket \S+ cannot be assigned: \S+ is a level-2 expert/,
          }
        },
      ],
    ]

  const runs = new Map<string, { readonly run: Run; readonly line: number; readonly what: RegExp }>()
  beforeAll(async () => {
    await Promise.all(
      cases.map(async ([name, make]) => {
        const c = make()
        const path = file(
          `${name.replace(/\W+/g, '-')}.ndjson`,
          `${c.lines.join('\n')}${c.newline === false ? '' : '\n'}`,
        )
        runs.set(name, { run: await soutienAsync(['verify', path]), line: c.line, what: c.what })
      }),
    )
  }, 120_000)

  it.each(cases)('%s', (name) => {
    const { run: r, ...c } = runs.get(name)!
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('')
    const out = r.stdout.trimEnd().split('\n')
    expect(out[0]).toMatch(new RegExp(`^line ${c.line}( \\(event [^)]+\\))?: `))
    expect(out[0]).toMatch(c.what)
    expect(out.at(-1)).toMatch(new RegExp(`^${lines.length} events, \\d+ problems? \\(`))
  })
})

describe('usage errors exit 2, data errors exit 1, never a stack trace', () => {
  const cases = [
    [['verify'], 2, /which history\?/],
    [['report', 'h.ndjson', '--format', 'pdf'], 2, /--format must be one of table, json, csv, html/],
    [['trace'], 2, /which ticket\?/],
    [['what-if', 'h.ndjson'], 2, /--policy is required/],
    [['sla', 'h.ndjson', '--as-of', '12/03/2026'], 2, /--as-of must be an ISO 8601 instant/],
    [['summarize'], 2, /unknown command "summarize"/],
    [['report', 'no-such-file.ndjson'], 1, /no such file/],
    [['trace', 'T-999999', 'SIM'], 1, /no ticket T-999999 in /],
  ] as const
  const runs: Run[] = []
  beforeAll(async () => {
    runs.push(
      ...(await Promise.all(cases.map(([args]) => soutienAsync(args.map((a) => (a === 'SIM' ? sim : a)))))),
    )
  }, 120_000)
  it.each(cases.map((c, i) => [...c, i] as const))('soutien %j', (_args, status, what, i) => {
    const r = runs[i]!
    expect(r.status).toBe(status)
    expect(r.stderr).toMatch(what)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})
