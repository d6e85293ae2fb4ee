import type { ContainerCreateOptions } from 'dockerode'
import type { ContainerGone, StoppedContainer } from './container-proofs.js'
import type { EndOfRunMarkers } from './end-of-run-watch.js'

/** Why a container stopped: on its own (or its runner said it was done), or because we killed it. */
export type StopReason = 'exited' | 'timeout' | 'output_limit' | 'aborted'

/** Receives output as the container writes it (within the output limit), e.g. to stream it. */
export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void

/** What to run in a container that is already started (or about to be). */
export interface ExecuteRequest {
  /** Written to the container's stdin, then closed. */
  readonly stdin: string
  /** Wall clock from the moment stdin is written; past it the container is killed. */
  readonly timeoutMs: number
  /**
   * Cap on what the code writes to each of stdout and stderr (the runner's markers and
   * report do not count); past it the container is killed. Streamed and returned output
   * alike end at the cap.
   */
  readonly outputLimitBytes: number
  /** The largest runner report (the frame's body: value, charts, table) kept. @default 0 */
  readonly reportLimitBytes?: number | undefined
  readonly signal?: AbortSignal | undefined
  readonly onOutput?: OutputListener | undefined
  /**
   * What the runner writes once it has reported its result: when both are seen, the run is
   * over without waiting for the container to exit (the exit code is then the runner's to
   * say). Without them, the run ends when the container exits. They are never the code's
   * output: both are taken out of it, and the last report is returned beside it.
   */
  readonly endOfRun?: EndOfRunMarkers | undefined
}

export interface ContainerOutcome {
  readonly stopReason: StopReason
  /** The main process's exit code; null if it never started, or the run ended on `endOfRun`. */
  readonly exitCode: number | null
  /** The kernel's OOM killer ended a process in the container. */
  readonly oomKilled: boolean
  /**
   * The engine stopped or killed the container while it ran, and we had not asked it to: the
   * engine shutting down, or a `docker stop`/`kill` from outside. Code inside the container
   * cannot cause this (it leaves no engine event), so it cannot pass its own exit for it.
   */
  readonly stoppedByEngine: boolean
  /** What the code wrote, the runner's markers taken out, within the cap. */
  readonly stdout: string
  readonly stderr: string
  /** The body of the runner's last report line (its frame, JSON), when there was one. */
  readonly report?: string | undefined
  readonly stdoutTruncated: boolean
  readonly stderrTruncated: boolean
  /** From stdin written to the end of the run. */
  readonly runMs: number
}

/**
 * A created, attached and started container whose runner waits for its code: one use only.
 * Its life: started → `execute` (one run) → `stop` (killed, exit confirmed) → `discard`
 * (removed). A workspace mounted in it may be read only with the `StoppedContainer` that
 * `stop` gives, and removed only with the `ContainerGone` that `discard` gives.
 */
export interface StartedContainer {
  readonly id: string
  /** False once the container has gone (exited, killed, removed from outside). */
  readonly alive: boolean
  /** Runs the request in this container. Throws only for engine failures. */
  execute(request: ExecuteRequest): Promise<ContainerOutcome>
  /** Kills the container if it still runs and resolves once the engine says it has exited. */
  stop(): Promise<StoppedContainer>
  /**
   * Kills and removes the container and resolves once the engine no longer has it; a
   * container already gone is not an error, an engine that cannot remove it is.
   */
  discard(): Promise<ContainerGone>
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
  /** The execution (or warm container) it was made for. */
  readonly executionId: string
  readonly state: string
}

/**
 * Everything the sandbox needs from a container engine. The Docker implementation is the
 * only code that touches dockerode; the orchestrator sees only this.
 */
export interface ContainerEngine {
  /**
   * Creates and starts a container that waits for its code; with `readyMarker` (a warm
   * container preloading modules), resolves only once the runner has written it to stdout.
   * A failure after create removes the container before it rejects.
   */
  start(spec: ContainerCreateOptions, readyMarker?: string): Promise<StartedContainer>
  info(): Promise<EngineInfo>
  imageExists(image: string): Promise<boolean>
  /** The image's content-addressed ID (`sha256:…`), or undefined when it is missing. */
  imageId(image: string): Promise<string | undefined>
  /** The Debian packages the image was built with (its build label), or undefined when it is missing. */
  imagePackages(image: string): Promise<string[] | undefined>
  /**
   * Proof that no container of this execution exists (none was created, or all are removed),
   * or undefined while one does.
   */
  containerGone(executionId: string): Promise<ContainerGone | undefined>
  /** Containers carrying our labels, optionally of one orchestrator instance only. */
  listManaged(instanceId?: string): Promise<ManagedContainer[]>
  /** Force-removes a container; a container already gone is not an error. */
  remove(id: string): Promise<void>
}
