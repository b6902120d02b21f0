/**
 * Catch-up-then-live subscriptions built on `readAll` and a wake-up signal:
 * shared by the adapters that have no native subscription (memory, SQLite).
 */
import type { RecordedEvent } from '../domain/envelope.js'
import type { ReadAllOptions, SubscribeOptions, Subscription } from './port.js'

export const matchesPrefixes = (stream: string, prefixes: readonly string[] | undefined): boolean =>
  prefixes === undefined || prefixes.some((p) => stream.startsWith(p))

/**
 * Deliver every event after `options.after`, one at a time and awaited, then
 * wait for `listen`'s wake-up (or `pollMs`) and read again from the checkpoint.
 */
export const subscribeByPolling = (
  readAll: (o: ReadAllOptions) => AsyncIterable<RecordedEvent>,
  handler: (e: RecordedEvent) => void | Promise<void>,
  options: SubscribeOptions,
  listen: (wake: () => void) => () => void,
  pollMs?: number,
): Subscription => {
  let checkpoint = options.after ?? -1
  let closed = false
  let wake: (() => void) | undefined
  let pending = false
  const signal = () => {
    pending = true
    wake?.()
  }
  const unlisten = listen(signal)
  let resolveCaughtUp!: () => void
  const caughtUp = new Promise<void>((r) => {
    resolveCaughtUp = r
  })
  let timer: ReturnType<typeof setTimeout> | undefined
  const loop = (async () => {
    let first = true
    while (!closed) {
      pending = false
      const base: ReadAllOptions = { after: checkpoint }
      const o =
        options.streamPrefixes === undefined ? base : { ...base, streamPrefixes: options.streamPrefixes }
      for await (const e of readAll(o)) {
        if (closed) return
        await handler(e)
        checkpoint = e.position
      }
      if (first) {
        first = false
        resolveCaughtUp()
      }
      if (closed || pending) continue
      await new Promise<void>((r) => {
        wake = r
        // Polling is only the fallback for writers we are not told about
        // (another process): it must never keep the process alive.
        if (pollMs !== undefined) {
          timer = setTimeout(r, pollMs)
          timer.unref?.()
        }
      })
      // A wake-up by signal leaves the poll timer pending: clear it, or a busy
      // writer would pile up one timer per append.
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      wake = undefined
    }
  })()
    .catch((err: unknown) => {
      closed = true
      if (options.onError) options.onError(err)
    })
    .finally(() => {
      // Closed before catching up, or failed: nobody must wait forever on caughtUp.
      resolveCaughtUp()
      unlisten()
      if (timer !== undefined) clearTimeout(timer)
    })
  return {
    caughtUp,
    close: async () => {
      closed = true
      unlisten()
      wake?.()
      // (A handler must not await the close of its own subscription: it would wait for itself.)
      await loop
    },
  }
}
