/**
 * Each way of altering a chained history, and what the chain check names: the
 * kind of alteration and each broken stream's first broken event, by line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import type { CliIO } from '../src/cli/io.js'
import { main } from '../src/cli/main.js'
import type { RecordedEvent } from '../src/domain/envelope.js'
import {
  type ChainProblem,
  checkChains,
  createManifestBuilder,
  eventHash,
  type Manifest,
  manifestText,
  sealEvents,
  writtenEventOf,
} from '../src/domain/hash-chain.js'
import { chainHistory, linesOf } from './support/chained.js'
import { sampleEvents, sampleLines } from './support/cli-history.js'

const chained = chainHistory(sampleEvents())
const original = linesOf(chained)
type Json = Record<string, unknown> & { meta: Record<string, unknown>; data: Record<string, unknown> }
const parse = (l: string): Json => JSON.parse(l) as Json

const manifest = (() => {
  const b = createManifestBuilder()
  for (const e of chained) b.add(e)
  return b.build()
})()

const check = (lines: readonly string[], m?: Manifest) =>
  checkChains(
    lines.map((l, i) => ({ event: writtenEventOf(JSON.parse(l))!, where: { line: i + 1 } })),
    m === undefined ? {} : { manifest: m },
  )

/** 1-based line of the event of `stream` at `revision` in `lines`. */
const lineAt = (lines: readonly string[], stream: string, revision: number): number =>
  lines.findIndex((l) => {
    const j = parse(l)
    return j.stream === stream && j.revision === revision
  }) + 1

const idAt = (stream: string, revision: number): string =>
  (chained.find((e) => e.stream === stream && e.revision === revision) as RecordedEvent).id

const only = (problems: readonly ChainProblem[]): ChainProblem => {
  expect(problems).toHaveLength(1)
  return problems[0] as ChainProblem
}

const rehash = (j: Json): Json => {
  const { hash: _h, ...meta } = j.meta
  const w = writtenEventOf({ ...j, meta })!
  return { ...j, meta: { ...meta, hash: eventHash(w) } }
}

const T1 = 'ticket-T-1'
const T2 = 'ticket-T-2'

describe('a chained history', () => {
  it('is clean, chained in every stream, and agrees with its manifest', () => {
    const r = check(original, manifest)
    expect(r.problems).toEqual([])
    expect(r.status).toBe('chained')
    expect(r.summary).toMatchObject({ chained: r.summary.streams, broken: 0, manifest: { notInManifest: 0 } })
  })
})

