import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TEST_IMAGE } from '../test-config.js'
import { ClusterNetwork } from './cluster-network.js'
import { NamespacedDockerd } from './dockerd.js'
import { ClusterHarnessError } from './errors.js'
import { copyImage } from './image-copy.js'
import { setLinkUp } from './netns.js'
import { type NamespaceProcess, spawnInNamespace } from './ns-process.js'
import { identify } from './processes.js'
import { NamespacedRedis, type RedisOptions } from './redis.js'
import { ClusterStateFile } from './state-file.js'
import { claimSubnet } from './subnet.js'
import { sweepStaleClusters } from './sweep.js'
import { describeProblems, teardownCluster } from './teardown.js'

export interface ClusterOptions {
  /** Worker hosts, each with its own namespace and dockerd. @default 2 */
  readonly workers?: 2 | 3
  readonly redis?: Pick<RedisOptions, 'appendonly' | 'appendfsync'>
  /** Copied from the main engine into every worker engine; null copies none. @default TEST_IMAGE */
  readonly image?: string | null
  /** Where problems of a cleanup after a failed setup are reported. @default console */
  readonly logger?: Pick<Console, 'warn'>
}

/** A host of the cluster: a network namespace with one address on the cluster switch. */
export interface ClusterHost {
  readonly ns: string
  readonly address: string
  /** Down cuts this host off from every other (its switch port drops all frames). */
  setLinkUp(up: boolean): Promise<void>
}

export interface ClusterWorker extends ClusterHost {
  /** `w1`, `w2`, `w3` */
  readonly name: string
  /** This worker's own engine, for `docker -H` or DOCKER_HOST. */
  readonly dockerHost: string
  /** Stop and start it for "one node's engine is down" faults. */
  readonly engine: NamespacedDockerd
}

export interface RunOptions {
  /** Added to (and overriding) this process's environment. */
  readonly env?: Readonly<Record<string, string>>
  /** @default this process's working directory */
  readonly cwd?: string
  /** Names its log files under `<tmpDir>/logs`. @default `<host>-<n>` */
  readonly label?: string
}

export interface ClusterTimings {
  /** From the call to createCluster until it returned (everything below included). */
  readonly upMs: number
  /** Redis and every engine started, in parallel, until all answered. */
  readonly daemonsMs: number
  /** The image streamed into every worker engine at once. */
  readonly imageCopyMs: number
}

export interface Cluster {
  /** `tas-` and six hex digits; every namespace and root link starts with it. */
  readonly name: string
  /** `10.233.X.0/24` */
  readonly subnet: string
  /** The root namespace's address on the cluster network (`.1`): tests reach every host. */
  readonly rootAddress: string
  readonly tmpDir: string
  readonly stateFile: string
  /** Redis and the API node live here (`.2`). */
  readonly hub: ClusterHost
  readonly redis: NamespacedRedis
  /** `.11`, `.12`, `.13` */
  readonly workers: readonly ClusterWorker[]
  readonly timings: ClusterTimings
  /** Spawns argv in a host's namespace, as a process group with its output in two files. */
  run(ns: string, argv: readonly string[], options?: RunOptions): Promise<NamespaceProcess>
  /** Removes everything; safe to call twice. Throws (keeping the state file) if any step fails. */
  destroy(): Promise<{ durationMs: number }>
}

const ROOT_HOST = 1
const HUB_HOST = 2
const FIRST_WORKER_HOST = 11

/** Waits for all, then throws the first failure: no start is left running into a teardown. */
async function allOrFirstError(work: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r) => r.status === 'rejected')
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
}

async function addHub(network: ClusterNetwork): Promise<ClusterHost> {
  const { netns, port } = await network.addHost('hub', HUB_HOST)
  return { ns: netns, address: network.address(HUB_HOST), setLinkUp: (up) => setLinkUp(port, up) }
}

/** Worker `index` (1-based): its namespace and its engine, not started yet. */
async function addWorker(
  network: ClusterNetwork,
  tmpDir: string,
  index: number,
): Promise<ClusterWorker> {
  const label = `w${index}`
  const hostNumber = FIRST_WORKER_HOST + index - 1
  const { netns, port } = await network.addHost(label, hostNumber)
  const dir = join(tmpDir, label)
  await mkdir(dir)
  const engine = new NamespacedDockerd({ name: label, netns, dir })
  return {
    name: label,
    ns: netns,
    address: network.address(hostNumber),
    dockerHost: engine.host,
    engine,
    setLinkUp: (up) => setLinkUp(port, up),
  }
}

