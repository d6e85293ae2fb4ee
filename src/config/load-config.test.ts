import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, type ConfigProblem, SandboxError } from '../errors.js'
import { loadConfigFile, parseConfig } from './load-config.js'
import type { SandboxConfig } from './schema.js'

const repoFile = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url))

/** Written out by hand, from config.yml's comments: the schema must agree, not define them. */
const DEFAULTS: SandboxConfig = {
  code_execution: {
    allow_dangerous_operations: false,
    allowed_operations: { file_operations: false, os_operations: false, imports: [] },
    timeout_seconds: 10,
    limits: {
      memory_mb: 256,
      cpus: 1,
      pids: 64,
      output_bytes: 1_048_576,
      tmpfs_mb: 64,
      open_files: 256,
      workspace_mb: 64,
      returned_file_bytes: 10_485_760,
      returned_total_bytes: 20_971_520,
      returned_files: 100,
      artifact_bytes: 2_097_152,
      artifacts: 10,
    },
    image: 'tinyagent-sandbox/python',
    runtime: 'runc',
    mounts: [],
  },
  orchestrator: { instance_id: 'default', concurrency: 4, queue_limit: 100 },
  pool: { size: 2, max_size: 4, preload: ['numpy', 'pandas'], idle_seconds: 300 },
  server: {
    host: '127.0.0.1',
    port: 8080,
    body_limit_bytes: 2_097_152,
    rate_limit_per_minute: 120,
    concurrency_per_key: 8,
    shutdown_grace_seconds: 10,
    request_timeout_seconds: 30,
    response_timeout_seconds: 60,
    keep_alive_timeout_seconds: 5,
    idempotency_ttl_seconds: 600,
  },
  tool: { result_chars: 12_000 },
  queue: {
    name: 'executions',
    max_wait_seconds: 60,
    lock_seconds: 10,
    result_ttl_seconds: 600,
    max_result_bytes: 33_554_432,
  },
  logging: { level: 'info' },
}

/** Parses text that must be refused and returns the ConfigError, failing the test otherwise. */
function refusal(text: string, source = 'test.yml'): ConfigError {
  try {
    parseConfig(text, source)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`expected the config to be refused:\n${text}`)
}

function problemsOf(text: string): readonly ConfigProblem[] {
  return refusal(text).problems
}

describe('parseConfig: defaults', () => {
  it('gives every default for empty text', () => {
    expect(parseConfig('', 'empty.yml')).toStrictEqual(DEFAULTS)
  })

  it('gives every default for a file of comments only, or an explicit null document', () => {
    expect(parseConfig('# nothing set here\n')).toStrictEqual(DEFAULTS)
    expect(parseConfig('~\n')).toStrictEqual(DEFAULTS)
  })

  it('fills the keys a partial file leaves out with their defaults', () => {
    const config = parseConfig(
      'code_execution:\n  limits:\n    memory_mb: 512\nlogging:\n  level: debug\n',
    )
    expect(config).toStrictEqual({
      ...DEFAULTS,
      code_execution: {
        ...DEFAULTS.code_execution,
        limits: { ...DEFAULTS.code_execution.limits, memory_mb: 512 },
      },
      logging: { level: 'debug' },
    })
  })
})

