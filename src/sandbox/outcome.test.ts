import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import type { ContainerOutcome } from '../engine/container-engine.js'
import { summarizeOutcome } from './outcome.js'

const context = {
  timeoutSeconds: 10,
  configuredTimeoutSeconds: 10,
  limits: configSchema.parse({}).code_execution.limits,
}
/** Where the tests below write a frame line, the engine would have taken it out as the report. */
const F = '\n\x1eframe '
const okFrame = `${F}{"exitCode": 0, "error": null}\n`

function outcome(overrides: Partial<ContainerOutcome>): ContainerOutcome {
  const stderr = overrides.stderr ?? okFrame
  const at = stderr.indexOf(F)
  return {
    stopReason: 'exited',
    exitCode: 0,
    oomKilled: false,
    stoppedByEngine: false,
    stdout: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    runMs: 100,
    ...overrides,
    stderr: at === -1 ? stderr : stderr.slice(0, at),
    report: at === -1 ? undefined : stderr.slice(at + F.length).replace(/\n$/, ''),
  }
}

describe('summarizeOutcome', () => {
  it('reports a clean exit as ok with no message', () => {
    const summary = summarizeOutcome(outcome({ stdout: 'hi\n' }), context)
    expect(summary).toEqual({
      status: 'ok',
      exitCode: 0,
      stdout: 'hi\n',
      stderr: '',
      truncated: false,
      error: null,
      message: null,
      result: null,
      artifacts: [],
      artifactsTruncated: false,
      violations: [],
    })
  })

  it('reports a runtime guard refusal as policy_violation with the violation', () => {
    const violation = {
      rule: 'runtime-file-access',
      event: 'open',
      subject: "open('/etc/passwd', 'r')",
      line: 3,
      column: 1,
      text: 'pd.read_csv(p)',
    }
    const stderr = `${F}${JSON.stringify({ exitCode: 1, error: null, violation })}\n`
    const summary = summarizeOutcome(outcome({ exitCode: 1, stdout: 'before\n', stderr }), context)
    expect(summary).toMatchObject({
      status: 'policy_violation',
      exitCode: 1,
      stdout: 'before\n',
      stderr: '',
      error: null,
      message:
        "Refused at run time by the policy guard, which ended the run: runtime-file-access at 3:1 (open: pd.read_csv(p)). See the violation's hint for the setting that allows it.",
    })
    expect(summary.violations).toEqual([
      {
        rule: 'runtime-file-access',
        line: 3,
        column: 1,
        text: 'pd.read_csv(p)',
        message: "`open('/etc/passwd', 'r')` touches files, which the code may not",
        hint: 'allowed when code_execution.allowed_operations.file_operations is true',
        event: 'open',
      },
    ])
  })

  it('keeps a timeout a timeout even when a guard report was already written', () => {
    const violation = {
      rule: 'runtime-import',
      event: 'import',
      subject: 'ctypes',
      line: 1,
      column: 1,
      text: 'x',
    }
    const stderr = `${F}${JSON.stringify({ exitCode: 1, error: null, violation })}\n`
    const summary = summarizeOutcome(outcome({ stopReason: 'timeout', stderr }), context)
    expect(summary.status).toBe('timeout')
    expect(summary.violations).toEqual([])
  })

  it('reports an exception as error with the exception as data', () => {
    const error = { name: 'KeyError', value: "'a'", traceback: "KeyError: 'a'\n" }
    const stderr = `KeyError: 'a'\n${F}${JSON.stringify({ exitCode: 1, error })}\n`
    const summary = summarizeOutcome(outcome({ exitCode: 1, stderr }), context)
    expect(summary.status).toBe('error')
    expect(summary.error).toEqual(error)
    expect(summary.message).toBe("KeyError: 'a'")
  })

  it('reports a timeout with the setting that governs it and no exit code', () => {
    const summary = summarizeOutcome(
      outcome({ stopReason: 'timeout', exitCode: 137, stderr: '' }),
      context,
    )
    expect(summary.status).toBe('timeout')
    expect(summary.exitCode).toBeNull()
    expect(summary.message).toBe(
      'Stopped after the 10 s time limit (code_execution.timeout_seconds).',
    )
  })

  it('says when the time limit came from the request rather than the config', () => {
    const summary = summarizeOutcome(
      outcome({ stopReason: 'timeout', exitCode: 137, stderr: '' }),
      {
        ...context,
        timeoutSeconds: 2,
      },
    )
    expect(summary.message).toBe(
      'Stopped after the 2 s time limit that the request asked for (code_execution.timeout_seconds allows up to 10 s).',
    )
  })

  it('reports an output overflow as output_limit, truncated', () => {
    const summary = summarizeOutcome(
      outcome({ stopReason: 'output_limit', exitCode: 137, stdoutTruncated: true, stderr: '' }),
      context,
    )
    expect(summary.status).toBe('output_limit')
    expect(summary.truncated).toBe(true)
    expect(summary.message).toContain('code_execution.limits.output_bytes')
  })

  it('reports an OOM kill, or a MemoryError, as memory_limit', () => {
    const killed = summarizeOutcome(
      outcome({ exitCode: 137, oomKilled: true, stderr: '' }),
      context,
    )
    expect(killed.status).toBe('memory_limit')
    expect(killed.message).toBe(
      'Ran out of memory: the limit is 256 MB (code_execution.limits.memory_mb).',
    )
    const error = { name: 'MemoryError', value: '', traceback: 'MemoryError\n' }
    const raised = summarizeOutcome(
      outcome({
        exitCode: 1,
        stderr: `${F}${JSON.stringify({ exitCode: 1, error })}\n`,
      }),
      context,
    )
    expect(raised.status).toBe('memory_limit')
  })

  it('reports a non-zero exit without an exception as error with the code', () => {
    const summary = summarizeOutcome(outcome({ exitCode: 3, stderr: '' }), context)
    expect(summary).toMatchObject({
      status: 'error',
      exitCode: 3,
      message: 'The code exited with code 3.',
    })
  })

  it('reports a container the engine stopped as engine_error, keeping what the code wrote', () => {
    const summary = summarizeOutcome(
      outcome({ exitCode: 143, stoppedByEngine: true, stdout: 'started\n', stderr: '' }),
      context,
    )
    expect(summary).toMatchObject({ status: 'engine_error', exitCode: 143, stdout: 'started\n' })
    expect(summary.message).toMatch(
      /^The Docker engine stopped the container before the code finished \(exit code 143\)/,
    )
  })

  it('prefers the timeout over an OOM kill seen at the same time', () => {
    const summary = summarizeOutcome(
      outcome({ stopReason: 'timeout', oomKilled: true, stderr: '' }),
      context,
    )
    expect(summary.status).toBe('timeout')
  })

  it('names the pids limit when a process or thread could not be started', () => {
    for (const error of [
      { name: 'BlockingIOError', value: '[Errno 11] Resource temporarily unavailable' },
      { name: 'RuntimeError', value: "can't start new thread" },
    ]) {
      const stderr = `${F}${JSON.stringify({ exitCode: 1, error: { ...error, traceback: '' } })}\n`
      const summary = summarizeOutcome(outcome({ exitCode: 1, stderr }), context)
      expect(summary.message).toBe(
        `${error.name}: ${error.value}. The code reached its limit of 64 processes and threads (code_execution.limits.pids).`,
      )
    }
  })
})
