import type { z } from 'zod'
import { ConfigError, type ConfigProblem } from '../errors.js'
import { formatIssue, formatPath } from './format-issue.js'
import { configSchema, type SandboxConfig } from './schema.js'

type Position = Pick<ConfigProblem, 'line' | 'column'>

/** Finds where a key or value was written; config.yml knows, a config object does not. */
export interface ProblemLocator {
  value(path: readonly string[]): Position
  key(path: readonly string[], key: string): Position
}

const NOWHERE: ProblemLocator = { value: () => ({}), key: () => ({}) }

/**
 * Validates a config object (as `Sandbox.create({ config })` takes it), throwing a
 * `ConfigError` that names every key at fault, in the same words as for config.yml.
 * @param source - names the config in the message.
 */
export function validateConfig(data: unknown, source: string): SandboxConfig {
  const result = configSchema.safeParse(data, { reportInput: true })
  if (result.success) return result.data
  throw new ConfigError(source, configProblems(result.error.issues))
}

/** One problem per key at fault: an issue with several unknown keys names each. */
export function configProblems(
  issues: readonly z.core.$ZodIssue[],
  locate: ProblemLocator = NOWHERE,
): ConfigProblem[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String)
    if (issue.code === 'unrecognized_keys') {
      const message = formatIssue(issue, knownKeysAt(path))
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message,
        ...locate.key(path, key),
      }))
    }
    return [
      { path: formatPath(issue.path), message: formatIssue(issue, []), ...locate.value(path) },
    ]
  })
}

function knownKeysAt(path: readonly string[]): string[] {
  let schema: unknown = configSchema
  for (const key of path) {
    schema = unwrapObject(schema)?.shape[key]
  }
  return Object.keys(unwrapObject(schema)?.shape ?? {})
}

interface ShapeHolder {
  shape: Record<string, unknown>
}

/** Sees through `.default()`/`.prefault()` wrappers to the object schema inside. */
function unwrapObject(schema: unknown): ShapeHolder | undefined {
  let current = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined
  for (let depth = 0; depth < 4 && current !== undefined; depth++) {
    if (current.shape !== undefined) return current as ShapeHolder
    current = current.unwrap?.() as typeof current
  }
  return undefined
}
