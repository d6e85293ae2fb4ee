import type Docker from 'dockerode'
import type { Logger } from '../logger.js'

/**
 * Whether the engine logged a `kill` of this container since `sinceSeconds`. Called only for
 * a run we did not stop, so one means the engine stopped it: shutting down, or a `docker
 * stop`/`kill` from outside. An engine that no longer answers counts as one too.
 */
export async function killedByEngineSince(
  docker: Docker,
  containerId: string,
  sinceSeconds: number,
  logger: Logger,
): Promise<boolean> {
  try {
    const events = await docker.getEvents({
      since: sinceSeconds,
      until: Math.ceil(Date.now() / 1000) + 1,
      filters: { container: [containerId], event: ['kill'] },
    })
    let text = ''
    for await (const chunk of events) text += String(chunk)
    return text.trim() !== ''
  } catch (error) {
    logger.warn('could not read the engine events of a signalled container', {
      container: containerId,
      error: String(error),
    })
    return true
  }
}
