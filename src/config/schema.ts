import { z } from 'zod'

/**
 * The single source of truth for config.yml: the types, the defaults and
 * docs/configuration.md (generated from these descriptions by `make docs`) all follow from
 * this schema. Unknown keys are errors, so a typo never silently leaves a setting at its
 * default.
 */

const moduleName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/,
    'expected a dotted module name such as `os.path`',
  )

const allowedOperations = z
  .strictObject({
    file_operations: z
      .boolean()
      .default(false)
      .describe(
        'Seed: allows `open()`, file reading and writing (and, with the files feature, a workspace).',
      ),
    os_operations: z
      .boolean()
      .default(false)
      .describe('Seed: allows importing `os` and using it (`os.getcwd()`, `os.listdir()`, ...).'),
    imports: z
      .array(moduleName)
      .default([])
      .describe(
        'Seed: modules importable beyond the defaults. A dotted name allows that submodule only: `os.path` allows `os.path.join` but not `os.system`.',
      ),
  })
  .describe('Seed: finer-grained permissions, used while `allow_dangerous_operations` is false.')

const limits = z
  .strictObject({
    memory_mb: z
      .int()
      .min(32)
      .max(65_536)
      .default(256)
      .describe('Memory limit in MiB; swap is set equal, so there is no swap.'),
    cpus: z
      .number()
      .min(0.05)
      .max(64)
      .default(1)
      .describe('CPU quota in cores (fractions allowed).'),
    pids: z
      .int()
      .min(8)
      .max(32_768)
      .default(64)
      .describe('Maximum processes and threads in the container.'),
    output_bytes: z
      .int()
      .min(1_024)
      .max(64 * 1_048_576)
      .default(1_048_576)
      .describe(
        'Cap on each of stdout and stderr; past it the run is stopped with `output_limit`.',
      ),
    tmpfs_mb: z
      .int()
      .min(1)
      .max(4_096)
      .default(64)
      .describe(
        'Size of the writable, noexec /tmp in MiB; also the largest file a process may write.',
      ),
    open_files: z
      .int()
      .min(16)
      .max(65_536)
      .default(256)
      .describe('Open file descriptors per process.'),
  })
  .describe('Resource limits applied to every container.')

const codeExecution = z
  .strictObject({
    allow_dangerous_operations: z
      .boolean()
      .default(false)
      .describe(
        'Seed: turns the static policy off entirely. The container boundary and limits still apply.',
      ),
    allowed_operations: allowedOperations.prefault({}),
    timeout_seconds: z
      .number()
      .positive()
      .max(3_600)
      .default(10)
      .describe(
        'Wall-clock limit per execution, from container start; requests may only lower it.',
      ),
    limits: limits.prefault({}),
    image: z
      .string()
      .min(1)
      .default('tinyagent-sandbox/python')
      .describe('Local image tag, built by `make image`; never pulled.'),
    runtime: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a runtime name such as `runc` or `runsc`')
      .default('runc')
      .describe('OCI runtime registered with the engine: `runc`, or `runsc` for gVisor.'),
  })
  .describe("Seed: how submitted code is checked and run (tinyAgent's `anon_coder`).")

const orchestrator = z
  .strictObject({
    instance_id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
        'expected letters, digits, `.`, `_` or `-` (at most 63)',
      )
      .default('default')
      .describe(
        "Names this deployment in container labels; `reap` only touches its own instance's containers, so several orchestrators can share one engine.",
      ),
    concurrency: z.int().min(1).max(256).default(4).describe('Containers running at once.'),
    queue_limit: z
      .int()
      .min(0)
      .max(100_000)
      .default(100)
      .describe('Executions allowed to wait beyond `concurrency`; past it, `queue_full`.'),
  })
  .describe('How executions are scheduled.')

const logging = z
  .strictObject({
    level: z
      .enum(['error', 'warn', 'info', 'debug'])
      .default('info')
      .describe(
        'One JSON line per execution at `info`; the code output is never logged at `info`.',
      ),
  })
  .describe('Structured logs on stderr.')

export const configSchema = z.strictObject({
  code_execution: codeExecution.prefault({}),
  orchestrator: orchestrator.prefault({}),
  logging: logging.prefault({}),
})

export type SandboxConfig = z.infer<typeof configSchema>
export type CodeExecutionConfig = SandboxConfig['code_execution']
export type LimitsConfig = CodeExecutionConfig['limits']
export type ConfigInput = z.input<typeof configSchema>
