import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { assertCliBuilt, runCli, testInstanceId } from '../support/cli.js'
import { containersOf } from '../support/managed-containers.js'
import { TEST_RUNTIME } from '../support/test-config.js'
import { InstanceSampler } from './instance-sampler.js'
import { buildCases } from './load-cases.js'
import { buildReport, printReport, round, writeReport } from './load-report.js'
import { grownSamples, growth, metricSamples } from './metric-samples.js'
import { RssSampler } from './rss-sampler.js'
import { runLoad } from './run-load.js'
import { ServeProcess } from './serve-process.js'

/**
 * The load suite (`make load`): 1,000 executions through the HTTP API of a real `serve`
 * process at concurrency 8, mixing ok, error, policy_violation, timeout and memory_limit.
 * LOAD_EXECUTIONS sets another count for a quick try; LOAD_REPORT names a file for the
 * figures as JSON.
 */
const EXECUTIONS = Number(process.env.LOAD_EXECUTIONS ?? 1_000)
const CONCURRENCY = 8
const SEED = 20_240_607
/**
 * After the load, the idle time before the end reading: long enough for V8's memory reducer
 * (it runs a few seconds after allocation stops) to give back what the load used.
 */
const SETTLE_MS = 15_000
/**
 * How far RSS may end above the start. Not zero: V8 keeps the heap size it grew into for a
 * while and glibc keeps freed arenas, so a healthy server ends some MiB higher. 64 MiB over
 * 1,000 executions is 64 KiB each: retaining a result, its output or a container's streams
 * per execution would cross it, and a stream or socket leak far sooner.
 */
const RSS_GROWTH_LIMIT_MIB = 64

const instanceId = testInstanceId()
let dir: string
let workspaceRoot: string
let configPath: string
let server: ServeProcess | undefined

beforeAll(async () => {
  await assertCliBuilt()
  dir = await mkdtemp(join(tmpdir(), 'tinyagent-load-'))
  workspaceRoot = join(dir, 'workspaces')
  await mkdir(workspaceRoot)
  configPath = join(dir, 'load.yml')
  await writeConfig(configPath, workspaceRoot)
  server = await ServeProcess.start(configPath, dir)
})

afterAll(async () => {
  // Only after a failure is the server still up: kill it and remove what it left, so a
  // failed run does not litter the machine (the failure itself has been reported).
  if (server?.running === true) {
    await server.kill()
    await runCli(['reap', '--all', '--config', configPath], { cwd: dir })
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

it(`gives each of ${EXECUTIONS} mixed executions at concurrency ${CONCURRENCY} its one correct result, with RSS settled and nothing left after shutdown`, async () => {
  const s = server as ServeProcess
  const warmUp = await runLoad(s.url, buildCases(16, SEED + 1), CONCURRENCY)
  expect(warmUp.flatMap((o) => o.problems)).toStrictEqual([])
  await sleep(2_000)

  const rss = new RssSampler(s.pid)
  const rssStart = await rss.sample()
  const countsBefore = await metricSamples(s.url)
  const instances = new InstanceSampler(instanceId, join(workspaceRoot, instanceId))
  const cases = buildCases(EXECUTIONS, SEED)
  const startedAt = performance.now()
  const outcomes = await runLoad(s.url, cases, CONCURRENCY)
  const durationSeconds = round((performance.now() - startedAt) / 1_000)
  await instances.stop()
  await sleep(SETTLE_MS)
  const rssEnd = await rss.sample()
  rss.stop()
  const countsAfter = await metricSamples(s.url)

  const report = buildReport(outcomes, {
    concurrency: CONCURRENCY,
    durationSeconds,
    rssMib: { start: round(rssStart), peak: round(rss.peakMib), end: round(rssEnd) },
    peakContainers: instances.peakContainers,
  })
  printReport(report)
  await writeReport(report)

  // Every request: exactly one answer, the right status, its own token echoed back.
  expect.soft(outcomes).toHaveLength(EXECUTIONS)
  const failures = outcomes
    .filter((o) => o.problems.length > 0)
    .map((o) => `#${o.loadCase.index} ${o.loadCase.kind}: ${o.problems.join('; ')}`)
  expect.soft(failures.slice(0, 20), `${failures.length} failed`).toStrictEqual([])
  const ids = new Set(outcomes.map((o) => o.result?.id))
  expect.soft(ids.size).toBe(EXECUTIONS)
  // The server counted each execution once, by the same status, and answered no error.
  for (const status of new Set(cases.map((c) => c.expectedStatus))) {
    const sample = `tinyagent_sandbox_executions_total{status="${status}"}`
    expect
      .soft(growth(countsAfter, countsBefore, sample), sample)
      .toBe(cases.filter((c) => c.expectedStatus === status).length)
  }
  expect
    .soft(growth(countsAfter, countsBefore, 'tinyagent_sandbox_execution_duration_seconds_count'))
    .toBe(EXECUTIONS)
  expect
    .soft(grownSamples(countsAfter, countsBefore, 'tinyagent_sandbox_http_errors_total'))
    .toStrictEqual({})
  expect.soft(countsAfter.get('tinyagent_sandbox_queue_depth')).toBe(0)
  expect.soft(countsAfter.get('tinyagent_sandbox_containers_running')).toBe(0)
  // Workspaces were in use (file operations are on), so "none left" below proves removal.
  expect.soft(instances.peakWorkspaces).toBeGreaterThan(0)
  expect.soft(instances.failures).toStrictEqual([])
  expect
    .soft(rssEnd, `RSS start ${rssStart} MiB`)
    .toBeLessThanOrEqual(rssStart + RSS_GROWTH_LIMIT_MIB)

  expect(await s.stop(60_000), s.stderrTail).toBe(0)
  expect(s.stdout).toContain('tinyagent-sandbox: stopped; no containers left.\n')
  expect(await containersOf(instanceId)).toStrictEqual([])
  expect(await readdir(workspaceRoot)).toStrictEqual([instanceId])
  expect(await readdir(join(workspaceRoot, instanceId))).toStrictEqual([])
  const mounts = await readFile('/proc/self/mountinfo', 'utf8')
  expect(
    mounts.split('\n').filter((l) => l.split(' ')[4]?.startsWith(workspaceRoot)),
  ).toStrictEqual([])
})

async function writeConfig(path: string, root: string): Promise<void> {
  await writeFile(
    path,
    [
      'orchestrator:',
      `  instance_id: ${instanceId}`,
      // Two cores: 4 containers at once, the other client requests wait in the queue.
      '  concurrency: 4',
      '  queue_limit: 100',
      'code_execution:',
      `  runtime: ${TEST_RUNTIME}`,
      // Roomy for the OOM cases, whose kill can take over 10 s on a busy machine (the kernel
      // reclaims before it kills); the timeout cases lower it per request (load-cases.ts).
      '  timeout_seconds: 30',
      `  workspace_root: ${root}`,
      '  allowed_operations:',
      '    file_operations: true',
      '    imports: ["time"]',
      // The warm pool at its default size and preloads, as deployed.
      'server:',
      '  port: 0',
      // Lifted so that nothing but the sandbox itself decides a request's answer.
      '  rate_limit_per_minute: 1000000',
      '  concurrency_per_key: 1000',
      'logging:',
      '  level: info',
      '',
    ].join('\n'),
  )
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
