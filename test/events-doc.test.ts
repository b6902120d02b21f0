import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderEventsDoc } from '../scripts/events-doc.js'

describe('docs/events.md', () => {
  it('is the reference generated from the codecs (run `npx tsx scripts/events-doc.ts` after changing events)', () => {
    const doc = readFileSync(new URL('../docs/events.md', import.meta.url), 'utf8')
    expect(doc).toBe(renderEventsDoc())
  })
})
