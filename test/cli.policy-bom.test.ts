/**
 * A --policy file written with a byte-order mark is read by every command
 * that takes one (report, sla, trace, what-if): they share one loader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from './support/cli.js'
import { POLICY, sampleNdjson } from './support/cli-history.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-policy-bom-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('--policy files with a byte-order mark', () => {
  it('are read by report, sla, trace and what-if alike', async () => {
    const history = join(dir, 'history.ndjson')
    writeFileSync(history, sampleNdjson())
    const plain = join(dir, 'policy.json')
    writeFileSync(plain, JSON.stringify(POLICY))
    const bom = join(dir, 'bom-policy.json')
    writeFileSync(bom, `\uFEFF${JSON.stringify(POLICY)}`)
    for (const args of [
      ['report', history],
      ['sla', history],
      ['trace', 'T-1', history],
      ['what-if', history],
    ]) {
      const withBom = await cli([...args, '--policy', bom])
      expect(withBom.code, `${args[0]}: ${withBom.stderr}`).toBe(0)
      const without = await cli([...args, '--policy', plain])
      expect(withBom.stdout.replaceAll(bom, plain)).toBe(without.stdout)
    }
  })
})
