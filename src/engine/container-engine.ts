import type { ContainerCreateOptions } from 'dockerode'

/** Why a container stopped: on its own, or because we killed it. */
export type StopReason = 'exited' | 'timeout' | 'output_limit' | 'aborted'

/** Receives output as the container writes it (within the output limit), e.g. to stream it. */
export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void

export interface RunRequest {
  readonly spec: ContainerCreateOptions
  /** Written to the container's stdin, then closed. */
  readonly stdin: string
  /** Wall clock from container start; past it the container is killed. */
  readonly timeoutMs: number
  /** Cap on each of stdout and stderr; past it the container is killed. */
  readonly outputLimitBytes: number
  readonly signal?: AbortSignal | undefined
  readonly onOutput?: OutputListener | undefined
}

export interface ContainerOutcome {
  readonly stopReason: StopReason
  /** The main process's exit code; null if it never started. */
  readonly exitCode: number | null
  /** The kernel's OOM killer ended a process in the container. */
  readonly oomKilled: boolean
  readonly stdout: string
  readonly stderr: string
  readonly stdoutTruncated: boolean
  readonly stderrTruncated: boolean
  /** From container start to exit. */
  readonly runMs: number
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
  info(): Promise<EngineInfo>
  imageExists(image: string): Promise<boolean>
  /** Containers carrying our labels, optionally of one orchestrator instance only. */
  listManaged(instanceId?: string): Promise<ManagedContainer[]>
  /** Force-removes a container; a container already gone is not an error. */
  remove(id: string): Promise<void>
}
