import { z } from 'zod'
import { SANDBOX_ERROR_CODES, SandboxError, type SandboxErrorCode } from '../errors.js'
import { EXECUTION_STATUSES, type ExecutionResult } from '../sandbox/execution-result.js'

/**
 * What travels on an execution's Redis Stream, worker to API node, in order: output chunks,
 * then exactly one `result` or `error`. Field `t` is the type; `s` the stream name of an
 * output chunk; `d` the bytes (a chunk) or JSON (a result, an error).
 */
export type JobEvent =
  | { readonly type: 'output'; readonly stream: 'stdout' | 'stderr'; readonly chunk: Buffer }
  | { readonly type: 'result'; readonly result: ExecutionResult }
  | { readonly type: 'error'; readonly code: SandboxErrorCode; readonly message: string }

export function encodeOutput(stream: 'stdout' | 'stderr', chunk: Buffer): (string | Buffer)[] {
  return ['t', 'output', 's', stream, 'd', chunk]
}

export function encodeResult(result: ExecutionResult): string[] {
  return ['t', 'result', 'd', JSON.stringify(result)]
}

export function encodeError(error: SandboxError): string[] {
  return ['t', 'error', 'd', JSON.stringify({ code: error.code, message: error.message })]
}

/**
 * Reads one stream entry. The worker is ours but the bytes crossed Redis: anything that is
 * not a well-formed event for this execution is refused, never passed on as a result.
 */
export function decodeEvent(fields: readonly Buffer[], executionId: string): JobEvent {
  const map = new Map<string, Buffer>()
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]
    const value = fields[i + 1]
    if (name !== undefined && value !== undefined) map.set(name.toString('latin1'), value)
  }
  const type = map.get('t')?.toString('latin1')
  const data = map.get('d')
  if (data === undefined) throw new Error('an event without data')
  if (type === 'output') {
    const stream = map.get('s')?.toString('latin1')
    if (stream !== 'stdout' && stream !== 'stderr')
      throw new Error('an output event without stream')
    return { type, stream, chunk: data }
  }
  if (type === 'result') {
    const result = resultShape.parse(JSON.parse(data.toString('utf8')))
    if (result.id !== executionId) throw new Error(`a result for ${result.id}, not ${executionId}`)
    return { type, result: result as unknown as ExecutionResult }
  }
  if (type === 'error') {
    const error = errorShape.parse(JSON.parse(data.toString('utf8')))
    return { type, code: error.code, message: error.message }
  }
  throw new Error(`an event of unknown type ${JSON.stringify(type)}`)
}

const errorShape = z.object({ code: z.enum(SANDBOX_ERROR_CODES), message: z.string().max(65_536) })

/** The fields every consumer relies on; the rest passes through as the worker sent it. */
const resultShape = z.looseObject({
  id: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  exitCode: z.int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  durationMs: z.number(),
  violations: z.array(z.unknown()),
  error: z.unknown(),
  message: z.string().nullable(),
  files: z.array(z.unknown()),
  filesTruncated: z.boolean(),
  runtime: z.string().nullable(),
  result: z.unknown(),
  artifacts: z.array(z.unknown()),
  artifactsTruncated: z.boolean(),
  node: z.string(),
  receipt: z.looseObject({ codeSha256: z.string(), configSha256: z.string() }),
})

/** An error event back as the error the local executor would have thrown. */
export function errorFromEvent(code: SandboxErrorCode, message: string): SandboxError {
  return new SandboxError(code, message)
}
