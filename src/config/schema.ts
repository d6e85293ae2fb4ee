import { z } from 'zod'
import { defaultWorkspaceRoot } from '../workspace/workspace-root.js'
import {
  nestedSourceProblems,
  unsafeSourceReason,
  unsafeTargetReason,
  workspaceRootProblems,
} from './mount-safety.js'

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

const mount = z.strictObject({
  source: z
    .string()
    .min(1)
    .describe(
      'Host path. Symlinks are resolved once, at start-up, before the safety checks; every execution then binds that resolved path, and refuses it if it has since been replaced.',
    ),
  target: z.string().min(1).describe('Path inside the container, under /mnt/.'),
  read_only: z.boolean().default(true).describe('Mount read-only unless set to false.'),
})

const mounts = z
  .array(mount)
  .max(16)
  .default([])
  .superRefine((list, ctx) => {
    const targets = new Set<string>()
    list.forEach((entry, index) => {
      const source = unsafeSourceReason(entry.source)
      if (source !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [index, 'source'],
          message: source,
          input: entry.source,
        })
      const target = unsafeTargetReason(entry.target)
      if (target !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [index, 'target'],
          message: target,
          input: entry.target,
        })
      if (targets.has(entry.target)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'target'],
          message: 'expected each target once',
          input: entry.target,
        })
      }
      targets.add(entry.target)
    })
    for (const problem of nestedSourceProblems(list))
      ctx.addIssue({
        code: 'custom',
        path: problem.path.slice(1),
        message: problem.message,
        input: problem.input,
      })
  })
  .describe(
    'Host directories to mount, each `{source, target, read_only}`; applied only when file operations are effective. Refused at load: sensitive host paths, the engine socket, a source that is or lies inside a writable source, a source that contains or lies inside the workspace root, and targets outside /mnt/. Each execution refuses a source that has changed since start-up (another inode, or a symlink now).',
  )

/** `code_execution.limits`; a request's lower limits take each field's type and range from here. */
export const limitsSchema = z
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
    workspace_mb: z
      .int()
      .min(1)
      .max(16_384)
      .default(64)
      .describe(
        'Size of /workspace in MiB when file operations are effective; a full workspace is an `error` with a clear message.',
      ),
    returned_file_bytes: z
      .int()
      .min(0)
      .max(256 * 1_048_576)
      .default(10 * 1_048_576)
      .describe(
        'Largest content returned for one workspace file; longer files come back cut, with `truncated: true`.',
      ),
    returned_total_bytes: z
      .int()
      .min(0)
      .max(1_024 * 1_048_576)
      .default(20 * 1_048_576)
      .describe('Total content returned for all workspace files of one execution.'),
    returned_files: z
      .int()
      .min(0)
      .max(10_000)
      .default(100)
      .describe('Most workspace files returned; past it the result says `filesTruncated: true`.'),
    artifact_bytes: z
      .int()
      .min(0)
      .max(64 * 1_048_576)
      .default(2 * 1_048_576)
      .describe(
        'Total PNG bytes of the charts returned for one execution; past it, `artifactsTruncated: true`.',
      ),
    artifacts: z
      .int()
      .min(0)
      .max(100)
      .default(10)
      .describe('Most charts (open matplotlib figures) returned for one execution.'),
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
    limits: limitsSchema.prefault({}),
    image: z
      .string()
      .min(1)
      .default('tinyagent-sandbox/python')
      .describe(
        'Local image tag, built by `tinyagent-sandbox image build` (or `make image`); never pulled.',
      ),
    runtime: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
        'expected a runtime name such as `runc`, `runsc` or `auto`',
      )
      .default('runc')
      .describe(
        'OCI runtime registered with the engine: `runc`, `runsc` (gVisor, a user-space kernel), or `auto` (runsc when the engine has it, else runc).',
      ),
    mounts,
    workspace_root: z
      .string()
      .startsWith('/', 'expected an absolute host path')
      .optional()
      .describe(
        "Host directory under which per-execution workspaces are created; a missing last component is made with mode 0700. Default: /var/lib/tinyagent-sandbox/workspaces as root, else `$XDG_STATE_HOME` (or ~/.local/state) + /tinyagent-sandbox/workspaces, made 0700. Refused at start-up unless it is owned by the orchestrator's user and not writable by group or others, and every directory above it belongs to root or that user and, if writable by group or others, has the sticky bit. As root, each workspace is a size-limited tmpfs.",
      ),
  })
  .superRefine((settings, ctx) => {
    const configured = settings.workspace_root !== undefined
    const root = settings.workspace_root ?? defaultWorkspaceRoot()
    for (const problem of workspaceRootProblems(root, configured, settings.mounts))
      ctx.addIssue({
        code: 'custom',
        path: [...problem.path],
        message: problem.message,
        input: problem.input,
      })
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
      .describe(
        'Executions allowed to wait beyond `concurrency`; past it, `queue_full`. With `queue.url`, the limit is cluster-wide: jobs waiting in the shared queue.',
      ),
    node_name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/,
        'expected letters, digits, `.`, `_`, `:`, `/` or `-` (at most 128)',
      )
      .optional()
      .describe(
        "This node's name in every result (`node`) and in the logs. Default: `hostname/pid`.",
      ),
  })
  .describe('How executions are scheduled.')

