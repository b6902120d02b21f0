/**
 * The CLI defects found by the last review, each pinned by a test: a policy
 * or manifest file written with a byte-order mark, an export whose manifest
 * cannot be written, `verify` given a file that is not a history at all, and
 * the message for an EventStoreDB server that cannot be reached.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { notHistoryReason, SNIFF_BYTES } from '../src/cli/commands/verify.js'
import { loadPolicyFile, withoutBom } from '../src/cli/input-files.js'
import { toStoreError } from '../src/store/esdb-mapping.js'
import { linesOf as chainedLines, chainHistory } from './support/chained.js'
import { cli, type Run } from './support/cli.js'
import { POLICY, sampleEvents, sampleNdjson } from './support/cli-history.js'

let dir: string
let history: string
/** A SQLite store holding the sample history, hash-chained (so a manifest means something). */
let db: string
const file = (name: string, content: string | Buffer): string => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}
const BOM = '\uFEFF'
/** A failure is one line on stderr, never a stack trace. */
const oneLine = (r: Run): string => {
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(r.stderr).not.toMatch(/\n\s+at /)
  return r.stderr.trimEnd()
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'soutien-review-'))
  history = file('history.ndjson', sampleNdjson())
  const chained = file('chained.ndjson', `${chainedLines(chainHistory(sampleEvents())).join('\n')}\n`)
  db = join(dir, 'chained.db')
  const imported = await cli(['import', chained, '--store', db])
  expect(imported.code, imported.stderr).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('JSON input files written with a byte-order mark (Windows editors)', () => {
  it('reads a --policy file that starts with a BOM', async () => {
    const policy = file('bom-policy.json', `${BOM}${JSON.stringify(POLICY, null, 2)}\n`)
    const r = await cli(['what-if', history, '--policy', policy, '--format', 'json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).policy.value).toEqual(POLICY)
  })

  it('reads a --manifest file that starts with a BOM', async () => {
    const heads = join(dir, 'heads-for-bom.json')
    const out = join(dir, 'exported-for-bom.ndjson')
    expect((await cli(['export', '--store', db, '--out', out, '--manifest', heads])).code).toBe(0)
    const withBom = file('bom-heads.json', `${BOM}${readFileSync(heads, 'utf8')}`)
    const r = await cli(['verify', out, '--manifest', withBom])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/manifest: 7 stream heads checked\)\n$/)
  })

  it('drops one mark at the very start, and only there', () => {
    expect(withoutBom(`${BOM}{}`)).toBe('{}')
    expect(withoutBom(`{}${BOM}`)).toBe(`{}${BOM}`)
    expect(withoutBom(`${BOM}${BOM}{}`)).toBe(`${BOM}{}`)
    expect(
      loadPolicyFile(file('bom-v1.json', `${BOM}{"escalationDelays":{},"resolutionTargets":{}}`)),
    ).toMatchObject({ responseTarget: 'PT4H' })
  })

  it('still refuses a file that is not JSON after its BOM, naming the file', async () => {
    const policy = file('bom-bad.json', `${BOM}responseTarget: PT2H\n`)
    const r = await cli(['what-if', history, '--policy', policy])
    expect(r.code).toBe(1)
    expect(oneLine(r)).toMatch(/policy .*bom-bad\.json: not valid JSON/)
  })
})

