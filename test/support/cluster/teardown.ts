import { rm } from 'node:fs/promises'
import { basename, isAbsolute, join } from 'node:path'
import { stopDaemon } from './daemon-process.js'
import { reapEngineLeftovers } from './engine-leftovers.js'
import { mountPointsUnder, unmountUnder } from './mounts.js'
import { deleteLink, deleteNamespace } from './netns.js'
import { isSameProcessRunning, terminate } from './processes.js'
import { type ClusterState, STATE_DIR } from './state-file.js'

/** One step that failed; teardown goes on with the rest and reports them all. */
export interface TeardownProblem {
  readonly step: string
  readonly error: unknown
}

/**
 * Removes everything a cluster's state says it made, in reverse order of dependence: its
 * processes, Redis, the engines (and whatever they left running or mounted), the root-side
 * links, the namespaces, the temp dir, the subnet claim. Every step tolerates a thing already
 * gone, so it serves `destroy()`, a half-built cluster, and the sweep of a crashed run alike.
 */
export async function teardownCluster(state: Readonly<ClusterState>): Promise<TeardownProblem[]> {
  const problems: TeardownProblem[] = []
  const step = async (name: string, work: () => Promise<unknown>): Promise<void> => {
    try {
      await work()
    } catch (error) {
      problems.push({ step: name, error })
    }
  }

  for (const leader of state.processes) {
    await step(`process group ${leader.pid}`, async () => {
      if (await isSameProcessRunning(leader)) {
        await terminate(leader.pid, { graceMs: 5_000, group: true })
      }
    })
  }
  await Promise.all(
    state.daemons.map((daemon) =>
      step(`${daemon.kind} ${daemon.name}`, async () => {
        await stopDaemon(daemon, 30_000)
        const [dataRoot, execRoot] = daemon.roots
        if (daemon.kind === 'dockerd' && dataRoot !== undefined && execRoot !== undefined) {
          await reapEngineLeftovers({ dataRoot, execRoot })
        }
      }),
    ),
  )
  for (const name of state.rootLinks) {
    await step(`link ${name}`, () => deleteLink({ name }))
  }
  for (const netns of [...state.namespaces].reverse()) {
    await step(`netns ${netns}`, () => deleteNamespace(netns))
  }
  const tmpDir = state.tmpDir
  if (tmpDir !== undefined) {
    await step(`temp dir ${tmpDir}`, async () => {
      // Never rm -rf a tree with a live mount inside: it would delete what the mount shows.
      if (!isAbsolute(tmpDir) || !basename(tmpDir).startsWith(`${state.name}-`)) {
        throw new Error(`refusing to remove ${tmpDir}: not this cluster's temp dir`)
      }
      await unmountUnder([tmpDir])
      if ((await mountPointsUnder([tmpDir])).length === 0) {
        await rm(tmpDir, { recursive: true, force: true })
      }
    })
  }
  await step('subnet claim', async () => {
    if (state.subnetClaim !== undefined) await rm(state.subnetClaim, { force: true })
    await rm(join(STATE_DIR, `${state.name}.claim-draft`), { force: true })
  })
  return problems
}

export function describeProblems(problems: readonly TeardownProblem[]): string {
  return problems
    .map(({ step, error }) => `${step}: ${error instanceof Error ? error.message : String(error)}`)
    .join('\n')
}
