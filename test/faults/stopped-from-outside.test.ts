import Docker from 'dockerode'
import { describe, expect } from 'vitest'
import { containersOf, inspectWhileRunning } from '../support/managed-containers.js'
import { sandboxTest as test } from '../support/sandbox-fixture.js'

const docker = new Docker()

/**
 * A container stopped by the engine (a `docker kill`/`stop` from outside, or the engine
 * shutting down) did not finish the code: that is an engine_error, not the code's own exit.
 * The tell is the engine's own `kill` event, which code inside the container cannot forge.
 */
describe('a container stopped from outside mid-run', () => {
  test.override({
    configOverrides: { code_execution: { allowed_operations: { imports: ['time'] } } },
  })

  test('is an engine_error that keeps what the code wrote', async ({ sandbox }) => {
    const instanceId = sandbox.config.orchestrator.instance_id
    let started = (): void => {}
    const printed = new Promise<void>((resolve) => {
      started = resolve
    })
    const running = sandbox.execute({
      code: 'import time\nprint("started", flush=True)\ntime.sleep(30)',
      onOutput: (stream, chunk) => {
        if (stream === 'stdout' && chunk.toString().includes('started')) started()
      },
    })
    const container = await inspectWhileRunning(instanceId)
    await printed
    await docker.getContainer(container.Id).kill({ signal: 'SIGTERM' })
    const result = await running
    expect(result).toMatchObject({ status: 'engine_error', exitCode: 143, stdout: 'started\n' })
    expect(result.message).toMatch(
      /^The Docker engine stopped the container before the code finished \(exit code 143\)/,
    )
    expect(await containersOf(instanceId)).toEqual([])
    expect(await sandbox.execute({ code: 'print("next")' })).toMatchObject({ status: 'ok' })
  })
})

describe('code that signals its own container', () => {
  test.override({
    configOverrides: { code_execution: { allow_dangerous_operations: true } },
  })

  test('SIGTERM to its own PID 1 is the code exiting (143), not an engine_error', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({
      code: 'import os, signal, time\nos.kill(1, signal.SIGTERM)\ntime.sleep(30)',
    })
    expect(result).toMatchObject({
      status: 'error',
      exitCode: 143,
      message: 'The code exited with code 143.',
    })
  })
})