describe('soutien export --manifest: all or nothing', () => {
  /** The files of a directory, temporary ones included. */
  const filesIn = (d: string): string[] => readdirSync(d).sort()

  it('writes nothing when the manifest cannot be written, and names its path', async () => {
    const target = join(dir, 'export-a')
    mkdirSync(target)
    const out = join(target, 'history.ndjson')
    const heads = join(dir, 'no-such-dir', 'heads.json')
    const r = await cli(['export', '--store', db, '--out', out, '--manifest', heads])
    expect(r.code).toBe(1)
    const message = oneLine(r)
    expect(message).toContain(heads)
    expect(message).toMatch(/no such directory/)
    expect(r.stdout).toBe('')
    expect(filesIn(target)).toEqual([])
  })

  it('writes nothing when the manifest path is a directory', async () => {
    const target = join(dir, 'export-b')
    mkdirSync(target)
    const heads = join(target, 'heads.json')
    mkdirSync(heads)
    const out = join(target, 'history.ndjson')
    const r = await cli(['export', '--store', db, '--out', out, '--manifest', heads])
    expect(r.code).toBe(1)
    expect(oneLine(r)).toMatch(/manifest .*heads\.json.*is a directory/)
    expect(filesIn(target)).toEqual(['heads.json'])
  })

  it('writes no manifest when the history cannot be written', async () => {
    const target = join(dir, 'export-c')
    mkdirSync(target)
    const heads = join(target, 'heads.json')
    const out = join(dir, 'missing-dir', 'history.ndjson')
    const r = await cli(['export', '--store', db, '--out', out, '--manifest', heads])
    expect(r.code).toBe(1)
    expect(oneLine(r)).toContain(out)
    expect(filesIn(target)).toEqual([])
  })

  it('names the path given, never a temporary one, when the history cannot be written', async () => {
    const target = join(dir, 'export-e')
    mkdirSync(target)
    const missing = await cli(['export', '--store', db, '--out', join(dir, 'missing-dir', 'h.ndjson')])
    expect(missing.code).toBe(1)
    expect(oneLine(missing)).toBe(
      `soutien export: cannot write ${join(dir, 'missing-dir', 'h.ndjson')}: no such directory. Nothing was exported.`,
    )
    const directory = await cli(['export', '--store', db, '--out', target])
    expect(directory.code).toBe(1)
    expect(oneLine(directory)).toBe(
      `soutien export: cannot write ${target}: it is a directory. Nothing was exported.`,
    )
    expect(filesIn(target)).toEqual([])
  })

  it('checks the manifest before writing the history to standard output', async () => {
    const heads = join(dir, 'no-such-dir', 'heads.json')
    const r = await cli(['export', '--store', db, '--manifest', heads])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(oneLine(r)).toContain(heads)
  })

  it('writes both, and leaves no temporary file, when all is well', async () => {
    const target = join(dir, 'export-d')
    mkdirSync(target)
    const out = join(target, 'history.ndjson')
    const heads = join(target, 'heads.json')
    const r = await cli(['export', '--store', db, '--out', out, '--manifest', heads])
    expect(r.code, r.stderr).toBe(0)
    expect(filesIn(target)).toEqual(['heads.json', 'history.ndjson'])
    expect(r.stdout).toBe(`46 events written to ${out}\nthe head of 7 streams written to ${heads}\n`)
    expect((await cli(['verify', out, '--manifest', heads])).code).toBe(0)
  })
})

describe('soutien verify on a file that is not an NDJSON history', () => {
  const notHistory = async (path: string, stdin?: Buffer): Promise<string> => {
    const r = stdin === undefined ? await cli(['verify', path]) : await cli(['verify', '-'], stdin as never)
    expect(r.code).toBe(1)
    // Not one "problem" per "line" of binary data and a count of "events": one plain sentence.
    expect(r.stdout).toBe('')
    const message = oneLine(r)
    expect(message).toContain('is not an NDJSON history')
    return message
  }

  it('says a gzip-compressed history must be decompressed first', async () => {
    const gz = file('history.ndjson.gz', gzipSync(Buffer.from(sampleNdjson())))
    expect(await notHistory(gz)).toMatch(/gzip/)
  })

  it('points to --store for a SQLite store given as a file', async () => {
    expect(await notHistory(db)).toMatch(/SQLite .*--store/)
  })

  it('refuses binary data (NUL bytes) and text that is not UTF-8', async () => {
    const bytes = Buffer.alloc(4096)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256
    expect(await notHistory(file('random.bin', bytes))).toMatch(/binary/)
    const latin1 = Buffer.from(`${sampleNdjson().replace('Assistance', 'Assistance générale')}`, 'latin1')
    expect(await notHistory(file('latin1.ndjson', latin1))).toMatch(/UTF-8/)
  })

  it('refuses text whose first line is not a JSON object (a CSV, a pretty-printed JSON document)', async () => {
    expect(await notHistory(file('sla.csv', 'ticketId,siteId\nT-1,paris\n'))).toMatch(/first line/)
    expect(await notHistory(file('pretty.json', `${JSON.stringify(POLICY, null, 2)}\n`))).toMatch(
      /first line/,
    )
  })

  it('says so for standard input too', async () => {
    await notHistory('-', gzipSync(Buffer.from(sampleNdjson())))
  })

  it('still lists the problems of a history whose first line is a damaged event', async () => {
    const lines = sampleNdjson().trimEnd().split('\n')
    const damaged = file('damaged.ndjson', `${[lines[0]?.slice(0, 40), ...lines.slice(1)].join('\n')}\n`)
    const r = await cli(['verify', damaged])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^line 1: \(line\): not valid JSON/)
    expect(r.stdout).toMatch(/^46 events, \d+ problems/m)
  })

  it('decides on the first bytes only, without mistaking a character cut at their end', () => {
    const line = Buffer.from('{"name":"Assistance générale"}\n')
    const cut = line.subarray(0, line.indexOf(0xc3) + 1) // the first byte of "é"
    expect(notHistoryReason(cut, false, 'h.ndjson')).toBeUndefined()
    expect(notHistoryReason(cut, true, 'h.ndjson')).toMatch(/not UTF-8/)
    expect(notHistoryReason(Buffer.from('\n\n  {"id":'), false, 'h.ndjson')).toBeUndefined()
    expect(notHistoryReason(Buffer.from(''), true, 'h.ndjson')).toBeUndefined()
    expect(notHistoryReason(Buffer.from('{'), false, 'h.ndjson')).toBeUndefined()
    expect(notHistoryReason(Buffer.from('{\n  "a": 1\n}\n'), true, 'h.ndjson')).toMatch(/lone "\{"/)
    expect(notHistoryReason(Buffer.from('\xff\xfe{\x00', 'latin1'), true, '-')).toMatch(/UTF-16/)
    expect(SNIFF_BYTES).toBeGreaterThanOrEqual(4096)
  })

  it('checks a history longer than what it sniffs from its first bytes as before', async () => {
    const lines = sampleNdjson()
    // Blank lines are skipped: pad the start so that the first event comes after the sniffed bytes.
    const padded = file('padded.ndjson', `${'\n'.repeat(SNIFF_BYTES + 10)}${lines}`)
    const r = await cli(['verify', padded])
    expect([r.code, r.stdout]).toEqual([0, '46 events, 0 problems (7 streams; hash chain: unchained)\n'])
  })

  it('reads a history with a BOM and characters outside ASCII as before', async () => {
    const text = `${BOM}${sampleNdjson().replace('Assistance', 'Assistance générale — 服务台')}`
    const r = await cli(['verify', file('unicode.ndjson', text)])
    expect([r.code, r.stdout]).toEqual([0, '46 events, 0 problems (7 streams; hash chain: unchained)\n'])
  })
})

