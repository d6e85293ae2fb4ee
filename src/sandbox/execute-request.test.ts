import { describe, expect, it } from 'vitest'
import { configSchema, limitsSchema } from '../config/schema.js'
import { InvalidArgumentError } from '../errors.js'
import { executeRequestSchema, MAX_CODE_BYTES, validateRequest } from './execute-request.js'

const settings = configSchema.parse({}).code_execution
const withFiles = configSchema.parse({
  code_execution: { allowed_operations: { file_operations: true } },
}).code_execution

describe('validateRequest', () => {
  it('takes the configured timeout and limits when none are asked for', () => {
    expect(validateRequest({ code: 'print(1)' }, settings)).toEqual({
      code: 'print(1)',
      timeoutSeconds: 10,
      limits: settings.limits,
      files: [],
    })
  })

  it('accepts a lower timeout and lower limits', () => {
    const request = validateRequest(
      { code: '', timeoutSeconds: 2.5, limits: { memory_mb: 64, pids: 16 } },
      settings,
    )
    expect(request.timeoutSeconds).toBe(2.5)
    expect(request.limits).toEqual({ ...settings.limits, memory_mb: 64, pids: 16 })
  })

  it('refuses a timeout above the configured one, naming the setting', () => {
    expect(() => validateRequest({ code: '', timeoutSeconds: 30 }, settings)).toThrow(
      'Expected `timeoutSeconds` to be at most 10 (code_execution.timeout_seconds), got 30',
    )
  })

  it('refuses a limit above the configured one, naming the setting', () => {
    expect(() => validateRequest({ code: '', limits: { memory_mb: 512 } }, settings)).toThrow(
      'Expected `limits.memory_mb` to be at most 256 (code_execution.limits.memory_mb), got 512',
    )
  })

  it.each([
    ['memory_mb', 0],
    ['cpus', 0],
    ['pids', 0],
    ['tmpfs_mb', 0],
    ['open_files', 0],
    ['memory_mb', 0.5],
    ['pids', 1.5],
    ['tmpfs_mb', 0.5],
  ])(
    'refuses limits.%s = %s, outside what config.yml accepts (0 would mean no limit to Docker)',
    (key, value) => {
      expect(() => validateRequest({ code: '', limits: { [key]: value } }, settings)).toThrow(
        new RegExp(`^Invalid \`limits\\.${key}\`: `),
      )
    },
  )

  it('refuses missing code, wrong types and unknown fields, naming the field', () => {
    expect(() => validateRequest({}, settings)).toThrow(/`code`/)
    expect(() => validateRequest({ code: 1 }, settings)).toThrow(/`code`/)
    expect(() => validateRequest({ code: '', timeoutSeconds: -1 }, settings)).toThrow(
      /`timeoutSeconds`/,
    )
    expect(() => validateRequest({ code: '', files: [{ name: 'a' }] }, settings)).toThrow(
      'Invalid `files[0].content`',
    )
  })

  it('names an unknown field itself, not the object that holds it', () => {
    expect(() => validateRequest({ code: '', limits: { memory: 1 } }, settings)).toThrow(
      `Invalid \`limits.memory\`: unknown key; expected one of: memory_mb, cpus, pids, output_bytes, tmpfs_mb, open_files, workspace_mb, returned_file_bytes, returned_total_bytes, returned_files, artifact_bytes, artifacts`,
    )
    expect(() =>
      validateRequest({ code: '', files: [{ name: 'a', content: '', mode: 1 }] }, withFiles),
    ).toThrow('Invalid `files[0].mode`: unknown key; expected one of: name, content, encoding')
    expect(() => validateRequest({ code: '', memory: 1 }, settings)).toThrow(
      new InvalidArgumentError(
        'Invalid `memory`: unknown key; expected one of: code, setupCode, timeoutSeconds, limits, files',
      ),
    )
  })

  it('refuses a signal or output listener of the wrong kind before anything runs', () => {
    expect(() => validateRequest({ code: '', signal: false }, settings)).toThrow(
      new InvalidArgumentError('Expected `signal` to be an AbortSignal, got boolean'),
    )
    expect(() => validateRequest({ code: '', signal: { aborted: false } }, settings)).toThrow(
      'Expected `signal` to be an AbortSignal, got object',
    )
    expect(() => validateRequest({ code: '', onOutput: 'stdout' }, settings)).toThrow(
      new InvalidArgumentError('Expected `onOutput` to be a function, got string'),
    )
    const request = { code: '', signal: new AbortController().signal, onOutput: () => {} }
    expect(validateRequest(request, settings).code).toBe('')
  })

  it('refuses code over the size cap before parsing it', () => {
    expect(() => validateRequest({ code: 'x'.repeat(MAX_CODE_BYTES + 1) }, settings)).toThrow(
      `Expected \`code\` to be at most ${MAX_CODE_BYTES} bytes, got ${MAX_CODE_BYTES + 1}`,
    )
  })
})

