import Docker from 'dockerode'
import { LABEL_INSTANCE } from '../../src/engine/labels.js'

const docker = new Docker()

/** Containers (any state) that carry the given instance label. */
export async function containersOf(instanceId: string): Promise<string[]> {
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_INSTANCE}=${instanceId}`] },
  })
  return found.map((c) => c.Id)
}

/** Waits for the instance's running container and returns what the engine says about it. */
export async function inspectWhileRunning(
  instanceId: string,
  timeoutMs = 10_000,
): Promise<Docker.ContainerInspectInfo> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const [running] = await docker.listContainers({
      filters: { label: [`${LABEL_INSTANCE}=${instanceId}`], status: ['running'] },
    })
    if (running !== undefined) return docker.getContainer(running.Id).inspect()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`no running container of instance ${instanceId} within ${timeoutMs} ms`)
}
