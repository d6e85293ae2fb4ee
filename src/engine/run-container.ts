import type { Duplex } from 'node:stream'
import type Docker from 'dockerode'
import type { Logger } from '../logger.js'
import type { ContainerOutcome, RunRequest, StopReason } from './container-engine.js'
import { OutputCollector } from './output-collector.js'

/** After the container exits, how long to wait for the attach stream to deliver the rest. */
const DRAIN_GRACE_MS = 1_000

/**
 * Runs one fresh container: create → attach → start → write stdin → wait, killing it on
 * timeout, output overflow or abort. The container is removed on every path.
 */
export async function runContainer(
  docker: Docker,
  request: RunRequest,
  logger: Logger,
): Promise<ContainerOutcome> {
  const container = await docker.createContainer(request.spec)
  try {
    return await drive(container, request)
  } finally {
    await container.remove({ force: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) {
        logger.warn('could not remove container', { container: container.id, error: String(error) })
      }
    })
  }
}

async function drive(container: Docker.Container, request: RunRequest): Promise<ContainerOutcome> {
  let stopReason: StopReason = 'exited'
  const stop = (reason: StopReason): void => {
    if (stopReason !== 'exited') return
    stopReason = reason
    container.kill({ signal: 'SIGKILL' }).catch(() => {
      // Already exited: nothing to stop.
    })
  }
  const { onOutput } = request
  const stdout = new OutputCollector(
    request.outputLimitBytes,
    () => stop('output_limit'),
    onOutput && ((c) => onOutput('stdout', c)),
  )
  const stderr = new OutputCollector(
    request.outputLimitBytes,
    () => stop('output_limit'),
    onOutput && ((c) => onOutput('stderr', c)),
  )

  const stream = (await container.attach({
    stream: true,
    stdin: true,
    stdout: true,
    stderr: true,
    hijack: true,
  })) as Duplex
  const drained = new Promise<void>((resolve) => {
    stream.once('end', resolve)
    stream.once('close', resolve)
    stream.once('error', () => resolve())
  })
  container.modem.demuxStream(stream, stdout.writable, stderr.writable)

  const onAbort = (): void => stop('aborted')
  let timer: NodeJS.Timeout | undefined
  let startedAt = performance.now()
  try {
    await container.start()
    startedAt = performance.now()
    timer = setTimeout(() => stop('timeout'), request.timeoutMs)
    request.signal?.addEventListener('abort', onAbort, { once: true })
    if (request.signal?.aborted) stop('aborted')
    stream.end(request.stdin)
    await container.wait()
    const runMs = performance.now() - startedAt
    await Promise.race([drained, delay(DRAIN_GRACE_MS)])
    const state = (await container.inspect()).State
    return {
      stopReason,
      exitCode: state.ExitCode,
      oomKilled: state.OOMKilled,
      stdout: stdout.text(),
      stderr: stderr.text(),
      stdoutTruncated: stdout.truncated,
      stderrTruncated: stderr.truncated,
      runMs,
    }
  } finally {
    clearTimeout(timer)
    request.signal?.removeEventListener('abort', onAbort)
    stream.destroy()
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
