import { type Job, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { configDigest } from '../config/config-digest.js'
import type { SandboxConfig } from '../config/schema.js'
import {
  AbortedError,
  ConfigError,
  DeadlineExceededError,
  InvalidArgumentError,
  SandboxError,
  ShutDownError,
} from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import type { ExecuteRequest } from '../sandbox/execute-request.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { Executor } from '../sandbox/executor.js'
import { EventWriter } from './event-writer.js'
import { fitResult } from './fit-result.js'
import { JOB_NAME, type JobPayload, jobPayloadSchema } from './job-payload.js'
import { LockWatch } from './lock-watch.js'
import { connect, redactUrl, whenReady } from './queue-connection.js'
import { KEY_PREFIX, QueueKeys } from './queue-keys.js'
import { redisSettingsProblems } from './redis-settings.js'
import { heartbeat, leave, type WorkerState } from './worker-registry.js'

/** The local executor a worker runs jobs on: a `Sandbox`, which takes the job's id. */
export interface LocalExecutor extends Executor {
  execute(request: ExecuteRequest, options?: { readonly id?: string }): Promise<ExecutionResult>
}

export interface QueueWorkerOptions {
  readonly config: SandboxConfig
  readonly url: string
  readonly executor: LocalExecutor
  readonly logger?: Logger
}

/** A cancel because this worker can no longer renew the job's lock (Redis away, a stall). */
class LockLostError extends AbortedError {
  constructor() {
    super('The execution was cancelled: this worker lost its lock.')
    this.name = 'LockLostError'
  }
}

/** How often the worker announces itself and checks its engine. */
const HEARTBEAT_MS = 3_000

/**
 * A worker node: takes jobs from the shared queue and runs each at most once on the local
 * sandbox. BullMQ is set to never retry and never recover a stalled job; on top of that a
 * claim key (SET NX) makes a second start impossible whatever the queue does, and a job
 * whose lock this worker can no longer renew has its container killed.
 */
export class QueueWorker {
  readonly #config: SandboxConfig
  readonly #executor: LocalExecutor
  readonly #logger: Logger
  readonly #keys: QueueKeys
  readonly #redis: Redis
  readonly #subscriber: Redis
  /** BullMQ's connection: handed in, so BullMQ never closes it; close() must. */
  readonly #jobs: Redis
  readonly #worker: Worker<JobPayload, string>
  readonly #configSha256: string
  /** Cancels a running job's execution, by execution id. */
  readonly #running = new Map<string, AbortController>()
  readonly #locks: LockWatch
  readonly #timer: NodeJS.Timeout
  #state: WorkerState = 'ready'
  #checking = false

  private constructor(options: QueueWorkerOptions, logger: Logger) {
    const { config, url, executor } = options
    this.#config = config
    this.#executor = executor
    this.#logger = logger
    this.#keys = new QueueKeys(config.queue.name)
    this.#configSha256 = configDigest(config.code_execution)
    const name = executor.node
    this.#redis = connect(url, 'command', `tas-worker:${name}`)
    this.#redis.on('error', (error: Error) => logger.debug('redis error', { error: error.message }))
    this.#subscriber = connect(url, 'blocking', `tas-worker-cancel:${name}`)
    this.#subscriber.on('error', () => {})
    this.#subscriber.on('message', (_channel: string, id: string) => {
      this.#cancel(id, 'its caller cancelled it')
    })
    void this.#subscriber.subscribe(this.#keys.cancelChannel).catch(() => {})
    const lockMs = config.queue.lock_seconds * 1_000
    const connection = connect(url, 'blocking', `tas-worker-jobs:${name}`)
    connection.on('error', () => {})
    this.#jobs = connection
    this.#worker = new Worker<JobPayload, string>(
      config.queue.name,
      (job, token, signal) => this.#process(job, token, signal),
      {
        connection,
        prefix: KEY_PREFIX,
        name,
        concurrency: config.orchestrator.concurrency,
        lockDuration: lockMs,
        stalledInterval: lockMs / 2,
        // At most once: a stalled job fails instead of running again, and no job starts twice.
        maxStalledCount: 0,
        maxStartedAttempts: 1,
        removeOnComplete: { count: 1_000, age: config.queue.result_ttl_seconds },
        removeOnFail: { count: 1_000, age: config.queue.result_ttl_seconds },
      },
    )
    this.#worker.on('error', (error: Error) =>
      logger.debug('worker error', { error: error.message }),
    )
    this.#locks = new LockWatch(lockMs, (id) => this.#loseLock(id))
    this.#worker.on('locksRenewed', ({ jobIds }) => this.#locks.renewed(jobIds))
    this.#worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) this.#loseLock(id)
    })
    this.#worker.on('failed', (job, error) => {
      if (job !== undefined) logger.warn('job failed', { id: job.id, reason: error.message })
    })
    this.#timer = setInterval(() => void this.#tick(), HEARTBEAT_MS)
  }

  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    const logger = options.logger ?? silentLogger
    const worker = new QueueWorker(options, logger)
    try {
      await worker.#worker.waitUntilReady()
      await whenReady(worker.#redis, 5_000)
      for (const problem of await redisSettingsProblems(worker.#redis)) logger.warn(problem)
    } catch (error) {
      logger.warn('queue unreachable at start-up; the worker keeps trying', {
        error: String(error),
      })
    }
    await worker.#tick()
    logger.info('worker taking jobs', {
      node: options.executor.node,
      queue: options.config.queue.name,
      url: redactUrl(options.url),
      concurrency: options.config.orchestrator.concurrency,
    })
    return worker
  }

  /** Jobs running here now. */
  get running(): number {
    return this.#running.size
  }

  /**
   * Drains: takes no new job; running ones get `graceMs` to finish, then are cancelled
   * (their callers get `shut_down`). Leaves the registry and closes every connection.
   */
  async close(options: { readonly graceMs?: number } = {}): Promise<void> {
    clearInterval(this.#timer)
    this.#state = 'draining'
    await heartbeat(
      this.#redis,
      this.#keys,
      this.#executor.node,
      'draining',
      this.#configSha256,
    ).catch(() => {})
    const drained = this.#worker.close()
    const grace = options.graceMs ?? 0
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), grace).unref())
    if ((await Promise.race([drained.then(() => 'done' as const), timer])) === 'late') {
      for (const id of this.#running.keys())
        this.#cancel(id, 'its worker shut down', new ShutDownError())
    }
    await drained.catch(() => {})
    await this.#executor.close()
    this.#locks.close()
    await leave(this.#redis, this.#keys, this.#executor.node).catch(() => {})
    this.#subscriber.disconnect()
    this.#jobs.disconnect()
    this.#redis.disconnect()
  }

  async #process(
    job: Job<JobPayload, string>,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const id = job.id ?? ''
    const writer = new EventWriter({
      redis: this.#redis,
      key: this.#keys.events(id),
      ttlSeconds: this.#config.queue.result_ttl_seconds,
      maxOutputBytes: this.#config.code_execution.limits.output_bytes,
      logger: this.#logger,
    })
    const parsed = jobPayloadSchema.safeParse(job.data)
    if (job.name !== JOB_NAME || !parsed.success || parsed.data.id !== id) {
      this.#logger.error('refused a malformed job', { id })
      await writer.error(new InvalidArgumentError('The queued job was malformed; it was not run.'))
      return 'malformed'
    }
    const payload = parsed.data
    // The claim outlives any run: result TTL, plus the longest the job could have waited.
    const claimTtl = Math.ceil(
      this.#config.queue.result_ttl_seconds +
        this.#config.queue.max_wait_seconds +
        this.#config.code_execution.timeout_seconds +
        2 * this.#config.queue.lock_seconds,
    )
    const claimed = await this.#redis.set(
      this.#keys.claim(id),
      this.#executor.node,
      'EX',
      claimTtl,
      'NX',
    )
    if (claimed !== 'OK') {
      // Started once already (by us or another worker): never again. Its result is that run's.
      this.#logger.error('refused a second start of an execution', { id })
      return 'duplicate'
    }
    if (payload.configSha256 !== this.#configSha256) {
      this.#logger.error('refused a job checked under another config', { id })
      await writer.error(
        new ConfigError(`worker ${this.#executor.node}`, [
          {
            path: 'code_execution',
            message: `differs from the API node's (digest ${payload.configSha256.slice(0, 12)}, this worker ${this.#configSha256.slice(0, 12)}); the job was not run. Give every node the same code_execution section.`,
          },
        ]),
      )
      return 'config_mismatch'
    }
    if (Date.now() > payload.startBy) {
      await writer.error(new DeadlineExceededError(this.#config.queue.max_wait_seconds))
      return 'deadline_exceeded'
    }
    const cancel = new AbortController()
    this.#running.set(id, cancel)
    this.#locks.track(id)
    try {
      if ((await this.#redis.exists(this.#keys.cancelled(id))) === 1) throw new AbortedError()
      this.#logger.debug('job started', { id, apiNode: payload.apiNode })
      const result = await this.#executor.execute(
        {
          ...payload.request,
          signal: AbortSignal.any([cancel.signal, ...(signal ? [signal] : [])]),
          onOutput: (stream, chunk) => writer.output(stream, chunk),
        },
        { id },
      )
      await writer.result(fitResult(result, this.#config.queue.max_result_bytes))
      // An engine that failed here is checked now, not at the next heartbeat: pause sooner.
      if (result.status === 'engine_error') void this.#tick()
      return result.status
    } catch (error) {
      // The sandbox reports every cancel as its caller's; this worker's own say why.
      const reason: unknown = cancel.signal.reason
      if (reason instanceof LockLostError) {
        // The job is no longer ours: the API node sees the lock lapse and answers with the
        // lost-worker result; an event from here could contradict it.
        return 'lock_lost'
      }
      const failure =
        error instanceof AbortedError && reason instanceof SandboxError
          ? reason
          : error instanceof SandboxError
            ? error
            : new SandboxError('engine_unavailable', `Worker failure: ${String(error)}`)
      if (!(error instanceof SandboxError))
        this.#logger.error('job failed on the worker', { id, error: String(error) })
      await writer.error(failure).catch(() => {})
      return failure.code
    } finally {
      this.#running.delete(id)
      this.#locks.untrack(id)
    }
  }

  #loseLock(id: string): void {
    this.#cancel(id, 'this worker lost its lock', new LockLostError())
  }

  #cancel(
    id: string,
    why: string,
    reason: SandboxError = new AbortedError(`The execution was cancelled: ${why}.`),
  ): void {
    const running = this.#running.get(id)
    if (running === undefined || running.signal.aborted) return
    this.#logger.warn('cancelling a running job', { id, why })
    running.abort(reason)
  }

  /** Heartbeat, and pause while the local engine cannot run anything. */
  async #tick(): Promise<void> {
    if (this.#checking || this.#state === 'draining') return
    this.#checking = true
    try {
      const readiness = await this.#executor.readiness()
      if (!readiness.ready && this.#state === 'ready') {
        this.#logger.warn('engine not ready: pausing', { reason: readiness.message })
        this.#state = 'paused'
        await this.#worker.pause(true)
      } else if (readiness.ready && this.#state === 'paused') {
        this.#logger.info('engine ready again: resuming')
        this.#state = 'ready'
        this.#worker.resume()
      }
      await heartbeat(this.#redis, this.#keys, this.#executor.node, this.#state, this.#configSha256)
    } catch (error) {
      this.#logger.debug('heartbeat failed', { error: String(error) })
    } finally {
      this.#checking = false
    }
  }
}
