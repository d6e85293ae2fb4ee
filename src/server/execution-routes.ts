import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from '../logger.js'
import type { ExecuteRequestFields } from '../sandbox/execute-request.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { Executor } from '../sandbox/executor.js'
import { isLostWorkerMessage } from '../sandbox/lost-worker.js'
import type { ClientQuota } from './client-quota.js'
import { whenResponseDone } from './connection-limits.js'
import { parseExecutionBody } from './execution-body.js'
import { ExecutionStream } from './execution-stream.js'
import { HttpError, toHttpError } from './http-errors.js'
import {
  IDEMPOTENCY_KEY_HEADER,
  type IdempotencyLease,
  type IdempotencyStore,
  idempotencyKey,
  requestDigest,
  storedError,
} from './idempotency.js'
import { replay } from './idempotency-replay.js'
import type { Metrics } from './metrics.js'

export interface ExecutionRoutesOptions {
  readonly executor: Executor
  readonly limits: ClientQuota
  /** The first answers of requests with an `Idempotency-Key`. */
  readonly idempotency: IdempotencyStore
  /**
   * How long a written answer may wait for its client (server.response_timeout_seconds); also
   * how long a repeat of a keyed request waits for the first one to finish.
   */
  readonly responseTimeoutMs: number
  readonly metrics: Metrics
  readonly logger: Logger
}

/** One execution to run and answer, under the lease of its key when it has one. */
interface Run {
  readonly fields: ExecuteRequestFields
  readonly stream: boolean
  /** Cancels the execution; none for a keyed one, which runs to its end for its repeats. */
  readonly signal?: AbortSignal
  readonly lease?: IdempotencyLease
}

/**
 * `POST /v1/executions`: one request, one `executor.execute()` call, JSON or SSE back. With an
 * `Idempotency-Key`, a repeat gets the first answer instead of a second run.
 */
export function executionRoutes(app: FastifyInstance, options: ExecutionRoutesOptions): void {
  const { executor, limits, idempotency, responseTimeoutMs, metrics, logger } = options
  const slots = new WeakMap<FastifyRequest, Slot>()

  // The rate limit and quota are checked from the headers, before the body is read, so a
  // refused client never has its body buffered. The slot is held until the answer has left
  // (or the connection closed): an answer the client does not read still costs its key.
  const takeSlot = async (request: FastifyRequest, reply: FastifyReply) => {
    const slot = new Slot(await limits.acquire(request.client))
    whenResponseDone(request.raw, reply.raw, slot.hold())
    slots.set(request, slot)
  }

  const answer = async (reply: FastifyReply, run: Run) => {
    const events = run.stream ? new ExecutionStream(reply, { responseTimeoutMs }) : undefined
    try {
      const result = publicResult(
        await executor.execute({
          ...run.fields,
          ...(run.signal === undefined ? {} : { signal: run.signal }),
          ...(events === undefined
            ? {}
            : { onOutput: (name, chunk) => events.output(name, chunk) }),
        }),
        logger,
      )
      metrics.recordExecution(result.status, result.durationMs)
      // Kept before it is sent: a client that retries on seeing the answer finds it.
      await run.lease?.finish({ result })
      if (events === undefined) return result
      events.result(result)
      return reply
    } catch (error) {
      const failure = toHttpError(error)
      if (run.lease !== undefined) {
        const kept = storedError(failure)
        await (kept === undefined ? run.lease.release() : run.lease.finish(kept))
      }
      if (events === undefined || !events.started) throw error
      metrics.recordError(failure.code)
      events.error(failure)
      return reply
    }
  }

  app.post('/v1/executions', { onRequest: takeSlot }, async (request, reply) => {
    // A keyed execution outlives a client that hangs up: its slot is held until it ends too.
    const handled = slots.get(request)?.hold()
    try {
      const stream = wantsStream(request.query)
      const fields = parseExecutionBody(request.body)
      const key = idempotencyKey(request.headers)
      const cancel = cancelOnHangUp(request, reply)
      if (key === undefined) return await answer(reply, { fields, stream, signal: cancel.signal })
      const claim = await idempotency.claim({
        client: request.client,
        key,
        digest: requestDigest(request.body),
        waitMs: responseTimeoutMs,
        signal: cancel.signal,
      })
      if (claim.kind === 'lease') return await answer(reply, { fields, stream, lease: claim.lease })
      if (claim.kind === 'replay') return replay(reply, claim.answer, { stream, responseTimeoutMs })
      throw claim.kind === 'conflict' ? conflict(key) : stillRunning(key, responseTimeoutMs)
    } finally {
      handled?.()
    }
  })
}

function conflict(key: string): HttpError {
  return new HttpError(
    'idempotency_conflict',
    `The \`${IDEMPOTENCY_KEY_HEADER}\` \`${key}\` was used with another request body within server.idempotency_ttl_seconds; send a new key with a new request.`,
    { field: IDEMPOTENCY_KEY_HEADER },
  )
}

function stillRunning(key: string, waitedMs: number): HttpError {
  return new HttpError(
    'idempotency_conflict',
    `The first request with the \`${IDEMPOTENCY_KEY_HEADER}\` \`${key}\` is still running after ${Math.round(waitedMs / 1_000)} s of waiting (server.response_timeout_seconds); retry later for its answer.`,
    { field: IDEMPOTENCY_KEY_HEADER, retryAfterSeconds: 1 },
  )
}

/** One quota slot, given back once every hold on it has ended. */
class Slot {
  readonly #release: () => void
  #holds = 0
  #released = false

  constructor(release: () => void) {
    this.#release = release
  }

  /** A hold, ended by calling the function returned; one taken after the release holds nothing. */
  hold(): () => void {
    if (this.#released) return () => {}
    this.#holds++
    let ended = false
    return () => {
      if (ended) return
      ended = true
      if (--this.#holds > 0) return
      this.#released = true
      this.#release()
    }
  }
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
