import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { describe, expect, it } from 'vitest'
import { DockerEngine } from '../../src/engine/docker-engine.js'
import { LABEL_EXECUTION } from '../../src/engine/labels.js'
import { reap } from '../../src/engine/reaper.js'
import { AbortedError, DeadlineExceededError, QueueFullError } from '../../src/errors.js'
import { silentLogger } from '../../src/logger.js'
import { QueueExecutor } from '../../src/queue/queue-executor.js'
import { QUEUE_URL_ENV } from '../../src/queue/queue-url.js'
import { QueueWorker } from '../../src/queue/queue-worker.js'
import { redisSettingsProblems } from '../../src/queue/redis-settings.js'
import { LOST_WORKER_PREFIX } from '../../src/sandbox/lost-worker.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { assertCliBuilt, CLI_MAIN, testInstanceId } from '../support/cli.js'
import { containersOf } from '../support/managed-containers.js'
import { API_NODE, type QueueHarness, queueTest as test, until } from '../support/queue-harness.js'
import { RedisServer } from '../support/redis-server.js'
import { TEST_RUNTIME, testConfig } from '../support/test-config.js'

const docker = new Docker()

const BUSY = 'print("started", flush=True)\nwhile True: pass'

/** Containers (any state) of one execution, whoever created them. */
async function containersOfExecution(id: string): Promise<number> {
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_EXECUTION}=${id}`] },
  })
  return found.length
}

describe('executions through the queue', () => {
  test('run on a worker, which names itself and the container the id', async ({ harness }) => {
    const { engine, sandbox } = await harness.worker()
    const api = await harness.api()
    const result = await api.execute({ code: 'print(1)' })
    expect([result.status, result.stdout]).toEqual(['ok', '1\n'])
    expect(result.node).toBe(sandbox.node)
    expect(result.node).not.toBe(api.node)
    expect(engine.executionIds).toEqual([result.id])
    expect(result.receipt.imageId).toMatch(/^sha256:/)
  })

  test('are refused on the API node by the policy, never enqueued', async ({ harness }) => {
    const { engine } = await harness.worker()
    const api = await harness.api()
    const result = await api.execute({ code: 'import socket' })
    expect(result.status).toBe('policy_violation')
    expect(result.violations.length).toBeGreaterThan(0)
    expect(result.node).toBe(API_NODE)
    expect(result.receipt.imageId).toBeNull()
    expect(await harness.jobCount()).toBe(0)
    expect(engine.runs).toBe(0)
  })

  test('stream their output to the caller in order', async ({ harness }) => {
    const imports = { code_execution: { allowed_operations: { imports: ['time'] } } }
    await harness.worker(imports)
    const api = await harness.api(imports)
    const chunks: string[] = []
    const result = await api.execute({
      code: 'import time\nfor i in range(4):\n    print(f"line {i}", flush=True)\n    time.sleep(0.2)',
      onOutput: (stream, chunk) => {
        expect(stream).toBe('stdout')
        chunks.push(chunk.toString('utf8'))
      },
    })
    expect(result.status).toBe('ok')
    expect(chunks.every((chunk) => chunk.length > 0)).toBe(true)
    expect(chunks.join('')).toBe(result.stdout)
    expect(result.stdout).toBe('line 0\nline 1\nline 2\nline 3\n')
  })

  test('outlive queue.lock_seconds while the worker renews its lock', async ({ harness }) => {
    const shortLock = {
      code_execution: { allowed_operations: { imports: ['time'] } },
      queue: { lock_seconds: 2 },
    }
    const { engine } = await harness.worker(shortLock)
    const api = await harness.api(shortLock)
    const result = await api.execute({ code: 'import time\ntime.sleep(3.5)\nprint("done")' })
    expect([result.status, result.stdout]).toEqual(['ok', 'done\n'])
    expect(engine.executionIds).toEqual([result.id])
  })

  test('send back a result too big for Redis without its excess', async ({ harness }) => {
    const small = { queue: { max_result_bytes: 65_536 } }
    await harness.worker(small)
    const api = await harness.api(small)
    const result = await api.execute({ code: 'print("x" * 300_000)' })
    expect(result.status).toBe('ok')
    expect(result.truncated).toBe(true)
    expect(result.stdout).toMatch(/^x+$/)
    // The API node rewrites durationMs after the worker fitted the result: a few digits.
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(65_536 + 32)
  })
})

describe('refusals', () => {
  test('a worker with another code_execution runs nothing: config_invalid', async ({ harness }) => {
    const { engine } = await harness.worker({ code_execution: { timeout_seconds: 4 } })
    const api = await harness.api()
    await expect(api.execute({ code: 'print(1)' })).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('code_execution'),
    })
    expect(engine.runs).toBe(0)
  })

  test('past orchestrator.queue_limit waiting jobs: queue_full', async ({ harness }) => {
    const api = await harness.api({ orchestrator: { queue_limit: 1 } })
    const first = new AbortController()
    const waiting = api.execute({ code: 'print(1)', signal: first.signal })
    waiting.catch(() => {})
    await harness.jobIn(['waiting'])
    const second = api.execute({ code: 'print(2)' })
    await expect(second).rejects.toBeInstanceOf(QueueFullError)
    await expect(second).rejects.toMatchObject({ code: 'queue_full' })
    first.abort()
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' })
  })

  test('a job that waits past queue.max_wait_seconds is removed: deadline_exceeded', async ({
    harness,
  }) => {
    const api = await harness.api({ queue: { max_wait_seconds: 1 } })
    const waiting = api.execute({ code: 'print(1)' })
    await expect(waiting).rejects.toBeInstanceOf(DeadlineExceededError)
    await expect(waiting).rejects.toMatchObject({ code: 'deadline_exceeded' })
    expect(await harness.jobCount()).toBe(0)
    // A worker arriving later finds only the next job (one at a time, first in first out).
    const { engine } = await harness.worker()
    const next = await api.execute({ code: 'print(2)' })
    expect(next.status).toBe('ok')
    expect(engine.executionIds).toEqual([next.id])
  })
})

describe('cancelling', () => {
  test('a waiting execution removes its job, which no worker then runs', async ({ harness }) => {
    const api = await harness.api()
    const controller = new AbortController()
    const waiting = api.execute({ code: 'print(1)', signal: controller.signal })
    waiting.catch(() => {})
    const id = await harness.jobIn(['waiting'])
    controller.abort()
    await expect(waiting).rejects.toBeInstanceOf(AbortedError)
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' })
    await until(
      'the job is removed',
      async () => (await harness.bull.getJobState(id)) === 'unknown',
    )
    const { engine } = await harness.worker()
    const next = await api.execute({ code: 'print(2)' })
    expect(next.status).toBe('ok')
    expect(engine.executionIds).toEqual([next.id])
  })

  test('a running execution kills its container; the worker goes on', async ({ harness }) => {
    const { engine, config } = await harness.worker()
    const api = await harness.api()
    const controller = new AbortController()
    const running = api.execute({
      code: BUSY,
      signal: controller.signal,
      onOutput: () => controller.abort(),
    })
    await expect(running).rejects.toBeInstanceOf(AbortedError)
    await expect(running).rejects.toMatchObject({ code: 'aborted' })
    expect(engine.executionIds).toHaveLength(1)
    const [id] = engine.executionIds as [string]
    // The worker ended it as cancelled, not at timeout_seconds.
    await until('the job ends as aborted', async () => {
      return (await harness.bull.getJob(id))?.returnvalue === 'aborted'
    })
    await until('the container is removed', async () => {
      return (await containersOf(config.orchestrator.instance_id)).length === 0
    })
    const next = await api.execute({ code: 'print(3)' })
    expect([next.status, next.stdout]).toEqual(['ok', '3\n'])
  })
})

describe('a worker shutting down', () => {
  test('cancels what it runs: the caller gets shut_down, no container is left', async ({
    harness,
  }) => {
    const { worker, engine, config } = await harness.worker()
    const api = await harness.api()
    let started = () => {}
    const running = api.execute({ code: BUSY, onOutput: () => started() })
    running.catch(() => {})
    await new Promise<void>((resolve) => {
      started = resolve
    })
    await worker.close({ graceMs: 0 })
    await expect(running).rejects.toMatchObject({ code: 'shut_down' })
    expect(engine.executionIds).toHaveLength(1)
    expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
  })
})

describe('at most once', () => {
  test('a job already claimed is never started', async ({ harness }) => {
    const api = await harness.api()
    const pending = api.execute({ code: 'print(1)' })
    const id = await harness.jobIn(['waiting'])
    // As if another worker had started it already.
    await harness.client.set(harness.keys.claim(id), 'another-worker', 'EX', 60)
    const { engine } = await harness.worker()
    // The worker completes the job without a result; the API node, finding it completed
    // with an empty event stream, answers as for a lost worker.
    const result = await pending
    expect(result.status).toBe('engine_error')
    expect(result.message?.startsWith(LOST_WORKER_PREFIX)).toBe(true)
    expect(result.id).toBe(id)
    expect(engine.runs).toBe(0)
  })

  test('a worker killed mid-run: the caller gets engine_error, and no worker runs it again', {
    timeout: 120_000,
  }, async ({ harness }) => {
    await assertCliBuilt()
    await loseAWorker(harness)
  })
})

/**
 * A worker process (the built CLI) is SIGKILLed while it runs `while True: pass`: its lock
 * lapses and the API node answers engine_error; a worker started afterwards never runs it.
 */
async function loseAWorker(harness: QueueHarness): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tas-queue-worker-'))
  const instanceId = testInstanceId()
  let child: ChildProcess | undefined
  harness.onClose(async () => {
    child?.kill('SIGKILL')
    await reap(new DockerEngine(), { instanceId, includeLive: true })
    await rm(dir, { recursive: true, force: true })
  })
  const lockSeconds = 2
  const timeoutSeconds = 5
  const configPath = join(dir, 'worker.yml')
  await writeFile(
    configPath,
    [
      `orchestrator: { instance_id: ${instanceId}, node_name: child-worker, concurrency: 1 }`,
      `code_execution: { timeout_seconds: ${timeoutSeconds}, runtime: ${TEST_RUNTIME} }`,
      'pool: { size: 0 }',
      `queue: { name: ${harness.queueName}, lock_seconds: ${lockSeconds} }`,
      '',
    ].join('\n'),
  )
  const spawned = spawn(process.execPath, [CLI_MAIN, 'worker', '--config', configPath], {
    env: { ...process.env, [QUEUE_URL_ENV]: harness.redis.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child = spawned
  let stdout = ''
  let stderr = ''
  spawned.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  spawned.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  await until(
    'the worker process takes jobs',
    () => {
      if (spawned.exitCode !== null) throw new Error(`the worker exited: ${stderr}`)
      return stdout.includes('taking jobs')
    },
    30_000,
  )

  const api = await harness.api({ queue: { lock_seconds: lockSeconds } })
  const pending = api.execute({ code: BUSY })
  pending.catch(() => {})
  const id = await harness.jobIn(['active'])
  await until('its container runs', async () => (await containersOfExecution(id)) === 1)
  spawned.kill('SIGKILL')

  const bound = (lockSeconds * 2 + timeoutSeconds + 10) * 1_000
  let timer: NodeJS.Timeout | undefined
  const result = await Promise.race([
    pending,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${bound} ms of the kill`)), bound)
    }),
  ]).finally(() => clearTimeout(timer))
  expect(result.status).toBe('engine_error')
  expect(result.message?.startsWith(LOST_WORKER_PREFIX)).toBe(true)
  expect(result.id).toBe(id)

  // A new worker's stalled-job check fails the lost job instead of starting it again, and
  // the worker goes on with the next one.
  const { engine } = await harness.worker({ queue: { lock_seconds: lockSeconds } })
  await until('the lost job is failed', async () => {
    return (await harness.bull.getJobState(id)) === 'failed'
  })
  const next = await api.execute({ code: 'print(2)' })
  expect(next.status).toBe('ok')
  expect(engine.executionIds).toEqual([next.id])
  expect(engine.startsFor(id)).toBe(0)
  expect(await containersOfExecution(id)).toBe(1)
}

