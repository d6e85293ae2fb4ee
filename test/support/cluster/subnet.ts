import { randomInt } from 'node:crypto'
import { link, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand } from './command.js'
import { ClusterHarnessError } from './errors.js'
import { STATE_DIR, stateFilePath } from './state-file.js'

/** Clusters take a /24 out of 10.233.0.0/16: 10.233.X.0/24 with X from 1 to 254. */
const BASE = '10.233'

export interface SubnetClaim {
  /** `10.233.X`, to which a host number is appended. */
  readonly prefix: string
  /** The file that holds X for this cluster until it is torn down. */
  readonly claimPath: string
}

function toInt(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0)
}

/** [first, last] address of a route destination such as `10.233.0.0/16` or `10.233.4.1`. */
function rangeOf(destination: string): [number, number] | undefined {
  const [address, bits = '32'] = destination.split('/')
  if (address === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) return undefined
  const size = 2 ** (32 - Number(bits))
  const first = Math.floor(toInt(address) / size) * size
  return [first, first + size - 1]
}

/** Route destinations of the root namespace, in every table (default routes left out). */
async function routedRanges(): Promise<[number, number][]> {
  const { stdout } = await runCommand('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])
  return (JSON.parse(stdout) as { dst?: string }[])
    .map((route) => (route.dst === undefined ? undefined : rangeOf(route.dst)))
    .filter((range): range is [number, number] => range !== undefined)
}

function claimPathFor(octet: number): string {
  return join(STATE_DIR, `subnet-${BASE}.${octet}.claim`)
}

/**
 * Picks a free 10.233.X.0/24: no route of this machine overlaps it, and no other cluster holds
 * its claim file (created exclusively, so two runs starting together never share a subnet).
 */
export async function claimSubnet(clusterName: string): Promise<SubnetClaim> {
  const taken = await routedRanges()
  const draft = join(STATE_DIR, `${clusterName}.claim-draft`)
  await writeFile(draft, clusterName, { mode: 0o600 })
  const candidates = Array.from({ length: 254 }, (_, i) => i + 1)
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[candidates[i], candidates[j]] = [candidates[j] as number, candidates[i] as number]
  }
  for (const octet of candidates) {
    const [first, last] = rangeOf(`${BASE}.${octet}.0/24`) as [number, number]
    if (taken.some(([from, to]) => from <= last && to >= first)) continue
    const claimPath = claimPathFor(octet)
    // link() creates the claim with its content in one step, failing if it exists: no reader
    // ever sees an empty claim.
    const written = await link(draft, claimPath).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false
        throw error
      },
    )
    if (written) {
      await rm(draft, { force: true })
      return { prefix: `${BASE}.${octet}`, claimPath }
    }
  }
  await rm(draft, { force: true })
  throw new ClusterHarnessError('subnet', `no free /24 left in ${BASE}.0.0/16 (see \`ip route\`)`)
}

/**
 * Claims whose cluster has no state file: a run writes its state file before it claims and
 * removes the claim before the state file, so such a claim belongs to no one.
 */
export async function removeOrphanClaims(): Promise<string[]> {
  const names = await readdir(STATE_DIR).catch(() => [])
  const removed: string[] = []
  for (const name of names.filter((n) => n.startsWith('subnet-') && n.endsWith('.claim'))) {
    const path = join(STATE_DIR, name)
    const owner = (await readFile(path, 'utf8').catch(() => '')).trim()
    const ownerHasState = await readFile(stateFilePath(owner)).then(
      () => true,
      () => false,
    )
    if (owner === '' || !ownerHasState) {
      await rm(path, { force: true })
      removed.push(path)
    }
  }
  return removed
}
