import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import { stringify } from 'yaml'
import { type ConfigInput, configSchema } from '../src/config/schema.js'
import { decodeEvent } from '../src/queue/job-events.js'
import { QueueExecutor } from '../src/queue/queue-executor.js'
import { QueueKeys } from '../src/queue/queue-keys.js'
import type { ExecutionResult } from '../src/sandbox/execution-result.js'
import { isLostWorkerMessage } from '../src/sandbox/lost-worker.js'
import { Sandbox } from '../src/sandbox/sandbox.js'
import { RedisServer } from '../test/support/redis-server.js'
import { percentile } from './stats.js'
import { assertFreshDist } from './support/fresh-dist.js'
import { percentileCells, printMarkdownTable } from './support/markdown-table.js'
import { waitForFullPool } from './support/warm-containers.js'
import { reapInstance, WorkerProcess } from './support/worker-process.js'

/**
 * The queue (src/queue) against the local path, on one machine: (1) the latency a queue hop
 * adds to a warm execution, (2) executions/s with 1, 2 and 3 worker processes, (3) the time
 * from a worker's death to its caller's `engine_error`. Workers are `node dist/cli/main.js
 * worker` children on the same engine; Redis is a redis-server of the bench's own.
 * BENCH_RUNS (default 100), BENCH_RUNTIME (default runc). Needs a fresh dist/ (`make build`).
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 100)
const WARMUP = 5
const RUNTIME = process.env.BENCH_RUNTIME ?? 'runc'
/** Per worker, and for the local sandbox: pool size and slots. */
const POOL_SIZE = 2
const SLOTS = 2
const DEFAULT_LOCK_SECONDS = 10
const FAST_LOCK_SECONDS = 2
const LOST_TRIALS = 3
const LOCAL_INSTANCE = 'bench-scale-out-local'
// One code_execution section for every node: the worker refuses a job checked under another.
const CODE_EXECUTION = {
  runtime: RUNTIME,
  timeout_seconds: 30,
  allowed_operations: { imports: ['time'] },
} satisfies ConfigInput['code_execution']
const LATENCY_SNIPPETS = [
  ['print(1)', 'print(1)'],
  ['100 KB result', 'print("x" * 100_000)'],
] as const
const LOADS = [
  { name: 'slot-bound: time.sleep(1)', code: 'import time\ntime.sleep(1)', jobs: 24 },
  {
    name: 'CPU-bound: ~0.3 s loop',
    code: 'n = 0\nfor i in range(3_500_000):\n    n += i\nprint(n)',
    jobs: 24,
  },
] as const

const exec = promisify(execFile)
const docker = new Docker()
const keys = new QueueKeys(configSchema.parse({}).queue.name)

await assertFreshDist()
const dir = await mkdtemp(join(tmpdir(), 'tas-bench-scale-out-'))
const redis = await RedisServer.start()
const client = redis.client()
// Ctrl-C reaches redis-server too (same process group): the cleanup copes, the client stays quiet.
client.on('error', () => {})
const workers = new Map<number, WorkerProcess>()
/** The `queue.lock_seconds` each running worker was started with. */
const workerLocks = new Map<number, number>()
const configPaths = new Set<string>()
const closers: (() => Promise<void>)[] = []
let cleaning: Promise<void> | undefined
// `on`, not `once`: tsx forwards the signal the process group already got, and a second one
// must not end the process half-way through the cleanup.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void cleanup().finally(() => process.exit(130)))

try {
  const redisVersion = (await exec('redis-server', ['--version'])).stdout.split(' ')[2]
  console.log(
    `# Scale-out (queue), ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores ` +
      `(${cpus()[0]?.model.trim()}), runtime ${RUNTIME}, node ${process.version}, redis ${redisVersion}`,
  )
  for (const section of [latency, throughput, lostWorker]) {
    const started = performance.now()
    const before = loadavg()[0] ?? 0
    await section()
    const seconds = (performance.now() - started) / 1_000
    console.log(
      `\n(${seconds.toFixed(0)} s; 1-min load average ${before.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after)`,
    )
  }
} finally {
  await cleanup()
}

