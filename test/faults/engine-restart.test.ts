import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { describe, expect } from 'vitest'
import { reap } from '../../src/engine/reaper.js'
import { REPO_ROOT } from '../support/cli.js'
import { waitForContainers } from '../support/http-server-fixture.js'
import { containersOf } from '../support/managed-containers.js'
import { sandboxTest as test } from '../support/sandbox-fixture.js'

const run = promisify(execFile)

/**
 * The machine's dockerd, from its pidfile (scripts/ensure-docker.sh starts it with this one):
 * never by name, since the cluster suite runs dockerds of its own.
 */
async function dockerdPid(): Promise<number> {
  const pid = Number((await readFile(DOCKERD_PIDFILE, 'utf8')).trim())
  const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim()
  if (!Number.isInteger(pid) || comm !== 'dockerd')
    throw new Error(`${DOCKERD_PIDFILE} names pid ${pid} (${comm}), not a dockerd`)
  return pid
}

const DOCKERD_PIDFILE = '/var/run/docker.pid'

async function engineAnswers(): Promise<boolean> {
  return run('docker', ['info'], { timeout: 10_000 }).then(
    () => true,
    () => false,
  )
}

/** SIGTERM to dockerd, then waits until the process is gone (a hang guard, not a speed check). */
async function stopEngine(): Promise<void> {
  const pid = await dockerdPid()
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + 60_000
  while (
    await readFile(`/proc/${pid}/status`).then(
      () => true,
      () => false,
    )
  ) {
    if (Date.now() > deadline) throw new Error('dockerd did not stop within 60 s')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Starts dockerd again the way this machine does, and waits until `docker info` answers. */
async function restoreEngine(): Promise<void> {
  if (await engineAnswers()) return
  await run('bash', ['scripts/ensure-docker.sh'], { cwd: REPO_ROOT, timeout: 120_000 })
  const deadline = Date.now() + 60_000
  while (!(await engineAnswers())) {
    if (Date.now() > deadline) throw new Error('the Docker engine did not come back within 60 s')
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/**
 * Restarts the Docker engine under running executions. It stops dockerd for the whole
 * machine, so it runs alone (`make test-engine-restart`), never beside other container suites.
 */
describe('the engine restarted mid-execution', () => {
  test.override({
    configOverrides: { code_execution: { allowed_operations: { imports: ['time'] } } },
  })

  test('in-flight executions settle without hanging, and the next one succeeds once it is back', async ({
    sandbox,
    engine,
  }) => {
    const instanceId = sandbox.config.orchestrator.instance_id
    const code = 'import time\nprint("started", flush=True)\ntime.sleep(60)'
    try {
      let printed = 0
      let bothStarted = (): void => {}
      const started = new Promise<void>((resolve) => {
        bothStarted = resolve
      })
      const onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
        if (stream === 'stdout' && chunk.toString().includes('started') && ++printed === 2)
          bothStarted()
      }
      const inFlight = [sandbox.execute({ code, onOutput }), sandbox.execute({ code, onOutput })]
      await waitForContainers(instanceId, 2)
      await started
      await stopEngine()
      const results = await Promise.all(inFlight)
      // dockerd stops its containers as it shuts down (SIGTERM): its kill event, or the engine
      // no longer answering, marks these runs as cut short by the engine, never as finished.
      expect(results.map((r) => r.status)).toEqual(['engine_error', 'engine_error'])
      const duringOutage = await sandbox.execute({ code: 'print(1)' })
      expect(duringOutage).toMatchObject({ status: 'engine_error' })
      expect(duringOutage.message).toMatch(/^Cannot reach the Docker engine at .* Start it/)
    } finally {
      await restoreEngine()
    }
    const next = await sandbox.execute({ code: 'print("back")' })
    expect(next).toMatchObject({ status: 'ok', stdout: 'back\n' })
    // Containers whose removal failed while the engine was down are this live process's:
    // `reap --all` (or a restart) removes them.
    await reap(engine, { instanceId, includeLive: true })
    expect(await containersOf(instanceId)).toEqual([])
  })
})
