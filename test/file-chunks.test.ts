import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fileChunks, readHistoryFile } from '../src/store/ndjson.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-chunks-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Every chunk copied as it comes: the reader reuses one buffer, so a chunk is only valid until the next. */
const readAll = async (path: string, size?: number): Promise<Buffer> => {
  const parts: Buffer[] = []
  for await (const chunk of fileChunks(path, size)) parts.push(Buffer.from(chunk))
  return Buffer.concat(parts)
}

describe('fileChunks', () => {
  it('gives back every byte of a file, across chunk boundaries and a short last chunk', async () => {
    const bytes = Buffer.from(Array.from({ length: 10_007 }, (_, i) => (i * 31 + 7) % 256))
    const path = join(dir, 'bytes.bin')
    writeFileSync(path, bytes)
    for (const size of [1, 7, 1024, 10_007, 65_536])
      expect((await readAll(path, size)).equals(bytes)).toBe(true)
  })

  it('gives nothing for an empty file', async () => {
    const path = join(dir, 'empty')
    writeFileSync(path, '')
    expect((await readAll(path)).length).toBe(0)
  })

  it('reuses one buffer: a chunk kept past the next read is overwritten (why readers consume it at once)', async () => {
    const path = join(dir, 'ab')
    writeFileSync(path, 'aaaabbbb')
    const kept: Buffer[] = []
    for await (const chunk of fileChunks(path, 4)) kept.push(chunk)
    expect(kept.map((c) => c.toString())).toEqual(['bbbb', 'bbbb'])
  })

  it('reads a named pipe as a stream', async () => {
    const fifo = join(dir, 'pipe')
    execFileSync('mkfifo', [fifo])
    // The writer is another process: opening a FIFO blocks until both of its ends are open.
    const writer = spawn('sh', ['-c', `printf '{"hello":"pipe"}' > "${fifo}"`])
    const exited = once(writer, 'exit')
    const text = (await readAll(fifo)).toString()
    await exited
    expect(text).toBe('{"hello":"pipe"}')
  })

  it('fails on a directory with a message naming the failure, through the history reader', async () => {
    const failure = async () => {
      for await (const _ of readHistoryFile(dir)) {
        // nothing: the read must fail first
      }
    }
    await expect(failure()).rejects.toThrow(/cannot read .*EISDIR/)
  })
})
