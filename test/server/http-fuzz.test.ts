import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type CodeExecutionConfig, configSchema } from '../../src/config/schema.js'
import {
  executeRequestSchema,
  MAX_CODE_BYTES,
  MAX_INPUT_FILES,
  validateRequest,
} from '../../src/sandbox/execute-request.js'
import { parseExecutionBody } from '../../src/server/execution-body.js'
import { toHttpError } from '../../src/server/http-errors.js'
import { openApiDocument } from '../../src/server/openapi.js'
import { type Path, setIn } from '../support/fuzz.js'
import { TestServer } from '../support/http-server-fixture.js'

/**
 * Fuzzing `POST /v1/executions` on a real server: malformed JSON, wrong content types, odd
 * headers and raw HTTP, and JSON bodies made wrong at one field. Never a 5xx; every 4xx is
 * `{ error: { code, message } }` with a documented code, names the field when one is at fault,
 * and shows no host path or stack. Every generated body is invalid, so no container starts;
 * one valid request at the end proves the server still works. Field-level exhaustiveness is
 * the unit property test's job (src/server/execution-body.property.test.ts); this one proves
 * the wire.
 */

/**
 * Every request to the route takes a rate token, invalid ones too, as the route takes it from
 * the headers before the body is read; a few hundred of them would end in 429s, so the budget
 * is raised. Everything else is the default config.
 */
const BUDGET = { server: { rate_limit_per_minute: 100_000 } }

/** Two servers: file access off (the default) and on, so file names and contents are reached. */
const servers = {
  closed: undefined as TestServer | undefined,
  open: undefined as TestServer | undefined,
}
type ServerName = keyof typeof servers

const SETTINGS: Record<ServerName, CodeExecutionConfig> = {
  closed: configSchema.parse(BUDGET).code_execution,
  open: configSchema.parse({
    ...BUDGET,
    code_execution: { allowed_operations: { file_operations: true } },
  }).code_execution,
}

beforeAll(async () => {
  servers.closed = await TestServer.start({ config: BUDGET })
  servers.open = await TestServer.start({
    config: { ...BUDGET, code_execution: { allowed_operations: { file_operations: true } } },
  })
})

afterAll(async () => {
  const left = await Promise.all([servers.closed?.close(), servers.open?.close()])
  expect(left.flat()).toStrictEqual([])
})

function server(name: ServerName): TestServer {
  const found = servers[name]
  if (found === undefined) throw new Error(`the ${name} server did not start`)
  return found
}

const DOCUMENTED_CODES = (() => {
  const doc = openApiDocument('0') as {
    components: {
      schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } }
    }
  }
  return doc.components.schemas.Error.properties.error.properties.code.enum
})()

/** What must never reach a client: host paths, dependency paths, stack frames. */
const LEAKS = ['/work/', '/root', '/home/', 'node_modules', '    at ', 'file://']

interface Answer {
  readonly status: number
  readonly contentType: string | undefined
  readonly text: string
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The message shapes, each opening with the field: ``Invalid `limits.pids`: …``. */
const naming = (field: string): RegExp =>
  new RegExp(
    `^(Invalid|Expected|Unknown field|Unknown query parameter) ${escapeRegExp(`\`${field}\``)}`,
  )

/** Not a 5xx; a 4xx is our error shape, with a documented code and no host detail. */
function expectWellFormed(
  answer: Answer,
  field?: string,
): { code: string; message: string } | undefined {
  const context = `${answer.status} ${answer.text.slice(0, 300)}`
  expect(answer.status, context).toBeGreaterThanOrEqual(200)
  expect(answer.status, context).toBeLessThan(500)
  for (const leak of LEAKS) expect(answer.text, context).not.toContain(leak)
  if (answer.status < 400) return undefined
  expect(answer.contentType, context).toMatch(/^application\/json/)
  const body = JSON.parse(answer.text) as {
    error: { code: string; message: string; field?: string }
  }
  expect(body, context).toStrictEqual({
    error: expect.objectContaining({
      code: expect.any(String),
      message: expect.stringMatching(/\S/),
    }),
  })
  expect(
    Object.keys(body.error).filter((key) => !['code', 'message', 'field'].includes(key)),
  ).toStrictEqual([])
  expect(DOCUMENTED_CODES, context).toContain(body.error.code)
  if (field !== undefined) {
    expect(body.error.message, context).toMatch(naming(field))
    if (body.error.field !== undefined) expect(body.error.field, context).toBe(field)
  }
  return body.error
}

async function send(name: ServerName, init: RequestInit, path = '/v1/executions'): Promise<Answer> {
  const response = await fetch(server(name).url(path), { method: 'POST', ...init })
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    text: await response.text(),
  }
}

// --- JSON bodies made wrong at one field ---------------------------------------------------

const pathString = (path: Path): string =>
  path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`))
    .join('')

