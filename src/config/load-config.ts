import { readFile } from 'node:fs/promises'
import {
  type Alias,
  type CST,
  type Document,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  Parser,
  parseDocument,
  visit,
} from 'yaml'
import { ConfigError, type ConfigProblem } from '../errors.js'
import { configSchema, type SandboxConfig } from './schema.js'
import { configProblems, type ProblemLocator } from './validate-config.js'

/** The path the CLI and `loadConfigFile()` read when none is given. */
export const DEFAULT_CONFIG_PATH = 'config.yml'

/**
 * Parses and validates config text. Every problem is reported at once, each with its key
 * path and, where the file allows, its line and column.
 * @param source - names the text in messages, e.g. its file path.
 */
export function parseConfig(text: string, source = DEFAULT_CONFIG_PATH): SandboxConfig {
  const tooDeep = nestingPast(text, MAX_NESTING)
  if (tooDeep !== undefined) throw new ConfigError(source, [tooDeep])
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    // Plain data only, whatever `%YAML` says: YAML 1.1 types (`!!set`, `!!omap`, `!!binary`,
    // `!!timestamp`) would arrive as a Set, Map, bytes or Date, which the schema reads as an
    // empty mapping, silently dropping what they held.
    schema: 'core',
    resolveKnownTags: false,
  })
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
  const data = dropEmptySections(toData(doc, lineCounter, source) ?? {})
  const result = configSchema.safeParse(data, { reportInput: true })
  if (result.success) return result.data
  throw new ConfigError(source, configProblems(result.error.issues, locator(doc, lineCounter)))
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

/** Sections nest two deep (`code_execution.limits`); stopping there also stops at an alias cycle. */
function dropEmptySections(value: unknown, depth = 0): unknown {
  if (depth > 1 || value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([key, child]) => !(SECTIONS.has(key) && child === null))
    .map(([key, child]) => [key, SECTIONS.has(key) ? dropEmptySections(child, depth + 1) : child])
  return Object.fromEntries(entries)
}

/**
 * Far deeper than any config goes (a mount's field is four levels down). Deeper nesting
 * overflows the stack inside the YAML library, and a second overflow in one process has
 * killed it with a fatal V8 error, so such text is refused before it is composed.
 */
const MAX_NESTING = 64

/** The problem with the first node nested deeper than `limit`, found without recursion. */
function nestingPast(text: string, limit: number): ConfigProblem | undefined {
  const lineCounter = new LineCounter()
  const pending: { token: CST.Token | null | undefined; depth: number }[] = []
  for (const token of new Parser(lineCounter.addNewLine).parse(text)) {
    pending.push({ token, depth: 0 })
  }
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next
    if (token === null || token === undefined) continue
    if (depth > limit) {
      return {
        path: '',
        message: `nested more than ${limit} levels deep; a config needs at most four`,
        ...position(lineCounter, token.offset),
      }
    }
    if (token.type === 'document') pending.push({ token: token.value, depth })
    else if ('items' in token) {
      for (const item of token.items) {
        pending.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 })
      }
    }
  }
  return undefined
}

/** The document as plain data; an alias that cannot be expanded is the file's mistake. */
function toData(doc: Document, lineCounter: LineCounter, source: string): unknown {
  try {
    return doc.toJS()
  } catch (error) {
    // The YAML library throws a ReferenceError for an alias without an anchor before it, and
    // for an alias bomb (expansions past its limit of 100).
    if (!(error instanceof ReferenceError)) throw error
    const aliases: Alias[] = []
    visit(doc, { Alias: (_, alias) => void aliases.push(alias) })
    const culprit = aliases.find((alias) => alias.resolve(doc) === undefined) ?? aliases[0]
    throw new ConfigError(source, [
      {
        path: '',
        message: `YAML alias error: ${error.message}`,
        ...position(lineCounter, culprit?.range?.[0]),
      },
    ])
  }
}

/** Where config.yml wrote a key or value, for the problems' line and column. */
function locator(doc: Document, lineCounter: LineCounter): ProblemLocator {
  return {
    value: (path) => position(lineCounter, valueOffset(doc, path)),
    key: (path, key) => position(lineCounter, keyOffset(doc, path, key)),
  }
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
  // A null key (`~:` or a bare `:`) reads as the empty string.
  const pair = parent.items.find(
    (item) => isPair(item) && isScalar(item.key) && String(item.key.value ?? '') === key,
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
