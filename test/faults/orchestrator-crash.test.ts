import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEADLINE_EXIT_CODE, INIT_ERROR_EXIT_CODE } from '../../src/engine/init-protocol.js'
import { LABEL_INSTANCE } from '../../src/engine/labels.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { instanceDir } from '../../src/workspace/workspace.js'
import { ServeProcess } from '../load/serve-process.js'
import { assertCliBuilt, CLI_MAIN, runCli, testInstanceId } from '../support/cli.js'
import { waitForContainers } from '../support/http-server-fixture.js'
import { containersOf } from '../support/managed-containers.js'
import { TEST_RUNTIME, testConfig } from '../support/test-config.js'

const docker = new Docker()

const BUSY = { code: 'import time\nprint("busy", flush=True)\ntime.sleep(60)' }

let root: string

beforeAll(async () => {
  await assertCliBuilt()
  root = await mkdtemp(join(tmpdir(), 'tinyagent-crash-'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

/**
 * Starts `tinyagent-sandbox serve` for a new instance, puts it under load (three running
 * executions and a warm container, each with a workspace), then kills it with SIGKILL.
 * Returns the instance id it left its containers and workspaces under.
 */
async function crashAnOrchestrator(): Promise<string> {
  const instanceId = testInstanceId()
  const config = join(root, `${instanceId}.yml`)
  await writeFile(
    config,
    [
      `orchestrator: { instance_id: ${instanceId} }`,
      // A limit far past the sleep: under any load, no execution can end (and answer) before
      // the kill, so every request must lose its connection.
      `code_execution: { timeout_seconds: 120, workspace_root: ${root}, allowed_operations: { file_operations: true, imports: [time] } }`,
      // A fixed pool of one: three running and one warm container make four.
      'pool: { size: 1, max_size: 1 }',
      'server: { port: 0 }',
      '',
    ].join('\n'),
  )
  const child = spawn(process.execPath, [CLI_MAIN, 'serve', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const found = /listening on (http:\/\/\S+)/.exec(out)?.[1]
        if (found !== undefined) resolve(found)
      })
      child.once('exit', () => reject(new Error(`serve exited early: ${out}`)))
    })
    const requests = [1, 2, 3].map(() =>
      fetch(`${url}/v1/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(BUSY),
      }).catch(() => 'connection lost'),
    )
    await waitForContainers(instanceId, 4)
    child.kill('SIGKILL')
    expect(await Promise.all(requests)).toEqual([
      'connection lost',
      'connection lost',
      'connection lost',
    ])
    // A create the process sent just before it died (a pool refill) may still land.
    await untilSettled(instanceId)
    return instanceId
  } finally {
    child.kill('SIGKILL')
  }
}

/** Waits until the instance's containers and workspaces stay the same for a second. */
async function untilSettled(instanceId: string): Promise<void> {
  const snapshot = async () =>
    JSON.stringify([
      await containersOf(instanceId),
      await readdir(instanceDir(root, instanceId)).catch(() => []),
    ])
  let last = await snapshot()
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const now = await snapshot()
    if (now === last) return
    last = now
  }
}

describe('an orchestrator killed with SIGKILL under load', () => {
  it.each(['the reap command', 'the next Sandbox.create'])(
    'leaves containers and workspaces that %s removes, and none of another instance',
    async (how) => {
      const other = await Sandbox.create({
        config: testConfig({
          pool: { size: 1 },
          code_execution: { workspace_root: root, allowed_operations: { file_operations: true } },
        }),
      })
      try {
        const otherId = other.config.orchestrator.instance_id
        await waitForContainers(otherId, 1)
        const otherContainers = await containersOf(otherId)
        const otherWorkspaces = await readdir(instanceDir(root, otherId))
        expect(otherWorkspaces).toHaveLength(1)

        const crashed = await crashAnOrchestrator()
        // Three executions and a warm container, and a refill the process may have begun.
        const left = {
          containers: (await containersOf(crashed)).length,
          workspaces: (await readdir(instanceDir(root, crashed))).length,
        }
        expect(left.containers).toBeGreaterThanOrEqual(4)
        expect(left.workspaces).toBeGreaterThanOrEqual(4)

        if (how === 'the reap command') {
          const reaped = await runCli(['reap', '--config', join(root, `${crashed}.yml`)])
          expect(reaped).toMatchObject({
            exitCode: 0,
            stdout: `Removed ${left.containers} container(s) and ${left.workspaces} workspace(s) of instance \`${crashed}\`.\n`,
          })
        } else {
          const config = testConfig({ code_execution: { workspace_root: root } })
          const next = await Sandbox.create({
            config: { ...config, orchestrator: { ...config.orchestrator, instance_id: crashed } },
          })
          await next.close()
        }
        expect(await containersOf(crashed)).toEqual([])
        expect(await readdir(instanceDir(root, crashed))).toEqual([])
        expect(await containersOf(otherId)).toEqual(otherContainers)
        expect(await readdir(instanceDir(root, otherId))).toEqual(otherWorkspaces)
        expect((await other.execute({ code: 'print("still serving")' })).stdout).toBe(
          'still serving\n',
        )
      } finally {
        await other.close()
      }
    },
  )
})

