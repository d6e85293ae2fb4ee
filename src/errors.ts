/** Stable, machine-readable error codes; the HTTP and CLI layers map them through one table. */
export const SANDBOX_ERROR_CODES = [
  'config_invalid',
  'invalid_argument',
  'queue_full',
  'engine_unavailable',
  'image_missing',
  'aborted',
  'shut_down',
  'queue_unavailable',
  'deadline_exceeded',
] as const

export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number]

/**
 * The one error model. Thrown only for the caller's mistakes and for our infrastructure;
 * what untrusted code does (exceptions, timeouts, violations) is a result, never a throw.
 */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode

  constructor(code: SandboxErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SandboxError'
    this.code = code
  }
}

/** One thing wrong in a config file, located as precisely as the file allows. */
export interface ConfigProblem {
  /** Dotted key path, e.g. `code_execution.limits.memory_mb`; empty for the whole document. */
  readonly path: string
  readonly message: string
  /** 1-based, when the problem can be located in the file. */
  readonly line?: number
  readonly column?: number
}

export class ConfigError extends SandboxError {
  readonly problems: readonly ConfigProblem[]

  constructor(source: string, problems: readonly ConfigProblem[]) {
    super('config_invalid', formatProblems(source, problems))
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/**
 * One line per problem, led by where it is (`file:line:column: key:`, or as much of that as
 * is known), naming the key once even when the source is that key (`server.host`).
 */
function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((problem) => `  ${where(source, problem)}: ${problem.message}`)
  return `Invalid configuration in ${source}:\n${lines.join('\n')}`
}

function where(source: string, problem: ConfigProblem): string {
  const at = problem.line === undefined ? source : `${source}:${problem.line}:${problem.column}`
  return problem.path === '' || problem.path === at ? at : `${at}: ${problem.path}`
}

export class InvalidArgumentError extends SandboxError {
  constructor(message: string) {
    super('invalid_argument', message)
    this.name = 'InvalidArgumentError'
  }
}

export class QueueFullError extends SandboxError {
  constructor(limit: number, fix = 'raise orchestrator.queue_limit or orchestrator.concurrency') {
    super('queue_full', `The execution queue is full (${limit} waiting). Retry later, or ${fix}.`)
    this.name = 'QueueFullError'
  }
}

export class EngineUnavailableError extends SandboxError {
  constructor(message: string, options?: ErrorOptions) {
    super('engine_unavailable', message, options)
    this.name = 'EngineUnavailableError'
  }
}

export class ImageMissingError extends SandboxError {
  constructor(image: string) {
    super(
      'image_missing',
      `The sandbox image \`${image}\` is not present on the Docker engine. Build it with \`npx tinyagent-sandbox image build\` (or \`make image\` in a checkout); the orchestrator never pulls images.`,
    )
    this.name = 'ImageMissingError'
  }
}

export class AbortedError extends SandboxError {
  constructor(message = 'The execution was cancelled by its caller.') {
    super('aborted', message)
    this.name = 'AbortedError'
  }
}

export class ShutDownError extends SandboxError {
  constructor() {
    super('shut_down', 'The sandbox is shutting down and accepts no new executions.')
    this.name = 'ShutDownError'
  }
}

/** The shared queue (Redis) cannot be reached: nothing was enqueued. */
export class QueueUnavailableError extends SandboxError {
  constructor(message: string, options?: ErrorOptions) {
    super('queue_unavailable', message, options)
    this.name = 'QueueUnavailableError'
  }
}

/** The execution waited in the queue past its caller's budget and was never started. */
export class DeadlineExceededError extends SandboxError {
  constructor(waitedSeconds: number) {
    super(
      'deadline_exceeded',
      `The execution waited ${waitedSeconds} s for a worker and was never started (queue.max_wait_seconds). Retry later, or add workers.`,
    )
    this.name = 'DeadlineExceededError'
  }
}
