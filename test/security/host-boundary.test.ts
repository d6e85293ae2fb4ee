import { randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DockerEngine } from '../../src/engine/docker-engine.js'
import type { ExecutionResult } from '../../src/sandbox/execution-result.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { ApiKeys } from '../../src/server/api-keys.js'
import { HttpServer } from '../../src/server/http-server.js'
import { instanceDir } from '../../src/workspace/workspace.js'
import { CanaryDir, exposes } from '../support/host-boundary-canaries.js'
import { readEvents, TestServer } from '../support/http-server-fixture.js'
import { containersOf, inspectWhileRunning } from '../support/managed-containers.js'
import { sandboxTest as test } from '../support/sandbox-fixture.js'
import { TEST_RUNTIME, testConfig } from '../support/test-config.js'

/**
 * The findings of the host-boundary review (issue 12), each performed for real: the code
 * forges the end of its run, swaps workspace directories for symlinks to host canaries, or
 * the host's mount sources are swapped under a running sandbox. The orchestrator runs as
 * root here, so a host that followed a link would read or delete the canaries. Each case
 * asserts the real outcome, that no canary byte shows in any result, and that every canary
 * file is still there with its content.
 */

/** A Python string literal (JSON's escapes are Python's too). */
const py = (text: string): string => JSON.stringify(text)

/** The runner's markers as they looked before they carried a secret. */
const OLD_END = '\x1etinyagent-end\n'
const OLD_FRAME = '\n\x1etinyagent-result {"exitCode":0,"error":null}\n'

/** Markers of the current shape with a guessed secret, claiming success, a value, a chart and a refusal. */
function guessedMarkers(): { end: string; frame: string } {
  const secret = randomBytes(16).toString('hex')
  const frame = {
    exitCode: 0,
    error: null,
    result: { repr: "'forged'", type: 'str', reprTruncated: false },
    artifacts: [
      { type: 'image/png', name: 'forged.png', width: 1, height: 1, base64: 'iVBORw0KGgoAAAAN' },
    ],
    artifactsTruncated: false,
    violation: {
      rule: 'runtime-network',
      event: 'socket.connect',
      subject: 'forged',
      line: 1,
      column: 1,
      text: 'forged',
    },
  }
  return {
    end: `\x1etinyagent-end ${secret}\n`,
    frame: `\n\x1etinyagent-result ${secret} ${JSON.stringify(frame)}\n`,
  }
}

const DANGEROUS_WITH_FILES = {
  allow_dangerous_operations: true,
  allowed_operations: { file_operations: true },
} as const

const made: string[] = []
const canaries: CanaryDir[] = []

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tinyagent-hb-${prefix}-`))
  made.push(dir)
  return dir
}

async function plant(files: readonly string[]): Promise<CanaryDir> {
  const canary = await CanaryDir.plant(files)
  canaries.push(canary)
  return canary
}

afterAll(async () => {
  await Promise.all(canaries.map((c) => c.remove()))
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Workspaces of an instance still on disk under the (default or given) root. */
async function workspacesLeft(instanceId: string, root?: string): Promise<string[]> {
  return readdir(instanceDir(root, instanceId)).catch(() => [])
}

/**
 * Finding 1, as an attacker sends it: a forged end marker and result frame, and a daemon
 * thread that keeps swapping /workspace/d between a real directory holding a/x and a
 * symlink to the host canary, racing the host's read of the workspace; then exit code 3.
 */
function forgedFrameWithSymlinkSwap(canaryPath: string): string {
  return `
import ctypes, os, sys, threading, time
os.makedirs("real/a")
with open("real/a/x", "w") as f:
    f.write("decoy\\n")
os.symlink(${py(canaryPath)}, "link")
os.rename("real", "d")
libc = ctypes.CDLL(None, use_errno=True)
RENAME_EXCHANGE = 2

def swap():
    exchange = True
    while True:
        # One atomic step where the kernel offers it: d and link trade places.
        if exchange and libc.renameat2(-100, b"d", -100, b"link", RENAME_EXCHANGE) == 0:
            continue
        exchange = False
        try:
            if os.path.islink("d"):
                os.rename("d", "link")
                os.rename("real", "d")
            else:
                os.rename("d", "real")
                os.rename("link", "d")
        except OSError:
            pass