describe('Redis settings', () => {
  it('warns about a server without appendonly, and so do both nodes at start-up', async () => {
    const server = await RedisServer.start({ appendonly: false })
    const client = server.client()
    const warnings: string[] = []
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) }
    const config = testConfig({ queue: { name: 'settings' } })
    let api: QueueExecutor | undefined
    let worker: QueueWorker | undefined
    try {
      const problems = await redisSettingsProblems(client)
      expect(problems).toHaveLength(1)
      expect(problems[0]).toContain('appendonly')

      api = await QueueExecutor.create({ config, url: server.url, logger })
      expect(warnings).toEqual(problems)
      const sandbox = await Sandbox.create({ config })
      worker = await QueueWorker.start({ config, url: server.url, executor: sandbox, logger })
      expect(warnings).toEqual([...problems, ...problems])
    } finally {
      await api?.close()
      await worker?.close()
      client.disconnect()
      await server.destroy()
    }
  })

  test('accepts appendonly yes with noeviction', async ({ harness }) => {
    expect(await harness.client.config('GET', 'maxmemory-policy')).toEqual([
      'maxmemory-policy',
      'noeviction',
    ])
    expect(await redisSettingsProblems(harness.client)).toEqual([])
  })
})

describe('readiness', () => {
  test('the API node is ready while a worker takes jobs', async ({ harness }) => {
    const api = await harness.api()
    expect(await api.readiness()).toMatchObject({ ready: false, code: 'queue_unavailable' })
    expect((await api.gauges()).workers).toBe(0)
    const { worker } = await harness.worker()
    expect(await api.readiness()).toEqual({ ready: true })
    expect(await api.gauges()).toMatchObject({ workers: 1, queueDepth: 0, running: 0 })
    await worker.close()
    expect(await api.readiness()).toMatchObject({ ready: false, code: 'queue_unavailable' })
  })
})
