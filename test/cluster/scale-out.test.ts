import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ConfigInput } from '../../src/config/schema.js'
import type { ExecutionResult } from '../../src/sandbox/execution-result.js'
import { LOST_WORKER_PREFIX } from '../../src/sandbox/lost-worker.js'
import type { Answer } from '../support/cluster/api-client.js'
import { ScaleOutDeployment, within } from '../support/cluster/scale-out-deployment.js'
import { TEST_RUNTIME, testInstancePrefix } from '../support/test-config.js'

/** Short bounds, so a lost worker is noticed in seconds. */
const LOCK_SECONDS = 3
const TIMEOUT_SECONDS = 20
/** A second API node whose queue is small and whose callers wait little (queue_full, deadline). */
const LIMITED_QUEUE = 2
const LIMITED_WAIT_SECONDS = 5

const WORKERS = ['w1', 'w2'] as const
const instanceId = `${testInstancePrefix()}${randomBytes(4).toString('hex')}`

/** The same on every node: a worker refuses a job checked under another policy. */
const codeExecution: ConfigInput['code_execution'] = {
  timeout_seconds: TIMEOUT_SECONDS,
  runtime: TEST_RUNTIME,
  allowed_operations: { imports: ['time'] },
}

function apiConfig(name: string, limited: boolean): ConfigInput {
  return {
    code_execution: codeExecution,
    orchestrator: {
      node_name: name,
      instance_id: instanceId,
      queue_limit: limited ? LIMITED_QUEUE : 100,
    },
    // Quotas out of the way: these tests are about the queue, not about clients.
    server: { rate_limit_per_minute: 100_000, concurrency_per_key: 1_000 },
    queue: {
      lock_seconds: LOCK_SECONDS,
      ...(limited ? { max_wait_seconds: LIMITED_WAIT_SECONDS } : {}),
    },
  }
}

/**
 * Workers enforce `queue.max_result_bytes`; queue settings may differ per node. The warm pool is
 * off: a warm container is labelled with an id of its own, made before any execution is known,
 * so only cold containers tie each container start to one execution id.
 */
function workerConfig(name: string): ConfigInput {
  return {
    code_execution: codeExecution,
    orchestrator: { node_name: name, instance_id: instanceId, concurrency: 2 },
    pool: { size: 0 },
    queue: { lock_seconds: LOCK_SECONDS, max_result_bytes: 65_536 },
    server: { shutdown_grace_seconds: 10 },
  }
}