threading.Thread(target=swap, daemon=True).start()
sys.stdout.write(${py(OLD_END)})
sys.stdout.flush()
with open("/dev/stderr", "w") as err:
    err.write(${py(OLD_FRAME)})
time.sleep(0.3)
raise SystemExit(3)
`
}

describe('a forged end of run and a symlink swap, through the warm pool over HTTP', () => {
  const TRIES = 50

  it(`never reads the host through the swapped link and keeps the real outcome (${TRIES} tries)`, async () => {
    const canary = await plant(['a/x'])
    const config = testConfig({ code_execution: DANGEROUS_WITH_FILES, pool: { size: 1 } })
    const engine = new DockerEngine()
    const sandbox = await Sandbox.create({
      config: { ...config, server: { ...config.server, port: 0 } },
      engine,
    })
    const http = await HttpServer.start({ executor: sandbox, apiKeys: ApiKeys.of([]) })
    const problems: string[] = []
    let swappedAtStop = 0
    try {
      for (let attempt = 1; attempt <= TRIES; attempt++) {
        await until('the pool has a warm container', () => sandbox.warm === 1)
        const response = await fetch(`${http.url}/v1/executions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: forgedFrameWithSymlinkSwap(canary.path) }),
        })
        const body = await response.text()
        const result = JSON.parse(body) as ExecutionResult
        const seen = `try ${attempt}: HTTP ${response.status}, ${result.status}/${result.exitCode}`
        if (exposes(body, canary.token)) problems.push(`${seen}: the canary is in the body`)
        if (response.status !== 200 || result.status !== 'error' || result.exitCode !== 3)
          problems.push(`${seen}: expected HTTP 200, error/3 (${result.message})`)
        if (result.runtime !== TEST_RUNTIME) problems.push(`${seen}: ran under ${result.runtime}`)
        if (!result.stdout.includes(OLD_END)) problems.push(`${seen}: forged end marker lost`)
        if (!result.stderr.includes(OLD_FRAME)) problems.push(`${seen}: forged frame lost`)
        if (result.result !== null || result.artifacts.length > 0 || result.violations.length > 0)
          problems.push(`${seen}: a result, chart or violation appeared`)
        const damaged = await canary.damaged()
        if (damaged.length > 0) problems.push(`${seen}: canary damaged: ${damaged.join(', ')}`)
        if (!result.files.some((f) => f.name === 'd/a/x')) swappedAtStop++
      }
    } finally {
      await http.close({ graceMs: 0 })
    }
    expect(problems).toEqual([])
    // The race was live: in some tries the container stopped with the link in place of d
    // (about half of them on the machines we know; none in 50 would mean a dead attack).
    expect(swappedAtStop).toBeGreaterThan(0)
    expect(await canary.damaged()).toEqual([])
    expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
    expect(await workspacesLeft(config.orchestrator.instance_id)).toEqual([])
  }, 600_000)
})

/**
 * Finding 2: with plain-directory workspaces (what a non-root orchestrator gets) the host
 * deletes the tree itself. An atexit handler and a daemon thread keep swapping a workspace
 * directory for a symlink to a host directory of 200 files while the run ends.
 */
function deleteRace(canaryPath: string): string {
  return `
import atexit, os, threading, time
for i in range(40):
    os.makedirs(f"w/sub{i % 4}", exist_ok=True)
    with open(f"w/sub{i % 4}/f{i}", "w") as f:
        f.write("x")
os.symlink(${py(canaryPath)}, "w/sub0/escape")
os.symlink(${py(canaryPath)}, "link")

def swap_once():
    try:
        if os.path.islink("w"):
            os.rename("w", "link")
            os.rename("real", "w")
        else:
            os.rename("w", "real")
            os.rename("link", "w")
    except OSError:
        pass

def swap_forever():
    while True:
        swap_once()

def swap_at_exit():
    until = time.monotonic() + 0.3
    while time.monotonic() < until:
        swap_once()

atexit.register(swap_at_exit)
threading.Thread(target=swap_forever, daemon=True).start()
time.sleep(0.2)
print("done")
`
}

