import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { CancelledNotificationSchema, type RequestId } from '@modelcontextprotocol/sdk/types.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from '../logger.js'
import { InFlightCalls } from '../mcp/in-flight-calls.js'
import { createMcpServer } from '../mcp/mcp-server.js'
import { rebindingRefusal } from '../mcp/rebinding-guard.js'
import type { Executor } from '../sandbox/executor.js'
import type { ClientQuota } from './client-quota.js'
import { abandonIfUnread, whenResponseDone } from './connection-limits.js'
import { HttpError, toHttpError } from './http-errors.js'
import { isLoopbackHost } from './loopback.js'
import type { Metrics } from './metrics.js'
import { publicResult } from './public-result.js'

export interface McpRoutesOptions {
  readonly executor: Executor
  /** The quota `/v1/executions` uses: each tool call holds a slot of its client's while it runs. */
  readonly limits: ClientQuota
  /** `server.host`: on a loopback address, `Host` and `Origin` must name loopback too. */
  readonly host: string
  /** How long a written answer may wait for its client (server.response_timeout_seconds). */
  readonly responseTimeoutMs: number
  readonly metrics: Metrics
  readonly logger: Logger
  /** Reported in the `initialize` answer. @default '0.0.0' */
  readonly version?: string
}

/**
 * `POST /mcp`: the MCP server over Streamable HTTP, stateless. Each POST gets a server and
 * transport of its own, so any API node can answer any request and nothing outlives the
 * response. A tool call takes a slot of the client's quota while it runs; a client that hangs
 * up, or sends `notifications/cancelled`, has its call cancelled and its container removed.
 */
export function mcpRoutes(app: FastifyInstance, options: McpRoutesOptions): void {
  const { responseTimeoutMs, logger } = options
  const calls = new InFlightCalls()
  const guardLoopback = isLoopbackHost(options.host)

  app.post('/mcp', async (request, reply) => {
    const refusal = guardLoopback ? rebindingRefusal(request.headers) : undefined
    if (refusal !== undefined) return reply.status(403).send(jsonRpcError(refusal))
    const client = request.client
    const server = createMcpServer({
      executor: clientExecutor(client, options),
      version: options.version ?? '0.0.0',
      isRefusal: (error) => error instanceof HttpError,
    })
    // The server made for this POST never saw the call a cancellation names: look it up.
    server.server.setNotificationHandler(CancelledNotificationSchema, ({ params }) => {
      if (params.requestId !== undefined) calls.cancel(client, params.requestId)
    })
    reply.hijack()
    try {
      // No session id generator: stateless.
      const transport = new StreamableHTTPServerTransport()
      await server.connect(transport)
      // Closing the server aborts the calls it is running: on a hang-up, the execution is
      // cancelled (nothing could deliver its answer: no session, no resumable stream). Set
      // up once connected, so a client already gone closes a server that has its transport.
      const cancel = () => void server.close()
      const registered = toolCallIds(request.body).map((id) => calls.add(client, id, cancel))
      whenResponseDone(request.raw, reply.raw, () => {
        for (const remove of registered) remove()
        cancel()
      })
      await transport.handleRequest(request.raw, reply.raw, request.body)
      // The answer is written; a client that does not read it is not waited for forever.
      abandonIfUnread(request.raw, reply.raw, responseTimeoutMs)
    } catch (error) {
      logger.error('MCP request failed', { requestId: request.id, error: describe(error) })
      failHijacked(reply)
    }
  })

  // Stateless: no session to stream server messages on (GET) or to end (DELETE).
  const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .status(405)
      .header('allow', 'POST')
      .send(jsonRpcError('Method not allowed: this MCP server is stateless; POST requests only.'))
  app.get('/mcp', notAllowed)
  app.delete('/mcp', notAllowed)
}

/**
 * The executor as one client's tool calls reach it: each execution takes a slot of the
 * client's quota until it ends, is counted in the metrics, and fails with the error a remote
 * client may see (an `HttpError`, answered as a tool error).
 */
function clientExecutor(client: string, options: McpRoutesOptions): Executor {
  const { executor, limits, metrics, logger } = options
  return {
    config: executor.config,
    node: executor.node,
    execute: async (request) => {
      try {
        const release = await limits.acquire(client)
        try {
          const result = publicResult(await executor.execute(request), logger)
          metrics.recordExecution(result.status, result.durationMs)
          return result
        } finally {
          release()
        }
      } catch (error) {
        const failure = toHttpError(error)
        metrics.recordError(failure.code)
        if (failure.status >= 500) {
          logger[failure.code === 'internal' ? 'error' : 'warn']('MCP tool call failed', {
            error: describe(error),
          })
        }
        throw failure
      }
    },
    close: (closeOptions) => executor.close(closeOptions),
    gauges: () => executor.gauges(),
    readiness: () => executor.readiness(),
  }
}

/** The ids of the `tools/call` requests in a POST body (one message, or a batch). */
function toolCallIds(body: unknown): RequestId[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body]
  return messages.flatMap((message) => {
    const { method, id } = (message ?? {}) as { method?: unknown; id?: unknown }
    const isId = typeof id === 'string' || typeof id === 'number'
    return method === 'tools/call' && isId ? [id] : []
  })
}

/** The Streamable HTTP transport's own error shape, for answers given before it is reached. */
function jsonRpcError(message: string) {
  return { jsonrpc: '2.0', error: { code: -32000, message }, id: null }
}

function failHijacked(reply: FastifyReply): void {
  const response = reply.raw
  if (response.headersSent) {
    response.destroy()
    return
  }
  response.writeHead(500, { 'content-type': 'application/json' })
  response.end(JSON.stringify(jsonRpcError('Internal error; the server log has the details.')))
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
