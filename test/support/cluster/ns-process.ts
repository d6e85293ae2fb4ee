import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { namespacePath } from './netns.js'
import { terminate } from './processes.js'

export interface NamespaceProcessOptions {
  /** Added to (and overriding) this process's environment. */
  readonly env?: Readonly<Record<string, string>>
  /** @default this process's working directory */
  readonly cwd?: string
  /** Directory for `<label>.stdout.log` and `<label>.stderr.log`. */
  readonly logDir: string
  /** Names the log files, e.g. `api` or `worker-w1`. */
  readonly label: string
}

export interface ExitStatus {
  /** null when a signal ended it. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A process running in a cluster namespace, its output going to two files. */
export interface NamespaceProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly stdoutPath: string
  readonly stderrPath: string
  /** Settles when the process exits. */
  readonly exited: Promise<ExitStatus>
  /** SIGTERM to its whole process group, SIGKILL after `graceMs` (default 10 s). */
  stop(graceMs?: number): Promise<ExitStatus>
}

/**
 * Spawns `argv` inside a network namespace (`nsenter --net=...`, which execs it, so the pid is
 * the program's) as the leader of a new process group, so everything it forks stops with it.
 */
export function spawnInNamespace(
  netns: string,
  argv: readonly string[],
  options: NamespaceProcessOptions,
): NamespaceProcess {
  const [program, ...args] = argv
  if (program === undefined) throw new TypeError('Expected `argv` to name a program, got []')
  const stdoutPath = join(options.logDir, `${options.label}.stdout.log`)
  const stderrPath = join(options.logDir, `${options.label}.stderr.log`)
  const out = openSync(stdoutPath, 'a')
  const err = openSync(stderrPath, 'a')
  let child: ChildProcess
  try {
    child = spawn('nsenter', [`--net=${namespacePath(netns)}`, '--', program, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['ignore', out, err],
    })
  } finally {
    closeSync(out)
    closeSync(err)
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', () => resolve({ code: null, signal: null }))
  })
  // Teardown stops it even if the test does not; it must not keep the test process alive.
  child.unref()
  const pid = child.pid ?? -1
  return {
    child,
    pid,
    stdoutPath,
    stderrPath,
    exited,
    async stop(graceMs = 10_000) {
      if (pid > 0 && child.exitCode === null && child.signalCode === null) {
        await terminate(pid, { graceMs, group: true })
      }
      return exited
    },
  }
}