const CANARY_FILES = Array.from({ length: 200 }, (_, i) =>
  i < 100 ? `f${String(i).padStart(3, '0')}` : `nested/f${i}`,
)

describe('a delete race against plain-directory workspaces', () => {
  const RUNS = 10

  it.each([1, 0])(
    `deletes nothing through a swapped link (pool size %i, ${RUNS} runs)`,
    async (size) => {
      const canary = await plant(CANARY_FILES)
      const config = testConfig({ code_execution: DANGEROUS_WITH_FILES, pool: { size } })
      const sandbox = await Sandbox.create({ config, workspaces: 'directory' })
      const outcomes: string[] = []
      try {
        for (let run = 0; run < RUNS; run++) {
          if (size > 0) await until('the pool has a warm container', () => sandbox.warm === size)
          const result = await sandbox.execute({ code: deleteRace(canary.path) })
          outcomes.push(`${result.status}/${result.exitCode} ${result.stdout.trim()}`)
          expect(exposes(result, canary.token)).toBe(false)
        }
      } finally {
        await sandbox.close()
      }
      expect(outcomes).toEqual(Array.from({ length: RUNS }, () => 'ok/0 done'))
      expect(await canary.damaged()).toEqual([])
      expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
      expect(await workspacesLeft(config.orchestrator.instance_id)).toEqual([])
    },
    300_000,
  )
})

type Ending = 'exit' | 'exception' | 'normal'
const ENDINGS: Record<Ending, string> = {
  exit: 'raise SystemExit(3)',
  exception: 'raise RuntimeError("the real failure")',
  normal: 'pass',
}

/**
 * Finding 3: marker-shaped text at the start, middle and end of both streams, each piece
 * written in two halves across flushes (through sys.stdout and raw os.write), then the run
 * ends one of three ways. Returns the code and what stdout and stderr must hold.
 */
function markersEverywhere(
  end: string,
  frame: string,
  ending: Ending,
): { code: string; stdout: string; stderr: string } {
  const out = [end, 'one\n', frame, 'two ', end, 'three\n', frame, end]
  const err = [frame, 'one\n', end, 'two ', frame, 'three\n', end, frame]
  const code = `
import json, os, sys, time

def put(stream, fd, text):
    half = len(text) // 2
    stream.write(text[:half])
    stream.flush()
    time.sleep(0.02)
    os.write(fd, text[half:].encode())

for part in json.loads(${py(JSON.stringify(out))}):
    put(sys.stdout, 1, part)
for part in json.loads(${py(JSON.stringify(err))}):
    put(sys.stderr, 2, part)
${ENDINGS[ending]}
`
  return { code, stdout: out.join(''), stderr: err.join('') }
}

const FORGERIES = [
  { name: 'old-format', markers: () => ({ end: OLD_END, frame: OLD_FRAME }) },
  { name: 'guessed-secret', markers: guessedMarkers },
] as const

const CASES = FORGERIES.flatMap((forgery) =>
  (['exit', 'exception', 'normal'] as const).map((ending) => ({ forgery, ending })),
)

/** The real outcome of each ending, whatever the forged markers claimed. */
function expectRealOutcome(
  result: ExecutionResult,
  ending: Ending,
  expected: { stdout: string; stderr: string },
): void {
  expect(result.stdout).toBe(expected.stdout)
  expect(result.violations).toEqual([])
  expect(result.result).toBeNull()
  expect(result.artifacts).toEqual([])
  if (ending === 'exit') {
    expect(result).toMatchObject({ status: 'error', exitCode: 3, error: null })
    expect(result.stderr).toBe(expected.stderr)
  } else if (ending === 'exception') {
    expect(result).toMatchObject({ status: 'error', exitCode: 1 })
    expect(result.error).toMatchObject({ name: 'RuntimeError', value: 'the real failure' })
    expect(result.stderr.startsWith(expected.stderr)).toBe(true)
    expect(result.stderr.slice(expected.stderr.length)).toBe(result.error?.traceback)
  } else {
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, error: null, message: null })
    expect(result.stderr).toBe(expected.stderr)
  }
}

