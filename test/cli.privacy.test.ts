import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from './support/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-privacy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('simulate --protect, then forget, through the CLI', () => {
  it('stores personal fields encrypted, reads them decrypted, and erases a forgotten user everywhere', async () => {
    const db = join(dir, 'p.db')
    const sim = await cli(['simulate', '--tickets', '60', '--seed', '4', '--store', db, '--protect'])
    expect(sim.code, sim.stderr).toBe(0)
    // At rest, the summary is ciphertext bound to the requester.
    const raw = new Database(db, { readonly: true })
    const row = raw.prepare("SELECT data FROM events WHERE type = 'TicketOpened' LIMIT 1").get() as {
      data: string
    }
    raw.close()
    const opened = JSON.parse(row.data) as { ticketId: string; requesterId: string; summary: string }
    expect(opened.summary).toMatch(/^enc:v1:user:/)

    const before = await cli(['trace', opened.ticketId, '--store', db])
    expect(before.code, before.stderr).toBe(0)
    expect(before.stdout).toContain(`reported by ${opened.requesterId}`)
    const reportBefore = await cli(['report', '--store', db, '--format', 'json'])

    // A mistyped id is refused: it must not look like a successful erasure.
    const typo = await cli(['forget', `${opened.requesterId}x`, '--store', db])
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain('nothing was forgotten')

    const forgot = await cli(['forget', opened.requesterId, '--store', db])
    expect(forgot.code, forgot.stderr).toBe(0)

    const after = await cli(['trace', opened.ticketId, '--store', db])
    expect(after.stdout).toContain('[erased]')
    expect(after.stdout).not.toContain(`reported by ${opened.requesterId}`)
    // Management's figures need no personal field: identical after forgetting.
    const reportAfter = await cli(['report', '--store', db, '--format', 'json'])
    expect(reportAfter.stdout).toBe(reportBefore.stdout)
    // The chain was computed over the ciphertext: it still verifies.
    const verify = await cli(['verify', '--store', db])
    expect(verify.code, verify.stdout).toBe(0)
    expect(verify.stdout).toMatch(/0 problems/)
  })

  it('refuses --protect without a SQLite store', async () => {
    const r = await cli(['simulate', '--tickets', '5', '--protect'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--protect goes with --store')
  })
})
