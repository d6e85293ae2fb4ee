import type { ConfigInput } from '../../../src/config/schema.js'
import { QUEUE_URL_ENV } from '../../../src/queue/queue-url.js'
import { API_KEYS_ENV } from '../../../src/server/api-keys.js'
import type { ExitStatus } from './ns-process.js'
import { type SandboxNode, startSandboxNode } from './sandbox-node.js'
import type { Cluster, ClusterWorker } from './topology.js'

/**
 * The tinyagent-sandbox processes of a cluster: API nodes in the hub, one worker per worker
 * host (named as the host, `w1`, `w2`, on that host's own engine). A worker keeps its config,
 * so a test can stop, kill and start it again as an operator would.
 */
export class ScaleOutNodes {
  readonly #cluster: Cluster
  readonly #apiKey: string
  readonly #workerConfigs = new Map<string, ConfigInput>()
  readonly #workers = new Map<string, SandboxNode>()
  readonly #apis = new Map<string, SandboxNode>()

  constructor(cluster: Cluster, apiKey: string) {
    this.#cluster = cluster
    this.#apiKey = apiKey
  }

  /** `serve` in the hub, with the API key in its environment; resolves once it listens. */
  async startApi(label: string, config: ConfigInput): Promise<SandboxNode> {
    const node = await startSandboxNode(this.#cluster, {
      label,
      ns: this.#cluster.hub.ns,
      command: 'serve',
      config,
      env: { [API_KEYS_ENV]: this.#apiKey, [QUEUE_URL_ENV]: this.#cluster.redis.url },
    })
    this.#apis.set(label, node)
    return node
  }

  /** `worker` on its host's engine; the config is kept for later starts. */
  async startWorker(name: string, config?: ConfigInput): Promise<SandboxNode> {
    if (config !== undefined) this.#workerConfigs.set(name, config)
    const saved = this.#workerConfigs.get(name)
    if (saved === undefined) throw new TypeError(`No config for worker ${name}`)
    if (this.isRunning(name)) throw new Error(`worker ${name} is already running`)
    const host = this.#host(name)
    const node = await startSandboxNode(this.#cluster, {
      label: name,
      ns: host.ns,
      command: 'worker',
      config: saved,
      env: { DOCKER_HOST: host.dockerHost, [QUEUE_URL_ENV]: this.#cluster.redis.url },
    })
    this.#workers.set(name, node)
    return node
  }

  /** The worker's current (or last) process. */
  worker(name: string): SandboxNode {
    const node = this.#workers.get(name)
    if (node === undefined) throw new TypeError(`No worker ${name} was started`)
    return node
  }

  isRunning(name: string): boolean {
    const child = this.#workers.get(name)?.process.child
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  /** Sends the worker a signal and resolves with how it exited. */
  async signalWorker(name: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<ExitStatus> {
    const node = this.worker(name)
    process.kill(node.process.pid, signal)
    return node.process.exited
  }

  /** Starts every worker that is not running, at once. */
  async ensureWorkers(): Promise<void> {
    const stopped = [...this.#workerConfigs.keys()].filter((name) => !this.isRunning(name))
    await Promise.all(stopped.map((name) => this.startWorker(name)))
  }

  /** Drains every running worker (SIGTERM) and waits for each to exit; returns how they did. */
  async stopWorkers(): Promise<ExitStatus[]> {
    const running = [...this.#workers.keys()].filter((name) => this.isRunning(name))
    return Promise.all(running.map((name) => this.signalWorker(name, 'SIGTERM')))
  }

  /** Stops everything, APIs last, so no node logs a missing peer on the way out. */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.#workers.values()].map((n) => n.process.stop(15_000)))
    await Promise.allSettled([...this.#apis.values()].map((n) => n.process.stop(15_000)))
  }

  /** The end of every node's log, for a failed test's report. */
  async logTails(lines = 30): Promise<string> {
    const nodes = [...this.#apis.values(), ...this.#workers.values()]
    const tails = await Promise.all(
      nodes.map(async (n) => `--- ${n.label} (pid ${n.process.pid})\n${await n.logTail(lines)}`),
    )
    return tails.join('\n')
  }

  #host(name: string): ClusterWorker {
    const host = this.#cluster.workers.find((w) => w.name === name)
    if (host === undefined) throw new TypeError(`No worker host ${name} in the cluster`)
    return host
  }
}
