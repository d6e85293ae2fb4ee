import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  assertCliBuilt,
  type CliOptions,
  type CliResult,
  runCli,
  singleJson,
  testInstanceId,
  Workspace,
} from './support/cli.js'
import { containersOf } from './support/managed-containers.js'

/** Points the engine client at a socket that does not exist. */
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }
/** A line that starts a JavaScript stack frame: the CLI must never print one for a known error. */
const STACK_FRAME = /^\s+at .+\(?.+:\d+:\d+\)?$/m
const STATUS_LINE = (status: string, exit?: number): RegExp =>
  new RegExp(
    `^\\[tinyagent-sandbox\\] ${status}${exit === undefined ? '' : ` · exit ${exit}`} · \\d+ ms$`,
  )

let ws: Workspace
/** Every container this file starts carries this instance id (the teardown watches `vitest-*`). */
const instanceId = testInstanceId()
let config: string

/** The test config: the defaults, our instance id, and the imports the tests' scripts need. */
function configText(id: string): string {
  return `orchestrator:\n  instance_id: ${id}\ncode_execution:\n  allowed_operations:\n    imports: ["time", "sys.stderr"]\n`
}

/** The CLI, run from the workspace (whose config.yml is the test config). */
function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli(args, { cwd: ws.dir, ...options })
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? ''
}

beforeAll(async () => {
  await assertCliBuilt()
  ws = await Workspace.create()
  config = await ws.file('config.yml', configText(instanceId))
})

afterAll(async () => {
  await ws?.remove()
  expect(await containersOf(instanceId)).toStrictEqual([])
})

