import { describe, expect } from 'vitest'
import {
  expectLegitimate,
  MEMORY_FILLED,
  PIDS_EXHAUSTED,
} from '../../test/support/legitimate-outcomes.js'
import { containersOf, inspectWhileRunning } from '../../test/support/managed-containers.js'
import { sandboxTest as test } from '../../test/support/sandbox-fixture.js'
import { TEST_RUNTIME } from '../../test/support/test-config.js'

describe('Sandbox.execute on the real engine', () => {
  // The seed's default imports lack `time` and `warnings`; these tests use them.
  test.override({
    configOverrides: { code_execution: { allowed_operations: { imports: ['time', 'warnings'] } } },
  })

  test('runs code and returns its stdout and stderr separately', async ({ sandbox, engine }) => {
    // Without `sys` (refused by the default policy), a warning is the plain way to reach stderr.
    const result = await sandbox.execute({
      code: 'print("out")\nimport warnings\nwarnings.warn("err")',
    })
    expect(result).toMatchObject({
      status: 'ok',
      exitCode: 0,
      stdout: 'out\n',
      stderr: '<sandbox>:3: UserWarning: err\n  warnings.warn("err")\n',
      truncated: false,
      violations: [],
      error: null,
      message: null,
    })
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(result.durationMs).toBeGreaterThan(0)
    expect(engine.runs).toBe(1)
  })

  test('runs numpy and pandas from the image', async ({ sandbox }) => {
    const code = 'import numpy as np, pandas as pd\nprint(int(pd.Series(np.arange(5)).sum()))'
    const result = await sandbox.execute({ code })
    expect(result.status).toBe('ok')
    expect(result.stdout).toBe('10\n')
  })

  test('returns a Python exception as data, with line numbers in the user code', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({ code: 'def f():\n    return 1 / 0\n\nf()\n' })
    expect(result.status).toBe('error')
    expect(result.exitCode).toBe(1)
    expect(result.error?.name).toBe('ZeroDivisionError')
    expect(result.error?.value).toBe('division by zero')
    expect(result.error?.traceback).toContain('File "<sandbox>", line 4, in <module>')
    expect(result.error?.traceback).toContain('File "<sandbox>", line 2, in f')
    expect(result.error?.traceback).not.toContain('runner.py')
    expect(result.stderr).toContain('ZeroDivisionError: division by zero')
    expect(result.stderr).not.toContain('tinyagent-result')
    expect(result.message).toBe('ZeroDivisionError: division by zero')
  })

  // gVisor's pipe to the host takes at most 64 KiB per write; under `python3 -u` CPython
  // dropped the rest of a larger write, and runsc runs returned 65,536 bytes as `ok`.
  test('delivers single writes larger than a pipe buffer whole, on stdout and stderr', async ({
    sandbox,
  }) => {
    const printed = await sandbox.execute({ code: "print('x' * 200_000, end='')\nprint('|end')" })
    expect(printed.status).toBe('ok')
    expect(printed.stdout.length).toBe(200_005)
    expect(printed.stdout.endsWith('x|end\n')).toBe(true)

    const raised = await sandbox.execute({ code: "raise ValueError('y' * 200_000 + '|end')" })
    expect(raised.status).toBe('error')
    expect(raised.error?.value).toBe(`${'y'.repeat(200_000)}|end`)
    expect(raised.stderr.endsWith(`${'y'.repeat(10)}|end\n`)).toBe(true)
    expect(raised.stderr).not.toContain('tinyagent-result')
  })

  test('passes the exit code of sys.exit through', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: 'raise SystemExit(3)' })
    expect(result).toMatchObject({
      status: 'error',
      exitCode: 3,
      error: null,
      message: 'The code exited with code 3.',
    })
  })

  test('reports a syntax error before any container starts', async ({ sandbox, engine }) => {
    const result = await sandbox.execute({ code: 'print(1)\ndef broken(:\n    pass\n' })
    expect(result.status).toBe('error')
    expect(result.error?.name).toBe('SyntaxError')
    expect(result.exitCode).toBeNull()
    expect(engine.runs).toBe(0)
  })

  test('refuses a policy violation without creating a container', async ({ sandbox, engine }) => {
    const result = await sandbox.execute({ code: 'import subprocess\nsubprocess.run(["id"])' })
    expect(result.status).toBe('policy_violation')
    expect(result.violations.map((v) => v.rule)).toContain('import-not-allowed')
    expect(result.violations[0]).toMatchObject({ line: 1, column: 8, text: 'subprocess' })
    expect(result.message).toContain('import-not-allowed at 1:8 (subprocess)')
    expect(engine.runs).toBe(0)
  })

  test('stamps each result with its node and a receipt of the image and runtime it ran under', async ({
    sandbox,
    engine,
  }) => {
    const ran = await sandbox.execute({ code: 'print(1)', limits: { memory_mb: 128 } })
    expect(ran.status).toBe('ok')
    expect(ran.node).toBe(sandbox.node)
    expect(ran.receipt.imageId).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(ran.receipt.imageId).toBe(await engine.imageId(sandbox.config.code_execution.image))
    expect(ran.receipt.runtime).toBe(ran.runtime)
    expect(ran.receipt.limits.memory_mb).toBe(128)

    const refused = await sandbox.execute({ code: 'eval("1")' })
    expect(refused.status).toBe('policy_violation')
    expect(refused.node).toBe(sandbox.node)
    expect([refused.receipt.imageId, refused.receipt.runtime]).toEqual([null, null])
  })

  test('kills the container when the timeout passes', async ({ sandbox }) => {
    const result = await sandbox.execute({
      code: 'import time\nprint("start")\ntime.sleep(3600)',
      timeoutSeconds: 2,
    })
    expect(result.status).toBe('timeout')
    expect(result.exitCode).toBeNull()
    expect(result.stdout).toBe('start\n')
    expect(result.message).toBe(
      'Stopped after the 2 s time limit that the request asked for (code_execution.timeout_seconds allows up to 10 s).',
    )
    // Stopped, not waited out (the sleep is an hour), and gone. How long past the deadline
    // the result comes depends on the machine: bench/limits.ts measures it.
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  })

  test('reports memory_limit when the code outgrows its memory', async ({ sandbox }) => {
    const result = await sandbox.execute({
      code: 'chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))',
    })
    expectLegitimate(result, MEMORY_FILLED)
    if (result.status === 'memory_limit')
      expect(result.message).toBe(
        'Ran out of memory: the limit is 256 MB (code_execution.limits.memory_mb).',
      )
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  })

  test('stops endless output at the cap with output_limit', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: 'while True:\n    print("x" * 1000)' })
    expect(result.status).toBe('output_limit')
    expect(result.truncated).toBe(true)
    expect(Buffer.byteLength(result.stdout)).toBe(1_048_576)
  })

  test('removes the container after every outcome', async ({ sandbox }) => {
    await sandbox.execute({ code: 'print(1)' })
    await sandbox.execute({ code: '1/0' })
    await sandbox.execute({ code: 'import time\ntime.sleep(30)', timeoutSeconds: 1 })
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  })

  test('removes the container when the caller aborts mid-run', async ({ sandbox }) => {
    const controller = new AbortController()
    const execution = sandbox.execute({
      code: 'import time\ntime.sleep(30)',
      signal: controller.signal,
    })
    // Mid-run on any machine: once its container runs, not after a delay a slow start outlasts.
    await inspectWhileRunning(sandbox.config.orchestrator.instance_id, 30_000)
    controller.abort()
    await expect(execution).rejects.toMatchObject({ code: 'aborted' })
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  })
})

