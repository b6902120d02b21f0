/**
 * The analyst and auditor commands run in-process (`main(argv, io)` with
 * in-memory streams) on a small lawful history (test/support/cli-history.ts):
 * sla, report, trace, what-if and verify, every option and the bad inputs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePolicy } from '../src/cli/commands/sla.js'
import { closeIds } from '../src/cli/commands/trace.js'
import { createHistoryVerifier, formatVerifyProblem } from '../src/cli/commands/verify.js'
import { csvCell, csvLine } from '../src/cli/render/csv.js'
import { isoWeekOf } from '../src/cli/render/series.js'
import type { IsoInstant } from '../src/domain/codec.js'
import type { Fact, RecordedEvent } from '../src/domain/envelope.js'
import type { OrganizationEvent, TicketEvent } from '../src/domain/events.js'
import { organizationAsOf } from '../src/domain/organization.js'
import { checkTicketHistory } from '../src/domain/ticket-rules.js'
import type { Actor } from '../src/domain/vocabulary.js'
import { linesOf as chainedLines, chainHistory } from './support/chained.js'
import { cli } from './support/cli.js'
import { POLICY, sampleEvents, sampleLines, sampleNdjson } from './support/cli-history.js'

let dir: string
let history: string
const file = (name: string, content: string): string => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}
const withLines = (name: string, edit: (lines: string[]) => string[], finalNewline = true): string =>
  file(name, `${edit(sampleLines()).join('\n')}${finalNewline ? '\n' : ''}`)
const json = (o: unknown) => JSON.stringify(o)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soutien-cli-'))
  history = file('history.ndjson', sampleNdjson())
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('soutien (overview and help)', () => {
  it('lists the analysis commands, and each has --help', async () => {
    const r = await cli(['--help'])
    expect(r.code).toBe(0)
    for (const name of ['report', 'sla', 'trace', 'what-if', 'verify']) {
      expect(r.stdout).toContain(`  ${name}`)
      const h = await cli([name, '--help'])
      expect(h.code).toBe(0)
      expect(h.stdout).toContain(`Usage: soutien ${name}`)
      expect(h.stderr).toBe('')
    }
  })

  it('refuses an unknown option with exit 2 and one line', async () => {
    for (const name of ['report', 'sla', 'trace', 'what-if', 'verify']) {
      const r = await cli([name, history, '--colour', 'red'])
      expect(r.code).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toContain(`soutien ${name}: unknown option --colour`)
    }
  })
})

describe('soutien sla', () => {
  it('prints one JSON object per ticket, keys in the documented order', async () => {
    const r = await cli(['sla', history])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(4)
    const t1 = JSON.parse(lines[0]!)
    expect(Object.keys(t1)).toEqual([
      'ticketId',
      'siteId',
      'workstationType',
      'domain',
      'priority',
      'openedAt',
      'response',
      'escalation',
      'resolution',
    ])
    expect(Object.keys(t1.response)).toEqual([
      'status',
      'businessMinutes',
      'targetMinutes',
      'deadline',
      'stoppedAt',
    ])
    expect(Object.keys(t1.escalation)).toEqual(['status', 'deadline', 'escalatedAt'])
    expect(Object.keys(t1.resolution)).toEqual(['status', 'businessMinutes', 'targetMinutes'])
    // Opened 08:15 Paris, answered 10:00: 1:45 of business time; resolved 11:00: 2:45.
    expect(lines[0]).toBe(
      json({
        ticketId: 'T-1',
        siteId: 'paris',
        workstationType: 'windows-laptop',
        domain: 'office',
        priority: 'P2',
        openedAt: '2026-03-02T07:15:00.000Z',
        response: {
          status: 'met',
          businessMinutes: 105,
          targetMinutes: 240,
          deadline: '2026-03-02T12:45:00.000Z',
          stoppedAt: '2026-03-02T09:00:00.000Z',
        },
        escalation: { status: 'late', deadline: '2026-03-02T09:15:00.000Z', escalatedAt: null },
        resolution: { status: 'met', businessMinutes: 165, targetMinutes: 480 },
      }),
    )
    const [, t2, t3, t4] = lines.map((l) => JSON.parse(l))
    // Suspended overnight, reopened once: 1:20 + 1:00 + 1:00.
    expect(t2.resolution).toEqual({ status: 'met', businessMinutes: 200, targetMinutes: 240 })
    expect(t2.escalation.status).toBe('on-time')
    expect(t3.response).toMatchObject({ status: 'breached', businessMinutes: null, stoppedAt: null })
    expect(t3.escalation).toEqual({
      status: 'on-time',
      deadline: '2026-03-03T09:30:00.000Z',
      escalatedAt: '2026-03-03T09:30:00.000Z',
    })
    expect(t4).toMatchObject({
      ticketId: 'T-4',
      domain: null,
      priority: null,
      response: { status: 'pending' },
    })
  })

  it('computes as of an instant (later events ignored)', async () => {
    const r = await cli(['sla', history, '--as-of', '2026-03-03T08:00:00Z'])
    expect(r.code).toBe(0)
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(rows.map((x) => x.ticketId)).toEqual(['T-1', 'T-2', 'T-3'])
    expect(rows[1].resolution).toEqual({ status: 'pending', businessMinutes: null, targetMinutes: 240 })
    expect(rows[2].response).toMatchObject({ status: 'pending', businessMinutes: null })
  })

  it('judges by a --policy file (what-if)', async () => {
    const policy = file('ninety.json', json({ ...POLICY, responseTarget: 'PT1H30M' }))
    const r = await cli(['sla', history, '--policy', policy])
    const t1 = JSON.parse(r.stdout.split('\n')[0]!)
    expect(t1.response).toMatchObject({ status: 'breached', businessMinutes: 105, targetMinutes: 90 })
  })

  it('writes CSV with a header and empty cells for null', async () => {
    const r = await cli(['sla', history, '--format', 'csv'])
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(
      'ticketId,siteId,workstationType,domain,priority,openedAt,response.status,response.businessMinutes,response.targetMinutes,response.deadline,response.stoppedAt,escalation.status,escalation.deadline,escalation.escalatedAt,resolution.status,resolution.businessMinutes,resolution.targetMinutes',
    )
    expect(lines).toHaveLength(5)
    expect(lines[4]).toBe(
      'T-4,lyon,mac-laptop,,,2026-03-04T08:00:00.000Z,pending,,240,2026-03-04T13:30:00.000Z,,pending,,,pending,,',
    )
  })

  it('prints an aligned table', async () => {
    const r = await cli(['sla', history, '--format', 'table'])
    expect(r.stdout).toMatch(/^Ticket\s+Site\s+Workstation/)
    expect(r.stdout).toContain('met 1:45 / 4:00')
    expect(r.stdout).toContain('4 tickets; response breached for 1.')
  })

  it('reads standard input', async () => {
    const r = await cli(['sla', '-'], sampleNdjson())
    expect(r.code).toBe(0)
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(4)
  })

  it('warns on stderr, one line per ticket, about tickets it cannot judge', async () => {
    const noPolicy = withLines('no-policy.ndjson', (ls) =>
      ls.filter((l) => !l.includes('"SupportPolicySet"')),
    )
    const r = await cli(['sla', noPolicy])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('')
    const warnings = r.stderr.trimEnd().split('\n')
    expect(warnings).toHaveLength(4)
    expect(warnings[0]).toMatch(
      /^soutien sla: warning: ticket T-1 \(opened 2026-03-02T07:15:00.000Z\) cannot be judged: no support policy/,
    )
  })

  it('refuses bad input with one clear line', async () => {
    const bad = async (argv: string[], code: number, text: RegExp) => {
      const r = await cli(argv)
      expect(r.code).toBe(code)
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(text)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
    await bad(['sla', join(dir, 'nope.ndjson')], 1, /cannot read .*nope\.ndjson: no such file/)
    await bad(['sla', dir], 1, /it is a directory/)
    await bad(
      ['sla', history, '--as-of', 'yesterday'],
      2,
      /--as-of must be an ISO 8601 instant .*"yesterday"/,
    )
    await bad(['sla', history, '--format', 'xml'], 2, /--format must be one of json, csv, table, not "xml"/)
    await bad(['sla'], 2, /which history\?/)
    await bad(['sla', history, 'extra'], 2, /unexpected argument "extra"/)
    const broken = withLines('broken.ndjson', (ls) => [...ls.slice(0, 20), '{"id": oops', ...ls.slice(21)])
    await bad(['sla', broken], 1, /broken\.ndjson line 21: \(line\): not valid JSON .*soutien verify/)
  })
})

describe('--policy files', () => {
  const where = 'policy p.json'
  it('accepts version 2 data, version 1 data (defaults filled in), a wrapper and a history line', () => {
    expect(parsePolicy(POLICY, where)).toEqual(POLICY)
    const v1 = { escalationDelays: { office: 'PT2H' }, resolutionTargets: { P1: 'PT4H' } }
    expect(parsePolicy(v1, where)).toMatchObject({
      responseTarget: 'PT4H',
      majorIncidentBulletinTarget: 'PT24H',
      qualityThresholds: POLICY.qualityThresholds,
    })
    expect(parsePolicy({ version: 1, data: v1 }, where).responseTarget).toBe('PT4H')
    expect(parsePolicy({ version: 2, data: POLICY }, where)).toEqual(POLICY)
    const line = sampleLines().find((l) => l.includes('"SupportPolicySet"'))!
    expect(parsePolicy(JSON.parse(line), where)).toEqual(POLICY)
  })

  it('names the file and the field path of what is wrong', () => {
    expect(() => parsePolicy({ ...POLICY, responseTarget: '4 hours' }, where)).toThrow(
      /^policy p\.json: not a valid support policy: responseTarget: expected Duration, got "4 hours"\.$/,
    )
    expect(() => parsePolicy({ escalationDelays: { office: 'PT2X' }, resolutionTargets: {} }, where)).toThrow(
      /escalationDelays\.office: expected Duration, got "PT2X"/,
    )
    expect(() => parsePolicy({ version: 2, data: { ...POLICY, colour: 1 } }, where)).toThrow(
      /data\.colour: unknown field "colour"/,
    )
    expect(() => parsePolicy({ version: 9, data: POLICY }, where)).toThrow(
      /version: expected a SupportPolicySet version from 1 to 2, got 9/,
    )
    expect(() => parsePolicy({ type: 'TicketOpened', data: POLICY }, where)).toThrow(
      /type: expected "SupportPolicySet"/,
    )
    expect(() => parsePolicy([1], where)).toThrow(/expected a JSON object/)
    // Well-formed but not a policy management could set.
    expect(() => parsePolicy({ ...POLICY, responseTarget: 'PT0M' }, where)).toThrow(
      /^policy p\.json: The support policy cannot be set: responseTarget must be longer than zero \(PT0M\) \[InvalidDuration\]\.$/,
    )
  })

  it('stops the command with exit 1 for a missing, unreadable or malformed file', async () => {
    const r1 = await cli(['what-if', history, '--policy', join(dir, 'missing.json')])
    expect([r1.code, r1.stderr]).toEqual([
      1,
      expect.stringMatching(/cannot read policy .*missing\.json: no such file/),
    ])
    const notJson = file('not.json', '{ responseTarget: PT4H }')
    const r2 = await cli(['report', history, '--policy', notJson])
    expect([r2.code, r2.stderr]).toEqual([1, expect.stringMatching(/policy .*not\.json: not valid JSON/)])
    const wrong = file('wrong.json', json({ ...POLICY, resolutionTargets: { P9: 'PT1H' } }))
    const r3 = await cli(['sla', history, '--policy', wrong])
    expect(r3.code).toBe(1)
    expect(r3.stderr).toMatch(
      /policy .*wrong\.json: not a valid support policy: resolutionTargets\.P9: unknown field "P9"/,
    )
    const r4 = await cli(['trace', 'T-1', history, '--policy', dir])
    expect([r4.code, r4.stderr]).toEqual([1, expect.stringMatching(/it is a directory/)])
  })
})

describe('soutien report', () => {
  it('prints the synthesis as a table by default', async () => {
    const r = await cli(['report', history])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('By workstation type')
    expect(r.stdout).toMatch(/mac-laptop\s+2\s/)
    expect(r.stdout).toContain('MI-001'.replace('001', '1'))
  })

  it('gives the documented JSON object', async () => {
    const r = await cli(['report', history, '--format', 'json'])
    const s = JSON.parse(r.stdout)
    expect(Object.keys(s)).toEqual([
      'period',
      'asOf',
      'policy',
      'overall',
      'byWorkstationType',
      'bySite',
      'byDomain',
      'byOwnerRole',
      'byLevel',
      'volumes',
      'backlog',
      'knowledge',
      'majorIncidents',
    ])
    expect(Object.keys(s.overall)).toEqual([
      'tickets',
      'responseCompliance',
      'resolutionCompliance',
      'medianResponseMinutes',
      'medianResolutionMinutes',
      'escalationRate',
      'reopenRate',
      'firstContactResolutionRate',
      'satisfaction',
      'knowledgeReuseRate',
      'qualityLevel',
    ])
    expect(s.asOf).toBe('2026-03-04T08:00:00.000Z')
    expect(s.overall).toMatchObject({
      tickets: 4,
      responseCompliance: 2 / 3,
      satisfaction: { mean: 4, responses: 2 },
    })
    expect(Object.keys(s.byWorkstationType)).toEqual(['mac-laptop', 'windows-laptop'])
    expect(Object.keys(s.bySite)).toEqual(['lyon', 'paris'])
    expect(s.backlog.total).toBe(2)
    expect(s.majorIncidents).toEqual([
      expect.objectContaining({
        incidentId: 'MI-1',
        bulletinElapsedMinutes: 180,
        status: 'met',
        staffAlertElapsedMinutes: 0,
      }),
    ])
  })

  it('restricts to a period [from, to) and refuses an empty one', async () => {
    const r = await cli(['report', history, '--from', '2026-03-03', '--to', '2026-03-05', '--format', 'json'])
    const s = JSON.parse(r.stdout)
    expect(s.period).toEqual({ from: '2026-03-03T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z' })
    expect(s.overall.tickets).toBe(2)
    const bad = await cli(['report', history, '--from', '2026-03-05', '--to', '2026-03-03'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--from .* must be before --to/)
  })

  it('writes CSV: overall then one row per group', async () => {
    const r = await cli(['report', history, '--format', 'csv'])
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^grouping,key,tickets,responseCompliance,/)
    expect(lines[1]).toMatch(/^overall,,4,0\.666/)
    expect(lines).toContain('bySite,paris,2,0.5,1,105,165,0.5,0,1,5,1,1,poor')
  })

  it('writes one self-contained HTML page with charts to --out', async () => {
    const out = join(dir, 'report.html')
    const r = await cli(['report', history, '--format', 'html', '--out', out])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`report written to ${out}\n`)
    const html = readFileSync(out, 'utf8')
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(5)
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|\bsrc=|\bhref=/i)
    expect(html).toContain('MI-1')
    expect(html).toContain('Mac laptop (mac-laptop)')
    // Deterministic: the same history gives the same bytes.
    const again = await cli(['report', history, '--format', 'html'])
    expect(again.stdout).toBe(html)
  })

  it('refuses to write into a directory', async () => {
    const sub = join(dir, 'sub')
    mkdirSync(sub, { recursive: true })
    const r = await cli(['report', history, '--out', sub])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/it is a directory/)
  })

  it('judges by a --policy file and says so', async () => {
    const strict = file('strict.json', json({ ...POLICY, responseTarget: 'PT1H' }))
    const r = await cli(['report', history, '--policy', strict, '--format', 'json'])
    expect(JSON.parse(r.stdout).overall.responseCompliance).toBe(0)
    const t = await cli(['report', history, '--policy', strict])
    expect(t.stdout).toContain('(every clock judged by the policy in')
  })

  it('summarises unjudged clocks in one warning line', async () => {
    const noPolicy = withLines('no-policy-report.ndjson', (ls) =>
      ls.filter((l) => !l.includes('"SupportPolicySet"')),
    )
    const r = await cli(['report', noPolicy, '--format', 'json'])
    expect(r.code).toBe(0)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/warning: the clocks of 4 tickets and 1 major incident cannot be judged/)
    expect(JSON.parse(r.stdout).overall).toMatchObject({ tickets: 4, responseCompliance: null })
  })

  it('reads a SQLite store', async () => {
    const db = join(dir, 'helpdesk.db')
    const imported = await cli(['import', history, '--store', db])
    expect(imported.code).toBe(0)
    const fromStore = await cli(['report', '--store', db, '--format', 'json'])
    const fromFile = await cli(['report', history, '--format', 'json'])
    expect(fromStore.code).toBe(0)
    expect(fromStore.stdout).toBe(fromFile.stdout)
    const both = await cli(['report', history, '--store', db])
    expect(both.code).toBe(2)
    const missing = await cli(['sla', '--store', join(dir, 'nowhere.db')])
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/does not exist/)])
  })
})

describe('soutien trace', () => {
  it('tells a ticket top to bottom, in local time, with clocks after each step', async () => {
    const r = await cli(['trace', 'T-2', history])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Ticket T-2: “No network in meeting room”')
    expect(r.stdout).toContain('Mon 2026-03-02 14:00  assist-1 (assistance)  opened for user-2 by email')
    expect(r.stdout).toContain('expert-1 (expert)  expert advice from expert-1')
    expect(r.stdout).toContain('resolution met in 3:20 (target 4:00)')
    expect(r.stdout).toContain('policy in force since 2026-03-02T06:30:00.000Z: response PT4H')
  })

  it('gives the timeline as JSON, as of an instant', async () => {
    const r = await cli(['trace', 'T-1', history, '--format', 'json', '--as-of', '2026-03-02T09:00:00Z'])
    const t = JSON.parse(r.stdout)
    expect(t.entries.map((e: { type: string }) => e.type)).toEqual([
      'TicketOpened',
      'TicketQualified',
      'TicketAssigned',
      'UserInformed',
    ])
    expect(t.serviceLevels.response).toMatchObject({ status: 'met', businessMinutes: 105 })
  })

  it('exits 1 for an unknown ticket, suggesting close ids', async () => {
    const r = await cli(['trace', 't-3', history])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /^soutien trace: no ticket t-3 in .*history\.ndjson; did you mean T-3, T-1, T-2\?\n$/,
    )
    const later = await cli(['trace', 'T-4', history, '--as-of', '2026-03-03T00:00:00Z'])
    expect([later.code, later.stderr]).toEqual([
      1,
      expect.stringMatching(/T-4 was opened at 2026-03-04T08:00:00.000Z, after --as-of/),
    ])
    const none = await cli(['trace', 'T-1', history])
    expect(none.code).toBe(0)
    const noId = await cli(['trace'])
    expect([noId.code, noId.stderr]).toEqual([2, expect.stringMatching(/which ticket\?/)])
  })

  it('finds close ids by case, prefix and small edits', () => {
    const ids = ['T-000001', 'T-000002', 'T-000010', 'T-000100', 'X-999999']
    expect(closeIds('t-000001', ids)).toEqual(['T-000001', 'T-000002', 'T-000010'])
    // A prefix comes first, then small edits.
    expect(closeIds('T-0001', ids)).toEqual(['T-000100', 'T-000001', 'T-000010'])
    expect(closeIds('Q', ids)).toEqual([])
  })
})

describe('soutien what-if', () => {
  const ninety = () => file('ninety-w.json', json({ ...POLICY, responseTarget: 'PT1H30M' }))

  it('shows the report under another policy beside the actual one', async () => {
    const r = await cli(['what-if', history, '--policy', ninety()])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('What if every ticket had been judged by')
    expect(r.stdout).toMatch(/all\s+4\s+66\.7%\s+33\.3%\s+−33\.3 pt/)
    expect(r.stdout).toMatch(/paris\s+2\s+50\.0%\s+0\.0%\s+−50\.0 pt/)
  })

  it('gives the comparison as JSON', async () => {
    const r = await cli([
      'what-if',
      history,
      '--policy',
      ninety(),
      '--format',
      'json',
      '--from',
      '2026-03-02',
    ])
    const w = JSON.parse(r.stdout)
    expect(Object.keys(w)).toEqual(['period', 'asOf', 'policy', 'comparison', 'actual', 'whatIf'])
    expect(w.policy.value.responseTarget).toBe('PT1H30M')
    expect(w.comparison.overall.responseCompliance).toEqual({
      actual: 2 / 3,
      whatIf: 1 / 3,
      delta: 1 / 3 - 2 / 3,
    })
    expect(w.comparison.groups.bySite.lyon.responseCompliance.delta).toBe(0)
    expect(w.comparison.majorIncidents).toEqual([
      {
        incidentId: 'MI-1',
        actual: 'met',
        whatIf: 'met',
        bulletinTargetMinutes: { actual: 1440, whatIf: 1440 },
      },
    ])
    expect(w.actual.overall.tickets).toBe(4)
  })

  it('needs --policy', async () => {
    const r = await cli(['what-if', history])
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/--policy is required/)])
  })
})

describe('soutien verify', () => {
  it('finds a lawful history clean', async () => {
    const r = await cli(['verify', history])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('46 events, 0 problems (7 streams; hash chain: unchained)\n')
    expect(r.stderr).toBe('')
  })

  const events = sampleEvents()
  const lineOfType = (type: string, stream?: string) =>
    events.findIndex((e) => e.type === type && (stream === undefined || e.stream === stream)) + 1
  const verify = async (name: string, edit: (lines: string[]) => string[]) => {
    // A truncated file ends in the middle of its last line: no final newline.
    const r = await cli(['verify', withLines(name, edit, !name.startsWith('a-truncated'))])
    return { ...r, problems: r.stdout.trimEnd().split('\n').slice(0, -1) }
  }
  const patch = (lines: string[], line: number, change: (o: Record<string, unknown>) => void) =>
    lines.map((l, i) => {
      if (i !== line - 1) return l
      const o = JSON.parse(l)
      change(o)
      return JSON.stringify(o)
    })

  it.each([
    [
      'a truncated last line',
      (ls: string[]) => [...ls.slice(0, -1), ls.at(-1)!.slice(0, 40)],
      46,
      /truncated/,
    ],
    [
      'bad JSON',
      (ls: string[]) => patch(ls, 30, () => {}).map((l, i) => (i === 29 ? l.replace('{', '{,') : l)),
      30,
      /not valid JSON/,
    ],
    [
      'an unknown type',
      (ls: string[]) =>
        patch(ls, 17, (o) => {
          o.type = 'TicketTeleported'
        }),
      17,
      /type: unknown event type "TicketTeleported"/,
    ],
    [
      'a missing field',
      (ls: string[]) =>
        patch(ls, 16, (o) => {
          delete (o.data as Record<string, unknown>).channel
        }),
      16,
      /data\.channel: missing required field/,
    ],
    [
      'a wrong enum',
      (ls: string[]) =>
        patch(ls, 17, (o) => {
          ;(o.data as Record<string, unknown>).priority = 'P7'
        }),
      17,
      /data\.priority: expected Priority, got "P7"/,
    ],
    [
      'a revision gap',
      (ls: string[]) =>
        patch(ls, 19, (o) => {
          o.revision = 7
        }),
      19,
      /revision 7 leaves a gap \(expected 3\)/,
    ],
    [
      'time going backwards',
      (ls: string[]) =>
        patch(ls, 19, (o) => {
          o.at = '2026-03-02T07:00:00.000Z'
        }),
      19,
      /at 2026-03-02T07:00:00.000Z is earlier/,
    ],
    [
      'a position going back',
      (ls: string[]) =>
        patch(ls, 19, (o) => {
          o.position = 3
        }),
      19,
      /position 3 is not after the previous line's 17/,
    ],
    [
      'a rule broken (closed without telling the user of the restoration)',
      (ls: string[]) =>
        patch(ls, 22, (o) => {
          ;(o.data as Record<string, unknown>).kind = 'progress'
        }),
      23,
      /UserNotToldOfRestoration: ticket T-1 cannot be closed/,
    ],
  ])('names the line of %s', async (name, edit, line, what) => {
    const r = await verify(`${name.replace(/\W+/g, '-')}.ndjson`, edit)
    expect(r.code).toBe(1)
    // A line that is not JSON has no event id to name.
    expect(r.problems[0]).toMatch(new RegExp(`^line ${line}( \\(event evt-${line - 1}\\))?: `))
    expect(r.problems[0]).toMatch(what)
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^4[56] events, [1-9]\d* problems? \(/)
  })

  it('checks the rules with the organisation as it stood at each event', async () => {
    // tech-1 retired before T-3 is assigned to them.
    const retire = events.findIndex((e) => e.type === 'TicketOpened' && e.stream === 'ticket-T-3')
    const lines = sampleLines()
    const retirement = {
      ...JSON.parse(lines[14]!),
      id: 'evt-retire',
      revision: 15,
      version: 1,
      at: '2026-03-03T07:00:00.000Z',
      type: 'AgentRetired',
      data: { agentId: 'tech-1' },
    }
    const edited = [...lines.slice(0, retire), JSON.stringify(retirement), ...lines.slice(retire)]
    const renumbered = edited.map((l, i) => JSON.stringify({ ...JSON.parse(l), position: i }))
    const r = await cli(['verify', file('retired.ndjson', `${renumbered.join('\n')}\n`)])
    expect(r.code).toBe(1)
    const problems = r.stdout.trimEnd().split('\n').slice(0, -1)
    expect(problems[0]).toMatch(
      /^line 40 \(event evt-38\): AgentNotActive: ticket T-3 cannot be assigned: tech-1 has retired \[revision 2, /,
    )
    // Earlier events of tech-1 (before the retirement) are fine: every problem is after it.
    for (const p of problems) expect(Number(/^line (\d+)/.exec(p)?.[1])).toBeGreaterThan(retire + 1)
  })

  it('checks that a declaration is followed by its staff alert, even at the end of the file', async () => {
    const lines = sampleLines()
    const alert = lineOfType('SupportStaffAlerted')
    const r = await verify('no-alert.ndjson', (ls) => ls.filter((_, i) => i !== alert - 1))
    expect(r.problems.some((p) => p.startsWith(`line ${alert - 1} `) && p.includes('StaffNotAlerted'))).toBe(
      true,
    )
    const declared = lineOfType('MajorIncidentDeclared')
    const cut = await verify('declared-last.ndjson', () => lines.slice(0, declared))
    expect(cut.problems).toEqual([expect.stringMatching(new RegExp(`^line ${declared} .*StaffNotAlerted`))])
  })

  it('checks the hash chain where events carry hashes, against a manifest when given', async () => {
    const sealed = chainedLines(chainHistory(sampleEvents()))
    const chained = file('chained.ndjson', `${sealed.join('\n')}\n`)
    const ok = await cli(['verify', chained])
    expect([ok.code, ok.stdout]).toEqual([
      0,
      '46 events, 0 problems (7 streams; hash chain: 7 streams chained)\n',
    ])
    // A field changed after the fact: the event no longer matches its own hash.
    const altered = sealed.map((l, i) => (i === 20 ? l.replace('Profile rebuilt.', 'Profile deleted.') : l))
    const a = await cli(['verify', file('altered.ndjson', `${altered.join('\n')}\n`)])
    expect(a.code).toBe(1)
    expect(a.stdout).toMatch(
      /^line 21 \(event evt-20\): hash chain: altered: ticket-T-1: revision 4 \(event evt-20, line 21\) was altered after it was written/,
    )
    expect(a.stdout).toMatch(/hash chain: 6 streams chained, 1 broken\)\n$/)
    // The end of a stream cut off is only seen against the stream-head manifest (export --manifest).
    const db = join(dir, 'chained.db')
    expect((await cli(['import', chained, '--store', db])).code).toBe(0)
    const heads = join(dir, 'heads.json')
    const exported = join(dir, 'exported.ndjson')
    expect((await cli(['export', '--store', db, '--out', exported, '--manifest', heads])).code).toBe(0)
    const withManifest = await cli(['verify', exported, '--manifest', heads])
    expect(withManifest.code).toBe(0)
    expect(withManifest.stdout).toMatch(/; manifest: 7 stream heads checked\)\n$/)
    const cut = file('cut.ndjson', `${sealed.slice(0, -1).join('\n')}\n`)
    expect((await cli(['verify', cut])).code).toBe(0)
    const t = await cli(['verify', cut, '--manifest', heads])
    expect(t.code).toBe(1)
    expect(t.stdout).toMatch(
      /^end of history: hash chain: truncated: ticket-T-4: the manifest records it up to revision 0/,
    )
  })

  it('refuses a manifest it cannot read', async () => {
    const missing = await cli(['verify', history, '--manifest', join(dir, 'no-heads.json')])
    expect([missing.code, missing.stderr]).toEqual([
      1,
      expect.stringMatching(/cannot read manifest .*no such file/),
    ])
    const bad = file(
      'bad-heads.json',
      json({ format: 'soutien-stream-heads', version: 1, events: 1, streams: [{ stream: 'x' }] }),
    )
    const b = await cli(['verify', history, '--manifest', bad])
    expect(b.code).toBe(1)
    expect(b.stderr).toMatch(
      /manifest .*bad-heads\.json: not a stream-head manifest: streams\.0\.revision: missing required field/,
    )
  })

  it('reads standard input and stores, and refuses bad arguments', async () => {
    const r = await cli(['verify', '-'], sampleNdjson())
    expect(r.code).toBe(0)
    const two = await cli(['verify', history, 'other.ndjson'])
    expect([two.code, two.stderr]).toEqual([2, expect.stringMatching(/unexpected argument "other\.ndjson"/)])
    const missing = await cli(['verify', join(dir, 'absent.ndjson')])
    expect(missing.code).toBe(1)
    const db = join(dir, 'verify.db')
    await cli(['import', history, '--store', db])
    const s = await cli(['verify', '--store', db])
    expect([s.code, s.stdout]).toEqual([0, '46 events, 0 problems (7 streams; hash chain: unchained)\n'])
  })

  it('reports the same ticket rule problems one event at a time as the whole-stream re-check', () => {
    const orgFacts = events.filter((e) => e.stream === 'organization') as unknown as Fact<OrganizationEvent>[]
    const orgAt = organizationAsOf(orgFacts)
    const actors: Actor[] = [
      { id: 'assist-1', role: 'assistance' },
      { id: 'tech-1', role: 'office-technician' },
      { id: 'net-1', role: 'network-technician' },
      { id: 'expert-1', role: 'expert' },
      { id: 'manager-1', role: 'manager' },
      { id: 'user-1', role: 'user' },
      { id: 'user-2', role: 'user' },
      { id: 'system', role: 'system' },
    ]
    const opening = (id: string) => ({
      type: 'TicketOpened',
      data: {
        ticketId: id,
        requesterId: 'user-1',
        siteId: 'paris',
        workstationType: 'windows-laptop',
        deskId: 'desk-1',
        channel: 'phone',
        summary: 's',
      },
    })
    const kinds = [
      () => opening('T-9'),
      () => ({ type: 'TicketQualified', data: { kind: 'incident', domain: 'office', priority: 'P2' } }),
      () => ({ type: 'TicketQualified', data: { kind: 'question', domain: 'network', priority: 'P4' } }),
      () => ({ type: 'TicketAssigned', data: { ownerId: 'tech-1' } }),
      () => ({ type: 'TicketAssigned', data: { ownerId: 'net-1' } }),
      () => ({ type: 'TicketAssigned', data: { ownerId: 'expert-1' } }),
      () => ({ type: 'UserInformed', data: { kind: 'answer', message: 'm' } }),
      () => ({ type: 'UserInformed', data: { kind: 'restoration', message: 'm' } }),
      () => ({
        type: 'UserInformed',
        data: { kind: 'schedule', message: 'm', expectedResolutionAt: '2026-03-09T00:00:00.000Z' },
      }),
      () => ({ type: 'TicketEscalated', data: { domain: 'office', reason: 'manual' } }),
      () => ({ type: 'TicketEscalated', data: { domain: 'network', reason: 'delay-expired' } }),
      () => ({ type: 'ExpertAdviceGiven', data: { advice: 'a' } }),
      () => ({ type: 'HierarchyInvolved', data: { reason: 'difficulty' } }),
      () => ({ type: 'TicketSuspended', data: { reason: 'awaiting-user' } }),
      () => ({ type: 'TicketResumed', data: {} }),
      () => ({ type: 'TicketResolved', data: { resolutionCode: 'c', solution: 's' } }),
      () => ({ type: 'TicketReopened', data: { reason: 'r' } }),
      () => ({ type: 'TicketClosed', data: {} }),
      () => ({ type: 'SatisfactionRecorded', data: { score: 4 } }),
      () => ({ type: 'TicketLinkedToMajorIncident', data: { incidentId: 'MI-1' } }),
      () => ({ type: 'TicketLinkedToMajorIncident', data: { incidentId: 'MI-2' } }),
    ]
    const step = fc.record({
      kind: fc.nat(kinds.length - 1),
      actor: fc.nat(actors.length - 1),
      dt: fc.integer({ min: -30, max: 240 }),
    })
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 24 }), (startOpened, steps) => {
        let ms = Date.parse('2026-03-02T08:00:00.000Z')
        const facts: Fact<TicketEvent>[] = []
        if (startOpened)
          facts.push({
            ...opening('T-9'),
            at: new Date(ms).toISOString(),
            actor: actors[0]!,
          } as Fact<TicketEvent>)
        for (const s of steps) {
          ms += s.dt * 60_000
          facts.push({
            ...kinds[s.kind]!(),
            at: new Date(ms).toISOString() as IsoInstant,
            actor: actors[s.actor]!,
          } as Fact<TicketEvent>)
        }
        const whole = checkTicketHistory(facts, orgAt)
          .filter((p) => p.error._tag !== 'TimeWentBackwards')
          .map(
            (p) =>
              `line ${p.index + 1} (event e${p.index}): ${p.error._tag}: ${p.error.message.replace(`[event ${p.index}, `, `[revision ${p.index}, `)}`,
          )
        const verifier = createHistoryVerifier()
        for (const e of events.filter((x) => x.stream === 'organization')) verifier.event(e, 0)
        const incremental = facts.flatMap((f, i) =>
          verifier
            .event(
              {
                ...f,
                id: `e${i}`,
                stream: 'ticket-T-9',
                revision: i,
                position: 100 + i,
                version: 1,
                meta: {},
              } as RecordedEvent,
              i + 1,
            )
            .map(formatVerifyProblem)
            .filter((p) => !/\): at: /.test(p)),
        )
        expect(incremental).toEqual(whole)
      }),
      { numRuns: 300 },
    )
  })
})

describe('render helpers', () => {
  it('quotes CSV fields only when needed', () => {
    expect(csvLine(['a', 1, null, 'b,c', 'say "hi"', 'two\nlines', undefined])).toBe(
      'a,1,,"b,c","say ""hi""","two\nlines",',
    )
    expect(csvCell(0.5)).toBe('0.5')
  })

  it('numbers ISO weeks in UTC, across year ends', () => {
    expect(isoWeekOf(Date.parse('2026-03-02T07:15:00Z'))).toEqual({ label: '2026-W10', monday: '2026-03-02' })
    expect(isoWeekOf(Date.parse('2026-03-08T23:59:59Z')).label).toBe('2026-W10')
    expect(isoWeekOf(Date.parse('2027-01-01T12:00:00Z'))).toEqual({ label: '2026-W53', monday: '2026-12-28' })
    expect(isoWeekOf(Date.parse('2024-12-30T00:00:00Z')).label).toBe('2025-W01')
  })
})
