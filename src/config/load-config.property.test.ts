import { mkdtemp, rmdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { z } from 'zod'
import { jsonLike, type Path, setIn } from '../../test/support/fuzz.js'
import { ConfigError } from '../errors.js'
import { parseConfig } from './load-config.js'
import { configSchema, type SandboxConfig } from './schema.js'

/**
 * Property-based input fuzzing of the config loader: whatever the text, it returns a valid
 * config or throws a ConfigError whose every problem names its key path or its line and
 * column; a value made invalid at known paths is refused at exactly those paths. The leaves,
 * types and ranges come from the zod schema itself (as JSON Schema), so a field added there is
 * fuzzed here too. fast-check prints the seed and the shrunk input of any failure.
 */

const SOURCE = 'fuzz.yml'
/** Hundreds of runs each: room for a loaded CI machine, not a speed assertion. */
const PROPERTY_TIMEOUT_MS = 60_000

interface JsonSchema {
  readonly type?: string
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly required?: readonly string[]
  readonly items?: JsonSchema
  readonly default?: unknown
  readonly enum?: readonly string[]
  readonly pattern?: string
  readonly minLength?: number
  readonly minimum?: number
  readonly maximum?: number
  readonly exclusiveMinimum?: number
  readonly maxItems?: number
}

const ROOT = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema

/** `code_execution.mounts[0].source`: written out here rather than borrowed from the loader. */
function pathString(path: Path): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`))
    .join('')
}

interface SchemaNode {
  readonly path: Path
  readonly schema: JsonSchema
}

/** Every node of the config: the document, each section, each leaf, the first mount's fields. */
function nodesOf(schema: JsonSchema, path: Path = []): SchemaNode[] {
  const children =
    schema.type === 'object'
      ? Object.entries(schema.properties ?? {}).flatMap(([key, child]) =>
          nodesOf(child, [...path, key]),
        )
      : schema.type === 'array' && schema.items?.type === 'object'
        ? nodesOf(schema.items, [...path, 0])
        : []
  return [{ path, schema }, ...children]
}

const NODES = nodesOf(ROOT)
const OBJECT_NODES = NODES.filter((node) => node.schema.type === 'object')
const SCALAR_LISTS = NODES.filter(
  (node) => node.schema.type === 'array' && node.schema.items?.type !== 'object',
)
const BOUNDED_LISTS = NODES.filter((node) => node.schema.maxItems !== undefined)

/** The base config always has these, so a mutation inside them leaves the rest valid. */
const ALWAYS_PRESENT = new Set(['code_execution', 'code_execution.mounts'])

/** A directory that is a safe mount source; mount sources must exist on the host. */
let mountDir = ''

beforeAll(async () => {
  mountDir = await mkdtemp(join(tmpdir(), 'tinyagent-config-fuzz-'))
})

afterAll(async () => {
  // rmdir, not rm -r: it can only ever remove the empty directory made above.
  if (mountDir !== '') await rmdir(mountDir)
})

/** Whether a workspace root neither holds `mountDir` nor lies inside it, judged lexically. */
const apartFromMountDir = (root: string): boolean => {
  const normal = posix.normalize(root).replace(/(.)\/$/, '$1')
  const within = (child: string, parent: string) =>
    child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`)
  return !within(mountDir, normal) && !within(normal, mountDir)
}

const mountAt = (target: string, readOnly?: boolean) => ({
  source: mountDir,
  target,
  ...(readOnly === undefined ? {} : { read_only: readOnly }),
})

/** Any value the schema accepts at `path`; keys with defaults come and go. */
function validValue(schema: JsonSchema, path: Path): fc.Arbitrary<unknown> {
  if (pathString(path) === 'code_execution.workspace_root') {
    // A root over the mount source, or inside it, is refused (mount-safety.ts): keep apart.
    return fc.stringMatching(new RegExp(schema.pattern ?? '^/')).filter(apartFromMountDir)
  }
  if (pathString(path) === 'code_execution.mounts') {
    return fc
      .option(fc.boolean(), { nil: undefined })
      .map((readOnly) => [mountAt('/mnt/data', readOnly)])
  }
  switch (schema.type) {
    case 'object': {
      const keys = Object.keys(schema.properties ?? {})
      const model = Object.fromEntries(
        keys.map((key) => [key, validValue(schema.properties?.[key] ?? {}, [...path, key])]),
      )
      const requiredKeys = keys.filter(
        (key) =>
          schema.required?.includes(key) === true || ALWAYS_PRESENT.has(pathString([...path, key])),
      )
      return fc.record(model, { requiredKeys })
    }
    case 'array':
      return fc.array(validValue(schema.items ?? {}, [...path, 0]), { maxLength: 3 })
    case 'boolean':
      return fc.boolean()
    case 'integer': {
      const { low, high } = rangeOf(schema)
      return fc.integer({ min: low, max: high })
    }
    case 'number': {
      const { low, high, lowExcluded } = rangeOf(schema)
      return fc.double({ min: low, minExcluded: lowExcluded, max: high, noNaN: true })
    }
    case 'string':
      if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
      if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern))
      return fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: 20 })
  }
  throw new Error(`no generator for ${pathString(path)} (${schema.type})`)
}

