import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { jsonLike, type Path, setIn } from '../../test/support/fuzz.js'
import { type CodeExecutionConfig, configSchema } from '../config/schema.js'
import { InvalidArgumentError } from '../errors.js'
import {
  executeRequestSchema,
  MAX_CODE_BYTES,
  MAX_INPUT_FILES,
  type ValidatedRequest,
  validateRequest,
} from '../sandbox/execute-request.js'
import { parseExecutionBody } from './execution-body.js'
import { type HttpError, toHttpError } from './http-errors.js'

/**
 * Property-based fuzzing of the request schema along both ways in: the HTTP edge
 * (`parseExecutionBody`, then `validateRequest` inside `sandbox.execute()`) and the library
 * (`validateRequest` alone). Whatever the body, the answer is a validated request or an
 * `invalid_argument` error naming a field the body has (or the missing `code`); a valid body
 * made wrong at one path is refused naming exactly that path. Fields, types and ranges come
 * from the zod schema (as JSON Schema), ceilings from the default config, so a field added
 * there is fuzzed here too. fast-check prints the seed and the shrunk input of any failure.
 */

/** Hundreds of runs each: room for a loaded CI machine, not a speed assertion. */
const PROPERTY_TIMEOUT_MS = 60_000

interface JsonSchema {
  readonly type?: string
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly required?: readonly string[]
  readonly items?: JsonSchema
  readonly enum?: readonly string[]
  readonly minimum?: number
  readonly maximum?: number
  readonly exclusiveMinimum?: number
  readonly maxItems?: number
}

const REQUEST = z.toJSONSchema(executeRequestSchema, {
  io: 'input',
  unrepresentable: 'any',
}) as JsonSchema
const FIELDS = REQUEST.properties ?? {}
const LIMITS = FIELDS.limits?.properties ?? {}
const LIMIT_KEYS = Object.keys(LIMITS)
const FILE = FIELDS.files?.items ?? {}
const ENCODINGS = FILE.properties?.encoding?.enum ?? []

/** File access off (the default) and on: the same ceilings, so only `files` tells them apart. */
const closed = configSchema.parse({}).code_execution
const open = configSchema.parse({
  code_execution: { allowed_operations: { file_operations: true } },
}).code_execution

