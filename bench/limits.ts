import { Sandbox } from '../src/sandbox/sandbox.js'

/**
 * Each limit driven to its edge, under runc and runsc: the status it ends with and how long
 * the execution took in all (for the timeout, also how far past the deadline the result came).
 */
interface Case {
  readonly name: string
  readonly code: string
  readonly timeoutSeconds?: number
}

const CASES: readonly Case[] = [
  { name: 'timeout (sleep 60, limit 2 s)', code: 'import time\ntime.sleep(60)', timeoutSeconds: 2 },
  {
    name: 'memory (grow 16 MiB at a time, 256 MB)',
    code: 'x = []\nwhile True:\n    x.append(bytearray(16 << 20))',
  },
  { name: 'memory (bytearray(10**10))', code: 'bytearray(10**10)' },
  { name: 'output (print forever, 1 MiB)', code: "while True:\n    print('x' * 100)" },
  {
    name: 'pids (fork bomb, 64)',
    code: 'import os\nwhile True:\n    os.fork()',
    timeoutSeconds: 5,
  },
  {
    name: 'disk (/tmp 64 MB)',
    code: "f = open('/tmp/fill', 'wb')\nwhile True:\n    f.write(b'x' * (1 << 20))",
  },
  { name: 'open files (256)', code: "fs = []\nwhile True:\n    fs.append(open('/etc/hostname'))" },
]

const rows: string[][] = [['runtime', 'case', 'status', 'total ms', 'past deadline ms']]
for (const runtime of ['runc', 'runsc']) {
  const sandbox = await Sandbox.create({
    config: {
      code_execution: {
        runtime,
        allow_dangerous_operations: true,
        allowed_operations: { imports: ['time'] },
      },
      orchestrator: { instance_id: 'bench-limits' },
    },
  })
  for (const testCase of CASES) {
    const started = performance.now()
    const result = await sandbox.execute({
      code: testCase.code,
      ...(testCase.timeoutSeconds ? { timeoutSeconds: testCase.timeoutSeconds } : {}),
    })
    const total = performance.now() - started
    const past =
      result.status === 'timeout' && testCase.timeoutSeconds
        ? total - testCase.timeoutSeconds * 1000
        : undefined
    rows.push([
      runtime,
      testCase.name,
      result.status,
      total.toFixed(0),
      past === undefined ? '' : past.toFixed(0),
    ])
  }
  await sandbox.close()
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
console.log('\nLimits driven to the edge (static policy off; the container alone holds)')
for (const [index, row] of rows.entries()) {
  console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '))
  if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
}
