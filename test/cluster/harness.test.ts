import { access, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CommandOutcome,
  runCommand,
  runCommandForOutcome,
} from '../support/cluster/command.js'
import { imageId } from '../support/cluster/image-copy.js'
import { mountPointsUnder } from '../support/cluster/mounts.js'
import { listLinks, listNamespaces, namespacePath } from '../support/cluster/netns.js'
import { isRunning, processesMentioning, readPidfile } from '../support/cluster/processes.js'
import { STATE_DIR } from '../support/cluster/state-file.js'
import { type Cluster, type ClusterWorker, createCluster } from '../support/cluster/topology.js'
import { TEST_IMAGE } from '../support/test-config.js'

/** redis-cli run inside a namespace against the hub; the password goes in REDISCLI_AUTH. */
function redisCliFrom(
  cluster: Cluster,
  netns: string,
  args: readonly string[],
  options: { password?: string; timeoutMs?: number } = {},
): Promise<CommandOutcome> {
  const { address, port } = cluster.redis
  return runCommandForOutcome(
    'nsenter',
    [`--net=${namespacePath(netns)}`, '--', 'redis-cli', '-h', address, '-p', `${port}`, ...args],
    {
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.password === undefined ? {} : { env: { REDISCLI_AUTH: options.password } }),
    },
  )
}

/** Pids whose cgroup path names the container: its processes, wherever their parent went. */
async function processesOfContainer(containerId: string): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    const cgroups = await readFile(`/proc/${entry}/cgroup`, 'utf8').catch(() => '')
    if (cgroups.includes(containerId)) pids.push(Number(entry))
  }
  return pids
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

/** Cgroup directories of the container (cgroupfs driver, v1 or v2): runc removes them on delete. */
async function cgroupsOfContainer(containerId: string): Promise<string[]> {
  const controllers = await readdir('/sys/fs/cgroup')
  const candidates = [
    `/sys/fs/cgroup/docker/${containerId}`,
    ...controllers.map((c) => `/sys/fs/cgroup/${c}/docker/${containerId}`),
  ]
  const found = await Promise.all(candidates.map(exists))
  return candidates.filter((_, i) => found[i])
}

/** Cluster names are `tas-` and six hex digits (other tools' `tas-...` temp dirs do not match). */
const CLUSTER_NAME = /^tas-[0-9a-f]{6}(-|$)/

/** Everything on this machine that a cluster of this harness names. */
async function harnessTraces(): Promise<string[]> {
  const [namespaces, links, tmp, states] = await Promise.all([
    listNamespaces(),
    listLinks(),
    readdir(tmpdir()),
    readdir(STATE_DIR).catch(() => []),
  ])
  const ours = (names: string[]): string[] => names.filter((n) => CLUSTER_NAME.test(n))
  return [
    ...ours(namespaces).map((n) => `netns ${n}`),
    ...ours(links).map((l) => `link ${l}`),
    ...ours(tmp).map((t) => `tmp ${t}`),
    ...states.map((f) => `state ${f}`),
  ]
}

describe('a cluster whose setup fails half-way', () => {
  // The image is looked up only once namespaces, Redis and both engines are up.
  it('removes what it had made and rethrows the failure when the image copy fails', async () => {
    const before = await harnessTraces()
    await expect(
      createCluster({ workers: 2, image: 'tinyagent-sandbox/no-such-image' }),
    ).rejects.toThrow(/no-such-image/)
    expect(await harnessTraces()).toEqual(before)
  })
})

