import { randomUUID } from 'node:crypto'
import Docker from 'dockerode'
import { LABEL_MANAGED } from '../../src/engine/labels.js'
import { TEST_IMAGE, testInstancePrefix } from './test-config.js'

const docker = new Docker()

async function leftovers(): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_MANAGED}=true`] },
  })
  return containers
    .filter((c) => (c.Labels['tinyagent-sandbox.instance'] ?? '').startsWith(testInstancePrefix()))
    .map((c) => c.Id.slice(0, 12))
}

/** Fails fast, with the fix, when the engine or image is missing: these tests never skip. */
export async function setup(): Promise<void> {
  // Inherited by the test workers: this run's containers get ids no other run shares.
  process.env.TINYAGENT_TEST_RUN ??= randomUUID().slice(0, 8)
  try {
    await docker.ping()
  } catch (error) {
    throw new Error(
      `The docker test project needs a running Docker engine (run \`make engine\`): ${String(error)}`,
    )
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect()
  } catch {
    throw new Error(`The docker test project needs the image ${TEST_IMAGE} (run \`make image\`).`)
  }
}

/** A test run leaves no containers: anything of ours still there fails the run. */
export async function teardown(): Promise<void> {
  const left = await leftovers()
  if (left.length > 0)
    throw new Error(`Tests left ${left.length} sandbox container(s) behind: ${left.join(', ')}`)
}
