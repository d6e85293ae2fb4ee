import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { buildReceipt } from '../sandbox/receipt.js'
import { formatHumanResult, statusLine } from './format-result.js'

const settings = configSchema.parse({}).code_execution

const base: ExecutionResult = {
  id: 'x',
  status: 'ok',
  exitCode: 0,
  stdout: '',
  stderr: '',
  truncated: false,
  durationMs: 12,
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

const TERMINAL = { stdout: true, stderr: true }
const PIPES = { stdout: false, stderr: false }

/** What the attacker's review printed: a fake status line, then SGR 8 to hide the real one. */
const failed: ExecutionResult = {
  ...base,
  status: 'error',
  exitCode: 1,
  stdout: '\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07done\n',
  stderr: '[tinyagent-sandbox] ok · exit 0 · 3 ms\n\x1b[8m',
  message: 'ValueError: \u009b2J',
}

describe('formatHumanResult', () => {
  it('escapes the code’s escape sequences on a terminal and keeps the status line intact', () => {
    expect(formatHumanResult(failed, [], undefined, TERMINAL)).toStrictEqual({
      stdout: '\\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07done\n',
      stderr:
        '[tinyagent-sandbox] ok · exit 0 · 3 ms\n\\x1b[8mValueError: \\x9b2J\n[tinyagent-sandbox] error · exit 1 · 12 ms\n',
    })
  })

  it('passes the code’s bytes through unchanged to pipes', () => {
    expect(formatHumanResult(failed, [], undefined, PIPES)).toStrictEqual({
      stdout: failed.stdout,
      stderr: `${failed.stderr}${failed.message}\n[tinyagent-sandbox] error · exit 1 · 12 ms\n`,
    })
  })

  it('escapes only the stream that is a terminal', () => {
    const text = formatHumanResult(failed, [], undefined, { stdout: false, stderr: true })
    expect(text.stdout).toBe(failed.stdout)
    expect(text.stderr).toContain('\\x1b[8m')
  })

  it('starts the status line on its own line after output that ends mid-line', () => {
    const result = { ...base, stdout: 'no newline' }
    expect(formatHumanResult(result, [], undefined, TERMINAL).stderr).toBe(
      `\n${statusLine(result)}\n`,
    )
    expect(formatHumanResult(result, [], undefined, PIPES).stderr).toBe(`${statusLine(result)}\n`)
    const overwrite = { ...base, stderr: 'progress 50%\r' }
    expect(formatHumanResult(overwrite, [], undefined, TERMINAL).stderr).toBe(
      `progress 50%\\x0d\n${statusLine(overwrite)}\n`,
    )
  })

  it('escapes file names, tracebacks and the value that came from the sandbox', () => {
    const text = formatHumanResult(
      {
        ...base,
        status: 'error',
        exitCode: 1,
        stderr: 'Traceback (most recent call last):\nKeyError: \x1b[2J\n',
        error: { name: 'KeyError', value: '\x1b[2J', traceback: 'Traceback ...' },
        message: 'KeyError: \x1b[2J',
        result: { repr: "'\x1b]0;title\x07'", type: 'str', reprTruncated: false },
        files: [{ name: 'a\x1b[1Ab.txt', size: 1, contentBase64: 'eA==', truncated: false }],
      },
      [],
      undefined,
      TERMINAL,
    )
    expect(text).toStrictEqual({
      stdout: "=> '\\x1b]0;title\\x07'\n",
      stderr:
        'Traceback (most recent call last):\nKeyError: \\x1b[2J\n[tinyagent-sandbox] 1 file(s) returned (a\\x1b[1Ab.txt); --out DIR saves them\n[tinyagent-sandbox] error · exit 1 · 12 ms\n',
    })
  })

  it('leaves UTF-8 output and emoji as they are on a terminal', () => {
    const result = { ...base, stdout: 'π ≈ 3.14159 🐍\tdone\r\n' }
    expect(formatHumanResult(result, [], undefined, TERMINAL)).toStrictEqual({
      stdout: result.stdout,
      stderr: `${statusLine(result)}\n`,
    })
  })
})
