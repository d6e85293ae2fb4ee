import { createHash } from 'node:crypto'
import type { CodeExecutionConfig } from './schema.js'

/**
 * sha256 of the effective `code_execution` section, as canonical JSON (keys sorted, arrays
 * in order). API nodes and workers compare it: a worker refuses a job checked under another
 * policy. Host paths (mounts, workspace root) are part of it: the same section everywhere.
 */
export function configDigest(settings: CodeExecutionConfig): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex')
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}
