import { randomUUID } from 'node:crypto'
import { readdir, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import Docker from 'dockerode'
import { LABEL_MANAGED } from '../../src/engine/labels.js'
import { defaultWorkspaceRoot } from '../../src/workspace/workspace-root.js'
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

/**
 * This run's instance directories under the default workspace root. Every test sandbox with
 * file operations makes `<root>/<instance id>/`, and `Sandbox.close()` leaves it there, empty:
 * those are removed (`rmdir` removes only an empty one). One that still holds a workspace is a
 * leak, returned with what it holds.
 */
async function removeInstanceDirs(): Promise<string[]> {
  const root = defaultWorkspaceRoot()
  const names = await readdir(root).catch(() => [])
  const leaks: string[] = []
  for (const name of names.filter((n) => n.startsWith(testInstancePrefix()))) {
    const dir = join(root, name)
    await rmdir(dir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return
      const held = await readdir(dir).catch(() => [])
      leaks.push(`${dir} (${error.code}: ${held.join(', ')})`)
    })
  }
  return leaks
}

/** A test run leaves nothing behind: a container or a workspace of ours still there fails the run. */
export async function teardown(): Promise<void> {
  const left = await leftovers()
  const leakedDirs = await removeInstanceDirs()
  const problems = [
    ...(left.length > 0
      ? [`Tests left ${left.length} sandbox container(s) behind: ${left.join(', ')}`]
      : []),
    ...(leakedDirs.length > 0
      ? [`Tests left ${leakedDirs.length} workspace(s) behind: ${leakedDirs.join('; ')}`]
      : []),
  ]
  if (problems.length > 0) {
    // Vitest only logs an error thrown here ("error during close"); the exit code fails the run.
    process.exitCode = 1
    throw new Error(problems.join('\n'))
  }
}
