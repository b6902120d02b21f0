import { describe, expect, it } from 'vitest'
import { cli } from './support/cli.js'

describe('command-line usage errors', () => {
  it('refuses impossible dates instead of rolling them over', async () => {
    for (const d of ['2026-02-31', '2026-04-31T10:00:00Z', '2026-02-29']) {
      const r = await cli(['simulate', '--tickets', '1', '--start', d])
      expect(r.code, d).toBe(2)
      expect(r.stderr).toContain('is not a date of the calendar')
    }
  })

  it('says what is wrong in plain words, naming the command once', async () => {
    const unknown = await cli(['simulate', '--tickets', '1', '--bogus'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe("soutien simulate: unknown option --bogus. Try 'soutien simulate --help'.\n")
    const negative = await cli(['simulate', '--tickets', '1', '--seed', '-1'])
    expect(negative.stderr).toContain('--seed needs a value')
    const missing = await cli(['simulate', '--tickets'])
    expect(missing.stderr).toContain('--tickets needs a value')
    const required = await cli(['simulate'])
    expect(required.stderr).toMatch(/^soutien simulate: --tickets is required/)
  })
})
