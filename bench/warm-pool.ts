import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import { configSchema } from '../src/config/schema.js'
import { buildContainerSpec } from '../src/engine/container-spec.js'
import { initHeader } from '../src/engine/init-protocol.js'
import { Sandbox } from '../src/sandbox/sandbox.js'
import { printTable, type Row } from './stats.js'

/**
 * The warm pool against its floors, same machine, same run, same image: host python3,
 * `docker run --rm`, a raw dockerode create/attach/start/wait/remove loop, our cold path and
 * our warm path, for print(1) and a pandas snippet; then sustained executions per second.
 * BENCH_RUNS (default 50), BENCH_SECONDS (default 20), BENCH_RUNTIMES (default runc,runsc).
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 50)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20)
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? 'runc,runsc').split(',')
const exec = promisify(execFile)
/** The interpreter itself: a version manager's shim (pyenv) would add its own start-up to the floor. */
const HOST_PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3'
const docker = new Docker()
const SNIPPETS = {
  'print(1)': 'print(1)',
  pandas: 'import pandas as pd\nprint(int(pd.DataFrame({"a": range(100)}).a.sum()))',
} as const

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

/** Executions/s with a pool of min(concurrency, 4) warm containers. */
async function warmThroughput(
  runtime: string,
  concurrency: number,
  preload: readonly string[],
): Promise<number> {
  const size = Math.min(concurrency, 4)
  const warm = await sandboxFor(runtime, size, concurrency, preload)
  await waitWarm(warm, size)
  const rate = await throughput(() => warm.execute({ code: 'print(1)' }), concurrency)
  await warm.close()
  return rate
}

async function waitWarm(sandbox: Sandbox, count: number): Promise<void> {
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

for (const runtime of RUNTIMES) {
  printTable(
    `Latency, ${runtime}, ${RUNS} runs each (ms, request to result)`,
    await latency(runtime),
  )
  const lines: string[] = []
  for (const concurrency of [1, 2, 4, 8]) {
    const raw = await throughput(() => rawDockerode(runtime, 'print(1)'), concurrency)
    const cold = await sandboxFor(runtime, 0, concurrency)
    const coldRate = await throughput(() => cold.execute({ code: 'print(1)' }), concurrency)
    await cold.close()
    const warmRate = await warmThroughput(runtime, concurrency, ['numpy', 'pandas'])
    const bareRate = await warmThroughput(runtime, concurrency, [])
    const cells = [concurrency, raw, coldRate, warmRate, bareRate].map((v, i) =>
      i === 0 ? String(v) : v.toFixed(2),
    )
    lines.push(cells.map((cell, i) => cell.padEnd([11, 13, 9, 22, 0][i] ?? 0)).join('  '))
  }
  console.log(`\nSustained print(1) executions/s, ${runtime}, ${SECONDS} s each`)
  console.log(
    'concurrency  raw dockerode  our cold   our warm (preloaded)    our warm (no preload)',
  )
  for (const line of lines) console.log(line)
}
