import type { Logger } from '../logger.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { isLostWorkerMessage } from '../sandbox/lost-worker.js'

/**
 * A result as a remote client may see it: an engine failure's message names the engine's
 * endpoint, so clients get a plain one and the server log the original. A lost worker's
 * message names no host detail and is passed on.
 */
export function publicResult(result: ExecutionResult, logger: Logger): ExecutionResult {
  if (result.status !== 'engine_error') return result
  if (isLostWorkerMessage(result.message)) return result
  logger.error('engine failure during an execution', { id: result.id, message: result.message })
  return { ...result, message: 'The container engine failed; the server log has the details.' }
}
