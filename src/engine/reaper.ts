import { hostname } from 'node:os'
import type { ContainerEngine, ManagedContainer } from './container-engine.js'

export interface ReapOptions {
  /** Only this orchestrator instance's containers; another instance's are never touched. */
  readonly instanceId: string
  /**
   * Also remove containers whose creating process is still alive (it may be running them).
   * @default false: only orphans, whose owner process on this host is gone
   */
  readonly includeLive?: boolean
  /** @default process liveness via signal 0 */
  readonly isAlive?: (pid: number) => boolean
  /**
   * Also remove these, though their owner lives: a live process's own containers that none
   * of its executions holds any more (a removal that failed). @default none
   */
  readonly isLeftover?: (container: ManagedContainer) => boolean
}

/**
 * Removes containers that an earlier process of this instance left behind, for example
 * after a crash mid-execution. Returns the ids it removed.
 */
export async function reap(engine: ContainerEngine, options: ReapOptions): Promise<string[]> {
  const isAlive = options.isAlive ?? processIsAlive
  const containers = await engine.listManaged(options.instanceId)
  const doomed = containers.filter(
    (c) => options.includeLive === true || isOrphan(c, isAlive) || options.isLeftover?.(c) === true,
  )
  await Promise.all(doomed.map((container) => engine.remove(container.id)))
  return doomed.map((container) => container.id)
}

function isOrphan(container: ManagedContainer, isAlive: (pid: number) => boolean): boolean {
  const [host, pidText] = container.owner.split('/')
  const pid = Number(pidText)
  // A container from another host (shared engine) is an orphan only if its owner label is unreadable.
  if (host !== hostname()) return !Number.isInteger(pid)
  return !Number.isInteger(pid) || !isAlive(pid)
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by another user). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
