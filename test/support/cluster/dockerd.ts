import { spawn } from 'node:child_process'
import { mkdir, open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { commandSucceeds, findExecutable } from './command.js'
import { type DaemonStop, daemonPid, killDaemon, stopDaemon } from './daemon-process.js'
import { reapEngineLeftovers } from './engine-leftovers.js'
import { ClusterHarnessError } from './errors.js'
import { namespacePath } from './netns.js'
import type { DaemonRecord } from './state-file.js'

export interface DockerdOptions {
  /** Names the engine in messages, e.g. `w1`. */
  readonly name: string
  /** The network namespace dockerd (and so every container it starts) lives in. */
  readonly netns: string
  /** A private directory for the data root, exec root, socket, pidfile, log and config. */
  readonly dir: string
  /** Seconds dockerd gives running containers when it stops. @default 5 */
  readonly shutdownTimeoutSeconds?: number
  /** How long `start()` waits for `docker info` to answer. @default 60_000 */
  readonly startTimeoutMs?: number
}

export interface DockerdPaths {
  readonly dataRoot: string
  readonly execRoot: string
  readonly pidfile: string
  readonly socket: string
  readonly logFile: string
  readonly configFile: string
}

export function dockerdPaths(dir: string): DockerdPaths {
  return {
    dataRoot: join(dir, 'data'),
    execRoot: join(dir, 'exec'),
    pidfile: join(dir, 'docker.pid'),
    socket: join(dir, 'docker.sock'),
    logFile: join(dir, 'dockerd.log'),
    configFile: join(dir, 'daemon.json'),
  }
}

/** What teardown needs to find this engine again from the state file alone. */
export function dockerdRecord(name: string, dir: string): DaemonRecord {
  const paths = dockerdPaths(dir)
  return {
    kind: 'dockerd',
    name,
    pidfile: paths.pidfile,
    marker: paths.pidfile,
    roots: [paths.dataRoot, paths.execRoot],
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Its own config file, so /etc/docker/daemon.json (the main engine's) is not read, with gVisor
 * registered as the main engine has it: runsc needs --network=none for network-less containers.
 */
async function writeConfig(path: string): Promise<void> {
  const runsc = await findExecutable('runsc')
  if (runsc === undefined) {
    throw new ClusterHarnessError('dockerd config', 'runsc is not installed (run `make engine`)')
  }
  const config = { runtimes: { runsc: { path: runsc, runtimeArgs: ['--network=none'] } } }
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`)
}

/**
 * A second Docker engine inside a network namespace, independent of the main one: its own data
 * root, exec root, containerd, socket and pidfile. No bridge, no iptables, no IP forwarding:
 * its containers run with `--network none`, and nothing here may route anywhere.
 */
export class NamespacedDockerd {
  readonly name: string
  readonly netns: string
  readonly paths: DockerdPaths
  /** For `docker -H` and DOCKER_HOST. */
  readonly host: string
  readonly record: DaemonRecord
  readonly #shutdownTimeoutSeconds: number
  readonly #startTimeoutMs: number

  constructor(options: DockerdOptions) {
    this.name = options.name
    this.netns = options.netns
    this.paths = dockerdPaths(options.dir)
    this.host = `unix://${this.paths.socket}`
    this.record = dockerdRecord(options.name, options.dir)
    this.#shutdownTimeoutSeconds = options.shutdownTimeoutSeconds ?? 5
    this.#startTimeoutMs = options.startTimeoutMs ?? 60_000
  }

  /** Starts dockerd (again, on the same data root after a stop) and waits until it answers. */
  async start(): Promise<void> {
    if ((await daemonPid(this.record)) !== undefined) {
      throw new ClusterHarnessError(`dockerd ${this.name} start`, 'it is already running')
    }
    await mkdir(this.paths.dataRoot, { recursive: true })
    await mkdir(this.paths.execRoot, { recursive: true })
    await writeConfig(this.paths.configFile)
    const exited = await this.#spawn()
    const deadline = Date.now() + this.#startTimeoutMs
    while (!(await this.answers())) {
      const exit = exited()
      if (exit !== undefined || Date.now() > deadline) {
        const why = exit ?? `no answer within ${this.#startTimeoutMs / 1000} s`
        throw new ClusterHarnessError(
          `dockerd ${this.name} start`,
          `${why}; last lines of ${this.paths.logFile}:\n${await this.logTail()}`,
        )
      }
      await sleep(250)
    }
  }

  /**
   * Spawns `nsenter --net=... dockerd`: nsenter execs dockerd, so the pid is dockerd's.
   * (`ip netns exec` would also remount /sys, and dockerd then fails with "Devices cgroup
   * isn't mounted".) Returns a probe that says how the process ended, once it has.
   */
  async #spawn(): Promise<() => string | undefined> {
    const p = this.paths
    const log = await open(p.logFile, 'a')
    let exit: string | undefined
    try {
      const child = spawn(
        'nsenter',
        [
          `--net=${namespacePath(this.netns)}`,
          '--',
          'dockerd',
          `--config-file=${p.configFile}`,
          `--data-root=${p.dataRoot}`,
          `--exec-root=${p.execRoot}`,
          `--pidfile=${p.pidfile}`,
          `--host=unix://${p.socket}`,
          '--bridge=none',
          '--iptables=false',
          '--ip6tables=false',
          '--ip-forward=false',
          '--ip-masq=false',
          `--shutdown-timeout=${this.#shutdownTimeoutSeconds}`,
        ],
        // Its own process group: a Ctrl-C to the test run does not reach it; teardown does.
        { detached: true, stdio: ['ignore', log.fd, log.fd] },
      )
      child.once('error', (error) => {
        exit = `could not start nsenter: ${error.message}`
      })
      child.once('exit', (code, signal) => {
        exit = `dockerd exited (${signal ?? `code ${String(code)}`})`
      })
      child.unref()
    } finally {
      await log.close()
    }
    return () => exit
  }

  /** True when `docker -H` gets the server's version. */
  answers(): Promise<boolean> {
    return commandSucceeds(
      'docker',
      ['-H', this.host, 'version', '--format', '{{.Server.Version}}'],
      {
        timeoutMs: 5_000,
      },
    )
  }

  /**
   * Stops dockerd the way an operator would (SIGTERM by its pidfile; SIGKILL only if it is
   * still there after the shutdown timeout plus 20 s), then removes anything it left running or
   * mounted. The data root stays, so `start()` brings the same images back.
   */
  async stop(): Promise<DaemonStop> {
    const how = await stopDaemon(this.record, (this.#shutdownTimeoutSeconds + 20) * 1000)
    await reapEngineLeftovers(this.paths)
    return how
  }

  /**
   * SIGKILL by pidfile, as a crash: running containers, shims and mounts stay where they are
   * (teardown, or the next `start()`, deals with them).
   */
  kill(): Promise<DaemonStop> {
    return killDaemon(this.record)
  }

  async logTail(lines = 30): Promise<string> {
    const text = await readFile(this.paths.logFile, 'utf8').catch(() => '')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  }
}
