import { randomBytes } from 'node:crypto'
import type { ConfigInput } from '../../../src/config/schema.js'
import { LABEL_EXECUTION } from '../../../src/engine/labels.js'
import type { ExecutionResult } from '../../../src/sandbox/execution-result.js'
import { LOST_WORKER_PREFIX } from '../../../src/sandbox/lost-worker.js'
import { type Answer, ApiClient, type ExecuteBody, type StreamEvent } from './api-client.js'
import { runCommand } from './command.js'
import { ContainerEvents } from './container-events.js'
import { daemonPid } from './daemon-process.js'
import { QueueView } from './queue-view.js'
import { ScaleOutNodes } from './scale-out-nodes.js'
import { type Cluster, type ClusterWorker, createCluster } from './topology.js'

export interface ScaleOutPlan {
  /** API nodes in the hub by label, each listening on the hub's address at `port`. */
  readonly apis: Readonly<Record<string, { readonly port: number; readonly config: ConfigInput }>>
  /** One worker per worker host, by the host's name (`w1`, `w2`). */
  readonly workers: Readonly<Record<string, ConfigInput>>
  /** A hang guard per execution: past it, the execution counts as unanswered. */
  readonly answerBoundMs: number
}

/** Every execution sent, and what became of it: sent = answered + hung up, or one was lost. */
export interface Ledger {
  sent: number
  answered: number
  /** Sent with a signal the test then aborted: the test hung up, no answer is due. */
  hungUp: number
  /** Results whose message says their worker was lost. */
  lost: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A hang guard: rejects, naming what hung, when the promise has not settled in time. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls until `read()` gives `expected` (usable in hooks, where expect.poll is not). */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  expected: T,
  ms: number,
): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (value === expected) return
    if (Date.now() > deadline)
      throw new Error(`${what}: ${String(value)} after ${ms} ms, expected ${String(expected)}`)
    await sleep(100)
  }
}

/**
 * A running scale-out deployment on a cluster of this machine: Redis and the API nodes in the
 * hub, a worker on each worker host's own engine, the API reached over HTTP from the root
 * namespace with an API key. It keeps the ledger of every execution sent and the engines'
 * account of every container started, so tests can say "0 lost, 0 started twice".
 */
export class ScaleOutDeployment {
  readonly cluster: Cluster
  readonly nodes: ScaleOutNodes
  readonly view: QueueView
  readonly containers: ContainerEvents
  readonly ledger: Ledger = { sent: 0, answered: 0, hungUp: 0, lost: 0 }
  /** Every result any execution got. */
  readonly results: ExecutionResult[] = []
  readonly #plan: ScaleOutPlan
  readonly #clients = new Map<string, ApiClient>()

  private constructor(cluster: Cluster, plan: ScaleOutPlan, apiKey: string) {
    this.cluster = cluster
    this.#plan = plan
    this.nodes = new ScaleOutNodes(cluster, apiKey)
    this.view = new QueueView(cluster.redis.url)
    this.containers = new ContainerEvents()
  }

  /** Builds the cluster, starts every node, and resolves once every worker says it is ready. */
  static async start(plan: ScaleOutPlan): Promise<ScaleOutDeployment> {
    const workerNames = Object.keys(plan.workers)
    const cluster = await createCluster({
      workers: workerNames.length as 2 | 3,
      redis: { appendonly: true },
    })
    const apiKey = randomBytes(24).toString('hex')
    const deployment = new ScaleOutDeployment(cluster, plan, apiKey)
    try {
      const since = Date.now()
      for (const w of cluster.workers) deployment.containers.watch(w.name, w.dockerHost, since)
      await Promise.all([
        ...Object.entries(plan.apis).map(async ([label, { port, config }]) => {
          const host = cluster.hub.address
          await deployment.nodes.startApi(label, {
            ...config,
            server: { ...config.server, host, port },
          })
          deployment.#clients.set(label, new ApiClient(`http://${host}:${port}`, apiKey))
        }),
        ...workerNames.map((name) => deployment.nodes.startWorker(name, plan.workers[name])),
      ])
      await deployment.workersReady()
      return deployment
    } catch (error) {
      await deployment.destroy()
      throw error
    }
  }