const validConfig = (): fc.Arbitrary<unknown> => validValue(ROOT, [])

const someString = fc.string({ unit: 'grapheme', maxLength: 12 })
const TRICKY_STRINGS = [
  'true',
  'false',
  'True',
  'yes',
  'off',
  '10',
  '10s',
  '256MB',
  '~',
  'null',
  '',
]
const someJson = fc.jsonValue({ maxDepth: 2 })

/** Values of every kind but `type`; null too, unless null means "all defaults" here. */
function wrongKinds(type: string | undefined, nullMeansDefaults: boolean): fc.Arbitrary<unknown>[] {
  const kinds: fc.Arbitrary<unknown>[] = []
  if (type !== 'string') kinds.push(someString, fc.constantFrom(...TRICKY_STRINGS))
  if (type !== 'integer' && type !== 'number') kinds.push(fc.integer(), fc.double())
  if (type !== 'boolean') kinds.push(fc.boolean())
  if (type !== 'array') kinds.push(fc.array(someJson, { maxLength: 3 }))
  if (type !== 'object') {
    kinds.push(fc.dictionary(someString, someJson, { maxKeys: 3, noNullPrototype: true }))
  }
  if (!nullMeansDefaults) kinds.push(fc.constant(null))
  return kinds
}

/** Rules zod checks in code (mount safety), so the JSON Schema cannot say them. */
const REFINED: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  'code_execution.mounts[0].source': fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
    .filter((source) => !source.startsWith('/')),
  'code_execution.mounts[0].target': fc.oneof(
    someString.filter((target) => !target.startsWith('/mnt/')),
    fc.constantFrom('/mnt/', '/mnt/a/', '/mnt/../etc', '/mnt//a', '/mnt/./a', '/mnt/a/..'),
  ),
}

/** Every number in the config has both bounds; `low` itself is refused for `exclusiveMinimum`. */
function rangeOf(schema: JsonSchema): { low: number; high: number; lowExcluded: boolean } {
  const low = schema.exclusiveMinimum ?? schema.minimum
  const high = schema.maximum
  if (low === undefined || high === undefined) throw new Error('expected a bounded number')
  return { low, high, lowExcluded: schema.exclusiveMinimum !== undefined }
}