describe('a two-worker cluster on one machine', () => {
  let cluster: Cluster
  let w1: ClusterWorker
  let w2: ClusterWorker
  let mainImageId: string

  beforeAll(async () => {
    mainImageId = await imageId(TEST_IMAGE)
    cluster = await createCluster({ workers: 2 })
    ;[w1, w2] = cluster.workers as [ClusterWorker, ClusterWorker]
    const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
    console.info(
      `cluster ${cluster.name} on ${cluster.subnet}: root ${cluster.rootAddress}, hub ${cluster.hub.address}, ` +
        `${cluster.workers.map((w) => `${w.name} ${w.address}`).join(', ')}; up in ${seconds(cluster.timings.upMs)} ` +
        `(daemons ${seconds(cluster.timings.daemonsMs)}, image copy ${seconds(cluster.timings.imageCopyMs)})`,
    )
  })

  afterAll(async () => {
    await cluster?.destroy()
  })

  it("gives each worker its own engine, holding the main engine's image under the same ID", async () => {
    for (const worker of cluster.workers) {
      const { stdout } = await runCommand('docker', [
        '-H',
        worker.dockerHost,
        'info',
        '--format',
        '{{.DockerRootDir}}',
      ])
      expect(stdout.trim()).toBe(worker.engine.paths.dataRoot)
      expect(await imageId(TEST_IMAGE, worker.dockerHost)).toBe(mainImageId)
    }
  })

  it("runs a network-less container on worker 1's engine", async () => {
    const { stdout } = await runCommand(
      'docker',
      [
        ...['-H', w1.dockerHost, 'run', '--rm', '--network', 'none'],
        ...['--entrypoint', 'python3', TEST_IMAGE, '-c', 'print(1)'],
      ],
      { timeoutMs: 60_000 },
    )
    expect(stdout).toBe('1\n')
  })

  it('answers PING from a worker namespace with the password, and refuses without it', async () => {
    const withPassword = await redisCliFrom(cluster, w1.ns, ['ping'], {
      password: cluster.redis.password,
    })
    expect(withPassword.stdout.trim()).toBe('PONG')
    const without = await redisCliFrom(cluster, w1.ns, ['ping'])
    expect(without.stdout.trim()).toBe('NOAUTH Authentication required.')
  })

  it("reaches the hub's Redis from the root namespace through its URL", async () => {
    const client = new Redis(cluster.redis.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    try {
      await client.connect()
      expect(await client.ping()).toBe('PONG')
    } finally {
      client.disconnect()
    }
  })

  it('cuts a worker off from Redis while its link is down, and reconnects it once it is up', async () => {
    const password = cluster.redis.password
    await w1.setLinkUp(false)
    try {
      const cut = await redisCliFrom(cluster, w1.ns, ['ping'], { password, timeoutMs: 3_000 })
      expect(cut.stdout).not.toContain('PONG')
      expect(cut.exitCode).not.toBe(0)
      const other = await redisCliFrom(cluster, w2.ns, ['ping'], { password })
      expect(other.stdout.trim()).toBe('PONG')
    } finally {
      await w1.setLinkUp(true)
    }
    await expect
      .poll(
        async () => (await redisCliFrom(cluster, w1.ns, ['ping'], { password })).stdout.trim(),
        {
          timeout: 15_000,
          interval: 500,
        },
      )
      .toBe('PONG')
  })

  it('keeps a key across a Redis restart and a SIGKILL (appendonly, fsync always)', async () => {
    const password = cluster.redis.password
    const get = async (): Promise<string> =>
      (
        await redisCliFrom(cluster, cluster.hub.ns, ['get', 'harness:kept'], { password })
      ).stdout.trim()
    const set = await redisCliFrom(cluster, cluster.hub.ns, ['set', 'harness:kept', 'yes'], {
      password,
    })
    expect(set.stdout.trim()).toBe('OK')

    await cluster.redis.restart()
    expect(await get()).toBe('yes')

    expect(await cluster.redis.kill()).toBe('killed')
    await cluster.redis.start()
    expect(await get()).toBe('yes')
  })

  it('stops one worker engine and starts it again on the same data root', async () => {
    expect(await w2.engine.stop()).toBe('exited')
    expect(await w2.engine.answers()).toBe(false)
    await w2.engine.start()
    expect(await imageId(TEST_IMAGE, w2.dockerHost)).toBe(mainImageId)
  })

  it('destroy leaves no namespace, link, daemon, process, mount, temp dir or state behind', async () => {
    // The hard case: an engine that crashed under a running container, and a process of ours.
    const { stdout } = await runCommand('docker', [
      ...['-H', w2.dockerHost, 'run', '-d', '--network', 'none', '--entrypoint', 'python3'],
      ...[TEST_IMAGE, '-c', 'import time; time.sleep(600)'],
    ])
    const containerId = stdout.trim()
    const daemonPids = [
      await readPidfile(w1.engine.paths.pidfile),
      await readPidfile(w2.engine.paths.pidfile),
      await readPidfile(cluster.redis.record.pidfile),
    ]
    expect(await w2.engine.kill()).toBe('killed')
    expect(await processesOfContainer(containerId)).not.toEqual([])
    expect(await cgroupsOfContainer(containerId)).not.toEqual([])
    const sleeper = await cluster.run(cluster.hub.ns, ['sleep', '600'])

    const { durationMs } = await cluster.destroy()
    console.info(`cluster ${cluster.name} destroyed in ${(durationMs / 1000).toFixed(1)} s`)

    expect((await listNamespaces()).filter((ns) => ns.startsWith(cluster.name))).toEqual([])
    expect((await listLinks()).filter((link) => link.startsWith(cluster.name))).toEqual([])
    for (const pid of daemonPids) {
      expect(pid).toBeDefined()
      expect(await isRunning(pid as number)).toBe(false)
    }
    expect(await isRunning(sleeper.pid)).toBe(false)
    expect(await processesOfContainer(containerId)).toEqual([])
    expect(await cgroupsOfContainer(containerId)).toEqual([])
    expect(await processesMentioning([cluster.tmpDir])).toEqual([])
    expect(await mountPointsUnder([cluster.tmpDir])).toEqual([])
    expect(await exists(cluster.tmpDir)).toBe(false)
    expect(await exists(cluster.stateFile)).toBe(false)
    const claims = await readdir(STATE_DIR)
    const ours = await Promise.all(
      claims.map(async (file) =>
        (await readFile(`${STATE_DIR}/${file}`, 'utf8')).includes(cluster.name),
      ),
    )
    expect(claims.filter((_, i) => ours[i])).toEqual([])
    // A second call is a no-op.
    await expect(cluster.destroy()).resolves.toEqual({ durationMs })
  })
})
