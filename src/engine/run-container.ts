import type Docker from 'dockerode'
import type { Logger } from '../logger.js'
import type { ContainerOutcome, RunRequest } from './container-engine.js'
import { DockerStartedContainer } from './docker-started-container.js'

/**
 * Runs one fresh container, cold: create → attach → start → write stdin → result, killing
 * it on timeout, output overflow or abort. The container is removed on every path.
 */
export async function runContainer(
  docker: Docker,
  request: RunRequest,
  logger: Logger,
): Promise<ContainerOutcome> {
  const { spec, ...execution } = request
  const started = await DockerStartedContainer.start(docker, spec, logger)
  try {
    return await started.execute(execution)
  } finally {
    await started.discard()
  }
}
