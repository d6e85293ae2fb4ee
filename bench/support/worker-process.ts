import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { stringify } from 'yaml'
import type { ConfigInput } from '../../src/config/schema.js'
import { QUEUE_URL_ENV } from '../../src/queue/queue-url.js'

/** The built CLI: workers run as they would in production, `node dist/cli/main.js worker`. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const STARTED_LINE = 'taking jobs from queue'
const START_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 10_000
/** The end of a worker's stderr, kept for the message when it fails. */
const STDERR_TAIL = 4_096
const exec = promisify(execFile)

export interface WorkerProcessOptions {
  /** Where the worker's config file is written. */
  readonly configPath: string
  /** Must set `orchestrator.node_name` and `orchestrator.instance_id`. */
  readonly config: ConfigInput
  /** Passed as TINYAGENT_SANDBOX_QUEUE_URL, so the password stays out of the file. */
  readonly url: string
}

/** A `tinyagent-sandbox worker` child process and the config file it reads. */
export class WorkerProcess {
  readonly node: string
  readonly configPath: string
  readonly #child: ChildProcess
  readonly #exited: Promise<void>
  #stderr = ''

  private constructor(node: string, configPath: string, child: ChildProcess) {
    this.node = node
    this.configPath = configPath
    this.#child = child
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()))
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-STDERR_TAIL)
    })
  }

  /** Writes the config, spawns the worker, and resolves once it says it takes jobs. */
  static async start(options: WorkerProcessOptions): Promise<WorkerProcess> {
    const node = options.config.orchestrator?.node_name
    if (node === undefined) throw new Error('Expected `orchestrator.node_name` in a worker config')
    await writeFile(options.configPath, stringify(options.config))
    const child = spawn(process.execPath, [CLI, 'worker', '--config', options.configPath], {
      env: { ...process.env, [QUEUE_URL_ENV]: options.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const worker = new WorkerProcess(node, options.configPath, child)
    try {
      await worker.#started()
    } catch (error) {
      await worker.stop()
      throw error
    }
    return worker
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /** SIGKILL: the worker dies as a crashed host would, its containers left behind. */
  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill('SIGKILL')
    await this.#exited
  }

  /** SIGTERM (the worker drains), then SIGKILL if it is still there after 10 s. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    this.#child.kill('SIGTERM')
    const late = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS)
    await this.#exited
    clearTimeout(late)
  }

  #started(): Promise<void> {
    return new Promise((resolve, reject) => {
      let stdout = ''
      const fail = (why: string) =>
        reject(new Error(`worker ${this.node} ${why}; its stderr ended with:\n${this.#stderr}`))
      const timer = setTimeout(() => fail('did not start within 30 s'), START_TIMEOUT_MS)
      this.#child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes(STARTED_LINE)) {
          clearTimeout(timer)
          resolve()
        }
      })
      this.#child.once('exit', (code) => {
        clearTimeout(timer)
        fail(`exited with ${code}`)
      })
    })
  }
}

/** `reap --all` for the instance a config file names: its containers and workspaces, live or not. */
export async function reapInstance(configPath: string): Promise<void> {
  await exec(process.execPath, [CLI, 'reap', '--all', '--config', configPath])
}