interface JsonSchema {
  readonly type?: string
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly minimum?: number
  readonly maximum?: number
}

const REQUEST = z.toJSONSchema(executeRequestSchema, {
  io: 'input',
  unrepresentable: 'any',
}) as JsonSchema
const LIMITS = REQUEST.properties?.limits?.properties ?? {}
const LIMIT_KEYS = Object.keys(LIMITS)
const configured = (key: string): number =>
  SETTINGS.closed.limits[key as keyof CodeExecutionConfig['limits']]

const someString = fc.string({ unit: 'grapheme', maxLength: 10 })
const someJson = fc.jsonValue({ maxDepth: 2 })
const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(someJson, { maxLength: 2 }),
)
const notANumber = fc.oneof(
  someString,
  fc.boolean(),
  fc.constant(null),
  fc.constant({}),
  fc.constant([1]),
)

/** A value `limits[key]` refuses: the wrong kind, out of the schema's range, a fraction, or above the config. */
function badLimit(key: string): fc.Arbitrary<unknown> {
  const { type, minimum = 0, maximum = 0 } = LIMITS[key] ?? {}
  return fc.oneof(
    notANumber,
    fc.double({ max: minimum, noNaN: true, noDefaultInfinity: true }).filter((n) => n < minimum),
    fc.double({ min: maximum, noNaN: true, noDefaultInfinity: true }).filter((n) => n > maximum),
    type === 'integer'
      ? fc.double({ min: minimum, max: maximum, noNaN: true }).filter((n) => !Number.isInteger(n))
      : fc.constant(-1),
    type === 'integer'
      ? fc.integer({ min: configured(key) + 1, max: maximum })
      : fc.double({ min: configured(key), minExcluded: true, max: maximum, noNaN: true }),
  )
}

const UNSAFE_NAMES = [
  '../x',
  '/etc/x',
  'a/../../b',
  '',
  'a//b',
  'a/',
  '.',
  'a\\b',
  'nul\u0000',
  'x'.repeat(1_025),
]
const BAD_BASE64 = ['not base64!', 'QUJD=', 'QUJ', 'QU-D', 'QU_D', 'QUJD\n', '====', 'Q===']

const validFile = fc.record({
  name: fc.stringMatching(/^[a-z]{1,8}(\/[a-z]{1,8})?$/),
  content: someString,
})
const eitherServer = fc.constantFrom<ServerName>('closed', 'open')
const KNOWN_FIELDS = Object.keys(REQUEST.properties ?? {})

/** One field made wrong: `value` at `path`, refused naming `field`. */
interface Mutation {
  readonly server: ServerName
  readonly path: Path
  readonly value: unknown
  readonly field?: string
}

const wrongAt = (path: Path, value: fc.Arbitrary<unknown>, server = eitherServer) =>
  fc.tuple(server, value).map(([s, v]): Mutation => ({ server: s, path, value: v }))

