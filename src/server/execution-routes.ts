import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from '../logger.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { Executor } from '../sandbox/executor.js'
import { isLostWorkerMessage } from '../sandbox/lost-worker.js'
import type { ClientQuota } from './client-quota.js'
import { whenResponseDone } from './connection-limits.js'
import { parseExecutionBody } from './execution-body.js'
import { ExecutionStream } from './execution-stream.js'
import { HttpError, toHttpError } from './http-errors.js'
import type { Metrics } from './metrics.js'

export interface ExecutionRoutesOptions {
  readonly executor: Executor
  readonly limits: ClientQuota
  /** How long a written answer may wait for its client (server.response_timeout_seconds). */
  readonly responseTimeoutMs: number
  readonly metrics: Metrics
  readonly logger: Logger
}

/** `POST /v1/executions`: one request, one `executor.execute()` call, JSON or SSE back. */
export function executionRoutes(app: FastifyInstance, options: ExecutionRoutesOptions): void {
  const { executor, limits, responseTimeoutMs, metrics, logger } = options

  // The rate limit and quota are checked from the headers, before the body is read, so a
  // refused client never has its body buffered. The slot is held until the answer has left
  // (or the connection closed): an answer the client does not read still costs its key.
  const takeSlot = async (request: FastifyRequest, reply: FastifyReply) => {
    whenResponseDone(request.raw, reply.raw, await limits.acquire(request.client))
  }

  app.post('/v1/executions', { onRequest: takeSlot }, async (request, reply) => {
    const stream = wantsStream(request.query)
    const fields = parseExecutionBody(request.body)
    const cancel = cancelOnHangUp(request, reply)
    const events = stream ? new ExecutionStream(reply, { responseTimeoutMs }) : undefined
    try {
      const result = publicResult(
        await executor.execute({
          ...fields,
          signal: cancel.signal,
          ...(events === undefined
            ? {}
            : { onOutput: (name, chunk) => events.output(name, chunk) }),
        }),
        logger,
      )
      metrics.recordExecution(result.status, result.durationMs)
      if (events === undefined) return result
      events.result(result)
      return reply
    } catch (error) {
      if (events === undefined || !events.started) throw error
      const failure = toHttpError(error)
      metrics.recordError(failure.code)
      events.error(failure)
      return reply
    }
  })
}

/** `?stream=true` or `?stream=false`; any other query parameter is a mistake worth naming. */
function wantsStream(query: unknown): boolean {
  const params = (query ?? {}) as Record<string, unknown>
  for (const [name, value] of Object.entries(params)) {
    if (name !== 'stream') {
      throw new HttpError(
        'invalid_argument',
        `Unknown query parameter \`${name}\`; expected: stream.`,
        {
          field: name,
        },
      )
    }
    if (value !== 'true' && value !== 'false') {
      throw new HttpError('invalid_argument', 'Invalid `stream`: expected true or false.', {
        field: 'stream',
      })
    }
  }
  return params.stream === 'true'
}

/** A client that hangs up gets its execution cancelled: its container is killed and removed. */
function cancelOnHangUp(request: FastifyRequest, reply: FastifyReply): AbortController {
  const controller = new AbortController()
  whenResponseDone(request.raw, reply.raw, () => {
    if (!reply.raw.writableFinished) controller.abort()
  })
  return controller
}

/** An engine failure's message names the engine's endpoint; clients get a plain one. */
function publicResult(result: ExecutionResult, logger: Logger): ExecutionResult {
  if (result.status !== 'engine_error') return result
  if (isLostWorkerMessage(result.message)) return result
  logger.error('engine failure during an execution', { id: result.id, message: result.message })
  return { ...result, message: 'The container engine failed; the server log has the details.' }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: `key:<digest prefix>`, or `anonymous` when no keys are configured. */
    client: string
  }
}

export type { FastifyRequest }
