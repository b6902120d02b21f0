/**
 * A binary min-heap of values scheduled at instants, ordered by time then by
 * insertion (deterministic): the simulator's agenda and the timers' wake-ups.
 */
export interface Scheduled<T> {
  readonly at: number
  readonly seq: number
  readonly value: T
}

/**
 * Kept as parallel arrays (times, insertion numbers, values) rather than one
 * object per step: a simulation schedules every arrival up front, and sifting
 * through tens of thousands of objects was most of a pop.
 */
export const createHeap = <T>() => {
  const ats: number[] = []
  const seqs: number[] = []
  const values: T[] = []
  let seq = 0
  const less = (i: number, k: number) => {
    const a = ats[i]!
    const b = ats[k]!
    return a < b || (a === b && seqs[i]! < seqs[k]!)
  }
  const swap = (i: number, k: number) => {
    const a = ats[i]!
    ats[i] = ats[k]!
    ats[k] = a
    const s = seqs[i]!
    seqs[i] = seqs[k]!
    seqs[k] = s
    const v = values[i]!
    values[i] = values[k]!
    values[k] = v
  }
  const push = (at: number, value: T) => {
    ats.push(at)
    seqs.push(seq++)
    values.push(value)
    for (let i = ats.length - 1; i > 0; ) {
      const p = (i - 1) >> 1
      if (!less(i, p)) break
      swap(i, p)
      i = p
    }
  }
  const pop = (): Scheduled<T> | undefined => {
    if (ats.length === 0) return undefined
    const top: Scheduled<T> = { at: ats[0]!, seq: seqs[0]!, value: values[0]! }
    const lastAt = ats.pop()!
    const lastSeq = seqs.pop()!
    const lastValue = values.pop()!
    const n = ats.length
    if (n > 0) {
      ats[0] = lastAt
      seqs[0] = lastSeq
      values[0] = lastValue
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < n && less(l, m)) m = l
        if (r < n && less(r, m)) m = r
        if (m === i) break
        swap(i, m)
        i = m
      }
    }
    return top
  }
  const peek = (): Scheduled<T> | undefined =>
    ats.length === 0 ? undefined : { at: ats[0]!, seq: seqs[0]!, value: values[0]! }
  /** The earliest value if it is due at or before `limit`, removed; else nothing. */
  const popUpTo = (limit: number): Scheduled<T> | undefined =>
    ats.length === 0 || ats[0]! > limit ? undefined : pop()
  const clear = (): void => {
    ats.length = 0
    seqs.length = 0
    values.length = 0
  }
  return { push, pop, popUpTo, peek, clear, size: () => ats.length }
}