describe('tinyagent-sandbox run', () => {
  it('--json prints exactly one JSON object with status ok and the program stdout', async () => {
    const script = await ws.file('hello.py', 'print("hello from the sandbox")\n')
    const result = await cli(['run', '--json', '--config', config, script])
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const json = singleJson(result.stdout)
    expect(json).toMatchObject({
      status: 'ok',
      exitCode: 0,
      stdout: 'hello from the sandbox\n',
      stderr: '',
      truncated: false,
      violations: [],
      error: null,
      message: null,
    })
    expect(json.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(json.durationMs).toBeTypeOf('number')
  })

  it('runs code read from stdin with `-`', async () => {
    const result = await cli(['run', '--json', '--config', config, '-'], {
      stdin: 'print(6 * 7)\n',
    })
    expect(result.exitCode).toBe(0)
    expect(singleJson(result.stdout)).toMatchObject({ status: 'ok', stdout: '42\n' })
  })

  it('prints the program stdout on stdout, and its stderr and a status line on stderr', async () => {
    const result = await cli(['run', '--config', config, '-'], {
      stdin: 'from sys import stderr\nprint("to stdout")\nprint("to stderr", file=stderr)\n',
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('to stdout\n')
    const [programErr, status, ...rest] = result.stderr.split('\n')
    expect(programErr).toBe('to stderr')
    expect(status).toMatch(STATUS_LINE('ok', 0))
    expect(rest).toStrictEqual([''])
  })

  it('reads ./config.yml when no --config is given', async () => {
    const result = await cli(['run', '--json', '-'], { stdin: 'print("defaults file")\n' })
    expect(result.exitCode).toBe(0)
    expect(singleJson(result.stdout)).toMatchObject({ status: 'ok', stdout: 'defaults file\n' })
  })

  it('exits 1 for an uncaught exception, with the traceback on stderr', async () => {
    const result = await cli(['run', '--config', config, '-'], {
      stdin: 'def f():\n    raise ValueError("boom")\n\nf()\n',
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('File "<sandbox>", line 4, in <module>')
    expect(result.stderr).toContain('ValueError: boom')
    expect(lastLine(result.stderr)).toMatch(STATUS_LINE('error', 1))
  })

  it('exits 1 for an exception in --json mode, with the exception as data', async () => {
    const result = await cli(['run', '--json', '--config', config, '-'], { stdin: '1/0\n' })
    expect(result.exitCode).toBe(1)
    const json = singleJson(result.stdout)
    expect(json).toMatchObject({
      status: 'error',
      exitCode: 1,
      error: { name: 'ZeroDivisionError', value: 'division by zero' },
      message: 'ZeroDivisionError: division by zero',
    })
  })

  it('exits 3 when the static policy refuses the code, naming rule, line and column', async () => {
    const result = await cli(['run', '--json', '--config', config, '-'], {
      stdin: 'x = 1\nimport subprocess\n',
    })
    expect(result.exitCode).toBe(3)
    const json = singleJson(result.stdout)
    expect(json).toMatchObject({ status: 'policy_violation', exitCode: null, stdout: '' })
    expect(json.violations).toStrictEqual([
      expect.objectContaining({ rule: 'import-not-allowed', line: 2, column: 8 }),
    ])
  })

  it('exits 3 in human mode and explains the refusal on stderr', async () => {
    const result = await cli(['run', '--config', config, '-'], { stdin: 'import subprocess\n' })
    expect(result.exitCode).toBe(3)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/line 1, column 8: import-not-allowed: /)
    expect(result.stderr).toContain('code_execution.allowed_operations.imports')
    expect(lastLine(result.stderr)).toMatch(STATUS_LINE('policy_violation'))
  })

  it('gives status timeout for code that outlives --timeout, and returns', async () => {
    const result = await cli(['run', '--json', '--timeout', '1', '--config', config, '-'], {
      stdin: 'import time\ntime.sleep(30)\nprint("woke")\n',
    })
    expect(result.exitCode).toBe(1)
    expect(singleJson(result.stdout)).toMatchObject({
      status: 'timeout',
      exitCode: null,
      stdout: '',
      message:
        'Stopped after the 1 s time limit that the request asked for (code_execution.timeout_seconds allows up to 10 s).',
    })
    // A hang guard, not a speed claim: the sleep alone would take 30 s.
    expect(result.durationMs).toBeLessThan(10_000)
  })

  it('refuses a --timeout above code_execution.timeout_seconds as a usage error', async () => {
    const result = await cli(['run', '--timeout', '11', '--config', config, '-'], {
      stdin: 'print(1)\n',
    })
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'tinyagent-sandbox: Expected `timeoutSeconds` to be at most 10 (code_execution.timeout_seconds), got 11\nRun `tinyagent-sandbox --help` for usage.\n',
    )
  })

  it('refuses a --timeout that is not a positive number', async () => {
    const result = await cli(['run', '--timeout', 'soon', '--config', config, '-'], {
      stdin: 'print(1)\n',
    })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe(
      'tinyagent-sandbox: Expected `--timeout` to be a positive number of seconds, got `soon`\nRun `tinyagent-sandbox --help` for usage.\n',
    )
  })

  it('exits 2 for a flag the command does not take', async () => {
    const result = await cli(['run', '--all', '-'], { stdin: 'print(1)\n' })
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'tinyagent-sandbox: `run` does not take `--all`.\nRun `tinyagent-sandbox --help` for usage.\n',
    )
  })

  it('exits 2 for a script it cannot read, naming the path', async () => {
    const missing = `${ws.dir}/missing.py`
    const result = await cli(['run', '--config', config, missing])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe(
      `tinyagent-sandbox: Cannot read the script \`${missing}\`: no such file.\nRun \`tinyagent-sandbox --help\` for usage.\n`,
    )
  })

  it('exits 2 for an invalid config, naming the file, line, column and key path', async () => {
    const bad = await ws.file(
      'quoted.yml',
      `orchestrator:\n  instance_id: ${instanceId}\ncode_execution:\n  allow_dangerous_operations: "false"\n`,
    )
    const result = await cli(['run', '--config', bad, '-'], { stdin: 'print(1)\n' })
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `tinyagent-sandbox: Invalid configuration in ${bad}:\n  ${bad}:4:31: code_execution.allow_dangerous_operations: expected a boolean, got the string "false" (write true or false without quotes)\n`,
    )
  })

  it('exits 2 for a --config file that does not exist, naming it', async () => {
    const missing = `${ws.dir}/nowhere.yml`
    const result = await cli(['run', '--config', missing, '-'], { stdin: 'print(1)\n' })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe(
      `tinyagent-sandbox: Invalid configuration in ${missing}:\n  ${missing}: cannot read the config file: file not found\n`,
    )
  })

  it('exits 4 when the engine is unreachable, naming the socket, without a stack trace', async () => {
    const result = await cli(['run', '--config', config, '-'], {
      stdin: 'print(1)\n',
      env: NO_ENGINE,
    })
    expect(result.exitCode).toBe(4)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(
      'Cannot reach the Docker engine at unix:///nonexistent/docker.sock',
    )
    expect(result.stderr).not.toMatch(STACK_FRAME)
    expect(lastLine(result.stderr)).toMatch(STATUS_LINE('engine_error'))
  })

  it('exits 4 with status engine_error in --json mode when the engine is unreachable', async () => {
    const result = await cli(['run', '--json', '--config', config, '-'], {
      stdin: 'print(1)\n',
      env: NO_ENGINE,
    })
    expect(result.exitCode).toBe(4)
    expect(result.stderr).not.toMatch(STACK_FRAME)
    const json = singleJson(result.stdout)
    expect(json).toMatchObject({ status: 'engine_error', exitCode: null, error: null })
    expect(json.message).toContain('unix:///nonexistent/docker.sock')
  })

  it('exits 4 when the configured image is missing, saying how to build it', async () => {
    const absent = await ws.file(
      'absent-image.yml',
      `orchestrator:\n  instance_id: ${instanceId}\ncode_execution:\n  image: tinyagent-sandbox/absent\n`,
    )
    const result = await cli(['run', '--json', '--config', absent, '-'], { stdin: 'print(1)\n' })
    expect(result.exitCode).toBe(4)
    expect(singleJson(result.stdout)).toMatchObject({
      status: 'engine_error',
      message:
        'The sandbox image `tinyagent-sandbox/absent` is not present on the Docker engine. Build it with `npx tinyagent-sandbox image build` (or `make image` in a checkout); the orchestrator never pulls images.',
    })
  })

  it('exits 4 when the configured runtime is unknown, naming code_execution.runtime', async () => {
    const unknown = await ws.file(
      'unknown-runtime.yml',
      `orchestrator:\n  instance_id: ${instanceId}\ncode_execution:\n  runtime: nosuchruntime\n`,
    )
    const result = await cli(['run', '--json', '--config', unknown, '-'], { stdin: 'print(1)\n' })
    expect(result.exitCode).toBe(4)
    const json = singleJson(result.stdout)
    expect(json.status).toBe('engine_error')
    expect(json.message).toContain('nosuchruntime')
    expect(json.message).toContain('code_execution.runtime')
  })

  it('exits 130 on SIGINT and removes the running container', async () => {
    const ownId = testInstanceId()
    const ownConfig = await ws.file('interrupt.yml', configText(ownId))
    let child: ChildProcess | undefined
    const running = cli(['run', '--config', ownConfig, '-'], {
      stdin: 'import time\ntime.sleep(30)\n',
      onSpawn: (spawned) => {
        child = spawned
      },
    })
    const deadline = Date.now() + 20_000
    while ((await containersOf(ownId)).length === 0) {
      if (Date.now() > deadline) throw new Error('the run never started a container')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child?.kill('SIGINT')
    const result = await running
    expect(result.exitCode).toBe(130)
    expect(result.stderr).toBe('[tinyagent-sandbox] interrupted; the container was removed.\n')
    expect(await containersOf(ownId)).toStrictEqual([])
  })
})

describe('tinyagent-sandbox run --config with the example configs', () => {
  const osCode = 'import os\nprint(os.getcwd())\n'

  it('development.yml (static policy off) runs os code', async () => {
    const development = await ws.repoConfig('examples/configs/development.yml', instanceId)
    const result = await cli(['run', '--json', '--config', development, '-'], { stdin: osCode })
    expect(result.exitCode).toBe(0)
    const json = singleJson(result.stdout)
    expect(json).toMatchObject({ status: 'ok', exitCode: 0 })
    expect(json.stdout).toMatch(/^\/\S*\n$/)
  })

  it('web-api.yml refuses the same code with exit 3', async () => {
    const webApi = await ws.repoConfig('examples/configs/web-api.yml', instanceId)
    const result = await cli(['run', '--json', '--config', webApi, '-'], { stdin: osCode })
    expect(result.exitCode).toBe(3)
    const json = singleJson(result.stdout)
    expect(json.status).toBe('policy_violation')
    expect(json.violations).toContainEqual(
      expect.objectContaining({ rule: 'import-not-allowed', line: 1 }),
    )
  })

  it('web-api.yml caps --timeout at its own 5 seconds', async () => {
    const webApi = await ws.repoConfig('examples/configs/web-api.yml', instanceId)
    const result = await cli(['run', '--timeout', '6', '--config', webApi, '-'], {
      stdin: 'print(1)\n',
    })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('at most 5 (code_execution.timeout_seconds), got 6')
  })

  it('trusted-environment.yml allows file operations and refuses os operations', async () => {
    const trusted = await ws.repoConfig('examples/configs/trusted-environment.yml', instanceId)
    const files = await cli(['run', '--json', '--config', trusted, '-'], {
      stdin:
        'with open("/tmp/note.txt", "w") as f:\n    f.write("kept")\nwith open("/tmp/note.txt") as f:\n    print(f.read())\n',
    })
    expect(files.exitCode).toBe(0)
    expect(singleJson(files.stdout)).toMatchObject({ status: 'ok', stdout: 'kept\n' })

    const system = await cli(['run', '--json', '--config', trusted, '-'], {
      stdin: 'import os\nos.system("id")\n',
    })
    expect(system.exitCode).toBe(3)
    expect(singleJson(system.stdout).status).toBe('policy_violation')
  })
})

describe('tinyagent-sandbox check', () => {
  it('needs no Docker engine, and reports each violation with rule, line and column', async () => {
    const script = await ws.file('bad.py', 'import subprocess\nx = eval("1 + 1")\n')
    const result = await cli(['check', '--json', '--config', config, script], { env: NO_ENGINE })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(3)
    const report = singleJson(result.stdout)
    expect(report).toMatchObject({ allowed: false, checked: true, syntaxErrors: [] })
    expect(report.violations).toStrictEqual([
      expect.objectContaining({ rule: 'import-not-allowed', line: 1, column: 8 }),
      expect.objectContaining({ rule: 'eval-call', line: 2, column: 5 }),
    ])
  })

  it('exits 0 for allowed code read from stdin, without Docker', async () => {
    const result = await cli(['check', '--json', '-'], {
      stdin: 'import math\nprint(math.sqrt(16))\n',
      env: NO_ENGINE,
    })
    expect(result.exitCode).toBe(0)
    expect(singleJson(result.stdout)).toStrictEqual({
      allowed: true,
      checked: true,
      violations: [],
      syntaxErrors: [],
    })
  })

  it('prints a human report naming the source', async () => {
    const result = await cli(['check', '-'], { stdin: 'print(1)\n', env: NO_ENGINE })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('<stdin>: allowed by the static policy.\n')
  })

  it('exits 3 for a syntax error, with its position', async () => {
    const result = await cli(['check', '--json', '-'], {
      stdin: 'def broken(:\n    pass\n',
      env: NO_ENGINE,
    })
    expect(result.exitCode).toBe(3)
    const report = singleJson(result.stdout)
    expect(report).toMatchObject({ allowed: false, violations: [] })
    expect(report.syntaxErrors).toStrictEqual([
      expect.objectContaining({ line: 1, column: expect.any(Number) }),
    ])
  })
})

describe('tinyagent-sandbox doctor', () => {
  it('--json reports healthy on this machine', async () => {
    const result = await cli(['doctor', '--json', '--config', config])
    expect(result.exitCode).toBe(0)
    const json = singleJson(result.stdout)
    expect(json.healthy).toBe(true)
    expect(json.checks).toStrictEqual([
      // The endpoint reads as an address, e.g. `unix:///var/run/docker.sock`.
      expect.objectContaining({
        name: 'engine',
        ok: true,
        detail: expect.stringMatching(/^Docker \S+ at (unix:\/\/\/|https?:\/\/)\S+$/),
      }),
      expect.objectContaining({ name: 'runtime', ok: true }),
      expect.objectContaining({
        name: 'image',
        ok: true,
        detail: expect.stringMatching(/^`tinyagent-sandbox\/python` is present, with python3, /),
      }),
    ])
  })

  it('names the command that builds a missing image, with the same --config', async () => {
    const absent = await ws.file(
      'doctor-absent-image.yml',
      `orchestrator:\n  instance_id: ${instanceId}\ncode_execution:\n  image: tinyagent-sandbox/absent\n`,
    )
    const result = await cli(['doctor', '--json', '--config', absent])
    expect(result.exitCode).toBe(4)
    expect(singleJson(result.stdout).checks).toContainEqual({
      name: 'image',
      ok: false,
      detail: `\`tinyagent-sandbox/absent\` is missing: build it with \`npx tinyagent-sandbox image build --config ${absent}\` (needs the docker CLI; a few minutes), or \`make image\` in a checkout of the repository`,
    })
  })

  it('exits 4 and reports unhealthy when the engine is unreachable', async () => {
    const result = await cli(['doctor', '--json'], { env: NO_ENGINE })
    expect(result.exitCode).toBe(4)
    const json = singleJson(result.stdout)
    expect(json.healthy).toBe(false)
    expect(json.checks).toStrictEqual([
      expect.objectContaining({
        name: 'engine',
        ok: false,
        detail: expect.stringContaining('unix:///nonexistent/docker.sock'),
      }),
    ])
  })
})

describe('tinyagent-sandbox help and reap', () => {
  it('prints usage and the exit codes with no command', async () => {
    const result = await cli([])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^tinyagent-sandbox: run untrusted Python/)
    expect(result.stdout).toContain('Exit codes:')
    expect(result.stderr).toBe('')
  })

  it('exits 2 for an unknown command', async () => {
    const result = await cli(['execute', 'x.py'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe(
      'tinyagent-sandbox: Unknown command `execute`; expected one of: run, check, doctor, reap, serve, mcp, worker, image.\nRun `tinyagent-sandbox --help` for usage.\n',
    )
  })

  it('reap touches only its own instance', async () => {
    const result = await cli(['reap', '--config', config])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(
      `Removed 0 container(s) and 0 workspace(s) of instance \`${instanceId}\`.\n`,
    )
  })
})