describe('marker-shaped output at every position', () => {
  test.override({ configOverrides: { code_execution: { allow_dangerous_operations: true } } })

  test('changes no status, exit code, result, chart or violation, and stays in the output unchanged', async ({
    sandbox,
  }) => {
    for (const { forgery, ending } of CASES) {
      const { end, frame } = forgery.markers()
      const { code, ...expected } = markersEverywhere(end, frame, ending)
      const result = await sandbox.execute({ code })
      expectRealOutcome(result, ending, expected)
    }
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  }, 240_000)

  it('streams over SSE exactly the stdout and stderr that the result holds', async () => {
    const server = await TestServer.start({
      config: { code_execution: { allow_dangerous_operations: true } },
    })
    try {
      for (const { forgery, ending } of CASES) {
        const { end, frame } = forgery.markers()
        const { code, ...expected } = markersEverywhere(end, frame, ending)
        const response = await server.post('/v1/executions?stream=true', { code })
        expect(response.status).toBe(200)
        const events = await readEvents(response)
        const streamed = (name: string) =>
          events
            .filter((e) => e.event === name)
            .map((e) => (e.data as { text: string }).text)
            .join('')
        expect(events.at(-1)?.event).toBe('result')
        const result = events.at(-1)?.data as ExecutionResult
        expectRealOutcome(result, ending, expected)
        expect(streamed('stdout')).toBe(result.stdout)
        expect(streamed('stderr')).toBe(result.stderr)
      }
    } finally {
      expect(await server.close()).toEqual([])
    }
  }, 240_000)
})

describe('the end of a run, as Python ends it', () => {
  test.override({
    configOverrides: { code_execution: { allow_dangerous_operations: true } },
  })

  test('joins non-daemon threads, then runs atexit handlers, their output in order', async ({
    sandbox,
  }) => {
    const code = [
      'import atexit, threading, time',
      'def late():',
      '    time.sleep(0.5)',
      '    print("thread")',
      'atexit.register(print, "atexit")',
      'threading.Thread(target=late).start()',
      'print("main")',
    ].join('\n')
    const result = await sandbox.execute({ code })
    expect(result).toMatchObject({
      status: 'ok',
      exitCode: 0,
      stdout: 'main\nthread\natexit\n',
      stderr: '',
    })
  }, 120_000)

  test('times out on a non-daemon thread that never ends', async ({ sandbox }) => {
    const code = [
      'import threading, time',
      'def forever():',
      '    while True:',
      '        time.sleep(0.1)',
      'threading.Thread(target=forever).start()',
      'print("main")',
    ].join('\n')
    const result = await sandbox.execute({ code, timeoutSeconds: 2 })
    expect(result).toMatchObject({ status: 'timeout', exitCode: null })
    expect(result.message).toContain('code_execution.timeout_seconds')
    expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  }, 120_000)

  test('reports an exception in an atexit handler on stderr and keeps exit code 0, as CPython does', async ({
    sandbox,
  }) => {
    const code = [
      'import atexit',
      'def fail():',
      '    raise ValueError("boom in atexit")',
      'atexit.register(fail)',
      'print("main")',
    ].join('\n')
    const result = await sandbox.execute({ code })
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'main\n', error: null })
    expect(result.stderr).toContain('Exception ignored in atexit callback')
    expect(result.stderr).toContain('ValueError: boom in atexit')
  }, 120_000)
})

