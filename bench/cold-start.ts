import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { configSchema } from '../src/config/schema.js'
import { Sandbox } from '../src/sandbox/sandbox.js'
import { printTable } from './stats.js'

/**
 * Cold-path cost of one hello-world execution, three ways, in the same run:
 * the docker CLI (the floor for "a fresh container"), our CLI end to end (node start-up,
 * config, policy, container), and the library's execute() alone.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 10)
const exec = promisify(execFile)
// Cold: no warm pool, so every execution starts its own container.
const config = configSchema.parse({ orchestrator: { instance_id: 'bench' }, pool: { size: 0 } })

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

async function sample(fn: () => Promise<unknown>): Promise<number[]> {
  await fn() // warm the page cache and the engine; not counted
  const samples: number[] = []
  for (let i = 0; i < RUNS; i++) samples.push(await time(fn))
  return samples
}

const dir = await mkdtemp(join(tmpdir(), 'tinyagent-bench-'))
try {
  const script = join(dir, 'hello.py')
  await writeFile(script, 'print(1)\n')
  const image = config.code_execution.image
  const dockerRun = await sample(() =>
    exec('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'python3',
      image,
      '-c',
      'print(1)',
    ]),
  )
  const cliRun = await sample(() => exec('node', ['dist/cli/main.js', 'run', script]))
  const sandbox = await Sandbox.create({ config })
  const libraryRun = await sample(async () => {
    const result = await sandbox.execute({ code: 'print(1)' })
    if (result.status !== 'ok')
      throw new Error(`hello world failed: ${result.status} ${result.message}`)
  })
  await sandbox.close()
  printTable(`Cold hello world, runc, ${RUNS} runs each (ms, wall clock)`, [
    { name: "docker run --rm --network none <image> python3 -c 'print(1)'", samples: dockerRun },
    { name: 'tinyagent-sandbox run hello.py (CLI, node start-up included)', samples: cliRun },
    { name: 'sandbox.execute({ code }) (library)', samples: libraryRun },
  ])
} finally {
  await rm(dir, { recursive: true, force: true })
}
