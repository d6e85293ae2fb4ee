import { rm } from 'node:fs/promises'
import { isSameProcessRunning } from './processes.js'
import { readStateFiles } from './state-file.js'
import { removeOrphanClaims } from './subnet.js'
import { describeProblems, teardownCluster } from './teardown.js'

export interface SweepReport {
  /** Clusters whose owner had died, now torn down. */
  readonly swept: string[]
  /** Clusters whose teardown failed in part; their state files stay for the next sweep. */
  readonly failed: string[]
}

/**
 * Tears down every cluster whose owning process is gone (a crashed or killed test run), found
 * through the state files under /run/tinyagent-sandbox-test-cluster. Clusters of live runs,
 * this one's included, are left alone.
 */
export async function sweepStaleClusters(): Promise<SweepReport> {
  const { found, unreadable } = await readStateFiles()
  const swept: string[] = []
  const failed: string[] = [...unreadable.map((path) => `${path}: unreadable`)]
  for (const { path, state } of found) {
    if (await isSameProcessRunning(state.owner)) continue
    const problems = await teardownCluster(state)
    if (problems.length === 0) {
      await rm(path, { force: true })
      swept.push(state.name)
    } else {
      failed.push(`${state.name}: ${describeProblems(problems)}`)
    }
  }
  await removeOrphanClaims()
  return { swept, failed }
}
