import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { printTable, type Row } from './stats.js'

/**
 * What importing each entry point costs a fresh `node`: CPU time and wall time of the
 * `import()` alone, through the package's own `exports` map (so dist/, as shipped; `make
 * bench` builds it first). Runs interleave the entries, so a busy moment hits them alike.
 */
const RUNS = 15
const ENTRIES = [
  'tinyagent-sandbox/policy',
  'tinyagent-sandbox',
  'tinyagent-sandbox/mcp',
  'tinyagent-sandbox/queue',
  'tinyagent-sandbox/server',
]
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))

const MEASURE = `
const cpu = process.cpuUsage()
const start = performance.now()
await import(process.argv[1])
const used = process.cpuUsage(cpu)
process.stdout.write(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start }))
`

const cpu = new Map<string, number[]>(ENTRIES.map((entry) => [entry, []]))
const wall = new Map<string, number[]>(ENTRIES.map((entry) => [entry, []]))
for (let run = 0; run < RUNS; run++) {
  for (const entry of ENTRIES) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', MEASURE, entry], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
    const { cpuMs, wallMs } = JSON.parse(out) as { cpuMs: number; wallMs: number }
    cpu.get(entry)?.push(cpuMs)
    wall.get(entry)?.push(wallMs)
  }
}

const rows = (samples: Map<string, number[]>): Row[] =>
  ENTRIES.map((entry) => ({ name: entry, samples: samples.get(entry) ?? [] }))
printTable(`import() in a fresh node, CPU time (${RUNS} runs each)`, rows(cpu))
printTable(`import() in a fresh node, wall time (${RUNS} runs each)`, rows(wall))
