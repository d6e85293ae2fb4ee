import { findExecutable } from './command.js'
import { sweepStaleClusters } from './sweep.js'

const TOOLS: Readonly<Record<string, string>> = {
  ip: 'apt-get install -y iproute2',
  nsenter: 'apt-get install -y util-linux',
  dockerd: 'make engine',
  runsc: 'make engine',
  'redis-server': 'bash scripts/ensure-redis.sh',
  'redis-cli': 'bash scripts/ensure-redis.sh',
}

/** Fails fast, with the fix, when the harness cannot work here; removes crashed runs' clusters. */
export async function setup(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'The cluster suite makes network namespaces and starts dockerd: run it as root.',
    )
  }
  const missing: string[] = []
  for (const [tool, fix] of Object.entries(TOOLS)) {
    if ((await findExecutable(tool)) === undefined) missing.push(`${tool} (${fix})`)
  }
  if (missing.length > 0) {
    throw new Error(`The cluster suite needs: ${missing.join(', ')}.`)
  }
  const { failed } = await sweepStaleClusters()
  if (failed.length > 0) {
    throw new Error(`Clusters left by earlier runs could not be removed:\n${failed.join('\n')}`)
  }
}

/**
 * Every test worker has exited by now, so a cluster state file still here is a cluster that
 * a test never destroyed: it is removed, and the run fails.
 */
export async function teardown(): Promise<void> {
  const { swept, failed } = await sweepStaleClusters()
  const problems = [
    ...(swept.length > 0
      ? [`Tests left cluster(s) behind (now removed): ${swept.join(', ')}`]
      : []),
    ...failed.map((line) => `Could not remove a cluster: ${line}`),
  ]
  if (problems.length > 0) {
    // Vitest only logs an error thrown here ("error during close"); the exit code fails the run.
    process.exitCode = 1
    throw new Error(problems.join('\n'))
  }
}
