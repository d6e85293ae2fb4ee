import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DockerEngine } from '../../src/engine/docker-engine.js'
import { processIsAlive, reap } from '../../src/engine/reaper.js'
import { SandboxError } from '../../src/errors.js'
import type { Logger } from '../../src/logger.js'
import type { ExecuteRequest } from '../../src/sandbox/execute-request.js'
import type { ExecutionResult, ExecutionStatus } from '../../src/sandbox/execution-result.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { instanceDir } from '../../src/workspace/workspace.js'
import { reapWorkspaces } from '../../src/workspace/workspace-reaper.js'
import { CHAOS_POINTS, ChaosEngine, type ChaosPlan } from '../support/chaos-engine.js'
import { containersOf } from '../support/managed-containers.js'
import { testConfig } from '../support/test-config.js'

/** Another storm: TINYAGENT_CHAOS_SEED=<n>; the seed of each run is printed. */
const SEED = Number(process.env.TINYAGENT_CHAOS_SEED ?? 1_301)
const EXECUTIONS = 150
/** Callers submitting at once: a few more than `concurrency`, so some wait in the queue. */
const CALLERS = 6

/** Between 10 and 20 % of the calls at every point fail or stall. */
const STORM: ChaosPlan = {
  start: { fail: 0.06, fail_after_create: 0.06, stall: 0.04, stallMs: 400 },
  execute: { fail: 0.08, stall: 0.06, stallMs: 400 },
  stop: { fail: 0.1, stall: 0.05, stallMs: 300 },
  discard: { fail: 0.06, fail_after_remove: 0.06, stall: 0.04, stallMs: 300 },
  containerGone: { fail: 0.12, stall: 0.04, stallMs: 200 },
}

interface Case {
  readonly kind: 'print' | 'input_files' | 'timeout' | 'output_files' | 'cancelled'
  /** A fresh request each time (a cancelled one needs its own signal). */
  readonly request: () => ExecuteRequest
  /**
   * Without a fault: the result's status, or the code of the SandboxError it rejects with.
   * With one, an `engine_error` result naming the fault is the only other outcome.
   */
  readonly status: ExecutionStatus | 'aborted'
  /** Checked only when the status is the expected one. */
  readonly check: (result: ExecutionResult) => void
}

const text = (base64: string): string => Buffer.from(base64, 'base64').toString('utf8')
const filesOf = (result: ExecutionResult) =>
  result.files.map((file) => [file.name, text(file.contentBase64)])

const CASES: readonly Case[] = [
  {
    kind: 'print',
    request: () => ({ code: 'print(1)' }),
    status: 'ok',
    check: (result) => expect(result.stdout).toBe('1\n'),
  },
  {
    kind: 'input_files',
    request: () => ({
      code: 'data = open("in.txt").read()\nopen("out.txt", "w").write(data.upper())',
      files: [{ name: 'in.txt', content: 'hello' }],
    }),
    status: 'ok',
    check: (result) => expect(filesOf(result)).toEqual([['out.txt', 'HELLO']]),
  },
  {
    kind: 'timeout',
    request: () => ({ code: 'while True:\n    pass', timeoutSeconds: 1 }),
    status: 'timeout',
    check: (result) => expect(result.exitCode).toBeNull(),
  },
  {
    kind: 'output_files',
    request: () => ({ code: 'for i in range(3):\n    open(f"o{i}.txt", "w").write(str(i))' }),
    status: 'ok',
    check: (result) =>
      expect(filesOf(result)).toEqual([
        ['o0.txt', '0'],
        ['o1.txt', '1'],
        ['o2.txt', '2'],
      ]),
  },
  {
    kind: 'cancelled',
    // Cancelled by its caller while queued, starting or running, whichever it has reached.
    request: () => ({
      code: 'while True:\n    pass',
      timeoutSeconds: 5,
      signal: AbortSignal.timeout(700),
    }),
    status: 'aborted',
    check: () => {},
  },
]

/** Warnings and errors the sandbox logged, by message. */
class RecordingLogger implements Logger {
  readonly counts = new Map<string, number>()
  errors: string[] = []
  error(message: string, meta?: Record<string, unknown>): void {
    this.errors.push(`${message} ${JSON.stringify(meta)}`)
    this.#count(`error: ${message}`)
  }
  warn(message: string): void {
    this.#count(`warn: ${message}`)
  }
  info(): void {}
  debug(): void {}
  #count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Mount points (the fifth field of /proc/self/mountinfo) at or below `dir`. */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8')
  return info
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
}

let root: string
const unhandled: unknown[] = []
const recordUnhandled = (reason: unknown): void => {
  unhandled.push(reason)
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tinyagent-chaos-'))
  process.on('unhandledRejection', recordUnhandled)
  process.on('uncaughtExceptionMonitor', recordUnhandled)
})

afterAll(async () => {
  process.off('unhandledRejection', recordUnhandled)
  process.off('uncaughtExceptionMonitor', recordUnhandled)
  await rm(root, { recursive: true, force: true })
})

