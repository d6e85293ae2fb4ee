import { execFile } from 'node:child_process'
import { loadavg } from 'node:os'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import { configSchema } from '../src/config/schema.js'
import { buildContainerSpec } from '../src/engine/container-spec.js'
import { initHeader } from '../src/engine/init-protocol.js'
import { Sandbox } from '../src/sandbox/sandbox.js'
import {
  agents,
  burstThenPace,
  type Call,
  isolated,
  SNIPPETS,
  type Target,
} from './agent-workload.js'
import { percentile, printTable, type Row } from './stats.js'

/**
 * The warm pool against its floors, same machine, same run, same image: host python3,
 * `docker run --rm`, a raw dockerode create/attach/start/wait/remove loop, our cold path and
 * our warm path, for print(1) and a pandas snippet; then sustained executions per second;
 * then agent-shaped workloads (agent-workload.ts) against the default config's pool.
 * BENCH_RUNS (default 50), BENCH_SECONDS (default 20), BENCH_RUNTIMES (default runc,runsc),
 * BENCH_SECTIONS (default latency,throughput,agents), BENCH_REPEAT (each throughput and
 * agent cell, default 1), BENCH_AGENT_SECONDS (default 60), BENCH_CONCURRENCY (the
 * throughput cells, default 1,2,4,8). Each cell prints the 1-minute load average it started
 * under: on a shared machine the figures move with it.
 * BENCH_FIXED_POOL names a checkout of the fixed pool (`bash bench/support/fixed-pool.sh`
 * makes one, with its image): its Sandbox then runs the same throughput and agent cells, in
 * the same process, right before ours.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 50)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20)
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? 'runc,runsc').split(',')
const SECTIONS = (process.env.BENCH_SECTIONS ?? 'latency,throughput,agents').split(',')
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1)
const AGENT_SECONDS = Number(process.env.BENCH_AGENT_SECONDS ?? 60)
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,2,4,8').split(',').map(Number)
const FIXED_TREE = process.env.BENCH_FIXED_POOL
/** The image `bench/support/fixed-pool.sh` builds from the fixed pool's own image sources. */
const FIXED_IMAGE = 'tinyagent-sandbox/python-fixed'
const exec = promisify(execFile)
/** The interpreter itself: a version manager's shim (pyenv) would add its own start-up to the floor. */
const HOST_PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3'
const docker = new Docker()
const load = (): string => loadavg()[0]?.toFixed(1) ?? '?'

/** The host's python3 may lack pandas; then that floor is left out of the table. */
async function hostCan(code: string): Promise<boolean> {
  return exec(HOST_PYTHON, ['-c', code]).then(
    () => true,
    () => false,
  )
}

/** Times `fn` only; `prepare` (say, waiting for a ready warm container) runs untimed before each. */
async function sample(
  runs: number,
  fn: () => Promise<unknown>,
  prepare: () => Promise<void> = async () => {},
): Promise<number[]> {
  await prepare()
  await fn()
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    await prepare()
    const started = performance.now()
    await fn()
    samples.push(performance.now() - started)
  }
  return samples
}

const RAW_SECRET = 'bench'.repeat(8)

/** dockerode with nothing of ours: create, attach, start, write stdin, wait, remove. */
async function rawDockerode(runtime: string, code: string): Promise<void> {
  const spec = buildContainerSpec({
    image: 'tinyagent-sandbox/python',
    runtime,
    limits: configSchema.parse({}).code_execution.limits,
    instanceId: 'bench-raw',
    owner: 'bench/0',
    executionId: 'raw',
    idleDeadlineMs: 30_000,
  })
  const container = await docker.createContainer(spec)
  const stream = await container.attach({
    stream: true,
    stdin: true,
    stdout: true,
    stderr: true,
    hijack: true,
  })
  stream.resume()
  await container.start()
  stream.end(`${initHeader(60_000)}${JSON.stringify({ code, secret: RAW_SECRET })}`)
  await container.wait()
  await container.remove({ force: true })
}

function sandboxFor(
  runtime: string,
  poolSize: number,
  concurrency = 8,
  preload: readonly string[] = ['numpy', 'pandas'],
): Promise<Sandbox> {
  return Sandbox.create({
    config: {
      code_execution: { runtime },
      orchestrator: { instance_id: `bench-${runtime}-${poolSize}`, concurrency },
      pool: { size: poolSize, preload: [...preload] },
    },
  })
}

/** A sandbox of either tree, as the throughput and agent cells use it. */
interface Pool extends Target {
  close(): Promise<void>
}

interface FixedModule {
  Sandbox: { create(options: { config: object }): Promise<Pool> }
}

