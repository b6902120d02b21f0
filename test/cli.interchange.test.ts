import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from './support/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-interchange-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('soutien simulate / import / export', () => {
  it('round-trips a history byte for byte, and says why a second import is refused', async () => {
    const file = join(dir, 'h.ndjson')
    expect((await cli(['simulate', '--tickets', '40', '--seed', '2', '--out', file])).code).toBe(0)
    const db = join(dir, 'h.db')
    const imported = await cli(['import', file, '--store', db])
    expect(imported.code, imported.stderr).toBe(0)
    const again = join(dir, 'again.ndjson')
    expect((await cli(['export', '--store', db, '--out', again])).code).toBe(0)
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(file, 'utf8'))

    const twice = await cli(['import', file, '--store', db])
    expect(twice.code).toBe(1)
    expect(twice.stderr).toContain('already holds events')
    expect(twice.stderr).toContain('Nothing was imported.')
    const sim = await cli(['simulate', '--tickets', '3', '--store', db])
    expect(sim.code).toBe(1)
    expect(sim.stderr).toContain('already holds events')
    expect(sim.stderr).not.toContain('soutien-sim-') // no temporary path in the message
  })

  it('leaves no store behind when an import into a new path is refused', async () => {
    const bad = join(dir, 'bad.ndjson')
    writeFileSync(bad, '{"not": "an event"}\n')
    const db = join(dir, 'never.db')
    const r = await cli(['import', bad, '--store', db])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('line 1')
    expect(existsSync(db)).toBe(false)
  })

  it('names a missing file in one friendly line', async () => {
    const r = await cli(['import', join(dir, 'nope.ndjson'), '--store', join(dir, 'x.db')])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('no such file')
  })
})
