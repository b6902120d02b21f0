import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalInstantMs, IsoInstant, memoizedInstantMs, toInstant } from '../src/domain/codec.js'
import { getOwn, parseInstant, setOwn } from '../src/projections/policy-history.js'

// Instants of years 0000–9999, as `IsoInstant` writes them.
const instantMsArb = fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 })
const iso = (ms: number): string => toInstant(ms)

describe('the one-entry instant memo', () => {
  it('gives every parser the same ms whether or not the string was just parsed', () => {
    fc.assert(
      fc.property(fc.array(instantMsArb, { minLength: 1, maxLength: 8 }), (mss) => {
        for (const ms of mss) {
          const s = iso(ms)
          // A fresh copy of the string, as the next event's `at` would be.
          const copy = `${s.slice(0, 10)}${s.slice(10)}`
          expect(parseInstant(copy)).toBe(Date.parse(s))
          expect(canonicalInstantMs(s)).toBe(Date.parse(s))
          expect(memoizedInstantMs(copy)).toBe(Date.parse(s))
          expect(parseInstant(s)).toBe(Date.parse(s))
          expect(IsoInstant.is(s)).toBe(true)
        }
      }),
    )
  })

  it('never answers for another string, nor remembers a refused one', () => {
    const good = '2026-03-02T09:15:00.000Z'
    expect(canonicalInstantMs(good)).toBe(Date.parse(good))
    expect(memoizedInstantMs('2026-03-02T09:15:00.001Z')).toBeNaN()
    // Refused by IsoInstant (no 30 February), but the memo still holds `good` only.
    const bad = '2026-02-30T09:15:00.000Z'
    expect(IsoInstant.is(bad)).toBe(false)
    expect(canonicalInstantMs(bad)).toBeNaN()
    expect(memoizedInstantMs(bad)).toBeNaN()
    // parseInstant keeps its own reading of such a string (Date.UTC rolls it over).
    expect(parseInstant(bad)).toBe(Date.UTC(2026, 1, 30, 9, 15))
    expect(memoizedInstantMs(good)).toBe(Date.parse(good))
    expect(IsoInstant.is('2026-03-02T09:15:00.000Z\n')).toBe(false)
    expect(IsoInstant.is('')).toBe(false)
  })
})

describe('getOwn', () => {
  it('reads own keys only, with or without a prototype', () => {
    const bare: Record<string, number> = Object.create(null)
    setOwn(bare, '__proto__', 1)
    setOwn(bare, 'a', 2)
    const restored = JSON.parse(JSON.stringify({ a: 2, ['__proto__']: 1 })) as Record<string, number>
    for (const d of [bare, restored]) {
      expect(getOwn(d, 'a')).toBe(2)
      expect(getOwn(d, 'constructor')).toBeUndefined()
      expect(getOwn(d, 'toString')).toBeUndefined()
      expect(getOwn(d, 'b')).toBeUndefined()
    }
    expect(getOwn(bare, '__proto__')).toBe(1)
  })
})