/** An input file with one key changed: without file access, a valid-looking list is refused whole. */
const fileWith = (key: string, value: fc.Arbitrary<unknown>, refusedWholeWhenClosed: boolean) =>
  fc.tuple(eitherServer, validFile, value).map(
    ([s, good, v]): Mutation => ({
      server: s,
      path: ['files', 0],
      value: { ...good, [key]: v },
      field: s === 'closed' && refusedWholeWhenClosed ? 'files' : `files[0].${key}`,
    }),
  )

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  wrongAt(['code'], fc.oneof(notAString, fc.constant(undefined))),
  wrongAt(
    ['timeoutSeconds'],
    fc.oneof(
      notANumber,
      fc.double({ max: 0, noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: SETTINGS.closed.timeout_seconds + 1, max: 1e9 }),
    ),
  ),
  fc.constantFrom(...LIMIT_KEYS).chain((key) => wrongAt(['limits', key], badLimit(key))),
  fc
    .oneof(someString, fc.constantFrom('__proto__', 'constructor', 'signal', 'memory', ''))
    .filter((key) => !KNOWN_FIELDS.includes(key))
    .chain((key) => wrongAt([key], someJson)),
  someString
    .filter((key) => !LIMIT_KEYS.includes(key))
    .chain((key) => wrongAt(['limits', key], someJson)),
  fileWith('x', fc.constant(1), false),
  fileWith('encoding', fc.constantFrom('hex', 'UTF8', 'utf-8', ''), false),
  fileWith('name', notAString, false),
  fileWith('name', fc.constantFrom(...UNSAFE_NAMES), true),
  fc.tuple(eitherServer, validFile, fc.constantFrom(...BAD_BASE64)).map(
    ([s, good, content]): Mutation => ({
      server: s,
      path: ['files', 0],
      value: { ...good, content, encoding: 'base64' },
      field: s === 'closed' ? 'files' : 'files[0].content',
    }),
  ),
  wrongAt(
    ['files'],
    fc.constant(
      Array.from({ length: MAX_INPUT_FILES + 1 }, (_, i) => ({ name: `f${i}`, content: '' })),
    ),
  ),
  wrongAt(['code'], fc.constant('x'.repeat(MAX_CODE_BYTES + 1))),
)

/** A valid body (`code`, sometimes a lower timeout and limits), then one field made wrong. */
const jsonCase = fc
  .tuple(
    fc.record(
      {
        code: fc.constantFrom('print(1)', '', 'x = 1\n'),
        timeoutSeconds: fc.double({ min: 0.1, max: SETTINGS.closed.timeout_seconds, noNaN: true }),
        limits: fc.constantFrom({}, { memory_mb: 64 }, { cpus: 0.5, pids: 16 }),
      },
      { requiredKeys: ['code'] },
    ),
    mutation,
  )
  .map(([base, { server, path, value, field }]) => ({
    server,
    body: setIn(structuredClone(base), path, value),
    field: field ?? pathString(path),
  }))

/** The server's own answer for a JSON body, computed in-process: what the wire must carry. */
function expectedRefusal(name: ServerName, body: unknown): unknown {
  const onTheWire = JSON.parse(JSON.stringify(body)) as unknown
  try {
    validateRequest(parseExecutionBody(onTheWire), SETTINGS[name])
  } catch (error) {
    return toHttpError(error).toJSON()
  }
  return undefined
}

/** Whether `text` is a body the server would run: such a body is not sent. */
function runnable(name: ServerName, text: string): boolean {
  try {
    return expectedRefusal(name, JSON.parse(text)) === undefined
  } catch {
    return false
  }
}

// --- bytes, content types, headers ---------------------------------------------------------

