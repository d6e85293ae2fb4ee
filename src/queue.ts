/**
 * `tinyagent-sandbox/queue`: scale-out over Redis (BullMQ): the API node's executor and the
 * worker node (docs/scale-out.md).
 */
export { QueueExecutor, type QueueExecutorOptions } from './queue/queue-executor.js'
export { QUEUE_URL_ENV, queueUrl } from './queue/queue-url.js'
export { type LocalExecutor, QueueWorker, type QueueWorkerOptions } from './queue/queue-worker.js'
