import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import Docker from 'dockerode'
import { describe, expect } from 'vitest'
import { DockerEngine } from '../src/engine/docker-engine.js'
import { Sandbox } from '../src/sandbox/sandbox.js'
import { instanceDir } from '../src/workspace/workspace.js'
import { containersOf } from './support/managed-containers.js'
import { sandboxTest as test } from './support/sandbox-fixture.js'
import { testConfig } from './support/test-config.js'

const docker = new Docker()

/**
 * Polls until `check` holds. The deadline only names what was awaited when a test fails; it
 * sits just under the test's own timeout, since how soon a pool fills depends on the machine.
 */
async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 50_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const full = (sandbox: Sandbox) => until('the pool is full', () => sandbox.warm === 2)

describe('the warm pool on the real engine', () => {
  test.override({ configOverrides: { pool: { size: 2 } } })

  test('runs an execution in a ready container, removes it, and refills', async ({ sandbox }) => {
    await full(sandbox)
    const before = new Set(await containersOf(sandbox.config.orchestrator.instance_id))
    const result = await sandbox.execute({
      code: 'import pandas as pd\nprint(int(pd.Series([1, 2, 3]).sum()))',
    })
    expect(result).toMatchObject({ status: 'ok', stdout: '6\n', stderr: '', exitCode: 0 })
    await full(sandbox)
    await until('the used container is gone', async () => {
      const now = await containersOf(sandbox.config.orchestrator.instance_id)
      return now.length === 2 && now.filter((id) => before.has(id)).length === 1
    })
  })

  test('gives each execution a fresh container: nothing carries over', async ({ sandbox }) => {
    await full(sandbox)
    await sandbox.execute({ code: 'import json\njson.marker = "left behind"' })
    await full(sandbox)
    const second = await sandbox.execute({
      code: 'import json\nprint(getattr(json, "marker", "fresh"))',
    })
    expect(second.stdout).toBe('fresh\n')
  })

  test('keeps timeouts, limits and exceptions exactly as cold runs do', async ({ sandbox }) => {
    await full(sandbox)
    const timedOut = await sandbox.execute({ code: 'while True:\n    pass', timeoutSeconds: 1 })
    expect(timedOut.status).toBe('timeout')
    await full(sandbox)
    const failed = await sandbox.execute({ code: 'def f():\n    raise KeyError("k")\nf()' })
    expect(failed.status).toBe('error')
    expect(failed.error?.name).toBe('KeyError')
    expect(failed.error?.traceback).toContain('File "<sandbox>", line 3, in <module>')
  })

  test('does not hand out a container that died while waiting', async ({ sandbox }) => {
    await full(sandbox)
    for (const id of await containersOf(sandbox.config.orchestrator.instance_id)) {
      await docker.getContainer(id).kill()
    }
    const result = await sandbox.execute({ code: 'print("ran")' })
    expect(result.stdout).toBe('ran\n')
  })

  test('runs a request that lowers a limit cold, leaving the pool untouched', async ({
    sandbox,
  }) => {
    await full(sandbox)
    const before = await containersOf(sandbox.config.orchestrator.instance_id)
    const result = await sandbox.execute({ code: 'print(1)', limits: { memory_mb: 128 } })
    expect(result.stdout).toBe('1\n')
    expect((await containersOf(sandbox.config.orchestrator.instance_id)).sort()).toEqual(
      before.sort(),
    )
  })

  test('close() removes every pooled container', async ({ sandbox }) => {
    await full(sandbox)
    await sandbox.close()
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  })
})

describe('the warm pool growing for a burst', () => {
  test.override({
    // No preload: containers start quickly, well within the burst's decay (about 20 s to 2).
    configOverrides: {
      pool: { size: 1, max_size: 3, preload: [] },
      orchestrator: { concurrency: 4 },
    },
  })

  test('grows past its floor for parallel executions, within max_size, and reports it', async ({
    sandbox,
  }) => {
    await until('the pool is full', () => sandbox.warm === 1)
    const results = await Promise.all([1, 2, 3].map(() => sandbox.execute({ code: 'print(1)' })))
    expect(results.map((result) => result.stdout)).toEqual(['1\n', '1\n', '1\n'])
    const { pool } = await sandbox.gauges()
    // One found the ready container; the two others each ran cold, waited for a refill
    // being made (whichever the pool judged would land sooner), or found one that had
    // landed by the time it asked.
    const { plain = 0, none = 0 } = pool?.takes ?? {}
    expect(pool?.takes.preloaded).toBe(0)
    expect(plain + none).toBe(3)
    expect(plain).toBeGreaterThanOrEqual(1 + (pool?.waits ?? 0))
    expect(pool?.targetSize).toBe(3)
    const instanceId = sandbox.config.orchestrator.instance_id
    await until(
      'the pool has grown to three',
      async () => sandbox.warm === 3 && (await containersOf(instanceId)).length === 3,
    )
  })
})

