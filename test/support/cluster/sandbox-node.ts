import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConfigInput } from '../../../src/config/schema.js'
import type { ExitStatus, NamespaceProcess } from './ns-process.js'
import type { Cluster } from './topology.js'

/** The built CLI: every node runs what a deployment runs (`make build` keeps it fresh). */
export const CLI = 'dist/cli/main.js'

export interface SandboxNodeOptions {
  /** Names the node's config file and logs, e.g. `api` or `w1`. */
  readonly label: string
  /** The namespace it runs in (the hub's or a worker's). */
  readonly ns: string
  readonly command: 'serve' | 'worker'
  readonly config: ConfigInput
  readonly env: Readonly<Record<string, string>>
  /** @default 60_000 */
  readonly readyTimeoutMs?: number
}

/** A `serve` or `worker` process of the cluster, started and saying it is up. */
export interface SandboxNode {
  readonly label: string
  readonly process: NamespaceProcess
  /** Its stderr: the JSON log, one line per entry. */
  log(): Promise<string>
  /** The last lines of its log, for a failure's message. */
  logTail(lines?: number): Promise<string>
}

/** What each command prints once it takes requests or jobs. */
const READY_LINE = {
  serve: 'tinyagent-sandbox: listening on',
  worker: 'taking jobs from queue',
} as const

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function tail(path: string, lines: number): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/**
 * Writes the node's config (JSON is YAML) into the cluster's temp dir, starts
 * `node dist/cli/main.js <command> --config FILE` in the node's namespace, and resolves once
 * its stdout says it is up; throws with its log when it exits or stays silent instead.
 */
export async function startSandboxNode(
  cluster: Cluster,
  options: SandboxNodeOptions,
): Promise<SandboxNode> {
  const configPath = join(cluster.tmpDir, `${options.label}.yml`)
  await writeFile(configPath, `${JSON.stringify(options.config, null, 2)}\n`, { mode: 0o600 })
  const child = await cluster.run(
    options.ns,
    ['node', CLI, options.command, '--config', configPath],
    // No NODE_OPTIONS of the test runner's: the node runs as it would in a deployment.
    { env: { NODE_OPTIONS: '', ...options.env } },
  )
  const node: SandboxNode = {
    label: options.label,
    process: child,
    log: () => readFile(child.stderrPath, 'utf8').catch(() => ''),
    logTail: (lines = 40) => tail(child.stderrPath, lines),
  }
  let exit: ExitStatus | undefined
  void child.exited.then((status) => {
    exit = status
  })
  const timeoutMs = options.readyTimeoutMs ?? 60_000
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const stdout = await readFile(child.stdoutPath, 'utf8').catch(() => '')
    if (stdout.includes(READY_LINE[options.command])) return node
    if (exit !== undefined || Date.now() > deadline) {
      const why =
        exit === undefined ? `not up within ${timeoutMs} ms` : `exited (${JSON.stringify(exit)})`
      await child.stop(2_000)
      throw new Error(
        `${options.command} ${options.label} ${why}; its log:\n${await node.logTail()}`,
      )
    }
    await sleep(100)
  }
}