/** Section 1: the same warm executions through a local Sandbox and through the queue. */
async function latency(): Promise<void> {
  const localConfig: ConfigInput = {
    code_execution: CODE_EXECUTION,
    orchestrator: { instance_id: LOCAL_INSTANCE, concurrency: SLOTS },
    pool: { size: POOL_SIZE, preload: [] },
  }
  await writeConfig('local.yml', localConfig)
  const local = await Sandbox.create({ config: localConfig })
  closers.push(() => local.close())
  await startWorker(1, DEFAULT_LOCK_SECONDS)
  const queue = await queueExecutor(DEFAULT_LOCK_SECONDS)
  const rows: string[][] = []
  for (const [name, code] of LATENCY_SNIPPETS) {
    const samples = {
      local: [] as number[],
      queue: [] as number[],
      worker: [] as number[],
      hop: [] as number[],
    }
    let pools = await Promise.all([fullPool(LOCAL_INSTANCE), fullPool(instanceOf(1))])
    for (let i = 0; i < WARMUP + RUNS; i++) {
      // Each run takes a warm container whose replacement starts at once; the second run of a
      // pair shares the machine with the first's refill, so the two paths take turns.
      const order = i % 2 === 0 ? (['local', 'queue'] as const) : (['queue', 'local'] as const)
      for (const path of order) {
        const started = performance.now()
        const result = await (path === 'local' ? local : queue).execute({ code })
        const ms = performance.now() - started
        expectOk(result, name)
        if (i < WARMUP) continue
        samples[path].push(ms)
        if (path !== 'queue') continue
        const own = await workerDuration(result.id)
        samples.worker.push(own)
        samples.hop.push(ms - own)
      }
      pools = await Promise.all([
        fullPool(LOCAL_INSTANCE, pools[0]),
        fullPool(instanceOf(1), pools[1]),
      ])
    }
    rows.push(
      [`local Sandbox, ${name}`, ...percentileCells(samples.local)],
      [`QueueExecutor + 1 worker, ${name}`, ...percentileCells(samples.queue)],
      [`  the worker's own Sandbox.execute()`, ...percentileCells(samples.worker)],
      [`  the queue: caller's time − worker's own, per run`, ...percentileCells(samples.hop)],
    )
  }
  await closeLast(2)
  printMarkdownTable(
    `## 1. Latency the queue adds: warm, sequential, ${RUNS} runs each after ${WARMUP} warm-up (ms, request to result; pool ${POOL_SIZE}, no preload, both pools full before each pair)`,
    ['case', 'p50', 'p90', 'p99'],
    rows,
  )
}

/** Section 2: a fixed batch, all enqueued at once, drained by 1, 2 and 3 workers. */
async function throughput(): Promise<void> {
  const queue = await queueExecutor(DEFAULT_LOCK_SECONDS)
  const rates = new Map<string, number>()
  const rows = new Map<string, string[][]>(LOADS.map((load) => [load.name, []]))
  for (const count of [1, 2, 3]) {
    while (workers.size < count) await startWorker(workers.size + 1, DEFAULT_LOCK_SECONDS)
    for (const load of LOADS) {
      await Promise.all([...workers.keys()].map((index) => fullPool(instanceOf(index))))
      const started = performance.now()
      const results = await Promise.all(
        Array.from({ length: load.jobs }, () => queue.execute({ code: load.code })),
      )
      const seconds = (performance.now() - started) / 1_000
      for (const result of results) expectOk(result, load.name)
      const rate = load.jobs / seconds
      rates.set(`${load.name}/${count}`, rate)
      const one = rates.get(`${load.name}/1`) ?? rate
      rows
        .get(load.name)
        ?.push([
          load.name,
          String(count),
          String(count * SLOTS),
          String(load.jobs),
          seconds.toFixed(1),
          rate.toFixed(2),
          `${(rate / one).toFixed(2)}×`,
          split(results),
        ])
    }
  }
  await closeLast(1)
  printMarkdownTable(
    `## 2. Throughput: one QueueExecutor, each batch enqueued at once, workers with concurrency ${SLOTS} and pool ${POOL_SIZE} (CPU-bound rows: on one ${cpus().length}-core machine this shows contention, not capacity)`,
    [
      'load',
      'workers',
      'slots',
      'executions',
      'wall s',
      'executions/s',
      'vs 1 worker',
      'jobs per node',
    ],
    [...rows.values()].flat(),
  )
  const slotBound = LOADS[0].name
  const ratio = (rates.get(`${slotBound}/2`) ?? 0) / (rates.get(`${slotBound}/1`) ?? 1)
  console.log(`\nSlot-bound, 2 workers / 1 worker: ${ratio.toFixed(2)}× (the issue expects ≥ 1.8×)`)
}

/** Section 3: SIGKILL the worker running `while True: pass`; time until its caller hears. */
async function lostWorker(): Promise<void> {
  await stopWorker(3)
  const rows: string[][] = []
  for (const lock of [DEFAULT_LOCK_SECONDS, FAST_LOCK_SECONDS]) {
    const queue = await queueExecutor(lock)
    const times: number[] = []
    for (let trial = 1; trial <= LOST_TRIALS; trial++) {
      for (const index of [1, 2])
        if (workerLocks.get(index) !== lock) await startWorker(index, lock)
      const { seconds, node, why } = await killTrial(queue)
      times.push(seconds)
      rows.push([String(lock), String(trial), node, seconds.toFixed(1), why])
    }
    rows.push([String(lock), 'median', '', percentile(times, 50).toFixed(1), ''])
    await closeLast(1)
  }
  printMarkdownTable(
    `## 3. Worker death: SIGKILL of the worker running \`while True: pass\` (1 s after it started), to the caller's engine_error result (2 workers)`,
    ['queue.lock_seconds', 'trial', 'killed', 'kill → result (s)', 'why (from the message)'],
    rows,
  )
}