const queue = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL')
      .optional()
      .describe(
        'Redis URL of the shared execution queue (`redis://:PASSWORD@host:6379/0`, `rediss://` for TLS). Unset: one host, executions run here. Set: `serve`, `mcp` and `run` enqueue executions for `worker` nodes. The env var `TINYAGENT_SANDBOX_QUEUE_URL` overrides it, so the password need not sit in the file.',
      ),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected letters, digits, `.`, `_` or `-`')
      .default('executions')
      .describe("The queue's name; API nodes and workers of one deployment use the same."),
    max_wait_seconds: z
      .number()
      .positive()
      .max(86_400)
      .default(60)
      .describe(
        'Longest an execution may wait for a worker. Past it, it is never started and its caller gets `deadline_exceeded`.',
      ),
    lock_seconds: z
      .number()
      .min(2)
      .max(600)
      .default(10)
      .describe(
        'How long a worker holds a job between renewals. A worker that cannot renew (dead, cut off from Redis) loses the job: its container is killed, and the caller gets `engine_error` within about twice this.',
      ),
    result_ttl_seconds: z
      .int()
      .min(10)
      .max(86_400)
      .default(600)
      .describe('How long a result and its output stream stay in Redis after the run.'),
    max_result_bytes: z
      .int()
      .min(65_536)
      .max(512 * 1_048_576)
      .default(32 * 1_048_576)
      .describe(
        'Largest result a worker sends through Redis; past it, returned files and then charts are left out (and marked truncated).',
      ),
  })
  .describe(
    'Scale-out (docs/scale-out.md): a shared queue on Redis with API nodes in front and worker nodes behind.',
  )

const server = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe(
        'Address `serve` binds to (`--host`). Any address other than loopback needs API keys, or the server refuses to start.',
      ),
    port: z
      .int()
      .min(0)
      .max(65_535)
      .default(8080)
      .describe('TCP port `serve` listens on (`--port`); 0 picks a free one.'),
    api_key_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'File of API keys, one per line (a line starting with `#` is a comment), added to those in the env var `TINYAGENT_SANDBOX_API_KEYS`. With any key set, requests need `Authorization: Bearer KEY`.',
      ),
    body_limit_bytes: z
      .int()
      .min(1_024)
      .max(256 * 1_048_576)
      .default(2 * 1_048_576)
      .describe('Largest request body; a bigger one gets 413 `payload_too_large`.'),
    rate_limit_per_minute: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(120)
      .describe(
        'Executions each API key (or, without keys, all clients together) may start per minute; past it, 429 `rate_limited`.',
      ),
    concurrency_per_key: z
      .int()
      .min(1)
      .max(10_000)
      .default(8)
      .describe(
        'Executions one API key may have in flight at once, from the request to the last byte of its answer (running, queued, or an answer not yet taken); past it, 429 `quota_exceeded`.',
      ),
    shutdown_grace_seconds: z
      .number()
      .min(0)
      .max(3_600)
      .default(10)
      .describe(
        'On SIGTERM or SIGINT, how long in-flight executions may finish before they are cancelled.',
      ),
    request_timeout_seconds: z
      .number()
      .min(1)
      .max(3_600)
      .default(30)
      .describe(
        'Time a client has to send a whole request, headers and body, from its first byte (or from connecting); past it the connection gets 408 `request_timeout` and is closed.',
      ),
    response_timeout_seconds: z
      .number()
      .min(1)
      .max(3_600)
      .default(60)
      .describe(
        'Time a client has to take a whole answer once the server has written it; past it the connection is closed and the answer dropped. Until then the answer counts against `concurrency_per_key`.',
      ),
    keep_alive_timeout_seconds: z
      .number()
      .min(1)
      .max(3_600)
      .default(5)
      .describe(
        "How long an idle connection stays open for a next request. Behind a reverse proxy that reuses connections, set it above the proxy's idle timeout.",
      ),
    idempotency_ttl_seconds: z
      .number()
      .min(1)
      .max(86_400)
      .default(600)
      .describe(
        'How long the answer to a request with an `Idempotency-Key` header is kept: a repeat of the request within it gets that answer back instead of running the code again (docs/api.md).',
      ),
  })
  .describe('The HTTP API (`tinyagent-sandbox serve`).')

