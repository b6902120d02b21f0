/** Run the `soutien` CLI in-process with in-memory streams (no child process). */
import { Readable, Writable } from 'node:stream'
import type { CliIO } from '../../src/cli/io.js'
import { main } from '../../src/cli/main.js'

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const collector = () => {
  let text = ''
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk)
      cb()
    },
  })
  return { stream, text: () => text }
}

export const cli = async (argv: readonly string[], stdin = ''): Promise<Run> => {
  const out = collector()
  const err = collector()
  const io: CliIO = { stdout: out.stream, stderr: err.stream, stdin: Readable.from([stdin]), env: {} }
  const code = await main(argv, io)
  return { code, stdout: out.text(), stderr: err.text() }
}
