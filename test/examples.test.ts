import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const run = (file: string) =>
  execFileSync(process.execPath, ['--import', 'tsx', file], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
    env: { ...process.env, SOUTIEN_REAL_CLOCK: '' },
  })

describe('examples/embed.ts', () => {
  it('wires a store, a clock and the handler, and shows refusals and idempotency', () => {
    const out = run('examples/embed.ts')
    expect(out).toContain('opened ticket-T-1 at revision 0')
    expect(out).toContain('the same request retried: nothing appended, original outcome returned')
    expect(out).toMatch(/malformed input refused: .*channel: expected .*got "fax"/)
    expect(out).toContain(
      'refused: ticket T-1 cannot be closed: the user has not been told how it was restored [UserNotToldOfRestoration]',
    )
    expect(out).toContain('CloseTicket → TicketClosed')
  })
})
