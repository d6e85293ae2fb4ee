import { spawn } from 'node:child_process'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { assertCliBuilt, CLI_MAIN, testInstanceId, Workspace } from '../support/cli.js'
import { waitForContainers } from '../support/http-server-fixture.js'
import { containersOf } from '../support/managed-containers.js'

let ws: Workspace
const instanceId = testInstanceId()

beforeAll(async () => {
  await assertCliBuilt()
  ws = await Workspace.create()
})

afterAll(async () => {
  await ws?.remove()
  expect(await containersOf(instanceId)).toStrictEqual([])
})

it('on SIGTERM cancels in-flight work past the grace period, answers it 503, removes its container and exits 0', async () => {
  const config = await ws.file(
    'serve.yml',
    [
      'orchestrator:',
      `  instance_id: ${instanceId}`,
      'code_execution:',
      '  allowed_operations:',
      '    imports: ["time"]',
      // No warm pool: the container counted below must be the in-flight one.
      'pool:',
      '  size: 0',
      'server:',
      '  port: 0',
      '  shutdown_grace_seconds: 0.5',
      '',
    ].join('\n'),
  )
  const child = spawn(process.execPath, [CLI_MAIN, 'serve', '--config', config], {
    cwd: ws.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const found = /listening on (http:\/\/\S+)/.exec(stdout)
        if (found?.[1] !== undefined) resolve(found[1])
      })
      child.on('exit', () => reject(new Error(`serve exited early: ${stdout}`)))
    })
    const inFlight = fetch(`${url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'import time\ntime.sleep(60)' }),
    })
    await waitForContainers(instanceId, 1)
    child.kill('SIGTERM')
    const response = await inFlight
    expect(response.status).toBe(503)
    expect(await response.json()).toStrictEqual({
      error: {
        code: 'shut_down',
        message: 'The sandbox is shutting down and accepts no new executions.',
      },
    })
    expect(await exited).toBe(0)
    expect(stdout).toContain('tinyagent-sandbox: stopped; no containers left.\n')
    expect(await containersOf(instanceId)).toStrictEqual([])
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
})
