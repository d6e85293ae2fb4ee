/**
 * The message of an execution whose worker node was lost. It names no host detail, so the
 * HTTP API passes it on as it is (other engine failures are replaced by a generic line).
 */
export const LOST_WORKER_PREFIX = 'The worker running this execution was lost'

export function lostWorkerMessage(why: string): string {
  return `${LOST_WORKER_PREFIX} (${why}); the code may have run partly.`
}

export function isLostWorkerMessage(message: string | null): boolean {
  return message?.startsWith(LOST_WORKER_PREFIX) === true
}
