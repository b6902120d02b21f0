/** JSON helpers for the decoder and fuzz tests: paths into values, mutations, and values no fast path accepts. */

/** Every path into a JSON value (each object key, each array index); the root itself only when it is not an object. */
export const pathsOf = (u: unknown, prefix: readonly string[] = []): string[][] =>
  typeof u !== 'object' || u === null
    ? [[...prefix]]
    : [
        ...(prefix.length > 0 ? [[...prefix]] : []),
        ...Object.entries(u).flatMap(([k, v]) => pathsOf(v, [...prefix, k])),
      ]

/** Every path into a value, `[]` (the value itself) first. */
export const pathsWithRootOf = (u: unknown): (readonly string[])[] =>
  typeof u === 'object' && u !== null ? [[], ...pathsOf(u)] : pathsOf(u)

/** The value at a path (every step must exist). */
export const valueAt = (v: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], v)

/**
 * A copy of `u` changed at one path: the value replaced by `v`, removed, given
 * a sibling `<key>Extra`, or moved to the end of its object (same keys, another
 * order). A path through a non-object leaves the copy unchanged.
 */
export const mutate = (
  u: unknown,
  path: readonly string[],
  change: 'replace' | 'remove' | 'add' | 'reorder',
  v: unknown,
): unknown => {
  const copy = structuredClone(u) as Record<string, unknown>
  let at: Record<string, unknown> = copy
  for (const k of path.slice(0, -1)) {
    const next = at[k]
    if (typeof next !== 'object' || next === null) return copy
    at = next as Record<string, unknown>
  }
  const last = path[path.length - 1]!
  if (change === 'replace') at[last] = v
  else if (change === 'remove') delete at[last]
  else if (change === 'add') at[`${last}Extra`] = v
  else {
    const moved = at[last]
    delete at[last]
    at[last] = moved
  }
  return copy
}

/**
 * The same value, with an inherited enumerable key at every level: invisible
 * to the slow path of the `strict` codecs (own keys only), it makes every fast
 * path give up. Decoding both must give the same answer, key order included.
 */
export const slowed = (u: unknown): unknown => {
  if (Array.isArray(u)) return u.map(slowed)
  if (typeof u !== 'object' || u === null) return u
  const o = Object.create({ inheritedKey: true }) as Record<string, unknown>
  for (const [k, v] of Object.entries(u)) o[k] = slowed(v)
  return o
}