  /** The HTTP client of an API node. */
  api(label: string): ApiClient {
    const client = this.#clients.get(label)
    if (client === undefined) throw new TypeError(`No API node ${label}`)
    return client
  }

  /**
   * One execution through an API node (the first one unless `api` names another), answered
   * within the bound; the answer goes into the ledger.
   */
  async send(
    body: ExecuteBody,
    options: { api?: string; signal?: AbortSignal } = {},
  ): Promise<Answer> {
    const client = this.api(options.api ?? (Object.keys(this.#plan.apis)[0] as string))
    this.ledger.sent += 1
    let answer: Answer
    try {
      answer = await within(
        client.execute(body, options.signal === undefined ? {} : { signal: options.signal }),
        this.#plan.answerBoundMs,
        'an execution',
      )
    } catch (error) {
      if (options.signal?.aborted === true) this.ledger.hungUp += 1
      throw error
    }
    this.#record(answer)
    return answer
  }

  /** One execution with `?stream=true` through the first API node, into the ledger too. */
  async stream(body: ExecuteBody): Promise<{ events: StreamEvent[]; answer: Answer }> {
    const client = this.api(Object.keys(this.#plan.apis)[0] as string)
    this.ledger.sent += 1
    const streamed = await within(client.stream(body), this.#plan.answerBoundMs, 'a stream')
    this.#record(streamed.answer)
    return streamed
  }

  #record(answer: Answer): void {
    this.ledger.answered += 1
    if (answer.kind !== 'result') return
    this.results.push(answer.result)
    if (answer.result.message?.startsWith(LOST_WORKER_PREFIX) === true) this.ledger.lost += 1
  }

  /** Sends one execution and resolves once a worker has claimed it and its container started. */
  async sendAndWaitRunning(
    body: ExecuteBody,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ pending: Promise<Answer>; id: string; node: string }> {
    const before = await this.view.claimedIds()
    const pending = this.send(body, options)
    pending.catch(() => {})
    const { id, node } = await this.view.nextClaim(before)
    await this.containers.started(id)
    return { pending, id, node }
  }

  host(name: string): ClusterWorker {
    const host = this.cluster.workers.find((w) => w.name === name)
    if (host === undefined) throw new TypeError(`No worker host ${name}`)
    return host
  }

  /** Ids of the execution's containers running on that worker's engine. */
  async runningContainers(worker: string, id: string): Promise<string[]> {
    const { stdout } = await runCommand('docker', [
      ...['-H', this.host(worker).dockerHost, 'ps', '-q', '--filter', 'status=running'],
      ...['--filter', `label=${LABEL_EXECUTION}=${id}`],
    ])
    return stdout.split('\n').filter((line) => line !== '')
  }

  /** Why the worker's current process cancelled a running execution, as it logged it. */
  async cancelsOf(worker: string, id: string): Promise<string[]> {
    const log = await this.nodes.worker(worker).log()
    return log
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message?: string; id?: string; why?: string })
      .filter((entry) => entry.message === 'cancelling a running job' && entry.id === id)
      .map((entry) => entry.why ?? '')
  }

  /** SIGSTOP Redis for a while: every connection stalls, as on a frozen host. */
  async freezeRedis(ms: number): Promise<void> {
    const pid = await daemonPid(this.cluster.redis.record)
    if (pid === undefined) throw new Error('Redis is not running')
    process.kill(pid, 'SIGSTOP')
    try {
      await sleep(ms)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
  }

  /** Starts whichever worker is down and waits until every one says it is ready. */
  async workersReady(): Promise<void> {
    await this.nodes.ensureWorkers()
    for (const name of Object.keys(this.#plan.workers)) {
      await until(`worker ${name}`, () => this.view.workerState(name), 'ready', 20_000)
    }
  }

  /** Stops every node, then the cluster. */
  async destroy(): Promise<void> {
    this.containers.close()
    await this.nodes.stopAll()
    await this.view.close()
    await this.cluster.destroy()
  }
}
