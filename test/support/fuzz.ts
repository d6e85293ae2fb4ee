import fc from 'fast-check'

/** A key path into a JSON-like value: object keys and array indexes. */
export type Path = readonly (string | number)[]

/**
 * Sets `value` at `path` with defineProperty, so a key such as `__proto__` is data, not a
 * prototype. A missing step becomes an array for an index, an object for a key.
 */
export function setIn(target: unknown, path: Path, value: unknown): unknown {
  const [key, ...rest] = path
  if (key === undefined) return value
  const fresh = typeof key === 'number' ? [] : {}
  const container = (typeof target === 'object' && target !== null ? target : fresh) as Record<
    string | number,
    unknown
  >
  const current = Object.hasOwn(container, key) ? container[key] : undefined
  Object.defineProperty(container, key, {
    value: setIn(current, rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  })
  return container
}

/**
 * JSON-like trees whose keys are mostly `keys` (the input's own), so that checks deep down
 * are reached, with `tricky` values among the leaves.
 */
export function jsonLike(options: {
  readonly keys: readonly string[]
  readonly strings: fc.Arbitrary<string>
  readonly tricky: readonly unknown[]
  readonly maxKeys: number
}): fc.Arbitrary<unknown> {
  const { keys, strings, tricky, maxKeys } = options
  return fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(
        fc.boolean(),
        fc.integer(),
        fc.double(),
        strings,
        fc.constantFrom(...tricky),
        fc.constant(null),
      ),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...keys), strings), tie('node'), {
        maxKeys,
        noNullPrototype: true,
      }),
    ),
  })).node
}
