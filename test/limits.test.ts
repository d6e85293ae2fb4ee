import Docker from 'dockerode'
import { describe, expect } from 'vitest'
import { expectLegitimate, MEMORY_FILLED } from './support/legitimate-outcomes.js'
import { containersOf, inspectWhileRunning } from './support/managed-containers.js'
import { sandboxTest as test } from './support/sandbox-fixture.js'

const docker = new Docker()

/**
 * The CPU time the engine counted for a container (its cgroup: the code, and under gVisor
 * the sentry too), sampled until the container is gone; the last sample with its time.
 */
async function lastCpuSample(id: string): Promise<{ cpuSeconds: number; at: number } | undefined> {
  let last: { cpuSeconds: number; at: number } | undefined
  for (;;) {
    // one-shot: the current counters, without waiting a second for a second sample.
    const stats = await docker
      .getContainer(id)
      .stats({ stream: false, 'one-shot': true })
      .catch(() => undefined)
    const usage = stats?.cpu_stats?.cpu_usage?.total_usage
    if (stats === undefined || !usage || stats.read.startsWith('0001')) return last
    last = { cpuSeconds: usage / 1e9, at: Date.parse(stats.read) }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Each limit driven to its edge with the static policy off, so only the container holds:
 * the exact status and message, and the sandbox still serving afterwards.
 */
describe('limits at the edge', () => {
  test.override({ configOverrides: { code_execution: { allow_dangerous_operations: true } } })

  async function stillServing(sandbox: {
    execute: (r: { code: string }) => Promise<{ stdout: string }>
  }) {
    expect((await sandbox.execute({ code: 'print("still serving")' })).stdout).toBe(
      'still serving\n',
    )
  }

  test('bytearray(10**10) ends at the memory limit', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: 'bytearray(10**10)' })
    expectLegitimate(result, MEMORY_FILLED)
    if (result.status === 'memory_limit')
      expect(result.message).toBe(
        'Ran out of memory: the limit is 256 MB (code_execution.limits.memory_mb).',
      )
    await stillServing(sandbox)
  })

  test('a request can lower the memory limit below what the code needs', async ({ sandbox }) => {
    const code = 'x = bytearray(100 * 1024 * 1024)\nprint(len(x))'
    expect((await sandbox.execute({ code })).stdout).toBe('104857600\n')
    const lowered = await sandbox.execute({ code, limits: { memory_mb: 64 } })
    expectLegitimate(lowered, MEMORY_FILLED)
    expect(lowered.stdout).toBe('')
    if (lowered.status === 'memory_limit')
      expect(lowered.message).toBe(
        'Ran out of memory: the limit is 64 MB (code_execution.limits.memory_mb).',
      )
  })

  test('filling /tmp is an error that names the tmpfs limit', async ({ sandbox }) => {
    const code = 'f = open("/tmp/fill", "wb")\nwhile True:\n    f.write(b"x" * 1048576)'
    const result = await sandbox.execute({ code, limits: { tmpfs_mb: 8 } })
    expect(result.status).toBe('error')
    expect(result.error?.value).toBe('[Errno 28] No space left on device')
    expect(result.message).toContain('/tmp holds 8 MB (code_execution.limits.tmpfs_mb)')
    await stillServing(sandbox)
  })

  test('open files stop at limits.open_files', async ({ sandbox }) => {
    const code =
      'fs = []\ntry:\n    while True:\n        fs.append(open("/etc/hostname"))\nexcept OSError as e:\n    print(len(fs), e.errno)'
    const result = await sandbox.execute({ code, limits: { open_files: 64 } })
    // 64 descriptors, less stdin/stdout/stderr and the few the interpreter holds.
    expect(result.stdout).toMatch(/^(5\d|6[01]) 24\n$/)
  })

  test('endless output stops at limits.output_bytes on stderr too', async ({ sandbox }) => {
    const code = 'import sys\nwhile True:\n    sys.stderr.write("e" * 1000)'
    const result = await sandbox.execute({ code, limits: { output_bytes: 4096 } })
    expect(result.status).toBe('output_limit')
    expect(Buffer.byteLength(result.stderr)).toBe(4096)
    expect(result.message).toBe(
      'Stopped when output passed 4096 bytes on one stream (code_execution.limits.output_bytes); the output shown is cut there.',
    )
    await stillServing(sandbox)
  })

  test('the CPU quota bounds the CPU time two busy threads get', async ({ sandbox }) => {
    const cpus = 0.5
    const code = [
      'import threading, time, resource',
      'def spin():',
      '    end = time.time() + 2',
      '    while time.time() < end:',
      '        pass',
      'threads = [threading.Thread(target=spin) for _ in range(2)]',
      '[t.start() for t in threads]',
      '[t.join() for t in threads]',
      'usage = resource.getrusage(resource.RUSAGE_SELF)',
      'print(round(usage.ru_utime + usage.ru_stime, 2))',
    ].join('\n')
    const instanceId = sandbox.config.orchestrator.instance_id
    const execution = sandbox.execute({ code, limits: { cpus } })
    const container = await inspectWhileRunning(instanceId, 30_000)
    const sample = await lastCpuSample(container.Id)
    const result = await execution
    expect(result.status).toBe('ok')
    // The engine's count, not the code's: gVisor's rusage counts time its tasks were throttled.
    // Whatever the load, the cgroup got at most `cpus` × the time since it was created, plus
    // one 100 ms CFS period of burst and rounding. How much less it got depends on the load.
    if (sample === undefined) throw new Error('no CPU sample while the container ran')
    const lifetimeSeconds = (sample.at - Date.parse(container.Created)) / 1000
    expect(sample.cpuSeconds).toBeGreaterThan(0)
    expect(sample.cpuSeconds).toBeLessThanOrEqual(cpus * lifetimeSeconds + 0.2)
    expect(Number(result.stdout)).toBeGreaterThan(0)
    expect(await containersOf(instanceId)).toEqual([])
  })

  test('an unknown runtime is an engine_error that names the setting, and leaves nothing behind', async ({
    engine,
  }) => {
    const { Sandbox } = await import('../src/sandbox/sandbox.js')
    const { testConfig } = await import('./support/test-config.js')
    const { containersOf } = await import('./support/managed-containers.js')
    const config = testConfig({ code_execution: { runtime: 'no-such-runtime' } })
    const sandbox = await Sandbox.create({ config, engine })
    try {
      const result = await sandbox.execute({ code: 'print(1)' })
      expect(result.status).toBe('engine_error')
      expect(result.message).toContain('code_execution.runtime')
      expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
    } finally {
      await sandbox.close()
    }
  })
})
