import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { describe, expect, it } from 'vitest'
import type { ConfigInput } from '../../src/config/schema.js'
import { DockerEngine } from '../../src/engine/docker-engine.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { containersOf } from '../support/managed-containers.js'
import { testConfig } from '../support/test-config.js'

/** Runs `print(1)` in a fresh sandbox with these settings; asserts nothing is left behind. */
async function runOnce(overrides: ConfigInput, engine = new DockerEngine()) {
  const config = testConfig(overrides)
  const sandbox = await Sandbox.create({ config, engine })
  try {
    return await sandbox.execute({ code: 'print(1)' })
  } finally {
    await sandbox.close()
    expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
  }
}

/** Each broken piece of the set-up is a clear error that names the fix, never a hang or a stack. */
describe('start-up faults', () => {
  it('a missing image is an engine_error that says how to build it', async () => {
    const result = await runOnce({ code_execution: { image: 'tinyagent-sandbox/no-such-image' } })
    expect(result).toMatchObject({
      status: 'engine_error',
      exitCode: null,
      message:
        'The sandbox image `tinyagent-sandbox/no-such-image` is not present on the Docker engine. Build it with `npx tinyagent-sandbox image build` (or `make image` in a checkout); the orchestrator never pulls images.',
    })
  })

  it('an unreachable engine is an engine_error that says how to start one', async () => {
    const engine = new DockerEngine({
      docker: new Docker({ socketPath: '/nonexistent/docker.sock' }),
    })
    const result = await runOnce({}, engine)
    expect(result).toMatchObject({
      status: 'engine_error',
      message:
        "Cannot reach the Docker engine at unix:///nonexistent/docker.sock (ENOENT). Start it (scripts/ensure-docker.sh on Debian as root, or your system's Docker service) or point DOCKER_HOST at a running engine.",
    })
  })

  it('a runtime the engine lacks is an engine_error that names code_execution.runtime', async () => {
    const result = await runOnce({ code_execution: { runtime: 'no-such-runtime' } })
    expect(result.status).toBe('engine_error')
    expect(result.message).toMatch(
      /^The Docker engine at unix:\/\/\/var\/run\/docker\.sock does not know this runtime: .*no-such-runtime.*\. Register it in \/etc\/docker\/daemon\.json or set code_execution\.runtime to one that `tinyagent-sandbox doctor` lists\.$/,
    )
  })

  it('a workspace root that cannot be written is refused at start-up, naming the setting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyagent-faults-'))
    try {
      await writeFile(join(dir, 'a-file'), '')
      const root = join(dir, 'a-file', 'workspaces')
      const config = testConfig({
        code_execution: { allow_dangerous_operations: true, workspace_root: root },
      })
      await expect(Sandbox.create({ config })).rejects.toMatchObject({
        code: 'config_invalid',
        message: `Invalid configuration in code_execution.workspace_root:\n  code_execution.workspace_root: ${join(dir, 'a-file')}, on the way to the workspace root, is not a directory`,
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
