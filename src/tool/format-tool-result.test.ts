import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import type { Violation } from '../policy/types.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { buildReceipt } from '../sandbox/receipt.js'
import { charLength } from './fit-text.js'
import { formatToolResult, share } from './format-tool-result.js'

const settings = configSchema.parse({}).code_execution

const base: ExecutionResult = {
  id: 'x',
  status: 'ok',
  exitCode: 0,
  stdout: '',
  stderr: '',
  truncated: false,
  durationMs: 1,
  violations: [],
  error: null,
  message: null,
  files: [],
  filesTruncated: false,
  runtime: 'runc',
  result: null,
  artifacts: [],
  artifactsTruncated: false,
  node: 'test',
  receipt: buildReceipt({
    code: '',
    settings: settings,
    imageId: null,
    runtime: 'runc',
    timeoutSeconds: settings.timeout_seconds,
    limits: settings.limits,
  }),
}

describe('formatToolResult', () => {
  it('says when a successful run printed nothing', () => {
    expect(formatToolResult(base)).toBe(
      'status: ok (exit code 0)\n(no output: print what you need)',
    )
  })

  it('shows the traceback on stderr for an exception, without repeating it', () => {
    const text = formatToolResult({
      ...base,
      status: 'error',
      exitCode: 1,
      stderr:
        'Traceback (most recent call last):\n  File "<code>", line 1\nZeroDivisionError: division by zero\n',
      error: { name: 'ZeroDivisionError', value: 'division by zero', traceback: 'Traceback ...' },
      message: 'ZeroDivisionError: division by zero',
    })
    expect(text).toBe(
      'status: error (exit code 1)\nstderr:\nTraceback (most recent call last):\n  File "<code>", line 1\nZeroDivisionError: division by zero',
    )
  })
})

describe('formatToolResult: notes and setup code', () => {
  it('says a note right after the status', () => {
    const text = formatToolResult(
      { ...base, stdout: '1\n' },
      {
        notes: [
          'timeout 60 s was lowered to the configured maximum of 10 s (code_execution.timeout_seconds).',
        ],
      },
    )
    expect(text).toBe(
      'status: ok (exit code 0)\nnote: timeout 60 s was lowered to the configured maximum of 10 s (code_execution.timeout_seconds).\nstdout:\n1',
    )
  })

  it('names the argument a violation is in, as the model sent it', () => {
    const violation: Violation = {
      rule: 'eval-call',
      line: 2,
      column: 1,
      part: 'setupCode',
      text: 'eval("1")',
      message: '`eval` evaluates a string as Python code',
      hint: 'only code_execution.allow_dangerous_operations: true allows this',
    }
    const text = formatToolResult({
      ...base,
      status: 'policy_violation',
      exitCode: null,
      violations: [violation, { ...violation, part: 'code', line: 1 }],
      message: 'Refused',
    })
    expect(text).toBe(
      [
        'status: policy_violation',
        'violation in setup_code at line 2, column 1: `eval` evaluates a string as Python code (`eval("1")`); only code_execution.allow_dangerous_operations: true allows this',
        'violation in code at line 1, column 1: `eval` evaluates a string as Python code (`eval("1")`); only code_execution.allow_dangerous_operations: true allows this',
        'Nothing was run. Rewrite the code without the refused constructs.',
      ].join('\n'),
    )
  })
})

