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

/** Deterministic UUID-shaped ids (version 4 layout) drawn from the simulation's PRNG. */
export const createIdGenerator = (random: Random): (() => string) => {
  const hex = (n: number) =>
    Math.floor(random.next() * 16 ** n)
      .toString(16)
      .padStart(n, '0')
  return () =>
    `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(random.next() * 4)).toString(16)}${hex(3)}-${hex(6)}${hex(6)}`
}
