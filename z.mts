import { DockerEngine } from './src/engine/docker-engine.js'
import { buildContainerSpec } from './src/engine/container-spec.js'
import { configSchema } from './src/config/schema.js'
const cfg = configSchema.parse({})
const engine = new DockerEngine()
const spec = (id: string) => buildContainerSpec({ image: cfg.code_execution.image, runtime: 'runc', limits: cfg.code_execution.limits, instanceId: 'smoke', executionId: id })
for (const [name, code, t] of [
  ['ok', 'import sys\nprint("hi"); print("err", file=sys.stderr)', 5000],
  ['exc', 'def f():\n  1/0\nf()', 5000],
  ['sleep', 'import time\ntime.sleep(60)', 1500],
  ['oom', 'x = b"x" * (600*1024*1024)\nprint(len(x))', 5000],
  ['flood', 'while True: print("x"*1000)', 5000],
  ['net', 'import socket\ns=socket.socket()\ns.settimeout(2)\ns.connect(("1.1.1.1",80))', 5000],
] as const) {
  const t0 = performance.now()
  const r = await engine.run({ spec: spec(name), stdin: code, timeoutMs: t, outputLimitBytes: 1<<20 })
  console.log(name, Math.round(performance.now()-t0), JSON.stringify({ ...r, stdout: r.stdout.slice(0, 60), stderr: r.stderr.slice(-200) }))
}
console.log(await engine.listManaged())