/** `cluster.run`: spawns in one of the hosts' namespaces and records the group for teardown. */
function runnerFor(
  state: ClusterStateFile,
  logDir: string,
  hosts: ReadonlyMap<string, string>,
): Cluster['run'] {
  let spawned = 0
  return async (ns, argv, options = {}) => {
    const hostLabel = hosts.get(ns)
    if (hostLabel === undefined) {
      throw new TypeError(
        `Expected \`ns\` to be one of ${[...hosts.keys()].join(', ')}, got \`${ns}\``,
      )
    }
    spawned += 1
    const child = spawnInNamespace(ns, argv, {
      logDir,
      label: options.label ?? `${hostLabel}-${spawned}`,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    })
    const leader = await identify(child.pid)
    if (leader !== undefined) {
      await state.update((s) => {
        s.processes.push(leader)
      })
    }
    return child
  }
}

/**
 * Tears down from the state file. Once it succeeds, later calls get the same result; after a
 * failure, the next call tries again (every teardown step tolerates what is already gone).
 */
function destroyerFor(state: ClusterStateFile): Cluster['destroy'] {
  let outcome: Promise<{ durationMs: number }> | undefined
  const attempt = async (): Promise<{ durationMs: number }> => {
    const startedAt = performance.now()
    const problems = await teardownCluster(state.state)
    if (problems.length > 0) {
      throw new ClusterHarnessError(`destroy ${state.state.name}`, describeProblems(problems))
    }
    await state.remove()
    return { durationMs: performance.now() - startedAt }
  }
  return () => {
    outcome ??= attempt().catch((error: unknown) => {
      outcome = undefined
      throw error
    })
    return outcome
  }
}

/**
 * Builds the scale-out topology on this machine: a hub namespace (Redis, and the API node when
 * a test starts one) and 2 or 3 worker namespaces, each with its own dockerd, all on one switch
 * that the root namespace is plugged into as well. Sweeps what crashed runs left first; records
 * everything it makes before making it, so a half-built cluster is torn down as fully as a
 * finished one.
 */
export async function createCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const workerCount = options.workers ?? 2
  if (workerCount !== 2 && workerCount !== 3) {
    throw new TypeError(`Expected \`workers\` to be 2 or 3, got \`${String(workerCount)}\``)
  }
  const logger = options.logger ?? console
  const startedAt = performance.now()
  const sweep = await sweepStaleClusters()
  if (sweep.failed.length > 0) {
    logger.warn(`Stale clusters not fully removed:\n${sweep.failed.join('\n')}`)
  }
  const owner = await identify(process.pid)
  if (owner === undefined) throw new ClusterHarnessError('create', 'cannot read /proc/self/stat')
  const name = `tas-${randomBytes(3).toString('hex')}`
  const state = await ClusterStateFile.create(name, owner)
  const destroy = destroyerFor(state)
  try {
    const tmpDir = await mkdtemp(join(tmpdir(), `${name}-`))
    await state.update((s) => {
      s.tmpDir = tmpDir
    })
    const subnet = await claimSubnet(name)
    await state.update((s) => {
      s.subnetClaim = subnet.claimPath
    })

    const network = new ClusterNetwork(state, subnet.prefix)
    await network.createSwitch()
    await network.connectRoot(ROOT_HOST)
    const hub = await addHub(network)
    const workers: ClusterWorker[] = []
    for (let i = 1; i <= workerCount; i++) workers.push(await addWorker(network, tmpDir, i))

    const redisDir = join(tmpDir, 'redis')
    await mkdir(redisDir)
    const redis = new NamespacedRedis({
      ...options.redis,
      netns: hub.ns,
      address: hub.address,
      dir: redisDir,
    })
    await state.update((s) => {
      s.daemons.push(redis.record, ...workers.map((w) => w.engine.record))
    })
    const daemonsStartedAt = performance.now()
    await allOrFirstError([redis.start(), ...workers.map((w) => w.engine.start())])
    const daemonsMs = performance.now() - daemonsStartedAt

    const image = options.image === undefined ? TEST_IMAGE : options.image
    const workerHosts = workers.map((w) => w.dockerHost)
    const imageCopyMs = image === null ? 0 : (await copyImage(image, workerHosts)).durationMs

    const logDir = join(tmpDir, 'logs')
    await mkdir(logDir)
    const hosts = new Map([[hub.ns, 'hub'], ...workers.map((w) => [w.ns, w.name] as const)])
    return {
      name,
      subnet: `${subnet.prefix}.0/24`,
      rootAddress: network.address(ROOT_HOST),
      tmpDir,
      stateFile: state.path,
      hub,
      redis,
      workers,
      timings: { upMs: performance.now() - startedAt, daemonsMs, imageCopyMs },
      run: runnerFor(state, logDir, hosts),
      destroy,
    }
  } catch (error) {
    await destroy().catch((cleanupError: unknown) => {
      logger.warn(`Cleanup after a failed createCluster was incomplete: ${String(cleanupError)}`)
    })
    throw error
  }
}
