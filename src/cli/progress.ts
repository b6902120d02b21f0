/**
 * A progress bar on stderr, only when stderr is a terminal and the work has
 * already taken more than a second; silent otherwise (stderr carries only errors).
 */
export interface Progress {
  readonly tick: (done: number, total?: number) => void
  readonly done: () => void
}

export const createProgress = (
  label: string,
  stderr: NodeJS.WriteStream | { isTTY?: boolean; write: (s: string) => unknown },
  now: () => number = () => performance.now(),
): Progress => {
  const enabled = stderr.isTTY === true
  const start = now()
  let last = 0
  let shown = false
  return {
    tick: (done, total) => {
      if (!enabled) return
      const t = now()
      if (t - start < 1000 || t - last < 100) return
      last = t
      shown = true
      const rate = Math.round(done / ((t - start) / 1000))
      if (total !== undefined && total > 0) {
        const frac = Math.min(1, done / total)
        const width = 30
        const full = Math.round(frac * width)
        stderr.write(
          `\r${label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(frac * 100).toFixed(0)}% ${done}/${total} (${rate}/s)`,
        )
      } else stderr.write(`\r${label} ${done} (${rate}/s)`)
    },
    done: () => {
      if (shown) stderr.write('\r\x1b[K')
    },
  }
}
