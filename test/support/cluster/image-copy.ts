import { type ChildProcess, spawn } from 'node:child_process'
import { runCommand } from './command.js'
import { ClusterHarnessError } from './errors.js'

export interface ImageCopy {
  /** The image ID (`sha256:...`), the same on the source and every target. */
  readonly imageId: string
  readonly durationMs: number
}

/** `-H host` for another engine; nothing for the main one (DOCKER_HOST or the default socket). */
const hostArgs = (host: string | undefined): string[] => (host === undefined ? [] : ['-H', host])

export async function imageId(image: string, host?: string): Promise<string> {
  const { stdout } = await runCommand('docker', [
    ...hostArgs(host),
    'image',
    'inspect',
    '--format',
    '{{.Id}}',
    image,
  ])
  return stdout.trim()
}

/** Resolves when the process exits 0; rejects with the tail of its stderr otherwise. */
function succeeded(child: ChildProcess, what: string): Promise<void> {
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000)
  })
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new ClusterHarnessError(what, error.message)))
    child.once('close', (code, signal) => {
      if (code === 0) resolve()
      else reject(new ClusterHarnessError(what, `exit ${String(code ?? signal)}: ${stderr.trim()}`))
    })
  })
}

/**
 * Copies an image from one engine to others: one `docker save` streamed into one `docker load`
 * per target (Node's pipe() waits for the slowest), no temporary file. Then checks that each
 * target holds the very image ID the source has.
 */
export async function copyImage(
  image: string,
  targets: readonly string[],
  source?: string,
): Promise<ImageCopy> {
  const startedAt = performance.now()
  const expected = await imageId(image, source)
  const save = spawn('docker', [...hostArgs(source), 'save', image], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const loads = targets.map((target) => {
    const load = spawn('docker', ['-H', target, 'load', '--quiet'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    // A load that dies makes its stdin throw EPIPE; its exit status is the error we report.
    load.stdin?.on('error', () => {})
    save.stdout?.pipe(load.stdin as NodeJS.WritableStream)
    // One failed load fails the copy: stop the save, or it would block on a pipe no one reads.
    return succeeded(load, `docker -H ${target} load`).catch((error: unknown) => {
      save.kill('SIGKILL')
      throw error
    })
  })
  // Loads first: when one fails, its error explains the save that was then killed.
  const results = await Promise.allSettled([...loads, succeeded(save, `docker save ${image}`)])
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failures.length > 0) throw failures[0]?.reason
  for (const target of targets) {
    const got = await imageId(image, target)
    if (got !== expected) {
      throw new ClusterHarnessError(
        `copy ${image}`,
        `${target} holds ${got}, expected ${expected} as on the source engine`,
      )
    }
  }
  return { imageId: expected, durationMs: performance.now() - startedAt }
}
