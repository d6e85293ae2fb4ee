import type Docker from 'dockerode'
import { LABEL_INSTANCE } from '../../src/engine/labels.js'

const POLL_MS = 25
/** The set must hold this long: a used container can linger before its replacement shows. */
const STEADY_MS = 150
const TIMEOUT_MS = 60_000

/**
 * Waits until an instance's warm pool is full, seen from the engine, so the same rule holds
 * for a local sandbox and for a worker in another process: exactly `size` containers, all
 * running, the same set twice in a row, and, when `previous` is given (the set before a run),
 * at least one of them new (the replacement of the one the run used). Returns the set.
 */
export async function waitForFullPool(
  docker: Docker,
  instanceId: string,
  size: number,
  previous?: ReadonlySet<string>,
): Promise<Set<string>> {
  const deadline = Date.now() + TIMEOUT_MS
  for (;;) {
    const ids = await fullPool(docker, instanceId, size)
    if (ids !== undefined && (previous === undefined || [...ids].some((id) => !previous.has(id)))) {
      await sleep(STEADY_MS)
      const again = await fullPool(docker, instanceId, size)
      if (again !== undefined && [...again].every((id) => ids.has(id))) return ids
    }
    if (Date.now() > deadline)
      throw new Error(`the pool of instance ${instanceId} did not fill within 60 s`)
    await sleep(POLL_MS)
  }
}

async function fullPool(
  docker: Docker,
  instanceId: string,
  size: number,
): Promise<Set<string> | undefined> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_INSTANCE}=${instanceId}`] },
  })
  if (containers.length !== size || containers.some((c) => c.State !== 'running')) return undefined
  return new Set(containers.map((c) => c.Id))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