describe('an EventStoreDB server that cannot be reached', () => {
  // Loopback only: a port where no server listens is refused at once.
  const url = 'esdb://127.0.0.1:1?tls=false'

  it('says in one clean sentence which server and what to check', async () => {
    const r = await cli(['export', '--store', url])
    expect(r.code).toBe(1)
    const message = oneLine(r)
    expect(message).not.toMatch(/Resolution note|UNAVAILABLE|Last error/)
    expect(message).toMatch(
      /^soutien export: EventStoreDB at esdb:\/\/127\.0\.0\.1:1 is unavailable \(read \$all\): the connection was refused; check that the server is running and listens at that address/,
    )
    expect(message).not.toMatch(/[:;,]$/)
  })

  it('never prints the credentials of the connection string, and names the server once', async () => {
    const r = await cli(['sla', '--store', 'esdb://admin:s3cret@127.0.0.1:1?tls=false'])
    expect(r.code).toBe(1)
    const message = oneLine(r)
    expect(message).not.toMatch(/s3cret|admin/)
    expect(message).toMatch(/^soutien sla: EventStoreDB at esdb:\/\/127\.0\.0\.1:1 is unavailable/)
    expect(message.split('127.0.0.1:1').length).toBe(2)
  })

  it('says what to check for each way of failing, and never ends on a cut label', () => {
    const grpc = (message: string) => Object.assign(new Error(message), { code: 14, details: message })
    const at = (err: unknown) =>
      toStoreError(err, { server: 'esdb://db:2113', operation: 'read $all' }).message
    expect(at(grpc('14 UNAVAILABLE: Name resolution failed for target dns:db:2113'))).toBe(
      'EventStoreDB at esdb://db:2113 is unavailable (read $all): its host name could not be resolved; check the host name in the connection string and the DNS',
    )
    expect(at(new Error('Failed to discover after 10 attempts.'))).toMatch(
      /^EventStoreDB at esdb:\/\/db:2113 is unavailable \(read \$all\): no node of the cluster answered; check/,
    )
    expect(
      at(grpc('14 UNAVAILABLE: No connection established. Last error: Error: handshake. Resolution note: ')),
    ).toMatch(/: no connection could be established; check that the server is running/)
    // A text not about reaching the server is kept, without a dangling label.
    expect(at(grpc('14 UNAVAILABLE: Server shutting down. Resolution note: '))).toBe(
      'EventStoreDB at esdb://db:2113 is unavailable (read $all): 14 UNAVAILABLE: Server shutting down',
    )
  })
})

describe('the summary simulate prints', () => {
  it('is the one the README and docs/cli.md show for their command, in good English', async () => {
    const out = join(dir, 'month.ndjson')
    const r = await cli(['simulate', '--seed', '7', '--tickets', '2000', '--days', '30', '--out', out])
    expect(r.code).toBe(0)
    const printed = r.stdout.split('\n')[0]
    expect(printed).toMatch(/\(1 major incident, /)
    for (const doc of ['README.md', 'docs/cli.md']) {
      const lines = readFileSync(doc, 'utf8').split('\n')
      const at = lines.findIndex((l) =>
        l.includes('simulate --seed 7 --tickets 2000 --days 30 --out month.ndjson'),
      )
      expect(at, doc).toBeGreaterThan(-1)
      expect(lines[at + 1], doc).toBe(printed)
    }
  })
})