describe('loadConfigFile: the files in the repository', () => {
  it('reads the repository config.yml as exactly the defaults', async () => {
    expect(await loadConfigFile(repoFile('config.yml'))).toStrictEqual(DEFAULTS)
  })

  it('reads examples/configs/development.yml as the seed development case: static policy off', async () => {
    const config = await loadConfigFile(repoFile('examples/configs/development.yml'))
    expect(config).toStrictEqual({
      ...DEFAULTS,
      code_execution: { ...DEFAULTS.code_execution, allow_dangerous_operations: true },
    })
  })

  it('reads examples/configs/web-api.yml as the seed web API case: everything off, no extra imports', async () => {
    const config = await loadConfigFile(repoFile('examples/configs/web-api.yml'))
    expect(config.code_execution.allow_dangerous_operations).toBe(false)
    expect(config.code_execution.allowed_operations).toStrictEqual({
      file_operations: false,
      os_operations: false,
      imports: [],
    })
    expect(config).toStrictEqual({
      ...DEFAULTS,
      code_execution: { ...DEFAULTS.code_execution, timeout_seconds: 5 },
    })
  })

  it('reads examples/configs/trusted-environment.yml as the seed trusted case: files and path modules only', async () => {
    const config = await loadConfigFile(repoFile('examples/configs/trusted-environment.yml'))
    expect(config).toStrictEqual({
      ...DEFAULTS,
      code_execution: {
        ...DEFAULTS.code_execution,
        allow_dangerous_operations: false,
        allowed_operations: {
          file_operations: true,
          os_operations: false,
          imports: ['os.path', 'pathlib'],
        },
      },
    })
  })

  it('reads examples/configs/data-analysis.yml: the default policy plus matplotlib', async () => {
    const config = await loadConfigFile(repoFile('examples/configs/data-analysis.yml'))
    expect(config).toStrictEqual({
      ...DEFAULTS,
      code_execution: {
        ...DEFAULTS.code_execution,
        allowed_operations: {
          ...DEFAULTS.code_execution.allowed_operations,
          imports: ['matplotlib'],
        },
      },
    })
  })
})

