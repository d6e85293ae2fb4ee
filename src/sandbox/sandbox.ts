import { randomUUID } from 'node:crypto'
import { availableParallelism } from 'node:os'
import type { CodeExecutionConfig, ConfigInput, SandboxConfig } from '../config/schema.js'
import { validateConfig } from '../config/validate-config.js'
import type { ContainerEngine, OutputListener } from '../engine/container-engine.js'
import { DockerEngine } from '../engine/docker-engine.js'
import { currentOwner } from '../engine/labels.js'
import { processIsAlive, reap } from '../engine/reaper.js'
import { AbortedError, ImageMissingError, InvalidArgumentError, ShutDownError } from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import { allowedImports, isImportAllowed } from '../policy/allowed-imports.js'
import { checkPolicy } from '../policy/index.js'
import { reapWorkspaces } from '../workspace/workspace-reaper.js'
import { resolveWorkspaceRoot } from '../workspace/workspace-root.js'
import { engineErrorResult, executeInContainer } from './container-execution.js'
import { engineReadiness } from './engine-readiness.js'
import type { ExecuteRequest } from './execute-request.js'
import { type ValidatedRequest, validateRequest } from './execute-request.js'
import { createWarmEntry, removeAll } from './execution-lease.js'
import { ExecutionQueue } from './execution-queue.js'
import type { ExecutionResult, RunResult } from './execution-result.js'
import type { CloseOptions, Executor, ExecutorGauges, Readiness } from './executor.js'
import { type HostFiles, resolveHostFiles } from './host-files.js'
import { lookUpOnce } from './look-up-once.js'
import { nodeName } from './node-name.js'
import { buildReceipt } from './receipt.js'
import { refusedResult } from './refused-result.js'
import { chooseRuntime } from './runtime-choice.js'
import { sizeBounds } from './target-size.js'
import { WarmPool } from './warm-pool.js'

export interface ExecuteOptions {
  /** The execution's id, when one was given elsewhere (a queued job's). @default a new UUID */
  readonly id?: string
}

export interface SandboxOptions {
  /** Parsed config, or raw input that is validated here. @default all defaults (secure) */
  readonly config?: SandboxConfig | ConfigInput
  /** @default a Docker engine from DOCKER_HOST or /var/run/docker.sock */
  readonly engine?: ContainerEngine
  /** @default silent */
  readonly logger?: Logger
  /**
   * How workspaces are made when file operations are on: `tmpfs`, a size-limited tmpfs
   * mount each (needs root; falls back to a directory without it), or `directory`, a plain
   * directory each, as an orchestrator without root gets. @default 'tmpfs'
   */
  readonly workspaces?: 'tmpfs' | 'directory'
  /**
   * How often this process removes what dead processes of its instance left, and its own
   * containers and workspaces that a failed removal left. @default 30_000
   */
  readonly sweepIntervalMs?: number
}

export type { CloseOptions }

/** What `#finish` needs besides the result: when the call began and what it ran under. */
interface Finish {
  readonly startedAt: number
  readonly policyChecked: boolean
  readonly request: ValidatedRequest
  /** The image the container was created from; null when none was (or its ID is unknown). */
  readonly imageId: string | null
}

/**
 * Runs untrusted Python: the static policy first, then one fresh, hardened, network-less
 * container per execution. The container is the security boundary; the policy is an early,
 * explainable filter.
 */
export class Sandbox implements Executor {
  readonly config: SandboxConfig
  readonly node: string
  readonly #engine: ContainerEngine
  readonly #logger: Logger
  readonly #queue: ExecutionQueue
  readonly #owner = currentOwner()
  readonly #shutdown = new AbortController()
  readonly #hostFiles: HostFiles | undefined
  /**
   * Execution ids (runs and warm containers) whose containers and workspaces this process
   * holds; the sweep removes its own others, left by a removal that failed.
   */
  readonly #active = new Set<string>()
  readonly #sweepTimer: NodeJS.Timeout
  #closed = false
  /** Resolved once; a failed look-up (engine down) is retried by the next execution. */
  readonly #runtime: () => Promise<string>
  /** For the receipt, resolved once like the runtime. */
  readonly #imageId: () => Promise<string>
  #pool: WarmPool | undefined

