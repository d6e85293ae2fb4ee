import { InvalidArgumentError } from '../../errors.js'
import { QUEUE_URL_ENV, queueUrl } from '../../queue/queue-url.js'
import { QueueWorker } from '../../queue/queue-worker.js'
import { Sandbox } from '../../sandbox/sandbox.js'
import { loadContext } from '../cli-context.js'
import { EXIT } from '../exit-codes.js'
import type { ParsedCommand } from '../parse-command.js'
import { FATAL_GRACE_MS, installProcessGuards } from '../process-guards.js'
import { nextSignal } from '../signals.js'

/**
 * `worker`: a worker node. Takes executions from the shared queue (`queue.url`) and runs
 * them on this host's engine and warm pool until SIGTERM or SIGINT; then drains: no new
 * job, running ones get `server.shutdown_grace_seconds`, then are cancelled. A second
 * signal cancels at once.
 */
export async function workerCommand(command: ParsedCommand): Promise<number> {
  const { config, logger } = await loadContext(command.values.config, true)
  const url = queueUrl(config)
  if (url === undefined)
    throw new InvalidArgumentError(
      `A worker needs the queue's Redis URL: set queue.url in the config or ${QUEUE_URL_ENV}.`,
    )
  const sandbox = await Sandbox.create({ config, logger })
  let worker: QueueWorker | undefined
  installProcessGuards({
    logger,
    onFatal: () => (worker ?? sandbox).close({ graceMs: FATAL_GRACE_MS }),
  })
  try {
    worker = await QueueWorker.start({ config, url, executor: sandbox, logger })
  } catch (error) {
    await sandbox.close()
    throw error
  }
  process.stdout.write(
    `tinyagent-sandbox: worker ${sandbox.node} taking jobs from queue ${config.queue.name}\n`,
  )
  const signal = await nextSignal()
  const graceSeconds = config.server.shutdown_grace_seconds
  logger.info('draining', { signal, graceSeconds })
  const closed = worker.close({ graceMs: graceSeconds * 1_000 })
  void nextSignal().then(() => sandbox.close())
  await closed
  process.stdout.write('tinyagent-sandbox: worker stopped; no containers left.\n')
  return EXIT.ok
}
