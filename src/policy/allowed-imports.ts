import type { PolicyConfig } from './types.js'

/** The seed's `allowed_imports`: importable whatever the configuration says. */
export const DEFAULT_ALLOWED_IMPORTS: readonly string[] = Object.freeze([
  'math',
  'random',
  'string',
  're',
  'collections',
  'itertools',
  'json',
  'datetime',
  'statistics',
  'functools',
  'operator',
  'numpy',
  'pandas',
])

/** Defaults, plus `allowed_operations.imports`, plus `os` when `os_operations` allows the module. */
export function allowedImports(config: PolicyConfig): ReadonlySet<string> {
  const allowed = new Set([...DEFAULT_ALLOWED_IMPORTS, ...config.allowed_operations.imports])
  if (config.allowed_operations.os_operations) allowed.add('os')
  return allowed
}

/**
 * A dotted name is allowed when it or any dotted prefix is: allowing `os` allows `os.path`,
 * while allowing `os.path` allows `os.path` and below but not `os` itself.
 */
export function isImportAllowed(dotted: readonly string[], allowed: ReadonlySet<string>): boolean {
  for (let length = 1; length <= dotted.length; length++) {
    if (allowed.has(dotted.slice(0, length).join('.'))) return true
  }
  return false
}