const MALFORMED_JSON = [
  '',
  ' ',
  '{',
  '{"code":',
  '{"code":"print(1)"',
  '{"code":"print(1)"}}',
  "{'code':'print(1)'}",
  '{"code":"print(1)",}',
  '{"code":NaN}',
  '{"code":undefined}',
  '\uFEFF{"code":"print(1)"}x',
  '{"__proto__":{"code":"x"}}',
  '{"code":"x","constructor":{"prototype":{"polluted":true}}}',
  'null',
  'true',
  '"print(1)"',
  '[]',
  '1e400',
  '{"code":"\\ud800"}x',
  '['.repeat(20_000),
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  `{"code":"",${'"limits":{'.repeat(2_000)}`,
  '\u0000\u0001\u0002',
]

/** Valid JSON, refused by the schema (`pids` out of range): never runnable. */
const INVALID_BODY = '{"code":"print(1)","limits":{"pids":999999}}'

const bytesBody = fc.oneof(
  fc.constantFrom(...MALFORMED_JSON),
  fc.string({ unit: 'binary', maxLength: 200 }),
  // A refused body cut short, with a character after the cut.
  fc
    .tuple(fc.nat(), fc.string({ maxLength: 1 }))
    .map(([at, char]) => `${INVALID_BODY.slice(0, at % INVALID_BODY.length)}${char}`),
)

const CONTENT_TYPES = [
  undefined,
  '',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/jsonx',
  'application/json-patch+json',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;;;',
  '*/*',
  'json',
  ';',
  'application/json\u00e9',
]

/** Headers fetch lets a client send: long, many, repeated, odd names and values. */
const oddHeaders = fc.oneof(
  fc.constant<Record<string, string>>({}),
  fc.integer({ min: 1_000, max: 40_000 }).map((n) => ({ 'x-long': 'a'.repeat(n) })),
  fc
    .integer({ min: 50, max: 400 })
    .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, `${i}`]))),
  fc.constantFrom<Record<string, string>>(
    { authorization: 'Bearer nonsense' },
    { authorization: 'x'.repeat(10_000) },
    { accept: 'text/event-stream' },
    { accept: 'application/xml' },
    { 'accept-encoding': 'gzip, br, zstd, identity;q=0' },
    { 'content-encoding': 'gzip' },
    { 'content-encoding': 'br' },
    { 'x-forwarded-for': '1.2.3.4, ::1' },
    { 'x-request-id': '../../etc/passwd' },
  ),
  fc.dictionary(
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
    fc.string({
      unit: fc.constantFrom(...' !"#$%&()*+,-./:;<=>?@[\\]^_`{|}~azAZ09\t'),
      maxLength: 50,
    }),
    { maxKeys: 5 },
  ),
)

const QUERIES = [
  '',
  '?stream=true',
  '?stream=maybe',
  '?stream',
  '?x=1',
  '?stream=true&stream=false',
  '?__proto__=1',
  '?%zz',
  '?stream=%zz',
  '?constructor=1',
]

// --- raw HTTP: what fetch cannot send ------------------------------------------------------

/** Sends bytes on a fresh connection and reads what comes back until the server closes it. */
function rawExchange(name: ServerName, request: string): Promise<Answer | undefined> {
  const { port, hostname } = new URL(server(name).url('/'))
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname })
    const chunks: Buffer[] = []
    socket.setTimeout(10_000, () => {
      socket.destroy()
      reject(new Error(`no answer within 10 s to ${JSON.stringify(request.slice(0, 200))}`))
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // The server may reset a connection it refuses; what it wrote before still counts.
    socket.on('error', () => {})
    socket.on('close', () => {
      // An interim `100 Continue` may come first; the final answer is what counts.
      const raw = Buffer.concat(chunks)
        .toString('latin1')
        .replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n)+/, '')
      if (raw === '') return resolve(undefined)
      const [head = '', ...rest] = raw.split('\r\n\r\n')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1])
      const contentType = /^content-type: *(.*)$/im.exec(head)?.[1]
      const text = Buffer.from(rest.join('\r\n\r\n'), 'latin1').toString('utf8')
      resolve({ status, contentType, text })
    })
    socket.end(request, 'latin1')
  })
}

