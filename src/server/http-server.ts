import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import Fastify, {
  type ConnectionError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'
import type { ServerConfig } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import { queueUrl } from '../queue/queue-url.js'
import type { Executor } from '../sandbox/executor.js'
import { API_KEYS_ENV, type ApiKeys } from './api-keys.js'
import { ClientLimits } from './client-limits.js'
import type { ClientQuota } from './client-quota.js'
import { abandonIfUnread, connectionTimeouts } from './connection-limits.js'
import { executionRoutes } from './execution-routes.js'
import { HttpError, toClientError, toHttpError } from './http-errors.js'
import type { IdempotencyStore } from './idempotency.js'
import { MemoryIdempotencyStore } from './idempotency-memory-store.js'
import { isLoopbackHost } from './loopback.js'
import { mcpRoutes } from './mcp-routes.js'
import { Metrics } from './metrics.js'
import { openApiDocument } from './openapi.js'
import { statusRoutes } from './status-routes.js'

export interface HttpServerOptions {
  /** Executions go here, and `/readyz` and `/metrics` ask it; `close()` closes it too. */
  readonly executor: Executor
  readonly apiKeys: ApiKeys
  /** @default the executor config's `server` section */
  readonly server?: ServerConfig
  /** @default silent */
  readonly logger?: Logger
  /** Reported in /openapi.json. @default '0.0.0' */
  readonly version?: string
}

export interface HttpCloseOptions {
  /** How long in-flight executions may finish before they are cancelled. @default server.shutdown_grace_seconds */
  readonly graceMs?: number
}

/** Routes anyone may call: probes and the API description. Everything else needs a key when keys exist. */
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/openapi.json'])

/**
 * The HTTP API over one executor (this host's sandbox, or the queue). Loopback by default;
 * any other address needs API keys. Errors are always `{ error: { code, message } }`, with the status from one table.
 */
export class HttpServer {
  readonly #app: FastifyInstance
  readonly #executor: Executor
  readonly #config: ServerConfig
  readonly #state: ServerState
  readonly #quota: ClientQuota
  readonly #idempotency: IdempotencyStore
  #closing: Promise<void> | undefined

  private constructor(
    app: FastifyInstance,
    executor: Executor,
    config: ServerConfig,
    state: ServerState,
    quota: ClientQuota,
    idempotency: IdempotencyStore,
  ) {
    this.#app = app
    this.#executor = executor
    this.#config = config
    this.#state = state
    this.#quota = quota
    this.#idempotency = idempotency
  }

  /** Builds the app and listens; refuses a non-loopback address without API keys. */
  static async start(options: HttpServerOptions): Promise<HttpServer> {
    const config = options.server ?? options.executor.config.server
    if (!isLoopbackHost(config.host) && !options.apiKeys.configured) {
      throw new ConfigError('server.host', [
        {
          path: 'server.host',
          message: `refusing to listen on \`${config.host}\` without API keys: set ${API_KEYS_ENV} or server.api_key_file, or bind 127.0.0.1`,
        },
      ])
    }
    const state: ServerState = { closing: false }
    const quota = await clientQuota(options, config)
    const idempotency = await idempotencyStore(options, config)
    const app = buildApp(options, config, state, quota, idempotency)
    try {
      await app.listen({ host: config.host, port: config.port })
    } catch (error) {
      await Promise.all([quota.close(), idempotency.close()])
      throw error
    }
    return new HttpServer(app, options.executor, config, state, quota, idempotency)
  }

  /** `http://host:port`, with the port actually bound. */
  get url(): string {
    const address = this.#app.server.address()
    if (address === null || typeof address === 'string') return String(address)
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `http://${host}:${address.port}`
  }

  /**
   * Stops accepting connections, lets in-flight executions finish within the grace period,
   * cancels the rest (their containers are removed), and resolves once every response is sent.
   */
  close(options: HttpCloseOptions = {}): Promise<void> {
    this.#closing ??= (async () => {
      this.#state.closing = true
      const stopped = this.#app.close()
      await this.#executor.close({
        graceMs: options.graceMs ?? this.#config.shutdown_grace_seconds * 1_000,
      })
      // Keep-alive connections that were busy when close() began would hold it open forever
      // once their last response is out; close each as it goes idle.
      const sweep = setInterval(() => this.#app.server.closeIdleConnections(), 50)
      try {
        await stopped
      } finally {
        clearInterval(sweep)
        // Every answer is out; a release that has not run yet is handed back by close().
        await Promise.all([this.#quota.close(), this.#idempotency.close()])
      }
    })()
    return this.#closing
  }
}

interface ServerState {
  closing: boolean
}

/** Cluster-wide quotas in the queue's Redis when `queue.url` is set; this process's own otherwise. */
async function clientQuota(options: HttpServerOptions, config: ServerConfig): Promise<ClientQuota> {
  const limits = { perMinute: config.rate_limit_per_minute, concurrent: config.concurrency_per_key }
  const { executor } = options
  const url = queueUrl(executor.config)
  if (url === undefined) return new ClientLimits(limits)
  // Imported only here: single-host use never loads the Redis client.
  const { RedisClientLimits } = await import('./redis-client-limits.js')
  return await RedisClientLimits.create({
    ...limits,
    url,
    queueName: executor.config.queue.name,
    node: executor.node,
    logger: options.logger ?? silentLogger,
  })
}

