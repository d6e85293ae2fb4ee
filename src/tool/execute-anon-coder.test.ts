import { describe, expect, it } from 'vitest'
import { type ConfigInput, configSchema } from '../config/schema.js'
import type { ExecuteRequest } from '../sandbox/execute-request.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { Executor } from '../sandbox/executor.js'
import { buildReceipt } from '../sandbox/receipt.js'
import { executeAnonCoder } from './execute-anon-coder.js'

/** An executor that records the request it is given and answers with `stdout`. */
function recordingExecutor(
  config: ConfigInput,
  stdout = '',
): Executor & { readonly requests: ExecuteRequest[] } {
  const parsed = configSchema.parse(config)
  const settings = parsed.code_execution
  const requests: ExecuteRequest[] = []
  return {
    config: parsed,
    node: 'test',
    requests,
    execute: async (request) => {
      requests.push(request)
      const result: ExecutionResult = {
        id: 'x',
        status: 'ok',
        exitCode: 0,
        stdout,
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
          code: request.code,
          settings,
          imageId: null,
          runtime: 'runc',
          timeoutSeconds: request.timeoutSeconds ?? settings.timeout_seconds,
          limits: settings.limits,
        }),
      }
      return result
    },
    close: async () => {},
    gauges: async () => ({ queueDepth: 0, running: 0, workers: 1, lostJobs: 0 }),
    readiness: async () => ({ ready: true }),
  }
}

describe('executeAnonCoder', () => {
  it('lowers a timeout above the configured maximum to it, and says so', async () => {
    const executor = recordingExecutor({}, '1\n')
    const { text } = await executeAnonCoder(executor, { code: 'print(1)', timeout: 60 })
    expect(executor.requests[0]?.timeoutSeconds).toBe(10)
    expect(text).toBe(
      'status: ok (exit code 0)\nnote: timeout 60 s was lowered to the configured maximum of 10 s (code_execution.timeout_seconds).\nstdout:\n1',
    )
  })

  it('passes a timeout within the maximum as it is, with nothing to say', async () => {
    const executor = recordingExecutor({ code_execution: { timeout_seconds: 60 } }, '1\n')
    const { text } = await executeAnonCoder(executor, { code: 'print(1)', timeout: 30 })
    expect(executor.requests[0]?.timeoutSeconds).toBe(30)
    expect(text).toBe('status: ok (exit code 0)\nstdout:\n1')
  })

  it('sends setup_code as the request setupCode, and empty setup_code as none', async () => {
    const executor = recordingExecutor({})
    await executeAnonCoder(executor, { code: 'print(x)', setup_code: 'x = 1' })
    await executeAnonCoder(executor, { code: 'print(1)', setup_code: '' })
    expect(executor.requests.map((r) => [r.code, r.setupCode])).toStrictEqual([
      ['print(x)', 'x = 1'],
      ['print(1)', undefined],
    ])
  })

  it('cuts the text to tool.result_chars and keeps the whole result', async () => {
    const stdout = 'y'.repeat(50_000)
    const executor = recordingExecutor({ tool: { result_chars: 2_000 } }, stdout)
    const { text, result } = await executeAnonCoder(executor, { code: 'print("y" * 50_000)' })
    expect(text.length).toBeLessThanOrEqual(2_000)
    expect(text).toContain('stdout: 50,000 characters, showing the first')
    expect(result.stdout).toBe(stdout)
  })
})
