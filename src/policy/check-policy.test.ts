import { describe, expect, it } from 'vitest'
import { checkPolicy } from './check-policy.js'
import type { PolicyConfig } from './types.js'

const found = (source: string, settings: PolicyConfig) =>
  checkPolicy(source, settings).violations.map(({ rule, line, column, text }) => ({
    rule,
    line,
    column,
    text,
  }))

/** Everything the seed restricts, one per line. */
const EVERYTHING = [
  'import os, sys, subprocess, shutil',
  'exec("x = 1")',
  'eval("1")',
  'compile("1", "<s>", "eval")',
  '__import__("os")',
  'globals()',
  'locals()',
  'open("f")',
  'os.system("ls")',
  'sys.exit(0)',
  'subprocess.run(["ls"])',
  'shutil.rmtree("/tmp/x")',
  'builtins.print',
  '',
].join('\n')

describe("the seed's use cases", () => {
  it('development: allow_dangerous_operations turns the static checks off', () => {
    const development: PolicyConfig = {
      allow_dangerous_operations: true,
      allowed_operations: { file_operations: false, os_operations: false, imports: [] },
    }
    expect(checkPolicy(EVERYTHING, development)).toEqual({
      allowed: true,
      checked: false,
      violations: [],
      syntaxErrors: [],
    })
  })

  it('web API: refuses os, sys, subprocess and open, allows numpy, pandas and math', () => {
    const webApi: PolicyConfig = {
      allow_dangerous_operations: false,
      allowed_operations: { file_operations: false, os_operations: false, imports: [] },
    }
    expect(found(EVERYTHING, webApi).map((v) => `${v.line}:${v.column} ${v.rule}`)).toEqual([
      '1:8 import-not-allowed',
      '1:12 import-not-allowed',
      '1:17 import-not-allowed',
      '1:29 import-not-allowed',
      '2:1 exec-call',
      '3:1 eval-call',
      '4:1 compile-call',
      '5:1 dunder-import-call',
      '6:1 globals-call',
      '7:1 locals-call',
      '8:1 open-call',
      '9:1 os-access',
      '10:1 sys-access',
      '11:1 subprocess-access',
      '12:1 shutil-access',
      '13:1 builtins-access',
    ])
    const science =
      'import numpy as np\nimport pandas as pd\nimport math\nprint(np.mean([1, 2]), pd.DataFrame(), math.pi)\n'
    expect(checkPolicy(science, webApi).allowed).toBe(true)
  })

  describe('trusted environment: files and path handling, no system operations', () => {
    const trusted: PolicyConfig = {
      allow_dangerous_operations: false,
      allowed_operations: {
        file_operations: true,
        os_operations: false,
        imports: ['os.path', 'pathlib'],
      },
    }

    it('allows os.path, pathlib and open()', () => {
      const source = [
        'import os.path',
        'from pathlib import Path',
        'target = os.path.join("data", "in.csv")',
        'with open(target) as f:',
        '    rows = f.readlines()',
        'print(Path(target).name, len(rows))',
        '',
      ].join('\n')
      expect(checkPolicy(source, trusted)).toEqual({
        allowed: true,
        checked: true,
        violations: [],
        syntaxErrors: [],
      })
    })

    it('refuses os.system, os.listdir, os.remove and subprocess', () => {
      const source =
        'import os.path\nos.system("ls")\nos.listdir(".")\nos.remove("f")\nimport subprocess\n'
      expect(found(source, trusted)).toEqual([
        { rule: 'os-access', line: 2, column: 1, text: 'os.system("ls")' },
        { rule: 'os-access', line: 3, column: 1, text: 'os.listdir(".")' },
        { rule: 'os-access', line: 4, column: 1, text: 'os.remove("f")' },
        { rule: 'import-not-allowed', line: 5, column: 8, text: 'subprocess' },
      ])
    })
  })
})