/** Numbers the schema refuses for being out of range, not numbers at all, or (for `int`) fractions. */
function badNumbers(schema: JsonSchema): fc.Arbitrary<unknown>[] {
  const { low, high, lowExcluded } = rangeOf(schema)
  const inRange = fc.integer({ min: Math.ceil(low), max: Math.floor(high) })
  const bad: fc.Arbitrary<unknown>[] = [
    fc.double({ max: low, maxExcluded: !lowExcluded }),
    fc.double({ min: high, minExcluded: true }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    inRange.map((n) => `${n}`),
    inRange.map((n) => `${n}MB`),
  ]
  if (schema.type === 'integer') {
    bad.push(fc.double({ min: low, max: high, noNaN: true }).filter((n) => !Number.isInteger(n)))
  }
  return bad
}

function badStrings(schema: JsonSchema): fc.Arbitrary<unknown>[] {
  const { enum: allowed, pattern, minLength } = schema
  if (allowed !== undefined) return [someString.filter((value) => !allowed.includes(value))]
  if (pattern !== undefined) {
    const regex = new RegExp(pattern)
    return [someString.filter((value) => !regex.test(value))]
  }
  return minLength === undefined ? [] : [fc.constant('')]
}

/** Values the schema refuses at `node`: wrong kinds, out of range, off pattern, not listed. */
function invalidValue(node: SchemaNode): fc.Arbitrary<unknown> {
  const { schema } = node
  const nullMeansDefaults =
    node.path.length === 0 || (schema.type === 'object' && 'default' in schema)
  const own: fc.Arbitrary<unknown>[] = []
  if (schema.type === 'boolean') {
    own.push(fc.constantFrom('true', 'false', 'TRUE', 'yes', 'no', 'on', 'off', '1', 0, 1))
  }
  if (schema.type === 'integer' || schema.type === 'number') own.push(...badNumbers(schema))
  if (schema.type === 'string') own.push(...badStrings(schema))
  const refined = REFINED[pathString(node.path)]
  if (refined !== undefined) own.push(refined)
  return fc.oneof(...own, ...wrongKinds(schema.type, nullMeansDefaults))
}

/** Set `value` at `at`; the loader must then refuse the config at exactly `expected`. */
interface Mutation {
  readonly at: Path
  readonly value: unknown
  readonly expected: Path
}

const replaced: fc.Arbitrary<Mutation> = fc
  .constantFrom(...NODES)
  .chain((node) =>
    invalidValue(node).map((value) => ({ at: node.path, value, expected: node.path })),
  )

function unknownKey(node: SchemaNode): fc.Arbitrary<string> {
  const known = Object.keys(node.schema.properties ?? {})
  return fc
    .oneof(
      someString,
      fc.constantFrom('__proto__', 'constructor', 'toString', '<<', 'null', '1', ' ', ''),
      // Near misses of the real keys: a plural, a case, a space, a dash.
      fc
        .constantFrom(...known)
        .chain((key) =>
          fc.constantFrom(`${key}s`, key.toUpperCase(), ` ${key}`, key.replaceAll('_', '-')),
        ),
    )
    .filter((key) => !known.includes(key))
}

const unknownKeyAdded: fc.Arbitrary<Mutation> = fc.constantFrom(...OBJECT_NODES).chain((node) =>
  fc.tuple(unknownKey(node), someJson).map(([key, value]) => ({
    at: [...node.path, key],
    value,
    expected: [...node.path, key],
  })),
)

const badListItem: fc.Arbitrary<Mutation> = fc.constantFrom(...SCALAR_LISTS).chain((node) => {
  const items = node.schema.items ?? {}
  const item = validValue(items, [...node.path, 0])
  return fc
    .tuple(
      fc.array(item, { maxLength: 3 }),
      invalidValue({ path: [...node.path, 0], schema: items }),
      fc.array(item, { maxLength: 2 }),
    )
    .map(([before, bad, after]) => ({
      at: node.path,
      value: [...before, bad, ...after],
      expected: [...node.path, before.length],
    }))
})

const tooLong: fc.Arbitrary<Mutation> = fc.constantFrom(...BOUNDED_LISTS).map((node) => ({
  at: node.path,
  value: Array.from({ length: (node.schema.maxItems ?? 0) + 1 }, (_, i) => mountAt(`/mnt/m${i}`)),
  expected: node.path,
}))

/** Whether `a` is `b` or lies above it: setting both would let one hide the other. */
const overlaps = (a: Path, b: Path): boolean =>
  a.length <= b.length && a.every((key, i) => key === b[i])

const mutations = fc.uniqueArray(fc.oneof(replaced, unknownKeyAdded, badListItem, tooLong), {
  minLength: 1,
  maxLength: 3,
  comparator: (a, b) => overlaps(a.at, b.at) || overlaps(b.at, a.at),
})

function mutate(base: unknown, changes: readonly Mutation[]): unknown {
  return changes.reduce<unknown>(
    (config, change) => setIn(config, change.at, change.value),
    structuredClone(base),
  )
}

const yamlStyle = fc.constantFrom('block', 'flow', 'any') as fc.Arbitrary<'block' | 'flow' | 'any'>

const toYaml = (value: unknown, collectionStyle: 'block' | 'flow' | 'any'): string =>
  stringify(value, { aliasDuplicateObjects: false, collectionStyle })

/** The loader's answer: a config, or the ConfigError it threw. Anything else fails the property. */
function load(text: string): SandboxConfig | ConfigError {
  try {
    return parseConfig(text, SOURCE)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
}

/** A returned config is one the schema itself accepts as it is. */
function expectValid(config: SandboxConfig): void {
  expect(configSchema.parse(config)).toStrictEqual(config)
}

/**
 * Every problem names its key path, or else its line and column, and appears in the message
 * on its own line as `fuzz.yml:LINE:COL: PATH: MESSAGE`.
 */
function expectExplained(error: ConfigError): void {
  expect(error.code).toBe('config_invalid')
  expect(error.problems.length).toBeGreaterThan(0)
  for (const problem of error.problems) {
    const located = problem.line !== undefined && problem.column !== undefined
    expect(
      problem.path !== '' || located,
      `neither a key path nor a position: ${problem.message}`,
    ).toBe(true)
    const where = located ? `${SOURCE}:${problem.line}:${problem.column}` : SOURCE
    const key = problem.path === '' ? '' : `${problem.path}: `
    expect(error.message).toContain(`\n  ${where}: ${key}${problem.message}`)
  }
}

function expectValidOrExplained(outcome: SandboxConfig | ConfigError): void {
  if (outcome instanceof ConfigError) expectExplained(outcome)
  else expectValid(outcome)
}

const KNOWN_KEYS = [
  ...new Set(NODES.flatMap((node) => node.path.filter((key) => typeof key === 'string'))),
]

/** Known keys, YAML punctuation and the values configs get wrong, to build near-YAML from. */
const YAML_TOKENS = [
  ...KNOWN_KEYS,
  ': ',
  ':',
  '\n',
  '\n  ',
  '\n    ',
  '  ',
  '- ',
  '-',
  '[',
  ']',
  '{',
  '}',
  ', ',
  '"',
  "'",
  '? ',
  '&a ',
  '*a',
  '&b ',
  '*b ',
  '!!str ',
  '!!set ',
  '!!omap ',
  '!!binary ',
  '!!timestamp ',
  '!!int ',
  '!foo ',
  '<<: ',
  '|\n',
  '>-\n',
  '# note',
  '---\n',
  '...\n',
  '%YAML 1.1\n---\n',
  '\t',
  '\r\n',
  '\uFEFF',
  '\u0000',
  'true',
  '"false"',
  'yes',
  'off',
  '~',
  'null',
  '.nan',
  '-.inf',
  '0x1F',
  '1e400',
  '256',
  '-1',
  '0.5',
  '10s',
  'os.path',
  '/mnt/data',
  '2001-12-14',
]

const yamlishText = fc
  .array(fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ maxLength: 4 })), {
    maxLength: 40,
  })
  .map((tokens) => tokens.join(''))