describe('container hardening, tried from inside', () => {
  test.override({ configOverrides: { code_execution: { allow_dangerous_operations: true } } })

  test('cannot reach any network', async ({ sandbox }) => {
    const code = [
      'import socket',
      'for host in ["1.1.1.1", "172.17.0.1", "127.0.0.1"]:',
      '    s = socket.socket()',
      '    s.settimeout(2)',
      '    try:',
      '        s.connect((host, 80))',
      '        print(host, "connected")',
      '    except OSError as e:',
      '        print(host, type(e).__name__, e.errno)',
      'print(sorted(n for _, n in socket.if_nameindex()))',
    ].join('\n')
    const result = await sandbox.execute({ code })
    expect(result.status).toBe('ok')
    expect(result.stdout).not.toContain('connected')
    // ENETUNREACH under runc; gVisor's own network stack answers EHOSTUNREACH.
    expect(result.stdout).toMatch(/1\.1\.1\.1 OSError (101|113)/)
    expect(result.stdout).toContain("['lo']")
  })

  test('cannot write to the root filesystem, and /tmp is noexec', async ({ sandbox }) => {
    const code = [
      'import os, subprocess',
      'for path in ["/probe-root", "/usr/probe", "/opt/tinyagent/probe"]:',
      '    try:',
      '        open(path, "w").write("x")',
      '        print(path, "written")',
      '    except OSError as e:',
      '        print(path, e.errno)',
      'open("/tmp/probe.sh", "w").write("#!/bin/sh\\necho ran\\n")',
      'os.chmod("/tmp/probe.sh", 0o755)',
      'try:',
      '    subprocess.run(["/tmp/probe.sh"])',
      'except PermissionError:',
      '    print("noexec")',
    ].join('\n')
    const result = await sandbox.execute({ code })
    expect(result.status).toBe('ok')
    // EROFS under runc; gVisor checks permissions first and answers EACCES. Either way, no write.
    expect(result.stdout).toMatch(
      /^\/probe-root (30|13)\n\/usr\/probe (30|13)\n\/opt\/tinyagent\/probe (30|13)\nnoexec\n$/,
    )
  })

  test('runs as the unprivileged user with no capabilities', async ({ sandbox }) => {
    const code = [
      'import os',
      'print(os.getuid(), os.getgid())',
      'status = open("/proc/self/status").read()',
      'print([l.split()[1] for l in status.splitlines() if l.startswith(("CapEff", "NoNewPrivs"))])',
    ].join('\n')
    const result = await sandbox.execute({ code })
    // gVisor's /proc/self/status has no NoNewPrivs line; runc's must say 1.
    const expected = TEST_RUNTIME === 'runsc' ? "['0000000000000000']" : "['0000000000000000', '1']"
    expect(result.stdout).toBe(`10001 10001\n${expected}\n`)
  })

  test('does not see the orchestrator environment', async ({ sandbox }) => {
    process.env.TINYAGENT_TEST_CANARY = 'canary-secret-7f3a'
    try {
      const result = await sandbox.execute({
        code: [
          'import os',
          'print(sorted(os.environ))',
          'print(open("/proc/self/environ").read())',
          // PID 1 is the image's init: not dumpable, so unreadable under runc; gVisor shows
          // its environment, whose one variable (the idle deadline) the init has wiped.
          'try:\n    print(open("/proc/1/environ").read())\nexcept PermissionError:\n    print("pid 1: refused")',
        ].join('\n'),
      })
      expect(result.status).toBe('ok')
      if (TEST_RUNTIME === 'runc')
        expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('pid 1: refused')
      expect(result.stdout).not.toContain('canary-secret-7f3a')
      expect(result.stdout).not.toContain('TINYAGENT_TEST_CANARY')
      // HOSTNAME is Docker's (`sandbox`); the rest come from the image.
      expect(result.stdout.split('\n')[0]).toBe(
        "['HOME', 'HOSTNAME', 'LANG', 'MPLBACKEND', 'MPLCONFIGDIR', 'PATH']",
      )
    } finally {
      delete process.env.TINYAGENT_TEST_CANARY
    }
  })

  test('contains a fork bomb within the pids limit', async ({ sandbox }) => {
    const code = [
      'import os',
      'n = 0',
      'try:',
      '    while True:',
      '        if os.fork() == 0:',
      '            import time; time.sleep(30); os._exit(0)',
      '        n += 1',
      'except OSError as e:',
      '    print("refused after", n, e.errno)',
    ].join('\n')
    const result = await sandbox.execute({ code, timeoutSeconds: 5 })
    expectLegitimate(result, PIDS_EXHAUSTED, 'code_execution.limits.pids')
    if (result.status === 'ok') {
      // Refused inside: fewer forks than the limit, which the interpreter shares.
      expect(result.stdout).toMatch(/^refused after \d+ 11\n$/)
      expect(Number(result.stdout.split(' ')[2])).toBeLessThan(64)
    }
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
    const next = await sandbox.execute({ code: 'print("still serving")' })
    expect(next.stdout).toBe('still serving\n')
  })
})