/** `files[2].name`: written out here rather than borrowed from the code under test. */
function pathString(path: Path): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`))
    .join('')
}

/** What a client sees: a validated request, or the HttpError the server would answer with. */
function overHttp(body: unknown, settings: CodeExecutionConfig): ValidatedRequest | HttpError {
  try {
    return validateRequest(parseExecutionBody(body), settings)
  } catch (error) {
    const failure = toHttpError(error)
    // Anything but our own refusals maps to `internal`: a 500, which fails the property.
    expect([failure.status, failure.code, failure.message]).toStrictEqual([
      400,
      'invalid_argument',
      expect.any(String),
    ])
    return failure
  }
}

/** What a library caller sees: a validated request, or an InvalidArgumentError. */
function inLibrary(
  request: unknown,
  settings: CodeExecutionConfig,
): ValidatedRequest | InvalidArgumentError {
  try {
    return validateRequest(request, settings)
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error
    throw error
  }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The three message shapes, each opening with the field: ``Invalid `limits.pids`: …``. */
const naming = (field: string): RegExp =>
  new RegExp(`^(Invalid|Expected|Unknown field) ${escapeRegExp(`\`${field}\``)}`)

// --- valid bodies -------------------------------------------------------------------------

/** Every number here has both bounds; `low` itself is refused for `exclusiveMinimum`. */
function rangeOf(schema: JsonSchema): { low: number; high: number; lowExcluded: boolean } {
  const low = schema.exclusiveMinimum ?? schema.minimum
  const high = schema.maximum
  if (low === undefined || high === undefined) throw new Error('expected a bounded number')
  return { low, high, lowExcluded: schema.exclusiveMinimum !== undefined }
}

const limitSchema = (key: string): JsonSchema => LIMITS[key] ?? {}

/** A value of `limits[key]` in `[low, high]`, of the schema's type. */
function numberIn(schema: JsonSchema, low: number, high: number): fc.Arbitrary<number> {
  return schema.type === 'integer'
    ? fc.integer({ min: low, max: high })
    : fc.double({ min: low, max: high, noNaN: true })
}

/** What a request may ask: at least the schema's minimum, at most the configured value. */
const validLimit = (key: string, settings: CodeExecutionConfig): fc.Arbitrary<number> =>
  numberIn(
    limitSchema(key),
    rangeOf(limitSchema(key)).low,
    settings.limits[key as keyof CodeExecutionConfig['limits']],
  )

/** Path segments as the workspace accepts them; `~` never appears, so mutations can use it. */
const segment = fc
  .string({ unit: fc.constantFrom(...'abzAZ09_-.éü字🙂'), minLength: 1, maxLength: 8 })
  .filter((s) => s !== '.' && s !== '..')

const safeName = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'))

/** No name is also the directory of another. */
function noDirectoryClash(names: readonly string[]): boolean {
  const all = new Set(names)
  return names.every((name) => {
    const segments = name.split('/')
    return segments.every((_, i) => i === 0 || !all.has(segments.slice(0, i).join('/')))
  })
}

interface ValidFile {
  readonly name: string
  readonly content: string
  readonly encoding?: 'utf8' | 'base64'
}

const fileContent: fc.Arbitrary<Omit<ValidFile, 'name'>> = fc.oneof(
  fc.record(
    {
      content: fc.string({ unit: 'grapheme', maxLength: 30 }),
      encoding: fc.constant('utf8' as const),
    },
    { requiredKeys: ['content'] },
  ),
  fc.uint8Array({ maxLength: 30 }).map((bytes) => ({
    content: Buffer.from(bytes).toString('base64'),
    encoding: 'base64' as const,
  })),
)

const validFiles: fc.Arbitrary<ValidFile[]> = fc
  .uniqueArray(safeName, { minLength: 1, maxLength: 4 })
  .filter(noDirectoryClash)
  .chain((names) =>
    fc
      .tuple(...names.map(() => fileContent))
      .map((contents) => contents.map((content, i) => ({ name: names[i] ?? '', ...content }))),
  )

interface Body {
  code: string
  setupCode?: string
  timeoutSeconds?: number
  limits?: Partial<Record<string, number>>
  files?: ValidFile[]
}

/** Any body `settings` accept; files only where file access is on. */
function validBody(settings: CodeExecutionConfig): fc.Arbitrary<Body> {
  const model: { [K in keyof Body]-?: fc.Arbitrary<Body[K]> } = {
    code: fc.string({ unit: 'grapheme', maxLength: 40 }),
    setupCode: fc.string({ unit: 'grapheme', maxLength: 40 }),
    timeoutSeconds: fc.double({
      min: 0,
      minExcluded: true,
      max: settings.timeout_seconds,
      noNaN: true,
    }),
    limits: fc.record(
      Object.fromEntries(LIMIT_KEYS.map((key) => [key, validLimit(key, settings)])),
      { requiredKeys: [] },
    ),
    files: validFiles,
  }
  const { files, ...withoutFiles } = model
  return settings.allowed_operations.file_operations
    ? fc.record(model, { requiredKeys: ['code'] })
    : fc.record(withoutFiles, { requiredKeys: ['code'] })
}

function expectAccepted(body: Body, settings: CodeExecutionConfig, answer: unknown): void {
  expect(answer).toStrictEqual({
    code: body.code,
    // Empty setup code is no setup code.
    ...(body.setupCode ? { setupCode: body.setupCode } : {}),
    timeoutSeconds: body.timeoutSeconds ?? settings.timeout_seconds,
    limits: { ...settings.limits, ...body.limits },
    files: (body.files ?? []).map((file) => ({
      name: file.name,
      content: Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8'),
    })),
  })
}

// --- invalid values -----------------------------------------------------------------------

const someString = fc.string({ unit: 'grapheme', maxLength: 12 })
const TRICKY_STRINGS = ['', '10', '1.5', '256MB', 'true', 'null', 'NaN', 'Infinity', '0x10']
const someJson = fc.jsonValue({ maxDepth: 2 })

/** Values of every kind but `type`, and `undefined` where the field is required. */
function wrongKinds(type: string | undefined, required: boolean): fc.Arbitrary<unknown> {
  const kinds: fc.Arbitrary<unknown>[] = [fc.constant(null)]
  if (type !== 'string') kinds.push(someString, fc.constantFrom(...TRICKY_STRINGS))
  if (type !== 'integer' && type !== 'number') kinds.push(fc.integer(), fc.double())
  if (type !== 'boolean') kinds.push(fc.boolean())
  if (type !== 'array') kinds.push(fc.array(someJson, { maxLength: 3 }))
  if (type !== 'object') {
    kinds.push(fc.dictionary(someString, someJson, { maxKeys: 3, noNullPrototype: true }))
  }
  if (required) kinds.push(fc.constant(undefined))
  return fc.oneof(...kinds)
}

/** Numbers the schema refuses: out of range, not finite, or (for integers) fractions. */
function badNumbers(schema: JsonSchema): fc.Arbitrary<number> {
  const { low, high, lowExcluded } = rangeOf(schema)
  const bad: fc.Arbitrary<number>[] = [
    // The filter keeps -0 out: it is not below a minimum of 0.
    fc.double({ max: low, noNaN: true }).filter((n) => (lowExcluded ? n <= low : n < low)),
    fc.double({ min: high, noNaN: true }).filter((n) => n > high),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  ]
  if (schema.type === 'integer') {
    bad.push(fc.double({ min: low, max: high, noNaN: true }).filter((n) => !Number.isInteger(n)))
  }
  return fc.oneof(...bad)
}

/** `timeoutSeconds` has no schema maximum: zero, negatives, and what is not finite. */
const badTimeouts = fc.oneof(
  fc.double({ max: 0, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
)

const TRAVERSALS = [
  '../x',
  '/etc/x',
  'a/../../b',
  '..',
  '.',
  './a',
  'a/.',
  '',
  'a//b',
  'a/',
  '/',
  'a\\b',
  '..\\x',
  'nul\u0000byte',
  'line\nbreak',
  'tab\tx',
  'del\u007fx',
  'x'.repeat(1_025),
  `a/${'x'.repeat(256)}`,
  // 1,023 characters, 2,046 bytes: the limit is in bytes.
  'é'.repeat(1_023),
]

/** Names the workspace refuses: traversal, absolute, empty segments, control characters, length. */
const unsafeName = fc.oneof(
  fc.constantFrom(...TRAVERSALS),
  fc
    .tuple(
      fc.array(segment, { maxLength: 2 }),
      fc.constantFrom('..', '.', '', '\u0000', '\\', '\u001b'),
      fc.array(segment, { maxLength: 2 }),
    )
    .map(([before, bad, after]) => [...before, bad, ...after].join('/'))
    .filter((name) => name !== ''),
  safeName.map((name) => `/${name}`),
)

/** Strings `Buffer.from(…, 'base64')` would read leniently, and the request must refuse. */
const badBase64 = fc
  .tuple(
    fc.uint8Array({ minLength: 3, maxLength: 30 }).map((b) => Buffer.from(b).toString('base64')),
    fc.nat(),
    fc.constantFrom('-', '_', ' ', '\n', '!', 'é', '=', '.', '%'),
  )
  .chain(([valid, at, odd]) => {
    const i = at % valid.length
    return fc.constantFrom(
      `${valid.slice(0, i)}${odd}${valid.slice(i + 1)}`,
      `${valid.slice(0, i)}${odd}${valid.slice(i)}`,
      `${valid}A`,
      `${valid}AB`,
      `${valid}ABC`,
      `${valid}====`,
      valid.replace(/=+$/, ''),
    )
  })
  .filter((text) => !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)

function unknownKey(known: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      someString,
      fc.constantFrom('__proto__', 'constructor', 'toString', 'signal', 'onOutput', ' ', ''),
      // Near misses of the real keys: a plural, a case, a space, a dash.
      fc
        .constantFrom(...known)
        .chain((key) =>
          fc.constantFrom(`${key}s`, key.toUpperCase(), ` ${key}`, key.replaceAll('_', '-')),
        ),
    )
    .filter((key) => !known.includes(key))
}

// --- mutations ----------------------------------------------------------------------------

/** Set `value` at each of `at`; the request must then be refused naming exactly `expected`. */
interface Mutation {
  readonly at: readonly { readonly path: Path; readonly value: unknown }[]
  readonly expected: Path
  /** @default the settings the body was made for */
  readonly settings?: CodeExecutionConfig
}

const one = (path: Path, value: unknown, expected: Path = path) => ({
  at: [{ path, value }],
  expected,
})

/** The mutations that fit `body`: those on files only when it has some. */
function mutationsOf(body: Body): fc.Arbitrary<Mutation> {
  const files = body.files ?? []
  const index = fc.nat({ max: Math.max(0, files.length - 1) })
  const limitKey = fc.constantFrom(...LIMIT_KEYS)
  const topLevel: fc.Arbitrary<Mutation>[] = [
    fc
      .constantFrom(...Object.keys(FIELDS))
      .chain((key) =>
        wrongKinds(FIELDS[key]?.type, REQUEST.required?.includes(key) === true).map((value) =>
          one([key], value),
        ),
      ),
    unknownKey(Object.keys(FIELDS)).chain((key) => someJson.map((value) => one([key], value))),
    badTimeouts.map((value) => one(['timeoutSeconds'], value)),
    fc
      .double({ min: open.timeout_seconds, minExcluded: true, max: 1e9, noNaN: true })
      .map((value) => one(['timeoutSeconds'], value)),
    limitKey.chain((key) =>
      wrongKinds(limitSchema(key).type, false).map((value) => one(['limits', key], value)),
    ),
    limitKey.chain((key) => badNumbers(limitSchema(key)).map((v) => one(['limits', key], v))),
    // Valid for config.yml, but above what this server is configured with.
    limitKey.chain((key) => {
      const configured = open.limits[key as keyof CodeExecutionConfig['limits']]
      const { high } = rangeOf(limitSchema(key))
      const above =
        limitSchema(key).type === 'integer'
          ? fc.integer({ min: configured + 1, max: high })
          : fc.double({ min: configured, minExcluded: true, max: high, noNaN: true })
      return above.map((value) => one(['limits', key], value))
    }),
    unknownKey(LIMIT_KEYS).chain((key) => someJson.map((v) => one(['limits', key], v))),
    fc.constant(one(['code'], 'é'.repeat(MAX_CODE_BYTES / 2 + 1))),
    fc.constant(
      one(
        ['files'],
        Array.from({ length: MAX_INPUT_FILES + 1 }, (_, i) => ({ name: `f${i}`, content: '' })),
      ),
    ),
  ]
  if (files.length === 0) return fc.oneof(...topLevel)
  const inFiles: fc.Arbitrary<Mutation>[] = [
    index.chain((i) => wrongKinds('object', false).map((value) => one(['files', i], value))),
    fc
      .tuple(index, fc.constantFrom(...Object.keys(FILE.properties ?? {})))
      .chain(([i, key]) =>
        wrongKinds(FILE.properties?.[key]?.type, FILE.required?.includes(key) === true).map(
          (value) => one(['files', i, key], value),
        ),
      ),
    fc
      .tuple(index, unknownKey(Object.keys(FILE.properties ?? {})), someJson)
      .map(([i, key, value]) => one(['files', i, key], value)),
    fc.tuple(index, unsafeName).map(([i, name]) => one(['files', i, 'name'], name)),
    fc
      .tuple(
        index,
        someString.filter((e) => !ENCODINGS.includes(e)),
      )
      .map(([i, encoding]) => one(['files', i, 'encoding'], encoding)),
    fc.tuple(index, badBase64).map(([i, content]) => ({
      at: [
        { path: ['files', i, 'content'], value: content },
        { path: ['files', i, 'encoding'], value: 'base64' },
      ],
      expected: ['files', i, 'content'],
    })),
    // More content than a 1 MiB workspace holds: the list as a whole is too big.
    index.map((i) => ({
      at: [
        { path: ['limits', 'workspace_mb'], value: 1 },
        { path: ['files', i], value: { name: files[i]?.name, content: 'x'.repeat(1_048_577) } },
      ],
      expected: ['files'],
    })),
    // Files without file access: the list is what is refused, whatever it holds.
    fc.constant({ at: [], expected: ['files'], settings: closed }),
  ]
  if (files.length > 1) {
    const pair = fc
      .tuple(index, index)
      .filter(([i, j]) => i !== j)
      .map(([i, j]) => ({ i, j, nameOfI: files[i]?.name ?? '' }))
    inFiles.push(
      // The second of two equal names is the one refused.
      pair.map(({ i, j, nameOfI }) =>
        one(['files', j, 'name'], nameOfI, ['files', Math.max(i, j), 'name']),
      ),
      // A name under another file, as if that file were a directory.
      pair.map(({ j, nameOfI }) => one(['files', j, 'name'], `${nameOfI}/~`)),
    )
  }
  return fc.oneof(...topLevel, ...inFiles)
}

function mutate(body: Body, mutation: Mutation): unknown {
  return mutation.at.reduce<unknown>(
    (result, { path, value }) => setIn(result, path, value),
    structuredClone(body),
  )
}

/** A body made for `settings` and one mutation that fits it. */
const mutatedBody = (settings: CodeExecutionConfig) =>
  validBody(settings).chain((body) => mutationsOf(body).map((mutation) => ({ body, mutation })))

// --- arbitrary values ---------------------------------------------------------------------

const KNOWN_KEYS = [
  ...Object.keys(FIELDS),
  ...LIMIT_KEYS,
  ...Object.keys(FILE.properties ?? {}),
  'signal',
  'onOutput',
]

const TRICKY_VALUES = [
  ...TRICKY_STRINGS,
  ...TRAVERSALS.slice(0, 8),
  ...ENCODINGS,
  'QUJD',
  'QUJ',
  0,
  -0,
  -1,
  0.5,
  1,
  8,
  32,
  1e308,
  2 ** 53,
]

/** JSON-like trees whose keys are mostly the request's own. */
const requestLike = jsonLike({
  keys: KNOWN_KEYS,
  strings: someString,
  tricky: TRICKY_VALUES,
  maxKeys: 5,
})

/** Every key path in `value`, as the messages write them; the root is not one. */
function pathsIn(value: unknown, path: Path = []): string[] {
  if (typeof value !== 'object' || value === null) return []
  return Object.keys(value).flatMap((key) => {
    const child = [...path, Array.isArray(value) ? Number(key) : key]
    return [pathString(child), ...pathsIn((value as Record<string, unknown>)[key], child)]
  })
}

const isObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The field a refusal of `body` may name: one the body has, the missing `code`, or the body. */
function expectNamesAFieldOf(body: unknown, message: string, root: string): void {
  const fields = [...pathsIn(body), 'code', ...(isObject(body) ? [] : [root])]
  expect(
    fields.some((field) => naming(field).test(message)),
    `names none of ${JSON.stringify(fields)}: ${message}`,
  ).toBe(true)
}

const anyBody = fc.oneof(fc.jsonValue({ maxDepth: 4 }), requestLike)
const anySettings = fc.constantFrom(closed, open)

describe('the request schema under fuzzing: never a crash, every refusal names its field', () => {
  it('derives the fields from the schema', () => {
    expect(Object.keys(FIELDS)).toStrictEqual([
      'code',
      'setupCode',
      'timeoutSeconds',
      'limits',
      'files',
    ])
    expect(LIMIT_KEYS).toContain('memory_mb')
    expect(LIMIT_KEYS).toContain('cpus')
    expect(Object.keys(FILE.properties ?? {})).toStrictEqual(['name', 'content', 'encoding'])
    expect(ENCODINGS).toStrictEqual(['utf8', 'base64'])
  })

  it(
    'answers any JSON value over HTTP with a request or a 400 naming a field the body has',
    () => {
      fc.assert(
        fc.property(anyBody, anySettings, (body, settings) => {
          const answer = overHttp(body, settings)
          if (!(answer instanceof Error)) return
          expectNamesAFieldOf(body, answer.message, 'body')
          if (answer.field !== undefined) expect(answer.message).toMatch(naming(answer.field))
        }),
        { numRuns: 1_000 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'answers any JSON value in the library with a request or an InvalidArgumentError naming a field',
    () => {
      fc.assert(
        fc.property(anyBody, anySettings, (body, settings) => {
          const answer = inLibrary(body, settings)
          if (answer instanceof InvalidArgumentError) {
            expectNamesAFieldOf(body, answer.message, 'request')
          }
        }),
        { numRuns: 1_000 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'accepts every valid body as exactly what it asked for, lowered limits and decoded files',
    () => {
      fc.assert(
        fc.property(anySettings.chain(validBody), fc.boolean(), (body, fileAccess) => {
          // A body without files is accepted alike with file access on or off.
          const settings = fileAccess || body.files !== undefined ? open : closed
          expectAccepted(body, settings, overHttp(body, settings))
          expectAccepted(body, settings, inLibrary(body, settings))
        }),
        { numRuns: 300 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'refuses a valid body made wrong at one path, naming exactly that path',
    () => {
      fc.assert(
        fc.property(fc.oneof(mutatedBody(open), mutatedBody(closed)), ({ body, mutation }) => {
          const settings = mutation.settings ?? (body.files === undefined ? closed : open)
          const request = mutate(body, mutation)
          const expected = pathString(mutation.expected)

          const answer = overHttp(request, settings)
          expect(answer).toBeInstanceOf(Error)
          const failure = answer as HttpError
          expect(failure.message).toMatch(naming(expected))
          if (failure.field !== undefined) expect(failure.field).toBe(expected)

          const refusal = inLibrary(request, settings)
          expect(refusal).toBeInstanceOf(InvalidArgumentError)
          expect((refusal as InvalidArgumentError).message).toMatch(naming(expected))
        }),
        { numRuns: 1_000 },
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