const request = (lines: readonly string[], body = INVALID_BODY) =>
  `${lines.join('\r\n')}\r\n\r\n${body}`
const HEAD = ['Host: x', 'Connection: close']
const POST_HEAD = ['POST /v1/executions HTTP/1.1', ...HEAD, 'Content-Type: application/json']
const post = (...headers: string[]) =>
  request([...POST_HEAD, ...headers, 'Content-Length: 2'], '{}')
/** A JSON `{}` (refused: no `code`) after an odd request line. */
const line = (requestLine: string) =>
  request([requestLine, ...HEAD, 'Content-Type: application/json', 'Content-Length: 2'], '{}')
const CHUNKED = 'Transfer-Encoding: chunked'

/** Raw requests, and the code of the answer; `undefined` where the server may just hang up. */
const RAW_REQUESTS: readonly [string, string, string | undefined][] = [
  [
    'a well-formed request',
    request([...POST_HEAD, `Content-Length: ${INVALID_BODY.length}`]),
    'invalid_argument',
  ],
  [
    'a non-numeric Content-Length',
    request([...POST_HEAD, 'Content-Length: abc']),
    'malformed_request',
  ],
  ['a negative Content-Length', request([...POST_HEAD, 'Content-Length: -1']), 'malformed_request'],
  [
    'two Content-Lengths',
    request([...POST_HEAD, `Content-Length: ${INVALID_BODY.length}`, 'Content-Length: 1']),
    'malformed_request',
  ],
  [
    'chunked and a Content-Length',
    request([...POST_HEAD, CHUNKED, `Content-Length: ${INVALID_BODY.length}`]),
    'malformed_request',
  ],
  [
    'a malformed chunk',
    request([...POST_HEAD, CHUNKED], 'zz\r\n{}\r\n0\r\n\r\n'),
    'malformed_request',
  ],
  [
    'a chunked body',
    request(
      [...POST_HEAD, CHUNKED],
      `${INVALID_BODY.length.toString(16)}\r\n${INVALID_BODY}\r\n0\r\n\r\n`,
    ),
    'invalid_argument',
  ],
  [
    'gzip, chunked',
    request([...POST_HEAD, 'Transfer-Encoding: gzip, chunked'], '0\r\n\r\n'),
    'invalid_json',
  ],
  ['a 70 kB header', post(`X-Huge: ${'a'.repeat(70_000)}`), 'headers_too_large'],
  ['a header name with a space', post('Bad Header: x'), 'malformed_request'],
  ['a NUL in a header value', post('X-Nul: a\u0000b'), 'malformed_request'],
  ['a folded header', post('X-Fold: a', ' folded'), 'malformed_request'],
  ['a latin1 header value', post('X-Latin: caf\u00e9'), 'invalid_argument'],
  ['Expect: 100-continue', post('Expect: 100-continue'), 'invalid_argument'],
  ['an unknown Expect', post('Expect: 200-ok'), 'invalid_argument'],
  ['a bad escape in the path', line('POST /v1/executions%zz HTTP/1.1'), 'malformed_request'],
  ['a cut escape in the path', line('POST /v1/executions% HTTP/1.1'), 'malformed_request'],
  ['a cut UTF-8 escape', line('POST /%E0%A4%A HTTP/1.1'), 'malformed_request'],
  [
    'a bad escape in the query',
    line('POST /v1/executions?stream=%zz HTTP/1.1'),
    'invalid_argument',
  ],
  ['an absolute URL', line('POST http://x/v1/executions HTTP/1.1'), 'invalid_argument'],
  ['an asterisk target', line('POST * HTTP/1.1'), 'not_found'],
  [
    'HTTP/1.0 without Host',
    request(
      ['POST /v1/executions HTTP/1.0', 'Content-Type: application/json', 'Content-Length: 2'],
      '{}',
    ),
    'invalid_argument',
  ],
  [
    'HTTP/1.1 without Host',
    request(
      [
        'POST /v1/executions HTTP/1.1',
        'Connection: close',
        'Content-Type: application/json',
        'Content-Length: 2',
      ],
      '{}',
    ),
    'malformed_request',
  ],
  ['HTTP/2.0 over HTTP/1', line('POST /v1/executions HTTP/2.0'), 'invalid_argument'],
  ['an unknown method', line('P0ST /v1/executions HTTP/1.1'), 'malformed_request'],
  ['a lower-case method', line('post /v1/executions HTTP/1.1'), 'malformed_request'],
  ['no HTTP version', line('POST /v1/executions'), 'invalid_argument'],
  ['GET', line('GET /v1/executions HTTP/1.1'), 'not_found'],
  ['blank lines', '\r\n\r\n', undefined],
  ['garbage', 'garbage\r\n\r\n', 'malformed_request'],
  [
    'a TLS hello',
    '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003',
    'malformed_request',
  ],
]