describe('containers of an orchestrator killed with SIGKILL', () => {
  it('end within their deadlines with nothing on the host to stop them', async () => {
    // Three executions that would sleep 60 s under a 2 s timeout, each killed with its
    // orchestrator once its code is running, and a warm container: the image's init ends
    // each at its own deadline (the execution timeout plus 2 s; a warm container whose
    // orchestrator is gone sees its stdin end and stops at once).
    const instanceId = testInstanceId()
    const config = join(root, `${instanceId}.yml`)
    await writeFile(
      config,
      [
        `orchestrator: { instance_id: ${instanceId} }`,
        `code_execution: { timeout_seconds: 2, runtime: ${TEST_RUNTIME}, workspace_root: ${root}, allowed_operations: { file_operations: true, imports: [time] } }`,
        'pool: { size: 1, idle_seconds: 2 }',
        'server: { port: 0 }',
        '',
      ].join('\n'),
    )
    const serve = await ServeProcess.start(config, root)
    try {
      const busy = [1, 2, 3].map(() =>
        fetch(`${serve.url}/v1/executions?stream=true`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(BUSY),
        }).then(untilFirstOutput),
      )
      expect(await Promise.all(busy)).toEqual(['busy', 'busy', 'busy'])
    } finally {
      await serve.kill()
    }
    const killedAt = Date.now()
    const running = async (): Promise<number> =>
      (await docker.listContainers({ filters: { label: [`${LABEL_INSTANCE}=${instanceId}`] } }))
        .length
    expect(await running()).toBeGreaterThanOrEqual(3)
    while ((await running()) > 0 && Date.now() - killedAt < 60_000)
      await new Promise((resolve) => setTimeout(resolve, 100))
    const lifetimeMs = Date.now() - killedAt
    console.info(`orphaned containers all ended ${lifetimeMs} ms after SIGKILL (${TEST_RUNTIME})`)
    expect(await running()).toBe(0)
    const ends = await Promise.all(
      (await containersOf(instanceId)).map(async (id) => {
        const { State } = await docker.getContainer(id).inspect()
        return State.Status === 'created' ? 'never started' : State.ExitCode
      }),
    )
    // The executions end at their deadline (124); a warm one at the end of its stdin (125);
    // a pool refill whose create landed as the process died was never started, and only
    // the reap below removes it.
    expect(ends.filter((end) => end === DEADLINE_EXIT_CODE)).toHaveLength(3)
    expect(
      ends.every(
        (end) =>
          end === DEADLINE_EXIT_CODE || end === INIT_ERROR_EXIT_CODE || end === 'never started',
      ),
    ).toBe(true)
    await runCli(['reap', '--config', config])
    expect(await containersOf(instanceId)).toEqual([])
    expect(await readdir(instanceDir(root, instanceId))).toEqual([])
  }, 90_000)
})

/** Reads an SSE response until its first stdout event, then lets the connection go. */
async function untilFirstOutput(response: Response): Promise<string> {
  const reader = response.body?.getReader()
  if (reader === undefined) return 'no body'
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return `ended: ${text}`
    text += Buffer.from(value).toString('utf8')
    const found = /event: stdout\ndata: (.*)\n/.exec(text)?.[1]
    if (found !== undefined) return (JSON.parse(found) as { text: string }).text.trim()
  }
}
