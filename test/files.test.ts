import { access, chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { instanceDir } from '../src/workspace/workspace.js'
import { inspectWhileRunning } from './support/managed-containers.js'
import { sandboxTest as test } from './support/sandbox-fixture.js'

const text = (base64: string): string => Buffer.from(base64, 'base64').toString('utf8')

/** Every workspace of the sandbox's instance is gone once an execution has returned. */
async function workspacesLeft(instanceId: string, root?: string): Promise<string[]> {
  return readdir(instanceDir(root, instanceId)).catch(() => [])
}

let hostDir: string
beforeAll(async () => {
  hostDir = await mkdtemp(join(tmpdir(), 'tinyagent-mount-'))
  await chmod(hostDir, 0o755) // the sandbox user (uid 10001) reads through host permissions
  await writeFile(join(hostDir, 'reference.csv'), 'k,v\na,1\n')
})
afterAll(async () => {
  await rm(hostDir, { recursive: true, force: true })
})

describe('without file operations', () => {
  test('the container has no mount of any kind and no /workspace', async ({ sandbox }) => {
    const running = sandbox.execute({ code: 'while True:\n    pass', timeoutSeconds: 3 })
    const seen = await inspectWhileRunning(sandbox.config.orchestrator.instance_id)
    expect(seen.Mounts).toEqual([])
    expect(seen.HostConfig.Mounts ?? []).toEqual([])
    expect(seen.HostConfig.Binds ?? []).toEqual([])
    expect(Object.keys(seen.HostConfig.Tmpfs ?? {})).toEqual(['/tmp'])
    expect(seen.Config.WorkingDir).toBe('/tmp')
    const result = await running
    expect(result.status).toBe('timeout')
    expect(result.files).toEqual([])
  })
})

describe('with file operations', () => {
  test.override({
    configOverrides: {
      code_execution: {
        allowed_operations: { file_operations: true, imports: ['pathlib', 'time'] },
        mounts: [],
      },
    },
  })

  test('writes input files, runs in /workspace, and returns what was created or changed', async ({
    sandbox,
  }) => {
    const code = [
      'import pandas as pd',
      'frame = pd.read_csv("in/data.csv")',
      'frame["total"] = frame.a + frame.b',
      'frame.to_csv("out/result.csv", index=False) if False else None',
      'from pathlib import Path',
      'Path("out").mkdir()',
      'frame.to_csv("out/result.csv", index=False)',
      'print(Path.cwd())',
    ].join('\n')
    const result = await sandbox.execute({
      code,
      files: [
        { name: 'in/data.csv', content: 'a,b\n1,2\n3,4\n' },
        {
          name: 'untouched.bin',
          content: Buffer.from([0, 1, 2]).toString('base64'),
          encoding: 'base64',
        },
      ],
    })
    expect(result.status).toBe('ok')
    expect(result.stdout).toBe('/workspace\n')
    expect(result.files.map((f) => f.name)).toEqual(['out/result.csv'])
    expect(text(result.files[0]?.contentBase64 ?? '')).toBe('a,b,total\n1,2,3\n3,4,7\n')
    expect(result.filesTruncated).toBe(false)
    expect(await workspacesLeft(sandbox.config.orchestrator.instance_id)).toEqual([])
  })

  test('removes the workspace after an error and after a timeout', async ({ sandbox }) => {
    const failed = await sandbox.execute({ code: 'open("x", "w").write("1")\n1/0' })
    expect(failed.status).toBe('error')
    expect(failed.files.map((f) => f.name)).toEqual(['x'])
    const timedOut = await sandbox.execute({
      code: 'import time\ntime.sleep(30)',
      timeoutSeconds: 1,
    })
    expect(timedOut.status).toBe('timeout')
    expect(await workspacesLeft(sandbox.config.orchestrator.instance_id)).toEqual([])
  })

  test('reports a full workspace as an error that names the limit, and keeps serving', async ({
    sandbox,
  }) => {
    const code = 'with open("fill", "wb") as f:\n    while True:\n        f.write(b"x" * 1048576)'
    const result = await sandbox.execute({ code, limits: { workspace_mb: 8, tmpfs_mb: 4 } })
    expect(result.status).toBe('error')
    expect(result.error?.value).toBe('[Errno 28] No space left on device')
    expect(result.message).toContain('code_execution.limits.workspace_mb')
    const next = await sandbox.execute({ code: 'print("still serving")' })
    expect(next.stdout).toBe('still serving\n')
  })

  test('caps returned files and says so', async ({ sandbox }) => {
    const code = 'for i in range(5):\n    open(f"f{i}.txt", "w").write("z" * 100)'
    const result = await sandbox.execute({
      code,
      limits: { returned_files: 2, returned_file_bytes: 60 },
    })
    expect(result.files.map((f) => [f.name, f.size, f.truncated])).toEqual([
      ['f0.txt', 100, true],
      ['f1.txt', 100, true],
    ])
    expect(text(result.files[0]?.contentBase64 ?? '')).toBe('z'.repeat(60))
    expect(result.filesTruncated).toBe(true)
  })
})

describe('a hostile workspace (static policy off, so the host side alone must hold)', () => {
  test.override({ configOverrides: { code_execution: { allow_dangerous_operations: true } } })

  test('returns symlinks and FIFOs as nothing, and never follows them', async ({ sandbox }) => {
    const code = [
      'import os',
      'os.symlink("/etc/passwd", "passwd")',
      'os.symlink("/", "root")',
      'os.mkfifo("pipe")',
      'open("ok.txt", "w").write("ok")',
    ].join('\n')
    const result = await sandbox.execute({ code })
    expect(result.status).toBe('ok')
    expect(result.files.map((f) => f.name)).toEqual(['ok.txt'])
  })
})

describe('configured host mounts', () => {
  test.override({
    configOverrides: {
      code_execution: { allowed_operations: { file_operations: true } },
    },
  })

  test('are mounted read-only by default and only with file operations', async ({ engine }) => {
    const { Sandbox } = await import('../src/sandbox/sandbox.js')
    const { testConfig } = await import('./support/test-config.js')
    const mounts = [{ source: hostDir, target: '/mnt/ref' }]
    const code = [
      'print(open("/mnt/ref/reference.csv").read(), end="")',
      'try:',
      '    open("/mnt/ref/new.txt", "w")',
      'except OSError as e:',
      '    print("write refused", e.errno)',
    ].join('\n')
    const withFiles = await Sandbox.create({
      config: testConfig({
        code_execution: { allowed_operations: { file_operations: true }, mounts },
      }),
      engine,
    })
    const without = await Sandbox.create({
      config: testConfig({ code_execution: { mounts } }),
      engine,
    })
    try {
      const mounted = await withFiles.execute({ code })
      // EROFS under runc; gVisor checks permissions first and answers EACCES. Either way, no write.
      expect(mounted.stdout).toMatch(/^k,v\na,1\nwrite refused (30|13)\n$/)
      const running = without.execute({ code: 'while True:\n    pass', timeoutSeconds: 2 })
      const seen = await inspectWhileRunning(without.config.orchestrator.instance_id)
      expect(seen.Mounts).toEqual([])
      expect((await running).status).toBe('timeout')
      await expect(access(join(hostDir, 'new.txt'))).rejects.toMatchObject({ code: 'ENOENT' })
    } finally {
      await withFiles.close()
      await without.close()
    }
  })
})
