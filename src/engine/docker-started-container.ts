import type { Duplex } from 'node:stream'
import type Docker from 'dockerode'
import type { ContainerCreateOptions } from 'dockerode'
import type { Logger } from '../logger.js'
import { CodeOutput } from './code-output.js'
import type {
  ContainerOutcome,
  ExecuteRequest,
  StartedContainer,
  StopReason,
} from './container-engine.js'
import { ContainerGone, StoppedContainer } from './container-proofs.js'
import { EndOfRunWatch } from './end-of-run-watch.js'
import { killedByEngineSince } from './engine-kill-events.js'
import { LABEL_EXECUTION } from './labels.js'
import { OutputRouter } from './output-router.js'

/** After the container exits, how long to wait for the attach stream to deliver the rest. */
const DRAIN_GRACE_MS = 1_000

/** How long a warm runner may take to preload and say it is ready. */
const READY_TIMEOUT_MS = 60_000

/** Exit codes above this mean the main process died of a signal (128 + its number). */
const SIGNAL_EXIT_BASE = 128

/**
 * One container, created, attached and started, its runner blocked on stdin. Output that
 * arrives before `execute` (say, a warning while preloading) is dropped: it is not the code's.
 */
export class DockerStartedContainer implements StartedContainer {
  readonly #docker: Docker
  readonly #container: Docker.Container
  readonly #stream: Duplex
  readonly #logger: Logger
  readonly #router: OutputRouter
  readonly #executionId: string
  /** Settles (never rejects) when the attach stream has ended: the container is gone. */
  readonly #drained: Promise<void>
  #alive = true
  #used = false
  #exited: Promise<void> | undefined