describe('checkPolicy', () => {
  const secure: PolicyConfig = {
    allow_dangerous_operations: false,
    allowed_operations: { file_operations: false, os_operations: false, imports: [] },
  }

  it('reports each violation with rule, position, text, message and hint', () => {
    expect(checkPolicy('x = 1\nresult = eval(user_input)\n', secure)).toEqual({
      allowed: false,
      checked: true,
      violations: [
        {
          rule: 'eval-call',
          line: 2,
          column: 10,
          text: 'eval(user_input)',
          message: '`eval` evaluates a string as Python code',
          hint: 'only code_execution.allow_dangerous_operations: true allows this',
        },
      ],
      syntaxErrors: [],
    })
  })

  it('refuses code with syntax errors, and still lists its violations', () => {
    const report = checkPolicy('eval(x)\ndef f(:\n    pass\n', secure)
    expect(report.allowed).toBe(false)
    expect(report.syntaxErrors).toEqual([
      { line: 2, column: 7, message: 'invalid syntax near `:`' },
    ])
    expect(report.violations.map((v) => v.rule)).toEqual(['eval-call'])
  })

  it('still reports syntax errors when allow_dangerous_operations is true', () => {
    const dangerous = { ...secure, allow_dangerous_operations: true }
    expect(checkPolicy('def f(:\n    pass\n', dangerous)).toEqual({
      allowed: false,
      checked: false,
      violations: [],
      syntaxErrors: [{ line: 1, column: 7, message: 'invalid syntax near `:`' }],
    })
  })

  it('runs code its parser cannot read when allow_dangerous_operations is true', () => {
    const dangerous = { ...secure, allow_dangerous_operations: true }
    expect(checkPolicy('x = a[*idx]\n', dangerous)).toEqual({
      allowed: true,
      checked: false,
      violations: [],
      syntaxErrors: [],
    })
  })

  it('refuses code its parser cannot read as not analysable, not as a syntax error', () => {
    const report = checkPolicy('x = a[*idx]\neval(x)\n', secure)
    expect(report.syntaxErrors).toEqual([])
    expect(report.violations.map((v) => [v.rule, v.line])).toEqual([
      ['not-analysable', 1],
      ['eval-call', 2],
    ])
  })

  it('reports a violation above a PEP 614 decorator, not a syntax error', () => {
    const source = '@eval\n@buttons[0].clicked.connect\ndef f():\n    pass\n'
    const report = checkPolicy(source, secure)
    expect(report.syntaxErrors).toEqual([])
    expect(report.violations.map((v) => v.rule)).toEqual(['eval-call'])
  })

  it('refuses, rather than crashes on, code nested deeper than it can check', () => {
    const deep = `x = ${'['.repeat(2000)}1${']'.repeat(2000)}\n`
    const report = checkPolicy(deep, secure)
    expect(report.allowed).toBe(false)
    expect(
      report.syntaxErrors.some((p) => p.message === 'code is nested more than 1000 levels deep'),
    ).toBe(true)
  })

  it('checks a generated 1,000-line script completely', () => {
    const block = (i: number) =>
      [
        `def step_${i}(values):`,
        `    total = sum(v * ${i} for v in values if v % 2)`,
        `    return {"step": ${i}, "total": total, "label": f"step {i}: {total!r}"}`,
        `result_${i} = step_${i}(range(${i}))`,
        '',
      ].join('\n')
    const lines = Array.from({ length: 200 }, (_, i) => block(i))
      .join('\n')
      .split('\n')
    // Line 781, between two blocks, so the script stays valid Python.
    lines.splice(780, 0, 'leak = open("/etc/passwd").read()')
    const source = `${lines.join('\n')}\n`
    expect(source.split('\n').length).toBeGreaterThan(1000)
    const report = checkPolicy(source, secure)
    expect(report.syntaxErrors).toEqual([])
    expect(found(source, secure)).toEqual([
      { rule: 'open-call', line: 781, column: 8, text: 'open("/etc/passwd")' },
    ])
  })
})
