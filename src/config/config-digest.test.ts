import { describe, expect, it } from 'vitest'
import { canonicalJson, configDigest } from './config-digest.js'
import { configSchema } from './schema.js'

describe('configDigest', () => {
  const defaults = configSchema.parse({}).code_execution

  it('does not depend on key order', () => {
    const reordered = Object.fromEntries(Object.entries(defaults).reverse()) as typeof defaults
    expect(configDigest(reordered)).toBe(configDigest(defaults))
  })

  it('changes with any setting, nested ones included', () => {
    const other = { ...defaults, limits: { ...defaults.limits, pids: defaults.limits.pids - 1 } }
    expect(configDigest(other)).not.toBe(configDigest(defaults))
    expect(configDigest(other)).toMatch(/^[0-9a-f]{64}$/)
  })

  it('writes canonical JSON: sorted keys, arrays in order, undefined left out', () => {
    expect(canonicalJson({ b: [2, 1], a: { d: undefined, c: 'x' } })).toBe(
      '{"a":{"c":"x"},"b":[2,1]}',
    )
  })
})
