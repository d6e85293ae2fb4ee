import { readdir } from 'node:fs/promises'
import { containersOf } from '../support/managed-containers.js'

/** Counts an instance's containers and workspace directories once a second, keeping the peaks. */
export class InstanceSampler {
  peakContainers = 0
  peakWorkspaces = 0
  /** Counts that could not be taken (the engine or the directory gone): each one a finding. */
  readonly failures: string[] = []
  readonly #timer: NodeJS.Timeout
  #pending: Promise<void> = Promise.resolve()

  constructor(instanceId: string, workspaceDir: string) {
    this.#timer = setInterval(() => {
      this.#pending = Promise.all([containersOf(instanceId), readdir(workspaceDir)]).then(
        ([containers, entries]) => {
          this.peakContainers = Math.max(this.peakContainers, containers.length)
          this.peakWorkspaces = Math.max(this.peakWorkspaces, entries.length)
        },
        (error: unknown) => {
          this.failures.push(String(error))
        },
      )
    }, 1_000)
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await this.#pending
  }
}
