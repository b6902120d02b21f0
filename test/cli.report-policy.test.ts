/** `report --format json` records which --policy file judged the clocks (null without one). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from './support/cli.js'
import { POLICY, sampleNdjson } from './support/cli-history.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-report-policy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('soutien report --format json', () => {
  it('says which policy judged the clocks, right after asOf', async () => {
    const history = join(dir, 'history.ndjson')
    writeFileSync(history, sampleNdjson())
    const policy = join(dir, 'two-hours.json')
    writeFileSync(policy, JSON.stringify({ ...POLICY, responseTarget: 'PT2H' }))
    const judged = await cli(['report', history, '--format', 'json', '--policy', policy])
    expect(judged.code, judged.stderr).toBe(0)
    const j = JSON.parse(judged.stdout)
    expect(Object.keys(j).slice(0, 4)).toEqual(['period', 'asOf', 'policy', 'overall'])
    expect(j.policy).toEqual({ file: policy, value: { ...POLICY, responseTarget: 'PT2H' } })
    const actual = JSON.parse((await cli(['report', history, '--format', 'json'])).stdout)
    expect(actual.policy).toBeNull()
    expect(Object.keys(actual)).toEqual(Object.keys(j))
  })
})
