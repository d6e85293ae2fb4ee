import { z } from 'zod'

/**
 * The single source of truth for config.yml: types, defaults and the documentation in
 * docs/configuration.md all follow from this schema. Unknown keys are errors, so a typo
 * never silently leaves a setting at its default.
 */

const moduleName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/,
    'expected a dotted module name such as `os.path`',
  )

const allowedOperations = z.strictObject({
  /** Seed: allows `open()`, file reading and writing. */
  file_operations: z.boolean().default(false),
  /** Seed: allows operations using the `os` module. */
  os_operations: z.boolean().default(false),
  /** Seed: modules importable beyond the defaults. */
  imports: z.array(moduleName).default([]),
})

const limits = z.strictObject({
  /** Memory limit; swap is set equal, so there is no swap. */
  memory_mb: z.int().min(32).max(65_536).default(256),
  /** CPU quota in cores (fractions allowed). */
  cpus: z.number().min(0.05).max(64).default(1),
  /** Maximum processes and threads inside the container. */
  pids: z.int().min(8).max(32_768).default(64),
  /** Cap on each of stdout and stderr; past it the run is stopped with `output_limit`. */
  output_bytes: z
    .int()
    .min(1_024)
    .max(64 * 1_048_576)
    .default(1_048_576),
  /** Size of the writable /tmp (noexec, nosuid); also the largest file a process may write. */
  tmpfs_mb: z.int().min(1).max(4_096).default(64),
  /** Open file descriptors per process (RLIMIT_NOFILE). */
  open_files: z.int().min(16).max(65_536).default(256),
})

const codeExecution = z.strictObject({
  /** Seed: turns the static checks off. The container limits still apply. */
  allow_dangerous_operations: z.boolean().default(false),
  allowed_operations: allowedOperations.prefault({}),
  /** Wall-clock limit per execution; requests may only lower it. */
  timeout_seconds: z.number().positive().max(3_600).default(10),
  limits: limits.prefault({}),
  /** Local image tag; built by `make image`, never pulled. */
  image: z.string().min(1).default('tinyagent-sandbox/python'),
  /** OCI runtime registered with the engine: `runc`, or `runsc` for gVisor. */
  runtime: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a runtime name such as `runc` or `runsc`')
    .default('runc'),
})

const orchestrator = z.strictObject({
  /**
   * Names this deployment in container labels; `reap` touches only its own instance's
   * containers, so several orchestrators can share one engine.
   */
  instance_id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected letters, digits, `.`, `_` or `-` (at most 63)')
    .default('default'),
  /** Containers running at once. */
  concurrency: z.int().min(1).max(256).default(4),
  /** Executions allowed to wait beyond `concurrency`; past it, `queue_full`. */
  queue_limit: z.int().min(0).max(100_000).default(100),
})

const logging = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
})

export const configSchema = z.strictObject({
  code_execution: codeExecution.prefault({}),
  orchestrator: orchestrator.prefault({}),
  logging: logging.prefault({}),
})

export type SandboxConfig = z.infer<typeof configSchema>
export type CodeExecutionConfig = SandboxConfig['code_execution']
export type LimitsConfig = CodeExecutionConfig['limits']
export type ConfigInput = z.input<typeof configSchema>
