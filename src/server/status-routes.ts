import type { FastifyInstance } from 'fastify'
import type { ContainerEngine } from '../engine/container-engine.js'
import type { Logger } from '../logger.js'
import type { Sandbox } from '../sandbox/sandbox.js'
import { HttpError } from './http-errors.js'
import type { Metrics } from './metrics.js'

export interface StatusRoutesOptions {
  readonly sandbox: Sandbox
  readonly engine: ContainerEngine
  readonly metrics: Metrics
  readonly logger: Logger
  readonly openApi: Record<string, unknown>
}

/** Probes, metrics and the API description. */
export function statusRoutes(app: FastifyInstance, options: StatusRoutesOptions): void {
  const { sandbox, engine, metrics, logger, openApi } = options

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async () => {
    const image = sandbox.config.code_execution.image
    try {
      await engine.info()
    } catch (error) {
      logger.warn('readiness: engine unreachable', { error: String(error) })
      throw new HttpError('engine_unavailable', 'engine unreachable')
    }
    if (!(await engine.imageExists(image))) throw new HttpError('image_missing', 'image missing')
    return { status: 'ready' }
  })

  app.get('/metrics', async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8')
    return metrics.render({ queueDepth: sandbox.waiting, containersRunning: sandbox.running })
  })

  app.get('/openapi.json', async () => openApi)
}
