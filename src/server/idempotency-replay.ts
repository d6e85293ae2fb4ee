import type { FastifyReply } from 'fastify'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { ExecutionStream } from './execution-stream.js'
import { HttpError } from './http-errors.js'
import { REPLAYED_HEADER, type StoredAnswer } from './idempotency.js'

export interface ReplayOptions {
  readonly stream: boolean
  readonly responseTimeoutMs: number
}

/**
 * Answers a repeat with the first answer, marked `Idempotent-Replayed: true`: the result as
 * JSON, or as a stream of its whole stdout, its whole stderr, then the result event. A kept
 * error is answered with its status (a stream: its `error` event), without `Retry-After`:
 * retrying the same key gets the same answer.
 */
export function replay(
  reply: FastifyReply,
  answer: StoredAnswer,
  options: ReplayOptions,
): ExecutionResult | FastifyReply {
  if (!options.stream) {
    reply.header(REPLAYED_HEADER, 'true')
    if ('result' in answer) return answer.result
    const failure = new HttpError(answer.error.code, answer.error.message)
    return reply.status(failure.status).send(failure.toJSON())
  }
  // The stream writes its own head, with the headers set on the raw response.
  reply.raw.setHeader(REPLAYED_HEADER, 'true')
  const events = new ExecutionStream(reply, { responseTimeoutMs: options.responseTimeoutMs })
  if ('error' in answer) {
    events.error(new HttpError(answer.error.code, answer.error.message))
    return reply
  }
  const { result } = answer
  events.output('stdout', Buffer.from(result.stdout))
  events.output('stderr', Buffer.from(result.stderr))
  events.result(result)
  return reply
}