describe('the orchestrator under engine faults at every point', () => {
  it('resolves every execution with a result or a coded error, recovers, and leaves nothing after the sweep', async () => {
    const config = testConfig({
      pool: { size: 2, preload: [] },
      orchestrator: { concurrency: 4 },
      code_execution: {
        workspace_root: root,
        allowed_operations: { file_operations: true },
      },
    })
    const instanceId = config.orchestrator.instance_id
    const chaos = new ChaosEngine({ seed: SEED, plan: STORM })
    const logger = new RecordingLogger()
    // A sweep every 2 s: the live process removes its own leftovers (failed removals) too.
    const sandbox = await Sandbox.create({ config, engine: chaos, logger, sweepIntervalMs: 2_000 })
    const startedAt = performance.now()
    let left: { containers: string[]; workspaces: string[] } = { containers: [], workspaces: [] }

    const results: { which: Case; result: ExecutionResult }[] = []
    const thrown: { which: Case; error: unknown }[] = []
    let next = 0
    const caller = async (): Promise<void> => {
      while (next < EXECUTIONS) {
        const which = CASES[next++ % CASES.length] as Case
        try {
          results.push({ which, result: await sandbox.execute(which.request()) })
        } catch (error) {
          thrown.push({ which, error })
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: CALLERS }, caller))
      const stormMs = performance.now() - startedAt

      const byStatus: Record<string, number> = {}
      for (const { result } of results) byStatus[result.status] = (byStatus[result.status] ?? 0) + 1
      const byCode: Record<string, number> = {}
      for (const { error } of thrown) {
        const code = error instanceof SandboxError ? error.code : `raw ${String(error)}`
        byCode[code] = (byCode[code] ?? 0) + 1
      }
      console.info(
        `chaos seed ${SEED}: ${EXECUTIONS} executions in ${Math.round(stormMs)} ms`,
        '\nfaults injected:',
        chaos.report(),
        '\ncalls per point:',
        Object.fromEntries(CHAOS_POINTS.map((point) => [point, chaos.calls(point)])),
        '\nresults by status:',
        byStatus,
        '\nrejected by code:',
        byCode,
        '\nlogged:',
        Object.fromEntries(logger.counts),
      )

      // Nothing thrown but coded errors; every result is a legitimate status: the case's own,
      // or engine_error naming the fault.
      for (const { which, error } of thrown) {
        expect(error, `${which.kind} threw`).toBeInstanceOf(SandboxError)
        expect((error as SandboxError).code, `${which.kind} threw`).toBe(which.status)
      }
      expect(results.length + thrown.length).toBe(EXECUTIONS)
      for (const { which, result } of results) {
        if (result.status === 'engine_error') {
          expect(result.message).toMatch(/injected fault: (start|execute|stop) /)
          continue
        }
        expect(result.status, `${which.kind}: ${result.message}`).toBe(which.status)
        which.check(result)
      }
      // The storm reached every point (a plan that injects nothing proves nothing).
      for (const point of CHAOS_POINTS) expect(chaos.injected(point)).toBeGreaterThan(0)
      expect(logger.errors).toEqual([])

      // Faults off: the pool refills (after at most its longest backoff) and all is well.
      chaos.calm()
      await until('for the pool to refill', () => sandbox.warm === 2, 45_000)
      const clean = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => sandbox.execute((CASES[i % 2] as Case).request())),
      )
      expect(clean.map((result) => result.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])

      // What failed removals left (a container whose removal failed before removing it, the
      // workspace of each run whose container could not be proved gone) the live process's
      // own sweep removes: at rest only the pool's two warm containers and workspaces remain.
      const leftovers = {
        containers: chaos.injected('discard', 'fail'),
        workspaces:
          chaos.injected('discard', 'fail') +
          chaos.injected('discard', 'fail_after_remove') +
          chaos.injected('containerGone', 'fail'),
      }
      console.info('left by failed removals, for the sweep:', leftovers)
      expect(leftovers.workspaces).toBeGreaterThan(0)
      await until(
        'the sweep to remove the leftovers',
        async () =>
          (await containersOf(instanceId)).length === 2 &&
          (await readdir(instanceDir(root, instanceId))).length === 2,
        30_000,
      )
    } finally {
      await sandbox.close()
      left = {
        containers: await containersOf(instanceId),
        workspaces: await readdir(instanceDir(root, instanceId)),
      }
      const engine = new DockerEngine()
      await reap(engine, { instanceId, includeLive: true })
      await reapWorkspaces({ root, instanceId, includeLive: true, isAlive: processIsAlive, engine })
    }

    // Closed: nothing of the instance is left, without any outside reap.
    expect(left).toEqual({ containers: [], workspaces: [] })
    expect(await containersOf(instanceId)).toEqual([])
    expect(await readdir(instanceDir(root, instanceId))).toEqual([])
    expect(await mountsUnder(instanceDir(root, instanceId))).toEqual([])
    expect(unhandled).toEqual([])
  }, 300_000)
})
