import { z } from 'zod'
import { executeRequestSchema } from '../sandbox/execute-request.js'

/**
 * What an API node puts in a job. Workers parse it again: the queue is a trust boundary,
 * and the request inside is validated once more by the worker's own sandbox.
 */
export const jobPayloadSchema = z.strictObject({
  /** The execution id: the job id, the result's `id`, the worker's log field. */
  id: z.uuid(),
  request: executeRequestSchema,
  /** The API node's `code_execution` digest; a worker with another one refuses the job. */
  configSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Epoch ms after which the job is never started (its caller's budget ran out). */
  startBy: z.int().positive(),
  /** The API node that took the request, for the logs. */
  apiNode: z.string().max(256),
})

export type JobPayload = z.infer<typeof jobPayloadSchema>

/** The only job name used; anything else in the queue is not ours. */
export const JOB_NAME = 'execute'
