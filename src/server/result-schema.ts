import { z } from 'zod'
import { type LimitsConfig, limitsSchema } from '../config/schema.js'
import { EXECUTION_STATUSES } from '../sandbox/execution-result.js'
import { artifactSchema, tableSchema, valueSchema } from '../sandbox/rich-result.js'

/*
 * The library's `ExecutionResult` as a zod schema, for the OpenAPI document and for checking
 * real answers in tests. The result types are TypeScript interfaces; result-schema.test.ts
 * proves this schema's type equal to them, so a field added there fails the type check
 * until it is added here. Objects are strict, so an answer with an undescribed field fails.
 */

const violationSchema = z.strictObject({
  rule: z.string().describe('Stable rule id, e.g. `eval-call`, `import-not-allowed`.'),
  line: z.int().describe('1-based line of the offending construct, counted in its `part`.'),
  column: z.int().describe('1-based column of the offending construct.'),
  part: z
    .enum(['setupCode', 'code'])
    .exactOptional()
    .describe('Set only when the request had setup code: the source `line` counts in.'),
  text: z.string().describe('The offending source text (at most 80 characters).'),
  message: z.string().describe('What is refused, for a person.'),
  hint: z.string().describe('How to allow it, naming the config key (or saying that no key does).'),
  event: z
    .string()
    .exactOptional()
    .describe(
      'Set only on refusals of the runtime guard: the audit event it stopped (`open`, `os.system`, `import`).',
    ),
})

const pythonErrorSchema = z.strictObject({
  name: z.string().describe('The exception class, e.g. `ZeroDivisionError`.'),
  value: z.string().describe('The exception message.'),
  traceback: z.string().describe('Line numbers point into the submitted code.'),
})

const outputFileSchema = z.strictObject({
  name: z.string().describe('Relative to /workspace, with `/` separators.'),
  size: z.int().nonnegative().describe("The file's full size in bytes."),
  contentBase64: z.string().describe('The content (possibly cut), base64-encoded.'),
  truncated: z.boolean().describe('True when `contentBase64` holds less than `size` bytes.'),
})

const LIMIT_KEYS = Object.keys(limitsSchema.shape) as (keyof LimitsConfig)[]

/** `code_execution.limits` as applied: every key present, each of the type and range config.yml takes. */
const appliedLimitsSchema = z
  .strictObject(
    Object.fromEntries(
      LIMIT_KEYS.map((key) => {
        const field = limitsSchema.shape[key]
        return [key, field.unwrap().describe(field.description ?? key)]
      }),
    ) as { [K in keyof LimitsConfig]: z.ZodNumber },
  )
  .describe('The limits applied: `code_execution.limits`, lowered where the request asked.')

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)

const receiptSchema = z
  .strictObject({
    codeSha256: sha256.describe('sha256 of the code as UTF-8.'),
    setupCodeSha256: sha256
      .exactOptional()
      .describe('sha256 of the setup code as UTF-8; only when the request had setup code.'),
    configSha256: sha256.describe(
      'sha256 of the effective `code_execution` config section (canonical JSON).',
    ),
    imageId: z
      .string()
      .nullable()
      .describe(
        'The image the container was created from (`sha256:…`); null when no container ran.',
      ),
    runtime: z
      .string()
      .nullable()
      .describe('The OCI runtime (`runc`, `runsc`); null when no container ran.'),
    timeoutSeconds: z.number().describe('The time limit applied.'),
    limits: appliedLimitsSchema,
  })
  .describe('What the execution was checked and run under: code, config, image, runtime, limits.')

export const executionResultSchema = z.strictObject({
  id: z.uuid(),
  status: z.enum(EXECUTION_STATUSES).describe('How the execution ended.'),
  exitCode: z
    .int()
    .nullable()
    .describe("The Python process's exit code; null when no container ran or it was killed."),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean().describe('True when stdout or stderr was cut at `limits.output_bytes`.'),
  durationMs: z
    .number()
    .nonnegative()
    .describe('From the request to its result, queueing included.'),
  violations: z
    .array(violationSchema)
    .describe('Static policy refusals; non-empty only with status `policy_violation`.'),
  error: pythonErrorSchema.nullable().describe('Set when the code raised (or did not compile).'),
  message: z
    .string()
    .nullable()
    .describe('For any status but `ok`: what happened and what setting governs it.'),
  files: z
    .array(outputFileSchema)
    .describe('Workspace files the code created or changed (only with file operations).'),
  filesTruncated: z
    .boolean()
    .describe(
      'Some created or changed files were left out (`limits.returned_files` or `returned_total_bytes`).',
    ),
  runtime: z
    .string()
    .nullable()
    .describe('The OCI runtime the container ran under (`runc`, `runsc`); null when none ran.'),
  result: valueSchema
    .nullable()
    .describe(
      "The value of the code's last line when it is an expression (a DataFrame also as a table).",
    ),
  artifacts: z
    .array(artifactSchema)
    .describe('Charts: matplotlib figures open at the end, as PNGs.'),
  artifactsTruncated: z
    .boolean()
    .describe('Some charts were left out (`limits.artifacts` or `limits.artifact_bytes`).'),
  node: z
    .string()
    .describe('The node that produced the result (`orchestrator.node_name`, or `hostname/pid`).'),
  receipt: receiptSchema,
})

/** The result's parts, by the name the OpenAPI document gives each. */
export const RESULT_PARTS = {
  ExecutionResult: executionResultSchema,
  Violation: violationSchema,
  PythonError: pythonErrorSchema,
  OutputFile: outputFileSchema,
  ValueResult: valueSchema,
  TableResult: tableSchema,
  Artifact: artifactSchema,
  ExecutionReceipt: receiptSchema,
  AppliedLimits: appliedLimitsSchema,
} as const

/** Field names of the result; the docker tests compare them with a real one. */
export const DOCUMENTED_RESULT_FIELDS = Object.keys(executionResultSchema.shape)
