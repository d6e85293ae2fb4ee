import { createHash } from 'node:crypto'
import { afterEach, describe, expect } from 'vitest'
import { TestServer } from './support/http-server-fixture.js'
import { sandboxTest as test } from './support/sandbox-fixture.js'

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

describe('setup code on the real engine', () => {
  test('runs first, in the namespace the code then runs in; the value is the code’s', async ({
    sandbox,
    engine,
  }) => {
    const setupCode = 'import math\ndef area(r):\n    return math.pi * r * r\nx = 41\nx'
    const result = await sandbox.execute({ setupCode, code: 'print(x + 1)\nround(area(1), 2)' })
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: '42\n', error: null })
    expect(result.result).toEqual({ repr: '3.14', type: 'float', reprTruncated: false })
    expect(result.receipt.setupCodeSha256).toBe(sha256(setupCode))
    expect(engine.runs).toBe(1)
    // Setup code's own trailing expression is no value of the run.
    const quiet = await sandbox.execute({ setupCode: 'y = 1\ny', code: 'print(y)' })
    expect([quiet.stdout, quiet.result]).toStrictEqual(['1\n', null])
  })

  test('that raises is the error, its traceback in the setup code, and the code does not run', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({
      setupCode: 'def f():\n    return 1 / 0\n\nf()\n',
      code: 'print("ran")',
    })
    expect(result.status).toBe('error')
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.error?.name).toBe('ZeroDivisionError')
    expect(result.error?.traceback).toContain('File "<setup>", line 4, in <module>')
    expect(result.error?.traceback).toContain('File "<setup>", line 2, in f')
    expect(result.error?.traceback).not.toContain('<sandbox>')
    expect(result.error?.traceback).not.toContain('runner.py')
  })

  test('that does not compile runs nothing, the code included', async ({ sandbox, engine }) => {
    // Python refuses it; the static policy's parser does not: the runner compiles both first.
    const result = await sandbox.execute({ setupCode: 'x = 1\n  y = 2', code: 'print("ran")' })
    expect(engine.runs).toBe(1)
    expect(result.status).toBe('error')
    expect(result.stdout).toBe('')
    expect(result.error?.name).toBe('IndentationError')
    expect(result.error?.traceback).toContain('File "<setup>", line 2')
  })

  test('that the static policy refuses is a policy_violation naming the setup code; nothing runs', async ({
    sandbox,
    engine,
  }) => {
    const result = await sandbox.execute({
      setupCode: 'import math\nimport socket',
      code: 'print("ran")',
    })
    expect(engine.runs).toBe(0)
    expect(result).toMatchObject({
      status: 'policy_violation',
      exitCode: null,
      stdout: '',
      violations: [
        {
          rule: 'import-not-allowed',
          line: 2,
          column: 8,
          part: 'setupCode',
          text: 'socket',
        },
      ],
    })
    expect(result.message).toBe(
      "Refused by the static policy before running: import-not-allowed at setup code 2:8 (socket). See each violation's hint for the setting that allows it.",
    )
  })

  test('is checked with the code: a name it binds is known where the code uses it', async ({
    sandbox,
    engine,
  }) => {
    const result = await sandbox.execute({
      setupCode: 'import numpy as np',
      code: 'np.save("/tmp/a.npy", [1])',
    })
    expect(engine.runs).toBe(0)
    expect(result.status).toBe('policy_violation')
    expect(result.violations.map((v) => [v.rule, v.part, v.line])).toStrictEqual([
      ['library-file-access', 'code', 1],
    ])
  })

  test('is watched by the runtime guard like the code, its refusal placed in it', async ({
    sandbox,
  }) => {
    // A library function passed as a value: the static layer loses track, the guard does not.
    const setupCode =
      'import numpy as np\nsave = [np.save][0]\ndef keep(a):\n    save("/tmp/a.npy", a)'
    const result = await sandbox.execute({ setupCode, code: 'print("before")\nkeep([1])' })
    expect(result.status).toBe('policy_violation')
    expect(result.stdout).toBe('before\n')
    expect(result.violations.map((v) => [v.rule, v.event, v.part, v.line])).toStrictEqual([
      ['runtime-file-access', 'open', 'setupCode', 4],
    ])
    expect(result.message).toMatch(/runtime-file-access at setup code 4:5 \(open: /)
  })
})

describe('setupCode over HTTP', () => {
  let server: TestServer | undefined

  afterEach(async () => {
    const left = await server?.close()
    server = undefined
    expect(left ?? []).toStrictEqual([])
  })

  test('runs before the code, and a refused one names its part', async () => {
    server = await TestServer.start()
    const ran = await server.post('/v1/executions', { setupCode: 'x = 6', code: 'print(x * 7)' })
    expect(ran.status).toBe(200)
    expect(await ran.json()).toMatchObject({ status: 'ok', stdout: '42\n' })
    const refused = await server.post('/v1/executions', {
      setupCode: 'eval("1")',
      code: 'print(1)',
    })
    expect(refused.status).toBe(200)
    expect(await refused.json()).toMatchObject({
      status: 'policy_violation',
      violations: [{ rule: 'eval-call', part: 'setupCode', line: 1, column: 1 }],
    })
    const wrong = await server.post('/v1/executions', { setup_code: 'x = 1', code: 'print(1)' })
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toStrictEqual({
      error: {
        code: 'invalid_argument',
        message:
          'Invalid `setup_code`: unknown key; expected one of: code, setupCode, timeoutSeconds, limits, files',
        field: 'setup_code',
      },
    })
  })
})