/** JSON-like trees whose keys are mostly the config's own. */
const configLike = jsonLike({
  keys: KNOWN_KEYS,
  strings: someString,
  tricky: TRICKY_STRINGS,
  maxKeys: 4,
})

describe('parseConfig under fuzzing: never a crash, every refusal explained', () => {
  it('derives a field for every leaf of the schema', () => {
    const paths = NODES.map((node) => pathString(node.path))
    expect(paths).toEqual(
      expect.arrayContaining([
        '',
        'code_execution.allow_dangerous_operations',
        'code_execution.allowed_operations.imports',
        'code_execution.limits.memory_mb',
        'code_execution.timeout_seconds',
        'code_execution.mounts[0].target',
        'code_execution.workspace_root',
        'orchestrator.instance_id',
        'pool.preload',
        'server.shutdown_grace_seconds',
        'logging.level',
      ]),
    )
    expect(SCALAR_LISTS.map((node) => pathString(node.path))).toStrictEqual([
      'code_execution.allowed_operations.imports',
      'pool.preload',
    ])
    expect(BOUNDED_LISTS.map((node) => pathString(node.path))).toStrictEqual([
      'code_execution.mounts',
    ])
  })

  it(
    'answers arbitrary text with a valid config or a ConfigError naming where',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), yamlishText),
          (text) => {
            expectValidOrExplained(load(text))
          },
        ),
        { numRuns: 1_000 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'answers any JSON-like value written as YAML without a syntax error, each problem located',
    () => {
      fc.assert(
        fc.property(configLike, yamlStyle, (value, style) => {
          const outcome = load(toYaml(value, style))
          expectValidOrExplained(outcome)
          if (!(outcome instanceof ConfigError)) return
          for (const problem of outcome.problems) {
            expect(problem.message).not.toMatch(/^YAML syntax error/)
            expect([problem.line, problem.column]).toStrictEqual([
              expect.any(Number),
              expect.any(Number),
            ])
          }
        }),
        { numRuns: 500 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'loads every config the schema accepts as exactly what the schema makes of it',
    () => {
      fc.assert(
        fc.property(validConfig(), yamlStyle, (value, style) => {
          const outcome = load(toYaml(value, style))
          if (outcome instanceof ConfigError) throw new Error(outcome.message)
          expect(outcome).toStrictEqual(configSchema.parse(value))
        }),
        { numRuns: 200 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'refuses a valid config made wrong at some paths at exactly those paths, each located',
    () => {
      fc.assert(
        fc.property(validConfig(), mutations, yamlStyle, (base, changes, style) => {
          const outcome = load(toYaml(mutate(base, changes), style))
          expect(outcome).toBeInstanceOf(ConfigError)
          const error = outcome as ConfigError
          expectExplained(error)
          const found = [...new Set(error.problems.map((problem) => problem.path))].sort()
          const expected = [...new Set(changes.map((change) => pathString(change.expected)))].sort()
          expect(found).toStrictEqual(expected)
          for (const problem of error.problems) {
            expect(problem.line, `${problem.path} is not located`).toBeTypeOf('number')
            expect(error.message).toContain(
              `${SOURCE}:${problem.line}:${problem.column}: ${problem.path}`,
            )
          }
        }),
        { numRuns: 600 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})

describe('parseConfig against hostile YAML', () => {
  const shapes: Record<string, (depth: number) => string> = {
    'flow sequences': (depth) => '['.repeat(depth),
    'closed flow sequences': (depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`,
    'flow mappings': (depth) => '{a: '.repeat(depth),
    'compact block sequences': (depth) => `${'- '.repeat(depth)}x\n`,
    'indented block mappings': (depth) =>
      Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
    'nesting inside a section': (depth) => `code_execution:\n  limits: ${'['.repeat(depth)}\n`,
  }

  it(
    'refuses nesting of any depth with an explained ConfigError, however often it comes',
    () => {
      // A stack overflow inside the YAML parser once left V8 unable to compile a regular
      // expression on the next one: the process died with a fatal out-of-memory error.
      fc.assert(
        fc.property(
          fc.constantFrom(...Object.keys(shapes)),
          fc.integer({ min: 1, max: 1_500 }),
          (shape, depth) => {
            const text = shapes[shape]?.(depth) ?? ''
            for (let attempt = 0; attempt < 2; attempt++) expectValidOrExplained(load(text))
          },
        ),
        { numRuns: 40 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it.each([
    ['an alias to its own anchor', 'code_execution: &a {limits: *a}\n'],
    ['an alias inside its own list', 'pool:\n  preload: &a [*a]\n'],
    ['an alias with no anchor', 'code_execution: *missing\n'],
    [
      'an alias bomb',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\n${['b', 'c', 'd', 'e', 'f']
        .map((name, i) => `${name}: &${name} [${`*${'abcdef'[i]}, `.repeat(10)}]`)
        .join('\n')}\n`,
    ],
  ])('refuses %s with an explained ConfigError', (_, text) => {
    const outcome = load(text)
    expect(outcome).toBeInstanceOf(ConfigError)
    expectExplained(outcome as ConfigError)
  })

  it.each([
    [
      '!!set',
      'code_execution: !!set {allow_dangerous_operations}\n',
      'code_execution.allow_dangerous_operations',
    ],
    ['!!omap', 'code_execution: !!omap [{allow_dangerous_operations: true}]\n', 'code_execution'],
    ['!!timestamp', 'code_execution: !!timestamp 2001-12-14\n', 'code_execution'],
    [
      '%YAML 1.1 booleans',
      '%YAML 1.1\n---\ncode_execution:\n  allow_dangerous_operations: yes\n',
      'code_execution.allow_dangerous_operations',
    ],
  ])('reads YAML 1.1 types (%s) as plain YAML, never as an empty mapping', (_, text, path) => {
    const outcome = load(text)
    expect(outcome).toBeInstanceOf(ConfigError)
    expect((outcome as ConfigError).problems.map((problem) => problem.path)).toStrictEqual([path])
  })

  it('locates an unknown key written as null (`~` or nothing before the colon)', () => {
    for (const text of ['~: 1\n', ': 1\n']) {
      expect((load(text) as ConfigError).problems).toStrictEqual([
        {
          path: '',
          message:
            'unknown key; expected one of: code_execution, orchestrator, pool, server, tool, queue, logging',
          line: 1,
          column: 1,
        },
      ])
    }
  })
})