  private constructor(
    config: SandboxConfig,
    engine: ContainerEngine,
    logger: Logger,
    hostFiles: HostFiles | undefined,
    sweepIntervalMs: number,
  ) {
    this.config = config
    this.node = nodeName(config)
    this.#engine = engine
    this.#logger = logger
    this.#hostFiles = hostFiles
    const { runtime, image } = config.code_execution
    this.#runtime = lookUpOnce(() => chooseRuntime(runtime, engine))
    this.#imageId = lookUpOnce(async () => {
      const id = await engine.imageId(image)
      if (id === undefined) throw new ImageMissingError(image)
      return id
    })
    // Any live process of the instance removes what dead ones left, not only at start-up.
    this.#sweepTimer = setInterval(() => void this.#reapOrphans(), sweepIntervalMs).unref()
    this.#queue = new ExecutionQueue({
      concurrency: config.orchestrator.concurrency,
      queueLimit: config.orchestrator.queue_limit,
    })
  }

  /** Creates a sandbox and removes containers that an earlier, crashed process of this instance left. */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const config = validateConfig(options.config ?? {}, CONFIG_SOURCE)
    const logger = options.logger ?? silentLogger
    const hostFiles = await resolveHostFiles(
      config.code_execution,
      config.orchestrator.instance_id,
      options.workspaces !== 'directory',
    )
    const engine = options.engine ?? new DockerEngine({ logger })
    const sweepMs = options.sweepIntervalMs ?? SWEEP_INTERVAL_MS
    const sandbox = new Sandbox(config, engine, logger, hostFiles, sweepMs)
    await sandbox.#reapOrphans()
    sandbox.#startPool()
    return sandbox
  }

  /** Warm containers ready now (0 when the pool is off). */
  get warm(): number {
    return this.#pool?.ready ?? 0
  }

  /** Executions waiting for a container slot. */
  get waiting(): number {
    return this.#queue.waiting
  }

  /** Executions running now. */
  get running(): number {
    return this.#queue.running
  }

  async gauges(): Promise<ExecutorGauges> {
    const pool = this.#pool?.gauges()
    return {
      queueDepth: this.waiting,
      running: this.running,
      workers: 1,
      lostJobs: 0,
      ...(pool ? { pool } : {}),
    }
  }

  /** Whether an execution sent now could run: the engine answers and has the image. */
  readiness(): Promise<Readiness> {
    return engineReadiness(this.#engine, this.config.code_execution.image)
  }

  /**
   * Runs one snippet. Resolves with a result for everything the code can do; rejects only for
   * a bad request (`invalid_argument`), a full queue (`queue_full`), cancellation (`aborted`)
   * or a closed sandbox (`shut_down`).
   */
  async execute(request: ExecuteRequest, options: ExecuteOptions = {}): Promise<ExecutionResult> {
    if (this.#closed) throw new ShutDownError()
    const startedAt = performance.now()
    const validated = validateRequest(request, this.config.code_execution)
    const id = executionId(options.id)
    const report = checkPolicy(validated.code, this.config.code_execution, {
      setupCode: validated.setupCode,
    })
    const finish = { startedAt, policyChecked: report.checked, request: validated }
    if (!report.allowed)
      return this.#finish(refusedResult(id, report), { ...finish, imageId: null })
    const signal = AbortSignal.any([
      this.#shutdown.signal,
      ...(request.signal ? [request.signal] : []),
    ])
    const { onOutput } = request
    const { result, imageId } = await this.#queue
      .add(() => this.#run(id, validated, signal, onOutput), signal)
      // Its slot is free now: the pool may make what it put off while the slot was taken.
      .finally(() => this.#pool?.nudge())
    return this.#finish(result, { ...finish, imageId })
  }

  /** Stops accepting work, lets in-flight executions finish within `graceMs`, then cancels the rest. */
  async close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true
    const idle = this.#queue.onIdle()
    const grace = options.graceMs ?? 0
    if (grace > 0)
      await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, grace).unref())])
    this.#shutdown.abort()
    clearInterval(this.#sweepTimer)
    await idle
    await this.#pool?.close()
  }

  #startPool(): void {
    const { pool } = this.config
    if (pool.size === 0) return
    const preload = preloadable(pool.preload, this.config.code_execution)
    const { concurrency } = this.config.orchestrator
    const bounds = sizeBounds(pool, concurrency)
    const cpuBound = Math.min(concurrency, Math.max(1, Math.floor(availableParallelism() / 2)))
    this.#pool = new WarmPool({
      size: bounds.min,
      maxSize: bounds.max,
      idleMs: pool.idle_seconds * 1_000,
      preloading: preload.length > 0,
      // Preloading is CPU work (seconds of it under gVisor): never beside executions waiting
      // for a slot, nor beside as many running ones as half the cores can take. Those waiting
      // for a warm container being made are not running code.
      busy: (waiting) => this.#queue.waiting > 0 || this.#queue.running - waiting >= cpuBound,
      logger: this.#logger,
      create: async (options) => {
        const id = randomUUID()
        this.#active.add(id)
        try {
          return await createWarmEntry(
            {
              engine: this.#engine,
              config: this.config,
              logger: this.#logger,
              owner: this.#owner,
              runtime: await this.#runtime(),
              hostFiles: this.#hostFiles,
              id,
            },
            options.preload ? preload : [],
          )
        } catch (error) {
          this.#active.delete(id)
          throw error
        }
      },
      remove: async (entry) => {
        try {
          await removeAll(this.#logger, entry.container, entry.workspace)
        } finally {
          this.#active.delete(entry.executionId)
        }
      },
    })
  }

  async #run(
    id: string,
    request: ValidatedRequest,
    signal: AbortSignal,
    onOutput: OutputListener | undefined,
  ): Promise<{ result: RunResult; imageId: string | null }> {
    let runtime: string
    try {
      runtime = await this.#runtime()
    } catch (error) {
      return { result: engineErrorResult(id, null, error), imageId: null }
    }
    // A receipt that says "unknown" rather than an execution that fails for want of it.
    const imageId = await this.#imageId().catch(() => null)
    this.#active.add(id)
    const result = await executeInContainer({
      engine: this.#engine,
      config: this.config,
      logger: this.#logger,
      owner: this.#owner,
      runtime,
      hostFiles: this.#hostFiles,
      id,
      request,
      signal,
      onOutput,
      pool: this.#pool,
    }).finally(() => this.#active.delete(id))
    if (result === 'aborted')
      throw this.#shutdown.signal.aborted ? new ShutDownError() : new AbortedError()
    return { result, imageId }
  }

  #finish(
    result: RunResult,
    { startedAt, policyChecked, request, imageId }: Finish,
  ): ExecutionResult {
    const durationMs = Math.round(performance.now() - startedAt)
    this.#logger.info('execution', {
      id: result.id,
      node: this.node,
      status: result.status,
      durationMs,
      exitCode: result.exitCode,
      policy: !policyChecked ? 'off' : result.status === 'policy_violation' ? 'refused' : 'allowed',
      ...(result.violations.length > 0 ? { rules: result.violations.map((v) => v.rule) } : {}),
    })
    const receipt = buildReceipt({
      code: request.code,
      setupCode: request.setupCode,
      settings: this.config.code_execution,
      imageId,
      runtime: result.runtime,
      timeoutSeconds: request.timeoutSeconds,
      limits: request.limits,
    })
    return { ...result, durationMs, node: this.node, receipt }
  }

  #isLeftover(owner: string, executionId: string): boolean {
    return owner === this.#owner && !this.#active.has(executionId)
  }

  async #reapOrphans(): Promise<void> {
    const instanceId = this.config.orchestrator.instance_id
    try {
      const removed = await reap(this.#engine, {
        instanceId,
        isLeftover: (c) => this.#isLeftover(c.owner, c.executionId),
      })
      if (removed.length > 0)
        this.#logger.warn('removed orphaned containers', { count: removed.length })
    } catch (error) {
      // An engine that is down now is reported per execution, with the fix named.
      this.#logger.debug('could not reap orphaned containers', { error: String(error) })
    }
    // An earlier process of this instance may have run with file operations on.
    const root =
      this.#hostFiles?.workspaceRoot ??
      (await resolveWorkspaceRoot(this.config.code_execution.workspace_root).catch(() => undefined))
    if (root === undefined) return
    const workspaces = await reapWorkspaces({
      root,
      instanceId,
      isAlive: processIsAlive,
      isLeftover: (owner, executionId) => this.#isLeftover(owner, executionId),
      engine: this.#engine,
    }).catch((error: unknown) => {
      this.#logger.warn('could not reap orphaned workspaces', { error: String(error) })
      return []
    })
    if (workspaces.length > 0)
      this.#logger.warn('removed orphaned workspaces', { count: workspaces.length })
  }
}

/**
 * The execution id: a new UUID, or the one a worker node got with its job, so that one id
 * names the execution end to end (the API's result, the job, the container, the logs).
 */
function executionId(given: string | undefined): string {
  if (given === undefined) return randomUUID()
  if (!UUID.test(given))
    throw new InvalidArgumentError(
      `Expected \`id\` to be a lowercase UUID, got ${JSON.stringify(given.slice(0, 64))}`,
    )
  return given
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** How often a live process removes what dead processes of its instance left. */
const SWEEP_INTERVAL_MS = 30_000

/** Names the config object in a `ConfigError`, where config.yml would name its file. */
const CONFIG_SOURCE = 'Sandbox.create({ config })'

/** Preloading is only for modules the code may import anyway: a warm runner gives no more. */
function preloadable(modules: readonly string[], settings: CodeExecutionConfig): string[] {
  if (settings.allow_dangerous_operations) return [...modules]
  const allowed = allowedImports(settings)
  return modules.filter((name) => isImportAllowed(name.split('.'), allowed))
}
