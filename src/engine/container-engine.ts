import type { ContainerCreateOptions } from 'dockerode'

/** Why a container stopped: on its own (or its runner said it was done), or because we killed it. */
export type StopReason = 'exited' | 'timeout' | 'output_limit' | 'aborted'

/** Receives output as the container writes it (within the output limit), e.g. to stream it. */
export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void

/** What the output so far looks like at its end, for deciding whether a run is complete. */
export interface OutputTails {
  /** The last `bytes` bytes of a stream's kept output. */
  tail(stream: 'stdout' | 'stderr', bytes: number): string
}

/** What to run in a container that is already started (or about to be). */
export interface ExecuteRequest {
  /** Written to the container's stdin, then closed. */
  readonly stdin: string
  /** Wall clock from the moment stdin is written; past it the container is killed. */
  readonly timeoutMs: number
  /** Cap on each of stdout and stderr; past it the container is killed. */
  readonly outputLimitBytes: number
  /**
   * Extra room on stderr for the runner's closing report (charts, tables), which is not the
   * code's output; the caller cuts the code's own stderr back to `outputLimitBytes`. @default 0
   */
  readonly stderrAllowanceBytes?: number | undefined
  readonly signal?: AbortSignal | undefined
  readonly onOutput?: OutputListener | undefined
  /**
   * Called as output arrives; true means the runner has reported its result, so the run is
   * over without waiting for the container to exit (the exit code is then the runner's to say).
   */
  readonly isComplete?: ((output: OutputTails) => boolean) | undefined
}

export interface RunRequest extends ExecuteRequest {
  readonly spec: ContainerCreateOptions
}

export interface ContainerOutcome {
  readonly stopReason: StopReason
  /** The main process's exit code; null if it never started, or the run ended by `isComplete`. */
  readonly exitCode: number | null
  /** The kernel's OOM killer ended a process in the container. */
  readonly oomKilled: boolean
  /**
   * The engine stopped or killed the container while it ran, and we had not asked it to: the
   * engine shutting down, or a `docker stop`/`kill` from outside. Code inside the container
   * cannot cause this (it leaves no engine event), so it cannot pass its own exit for it.
   */
  readonly stoppedByEngine: boolean
  readonly stdout: string
  readonly stderr: string
  readonly stdoutTruncated: boolean
  readonly stderrTruncated: boolean
  /** From stdin written to the end of the run. */
  readonly runMs: number
}

/** A created, attached and started container whose runner waits for its code: one use only. */
export interface StartedContainer {
  readonly id: string
  /** False once the container has gone (exited, killed, removed from outside). */
  readonly alive: boolean
  /** Runs the request in this container. Throws only for engine failures. */
  execute(request: ExecuteRequest): Promise<ContainerOutcome>
  /** Kills and removes the container; a container already gone is not an error, an engine that cannot remove it is. */
  discard(): Promise<void>
}

export interface EngineInfo {
  /** Where the engine was reached, e.g. `unix:///var/run/docker.sock`. */
  readonly endpoint: string
  readonly serverVersion: string
  readonly runtimes: readonly string[]
  readonly defaultRuntime: string
}

export interface ManagedContainer {
  readonly id: string
  readonly instanceId: string
  /** `hostname/pid` of the process that created it. */
  readonly owner: string
  readonly state: string
}

/**
 * Everything the sandbox needs from a container engine. The Docker implementation is the
 * only code that touches dockerode; the orchestrator sees only this.
 */
export interface ContainerEngine {
  /** Creates, runs and always removes one container. Throws only for engine failures. */
  run(request: RunRequest): Promise<ContainerOutcome>
  /**
   * Creates and starts a container that waits for its code (for a warm pool); with
   * `readyMarker`, resolves only once the runner has written it to stdout.
   */
  start(spec: ContainerCreateOptions, readyMarker?: string): Promise<StartedContainer>
  info(): Promise<EngineInfo>
  imageExists(image: string): Promise<boolean>
  /** The Debian packages the image was built with (its build label), or undefined when it is missing. */
  imagePackages(image: string): Promise<string[] | undefined>
  /** Containers carrying our labels, optionally of one orchestrator instance only. */
  listManaged(instanceId?: string): Promise<ManagedContainer[]>
  /** Force-removes a container; a container already gone is not an error. */
  remove(id: string): Promise<void>
}
