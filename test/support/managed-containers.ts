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
