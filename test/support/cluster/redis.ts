import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand } from './command.js'
import { type DaemonStop, daemonPid, killDaemon, stopDaemon } from './daemon-process.js'
import { ClusterHarnessError } from './errors.js'
import { namespacePath } from './netns.js'
import type { DaemonRecord } from './state-file.js'

export interface RedisOptions {
  /** The network namespace redis-server runs in (the hub). */
  readonly netns: string
  /** The namespace's address on the cluster network; 127.0.0.1 is bound as well. */
  readonly address: string
  /** A private directory for the config, data (AOF), pidfile and log. */
  readonly dir: string
  /** @default 6379 (the namespace is private, so the default port never collides) */
  readonly port?: number
  /** Keep an append-only file, replayed on restart. @default true */
  readonly appendonly?: boolean
  /**
   * `always` makes every acknowledged write survive a SIGKILL, so crash tests are exact;
   * `everysec` is the production default and may lose the last second. @default 'always'
   */
  readonly appendfsync?: 'always' | 'everysec' | 'no'
  /** How long `start()` waits for PONG (an AOF replay included). @default 30_000 */
  readonly startTimeoutMs?: number
}

export function redisRecord(dir: string): DaemonRecord {
  return {
    kind: 'redis',
    name: 'redis',
    pidfile: join(dir, 'redis.pid'),
    // The config path is in the process title (proc-title-template below).
    marker: join(dir, 'redis.conf'),
    roots: [],
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * redis-server in a namespace, password-protected (which is what lets remote clients in while
 * protected-mode stays at its default), persisting only through its AOF: RDB snapshots are off
 * so what survives a restart is exactly what `appendonly` promises.
 */
export class NamespacedRedis {
  readonly netns: string
  readonly address: string
  readonly port: number
  readonly password: string
  readonly record: DaemonRecord
  readonly #dir: string
  readonly #configFile: string
  readonly #logFile: string
  readonly #appendonly: boolean
  readonly #appendfsync: string
  readonly #startTimeoutMs: number

  constructor(options: RedisOptions) {
    this.netns = options.netns
    this.address = options.address
    this.port = options.port ?? 6379
    this.password = randomBytes(16).toString('hex')
    this.record = redisRecord(options.dir)
    this.#dir = options.dir
    this.#configFile = join(options.dir, 'redis.conf')
    this.#logFile = join(options.dir, 'redis.log')
    this.#appendonly = options.appendonly ?? true
    this.#appendfsync = options.appendfsync ?? 'always'
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000
  }

  /** `redis://:PASSWORD@ADDRESS:PORT`, for clients anywhere on the cluster network. */
  get url(): string {
    return `redis://:${this.password}@${this.address}:${this.port}`
  }

  async #writeConfig(): Promise<void> {
    const data = join(this.#dir, 'data')
    await mkdir(data, { recursive: true })
    const lines = [
      `bind ${this.address} 127.0.0.1`,
      `port ${this.port}`,
      `requirepass ${this.password}`,
      `appendonly ${this.#appendonly ? 'yes' : 'no'}`,
      `appendfsync ${this.#appendfsync}`,
      'save ""',
      `dir ${data}`,
      `pidfile ${this.record.pidfile}`,
      'daemonize no',
      'logfile ""',
      // Puts the config path in /proc/PID/cmdline: teardown signals only a pid that shows it.
      'proc-title-template "{title} {listen-addr} {config-file}"',
    ]
    await writeFile(this.#configFile, `${lines.join('\n')}\n`, { mode: 0o600 })
  }

  /** Starts redis-server (again, on the same data directory) and waits for PONG. */
  async start(): Promise<void> {
    if ((await daemonPid(this.record)) !== undefined) {
      throw new ClusterHarnessError('redis start', 'it is already running')
    }
    await this.#writeConfig()
    const log = await open(this.#logFile, 'a')
    let exit: string | undefined
    try {
      const child = spawn(
        'nsenter',
        [`--net=${namespacePath(this.netns)}`, '--', 'redis-server', this.#configFile],
        { detached: true, stdio: ['ignore', log.fd, log.fd] },
      )
      child.once('error', (error) => {
        exit = `could not start nsenter: ${error.message}`
      })
      child.once('exit', (code, signal) => {
        exit = `redis-server exited (${signal ?? `code ${String(code)}`})`
      })
      child.unref()
    } finally {
      await log.close()
    }
    const deadline = Date.now() + this.#startTimeoutMs
    while ((await this.ping().catch(() => '')) !== 'PONG') {
      if (exit !== undefined || Date.now() > deadline) {
        const why = exit ?? `no PONG within ${this.#startTimeoutMs / 1000} s`
        throw new ClusterHarnessError('redis start', `${why}; log:\n${await this.logTail()}`)
      }
      await sleep(100)
    }
  }

  /** SIGTERM by pidfile: Redis flushes its AOF and exits. */
  stop(): Promise<DaemonStop> {
    return stopDaemon(this.record, 20_000)
  }

  /** SIGKILL by pidfile, as a crash. */
  kill(): Promise<DaemonStop> {
    return killDaemon(this.record)
  }

  /** Stop, then start on the same data directory (the AOF is replayed). */
  async restart(): Promise<void> {
    await this.stop()
    await this.start()
  }

  /**
   * PING from inside the hub over 127.0.0.1 with the password (REDISCLI_AUTH, never argv).
   * Returns the reply, e.g. `PONG` or `LOADING ...` while an AOF is replayed.
   */
  async ping(): Promise<string> {
    const { stdout } = await runCommand(
      'nsenter',
      [
        `--net=${namespacePath(this.netns)}`,
        '--',
        'redis-cli',
        '-h',
        '127.0.0.1',
        '-p',
        `${this.port}`,
        'ping',
      ],
      { env: { REDISCLI_AUTH: this.password }, timeoutMs: 5_000 },
    )
    return stdout.trim()
  }

  async logTail(lines = 30): Promise<string> {
    const text = await readFile(this.#logFile, 'utf8').catch(() => '')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  }
}
