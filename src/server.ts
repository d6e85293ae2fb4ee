/** `tinyagent-sandbox/server`: the HTTP API (fastify) over any Executor (docs/api.md). */
export { API_KEYS_ENV, ApiKeys } from './server/api-keys.js'
export { type HttpCloseOptions, HttpServer, type HttpServerOptions } from './server/http-server.js'