/** The default of `tool.result_chars`, also for callers of `formatToolResult` without a config. */
export const DEFAULT_TOOL_RESULT_CHARS = 12_000

const tool = z
  .strictObject({
    result_chars: z
      .int()
      .min(1_000)
      .max(1_000_000)
      .default(DEFAULT_TOOL_RESULT_CHARS)
      .describe(
        'Most characters of the text a model gets back from `anon_coder` (MCP, `executeAnonCoder`), about 4 to a token. Longer stdout and stderr keep their head and tail, a value its head, and the text says what was cut; the HTTP and library results always carry everything.',
      ),
  })
  .describe('The `anon_coder` tool: what a model sees of each result.')

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

const pool = z
  .strictObject({
    size: z
      .int()
      .min(0)
      .max(64)
      .default(2)
      .describe(
        'Containers kept created, started and waiting for code, each used once and then removed: the least the pool keeps, however quiet it is; 0 turns the pool off. Requests that lower limits run cold.',
      ),
    max_size: z
      .int()
      .min(0)
      .max(64)
      .default(4)
      .describe(
        'The most containers the pool keeps ready or starting. It grows past `size` when executions arrive in bursts or faster than it refills, never past `orchestrator.concurrency`, and shrinks back to `size` within about a minute once they slow down. Below `size` it counts as `size`.',
      ),
    preload: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'expected a module name'))
      .default(['numpy', 'pandas'])
      .describe(
        'Modules a warm runner imports while it waits, when the policy allows them. The pool keeps as many preloaded containers as the share of recent code that imports one of them calls for (so that 19 bursts in 20 find one for each such call), and preloads while executions have left the CPU mostly idle or when the container would probably wait longer than the imports take (the measured import cost against the recent arrival rate); never while executions wait for a slot. Code that imports one of them gets a preloaded container first, and may wait for one still starting when it lands sooner than the import on a plain one would end.',
      ),
    idle_seconds: z
      .number()
      .positive()
      .max(86_400)
      .default(300)
      .describe('A warm container unused this long is replaced by a fresh one.'),
  })
  .describe(
    'The warm pool: fresh containers started ahead of need, so an execution skips container start-up.',
  )

export const configSchema = z.strictObject({
  code_execution: codeExecution.prefault({}),
  orchestrator: orchestrator.prefault({}),
  pool: pool.prefault({}),
  server: server.prefault({}),
  tool: tool.prefault({}),
  queue: queue.prefault({}),
  logging: logging.prefault({}),
})

export type SandboxConfig = z.infer<typeof configSchema>
export type CodeExecutionConfig = SandboxConfig['code_execution']
export type LimitsConfig = CodeExecutionConfig['limits']
export type PoolConfig = SandboxConfig['pool']
export type ServerConfig = SandboxConfig['server']
export type QueueConfig = SandboxConfig['queue']
export type ToolConfig = SandboxConfig['tool']
export type ConfigInput = z.input<typeof configSchema>
