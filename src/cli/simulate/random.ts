/**
 * A small seeded PRNG (mulberry32) so a simulation is byte-for-byte
 * reproducible for a given seed, on any machine.
 */
export interface Random {
  /** Uniform in [0, 1). */
  readonly next: () => number
  /** Integer in [min, max]. */
  readonly int: (min: number, max: number) => number
  readonly chance: (p: number) => boolean
  readonly pick: <T>(xs: readonly T[]) => T
  /** Pick by weight: `[[value, weight], …]`. */
  readonly weighted: <T>(xs: readonly (readonly [T, number])[]) => T
  /** Exponential with the given mean. */
  readonly exponential: (mean: number) => number
}

export const createRandom = (seed: number): Random => {
  let a = seed >>> 0 || 0x9e3779b9
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (xs) => {
      if (xs.length === 0) throw new Error('pick from an empty list')
      return xs[Math.floor(next() * xs.length)] as (typeof xs)[number]
    },
    weighted: (xs) => {
      let total = 0
      for (const [, w] of xs) total += w
      let r = next() * total
      for (const [v, w] of xs) {
        r -= w
        if (r < 0) return v
      }
      return (xs[xs.length - 1] as (typeof xs)[number])[0]
    },
    exponential: (mean) => -Math.log(1 - next()) * mean,
  }
}

const HEX = '0123456789abcdef'
/** Two hex digits per byte value. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => `${HEX[i >> 4]}${HEX[i & 15]}`)

/**
 * Deterministic UUID-shaped ids (version 4 layout) drawn from the simulation's
 * PRNG: seven draws, each scaled to its group of hex digits. Printed from a
 * table of byte values rather than `toString(16)` and `padStart` per group
 * (~0.2 instead of ~0.9 µs an id, one per event); the same ids, draw for draw.
 */
export const createIdGenerator = (random: Random): (() => string) => {
  const next = random.next
  return () => {
    const a = Math.floor(next() * 4294967296) // 8 digits
    const b = Math.floor(next() * 65536) // 4
    const c = Math.floor(next() * 4096) // 3
    const variant = 8 + Math.floor(next() * 4)
    const d = Math.floor(next() * 4096) // 3
    const f = Math.floor(next() * 16777216) // 6
    const g = Math.floor(next() * 16777216) // 6
    return `${HEX2[a >>> 24]}${HEX2[(a >>> 16) & 255]}${HEX2[(a >>> 8) & 255]}${HEX2[a & 255]}-${HEX2[b >> 8]}${HEX2[b & 255]}-4${HEX[c >> 8]}${HEX2[c & 255]}-${HEX[variant]}${HEX[d >> 8]}${HEX2[d & 255]}-${HEX2[f >> 16]}${HEX2[(f >> 8) & 255]}${HEX2[f & 255]}${HEX2[g >> 16]}${HEX2[(g >> 8) & 255]}${HEX2[g & 255]}`
  }
}
