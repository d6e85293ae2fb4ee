import type { FastifyInstance } from 'fastify'
import type { Logger } from '../logger.js'
import type { Executor } from '../sandbox/executor.js'
import { HttpError } from './http-errors.js'
import type { Metrics } from './metrics.js'

export interface StatusRoutesOptions {
  readonly executor: Executor
  readonly metrics: Metrics
  readonly logger: Logger
  readonly openApi: Record<string, unknown>
}

/** Probes, metrics and the API description. */
export function statusRoutes(app: FastifyInstance, options: StatusRoutesOptions): void {
  const { executor, metrics, logger, openApi } = options

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async () => {
    const readiness = await executor.readiness()
    if (!readiness.ready) {
      // The message may name host details; the client gets the code's public message.
      logger.warn('not ready', { code: readiness.code, message: readiness.message })
      throw new HttpError(readiness.code, readiness.message)
    }
    return { status: 'ready' }
  })

  app.get('/metrics', async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8')
    return metrics.render(await executor.gauges())
  })

  app.get('/openapi.json', async () => openApi)
}