describe('mount sources', () => {
  it('refuses at start-up a source inside another mount’s writable source', async () => {
    const outer = await tempDir('outer')
    const inner = join(outer, 'inner')
    await mkdir(inner)
    const config = testConfig({ code_execution: DANGEROUS_WITH_FILES })
    const mounts = [
      { source: outer, target: '/mnt/outer', read_only: false },
      { source: inner, target: '/mnt/inner', read_only: true },
    ]
    const creating = Sandbox.create({
      config: { ...config, code_execution: { ...config.code_execution, mounts } },
    })
    await expect(creating).rejects.toThrow(/code_execution\.mounts\[0\]\.source/)
    await expect(creating).rejects.toThrow(/lies inside/)
    expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
  })

  it('refuses an execution once the host swaps a source for a symlink to a socket directory', async () => {
    const source = await tempDir('source')
    await chmod(source, 0o755)
    const canary = await plant(['token.txt'])
    const socket: Server = createServer()
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.listen(join(canary.path, 'service.sock'), resolve)
    })
    const config = testConfig({
      code_execution: {
        ...DANGEROUS_WITH_FILES,
        mounts: [{ source, target: '/mnt/s' }],
      },
    })
    const sandbox = await Sandbox.create({ config })
    const code = [
      'import os',
      'print(sorted(os.listdir("/mnt/s")))',
      'for name in os.listdir("/mnt/s"):',
      '    try:',
      '        print(open("/mnt/s/" + name).read())',
      '    except OSError as e:',
      '        print(name, e.errno)',
    ].join('\n')
    try {
      const before = await sandbox.execute({ code })
      expect(before).toMatchObject({ status: 'ok', stdout: '[]\n' })
      await rename(source, `${source}.moved`)
      made.push(`${source}.moved`)
      await symlink(canary.path, source)
      const after = await sandbox.execute({ code })
      expect(['engine_error', 'error']).toContain(after.status)
      expect(after.message).toContain('code_execution.mounts[0].source')
      expect(after.message).toContain('it is a symlink now')
      expect(exposes(after, canary.token)).toBe(false)
      expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
    } finally {
      await sandbox.close()
      await new Promise((resolve) => socket.close(resolve))
    }
    expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
    expect(await workspacesLeft(config.orchestrator.instance_id)).toEqual([])
  }, 120_000)
})

/** Mount points (the fifth field of /proc/self/mountinfo) at or below `dir`. */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8')
  return info
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
}

describe('the workspace root', () => {
  it('resolves a symlinked root, and leaves no mount under the real path', async () => {
    const base = await tempDir('root')
    const real = join(base, 'real')
    await mkdir(real, { mode: 0o700 })
    const link = join(base, 'link')
    await symlink(real, link)
    const config = testConfig({
      code_execution: {
        allowed_operations: { file_operations: true },
        workspace_root: link,
      },
    })
    const sandbox = await Sandbox.create({ config })
    try {
      const code = 'print(open("in.txt").read())\nopen("out.txt", "w").write("done")'
      const result = await sandbox.execute({
        code,
        files: [{ name: 'in.txt', content: 'hello' }],
      })
      expect(result).toMatchObject({ status: 'ok', stdout: 'hello\n' })
      expect(result.files.map((f) => f.name)).toEqual(['out.txt'])
      // While one runs, its workspace lies under the real path (a tmpfs as root).
      const running = sandbox.execute({ code: 'while True:\n    pass', timeoutSeconds: 2 })
      const seen = await inspectWhileRunning(config.orchestrator.instance_id)
      const workspace = seen.Mounts.find((m) => m.Destination === '/workspace')
      expect(workspace?.Source.startsWith(`${real}/`)).toBe(true)
      expect((await running).status).toBe('timeout')
      expect(await mountsUnder(real)).toEqual([])
      expect(await workspacesLeft(config.orchestrator.instance_id, real)).toEqual([])
    } finally {
      await sandbox.close()
    }
    expect(await mountsUnder(real)).toEqual([])
    expect(await containersOf(config.orchestrator.instance_id)).toEqual([])
  }, 120_000)

  it('refuses a root that others can write', async () => {
    const root = await tempDir('open-root')
    await chmod(root, 0o777)
    const config = testConfig({
      code_execution: { allowed_operations: { file_operations: true }, workspace_root: root },
    })
    await expect(Sandbox.create({ config })).rejects.toThrow(/code_execution\.workspace_root/)
    await expect(Sandbox.create({ config })).rejects.toThrow(/writable by group or others/)
    expect(await readdir(root)).toEqual([])
  })
})
