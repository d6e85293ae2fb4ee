import type { SandboxConfig } from '../config/schema.js'
import type { ExecuteRequest } from './execute-request.js'
import type { ExecutionResult } from './execution-result.js'
import type { PoolGauges } from './warm-pool.js'

export interface CloseOptions {
  /** How long in-flight executions may finish before they are cancelled. @default 0 */
  readonly graceMs?: number
}

/** What `/metrics` shows of an executor; the queue-backed one counts the whole cluster. */
export interface ExecutorGauges {
  /** Executions waiting for a container slot (queue: jobs waiting in the shared queue). */
  readonly queueDepth: number
  /** Executions running now (queue: jobs active on any worker). */
  readonly running: number
  /** Workers taking jobs; 1 for the local executor. */
  readonly workers: number
  /** Executions whose worker was lost before they ended: 0 locally; the cluster's count, kept in Redis, with the queue. */
  readonly lostJobs: number
  /** The local warm pool, when there is one (the queue-backed executor has none of its own). */
  readonly pool?: PoolGauges
}

export type Readiness =
  | { readonly ready: true }
  | {
      readonly ready: false
      readonly code: 'engine_unavailable' | 'image_missing' | 'queue_unavailable'
      /** For the operator's log; not sent to clients. */
      readonly message: string
    }

/**
 * Runs executions: the local `Sandbox` (this host's engine) or the queue-backed executor
 * (worker nodes over Redis). HTTP, SSE, MCP and the CLI take this, never a concrete class.
 */
export interface Executor {
  readonly config: SandboxConfig
  /** The name results produced here carry in `node`. */
  readonly node: string
  /**
   * Runs one snippet. Resolves with a result for everything the code can do; rejects only
   * with a `SandboxError` (bad request, full queue, cancelled, shut down, infrastructure).
   */
  execute(request: ExecuteRequest): Promise<ExecutionResult>
  /** Stops accepting work, lets in-flight executions finish within `graceMs`, then cancels. */
  close(options?: CloseOptions): Promise<void>
  gauges(): Promise<ExecutorGauges>
  /** Whether an execution sent now could run: engine and image, or Redis and a live worker. */
  readiness(): Promise<Readiness>
}
