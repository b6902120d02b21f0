/** Every path into a JSON value (each object key, each array index), for mutation tests of decoders. */
export const pathsOf = (u: unknown, prefix: readonly string[] = []): string[][] =>
  typeof u !== 'object' || u === null
    ? [[...prefix]]
    : [
        ...(prefix.length > 0 ? [[...prefix]] : []),
        ...Object.entries(u).flatMap(([k, v]) => pathsOf(v, [...prefix, k])),
      ]