function resultOf(answer: Answer): ExecutionResult {
  if (answer.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(answer)}`)
  return answer.result
}

const sleepCode = (seconds: number, then = 'done'): string =>
  `import time\ntime.sleep(${seconds})\nprint(${JSON.stringify(then)})`

const LOST = new RegExp(`^${LOST_WORKER_PREFIX}`)

describe('scale-out: an API node and two workers, each on its own engine, over Redis', () => {
  let d: ScaleOutDeployment

  /** Drains every worker: jobs sent now wait in the queue. */
  async function noWorkers(): Promise<void> {
    for (const exit of await d.nodes.stopWorkers()) expect(exit).toEqual({ code: 0, signal: null })
  }

  /**
   * The execution's container on `worker` was killed (SIGKILL from the engine's side, exit 137)
   * less than `codeMs` after it started: before its code could have ended by itself.
   */
  async function expectKilledEarly(worker: string, id: string, codeMs: number): Promise<void> {
    const end = await d.containers.ended(id, codeMs + 10_000)
    const [start] = d.containers.starts(id)
    expect([end.engine, end.exitCode]).toEqual([worker, 137])
    expect(end.atMs - (start?.atMs ?? 0)).toBeLessThan(codeMs)
    expect(await d.runningContainers(worker, id)).toEqual([])
  }

  beforeAll(async () => {
    d = await ScaleOutDeployment.start({
      apis: {
        api: { port: 8080, config: apiConfig('api', false) },
        limited: { port: 8081, config: apiConfig('api-limited', true) },
      },
      workers: Object.fromEntries(WORKERS.map((name) => [name, workerConfig(name)])),
      // A hang guard, not a speed claim: a lost worker is answered within about twice the lock.
      answerBoundMs: (LOCK_SECONDS * 2 + TIMEOUT_SECONDS + 15) * 1_000,
    })
  })

  afterAll(async () => {
    await d?.destroy()
  })

  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      console.warn(`node logs:\n${await d.nodes.logTails()}`)
    })
  })

  it('spreads concurrent executions over both workers, each started once', async () => {
    await d.workersReady()
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => d.send({ code: sleepCode(0.5, `job ${i}`) })),
    )
    const done = answers.map(resultOf)
    expect(done.map((r) => r.status)).toEqual(Array(8).fill('ok'))
    expect(done.map((r) => r.stdout).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `job ${i}\n`).sort(),
    )
    // Two slots per worker: eight at once cannot all fit on one.
    expect(new Set(done.map((r) => r.node))).toEqual(new Set(WORKERS))
    for (const r of done) {
      await d.containers.started(r.id)
      expect(d.containers.starts(r.id).map((s) => s.engine)).toEqual([r.node])
      expect(await d.view.claimHolder(r.id)).toBe(r.node)
    }
  })

  it("streams a queued execution's output live, in order, then its result", async () => {
    await d.workersReady()
    const code =
      'import time\nfor word in ["one", "two", "three"]:\n    print(word, flush=True)\n    time.sleep(0.5)'
    const { events, answer } = await d.stream({ code })
    const result = resultOf(answer)
    expect(result.status).toBe('ok')
    expect(result.stdout).toBe('one\ntwo\nthree\n')
    const stdout = events.filter((e) => e.event === 'stdout')
    expect(stdout.map((e) => (e.data as { text: string }).text).join('')).toBe(result.stdout)
    expect(events.map((e) => e.event)).toEqual([...stdout.map(() => 'stdout'), 'result'])
    // Live: the first line arrived in an earlier read than the result, not with it at the end.
    expect(stdout[0]?.read).toBeLessThan(events.at(-1)?.read ?? 0)
    await d.containers.started(result.id)
    expect(d.containers.starts(result.id).length).toBe(1)
  })

  it('fits a result bigger than queue.max_result_bytes by cutting its output', async () => {
    await d.workersReady()
    const answer = await d.send({ code: 'print("x" * 300_000)' })
    const result = resultOf(answer)
    expect(result.status).toBe('ok')
    expect(result.truncated).toBe(true)
    expect(result.stdout).toMatch(/^x+$/)
    expect(answer.kind === 'result' && answer.bodyBytes).toBeLessThan(70_000)
  })

  it('finishes a running job once when Redis freezes for less than the lock', async () => {
    await d.workersReady()
    const { pending, id, node } = await d.sendAndWaitRunning({ code: sleepCode(6, 'survived') })
    // Renewals come every lock_seconds / 2: a freeze of 1 s leaves the lock held throughout.
    await d.freezeRedis(1_000)
    const result = resultOf(await pending)
    expect([result.status, result.stdout, result.node]).toEqual(['ok', 'survived\n', node])
    expect(await d.cancelsOf(node, id)).toEqual([])
    expect(d.containers.starts(id).length).toBe(1)
  })

  it('answers once when Redis freezes for longer than the lock: ok, or lost with its container killed', async () => {
    await d.workersReady()
    const { pending, id, node } = await d.sendAndWaitRunning({ code: sleepCode(10, 'finished') })
    await d.freezeRedis((LOCK_SECONDS * 2 + 2) * 1_000)
    const result = resultOf(await pending)
    expect(result.id).toBe(id)
    expect(['ok', 'engine_error']).toContain(result.status)
    if (result.status === 'engine_error') {
      expect(result.message).toMatch(LOST)
      // Its worker's lock watch killed it, before the code's 10 s were up.
      expect(await d.cancelsOf(node, id)).toEqual(['this worker lost its lock'])
      await expectKilledEarly(node, id, 10_000)
    } else {
      expect(result.stdout).toBe('finished\n')
    }
    expect(d.containers.starts(id).length).toBe(1)
  })

  it('answers lost when a worker is cut off from Redis mid-run, and that worker kills the container', async () => {
    await d.workersReady()
    // Left alone, this would run until the timeout.
    const { pending, id, node } = await d.sendAndWaitRunning({ code: sleepCode(60) })
    const cutOff = d.host(node)
    await cutOff.setLinkUp(false)
    try {
      const result = resultOf(await pending)
      expect(result.status).toBe('engine_error')
      expect(result.message).toMatch(LOST)
      // Its engine is a local socket: the cut-off worker still reaches it, and kills the run.
      await expectKilledEarly(node, id, TIMEOUT_SECONDS * 1_000)
      expect(await d.cancelsOf(node, id)).toEqual(['this worker lost its lock'])
    } finally {
      await cutOff.setLinkUp(true)
    }
    // Back on the network, it announces itself again (TCP retransmits can take a while).
    await expect.poll(() => d.view.workerState(node), { timeout: 60_000 }).toBe('ready')
    expect(d.containers.starts(id).length).toBe(1)
  })

  it('kills the container of a running execution whose caller hangs up', async () => {
    await d.workersReady()
    const hangUp = new AbortController()
    const { pending, id, node } = await d.sendAndWaitRunning(
      { code: sleepCode(15) },
      { signal: hangUp.signal },
    )
    hangUp.abort()
    await expect(pending).rejects.toThrow(/abort/i)
    await expectKilledEarly(node, id, 15_000)
    expect(await d.cancelsOf(node, id)).toEqual(['its caller cancelled it'])
    expect(d.containers.starts(id).length).toBe(1)
  })

  it('answers lost when a worker is SIGKILLed mid-run, and never runs that execution again', async () => {
    await d.workersReady()
    const { pending, id, node } = await d.sendAndWaitRunning({
      code: 'while True:\n    pass',
      timeoutSeconds: 10,
    })
    expect(await d.nodes.signalWorker(node, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' })
    const result = resultOf(await pending)
    expect(result.id).toBe(id)
    expect(result.status).toBe('engine_error')
    expect(result.message).toMatch(LOST)
    // Nobody is left to kill it: the image's init ends it, at its deadline (124, 10 s of
    // code) or as soon as it sees its stdin end with the dead worker (125); which comes
    // first depends on the engine, not on us.
    const end = await d.containers.ended(id, 30_000)
    expect(end.engine).toBe(node)
    expect([124, 125]).toContain(end.exitCode)
    expect(await d.runningContainers(node, id)).toEqual([])
    await d.workersReady()
    expect(resultOf(await d.send({ code: 'print("after")' })).status).toBe('ok')
    expect(await d.view.claimHolder(id)).toBe(node)
    expect(d.containers.starts(id).length).toBe(1)
  })

  it('drains a worker on SIGTERM: its job ends ok, new jobs go to the other worker, it exits 0', async () => {
    await d.workersReady()
    const { pending, id, node } = await d.sendAndWaitRunning({ code: sleepCode(4, 'drained') })
    const other = node === 'w1' ? 'w2' : 'w1'
    const exited = d.nodes.signalWorker(node, 'SIGTERM')
    await expect.poll(() => d.view.workerState(node), { timeout: 10_000 }).toBe('draining')
    const meanwhile = await Promise.all([
      d.send({ code: 'print(1)' }),
      d.send({ code: 'print(2)' }),
    ])
    for (const r of meanwhile.map(resultOf)) expect([r.status, r.node]).toEqual(['ok', other])
    const drained = resultOf(await pending)
    expect([drained.status, drained.stdout, drained.node]).toEqual(['ok', 'drained\n', node])
    expect(await within(exited, 30_000, `worker ${node} exit`)).toEqual({ code: 0, signal: null })
    expect(await d.view.workerState(node)).toBe('gone')
    expect(d.containers.starts(id).length).toBe(1)
  })

  it('pauses the worker whose engine stopped, runs on the other meanwhile, and resumes it', async () => {
    await d.workersReady()
    const down = d.host('w1')
    await down.engine.stop()
    try {
      // Jobs w1 took before it noticed may fail on its engine; none may be lost or run twice.
      const early = await Promise.all([1, 2, 3, 4].map((i) => d.send({ code: `print(${i})` })))
      for (const r of early.map(resultOf)) {
        expect(['ok on w2', 'engine_error on w1']).toContain(`${r.status} on ${r.node}`)
        if (r.status === 'engine_error') expect(d.containers.starts(r.id).length).toBe(0)
      }
      await expect.poll(() => d.view.workerState('w1'), { timeout: 15_000 }).toBe('paused')
      expect(await d.api('api').readyz()).toBe(200)
      const paused = await Promise.all([1, 2, 3, 4].map((i) => d.send({ code: `print(${i})` })))
      for (const r of paused.map(resultOf)) expect([r.status, r.node]).toEqual(['ok', 'w2'])
    } finally {
      const restartedAt = Date.now()
      await down.engine.start()
      d.containers.watch('w1', down.dockerHost, restartedAt)
    }
    await expect.poll(() => d.view.workerState('w1'), { timeout: 15_000 }).toBe('ready')
    // Four jobs of 2 s at once: w2 holds two, so w1 must take the others.
    const resumed = await Promise.all([1, 2, 3, 4].map(() => d.send({ code: sleepCode(2) })))
    expect(resumed.map((r) => resultOf(r).status)).toEqual(['ok', 'ok', 'ok', 'ok'])
    expect(resumed.map((r) => resultOf(r).node)).toContain('w1')
  })

  it('refuses past orchestrator.queue_limit with 429 queue_full and Retry-After', async () => {
    await noWorkers()
    const waiting = [1, 2].map(() => d.send({ code: 'print(1)' }, { api: 'limited' }))
    await d.view.waitForWaiting(LIMITED_QUEUE)
    const refused = await d.send({ code: 'print(3)' }, { api: 'limited' })
    expect(refused).toMatchObject({ kind: 'error', status: 429, code: 'queue_full' })
    expect(refused.kind === 'error' && Number(refused.retryAfter)).toBeGreaterThan(0)
    // With no worker, the two that waited run out of their budget.
    for (const answer of await Promise.all(waiting)) {
      expect(answer).toMatchObject({ kind: 'error', status: 503, code: 'deadline_exceeded' })
    }
  })

  it('removes a waiting job whose caller hangs up; it never starts once workers come back', async () => {
    await noWorkers()
    const hangUp = new AbortController()
    const pending = d.send({ code: 'print("never")' }, { signal: hangUp.signal })
    pending.catch(() => {})
    const [id] = (await d.view.waitForWaiting(1)) as [string]
    hangUp.abort()
    await expect(pending).rejects.toThrow(/abort/i)
    await expect.poll(() => d.view.jobState(id), { timeout: 10_000 }).toBe('unknown')
    await d.workersReady()
    // Anything still queued would run before this probe.
    expect(resultOf(await d.send({ code: 'print("probe")' })).status).toBe('ok')
    expect(await d.view.claimHolder(id)).toBeNull()
    expect(d.containers.starts(id).length).toBe(0)
  })

  it('answers 503 deadline_exceeded for a job that waited past its budget; it never starts', async () => {
    await noWorkers()
    const pending = d.send({ code: 'print("late")' }, { api: 'limited' })
    pending.catch(() => {})
    const [id] = (await d.view.waitForWaiting(1)) as [string]
    expect(await pending).toMatchObject({ kind: 'error', status: 503, code: 'deadline_exceeded' })
    expect(await d.view.jobState(id)).toBe('unknown')
    await d.workersReady()
    expect(resultOf(await d.send({ code: 'print("probe")' })).status).toBe('ok')
    expect(await d.view.claimHolder(id)).toBeNull()
    expect(d.containers.starts(id).length).toBe(0)
  })

  it('keeps waiting jobs across a Redis restart (AOF) and runs each once', async () => {
    await noWorkers()
    const pending = Array.from({ length: 5 }, (_, i) => d.send({ code: `print(${i})` }))
    const waiting = await d.view.waitForWaiting(5)
    await d.cluster.redis.restart()
    await d.workersReady()
    const done = (await Promise.all(pending)).map(resultOf)
    expect(done.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
    expect(done.map((r) => r.stdout).sort()).toEqual(['0\n', '1\n', '2\n', '3\n', '4\n'])
    expect(done.map((r) => r.id).sort()).toEqual([...waiting].sort())
    for (const r of done) {
      await d.containers.started(r.id)
      expect(d.containers.starts(r.id).length).toBe(1)
    }
  })

  it('reports both workers and the lost executions in /metrics', async () => {
    await d.workersReady()
    const gauge = async (name: string): Promise<number> => {
      const line = (await d.api('api').metrics()).split('\n').find((l) => l.startsWith(`${name} `))
      return Number(line?.split(' ')[1])
    }
    await expect.poll(() => gauge('tinyagent_sandbox_workers'), { timeout: 15_000 }).toBe(2)
    // At least the SIGKILLed and the cut-off worker's executions.
    expect(d.ledger.lost).toBeGreaterThanOrEqual(2)
    expect(await gauge('tinyagent_sandbox_lost_jobs_total')).toBeGreaterThanOrEqual(d.ledger.lost)
  })

  it('answered every execution sent exactly once and started none twice, over the whole file', async () => {
    const { sent, answered, hungUp } = d.ledger
    expect(answered + hungUp).toBe(sent)
    expect(d.containers.duplicates()).toEqual([])
    for (const r of d.results) {
      expect(d.containers.starts(r.id).length, `${r.id} (${r.status})`).toBeLessThanOrEqual(1)
      if (r.status === 'ok') expect(d.containers.starts(r.id).length, r.id).toBe(1)
    }
  })
})
