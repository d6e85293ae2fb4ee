import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { buildReceipt } from '../sandbox/receipt.js'
import { formatToolResult } from './format-tool-result.js'

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
