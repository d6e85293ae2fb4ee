import autocannon from 'autocannon'
import { configSchema } from '../src/config/schema.js'
import { Sandbox } from '../src/sandbox/sandbox.js'
import { ApiKeys } from '../src/server/api-keys.js'
import { HttpServer } from '../src/server/http-server.js'

/**
 * Hello world over the HTTP API, measured by autocannon at 1 and 4 connections: requests per
 * second and latency percentiles, each request one fresh container. The server runs in this
 * process with the default config (concurrency 4), rate limit and per-key quota lifted.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20)
const BODY = JSON.stringify({ code: 'print("hello world")' })

const config = configSchema.parse({
  orchestrator: { instance_id: 'bench-http' },
  server: { port: 0, rate_limit_per_minute: 1_000_000, concurrency_per_key: 10_000 },
})
const sandbox = await Sandbox.create({ config })
const server = await HttpServer.start({ executor: sandbox, apiKeys: ApiKeys.of([]) })
try {
  const url = `${server.url}/v1/executions`
  const check = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  })
  const first = (await check.json()) as { status?: string; stdout?: string }
  if (first.status !== 'ok') throw new Error(`hello world failed: ${JSON.stringify(first)}`)
  const rows: string[][] = []
  for (const connections of [1, 4]) {
    const result = await autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
      connections,
      duration: SECONDS,
      timeout: 60,
    })
    const failed = result.non2xx + result.errors + result.timeouts
    rows.push([
      String(connections),
      String(result.requests.total),
      (result.requests.total / SECONDS).toFixed(2),
      `${result.latency.p50} ms`,
      `${result.latency.p99} ms`,
      `${result.latency.max} ms`,
      String(failed),
    ])
  }
  printRows(`Hello world over HTTP, POST /v1/executions, ${SECONDS} s per row (autocannon)`, [
    ['connections', 'requests', 'req/s', 'p50', 'p99', 'max', 'failed'],
    ...rows,
  ])
} finally {
  await server.close({ graceMs: 0 })
}

function printRows(title: string, table: readonly string[][]): void {
  const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  console.log(`\n${title}`)
  console.log(line(table[0] ?? []))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const row of table.slice(1)) console.log(line(row))
}