describe('POST /v1/executions under fuzzing: never a 5xx, every refusal well-formed', () => {
  it('answers JSON bodies made wrong at one field with a 400 naming that field, as the library would', async () => {
    await fc.assert(
      fc.asyncProperty(jsonCase, async ({ server: name, body, field }) => {
        const expected = expectedRefusal(name, body)
        // Only refusals are sent: nothing here may start a container.
        expect(expected, 'the generated body is valid').toBeDefined()
        const answer = await send(name, {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
        expect(answer.status).toBe(400)
        expectWellFormed(answer, field)
        expect(JSON.parse(answer.text)).toStrictEqual(expected)
      }),
      { numRuns: 150 },
    )
  })

  it('answers malformed bytes, wrong content types, odd headers and queries with a well-formed 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ServerName>('closed', 'open'),
        bytesBody,
        fc.constantFrom(...CONTENT_TYPES),
        oddHeaders,
        fc.constantFrom(...QUERIES),
        async (name, body, contentType, headers, query) => {
          fc.pre(!runnable(name, body))
          const bytes = new TextEncoder().encode(body)
          const answer = await send(
            name,
            {
              headers: {
                ...headers,
                ...(contentType === undefined ? {} : { 'content-type': contentType }),
              },
              body: bytes,
            },
            `/v1/executions${query}`,
          )
          expect(answer.status, answer.text).toBeGreaterThanOrEqual(400)
          expectWellFormed(answer)
        },
      ),
      { numRuns: 120 },
    )
  })

  it.each(RAW_REQUESTS)('answers raw HTTP with %s as a well-formed 4xx', async (_, raw, code) => {
    const answer = await rawExchange('closed', raw)
    if (code === undefined) {
      if (answer !== undefined) expectWellFormed(answer)
      return
    }
    expect(answer, 'the server hung up without an answer').toBeDefined()
    expect(expectWellFormed(answer as Answer)?.code).toBe(code)
  })

  it('refuses `__proto__` and `constructor` keys by name, and pollutes nothing', async () => {
    // The server runs in this process: a polluted prototype would show here.
    const bodies: [string, string][] = [
      ['{"code":"print(1)","__proto__":{"polluted":true}}', '__proto__'],
      ['{"code":"print(1)","limits":{"__proto__":{"polluted":true}}}', 'limits.__proto__'],
      ['{"code":"print(1)","constructor":{"prototype":{"polluted":true}}}', 'constructor'],
      [
        '{"code":"","files":[{"name":"a","content":"","__proto__":{"polluted":true}}]}',
        'files[0].__proto__',
      ],
    ]
    for (const [body, field] of bodies) {
      const answer = await send('open', { headers: { 'content-type': 'application/json' }, body })
      expect(answer.status).toBe(400)
      expectWellFormed(answer, field)
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    }
  })

  it('still runs a valid request afterwards, and leaves no container', async () => {
    const answer = await send('closed', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'print(1)' }),
    })
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toMatchObject({ status: 'ok', stdout: '1\n' })
  })
})
