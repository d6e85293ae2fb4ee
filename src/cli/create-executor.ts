import type { SandboxConfig } from '../config/schema.js'
import type { ContainerEngine } from '../engine/container-engine.js'
import type { Logger } from '../logger.js'
import { queueUrl } from '../queue/queue-url.js'
import type { Executor } from '../sandbox/executor.js'
import { Sandbox } from '../sandbox/sandbox.js'

export interface CreateExecutorOptions {
  readonly config: SandboxConfig
  readonly logger: Logger
  /** @default a Docker engine from DOCKER_HOST or /var/run/docker.sock */
  readonly engine?: ContainerEngine | undefined
}

/**
 * Where `serve`, `mcp` and `run` send executions: worker nodes through the shared queue
 * when `queue.url` (or its env var) is set, else this host's sandbox.
 */
export async function createExecutor(options: CreateExecutorOptions): Promise<Executor> {
  const { config, logger, engine } = options
  const url = queueUrl(config)
  if (url !== undefined) {
    // Imported only here: single-host use never loads BullMQ.
    const { QueueExecutor } = await import('../queue/queue-executor.js')
    return await QueueExecutor.create({ config, url, logger })
  }
  return await Sandbox.create({ config, logger, ...(engine === undefined ? {} : { engine }) })
}
