import { describe, expect } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { checkPolicy } from '../../src/policy/index.js'
import { sandboxTest as test } from '../support/sandbox-fixture.js'

const defaults = configSchema.parse({}).code_execution
const PROBE = '/tmp/tinyagent-probe'

/** What the static layer cannot see: library functions passed as values, paths built at run time. */
const READ_CSV_ON_BUILT_PATH = [
  'import pandas as pd',
  'readers = [pd.read_csv]',
  `path = "${PROBE}" + "-" + "data.csv"`,
  'print("before")',
  'readers[0](path)',
].join('\n')

describe('the runtime guard catches what the static layer cannot', () => {
  test('pd.read_csv on a path assembled at run time ends the run as policy_violation', async ({
    sandbox,
    engine,
  }) => {
    expect(checkPolicy(READ_CSV_ON_BUILT_PATH, defaults).allowed).toBe(true)
    const result = await sandbox.execute({ code: READ_CSV_ON_BUILT_PATH })
    expect(engine.runs).toBe(1)
    expect(result).toMatchObject({
      status: 'policy_violation',
      exitCode: 1,
      stdout: 'before\n',
      error: null,
      violations: [
        {
          rule: 'runtime-file-access',
          line: 5,
          column: 1,
          text: 'readers[0](path)',
          message: `\`open('${PROBE}-data.csv', 'r')\` touches files, which the code may not`,
          hint: 'allowed when code_execution.allowed_operations.file_operations is true',
          event: 'open',
        },
      ],
    })
    expect(result.message).toBe(
      "Refused at run time by the policy guard, which ended the run: runtime-file-access at 5:1 (open: readers[0](path)). See the violation's hint for the setting that allows it.",
    )
  })

  test('a refusal cannot be caught: the run ends even inside try/except', async ({ sandbox }) => {
    const code = [
      'import numpy as np',
      'save = [np.save][0]',
      'try:',
      `    save("${PROBE}-array.npy", np.arange(3))`,
      'except BaseException:',
      '    print("swallowed")',
      'print("after")',
    ].join('\n')
    expect(checkPolicy(code, defaults).allowed).toBe(true)
    const result = await sandbox.execute({ code })
    expect(result.status).toBe('policy_violation')
    expect(result.stdout).toBe('')
    expect(result.violations.map((v) => [v.rule, v.event, v.line])).toEqual([
      ['runtime-file-access', 'open', 4],
    ])
  })

  test('a module reached through a list, which the static layer loses track of, cannot start a process', async ({
    sandbox,
  }) => {
    // A module's plain `os` attribute off a value (`config.os` is ordinary data, so it passes).
    const code = `import pandas as pd\n[pd][0].io.common.os.system("touch ${PROBE}-cmd")`
    expect(checkPolicy(code, defaults).allowed).toBe(true)
    const result = await sandbox.execute({ code })
    expect(result.status).toBe('policy_violation')
    expect(result.violations.map((v) => [v.rule, v.event, v.text])).toEqual([
      ['runtime-process', 'os.system', `[pd][0].io.common.os.system("touch ${PROBE}-cmd")`],
    ])
  })
})

describe('the runtime guard follows the configuration', () => {
  describe('with file_operations: true', () => {
    test.override({
      configOverrides: { code_execution: { allowed_operations: { file_operations: true } } },
    })

    test('lets the same library calls read and write files', async ({ sandbox }) => {
      const code = [
        'import pandas as pd',
        `path = "${PROBE}" + "-frame.csv"`,
        'pd.DataFrame({"a": [1, 2]}).to_csv(path, index=False)',
        'readers = [pd.read_csv]',
        'print(readers[0](path).a.sum())',
      ].join('\n')
      const result = await sandbox.execute({ code })
      expect(result).toMatchObject({ status: 'ok', stdout: '3\n', violations: [] })
    })
  })

  describe('with os_operations: true', () => {
    test.override({
      configOverrides: { code_execution: { allowed_operations: { os_operations: true } } },
    })

    test('lets os.system run a process', async ({ sandbox }) => {
      const result = await sandbox.execute({ code: 'import os\nprint(os.system("true"))' })
      expect(result).toMatchObject({ status: 'ok', stdout: '0\n', violations: [] })
    })
  })

  describe('with allow_dangerous_operations: true', () => {
    test.override({ configOverrides: { code_execution: { allow_dangerous_operations: true } } })

    test('is off: the read happens and fails on its own', async ({ sandbox }) => {
      const result = await sandbox.execute({ code: READ_CSV_ON_BUILT_PATH })
      expect(result.status).toBe('error')
      expect(result.error?.name).toBe('FileNotFoundError')
      expect(result.violations).toEqual([])
    })
  })

  describe('with imports: ["os", "sys"] and os_operations: false', () => {
    test.override({
      configOverrides: { code_execution: { allowed_operations: { imports: ['os', 'sys'] } } },
    })

    test('allows the imports, and still refuses a process at run time', async ({ sandbox }) => {
      const imported = await sandbox.execute({ code: 'import os, sys\nprint("imported")' })
      expect(imported).toMatchObject({ status: 'ok', stdout: 'imported\n' })
      const code = `import pandas as pd\n[pd][0].io.common.os.system("touch ${PROBE}-cmd")`
      const result = await sandbox.execute({ code })
      expect(result.status).toBe('policy_violation')
      expect(result.violations.map((v) => [v.rule, v.event])).toEqual([
        ['runtime-process', 'os.system'],
      ])
    })
  })
})