async function killTrial(
  queue: QueueExecutor,
): Promise<{ seconds: number; node: string; why: string }> {
  const before = new Set(await client.keys(keys.claim('*')))
  const pending = queue.execute({ code: 'while True:\n    pass', timeoutSeconds: 30 })
  pending.catch(() => {})
  const node = await claimedBy(before)
  await sleep(1_000)
  const index = [...workers].find(([, worker]) => worker.node === node)?.[0]
  const victim = index === undefined ? undefined : workers.get(index)
  if (index === undefined || victim === undefined)
    throw new Error(`no worker of this bench is named ${node}`)
  const killedAt = performance.now()
  await victim.kill()
  const result = await pending
  const seconds = (performance.now() - killedAt) / 1_000
  workers.delete(index)
  workerLocks.delete(index)
  // Its containers, the spinning one included, are orphans now.
  await reapInstance(victim.configPath)
  if (result.status !== 'engine_error' || !isLostWorkerMessage(result.message))
    throw new Error(`expected a lost-worker engine_error, got ${result.status}: ${result.message}`)
  return { seconds, node, why: /\(([^)]*)\)/.exec(result.message ?? '')?.[1] ?? '' }
}

/** The node name a worker writes into the claim key when it starts the job. */
async function claimedBy(before: ReadonlySet<string>): Promise<string> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const claim = (await client.keys(keys.claim('*'))).find((key) => !before.has(key))
    const node = claim === undefined ? null : await client.get(claim)
    if (node !== null) return node
    await sleep(20)
  }
  throw new Error('no worker claimed the job within 30 s')
}

/** The worker's own `durationMs`, from the result event it left on the execution's stream. */
async function workerDuration(id: string): Promise<number> {
  const entries = await client.xrangeBuffer(keys.events(id), '-', '+')
  for (const [, fields] of entries) {
    const event = decodeEvent(fields, id)
    if (event.type === 'result') return event.result.durationMs
  }
  throw new Error(`no result event on the stream of ${id}`)
}

/** Starts worker `index` (stopping the one running under that index first) and waits for its pool. */
async function startWorker(index: number, lockSeconds: number): Promise<void> {
  await stopWorker(index)
  const config: ConfigInput = {
    code_execution: CODE_EXECUTION,
    orchestrator: {
      instance_id: instanceOf(index),
      node_name: `bench-w${index}`,
      concurrency: SLOTS,
    },
    pool: { size: POOL_SIZE, preload: [] },
    queue: { lock_seconds: lockSeconds },
    logging: { level: 'warn' },
  }
  const configPath = join(dir, `worker-${index}.yml`)
  configPaths.add(configPath)
  workers.set(index, await WorkerProcess.start({ configPath, config, url: redis.url }))
  workerLocks.set(index, lockSeconds)
  await fullPool(instanceOf(index))
}

async function stopWorker(index: number): Promise<void> {
  const worker = workers.get(index)
  if (worker === undefined) return
  await worker.stop()
  workers.delete(index)
  workerLocks.delete(index)
  await reapInstance(worker.configPath)
}

async function queueExecutor(lockSeconds: number): Promise<QueueExecutor> {
  const config = configSchema.parse({
    code_execution: CODE_EXECUTION,
    orchestrator: { node_name: 'bench-api' },
    queue: { lock_seconds: lockSeconds },
  })
  const executor = await QueueExecutor.create({ config, url: redis.url })
  closers.push(() => executor.close())
  return executor
}

/** Closes the executors and sandboxes opened last, in reverse. */
async function closeLast(count: number): Promise<void> {
  for (const close of closers.splice(-count).reverse()) await close()
}

async function writeConfig(name: string, config: ConfigInput): Promise<void> {
  const path = join(dir, name)
  await writeFile(path, stringify(config))
  configPaths.add(path)
}

function instanceOf(index: number): string {
  return `bench-scale-out-w${index}`
}

function fullPool(instanceId: string, previous?: ReadonlySet<string>): Promise<Set<string>> {
  return waitForFullPool(docker, instanceId, POOL_SIZE, previous)
}

function expectOk(result: ExecutionResult, what: string): void {
  if (result.status !== 'ok')
    throw new Error(`${what} came back ${result.status}: ${result.message}`)
}

/** `bench-w1: 12, bench-w2: 12`. */
function split(results: readonly ExecutionResult[]): string {
  const counts = new Map<string, number>()
  for (const { node } of results) counts.set(node, (counts.get(node) ?? 0) + 1)
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([node, n]) => `${node}: ${n}`)
    .join(', ')
}

/** Workers (SIGTERM, then SIGKILL), executors, the local sandbox, leftover containers, Redis, temp files. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    const problems: unknown[] = []
    const attempt = (p: Promise<unknown>) => p.catch((error: unknown) => problems.push(error))
    for (const close of closers.splice(0).reverse()) await attempt(close())
    await Promise.all([...workers.values()].map((worker) => attempt(worker.stop())))
    await Promise.all([...configPaths].map((path) => attempt(reapInstance(path))))
    client.disconnect()
    await attempt(redis.destroy())
    await attempt(rm(dir, { recursive: true, force: true }))
    for (const problem of problems) console.error('cleanup:', problem)
  })()
  return cleaning
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