describe('validateRequest: setup code', () => {
  it('carries setup code, and takes empty setup code as none', () => {
    expect(validateRequest({ code: 'f()', setupCode: 'def f(): pass' }, settings)).toEqual({
      code: 'f()',
      setupCode: 'def f(): pass',
      timeoutSeconds: 10,
      limits: settings.limits,
      files: [],
    })
    expect(validateRequest({ code: 'f()', setupCode: '' }, settings)).not.toHaveProperty(
      'setupCode',
    )
  })

  it('refuses setup code that is not a string, naming the field', () => {
    expect(() => validateRequest({ code: '', setupCode: 1 }, settings)).toThrow(
      'Invalid `setupCode`: expected a string, got number 1',
    )
  })

  it('counts setup code and code together against the size cap, naming the field at fault', () => {
    const half = 'x'.repeat(MAX_CODE_BYTES / 2)
    expect(validateRequest({ code: half, setupCode: half }, settings).code).toBe(half)
    expect(() => validateRequest({ code: `${half}x`, setupCode: half }, settings)).toThrow(
      `Expected \`setupCode\` and \`code\` together to be at most ${MAX_CODE_BYTES} bytes, got ${MAX_CODE_BYTES / 2} + ${MAX_CODE_BYTES / 2 + 1}`,
    )
    expect(() =>
      validateRequest({ code: '', setupCode: 'é'.repeat(MAX_CODE_BYTES / 2 + 1) }, settings),
    ).toThrow(
      `Expected \`setupCode\` to be at most ${MAX_CODE_BYTES} bytes, got ${MAX_CODE_BYTES + 2}`,
    )
  })
})

describe('validateRequest: input files', () => {
  it('decodes text and base64 content', () => {
    const request = validateRequest(
      {
        code: '',
        files: [
          { name: 'a.txt', content: 'héllo' },
          {
            name: 'data/b.bin',
            content: Buffer.from([0, 255]).toString('base64'),
            encoding: 'base64',
          },
        ],
      },
      withFiles,
    )
    expect(request.files).toEqual([
      { name: 'a.txt', content: Buffer.from('héllo') },
      { name: 'data/b.bin', content: Buffer.from([0, 255]) },
    ])
  })

  it('refuses files when file operations are off, naming the field and the setting', () => {
    expect(() =>
      validateRequest({ code: '', files: [{ name: 'a', content: '' }] }, settings),
    ).toThrow(
      'Invalid `files`: input files need file access; set code_execution.allowed_operations.file_operations to true.',
    )
  })

  it.each([
    ['/etc/passwd', 'expected a relative path, got an absolute one'],
    ['../escape', 'expected no `.` or `..` segments'],
    ['a/../../b', 'expected no `.` or `..` segments'],
    ['a//b', 'expected no empty path segments'],
    ['dir/', 'expected no empty path segments'],
    ['', 'expected a non-empty name'],
    ['a\\b', 'expected no control characters or backslashes'],
    ['nul\u0000byte', 'expected no control characters or backslashes'],
  ])('refuses the unsafe name %j', (name, reason) => {
    expect(() => validateRequest({ code: '', files: [{ name, content: 'x' }] }, withFiles)).toThrow(
      `Invalid \`files[0].name\` ${JSON.stringify(name)}: ${reason}`,
    )
  })

  it('refuses a name given twice, and a file that is also a directory', () => {
    const twice = [
      { name: 'a', content: '' },
      { name: 'a', content: '' },
    ]
    expect(() => validateRequest({ code: '', files: twice }, withFiles)).toThrow(
      '"a" is given twice',
    )
    const clash = [
      { name: 'a', content: '' },
      { name: 'a/b', content: '' },
    ]
    expect(() => validateRequest({ code: '', files: clash }, withFiles)).toThrow(
      'Invalid `files[1].name`: "a" is both a file and the directory of "a/b"',
    )
  })

  it('refuses malformed base64 and input larger than the workspace', () => {
    expect(() =>
      validateRequest(
        { code: '', files: [{ name: 'a', content: 'not base64!', encoding: 'base64' }] },
        withFiles,
      ),
    ).toThrow('Invalid `files[0].content`: expected base64')
    const big = [{ name: 'big', content: 'x'.repeat(2 * 1_048_576) }]
    expect(() =>
      validateRequest({ code: '', files: big, limits: { workspace_mb: 1 } }, withFiles),
    ).toThrow(
      'Expected `files` to be at most 1048576 (code_execution.limits.workspace_mb (in bytes)), got 2097152',
    )
  })

  it('accepts exactly the limit keys that config.yml has, so a new limit can be lowered too', () => {
    const requestLimits = executeRequestSchema.shape.limits.unwrap().shape
    expect(Object.keys(requestLimits)).toStrictEqual(Object.keys(limitsSchema.shape))
  })
})
