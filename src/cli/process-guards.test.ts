import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { EXIT } from './exit-codes.js'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CHILD = fileURLToPath(new URL('../../test/support/process-guards-child.ts', import.meta.url))

interface Exit {
  readonly code: number | null
  readonly stdout: string
  readonly logged: Record<string, unknown>[]
}

/** Runs the fixture with one kind of bug; its stderr is the logger's JSON lines. */
function runChild(mode: 'rejection' | 'exception' | 'hung-drain'): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, mode],
      { cwd: REPO_ROOT, timeout: 20_000 },
      (error, stdout, stderr) => {
        const logged = stderr
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>)
        resolve({ code: error === null ? 0 : (error.code as number | null), stdout, logged })
      },
    )
  })
}

describe('installProcessGuards', () => {
  it('logs an unhandled rejection with its stack, drains, and exits with EX_SOFTWARE', async () => {
    const exit = await runChild('rejection')
    expect(exit.code).toBe(70) // EX_SOFTWARE
    expect(EXIT.software).toBe(70)
    expect(exit.stdout).toBe('drained\n')
    expect(exit.logged).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'unhandledRejection: a bug in tinyagent-sandbox; draining, then exiting',
        error: 'Error: a bug nobody awaited',
        stack: expect.stringMatching(
          /^Error: a bug nobody awaited\n\s+at .*process-guards-child\.ts/,
        ),
      }),
    ])
  }, 30_000)

  it('does the same for an uncaught exception', async () => {
    const exit = await runChild('exception')
    expect(exit).toMatchObject({ code: EXIT.software, stdout: 'drained\n' })
    expect(exit.logged).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'uncaughtException: a bug in tinyagent-sandbox; draining, then exiting',
        stack: expect.stringContaining('Error: a bug in a callback'),
      }),
    ])
  }, 30_000)

  it('exits anyway when the drain does not finish within drainTimeoutMs', async () => {
    // Without the cut-off the child would hang until execFile's guard killed it (code null).
    const exit = await runChild('hung-drain')
    expect(exit).toMatchObject({ code: EXIT.software, stdout: '' })
    expect(exit.logged.map((line) => line.message)).toEqual([
      'unhandledRejection: a bug in tinyagent-sandbox; draining, then exiting',
      'the drain did not finish in time; exiting anyway',
    ])
  }, 30_000)
})
