import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand } from './command.js'
import { unmountUnder } from './mounts.js'
import { killNow, processesMentioning, waitForExit } from './processes.js'

export interface EngineRoots {
  readonly dataRoot: string
  readonly execRoot: string
}

/**
 * Containers an engine left running when it died without stopping them: each OCI runtime keeps
 * its state under `<exec root>/runtime-<name>/<containerd namespace>`, and `delete --force`
 * kills and removes what is listed there (runc and runsc take the same flags).
 */
async function deleteLeftoverContainers(execRoot: string): Promise<void> {
  const runtimeDirs = (await readdir(execRoot).catch(() => [])).filter((d) =>
    d.startsWith('runtime-'),
  )
  for (const dir of runtimeDirs) {
    const runtime = dir.slice('runtime-'.length)
    if (runtime !== 'runc' && runtime !== 'runsc') continue
    for (const namespace of await readdir(join(execRoot, dir)).catch(() => [])) {
      const root = join(execRoot, dir, namespace)
      const listed = await runCommand(runtime, ['--root', root, 'list', '--quiet']).catch(() => ({
        stdout: '',
      }))
      for (const id of listed.stdout.split('\n').filter((line) => line.trim() !== '')) {
        await runCommand(runtime, ['--root', root, 'delete', '--force', id.trim()]).catch(() => {})
      }
    }
  }
}

/**
 * Everything a dead engine can leave: running containers, its containerd and shims (their
 * command lines name the exec root), and mounts under both roots. A clean stop leaves none of
 * these, so this is cheap then; after a SIGKILL it is what makes teardown complete.
 */
export async function reapEngineLeftovers(roots: EngineRoots): Promise<void> {
  await deleteLeftoverContainers(roots.execRoot)
  const stragglers = await processesMentioning([roots.execRoot, roots.dataRoot])
  for (const pid of stragglers) killNow(pid)
  for (const pid of stragglers) await waitForExit(pid, 10_000)
  await unmountUnder([roots.dataRoot, roots.execRoot])
}
