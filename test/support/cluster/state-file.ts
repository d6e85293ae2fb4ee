import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProcessIdentity } from './processes.js'

/** One JSON file per cluster, so a later run can tear down what a crashed one left. */
export const STATE_DIR = '/run/tinyagent-sandbox-test-cluster'

/** A daemon found through its pidfile; only a pid whose command line holds `marker` is signalled. */
export interface DaemonRecord {
  readonly kind: 'dockerd' | 'redis'
  readonly name: string
  readonly pidfile: string
  /** A path unique to this cluster that the daemon's command line contains. */
  readonly marker: string
  /** Directories whose mounts and processes are the daemon's (dockerd's data and exec roots). */
  readonly roots: readonly string[]
}

/** Everything a cluster made, recorded before it is made: teardown reads only this. */
export interface ClusterState {
  readonly version: 1
  readonly name: string
  readonly owner: ProcessIdentity
  tmpDir?: string
  subnetClaim?: string
  /** In creation order; torn down in reverse. */
  namespaces: string[]
  /** Root-namespace ends of veth pairs. */
  rootLinks: string[]
  daemons: DaemonRecord[]
  /** Process group leaders started by `cluster.run()`. */
  processes: ProcessIdentity[]
}

export function stateFilePath(name: string): string {
  return join(STATE_DIR, `${name}.json`)
}

/** Holds one cluster's state and rewrites its file (atomically, in order) after every change. */
export class ClusterStateFile {
  readonly path: string
  readonly #state: ClusterState
  #writes: Promise<void> = Promise.resolve()

  private constructor(state: ClusterState) {
    this.#state = state
    this.path = stateFilePath(state.name)
  }

  static async create(name: string, owner: ProcessIdentity): Promise<ClusterStateFile> {
    await mkdir(STATE_DIR, { recursive: true, mode: 0o700 })
    const file = new ClusterStateFile({
      version: 1,
      name,
      owner,
      namespaces: [],
      rootLinks: [],
      daemons: [],
      processes: [],
    })
    await file.update(() => {})
    return file
  }

  get state(): Readonly<ClusterState> {
    return this.#state
  }

  /** Applies the change in memory, then waits until the file says so too. */
  update(change: (state: ClusterState) => void): Promise<void> {
    change(this.#state)
    const text = `${JSON.stringify(this.#state, null, 2)}\n`
    this.#writes = this.#writes.then(async () => {
      const temp = `${this.path}.${process.pid}.tmp`
      await writeFile(temp, text, { mode: 0o600 })
      await rename(temp, this.path)
    })
    return this.#writes
  }

  async remove(): Promise<void> {
    await this.#writes.catch(() => {})
    await rm(this.path, { force: true })
  }
}

export interface StoredState {
  readonly path: string
  readonly state: ClusterState
}

/** Every cluster state file on this machine; unreadable ones are returned as errors. */
export async function readStateFiles(): Promise<{ found: StoredState[]; unreadable: string[] }> {
  const names = await readdir(STATE_DIR).catch(() => [])
  const found: StoredState[] = []
  const unreadable: string[] = []
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const path = join(STATE_DIR, name)
    try {
      found.push({ path, state: JSON.parse(await readFile(path, 'utf8')) as ClusterState })
    } catch {
      unreadable.push(path)
    }
  }
  return { found, unreadable }
}
