import { readFile } from 'node:fs/promises'
import { runCommand } from './command.js'
import { ClusterHarnessError } from './errors.js'

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  )
}

function isAtOrUnder(path: string, root: string): boolean {
  const base = root.endsWith('/') ? root.slice(0, -1) : root
  return path === base || path.startsWith(`${base}/`)
}

/** Mount points at or under any of `roots` in this mount namespace, deepest first. */
export async function mountPointsUnder(roots: readonly string[]): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8')
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined)
    .map(unescapeMountPath)
    .filter((point) => roots.some((root) => isAtOrUnder(point, root)))
  // A path mounted twice appears twice; deepest first so children go before parents.
  return points.sort((a, b) => b.split('/').length - a.split('/').length)
}

/**
 * Unmounts everything at or under `roots` (dockerd's overlay and netns mounts, its bind mount
 * of the data root). A busy mount is detached lazily; anything still there afterwards throws,
 * because removing a directory with a live mount inside could delete what the mount shows.
 */
export async function unmountUnder(roots: readonly string[]): Promise<void> {
  for (const point of await mountPointsUnder(roots)) {
    // A failure here (already gone with its parent, say) is judged by the check below.
    await runCommand('umount', [point])
      .catch(() => runCommand('umount', ['-l', point]))
      .catch(() => undefined)
  }
  const left = await mountPointsUnder(roots)
  if (left.length > 0) {
    throw new ClusterHarnessError('unmount', `still mounted after umount -l: ${left.join(', ')}`)
  }
}
