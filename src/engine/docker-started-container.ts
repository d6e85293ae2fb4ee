import { type Duplex, Writable } from 'node:stream'
import type Docker from 'dockerode'
import type { ContainerCreateOptions } from 'dockerode'
import type { Logger } from '../logger.js'
import type {
  ContainerOutcome,
  ExecuteRequest,
  StartedContainer,
  StopReason,
} from './container-engine.js'
import { OutputCollector } from './output-collector.js'

/** After the container exits, how long to wait for the attach stream to deliver the rest. */
const DRAIN_GRACE_MS = 1_000

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
  readonly #drained: Promise<void>
  #sinks: { stdout: Writable; stderr: Writable } | undefined
  #alive = true
  #used = false
  /** Stdout seen before `execute`, kept only while waiting for a ready marker. */
  #early = ''
  #onEarlyOutput: (() => void) | undefined

  private constructor(docker: Docker, container: Docker.Container, stream: Duplex, logger: Logger) {
    this.#docker = docker
    this.#container = container
    this.#stream = stream
    this.#logger = logger
    this.#drained = new Promise<void>((resolve) => {
      const gone = (): void => {
        this.#alive = false
        resolve()
      }
      stream.once('end', gone)
      stream.once('close', gone)
      stream.once('error', gone)
    })
    container.modem.demuxStream(stream, this.#router('stdout'), this.#router('stderr'))
  }

  /**
   * Create → attach → start. With `readyMarker`, also waits until the runner has written it
   * (a warm runner preloads modules first). A failure after create removes the container and
   * rethrows.
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
      started = new DockerStartedContainer(docker, container, stream, logger)
      const ready = readyMarker === undefined ? Promise.resolve() : started.#waitFor(readyMarker)
      await container.start()
      await ready
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

  /** Resolves when `marker` shows on stdout; rejects if the container goes or takes too long. */
  #waitFor(marker: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the runner did not become ready within 60 s')),
        60_000,
      )
      this.#onEarlyOutput = () => {
        if (!this.#early.includes(marker)) return
        clearTimeout(timer)
        this.#onEarlyOutput = undefined
        this.#early = ''
        resolve()
      }
      void this.#drained.then(() => {
        clearTimeout(timer)
        reject(new Error('the container exited before its runner became ready'))
      })
    })
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
      this.#container.kill({ signal: 'SIGKILL' }).catch(() => {
        // Already exited: nothing to stop.
      })
    }
    let complete = (): void => {}
    const completed = new Promise<'complete'>((resolve) => {
      complete = () => resolve('complete')
    })
    const { onOutput, isComplete } = request
    const collectors = {
      stdout: new OutputCollector(
        request.outputLimitBytes,
        () => stop('output_limit'),
        (chunk) => onOutput?.('stdout', chunk),
      ),
      stderr: new OutputCollector(
        request.outputLimitBytes + (request.stderrAllowanceBytes ?? 0),
        () => stop('output_limit'),
        (chunk) => onOutput?.('stderr', chunk),
      ),
    }
    const tails = {
      tail: (stream: 'stdout' | 'stderr', bytes: number) => collectors[stream].tail(bytes),
    }
    const check = (): void => {
      if (isComplete?.(tails)) complete()
    }
    this.#sinks = {
      stdout: sinkTo(collectors.stdout, check),
      stderr: sinkTo(collectors.stderr, check),
    }

    const onAbort = (): void => stop('aborted')
    const startedAt = performance.now()
    const startedAtSeconds = Math.floor(Date.now() / 1000)
    const timer = setTimeout(() => stop('timeout'), request.timeoutMs)
    request.signal?.addEventListener('abort', onAbort, { once: true })
    if (request.signal?.aborted) stop('aborted')
    try {
      this.#stream.end(request.stdin)
      const ended = await Promise.race([completed, this.#container.wait()])
      const runMs = performance.now() - startedAt
      const byRunner = ended === 'complete' && stopReason === 'exited'
      if (!byRunner) await Promise.race([this.#drained, delay(DRAIN_GRACE_MS)])
      const state = byRunner ? undefined : (await this.#container.inspect()).State
      const exitCode = state?.ExitCode ?? null
      const signalled = stopReason === 'exited' && exitCode !== null && exitCode > SIGNAL_EXIT_BASE
      return {
        stopReason,
        exitCode,
        oomKilled: state?.OOMKilled ?? false,
        stoppedByEngine: signalled && (await this.#killedByEngineSince(startedAtSeconds)),
        stdout: collectors.stdout.text(),
        stderr: collectors.stderr.text(),
        stdoutTruncated: collectors.stdout.truncated,
        stderrTruncated: collectors.stderr.truncated,
        runMs,
      }
    } finally {
      clearTimeout(timer)
      request.signal?.removeEventListener('abort', onAbort)
    }
  }

  async discard(): Promise<void> {
    this.#alive = false
    this.#stream.destroy()
    await this.#container.remove({ force: true }).catch((error: { statusCode?: number }) => {
      // Gone already (404), or being removed by someone else (409): nothing left to do.
      if (error.statusCode === 404 || error.statusCode === 409) return
      this.#logger.warn('could not remove container', {
        container: this.#container.id,
        error: String(error),
      })
      // An engine that cannot remove it (down, restarting) cannot vouch for the run either.
      throw error
    })
  }

  /**
   * Whether the engine logged a `kill` of this container since `sinceSeconds`. We sent none
   * (the run was not stopped by us), so one means the engine stopped it: shutting down, or a
   * `docker stop`/`kill` from outside. An engine that no longer answers counts as one too.
   */
  async #killedByEngineSince(sinceSeconds: number): Promise<boolean> {
    try {
      const events = await this.#docker.getEvents({
        since: sinceSeconds,
        until: Math.ceil(Date.now() / 1000) + 1,
        filters: { container: [this.#container.id], event: ['kill'] },
      })
      let text = ''
      for await (const chunk of events) text += String(chunk)
      return text.trim() !== ''
    } catch (error) {
      this.#logger.warn('could not read the engine events of a signalled container', {
        container: this.#container.id,
        error: String(error),
      })
      return true
    }
  }

  /** Sends one demultiplexed stream to whoever is executing now, or nowhere before that. */
  #router(stream: 'stdout' | 'stderr'): Writable {
    return new Writable({
      write: (chunk: Buffer, encoding, callback) => {
        const sink = this.#sinks?.[stream]
        if (sink !== undefined) return sink.write(chunk, encoding, callback)
        if (stream === 'stdout' && this.#onEarlyOutput !== undefined) {
          this.#early += chunk.toString('utf8')
          this.#onEarlyOutput()
        }
        callback()
      },
    })
  }
}

function sinkTo(collector: OutputCollector, afterWrite: () => void): Writable {
  return new Writable({
    write: (chunk: Buffer, encoding, callback) => {
      collector.writable.write(chunk, encoding, (error) => {
        afterWrite()
        callback(error)
      })
    },
  })
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
