import { describe, expect, it } from 'vitest'
import { allowedImports, DEFAULT_ALLOWED_IMPORTS, isImportAllowed } from './allowed-imports.js'
import type { PolicyConfig } from './types.js'

const config = (imports: string[], osOperations = false): PolicyConfig => ({
  allow_dangerous_operations: false,
  allowed_operations: { file_operations: false, os_operations: osOperations, imports },
})

describe('allowed imports', () => {
  it("holds exactly the seed's default set", () => {
    expect([...DEFAULT_ALLOWED_IMPORTS].sort()).toEqual(
      [
        'collections',
        'datetime',
        'functools',
        'itertools',
        'json',
        'math',
        'numpy',
        'operator',
        'pandas',
        'random',
        're',
        'statistics',
        'string',
      ].sort(),
    )
  })

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(DEFAULT_ALLOWED_IMPORTS)).toBe(true)
  })

  it('adds the configured imports to the defaults, and os only with os_operations', () => {
    expect(allowedImports(config(['pathlib'])).has('pathlib')).toBe(true)
    expect(allowedImports(config([])).has('os')).toBe(false)
    expect(allowedImports(config([], true)).has('os')).toBe(true)
  })

  it('allows a dotted name when the name or any prefix is allowed', () => {
    const allowed = new Set(['os.path', 'numpy'])
    expect(isImportAllowed(['numpy', 'linalg'], allowed)).toBe(true)
    expect(isImportAllowed(['os', 'path'], allowed)).toBe(true)
    expect(isImportAllowed(['os', 'path', 'sep'], allowed)).toBe(true)
    expect(isImportAllowed(['os'], allowed)).toBe(false)
    expect(isImportAllowed(['numpyx'], allowed)).toBe(false)
  })
})
