import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

/** The names the README's "Public API" section lists in backticks (identifiers only, not `src/index.ts` and the like). */
const namesInReadme = (): string[] => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf('## Public API')
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end)
  return [...section.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]!)
}

/** Exported names of the entry point's source, types included (types do not exist at run time). */
const exportedInSource = (): Set<string> => {
  const source = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8')
  const names = new Set<string>()
  for (const block of source.matchAll(/export (?:type )?\{([^}]*)\}/g))
    for (const item of block[1]!.split(','))
      names.add(
        item
          .trim()
          .replace(/^type /, '')
          .split(/\s+as\s+/)
          .pop()!,
      )
  for (const m of source.matchAll(/export (?:const|function|class|interface|type) ([A-Za-z_][A-Za-z0-9_]*)/g))
    names.add(m[1]!)
  return names
}

describe('the public API the README lists', () => {
  it('is exported by src/index.ts, and the values among it exist at run time', () => {
    const listed = namesInReadme()
    expect(listed.length).toBeGreaterThan(40)
    const exported = exportedInSource()
    expect(listed.filter((n) => !exported.has(n))).toEqual([])
    // Everything that is not a type is a real value of the module.
    const values = listed.filter((n) => n in api)
    expect(values).toContain('readHistoryBatches')
    for (const n of values) expect((api as Record<string, unknown>)[n], n).toBeDefined()
  })
})