describe('formatToolResult: sized for a model', () => {
  const HINT =
    "(Shortened to 12,000 characters, tool.result_chars. To see what was cut, print less: a summary, a slice, or counts such as len(), df.head(), df.describe(). The HTTP API's and the library's result keep all of it.)"

  it('keeps the head and tail of a huge stdout, saying exactly what was cut', () => {
    const text = formatToolResult({ ...base, stdout: `${'x'.repeat(1_048_576)}\n` })
    expect(charLength(text)).toBe(12_000)
    const lines = text.split('\n')
    expect(lines[0]).toBe('status: ok (exit code 0)')
    expect(lines[1]).toBe(
      'stdout: 1,048,576 characters, showing the first 8,720 and the last 2,907; 1,036,949 cut in the middle:',
    )
    expect(lines[2]).toBe('x'.repeat(8_720))
    expect(lines[3]).toBe('[… 1,036,949 characters cut …]')
    expect(lines[4]).toBe('x'.repeat(2_907))
    expect(lines[5]).toBe(HINT)
  })

  it('keeps the end of a long traceback, where the exception is', () => {
    const traceback = `Traceback (most recent call last):\n${'  File "<sandbox>", line 2, in f\n    f()\n'.repeat(3_000)}RecursionError: maximum recursion depth exceeded\n`
    const text = formatToolResult({
      ...base,
      status: 'error',
      exitCode: 1,
      stderr: traceback,
      error: { name: 'RecursionError', value: 'maximum recursion depth exceeded', traceback },
    })
    expect(charLength(text)).toBeLessThanOrEqual(12_000)
    const [, header, first] = text.split('\n')
    expect(header).toMatch(
      /^stderr: 123,083 characters, showing the first [\d,]+ and the last [\d,]+; [\d,]+ cut in the middle:$/,
    )
    expect(first).toBe('Traceback (most recent call last):')
    expect(text.endsWith(`f()\nRecursionError: maximum recursion depth exceeded\n${HINT}`)).toBe(
      true,
    )
    // Most of what is kept of stderr is its end.
    const [, shownHead, shownTail] = /showing the first ([\d,]+) and the last ([\d,]+)/.exec(
      header ?? '',
    ) ?? ['', '0', '0']
    expect(Number(shownTail.replaceAll(',', ''))).toBeGreaterThan(
      2 * Number(shownHead.replaceAll(',', '')),
    )
  })

  it('gives stdout twice the room of stderr when both are long, and whole output that fits', () => {
    const both = formatToolResult({
      ...base,
      stdout: 'o'.repeat(50_000),
      stderr: 'e'.repeat(50_000),
    })
    const kept = (name: string) =>
      /showing the first ([\d,]+) and the last ([\d,]+)/
        .exec(both.split('\n').find((line) => line.startsWith(`${name}:`)) ?? '')
        ?.slice(1)
        .reduce((sum, n) => sum + Number(n.replaceAll(',', '')), 0) ?? 0
    expect(kept('stdout') / kept('stderr')).toBeCloseTo(2, 1)
    const small = formatToolResult({ ...base, stdout: 'short\n', stderr: 'e'.repeat(50_000) })
    expect(small.split('\n').slice(0, 3)).toStrictEqual([
      'status: ok (exit code 0)',
      'stdout:',
      'short',
    ])
    expect(charLength(small)).toBeLessThanOrEqual(12_000)
  })

  it('keeps the head of a long value, naming its type', () => {
    const text = formatToolResult(
      {
        ...base,
        stdout: 'x\n',
        result: { repr: `'${'a'.repeat(5_000)}'`, type: 'str', reprTruncated: false },
      },
      { maxChars: 1_000 },
    )
    expect(charLength(text)).toBeLessThanOrEqual(1_000)
    expect(text).toMatch(
      /\nvalue \(str; 5,002 characters, showing the first [\d,]+; [\d,]+ cut at the end\): 'aaa/,
    )
  })

  it('lists as many violations as fit and counts the rest', () => {
    const violation: Violation = {
      rule: 'eval-call',
      line: 1,
      column: 1,
      text: 'eval("1")',
      message: '`eval` evaluates a string as Python code',
      hint: 'only code_execution.allow_dangerous_operations: true allows this',
    }
    const violations = Array.from({ length: 500 }, (_, i) => ({ ...violation, line: i + 1 }))
    const text = formatToolResult(
      { ...base, status: 'policy_violation', exitCode: null, violations, message: 'Refused' },
      { maxChars: 2_000 },
    )
    expect(charLength(text)).toBeLessThanOrEqual(2_000)
    expect(text).toMatch(
      /\n\(\d+ more violations not listed here: fix these and run again to see them\)\nNothing was run/,
    )
  })

  it('never passes the budget, counted in characters, and never splits one', () => {
    const unit = fc.constantFrom('a', 'é', '字', '😀', '\n', ' ')
    const long = fc.oneof(
      fc.string({ unit, maxLength: 50 }),
      fc
        .tuple(fc.string({ unit, minLength: 1, maxLength: 3 }), fc.nat(40_000))
        .map(([s, n]) => s.repeat(n)),
    )
    fc.assert(
      fc.property(
        long,
        long,
        long,
        fc.integer({ min: 1_000, max: 20_000 }),
        (out, err, repr, maxChars) => {
          const text = formatToolResult(
            {
              ...base,
              stdout: out,
              stderr: err,
              result: repr === '' ? null : { repr, type: 'str', reprTruncated: false },
            },
            { maxChars, notes: ['a note'] },
          )
          expect(charLength(text)).toBeLessThanOrEqual(maxChars)
          expect(text).not.toMatch(/\p{Cs}/u)
          expect(text.startsWith('status: ok (exit code 0)\nnote: a note')).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('share', () => {
  it('splits a budget by weight, giving what one section does not need to the others', () => {
    expect(share([100, 100], [2, 1], 90)).toStrictEqual([60, 30])
    expect(share([10, 1_000], [2, 1], 90)).toStrictEqual([10, 80])
    expect(share([10, 20], [2, 1], 90)).toStrictEqual([10, 20])
    expect(share([], [], 90)).toStrictEqual([])
  })
})
