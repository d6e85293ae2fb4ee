import { readFile } from 'node:fs/promises'
import { type Document, isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml'
import { ConfigError, type ConfigProblem } from '../errors.js'
import { formatIssue, formatPath } from './format-issue.js'
import { configSchema, type SandboxConfig } from './schema.js'

/** The path the CLI and `loadConfigFile()` read when none is given. */
export const DEFAULT_CONFIG_PATH = 'config.yml'

/**
 * Parses and validates config text. Every problem is reported at once, each with its key
 * path and, where the file allows, its line and column.
 * @param source - names the text in messages, e.g. its file path.
 */
export function parseConfig(text: string, source = DEFAULT_CONFIG_PATH): SandboxConfig {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((error) => ({
        path: '',
        message: `YAML syntax error: ${error.message.split('\n')[0]}`,
        ...position(lineCounter, error.pos[0]),
      })),
    )
  }
  const data = dropEmptySections(doc.toJS() ?? {})
  const result = configSchema.safeParse(data, { reportInput: true })
  if (result.success) return result.data
  const problems = result.error.issues.flatMap((issue) => toProblems(issue, doc, lineCounter))
  throw new ConfigError(source, problems)
}

/** Reads and validates a config file; a missing file is an error that names the path. */
export async function loadConfigFile(path = DEFAULT_CONFIG_PATH): Promise<SandboxConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error)
    throw new ConfigError(path, [{ path: '', message: `cannot read the config file: ${reason}` }])
  }
  return parseConfig(text, path)
}

/** A section whose keys are all commented out reads as null; it means "all defaults". */
const SECTIONS = new Set([
  'code_execution',
  'allowed_operations',
  'limits',
  'orchestrator',
  'pool',
  'server',
  'logging',
])

function dropEmptySections(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([key, child]) => !(SECTIONS.has(key) && child === null))
    .map(([key, child]) => [key, SECTIONS.has(key) ? dropEmptySections(child) : child])
  return Object.fromEntries(entries)
}

function toProblems(
  issue: Parameters<typeof formatIssue>[0],
  doc: Document,
  lineCounter: LineCounter,
): ConfigProblem[] {
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path)
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: formatIssue(issue, known),
      ...position(lineCounter, keyOffset(doc, path, key)),
    }))
  }
  return [
    {
      path: formatPath(issue.path),
      message: formatIssue(issue, []),
      ...position(lineCounter, valueOffset(doc, path)),
    },
  ]
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

function valueOffset(doc: Document, path: readonly string[]): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = doc.getIn(path.slice(0, length), true)
    if (node !== undefined && node !== null && typeof node === 'object' && 'range' in node) {
      return (node as { range?: [number, number, number] }).range?.[0]
    }
  }
  return undefined
}

function keyOffset(doc: Document, path: readonly string[], key: string): number | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true)
  if (!isMap(parent)) return undefined
  const pair = parent.items.find(
    (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key,
  )
  return isPair(pair) && isScalar(pair.key) ? pair.key.range?.[0] : undefined
}

function position(
  lineCounter: LineCounter,
  offset: number | undefined,
): Pick<ConfigProblem, 'line' | 'column'> {
  if (offset === undefined) return {}
  const { line, col } = lineCounter.linePos(offset)
  return { line, column: col }
}
