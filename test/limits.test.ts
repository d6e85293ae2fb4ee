import { describe, expect } from 'vitest'
import { sandboxTest as test } from './support/sandbox-fixture.js'
import { TEST_RUNTIME } from './support/test-config.js'

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

  test('bytearray(10**10) ends as memory_limit', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: 'bytearray(10**10)' })
    expect(result.status).toBe('memory_limit')
    expect(result.message).toBe(
      'Ran out of memory: the limit is 256 MB (code_execution.limits.memory_mb).',
    )
    await stillServing(sandbox)
  })

  test('a request can lower the memory limit below what the code needs', async ({ sandbox }) => {
    const code = 'x = bytearray(100 * 1024 * 1024)\nprint(len(x))'
    expect((await sandbox.execute({ code })).stdout).toBe('104857600\n')
    const lowered = await sandbox.execute({ code, limits: { memory_mb: 64 } })
    expect(lowered.status).toBe('memory_limit')
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
    const result = await sandbox.execute({ code, limits: { cpus: 0.5 } })
    const cpuSeconds = Number(result.stdout)
    // Two threads for 2 s would use about 4 CPU-seconds unbounded on this 2-core machine; at
    // 0.5 cores they get about 1. gVisor's rusage adds its sentry's own work (up to ~2 seen).
    expect(cpuSeconds).toBeGreaterThan(0.5)
    expect(cpuSeconds).toBeLessThan(TEST_RUNTIME === 'runsc' ? 3 : 1.4)
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
