/** A binary min-heap of scheduled steps, ordered by time then by insertion (deterministic). */
export interface Scheduled<T> {
  readonly at: number
  readonly seq: number
  readonly value: T
}

export const createHeap = <T>() => {
  const xs: Scheduled<T>[] = []
  let seq = 0
  const less = (a: Scheduled<T>, b: Scheduled<T>) => a.at < b.at || (a.at === b.at && a.seq < b.seq)
  const push = (at: number, value: T) => {
    const item = { at, seq: seq++, value }
    xs.push(item)
    let i = xs.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(xs[i]!, xs[p]!)) break
      const up = xs[p]!
      xs[p] = xs[i]!
      xs[i] = up
      i = p
    }
  }
  const pop = (): Scheduled<T> | undefined => {
    const top = xs[0]
    const last = xs.pop()
    if (xs.length > 0 && last !== undefined) {
      xs[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < xs.length && less(xs[l]!, xs[m]!)) m = l
        if (r < xs.length && less(xs[r]!, xs[m]!)) m = r
        if (m === i) break
        const down = xs[m]!
        xs[m] = xs[i]!
        xs[i] = down
        i = m
      }
    }
    return top
  }
  return { push, pop, peek: () => xs[0], size: () => xs.length }
}