describe('tampering, and the first broken event of each stream', () => {
  it('a changed field: the event whose content no longer matches its hash', () => {
    const lines = [...original]
    const n = lineAt(lines, T1, 1)
    const j = parse(lines[n - 1] as string)
    lines[n - 1] = JSON.stringify({ ...j, data: { ...j.data, priority: 'P1' } })
    const p = only(check(lines).problems)
    expect(p).toMatchObject({ kind: 'altered', stream: T1, line: n, eventId: idAt(T1, 1), revision: 1 })
    expect(p.message).toMatch(/altered after it was written/)
  })

  it('a changed field, re-hashed: the next event, whose link no longer matches', () => {
    const lines = [...original]
    const n = lineAt(lines, T1, 1)
    const j = parse(lines[n - 1] as string)
    lines[n - 1] = JSON.stringify(rehash({ ...j, data: { ...j.data, priority: 'P1' } }))
    const p = only(check(lines).problems)
    expect(p).toMatchObject({
      kind: 'relinked',
      stream: T1,
      line: lineAt(lines, T1, 2),
      eventId: idAt(T1, 2),
    })
  })

  it('a removed event: the event after the hole', () => {
    const lines = original.filter((_, i) => i + 1 !== lineAt(original, T1, 2))
    const p = only(check(lines).problems)
    expect(p).toMatchObject({ kind: 'removed', stream: T1, line: lineAt(lines, T1, 3), eventId: idAt(T1, 3) })
    expect(p.message).toMatch(/revision 2 is missing/)
  })

  it('a removed event, the rest renumbered: the first event that no longer matches', () => {
    const cut = lineAt(original, T1, 2)
    const lines = original
      .filter((_, i) => i + 1 !== cut)
      .map((l) => {
        const j = parse(l)
        return j.stream === T1 && (j.revision as number) > 2
          ? JSON.stringify({ ...j, revision: (j.revision as number) - 1 })
          : l
      })
    const p = only(check(lines).problems)
    expect(p).toMatchObject({ kind: 'altered', stream: T1, line: cut, eventId: idAt(T1, 3) })
  })

  it('an inserted event, correctly hashed: the intruder, found by the next event', () => {
    const n = lineAt(original, T1, 1)
    const prev = chained.find((e) => e.stream === T1 && e.revision === 1) as RecordedEvent
    const [x] = sealEvents(T1, prev, 2, [
      {
        ...prev,
        id: 'intruder',
        type: 'TicketQualified',
        data: { kind: 'incident', domain: 'office', priority: 'P4' },
      },
    ] as never)
    const intruder = JSON.stringify({ ...(x as object), stream: T1, revision: 2, position: prev.position })
    const lines = [...original.slice(0, n), intruder, ...original.slice(n)]
    const p = only(check(lines).problems)
    expect(p).toMatchObject({ kind: 'inserted', stream: T1, line: n + 1, eventId: 'intruder' })
  })

  it('an inserted event with the rest renumbered: still the intruder', () => {
    const n = lineAt(original, T1, 1)
    const prev = chained.find((e) => e.stream === T1 && e.revision === 1) as RecordedEvent
    const [x] = sealEvents(T1, prev, 2, [{ ...prev, id: 'intruder' }] as never)
    const intruder = JSON.stringify({ ...(x as object), stream: T1, revision: 2, position: prev.position })
    const shifted = original.map((l) => {
      const j = parse(l)
      return j.stream === T1 && (j.revision as number) >= 2
        ? JSON.stringify({ ...j, revision: (j.revision as number) + 1 })
        : l
    })
    const lines = [...shifted.slice(0, n), intruder, ...shifted.slice(n)]
    expect(only(check(lines).problems)).toMatchObject({ kind: 'inserted', line: n + 1, eventId: 'intruder' })
  })

  it('a copied line: the copy, an event that appears twice', () => {
    const n = lineAt(original, T1, 2)
    const lines = [...original.slice(0, n), original[n - 1] as string, ...original.slice(n)]
    expect(only(check(lines).problems)).toMatchObject({
      kind: 'out-of-order',
      line: n + 1,
      eventId: idAt(T1, 2),
    })
  })

  it('two events swapped: the first of the two', () => {
    const a = lineAt(original, T1, 2)
    const b = lineAt(original, T1, 3)
    const lines = [...original]
    lines[a - 1] = original[b - 1] as string
    lines[b - 1] = original[a - 1] as string
    const p = only(check(lines).problems)
    expect(p).toMatchObject({ kind: 'swapped', stream: T1, line: a, eventId: idAt(T1, 3) })
    expect(p.message).toMatch(/swapped/)
  })

  it('a truncated stream end: unseen without the manifest, named against it', () => {
    const t2 = chained.filter((e) => e.stream === T2)
    const lastRevision = t2.length - 1
    const lines = original.filter((_, i) => i + 1 !== lineAt(original, T2, lastRevision))
    expect(check(lines).problems).toEqual([])
    const p = only(check(lines, manifest).problems)
    expect(p).toMatchObject({
      kind: 'truncated',
      stream: T2,
      line: lineAt(lines, T2, lastRevision - 1),
      eventId: idAt(T2, lastRevision - 1),
    })
    expect(p.message).toMatch(
      new RegExp(`manifest records revision ${lastRevision}: the last 1 event was removed`),
    )
  })

  it('a whole stream removed: named against the manifest', () => {
    const lines = original.filter((l) => parse(l).stream !== T2)
    expect(check(lines).problems).toEqual([])
    expect(only(check(lines, manifest).problems)).toMatchObject({ kind: 'truncated', stream: T2 })
  })

  it('a stream rewritten and re-hashed from the change on: only the manifest tells', () => {
    const t1 = chained.filter((e) => e.stream === T1)
    const forged = t1.map((e) =>
      e.revision === 1 ? { ...e, data: { ...e.data, priority: 'P1' } } : e,
    ) as RecordedEvent[]
    const resealed = sealEvents(T1, undefined, 0, forged).map((e, i) => ({
      ...e,
      stream: T1,
      revision: i,
      position: t1[i]?.position,
    }))
    const byId = new Map(resealed.map((e) => [e.id, JSON.stringify(e)]))
    const lines = original.map((l) => byId.get(parse(l).id as string) ?? l)
    expect(check(lines).problems).toEqual([])
    const last = t1.length - 1
    expect(only(check(lines, manifest).problems)).toMatchObject({
      kind: 'rewritten',
      stream: T1,
      line: lineAt(lines, T1, last),
    })
  })

  it('a hash removed in a chained stream: partly chained', () => {
    const lines = [...original]
    const n = lineAt(lines, T1, 2)
    const j = parse(lines[n - 1] as string)
    const { hash: _h, ...meta } = j.meta
    lines[n - 1] = JSON.stringify({ ...j, meta })
    expect(only(check(lines).problems)).toMatchObject({ kind: 'unhashed', line: n, eventId: idAt(T1, 2) })
  })

  it('the first event stripped of its hash: named by the event chained to it', () => {
    const lines = [...original]
    const n = lineAt(lines, T1, 0)
    const j = parse(lines[n - 1] as string)
    const { hash: _h, ...meta } = j.meta
    lines[n - 1] = JSON.stringify({ ...j, meta })
    expect(only(check(lines).problems)).toMatchObject({ kind: 'unhashed', line: n, eventId: idAt(T1, 0) })
  })

  it('several streams altered: one problem per stream, at its first broken event', () => {
    const lines = [...original]
    for (const [stream, revision] of [
      [T1, 1],
      [T1, 3],
      [T2, 2],
    ] as const) {
      const n = lineAt(lines, stream, revision)
      const j = parse(lines[n - 1] as string)
      lines[n - 1] = JSON.stringify({ ...j, at: '2026-03-31T00:00:00.000Z' })
    }
    const r = check(lines)
    expect(r.problems.map((p) => [p.stream, p.revision, p.line])).toEqual([
      [T1, 1, lineAt(lines, T1, 1)],
      [T2, 2, lineAt(lines, T2, 2)],
    ])
    expect(r.summary.broken).toBe(2)
  })
})

