import { Sandbox } from '../src/sandbox/sandbox.js'
import { printTable } from './stats.js'

/**
 * Warm print(1) alone, request to result, with a pool of one refilled between runs: the
 * figure the host-boundary work had to keep (issue 12). BENCH_RUNS (default 100),
 * BENCH_RUNTIMES (default runc,runsc), BENCH_IMAGE (default the configured image).
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 100)
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? 'runc,runsc').split(',')
const IMAGE = process.env.BENCH_IMAGE

for (const runtime of RUNTIMES) {
  const rows = []
  for (const files of [false, true]) {
    const sandbox = await Sandbox.create({
      config: {
        code_execution: {
          runtime,
          ...(IMAGE === undefined ? {} : { image: IMAGE }),
          allowed_operations: { file_operations: files },
        },
        orchestrator: { instance_id: `bench-warm-latency-${runtime}` },
        pool: { size: 1, preload: [] },
      },
    })
    const samples: number[] = []
    for (let i = 0; i < RUNS + 1; i++) {
      while (sandbox.warm < 1) await new Promise((resolve) => setTimeout(resolve, 5))
      const started = performance.now()
      const result = await sandbox.execute({ code: 'print(1)' })
      if (result.status !== 'ok') throw new Error(`print(1) came back ${result.status}`)
      if (i > 0) samples.push(performance.now() - started)
    }
    await sandbox.close()
    rows.push({ name: `warm print(1), file operations ${files ? 'on' : 'off'}`, samples })
  }
  printTable(`Warm latency, ${runtime}, ${RUNS} runs (ms, request to result)`, rows)
}
