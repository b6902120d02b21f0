/**
 * Durability, for real: a child process appends batches to a SQLite file and
 * is killed with SIGKILL in the middle of its work. Reopening must find only
 * whole appends, every acknowledged one among them, and a store that works.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordedEvent } from '../src/domain/envelope.js'
import { openSqliteStore } from '../src/store/sqlite.js'
import { ticketOpened } from './support/store-conformance.js'

const dir = mkdtempSync(join(tmpdir(), 'soutien-durability-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const root = fileURLToPath(new URL('..', import.meta.url))
const writer = fileURLToPath(new URL('./support/sqlite-writer.ts', import.meta.url))
const PER_BATCH = 12
const STREAMS = 3

/** Run the writer until it has acknowledged `acknowledgements` appends, then SIGKILL it. */
const runAndKill = (path: string, acknowledgements: number, clients = 1): Promise<number[]> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', writer, path, String(PER_BATCH), String(STREAMS), String(clients)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const acknowledged: number[] = []
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^appended (\d+)$/.exec(line)
      if (m === null) return
      acknowledged.push(Number(m[1]))
      if (acknowledged.length === acknowledgements) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged)
      else reject(new Error(`the writer stopped by itself (code ${code}): ${stderr}`))
    })
  })

const readBack = async (path: string) => {
  const opened = openSqliteStore(path)
  if (isLeft(opened)) throw new Error(opened.left.message)
  const store = opened.right
  const events: RecordedEvent[] = []
  for await (const e of store.readAll()) events.push(e)
  return { store, events }
}

describe('SQLite durability', () => {
  // With several clients, appends are committed in groups (one fsync for
  // several): still, every acknowledged one must be there, whole. At most the
  // appends in flight (one per client) and the acknowledgements written but not
  // yet read when the kill came (at most a group) are there unacknowledged.
  it.each([
    { clients: 1, file: 'killed.db' },
    { clients: 4, file: 'killed-group.db' },
  ])(
    'keeps only whole appends, and every acknowledged one, across SIGKILLs ($clients client(s))',
    async ({ clients, file }) => {
      const path = join(dir, file)
      const acknowledged: number[] = []
      for (const round of [6, 12]) {
        acknowledged.push(...(await runAndKill(path, round, clients)))
        const { store, events } = await readBack(path)

        // Positions: the global order, without holes or repetitions.
        expect(events.map((e) => e.position)).toEqual(events.map((_, i) => i))
        // Revisions contiguous from 0 in each stream, and readStream agrees with readAll.
        const streams = [...new Set(events.map((e) => e.stream))]
        for (const s of streams) {
          const ofStream = events.filter((e) => e.stream === s)
          expect(ofStream.map((e) => e.revision)).toEqual(ofStream.map((_, i) => i))
          const read = await store.readStream(s)()
          expect(isRight(read) && read.right).toEqual(ofStream)
        }
        // Every batch complete or absent; every acknowledged batch present.
        const sizes = new Map<string, number>()
        for (const e of events)
          if (e.meta.commandId !== undefined)
            sizes.set(e.meta.commandId, (sizes.get(e.meta.commandId) ?? 0) + 1)
        for (const [batch, size] of sizes) expect(size, batch).toBe(PER_BATCH)
        for (const n of acknowledged) expect(sizes.has(`batch-${n}`), `batch-${n}`).toBe(true)
        // Alone, at most the one append in flight when the kill came got in unacknowledged.
        expect(sizes.size - acknowledged.length).toBeGreaterThanOrEqual(0)
        expect(sizes.size - acknowledged.length).toBeLessThanOrEqual(clients === 1 ? 1 : 2 * clients)

        // The store still works: an append after the crash lands right after.
        const probe = `ticket-probe${round}`
        const more = await store.append(
          probe,
          [{ ...ticketOpened(`probe${round}`), meta: {} }],
          'no-stream',
        )()
        expect(more).toEqual({ _tag: 'Right', right: { nextExpectedRevision: 0, position: events.length } })
        await store.dispose()
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(6 + 12)
    },
  )
})