describe('histories written before hashing', () => {
  it('are unchained, not corrupt', () => {
    const r = check(sampleLines())
    expect(r.problems).toEqual([])
    expect(r.status).toBe('unchained')
    expect(r.summary).toMatchObject({ unchained: r.summary.streams, chained: 0, hashedEvents: 0 })
  })

  it('may be continued with a chain that starts later in a stream', () => {
    const legacy = sampleEvents()
    const t1 = legacy.filter((e) => e.stream === T1)
    const cut = 3
    const continued = sealEvents(T1, t1[cut - 1], cut, t1.slice(cut)).map((e, i) => ({
      ...e,
      stream: T1,
      revision: cut + i,
    }))
    const byId = new Map(continued.map((e) => [e.id, e]))
    const lines = linesOf(legacy.map((e) => (byId.get(e.id) as RecordedEvent | undefined) ?? e))
    const r = check(lines)
    expect(r.problems).toEqual([])
    expect(r.summary.chainedLater).toBe(1)
  })
})

describe('soutien verify on a tampered history file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soutien-tamper-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const heads = join(dir, 'heads.json')
  writeFileSync(heads, manifestText(manifest))

  const verify = async (lines: readonly string[], ...options: string[]) => {
    const path = join(dir, `h-${Math.random().toString(36).slice(2)}.ndjson`)
    writeFileSync(path, `${lines.join('\n')}\n`)
    let out = ''
    const stdout = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk)
        cb()
      },
    })
    const io: CliIO = { stdout, stderr: stdout, stdin: Readable.from(['']), env: {} }
    const code = await main(['verify', path, ...options], io)
    return { code, out }
  }

  it('passes the intact history against its manifest', async () => {
    const r = await verify(original, '--manifest', heads)
    expect(r.out).toMatch(/ 0 problems /)
    expect(r.code).toBe(0)
  })

  it('exits 1 and names the first broken event of each broken stream, by line and id', async () => {
    const lines = [...original]
    const n = lineAt(lines, T1, 1)
    const j = parse(lines[n - 1] as string)
    lines[n - 1] = JSON.stringify({ ...j, data: { ...j.data, priority: 'P1' } })
    const t2Last = chained.filter((e) => e.stream === T2).length - 1
    const cut = lineAt(lines, T2, t2Last)
    const kept = lines.filter((_, i) => i + 1 !== cut)
    const r = await verify(kept, '--manifest', heads)
    expect(r.code).toBe(1)
    expect(r.out).toContain(`line ${n} (event ${idAt(T1, 1)}): hash chain: altered`)
    expect(r.out).toContain(
      `line ${lineAt(kept, T2, t2Last - 1)} (event ${idAt(T2, t2Last - 1)}): hash chain: truncated`,
    )
  })
})
