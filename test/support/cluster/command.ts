import { execFile } from 'node:child_process'
import { access, constants } from 'node:fs/promises'
import { ClusterHarnessError } from './errors.js'

export interface CommandResult {
  readonly stdout: string
  readonly stderr: string
}

export interface CommandOutcome extends CommandResult {
  /** null when the command was killed (a timeout) or could not start. */
  readonly exitCode: number | null
  readonly timedOut: boolean
  /** Why it failed to start, if it did. */
  readonly startError?: string
}

export interface CommandOptions {
  /** A hang guard: past it the command gets SIGKILL. @default 30_000 */
  readonly timeoutMs?: number
  /** Added to (and overriding) this process's environment. */
  readonly env?: Readonly<Record<string, string>>
}

/**
 * Runs one program with an argument vector (never a shell) and resolves with how it ended,
 * failure included: for commands whose failure is an expected outcome (a refused connection).
 */
export function runCommandForOutcome(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: options.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, ...options.env },
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr, exitCode: 0, timedOut: false })
          return
        }
        const exitCode = typeof error.code === 'number' ? error.code : null
        resolve({
          stdout,
          stderr,
          exitCode,
          timedOut: error.killed === true,
          ...(typeof error.code === 'string' ? { startError: error.message } : {}),
        })
      },
    )
  })
}

/** Runs one program with an argument vector (never a shell); rejects with its stderr on failure. */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const outcome = await runCommandForOutcome(file, args, options)
  if (outcome.exitCode === 0) return outcome
  const how = outcome.timedOut
    ? `timed out after ${(options.timeoutMs ?? 30_000) / 1000} s`
    : `failed (${outcome.startError ?? `exit ${String(outcome.exitCode)}`})`
  const detail = outcome.stderr.trim() || outcome.stdout.trim()
  throw new ClusterHarnessError(
    `${file} ${args.join(' ')}`,
    detail === '' ? how : `${how}: ${detail}`,
  )
}

/** True when the command exits 0, false when it fails or times out. */
export function commandSucceeds(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<boolean> {
  return runCommandForOutcome(file, args, options).then((outcome) => outcome.exitCode === 0)
}

/** The absolute path of an executable on PATH, like `command -v`, or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(':').filter((d) => d !== '')) {
    const candidate = `${dir}/${name}`
    const executable = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    )
    if (executable) return candidate
  }
  return undefined
}