describe('parseConfig: refusals', () => {
  it('reports a YAML syntax error with its line and column', () => {
    const error = refusal('logging:\n  level: info\na: b: c\n', 'bad.yml')
    expect(error.code).toBe('config_invalid')
    expect(error.problems).toStrictEqual([
      {
        path: '',
        message: 'YAML syntax error: Nested mappings are not allowed in compact mappings',
        line: 3,
        column: 4,
      },
    ])
    expect(error.message).toBe(
      'Invalid configuration in bad.yml:\n  bad.yml:3:4: YAML syntax error: Nested mappings are not allowed in compact mappings',
    )
  })

  it('reports an unclosed flow sequence as a syntax error, located', () => {
    const [problem, ...rest] = problemsOf(
      'code_execution:\n  allowed_operations:\n    imports: [os\n',
    )
    expect(rest).toStrictEqual([])
    expect(problem?.path).toBe('')
    expect(problem?.message).toMatch(/^YAML syntax error: /)
    expect(problem?.line).toBeTypeOf('number')
    expect(problem?.column).toBeTypeOf('number')
  })

  it('refuses an unknown top-level key, naming it and the keys expected there', () => {
    const error = refusal('code_execution: {}\nbogus: 1\n')
    expect(error.problems).toStrictEqual([
      {
        path: 'bogus',
        message:
          'unknown key; expected one of: code_execution, orchestrator, pool, server, tool, queue, logging',
        line: 2,
        column: 1,
      },
    ])
    expect(error.message).toBe(
      'Invalid configuration in test.yml:\n  test.yml:2:1: bogus: unknown key; expected one of: code_execution, orchestrator, pool, server, tool, queue, logging',
    )
  })

  it('refuses a misspelt nested key, naming its full path and the keys expected there', () => {
    expect(problemsOf('code_execution:\n  limits:\n    memory: 512\n')).toStrictEqual([
      {
        path: 'code_execution.limits.memory',
        message:
          'unknown key; expected one of: memory_mb, cpus, pids, output_bytes, tmpfs_mb, open_files, workspace_mb, returned_file_bytes, returned_total_bytes, returned_files, artifact_bytes, artifacts',
        line: 3,
        column: 5,
      },
    ])
  })

  it('refuses an unknown key inside allowed_operations, so a typo never leaves a permission at its default', () => {
    expect(
      problemsOf('code_execution:\n  allowed_operations:\n    file_operation: true\n'),
    ).toStrictEqual([
      {
        path: 'code_execution.allowed_operations.file_operation',
        message: 'unknown key; expected one of: file_operations, os_operations, imports',
        line: 3,
        column: 5,
      },
    ])
  })

  it('locates an unknown key written in flow style', () => {
    expect(problemsOf('code_execution: {limits: {memroy_mb: 1}}\n')).toStrictEqual([
      {
        path: 'code_execution.limits.memroy_mb',
        message:
          'unknown key; expected one of: memory_mb, cpus, pids, output_bytes, tmpfs_mb, open_files, workspace_mb, returned_file_bytes, returned_total_bytes, returned_files, artifact_bytes, artifacts',
        line: 1,
        column: 27,
      },
    ])
  })

  it('refuses __proto__ as an unknown key rather than letting it through', () => {
    expect(
      problemsOf('code_execution:\n  __proto__:\n    allow_dangerous_operations: true\n'),
    ).toStrictEqual([
      {
        path: 'code_execution.__proto__',
        message:
          'unknown key; expected one of: allow_dangerous_operations, allowed_operations, timeout_seconds, limits, image, runtime, mounts, workspace_root',
        line: 2,
        column: 3,
      },
    ])
  })

  it('refuses a wrong type, naming the path, the expected type and what was found', () => {
    expect(problemsOf('code_execution:\n  allowed_operations:\n    imports: os\n')).toStrictEqual([
      {
        path: 'code_execution.allowed_operations.imports',
        message: 'expected a list, got the string "os"',
        line: 3,
        column: 14,
      },
    ])
    expect(problemsOf('orchestrator: [1, 2]\n')).toStrictEqual([
      { path: 'orchestrator', message: 'expected a mapping, got a list', line: 1, column: 15 },
    ])
    expect(problemsOf('code_execution:\n  limits:\n    memory_mb: 256.5\n')).toStrictEqual([
      {
        path: 'code_execution.limits.memory_mb',
        message: 'expected an integer, got number 256.5',
        line: 3,
        column: 16,
      },
    ])
  })

  it('refuses a number written with units, with the hint about quotes and units', () => {
    expect(problemsOf('code_execution:\n  timeout_seconds: 10s\n')).toStrictEqual([
      {
        path: 'code_execution.timeout_seconds',
        message:
          'expected a number, got the string "10s" (write the number without quotes or units)',
        line: 2,
        column: 20,
      },
    ])
  })

  it('refuses a quoted "false" for allow_dangerous_operations (the seed read it as true), with the hint about quotes', () => {
    const error = refusal('code_execution:\n  allow_dangerous_operations: "false"\n', 'config.yml')
    expect(error.problems).toStrictEqual([
      {
        path: 'code_execution.allow_dangerous_operations',
        message: 'expected a boolean, got the string "false" (write true or false without quotes)',
        line: 2,
        column: 31,
      },
    ])
    expect(error.message).toBe(
      'Invalid configuration in config.yml:\n  config.yml:2:31: code_execution.allow_dangerous_operations: expected a boolean, got the string "false" (write true or false without quotes)',
    )
  })

  it('refuses YAML 1.1 spellings such as `yes` and `off` for booleans', () => {
    expect(
      problemsOf(
        'code_execution:\n  allow_dangerous_operations: yes\n  allowed_operations:\n    file_operations: off\n',
      ),
    ).toStrictEqual([
      {
        path: 'code_execution.allow_dangerous_operations',
        message: 'expected a boolean, got the string "yes" (write true or false without quotes)',
        line: 2,
        column: 31,
      },
      {
        path: 'code_execution.allowed_operations.file_operations',
        message: 'expected a boolean, got the string "off" (write true or false without quotes)',
        line: 4,
        column: 22,
      },
    ])
  })

  it('refuses numbers out of range, each with its bound and value', () => {
    const problems = problemsOf(
      'code_execution:\n  timeout_seconds: 0\n  limits:\n    memory_mb: 16\n    cpus: 100\norchestrator:\n  concurrency: 0\n  queue_limit: -1\n',
    )
    expect(problems).toStrictEqual([
      {
        path: 'code_execution.timeout_seconds',
        message: 'expected a value > 0, got number 0',
        line: 2,
        column: 20,
      },
      {
        path: 'code_execution.limits.memory_mb',
        message: 'expected a value >= 32, got number 16',
        line: 4,
        column: 16,
      },
      {
        path: 'code_execution.limits.cpus',
        message: 'expected a value <= 64, got number 100',
        line: 5,
        column: 11,
      },
      {
        path: 'orchestrator.concurrency',
        message: 'expected a value >= 1, got number 0',
        line: 7,
        column: 16,
      },
      {
        path: 'orchestrator.queue_limit',
        message: 'expected a value >= 0, got number -1',
        line: 8,
        column: 16,
      },
    ])
  })

  it('refuses a timeout above one hour', () => {
    expect(problemsOf('code_execution:\n  timeout_seconds: 3601\n')).toStrictEqual([
      {
        path: 'code_execution.timeout_seconds',
        message: 'expected a value <= 3600, got number 3601',
        line: 2,
        column: 20,
      },
    ])
  })

  it('accepts the bounds themselves', () => {
    const config = parseConfig(
      'code_execution:\n  timeout_seconds: 3600\n  limits:\n    memory_mb: 32\n    cpus: 0.05\n    pids: 8\norchestrator:\n  concurrency: 256\n  queue_limit: 0\n',
    )
    expect(config.code_execution.timeout_seconds).toBe(3600)
    expect(config.code_execution.limits).toMatchObject({ memory_mb: 32, cpus: 0.05, pids: 8 })
    expect(config.orchestrator).toMatchObject({ concurrency: 256, queue_limit: 0 })
  })

  it('refuses a module name in imports that is not a dotted Python name, naming its index', () => {
    expect(
      problemsOf('code_execution:\n  allowed_operations:\n    imports: ["os.path", "os; rm"]\n'),
    ).toStrictEqual([
      {
        path: 'code_execution.allowed_operations.imports[1]',
        message: 'expected a dotted module name such as `os.path`, got the string "os; rm"',
        line: 3,
        column: 26,
      },
    ])
  })

  it('refuses other malformed module names too', () => {
    for (const name of ['', 'os.', '.os', '1os', 'os path', 'os..path', '*']) {
      const problems = problemsOf(
        `code_execution:\n  allowed_operations:\n    imports: [${JSON.stringify(name)}]\n`,
      )
      expect(problems.map((p) => p.path)).toStrictEqual([
        'code_execution.allowed_operations.imports[0]',
      ])
    }
  })

  it('refuses a logging level outside the list, naming the choices', () => {
    expect(problemsOf('logging:\n  level: loud\n')).toStrictEqual([
      {
        path: 'logging.level',
        message: 'expected one of "error", "warn", "info", "debug", got the string "loud"',
        line: 2,
        column: 10,
      },
    ])
  })

  it('refuses an instance_id that cannot be a label value', () => {
    expect(problemsOf('orchestrator:\n  instance_id: "a b"\n')).toStrictEqual([
      {
        path: 'orchestrator.instance_id',
        message: 'expected letters, digits, `.`, `_` or `-` (at most 63), got the string "a b"',
        line: 2,
        column: 16,
      },
    ])
  })

  it('reports several problems at once, each on its own line of the message', () => {
    const error = refusal(
      'code_execution:\n  allow_dangerous_operations: "true"\n  timeout_seconds: -1\nlogging:\n  level: loud\ntypo: 1\n',
    )
    expect(error.problems.map((p) => [p.path, p.line, p.column])).toStrictEqual([
      ['code_execution.allow_dangerous_operations', 2, 31],
      ['code_execution.timeout_seconds', 3, 20],
      ['logging.level', 5, 10],
      ['typo', 6, 1],
    ])
    expect(error.message.split('\n')).toStrictEqual([
      'Invalid configuration in test.yml:',
      '  test.yml:2:31: code_execution.allow_dangerous_operations: expected a boolean, got the string "true" (write true or false without quotes)',
      '  test.yml:3:20: code_execution.timeout_seconds: expected a value > 0, got number -1',
      '  test.yml:5:10: logging.level: expected one of "error", "warn", "info", "debug", got the string "loud"',
      '  test.yml:6:1: typo: unknown key; expected one of: code_execution, orchestrator, pool, server, tool, queue, logging',
    ])
  })

  it('refuses a duplicate key, located at the second occurrence', () => {
    const error = refusal('code_execution:\n  timeout_seconds: 5\n  timeout_seconds: 600\n')
    expect(error.problems).toStrictEqual([
      { path: '', message: 'YAML syntax error: Map keys must be unique', line: 3, column: 3 },
    ])
  })

  it('refuses a duplicate key even when one copy is quoted', () => {
    const error = refusal(
      'code_execution:\n  allow_dangerous_operations: false\n  "allow_dangerous_operations": true\n',
    )
    expect(error.problems).toStrictEqual([
      { path: '', message: 'YAML syntax error: Map keys must be unique', line: 3, column: 3 },
    ])
  })

  it('refuses a document that is not a mapping', () => {
    expect(problemsOf('- code_execution\n')).toStrictEqual([
      { path: '', message: 'expected a mapping, got a list', line: 1, column: 1 },
    ])
  })

  it('refuses several YAML documents in one file', () => {
    const [problem] = problemsOf('logging: {level: warn}\n---\nlogging: {level: debug}\n')
    expect(problem?.message).toMatch(/^YAML syntax error: Source contains multiple documents/)
  })

  it('throws a SandboxError whose code is config_invalid', () => {
    const error = refusal('bogus: 1\n')
    expect(error).toBeInstanceOf(SandboxError)
    expect(error.code).toBe('config_invalid')
    expect(error.name).toBe('ConfigError')
  })
})