/** Idempotency-Key answers in the queue's Redis when `queue.url` is set, so any API node replays them; this process's own otherwise. */
async function idempotencyStore(
  options: HttpServerOptions,
  config: ServerConfig,
): Promise<IdempotencyStore> {
  const ttlMs = Math.round(config.idempotency_ttl_seconds * 1_000)
  const { executor } = options
  const url = queueUrl(executor.config)
  if (url === undefined) return new MemoryIdempotencyStore({ ttlMs })
  // Imported only here: single-host use never loads the Redis client.
  const { RedisIdempotencyStore } = await import('./idempotency-redis-store.js')
  return await RedisIdempotencyStore.create({
    url,
    queueName: executor.config.queue.name,
    ttlMs,
    node: executor.node,
    logger: options.logger ?? silentLogger,
  })
}

function buildApp(
  options: HttpServerOptions,
  config: ServerConfig,
  state: ServerState,
  quota: ClientQuota,
  idempotency: IdempotencyStore,
): FastifyInstance {
  const logger = options.logger ?? silentLogger
  const metrics = new Metrics()
  const answerError = errorAnswerer(metrics, logger)
  const responseTimeoutMs = config.response_timeout_seconds * 1_000
  const { http: httpTimeouts, ...timeouts } = connectionTimeouts(config)
  const app = Fastify({
    logger: false,
    bodyLimit: config.body_limit_bytes,
    ...timeouts,
    genReqId: () => randomUUID(),
    // Fastify's own 503 has another body shape; the hook below answers `shut_down` instead.
    return503OnClosing: false,
    // Fastify would call a body with a `__proto__` or `constructor` key "not valid JSON". The
    // body only ever meets the strict request schema, which refuses such a key by its path.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // A malformed URL, unparseable HTTP and oversized headers get the one error shape too.
    frameworkErrors: (error, request, reply) => void answerError(error, request, reply),
    clientErrorHandler: (error, socket) => answerClientError(error, socket, metrics),
    // Node's own refusal of an HTTP/1.1 request without Host has no body; the hook answers it.
    http: { ...httpTimeouts, requireHostHeader: false },
  })
  // Node answers an `Expect` other than 100-continue with a bodyless 417; HTTP allows
  // ignoring it instead, so such a request is answered as any other.
  app.server.on('checkExpectation', app.routing)
  // Only JSON bodies: a text/plain body is a 415, not a string the schema then refuses.
  app.removeContentTypeParser('text/plain')
  app.decorateRequest('client', 'anonymous')
  app.addHook('onRequest', async (request, reply) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new HttpError('malformed_request', 'An HTTP/1.1 request needs a `Host` header.')
    }
    if (state.closing) {
      reply.header('connection', 'close')
      throw new HttpError('shut_down', 'shutting down')
    }
    if (!OPEN_ROUTES.has(request.routeOptions.url ?? '')) {
      request.client = authenticate(request, options.apiKeys)
    }
    // Answered from the headers, so no body is read for a route that does not exist.
    if (request.is404) throw notFound(request)
  })
  app.addHook('onSend', async (request, reply, payload) => {
    // An answer given before the whole body arrived (401, 404, 429) would leave Node reading
    // and discarding the rest: the connection is closed instead, and so it is after any 401.
    if (!request.raw.complete || reply.statusCode === 401) reply.header('connection', 'close')
    abandonIfUnread(request.raw, reply.raw, responseTimeoutMs)
    return payload
  })
  app.setErrorHandler(answerError)
  app.setNotFoundHandler(async (request) => {
    throw notFound(request)
  })
  statusRoutes(app, {
    executor: options.executor,
    metrics,
    logger,
    openApi: openApiDocument(options.version ?? '0.0.0'),
  })
  executionRoutes(app, {
    executor: options.executor,
    limits: quota,
    idempotency,
    responseTimeoutMs,
    metrics,
    logger,
  })
  mcpRoutes(app, {
    executor: options.executor,
    limits: quota,
    host: config.host,
    responseTimeoutMs,
    metrics,
    logger,
    version: options.version ?? '0.0.0',
  })
  return app
}

/** Answers anything thrown while handling a request as `{ error: { code, message } }`. */
function errorAnswerer(metrics: Metrics, logger: Logger) {
  return async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const failure = toHttpError(error)
    metrics.recordError(failure.code)
    if (failure.status >= 500) {
      // Expected during a drain or an engine outage; only a bug of ours is an error.
      logger[failure.code === 'internal' ? 'error' : 'warn']('request failed', {
        requestId: request.id,
        url: request.url,
        error: describe(error),
      })
    }
    if (failure.retryAfterSeconds !== undefined)
      reply.header('retry-after', String(failure.retryAfterSeconds))
    if (failure.code === 'unauthorized') reply.header('www-authenticate', 'Bearer')
    return reply.status(failure.status).send(failure.toJSON())
  }
}

/** Node's parser refuses some requests before Fastify sees one: answered on the socket itself. */
function answerClientError(error: ConnectionError, socket: Socket, metrics: Metrics): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const failure = toClientError(error)
  metrics.recordError(failure.code)
  const body = JSON.stringify(failure.toJSON())
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy(error)
}

/** The client's identity for quotas; without configured keys everyone is `anonymous`. */
function authenticate(request: FastifyRequest, keys: ApiKeys): string {
  if (!keys.configured) return 'anonymous'
  const header = request.headers.authorization
  if (header === undefined) {
    throw new HttpError(
      'unauthorized',
      'This server needs an API key: send `Authorization: Bearer KEY`.',
    )
  }
  const match = /^Bearer (\S+)$/i.exec(header)
  const client = match?.[1] === undefined ? undefined : keys.identify(match[1])
  if (client === undefined) throw new HttpError('unauthorized', 'The API key is not valid.')
  return client
}

function notFound(request: FastifyRequest): HttpError {
  return new HttpError(
    'not_found',
    `No route ${request.method} ${request.url.split('?')[0]}; see /openapi.json.`,
  )
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
