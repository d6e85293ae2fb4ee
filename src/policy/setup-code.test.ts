import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { checkPolicy, MAX_CHECKED_BYTES } from './check-policy.js'
import { joinSetupCode } from './setup-code.js'

const config = configSchema.parse({}).code_execution
const dangerous = configSchema.parse({
  code_execution: { allow_dangerous_operations: true },
}).code_execution

describe('checkPolicy with setup code', () => {
  it('sees a name the setup code binds where the code uses it', () => {
    // Alone, `np` is an unknown name; after `import numpy as np` it is numpy.
    expect(checkPolicy('np.load("a.npy")', config).allowed).toBe(true)
    const report = checkPolicy('print(1)\nnp.load("a.npy")', config, {
      setupCode: 'import numpy as np',
    })
    expect(report.violations).toStrictEqual([
      {
        rule: 'library-file-access',
        line: 2,
        column: 1,
        part: 'code',
        text: 'np.load("a.npy")',
        message: '`numpy.load` reads or writes files',
        hint: 'allowed when code_execution.allowed_operations.file_operations is true',
      },
    ])
  })

  it('places each violation in its part, its line counted from that part', () => {
    const report = checkPolicy('x = 1\nopen("f")', config, {
      setupCode: 'import math\n\neval("1")',
    })
    expect(report.allowed).toBe(false)
    expect(report.violations.map((v) => [v.rule, v.part, v.line, v.column])).toStrictEqual([
      ['eval-call', 'setupCode', 3, 1],
      ['open-call', 'code', 2, 1],
    ])
  })

  it('places a syntax error of the code in the code', () => {
    const report = checkPolicy('print(1)\ndef f(:\n    pass', config, { setupCode: 'x = 1' })
    expect(report.syntaxErrors.map((e) => [e.part, e.line])).toStrictEqual([['code', 2]])
  })

  it('reports a bracket the setup code leaves open in the setup code, as Python would', () => {
    const report = checkPolicy('print(1)', config, { setupCode: 'x = (' })
    expect(report.allowed).toBe(false)
    expect(report.syntaxErrors.map((e) => [e.part, e.line])).toStrictEqual([['setupCode', 1]])
  })

  it('still reports syntax errors with the rules off', () => {
    const report = checkPolicy('eval("1")', dangerous, { setupCode: 'def f(:\n    pass' })
    expect(report.checked).toBe(false)
    expect(report.violations).toStrictEqual([])
    expect(report.syntaxErrors.map((e) => e.part)).toStrictEqual(['setupCode'])
    expect(checkPolicy('eval("1")', dangerous, { setupCode: 'import os' }).allowed).toBe(true)
  })

  it('counts lines as Python does, whatever line ends the setup code uses', () => {
    for (const setupCode of ['a = 1\r\nb = 2', 'a = 1\rb = 2\r', 'a = 1\nb = 2\n']) {
      const report = checkPolicy('eval("1")', config, { setupCode })
      expect(report.violations.map((v) => [v.part, v.line])).toStrictEqual([['code', 1]])
    }
    expect(joinSetupCode('a\r', 'b').codeLine).toBe(2)
    expect(joinSetupCode('a\n', 'b').codeLine).toBe(3)
  })

  it('leaves the report without parts when there is no setup code', () => {
    const report = checkPolicy('eval("1")', config)
    expect(report.violations[0]).not.toHaveProperty('part')
  })

  it('lets setup code and code fill the size limit together, not counting the newline between', () => {
    const half = MAX_CHECKED_BYTES / 2
    const fits = checkPolicy('#'.repeat(half), config, { setupCode: '#'.repeat(half) })
    expect(fits.allowed).toBe(true)
    const over = checkPolicy('#'.repeat(half + 1), config, { setupCode: '#'.repeat(half) })
    expect(over.violations.map((v) => v.rule)).toStrictEqual(['source-too-large'])
    expect(over.violations[0]?.message).toBe(
      `the code is ${MAX_CHECKED_BYTES + 1} bytes, more than the 1,048,576 that are checked`,
    )
  })
})