describe('loadConfigFile: files on disk', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tinyagent-config-test-'))
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('refuses a missing file, naming its path', async () => {
    const path = join(dir, 'missing.yml')
    const error = await loadConfigFile(path).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).code).toBe('config_invalid')
    expect((error as ConfigError).problems).toStrictEqual([
      { path: '', message: 'cannot read the config file: file not found' },
    ])
    expect((error as ConfigError).message).toBe(
      `Invalid configuration in ${path}:\n  ${path}: cannot read the config file: file not found`,
    )
  })

  it('refuses a directory given as the config file, naming its path', async () => {
    const error = await loadConfigFile(dir).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toContain(`Invalid configuration in ${dir}:`)
    expect((error as ConfigError).message).toContain('EISDIR')
  })

  it('names the file path, line and column of a problem in the file', async () => {
    const path = join(dir, 'quoted.yml')
    await writeFile(
      path,
      '# quoted on purpose\ncode_execution:\n  allow_dangerous_operations: "false"\n',
    )
    await expect(loadConfigFile(path)).rejects.toThrow(
      `Invalid configuration in ${path}:\n  ${path}:3:31: code_execution.allow_dangerous_operations: expected a boolean, got the string "false" (write true or false without quotes)`,
    )
  })

  it('reads a valid file', async () => {
    const path = join(dir, 'valid.yml')
    await writeFile(path, 'orchestrator:\n  instance_id: ci-1\n  concurrency: 2\n')
    expect(await loadConfigFile(path)).toStrictEqual({
      ...DEFAULTS,
      orchestrator: { instance_id: 'ci-1', concurrency: 2, queue_limit: 100 },
    })
  })
})
