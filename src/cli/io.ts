/** The streams a CLI command works with (injected, so tests run commands in-process). */
import type { Readable, Writable } from 'node:stream'

export interface CliIO {
  readonly stdout: Writable & { isTTY?: boolean }
  readonly stderr: Writable & { isTTY?: boolean }
  readonly stdin: Readable
  readonly env: Readonly<Record<string, string | undefined>>
}

export interface CliCommand {
  readonly name: string
  readonly summary: string
  /** Full help text, printed by `soutien <name> --help`. */
  readonly help: string
  readonly run: (args: readonly string[], io: CliIO) => Promise<number>
}

/** Write to a stream and wait for it to drain (large outputs, pipes). */
export const writeOut = (w: Writable, s: string): Promise<void> =>
  new Promise((resolve, reject) => {
    if (w.write(s)) resolve()
    else {
      w.once('drain', resolve)
      w.once('error', reject)
    }
  })