/** The fixed pool's Sandbox, from its own tree and image; undefined without BENCH_FIXED_POOL. */
const fixedModule: FixedModule | undefined =
  FIXED_TREE === undefined
    ? undefined
    : ((await import(`${FIXED_TREE}/src/sandbox/sandbox.ts`)) as FixedModule)

function fixedSandbox(
  runtime: string,
  poolSize: number,
  concurrency = 4,
  preload: readonly string[] = ['numpy', 'pandas'],
): Promise<Pool> {
  if (fixedModule === undefined) throw new Error('BENCH_FIXED_POOL is not set')
  return fixedModule.Sandbox.create({
    config: {
      code_execution: { runtime, image: FIXED_IMAGE },
      orchestrator: { instance_id: `bench-fixed-${runtime}-${poolSize}`, concurrency },
      pool: { size: poolSize, preload: [...preload] },
    },
  })
}

/**
 * print(1) as code that names pandas in an import it never runs: the pool then counts every
 * take as wanting a preloaded container, so only `busy` and the arrival rate keep it from
 * preloading. Plain print(1) wants none, and the pool stops preloading for that alone.
 */
const NAMES_PANDAS = 'if False:\n    import pandas\nprint(1)'

/** Executions/s with a pool of min(concurrency, 4) warm containers (its floor). */
async function warmThroughput(
  runtime: string,
  concurrency: number,
  preload: readonly string[],
  code = 'print(1)',
  make: typeof sandboxFor | typeof fixedSandbox = sandboxFor,
): Promise<number> {
  const size = Math.min(concurrency, 4)
  const warm = await make(runtime, size, concurrency, preload)
  await waitWarm(warm, size)
  const rate = await throughput(() => warm.execute({ code }), concurrency)
  await warm.close()
  return rate
}

async function waitWarm(sandbox: Target, count: number): Promise<void> {
  while (sandbox.warm < count) await new Promise((resolve) => setTimeout(resolve, 10))
}

async function latency(runtime: string): Promise<Row[]> {
  const rows: Row[] = []
  const cold = await sandboxFor(runtime, 0)
  const warm = await sandboxFor(runtime, 2)
  for (const [name, code] of Object.entries(SNIPPETS)) {
    if (runtime === 'runc') {
      if (await hostCan(code)) {
        rows.push({
          name: `host python3 -c, ${name}`,
          samples: await sample(RUNS, () => exec(HOST_PYTHON, ['-c', code])),
        })
      }
      const args = [
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        'python3',
        'tinyagent-sandbox/python',
        '-c',
        code,
      ]
      rows.push({
        name: `docker run --rm, ${name}`,
        samples: await sample(RUNS, () => exec('docker', args)),
      })
    }
    rows.push({
      name: `${runtime} raw dockerode cold, ${name}`,
      samples: await sample(RUNS, () => rawDockerode(runtime, code)),
    })
    rows.push({
      name: `${runtime} our cold path, ${name}`,
      samples: await sample(RUNS, () => cold.execute({ code })),
    })
    rows.push({
      name: `${runtime} our warm path, ${name}`,
      samples: await sample(
        RUNS,
        async () => {
          const result = await warm.execute({ code })
          if (result.status !== 'ok') throw new Error(`${result.status}: ${result.message}`)
        },
        // The figure is for a ready container, as between an agent's calls; not timed.
        () => waitWarm(warm, 2),
      ),
    })
  }
  await Promise.all([cold.close(), warm.close()])
  return rows
}

/** Executions completed per second by `concurrency` callers looping for SECONDS. */
async function throughput(run: () => Promise<unknown>, concurrency: number): Promise<number> {
  let done = 0
  const deadline = performance.now() + SECONDS * 1_000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await run()
        done++
      }
    }),
  )
  return done / SECONDS
}

