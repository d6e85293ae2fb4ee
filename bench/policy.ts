import { spawnSync } from 'node:child_process'
import { parser } from '@lezer/python'
import { configSchema } from '../src/config/schema.js'
import { checkPolicy } from '../src/policy/index.js'
import type { PolicyConfig } from '../src/policy/types.js'
import { validateRequest } from '../src/sandbox/execute-request.js'
import { printTable } from './stats.js'

/**
 * The static policy's speed: a 1,000-line script (parse alone, and the whole check), and how
 * fast a 1 MiB script is refused (by the sandbox's request check, and by the policy's own cap).
 * For scale, the same script through CPython's own C parser (`ast.parse`) on this machine:
 * the floor for parsing Python at all, which no check that reads the syntax tree can beat.
 */
const RUNS = 300
const WARMUP = 50

const block = (i: number): string =>
  [
    `def step_${i}(values, scale=${i}):`,
    `    total = sum(v * scale for v in values if v % 2)`,
    `    label = f"step {i}: {total!r}"`,
    `    return {"step": ${i}, "total": total, "label": label}`,
    `result_${i} = step_${i}(range(${i}))`,
  ].join('\n')
const header =
  'import numpy as np\nimport pandas as pd\nframe = pd.DataFrame({"a": np.arange(10)})\n'
const script = `${header}${Array.from({ length: 200 }, (_, i) => block(i)).join('\n')}\n`
const lines = script.split('\n').length - 1
const huge = `x = 1\n${'# padding\n'.repeat(110_000)}`

const HOST_PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3'

const settings = configSchema.parse({}).code_execution
const policy: PolicyConfig = settings

function sample(run: () => void): number[] {
  for (let i = 0; i < WARMUP; i++) run()
  const samples: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    run()
    samples.push(performance.now() - start)
  }
  return samples
}

/** CPython's `ast.parse` of the script, timed inside the interpreter; empty if there is none. */
function cpythonParse(source: string): number[] {
  const timing = [
    'import ast, json, sys, time',
    'source = sys.stdin.read()',
    `for _ in range(${WARMUP}): ast.parse(source)`,
    'samples = []',
    `for _ in range(${RUNS}):`,
    '    start = time.perf_counter(); ast.parse(source)',
    '    samples.append((time.perf_counter() - start) * 1000)',
    'print(json.dumps(samples))',
  ].join('\n')
  const run = spawnSync(HOST_PYTHON, ['-c', timing], { input: source, encoding: 'utf8' })
  if (run.status !== 0) {
    console.error(`no CPython floor: ${HOST_PYTHON} -c failed (${run.error ?? run.stderr})`)
    return []
  }
  return JSON.parse(run.stdout) as number[]
}

if (!checkPolicy(script, policy).allowed) throw new Error('the benchmark script must be allowed')
const floor = cpythonParse(script)
printTable(`static policy, ${RUNS} runs each (${lines} lines, ${script.length} bytes)`, [
  ...(floor.length > 0
    ? [{ name: `CPython ast.parse (floor), ${lines} lines`, samples: floor }]
    : []),
  { name: `lezer parse only, ${lines} lines`, samples: sample(() => parser.parse(script)) },
  { name: `checkPolicy, ${lines} lines`, samples: sample(() => checkPolicy(script, policy)) },
  {
    name: `1 MiB refused by the request check`,
    samples: sample(() => {
      try {
        validateRequest({ code: huge }, settings)
      } catch {
        return
      }
      throw new Error('expected a refusal')
    }),
  },
  {
    name: `1 MiB refused by checkPolicy's cap`,
    samples: sample(() => {
      if (checkPolicy(huge, policy).violations[0]?.rule !== 'source-too-large')
        throw new Error('expected source-too-large')
    }),
  },
])
