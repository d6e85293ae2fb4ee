import { createHash, randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { configDigest } from '../config/config-digest.js'
import type { SandboxConfig } from '../config/schema.js'
import { validateConfig } from '../config/validate-config.js'
import {
  AbortedError,
  DeadlineExceededError,
  QueueFullError,
  QueueUnavailableError,
  SandboxError,
  ShutDownError,
} from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import { checkPolicy } from '../policy/index.js'
import { engineErrorResult } from '../sandbox/engine-error-result.js'
import {
  type ExecuteRequest,
  type ValidatedRequest,
  validateRequest,
} from '../sandbox/execute-request.js'
import type { ExecutionResult, RunResult } from '../sandbox/execution-result.js'
import type { CloseOptions, Executor, ExecutorGauges, Readiness } from '../sandbox/executor.js'
import { lostWorkerMessage } from '../sandbox/lost-worker.js'
import { nodeName } from '../sandbox/node-name.js'
import { buildReceipt } from '../sandbox/receipt.js'
import { refusedResult } from '../sandbox/refused-result.js'
import { EventReader } from './event-reader.js'
import { JOB_NAME, type JobPayload } from './job-payload.js'
import { connect, redactUrl, whenReady } from './queue-connection.js'
import { KEY_PREFIX, QueueKeys } from './queue-keys.js'
import { ReaderPool } from './reader-pool.js'
import { redisSettingsProblems } from './redis-settings.js'
import { liveWorkers, takersOf } from './worker-registry.js'

export interface QueueExecutorOptions {
  readonly config: SandboxConfig
  /** The queue's Redis URL (`queueUrl(config)`). */
  readonly url: string
  readonly logger?: Logger
}

/** A blocking read waits this long before the job itself is checked on. */
const READ_BLOCK_MS = 1_000
/** Enqueueing, counting and cancelling give up after this long: Redis is unreachable. */
const COMMAND_TIMEOUT_MS = 5_000
/** After the run's own bounds, how long a result may still take to arrive. */
const RESULT_SLACK_MS = 30_000
/** Finished jobs kept in BullMQ's sets (the results live in their own streams). */
const KEEP_JOBS = 1_000

/** A running job without a lock this long has lost its worker (a result may be in flight). */
const LOCK_GRACE_MS = 1_500

interface LockWatchState {
  lockMissingSince: number | undefined
}

type WaitingState = 'waiting' | 'prioritized' | 'delayed' | 'waiting-children'
const WAITING_STATES: readonly string[] = [
  'waiting',
  'prioritized',
  'delayed',
  'waiting-children',
] satisfies WaitingState[]

/**
 * The API node's executor: checks and refuses here (the static policy, the request's
 * bounds), then enqueues the execution on Redis for a worker node and waits for its events.
 * Every accepted execution ends with a result or a `SandboxError`: a lost worker is an
 * `engine_error` result, a job that waited past `queue.max_wait_seconds` is removed unstarted.
 */
export class QueueExecutor implements Executor {
  readonly config: SandboxConfig
  readonly node: string
  readonly #logger: Logger
  readonly #redis: Redis
  readonly #queue: Queue
  readonly #keys: QueueKeys
  readonly #readers: ReaderPool
  readonly #configSha256: string
  readonly #shutdown = new AbortController()
  readonly #inFlight = new Set<Promise<unknown>>()
  #lostJobs = 0
  #closed = false

  private constructor(config: SandboxConfig, url: string, logger: Logger) {
    this.config = config
    this.node = nodeName(config)
    this.#logger = logger
    this.#keys = new QueueKeys(config.queue.name)
    this.#redis = connect(url, 'command', `tas-api:${this.node}`)
    this.#redis.on('error', (error: Error) =>
      logger.debug('queue connection error', { error: error.message }),
    )
    this.#queue = new Queue(config.queue.name, { connection: this.#redis, prefix: KEY_PREFIX })
    this.#queue.on('error', (error: Error) => logger.debug('queue error', { error: error.message }))
    this.#readers = new ReaderPool(() => {
      const reader = connect(url, 'command', `tas-api-reader:${this.node}`)
      reader.on('error', () => {})
      return reader
    })
    this.#configSha256 = configDigest(config.code_execution)
  }

  /** Connects, and warns about Redis settings that would lose jobs. Redis may be down: `/readyz` says so. */
  static async create(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const config = validateConfig(options.config, 'QueueExecutor.create({ config })')
    const logger = options.logger ?? silentLogger
    const executor = new QueueExecutor(config, options.url, logger)
    try {
      await whenReady(executor.#redis, COMMAND_TIMEOUT_MS)
      await withTimeout(executor.#redis.ping(), COMMAND_TIMEOUT_MS)
      for (const problem of await redisSettingsProblems(executor.#redis)) logger.warn(problem)
      logger.info('queue connected', { url: redactUrl(options.url), queue: config.queue.name })
    } catch (error) {
      logger.warn('queue unreachable at start-up; /readyz reports it until it answers', {
        url: redactUrl(options.url),
        error: String(error),
      })
    }
    return executor
  }

  async execute(request: ExecuteRequest): Promise<ExecutionResult> {
    if (this.#closed) throw new ShutDownError()
    const startedAt = performance.now()
    const validated = validateRequest(request, this.config.code_execution)
    const id = randomUUID()
    const report = checkPolicy(validated.code, this.config.code_execution, {
      setupCode: validated.setupCode,
    })
    if (!report.allowed) return this.#finish(refusedResult(id, report), validated, startedAt)
    const signal = AbortSignal.any([
      this.#shutdown.signal,
      ...(request.signal ? [request.signal] : []),
    ])
    if (signal.aborted) throw new AbortedError()
    const run = this.#enqueueAndWait(id, request, validated, signal)
    this.#inFlight.add(run)
    try {
      const result = await run
      return 'receipt' in result
        ? { ...result, durationMs: elapsed(startedAt) }
        : this.#finish(result, validated, startedAt)
    } catch (error) {
      if (error instanceof AbortedError && this.#shutdown.signal.aborted) throw new ShutDownError()
      throw error
    } finally {
      this.#inFlight.delete(run)
    }
  }

  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const idle = Promise.allSettled([...this.#inFlight])
    const grace = options.graceMs ?? 0
    if (grace > 0)
      await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, grace).unref())])
    this.#shutdown.abort()
    await idle
    await this.#queue.close().catch(() => {})
    this.#readers.close()
    this.#redis.disconnect()
  }

  async gauges(): Promise<ExecutorGauges> {
    try {
      const counts = await withTimeout(
        this.#queue.getJobCounts('waiting', 'prioritized', 'active'),
        COMMAND_TIMEOUT_MS,
      )
      const workers = await liveWorkers(this.#redis, this.#keys)
      const lost = Number(await this.#redis.get(this.#keys.lost)) || 0
      return {
        queueDepth: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        running: counts.active ?? 0,
        workers: takersOf(workers, this.#configSha256).length,
        lostJobs: lost,
      }
    } catch {
      return { queueDepth: 0, running: 0, workers: 0, lostJobs: this.#lostJobs }
    }
  }

  async readiness(): Promise<Readiness> {
    try {
      await withTimeout(this.#redis.ping(), COMMAND_TIMEOUT_MS)
      const workers = await liveWorkers(this.#redis, this.#keys)
      if (takersOf(workers, this.#configSha256).length === 0)
        return {
          ready: false,
          code: 'queue_unavailable',
          message:
            workers.length === 0
              ? 'no live worker'
              : `no ready worker with this node's code_execution (${workers.length} live: ${workers.map((w) => `${w.name} ${w.state}${w.configSha256 === this.#configSha256 ? '' : ', another config'}`).join('; ')})`,
        }
      return { ready: true }
    } catch (error) {
      return { ready: false, code: 'queue_unavailable', message: `Redis: ${String(error)}` }
    }
  }

  async #enqueueAndWait(
    id: string,
    request: ExecuteRequest,
    validated: ValidatedRequest,
    signal: AbortSignal,
  ): Promise<RunResult | ExecutionResult> {
    const { queue: settings, orchestrator } = this.config
    const counts = await withTimeout(
      this.#queue.getJobCounts('waiting', 'prioritized'),
      COMMAND_TIMEOUT_MS,
    ).catch(unavailable)
    if ((counts.waiting ?? 0) + (counts.prioritized ?? 0) >= orchestrator.queue_limit)
      throw new QueueFullError(
        orchestrator.queue_limit,
        'add worker nodes, or raise orchestrator.queue_limit on the API nodes',
      )
    const startBy = Date.now() + settings.max_wait_seconds * 1_000
    const { signal: _signal, onOutput: _onOutput, ...fields } = request
    const payload: JobPayload = {
      id,
      request: fields,
      configSha256: this.#configSha256,
      startBy,
      apiNode: this.node,
    }
    await withTimeout(
      this.#queue.add(JOB_NAME, payload, {
        jobId: id,
        attempts: 1,
        removeOnComplete: { count: KEEP_JOBS, age: settings.result_ttl_seconds },
        removeOnFail: { count: KEEP_JOBS, age: settings.result_ttl_seconds },
      }),
      COMMAND_TIMEOUT_MS,
    ).catch(unavailable)
    this.#logger.debug('execution enqueued', { id })
    // Past this, whatever happened on the worker, the caller gets an answer.
    const giveUpAt =
      startBy + (validated.timeoutSeconds + 2 * settings.lock_seconds) * 1_000 + RESULT_SLACK_MS
    const expected = { codeSha256: sha256(validated.code), configSha256: this.#configSha256 }
    return await this.#await(id, request, startBy, giveUpAt, expected, signal)
  }

  async #await(
    id: string,
    request: ExecuteRequest,
    startBy: number,
    giveUpAt: number,
    expected: ExpectedReceipt,
    signal: AbortSignal,
  ): Promise<RunResult | ExecutionResult> {
    const reader = this.#readers.acquire()
    const events = new EventReader(reader, this.#keys.events(id), id)
    let clean = false
    const watch: LockWatchState = { lockMissingSince: undefined }
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => {
        void this.#cancel(id)
        reject(new AbortedError())
      }
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })
    aborted.catch(() => {})
    try {
      // A reader just opened is still connecting; if Redis is away, the loop below handles it.
      await Promise.race([whenReady(reader, READ_BLOCK_MS), aborted])
      for (let failures = 0; ; ) {
        let batch: Awaited<ReturnType<EventReader['next']>>
        try {
          batch = await Promise.race([events.next(READ_BLOCK_MS), aborted])
          failures = 0
        } catch (error) {
          if (error instanceof SandboxError) throw error
          // Redis is away (or a reply was malformed): keep trying until the answer is due.
          failures += 1
          this.#logger.debug('could not read execution events', { id, error: String(error) })
          if (Date.now() > giveUpAt) return this.#lost(id, 'the queue was unreachable while it ran')
          await Promise.race([sleep(Math.min(100 * 2 ** failures, 2_000)), aborted])
          continue
        }
        for (const event of batch) {
          if (event.type === 'output') request.onOutput?.(event.stream, event.chunk)
          else if (event.type === 'result') {
            clean = true
            const mismatch = receiptMismatch(event.result, expected)
            if (mismatch === undefined) return event.result
            this.#logger.error('discarded a result that does not match its execution', {
              id,
              mismatch,
            })
            return {
              ...engineErrorResult(id, null, null),
              message: `A worker sent a result that does not match this execution (${mismatch}); it was discarded.`,
            }
          } else {
            clean = true
            throw new SandboxError(event.code, event.message)
          }
        }
        if (batch.length > 0) continue
        const verdict = await this.#checkJob(id, startBy, giveUpAt, watch).catch((error) => {
          if (error instanceof SandboxError) throw error
          return undefined
        })
        if (verdict !== undefined) {
          clean = true
          return verdict
        }
      }
    } finally {
      // A read still blocked (the caller left) must not be handed to another execution.
      if (clean) this.#readers.release(reader)
      else this.#readers.discard(reader)
    }
  }

  /**
   * No event came: asks BullMQ where the job is. Resolves with the answer when the job can
   * no longer produce one (failed, gone), throws when it waited past its budget (it is then
   * removed, never started), and with undefined while it is still on its way.
   */
  async #checkJob(
    id: string,
    startBy: number,
    giveUpAt: number,
    watch: LockWatchState,
  ): Promise<RunResult | undefined> {
    const state = await withTimeout(this.#queue.getJobState(id), COMMAND_TIMEOUT_MS)
    if (state === 'active') {
      // A running job's lock is renewed by its worker; once it lapses, the worker is gone
      // (or cut off, and has killed the container itself).
      const held = await this.#redis.exists(`${KEY_PREFIX}:${this.config.queue.name}:${id}:lock`)
      if (held === 1) watch.lockMissingSince = undefined
      else {
        watch.lockMissingSince ??= Date.now()
        if (Date.now() - watch.lockMissingSince >= LOCK_GRACE_MS)
          return this.#lost(id, 'its worker stopped renewing its lock')
      }
    }
    if (WAITING_STATES.includes(state) && Date.now() > startBy) {
      if ((await this.#queue.remove(id)) === 1) {
        throw new DeadlineExceededError(this.config.queue.max_wait_seconds)
      }
      return undefined
    }
    if (state === 'failed') {
      const job = await this.#queue.getJob(id)
      const reason = job?.failedReason ?? ''
      // BullMQ's words for a lapsed lock; ours say what it means for the caller.
      return this.#lost(
        id,
        /stalled/i.test(reason)
          ? 'its worker stopped renewing its lock'
          : `its job failed: ${reason}`,
      )
    }
    if (state === 'completed' || state === 'unknown') {
      // The worker writes its last event before it completes the job: one more look.
      await sleep(200)
      const len = await this.#redis.xlen(this.#keys.events(id))
      if (len > 0) return undefined
      return this.#lost(id, state === 'unknown' ? 'its job is gone' : 'it ended without a result')
    }
    if (Date.now() > giveUpAt) {
      void this.#cancel(id)
      return this.#lost(id, 'no result arrived in time')
    }
    return undefined
  }

  #lost(id: string, why: string): RunResult {
    this.#lostJobs += 1
    void this.#redis.incr(this.#keys.lost).catch(() => {})
    this.#logger.warn('execution lost', { id, why })
    return {
      ...engineErrorResult(id, null, null),
      message: lostWorkerMessage(why),
    }
  }

  /** Removes the job if it still waits; otherwise tells whichever worker holds it to kill it. */
  async #cancel(id: string): Promise<void> {
    try {
      if ((await withTimeout(this.#queue.remove(id), COMMAND_TIMEOUT_MS)) === 1) return
      await this.#redis
        .multi()
        .set(this.#keys.cancelled(id), this.node, 'EX', this.config.queue.result_ttl_seconds)
        .publish(this.#keys.cancelChannel, id)
        .exec()
    } catch (error) {
      this.#logger.warn('could not cancel a queued execution', { id, error: String(error) })
    }
  }

  #finish(result: RunResult, validated: ValidatedRequest, startedAt: number): ExecutionResult {
    return {
      ...result,
      durationMs: elapsed(startedAt),
      node: this.node,
      receipt: buildReceipt({
        code: validated.code,
        setupCode: validated.setupCode,
        settings: this.config.code_execution,
        imageId: null,
        runtime: result.runtime,
        timeoutSeconds: validated.timeoutSeconds,
        limits: validated.limits,
      }),
    }
  }
}

interface ExpectedReceipt {
  readonly codeSha256: string
  readonly configSha256: string
}

/** What in a worker's result contradicts the execution it claims to answer, if anything. */
function receiptMismatch(result: ExecutionResult, expected: ExpectedReceipt): string | undefined {
  if (result.receipt.codeSha256 !== expected.codeSha256) return 'another code digest'
  if (result.receipt.configSha256 !== expected.configSha256) return 'another config digest'
  return undefined
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

function elapsed(startedAt: number): number {
  return Math.round(performance.now() - startedAt)
}

function unavailable(error: unknown): never {
  throw new QueueUnavailableError(`The execution queue is unreachable: ${String(error)}`, {
    cause: error,
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
