import { type ChildProcessByStdio, spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { CLI_MAIN } from '../support/cli.js'

/** Kept of the server's stderr for failure messages: one JSON log line per execution adds up. */
const STDERR_TAIL_CHARS = 20_000

/**
 * `tinyagent-sandbox serve` as its own process, as deployed: its memory is its own, so
 * /proc/<pid>/status measures the orchestrator and nothing of the test runner.
 */
export class ServeProcess {
  readonly url: string
  readonly pid: number
  readonly #child: ChildProcessByStdio<null, Readable, Readable>
  readonly #exited: Promise<number | null>
  readonly #output: { stdout: string; stderr: string }

  private constructor(
    url: string,
    child: ChildProcessByStdio<null, Readable, Readable>,
    exited: Promise<number | null>,
    output: { stdout: string; stderr: string },
  ) {
    this.url = url
    this.pid = child.pid ?? -1
    this.#child = child
    this.#exited = exited
    this.#output = output
  }

  /** Starts `serve --config <config> --port 0` and resolves once it prints where it listens. */
  static async start(config: string, cwd: string): Promise<ServeProcess> {
    const child = spawn(process.execPath, [CLI_MAIN, 'serve', '--config', config, '--port', '0'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const output = { stdout: '', stderr: '' }
    child.stdout.on('data', (chunk: Buffer) => {
      output.stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output.stderr = (output.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS)
    })
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => resolve(code))
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const found = /listening on (http:\/\/\S+)/.exec(output.stdout)
          if (found?.[1] !== undefined) resolve(found[1])
        })
        child.on('error', reject)
        void exited.then((code) =>
          reject(new Error(`serve exited (${code}) before listening:\n${output.stderr}`)),
        )
      })
      return new ServeProcess(url, child, exited, output)
    } catch (error) {
      child.kill('SIGKILL')
      throw error
    }
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  get stdout(): string {
    return this.#output.stdout
  }

  get stderrTail(): string {
    return this.#output.stderr
  }

  /** SIGTERM (the drain) and the exit code; rejects when it has not exited within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<number | null> {
    this.#child.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`serve did not exit within ${timeoutMs} ms of SIGTERM`)),
        timeoutMs,
      )
    })
    try {
      return await Promise.race([this.#exited, hung])
    } finally {
      clearTimeout(timer)
    }
  }

  /** For cleanup after a failure: SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.running) return
    this.#child.kill('SIGKILL')
    await this.#exited
  }
}
