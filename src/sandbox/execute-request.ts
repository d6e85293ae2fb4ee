import { z } from 'zod'
import { type CodeExecutionConfig, type LimitsConfig, limitsSchema } from '../config/schema.js'
import type { OutputListener } from '../engine/container-engine.js'
import { InvalidArgumentError } from '../errors.js'
import { assertSafeNames } from '../workspace/file-name.js'
import type { InputFile } from '../workspace/workspace-files.js'
import { fileAccessEffective } from './file-access.js'
import { requestProblem } from './request-issue.js'

/** Largest accepted source (setup code and code together); bigger input is refused before any parsing. */
export const MAX_CODE_BYTES = 1_048_576
/** Most input files one request may carry. */
export const MAX_INPUT_FILES = 1_000

/** Every key of `code_execution.limits`, read from its schema so the two cannot drift apart. */
const LIMIT_KEYS = Object.keys(limitsSchema.shape) as readonly (keyof LimitsConfig)[]

const inputFileSchema = z.strictObject({
  /** Relative path inside /workspace, e.g. `data/input.csv`. */
  name: z.string(),
  content: z.string(),
  /** How `content` is written: UTF-8 text, or base64 for bytes. @default 'utf8' */
  encoding: z.enum(['utf8', 'base64']).optional(),
})

/** What a caller may send. Requests can only tighten the configured limits, never loosen them. */
export const executeRequestSchema = z.strictObject({
  /** Python source, run as `__main__`. */
  code: z.string(),
  /**
   * Python source run before `code`, in the same process and namespace (names it binds are
   * there for `code`), under the same policy; `code` runs only if it ends without an exception.
   */
  setupCode: z.string().optional(),
  /** Lower wall-clock limit for this execution; at most `code_execution.timeout_seconds`. */
  timeoutSeconds: z.number().positive().optional(),
  /**
   * Lower limits for this execution, keyed as in `code_execution.limits`: each of the type and
   * in the range config.yml accepts (so never 0, which Docker reads as "no limit"), and at most
   * the configured value.
   */
  limits: z
    .strictObject(
      Object.fromEntries(
        LIMIT_KEYS.map((key) => [key, limitsSchema.shape[key].unwrap().optional()]),
      ) as { [K in keyof LimitsConfig]: z.ZodOptional<z.ZodNumber> },
    )
    .optional(),
  /** Files written into /workspace before the code runs; needs file operations. */
  files: z.array(inputFileSchema).max(MAX_INPUT_FILES).optional(),
})

export type ExecuteRequestFields = z.input<typeof executeRequestSchema>

export interface ExecuteRequest extends ExecuteRequestFields {
  /** Cancels the execution: it leaves the queue, or its container is killed and removed. */
  readonly signal?: AbortSignal | undefined
  /** Receives stdout and stderr chunks as the code writes them (the runner's own frame included). */
  readonly onOutput?: OutputListener | undefined
}

export interface ValidatedRequest {
  readonly code: string
  /** Set when the request had non-empty setup code. */
  readonly setupCode?: string
  readonly timeoutSeconds: number
  /** The configured limits, lowered where the request asked. */
  readonly limits: LimitsConfig
  readonly files: readonly InputFile[]
}

/** Checks a request against the schema and the configured ceilings, with one message shape. */
export function validateRequest(request: unknown, settings: CodeExecutionConfig): ValidatedRequest {
  const { signal, onOutput, ...fields } = (request ?? {}) as ExecuteRequest
  // Not data, so not in the schema; still checked here, or a JavaScript caller's mistake
  // would surface later as a TypeError from inside the queue.
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(
      `Expected \`signal\` to be an AbortSignal, got ${kindOf(signal)}`,
    )
  }
  if (onOutput !== undefined && typeof onOutput !== 'function') {
    throw new InvalidArgumentError(
      `Expected \`onOutput\` to be a function, got ${kindOf(onOutput)}`,
    )
  }
  const parsed = executeRequestSchema.safeParse(fields, { reportInput: true })
  if (!parsed.success) {
    throw new InvalidArgumentError(requestProblem(parsed.error, executeRequestSchema).message)
  }
  const { code, setupCode = '', timeoutSeconds = settings.timeout_seconds } = parsed.data
  assertSourceSize({ code, setupCode }, { code: 'code', setupCode: 'setupCode' })
  assertAtMost(
    'timeoutSeconds',
    timeoutSeconds,
    settings.timeout_seconds,
    'code_execution.timeout_seconds',
  )
  const limits = lowerLimits(settings.limits, parsed.data.limits ?? {})
  const files = decodeFiles(parsed.data.files ?? [], settings, limits)
  return { code, ...(setupCode === '' ? {} : { setupCode }), timeoutSeconds, limits, files }
}

/**
 * Refuses sources larger than MAX_CODE_BYTES, setup code and code counted together, naming
 * the fields as the caller spelled them (`setupCode` here, `setup_code` for the tool).
 */
export function assertSourceSize(
  sources: { readonly code: string; readonly setupCode: string },
  names: { readonly code: string; readonly setupCode: string },
): void {
  const code = Buffer.byteLength(sources.code, 'utf8')
  const setup = Buffer.byteLength(sources.setupCode, 'utf8')
  if (code + setup <= MAX_CODE_BYTES) return
  // The field that is too large by itself, if one is; else the two together.
  const [field, got] =
    code > MAX_CODE_BYTES
      ? [`\`${names.code}\``, code]
      : setup > MAX_CODE_BYTES
        ? [`\`${names.setupCode}\``, setup]
        : [`\`${names.setupCode}\` and \`${names.code}\` together`, `${setup} + ${code}`]
  throw new InvalidArgumentError(
    `Expected ${field} to be at most ${MAX_CODE_BYTES} bytes, got ${got}`,
  )
}

function lowerLimits(
  configured: LimitsConfig,
  asked: Partial<Record<keyof LimitsConfig, number | undefined>>,
): LimitsConfig {
  const limits = { ...configured }
  for (const key of LIMIT_KEYS) {
    const value = asked[key]
    if (value === undefined) continue
    assertAtMost(`limits.${key}`, value, configured[key], `code_execution.limits.${key}`)
    limits[key] = value
  }
  return limits
}

function decodeFiles(
  files: readonly z.infer<typeof inputFileSchema>[],
  settings: CodeExecutionConfig,
  limits: LimitsConfig,
): InputFile[] {
  if (files.length === 0) return []
  if (!fileAccessEffective(settings)) {
    throw new InvalidArgumentError(
      'Invalid `files`: input files need file access; set code_execution.allowed_operations.file_operations to true.',
    )
  }
  assertSafeNames(files.map((file) => file.name))
  const decoded = files.map((file, index) => ({ name: file.name, content: decode(file, index) }))
  const total = decoded.reduce((sum, file) => sum + file.content.length, 0)
  assertAtMost(
    'files',
    total,
    limits.workspace_mb * 1_048_576,
    'code_execution.limits.workspace_mb (in bytes)',
  )
  return decoded
}

function decode(file: z.infer<typeof inputFileSchema>, index: number): Uint8Array {
  if (file.encoding !== 'base64') return Buffer.from(file.content, 'utf8')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file.content) || file.content.length % 4 !== 0) {
    throw new InvalidArgumentError(`Invalid \`files[${index}].content\`: expected base64`)
  }
  return Buffer.from(file.content, 'base64')
}

function assertAtMost(field: string, value: number, ceiling: number, setting: string): void {
  if (value > ceiling) {
    throw new InvalidArgumentError(
      `Expected \`${field}\` to be at most ${ceiling} (${setting}), got ${value}`,
    )
  }
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : typeof value
}