describe('the warm pool with file operations', () => {
  test.override({
    configOverrides: {
      pool: { size: 1 },
      code_execution: { allowed_operations: { file_operations: true } },
    },
  })

  test('gives each pooled container its own workspace, and removes it after use', async ({
    sandbox,
  }) => {
    await until('the pool is full', () => sandbox.warm === 1)
    const result = await sandbox.execute({
      code: 'data = open("in.txt").read()\nopen("out.txt", "w").write(data.upper())',
      files: [{ name: 'in.txt', content: 'hello' }],
    })
    expect(result.status).toBe('ok')
    expect(
      result.files.map((f) => [f.name, Buffer.from(f.contentBase64, 'base64').toString()]),
    ).toEqual([['out.txt', 'HELLO']])
    await until('the pool is full', () => sandbox.warm === 1)
    await sandbox.close()
    expect(
      await readdir(instanceDir(undefined, sandbox.config.orchestrator.instance_id)).catch(
        () => [],
      ),
    ).toEqual([])
  })
})

describe('the warm pool recycling its containers', () => {
  // No preload: a container starts in well under the idle time, so the pool is seen full between
  // replacements.
  test.override({ configOverrides: { pool: { size: 1, idle_seconds: 2, preload: [] } } })

  test('replaces a container idle past idle_seconds with a fresh one, removing the old', async ({
    sandbox,
  }) => {
    const instanceId = sandbox.config.orchestrator.instance_id
    await until('the pool is full', () => sandbox.warm === 1)
    const [first] = await containersOf(instanceId)
    await until('the idle container is replaced', async () => {
      const now = await containersOf(instanceId)
      return sandbox.warm === 1 && now.length === 1 && now[0] !== first
    })
    expect(await sandbox.execute({ code: 'print("fresh")' })).toMatchObject({
      status: 'ok',
      stdout: 'fresh\n',
    })
  })

  test('replaces a container that the engine removed, without waiting for an execution', async ({
    sandbox,
  }) => {
    const instanceId = sandbox.config.orchestrator.instance_id
    await until('the pool is full', () => sandbox.warm === 1)
    const [first] = await containersOf(instanceId)
    if (first === undefined) throw new Error('expected a warm container')
    await docker.getContainer(first).remove({ force: true })
    await until('a new container is ready', async () => {
      const now = await containersOf(instanceId)
      return sandbox.warm === 1 && now.length === 1 && now[0] !== first
    })
  })
})

/** The real engine, refusing to start warm containers (those with a ready marker) while `failing` is set. */
class FailingStarts extends DockerEngine {
  failing = true
  attempts = 0

  override start(...args: Parameters<DockerEngine['start']>): ReturnType<DockerEngine['start']> {
    const warm = args[1] !== undefined
    if (warm) this.attempts++
    if (warm && this.failing)
      return Promise.reject(new Error('injected: the engine cannot start it'))
    return super.start(...args)
  }
}

describe('the warm pool when the engine fails to start containers', () => {
  test('executions run cold meanwhile, retries back off, and the pool fills once it recovers', async () => {
    const engine = new FailingStarts()
    const started = Date.now()
    const sandbox = await Sandbox.create({
      config: testConfig({ pool: { size: 2, preload: [] } }),
      engine,
    })
    try {
      const result = await sandbox.execute({ code: 'print("cold")' })
      expect(result).toMatchObject({ status: 'ok', stdout: 'cold\n' })
      expect(sandbox.warm).toBe(0)
      // A second round of two: the pool retried.
      await until('the pool retries', () => engine.attempts > 2)
      // Not a storm: the backoff doubles from 250 ms, so in t ms there are at most
      // 1 + log2(t / 250 + 1) rounds of two attempts, however fast or slow the machine.
      const rounds = 1 + Math.log2((Date.now() - started) / 250 + 1)
      expect(engine.attempts).toBeLessThanOrEqual(2 * Math.floor(rounds))
      engine.failing = false
      await until('the pool is full', () => sandbox.warm === 2)
      expect(await sandbox.execute({ code: 'print("warm")' })).toMatchObject({
        status: 'ok',
        stdout: 'warm\n',
      })
    } finally {
      await sandbox.close()
    }
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  })
})

/** The real engine, counting the starts that failed. */
class CountingFailedStarts extends DockerEngine {
  failed = 0

  override start(...args: Parameters<DockerEngine['start']>): ReturnType<DockerEngine['start']> {
    return super.start(...args).catch((error: unknown) => {
      this.failed++
      throw error
    })
  }
}

describe('the warm pool when the runtime cannot start its containers', () => {
  // Before: the ready wait rejected with no handler when `start()` threw, and Node ended the
  // process. An image whose entrypoint does not exist makes every real start fail after create.
  const broken = 'tinyagent-sandbox/python:test-broken-entrypoint'

  test('keeps the process alive, answers engine_error, and leaves no container', async () => {
    await new Promise<void>((resolve, reject) => {
      const child = execFile('docker', ['build', '-q', '-t', broken, '-'], (error) =>
        error ? reject(error) : resolve(),
      )
      child.stdin?.end('FROM tinyagent-sandbox/python\nENTRYPOINT ["/nonexistent"]\n')
    })
    const engine = new CountingFailedStarts()
    const sandbox = await Sandbox.create({
      config: testConfig({ pool: { size: 2, preload: [] }, code_execution: { image: broken } }),
      engine,
    })
    try {
      // Refills fail meanwhile, a retry among them (backoff from 250 ms), however long each takes.
      await until('refills have failed twice over', () => engine.failed > 2)
      const result = await sandbox.execute({ code: 'print(1)' })
      expect(result.status).toBe('engine_error')
      expect(sandbox.warm).toBe(0)
    } finally {
      await sandbox.close()
    }
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  })
})
