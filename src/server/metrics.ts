import { EXECUTION_STATUSES, type ExecutionStatus } from '../sandbox/execution-result.js'
import type { ExecutorGauges } from '../sandbox/executor.js'
import type { PoolGauges } from '../sandbox/warm-pool.js'
import type { HttpErrorCode } from './http-errors.js'

/** Upper bounds of the duration histogram, in seconds. */
const BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const

/** The server's Prometheus metrics, rendered in the text exposition format. */
export class Metrics {
  readonly #executions = new Map<ExecutionStatus, number>(EXECUTION_STATUSES.map((s) => [s, 0]))
  readonly #errors = new Map<HttpErrorCode, number>()
  readonly #bucketCounts: number[] = BUCKETS.map(() => 0)
  #durationSum = 0
  #durationCount = 0

  recordExecution(status: ExecutionStatus, durationMs: number): void {
    this.#executions.set(status, (this.#executions.get(status) ?? 0) + 1)
    const seconds = durationMs / 1_000
    BUCKETS.forEach((bound, index) => {
      if (seconds <= bound) this.#bucketCounts[index] = (this.#bucketCounts[index] ?? 0) + 1
    })
    this.#durationSum += seconds
    this.#durationCount += 1
  }

  recordError(code: HttpErrorCode): void {
    this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1)
  }

  render(gauges: ExecutorGauges): string {
    const lines = [
      '# HELP tinyagent_sandbox_executions_total Executions that produced a result, by status.',
      '# TYPE tinyagent_sandbox_executions_total counter',
      ...[...this.#executions].map(
        ([status, n]) => `tinyagent_sandbox_executions_total{status="${status}"} ${n}`,
      ),
      '# HELP tinyagent_sandbox_execution_duration_seconds From request to result, queueing included.',
      '# TYPE tinyagent_sandbox_execution_duration_seconds histogram',
      ...BUCKETS.map(
        (bound, i) =>
          `tinyagent_sandbox_execution_duration_seconds_bucket{le="${bound}"} ${this.#bucketCounts[i]}`,
      ),
      `tinyagent_sandbox_execution_duration_seconds_bucket{le="+Inf"} ${this.#durationCount}`,
      `tinyagent_sandbox_execution_duration_seconds_sum ${this.#durationSum}`,
      `tinyagent_sandbox_execution_duration_seconds_count ${this.#durationCount}`,
      '# HELP tinyagent_sandbox_queue_depth Executions waiting for a container slot (with a queue: jobs waiting in it).',
      '# TYPE tinyagent_sandbox_queue_depth gauge',
      `tinyagent_sandbox_queue_depth ${gauges.queueDepth}`,
      '# HELP tinyagent_sandbox_containers_running Executions running in a container now (with a queue: on any worker).',
      '# TYPE tinyagent_sandbox_containers_running gauge',
      `tinyagent_sandbox_containers_running ${gauges.running}`,
      '# HELP tinyagent_sandbox_workers Workers taking executions (1 without a queue).',
      '# TYPE tinyagent_sandbox_workers gauge',
      `tinyagent_sandbox_workers ${gauges.workers}`,
      '# HELP tinyagent_sandbox_lost_jobs_total Executions whose worker was lost before they ended.',
      '# TYPE tinyagent_sandbox_lost_jobs_total counter',
      `tinyagent_sandbox_lost_jobs_total ${gauges.lostJobs}`,
      ...(gauges.pool ? poolLines(gauges.pool) : []),
      '# HELP tinyagent_sandbox_http_errors_total Requests answered with an error, by code.',
      '# TYPE tinyagent_sandbox_http_errors_total counter',
      ...[...this.#errors].map(
        ([code, n]) => `tinyagent_sandbox_http_errors_total{code="${code}"} ${n}`,
      ),
    ]
    return `${lines.join('\n')}\n`
  }
}

/** The warm pool's lines: what takes found, and the size it aims for now. */
function poolLines(pool: PoolGauges): string[] {
  return [
    '# HELP tinyagent_sandbox_pool_takes_total Executions that asked the warm pool for a container, by what they got: preloaded, plain, or none (ran cold).',
    '# TYPE tinyagent_sandbox_pool_takes_total counter',
    ...(['preloaded', 'plain', 'none'] as const).map(
      (ready) => `tinyagent_sandbox_pool_takes_total{ready="${ready}"} ${pool.takes[ready]}`,
    ),
    '# HELP tinyagent_sandbox_pool_waits_total Of those takes, the ones that waited for a container being made, which would land sooner than any other way to one.',
    '# TYPE tinyagent_sandbox_pool_waits_total counter',
    `tinyagent_sandbox_pool_waits_total ${pool.waits}`,
    '# HELP tinyagent_sandbox_pool_target_size Containers the warm pool keeps ready or starting now, between pool.size and its ceiling.',
    '# TYPE tinyagent_sandbox_pool_target_size gauge',
    `tinyagent_sandbox_pool_target_size ${pool.targetSize}`,
    '# HELP tinyagent_sandbox_pool_ready Warm containers ready now.',
    '# TYPE tinyagent_sandbox_pool_ready gauge',
    `tinyagent_sandbox_pool_ready ${pool.ready}`,
  ]
}