async function throughputTable(runtime: string): Promise<void> {
  const lines: string[] = []
  for (const concurrency of CONCURRENCIES) {
    for (let rep = 1; rep <= REPEAT; rep++) {
      const startLoad = load()
      // The raw loop and the warm paths one after another, the cold path last: on a shared
      // machine the ratio of neighbours is steadier than the figures themselves.
      const raw = await throughput(() => rawDockerode(runtime, 'print(1)'), concurrency)
      const fixedRate =
        fixedModule === undefined
          ? Number.NaN
          : await warmThroughput(
              runtime,
              concurrency,
              ['numpy', 'pandas'],
              'print(1)',
              fixedSandbox,
            )
      const warmRate = await warmThroughput(runtime, concurrency, ['numpy', 'pandas'])
      const namedRate = await warmThroughput(
        runtime,
        concurrency,
        ['numpy', 'pandas'],
        NAMES_PANDAS,
      )
      const bareRate = await warmThroughput(runtime, concurrency, [])
      const cold = await sandboxFor(runtime, 0, concurrency)
      const coldRate = await throughput(() => cold.execute({ code: 'print(1)' }), concurrency)
      await cold.close()
      const rates = [raw, coldRate, fixedRate, warmRate, namedRate, bareRate].map((v) =>
        v.toFixed(2),
      )
      const ratios = [fixedRate / raw, warmRate / raw, namedRate / raw].map((v) => v.toFixed(2))
      lines.push(
        `| ${concurrency} | ${rep} | ${startLoad} | ${[...rates, ...ratios].join(' | ')} |`,
      )
    }
  }
  console.log(`\nSustained print(1) executions/s, ${runtime}, ${SECONDS} s each`)
  console.log(
    '| concurrency | run | load | raw dockerode | our cold | fixed pool (preloaded) | our warm (preloaded) | our warm (preloaded, code names pandas) | our warm (no preload) | fixed / raw | warm / raw | named / raw |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const line of lines) console.log(line)
}

/** Takes so far by what they found; the fixed pool does not count them. */
async function takes(sandbox: Pool): Promise<{ preloaded: number; plain: number; none: number }> {
  const pool = sandbox instanceof Sandbox ? (await sandbox.gauges()).pool : undefined
  return pool?.takes ?? { preloaded: Number.NaN, plain: Number.NaN, none: Number.NaN }
}

/** The pools an agent cell runs against: the fixed one first when given, then ours. */
function agentPools(runtime: string): [string, () => Promise<Pool>][] {
  const ours: [string, () => Promise<Pool>] = [
    'adaptive',
    () =>
      Sandbox.create({
        config: {
          code_execution: { runtime },
          orchestrator: { instance_id: `bench-agents-${runtime}` },
        },
      }),
  ]
  if (fixedModule === undefined) return [ours]
  const module = fixedModule
  const fixed: [string, () => Promise<Pool>] = [
    'fixed',
    () =>
      module.Sandbox.create({
        config: {
          code_execution: { runtime, image: FIXED_IMAGE },
          orchestrator: { instance_id: `bench-agents-fixed-${runtime}` },
        },
      }),
  ]
  return [fixed, ours]
}

/**
 * The agent workloads against the default config's pool (pool.size 2; max_size 4 where the
 * pool adapts; orchestrator.concurrency 4), each in a fresh sandbox whose pool is full first.
 */
async function agentTable(runtime: string): Promise<void> {
  const workloads: [string, (sandbox: Target) => Promise<Call[]>][] = [
    ['one call at a time (floor)', (sandbox) => isolated(sandbox, 10)],
    ['burst of 4, then pandas 1/s', (sandbox) => burstThenPace(sandbox, 3, 8)],
    ['1 agent', (sandbox) => agents(sandbox, 1, AGENT_SECONDS)],
    ['4 agents', (sandbox) => agents(sandbox, 4, AGENT_SECONDS)],
  ]
  const lines: string[] = []
  for (const [name, workload] of workloads) {
    for (let rep = 1; rep <= REPEAT; rep++) {
      for (const [poolName, create] of agentPools(runtime)) {
        const sandbox = await create()
        await waitWarm(sandbox, sandbox.config.pool.size)
        const startLoad = load()
        const before = await takes(sandbox)
        const calls = await workload(sandbox)
        const after = await takes(sandbox)
        await sandbox.close()
        const found = (['preloaded', 'plain', 'none'] as const).map((k) => after[k] - before[k])
        const total = found.reduce((a, b) => a + b, 0)
        const share = Number.isNaN(total)
          ? 'not counted'
          : `${Math.round((100 * ((found[0] ?? 0) + (found[1] ?? 0))) / total)} % (${found.join('/')})`
        for (const kind of Object.keys(SNIPPETS) as (keyof typeof SNIPPETS)[]) {
          const ms = calls.filter((c) => c.kind === kind).map((c) => c.ms)
          if (ms.length === 0) continue
          const cells = [50, 90, 99].map((p) => percentile(ms, p).toFixed(0))
          lines.push(
            `| ${name} | ${poolName} | ${rep} | ${startLoad} | ${kind} | ${ms.length} | ${cells.join(' | ')} | ${share} |`,
          )
        }
      }
    }
  }
  console.log(`\nAgent workloads, ${runtime}, default config (ms, request to result)`)
  console.log(
    '| workload | pool | run | load | snippet | n | p50 | p90 | p99 | takes found ready (preloaded/plain/none) |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const line of lines) console.log(line)
}

for (const runtime of RUNTIMES) {
  if (SECTIONS.includes('latency'))
    printTable(
      `Latency, ${runtime}, ${RUNS} runs each (ms, request to result)`,
      await latency(runtime),
    )
  if (SECTIONS.includes('throughput')) await throughputTable(runtime)
  if (SECTIONS.includes('agents')) await agentTable(runtime)
}