  private constructor(
    docker: Docker,
    container: Docker.Container,
    stream: Duplex,
    logger: Logger,
    executionId: string,
  ) {
    this.#executionId = executionId
    this.#docker = docker
    this.#container = container
    this.#stream = stream
    this.#logger = logger
    this.#router = new OutputRouter()
    this.#drained = new Promise<void>((resolve) => {
      const gone = (): void => {
        this.#alive = false
        resolve()
      }
      stream.once('end', gone)
      stream.once('close', gone)
      stream.once('error', gone)
    })
    container.modem.demuxStream(
      stream,
      this.#router.writable('stdout'),
      this.#router.writable('stderr'),
    )
  }

  /**
   * Create → attach → start. With `readyMarker`, also waits until the runner has written it
   * (a warm runner preloads modules first). A failure after create removes the container and
   * rethrows the original error.
   */
  static async start(
    docker: Docker,
    spec: ContainerCreateOptions,
    logger: Logger,
    readyMarker?: string,
  ): Promise<DockerStartedContainer> {
    const container = await docker.createContainer(spec)
    let started: DockerStartedContainer | undefined
    try {
      const stream = (await container.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as Duplex
      const executionId = spec.Labels?.[LABEL_EXECUTION] ?? container.id
      started = new DockerStartedContainer(docker, container, stream, logger, executionId)
      await container.start()
      if (readyMarker !== undefined) await started.#waitForReady(readyMarker)
      return started
    } catch (error) {
      if (started !== undefined) started.#stream.destroy()
      await container.remove({ force: true }).catch((cleanup: unknown) => {
        logger.warn('could not remove a container that failed to start', {
          container: container.id,
          error: String(cleanup),
        })
      })
      throw error
    }
  }

  /** Resolves when the runner's ready marker shows on stdout; rejects if the container goes or takes too long. */
  #waitForReady(marker: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the runner did not become ready within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      )
    })
    const exited = this.#drained.then(() => {
      throw new Error('the container exited before its runner became ready')
    })
    return Promise.race([this.#router.waitForEarly(marker), exited, timedOut]).finally(() =>
      clearTimeout(timer),
    )
  }

  get id(): string {
    return this.#container.id
  }

  get alive(): boolean {
    return this.#alive
  }

  async execute(request: ExecuteRequest): Promise<ContainerOutcome> {
    if (this.#used) throw new Error('a started container runs one execution only')
    this.#used = true
    let stopReason: StopReason = 'exited'
    const stop = (reason: StopReason): void => {
      if (stopReason !== 'exited') return
      stopReason = reason
      void this.#kill()
    }
    const watch = request.endOfRun && new EndOfRunWatch(request.endOfRun)
    let complete = (): void => {}
    const completed = new Promise<'complete'>((resolve) => {
      complete = () => resolve('complete')
    })
    const output = new CodeOutput({
      limitBytes: request.outputLimitBytes,
      markers: request.endOfRun,
      reportBytes: request.reportLimitBytes ?? 0,
      onOverflow: () => stop('output_limit'),
      onKept: request.onOutput,
    })
    this.#router.attach((stream, chunk) => {
      output.push(stream, chunk)
      if (watch === undefined) return
      watch.push(stream, chunk)
      if (watch.complete) complete()
    })

    const onAbort = (): void => stop('aborted')
    const startedAt = performance.now()
    const startedAtSeconds = Math.floor(Date.now() / 1000)
    const timer = setTimeout(() => stop('timeout'), request.timeoutMs)
    request.signal?.addEventListener('abort', onAbort, { once: true })
    if (request.signal?.aborted) stop('aborted')
    try {
      this.#stream.end(request.stdin)
      const ended = await Promise.race([completed, this.#exit()])
      const runMs = performance.now() - startedAt
      const byRunner = ended === 'complete' && stopReason === 'exited'
      if (!byRunner) await Promise.race([this.#drained, delay(DRAIN_GRACE_MS)])
      output.end()
      const state = byRunner ? undefined : (await this.#container.inspect()).State
      const exitCode = state?.ExitCode ?? null
      const signalled = stopReason === 'exited' && exitCode !== null && exitCode > SIGNAL_EXIT_BASE
      return {
        stopReason,
        exitCode,
        oomKilled: state?.OOMKilled ?? false,
        stoppedByEngine:
          signalled &&
          (await killedByEngineSince(this.#docker, this.id, startedAtSeconds, this.#logger)),
        stdout: output.text('stdout'),
        stderr: output.text('stderr'),
        stdoutTruncated: output.truncated('stdout'),
        stderrTruncated: output.truncated('stderr'),
        report: output.report,
        runMs,
      }
    } finally {
      clearTimeout(timer)
      request.signal?.removeEventListener('abort', onAbort)
    }
  }

  async stop(): Promise<StoppedContainer> {
    // A runner that has reported exits at once, and the wait for the exit is in flight
    // already: the kill is for a container that goes on (a child of the code, a timeout).
    const killed = this.#kill()
    await this.#exit()
    await killed
    return new StoppedContainer(this.#executionId)
  }

  /**
   * Resolves when the engine says the container is not running (a container already gone
   * counts). One request per container, made when first asked and shared after.
   */
  #exit(): Promise<void> {
    this.#exited ??= this.#container.wait({ condition: 'not-running' }).then(
      () => undefined,
      (error: { statusCode?: number }) => {
        if (error.statusCode !== 404) {
          this.#exited = undefined
          throw error
        }
      },
    )
    return this.#exited
  }

  async discard(): Promise<ContainerGone> {
    this.#alive = false
    this.#stream.destroy()
    try {
      await this.#container.remove({ force: true })
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode
      // 404: gone already. 409: someone else is removing it; wait until it is gone.
      if (status === 409) {
        await this.#container.wait({ condition: 'removed' }).catch(() => undefined)
        const left = await this.#container.inspect().then(
          () => true,
          (inspectError: { statusCode?: number }) => inspectError.statusCode !== 404,
        )
        if (!left) return new ContainerGone(this.#executionId)
      }
      if (status !== 404) {
        this.#logger.warn('could not remove container', {
          container: this.id,
          error: String(error),
        })
        // An engine that cannot remove it (down, restarting) cannot vouch for the run either.
        throw error
      }
    }
    return new ContainerGone(this.#executionId)
  }

  /** Never rejects: a container that is not running (409) or gone (404) needs no kill. */
  async #kill(): Promise<void> {
    await this.#container.kill({ signal: 'SIGKILL' }).catch((error: { statusCode?: number }) => {
      if (error.statusCode === 404 || error.statusCode === 409) return
      this.#logger.warn('could not kill container', { container: this.id, error: String(error) })
    })
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
