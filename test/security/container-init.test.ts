import { randomBytes, randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Duplex } from 'node:stream'
import { Writable } from 'node:stream'
import Docker from 'dockerode'
import { test as base, describe, expect } from 'vitest'
import { configSchema, type LimitsConfig } from '../../src/config/schema.js'
import { buildContainerSpec, READY_MARKER } from '../../src/engine/container-spec.js'
import {
  DEADLINE_EXIT_CODE,
  IDLE_DEADLINE_ENV,
  INIT_ERROR_EXIT_CODE,
  initHeader,
  MAX_DEADLINE_MS,
} from '../../src/engine/init-protocol.js'
import { currentOwner } from '../../src/engine/labels.js'
import { containersOf } from '../support/managed-containers.js'
import { TEST_IMAGE, TEST_RUNTIME, testInstancePrefix } from '../support/test-config.js'

/**
 * The image's init (images/python/init.c) against the real engine, with containers built by
 * `buildContainerSpec` and driven directly: no orchestrator kills anything here, so a
 * container that ends, ends by itself.
 */

const docker = new Docker()
const defaultLimits = configSchema.parse({}).code_execution.limits
/** Only a test timeout: a container still running this long after its deadline did not end by it. */
const EXIT_BOUND_MS = 20_000
/** Longer than EXIT_BOUND_MS, so an exit within the bound cannot be the idle deadline's. */
const LONG_IDLE_MS = 60_000
const DEADLINE_LINE = 'tinyagent-init: deadline passed\n'

interface StartOptions {
  readonly idleDeadlineMs?: number
  readonly warm?: { readonly preload: readonly string[] }
  readonly limits?: Partial<LimitsConfig>
}

/** One container, attached and started; its output collected as it arrives. */
class InitContainer {
  stdout = ''
  stderr = ''
  readonly #container: Docker.Container
  readonly #stream: Duplex
  /** The attach stream ends with the container, after its last bytes. */
  readonly #drained: Promise<void>

  constructor(container: Docker.Container, stream: Duplex) {
    this.#container = container
    this.#stream = stream
    this.#drained = new Promise((resolve) => {
      stream.once('end', resolve)
      stream.once('close', resolve)
    })
    const collect = (name: 'stdout' | 'stderr'): Writable =>
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          this[name] += chunk.toString()
          done()
        },
      })
    container.modem.demuxStream(stream, collect('stdout'), collect('stderr'))
  }

  /** Sends the header, then the runner's request, and closes stdin. */
  run(code: string, deadlineMs: number): void {
    this.write(initHeader(deadlineMs))
    // The secret is what the runner wants from hosts that mark the end of a run; older runners ignore it.
    this.#stream.end(JSON.stringify({ code, secret: randomBytes(16).toString('hex') }))
  }

  write(text: string): void {
    this.#stream.write(text)
  }

  /** `docker stop`: SIGTERM to PID 1, SIGKILL after `graceSeconds`. */
  async stop(graceSeconds: number): Promise<void> {
    await this.#container.stop({ t: graceSeconds })
  }

  /** The exit code once the container has ended by itself; fails past EXIT_BOUND_MS. */
  async exitCode(): Promise<number> {
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the container still runs ${EXIT_BOUND_MS} ms on`)),
        EXIT_BOUND_MS,
      )
    })
    const exited = Promise.all([this.#container.wait(), this.#drained]).then(
      ([{ StatusCode }]) => StatusCode as number,
    )
    try {
      return await Promise.race([exited, bound])
    } finally {
      clearTimeout(timer)
    }
  }

  async waitForStdout(text: string): Promise<void> {
    const until = Date.now() + EXIT_BOUND_MS
    while (!this.stdout.includes(text)) {
      if (Date.now() > until)
        throw new Error(`no ${JSON.stringify(text)} on stdout: ${this.stdout}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

/** `start()` creates labelled containers; every one is removed after the test, whatever happened. */
const test = base.extend<{ start: (options?: StartOptions) => Promise<InitContainer> }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies this way
  start: async ({}, use) => {
    const instanceId = `${testInstancePrefix()}${randomUUID().slice(0, 8)}`
    const created: Docker.Container[] = []
    try {
      await use(async (options = {}) => {
        const spec = buildContainerSpec({
          image: TEST_IMAGE,
          runtime: TEST_RUNTIME,
          limits: { ...defaultLimits, ...options.limits },
          instanceId,
          owner: currentOwner(),
          executionId: randomUUID(),
          idleDeadlineMs: options.idleDeadlineMs ?? LONG_IDLE_MS,
          warm: options.warm,
        })
        const container = await docker.createContainer(spec)
        created.push(container)
        const stream = (await container.attach({
          stream: true,
          stdin: true,
          stdout: true,
          stderr: true,
          hijack: true,
        })) as Duplex
        const started = new InitContainer(container, stream)
        await container.start()
        return started
      })
    } finally {
      await Promise.all(created.map((c) => c.remove({ force: true }).catch(() => {})))
      expect(await containersOf(instanceId)).toEqual([])
    }
  },
})

describe('the init protocol', () => {
  test('agrees with images/python/init.c', async () => {
    const source = await readFile(new URL('../../images/python/init.c', import.meta.url), 'utf8')
    expect(source).toContain(`#define EXIT_DEADLINE ${DEADLINE_EXIT_CODE}\n`)
    expect(source).toContain(`#define EXIT_INIT_ERROR ${INIT_ERROR_EXIT_CODE}\n`)
    expect(source).toContain(`#define IDLE_DEADLINE_ENV "${IDLE_DEADLINE_ENV}"\n`)
    expect(source).toContain(`#define MAX_DEADLINE_DIGITS ${String(MAX_DEADLINE_MS).length}\n`)
  })

  test('writes the header as whole milliseconds the init can read, and refuses anything else', () => {
    expect(initHeader(1500)).toBe('1500\n')
    expect(initHeader(MAX_DEADLINE_MS)).toBe('999999999\n')
    for (const deadlineMs of [0, -1, 2.5, MAX_DEADLINE_MS + 1, Number.POSITIVE_INFINITY]) {
      expect(() => initHeader(deadlineMs)).toThrow(RangeError)
    }
  })
})

describe(`the image's init as PID 1 (${TEST_RUNTIME})`, () => {
  test('is PID 1, shows nothing of the host but the files Docker writes, and hides the idle deadline', async ({
    start,
  }) => {
    const container = await start()
    container.run(
      `import json, os
try:  # gVisor lets the code read it; Linux does not (PID 1 is not dumpable)
    pid1_environment = [v.split(b"=")[0].decode() for v in open("/proc/1/environ", "rb").read().split(b"\\0") if v]
except OSError:
    pid1_environment = []
mounts = []
for line in open("/proc/self/mountinfo"):
    fields = line.split()
    after = fields[fields.index("-") + 1:]
    mounts.append({"target": fields[4], "fstype": after[0], "source": after[1]})
print(json.dumps({
    "mounts": mounts,
    "pid1": open("/proc/1/cmdline", "rb").read().decode().split("\\0")[:-1],
    "environment": sorted(os.environ) + pid1_environment,
}))`,
      10_000,
    )
    expect(await container.exitCode()).toBe(0)
    const seen = JSON.parse(container.stdout.split('\n')[0] ?? '') as {
      mounts: { target: string; fstype: string; source: string }[]
      pid1: string[]
      environment: string[]
    }
    // From the host's own file systems: a block device under runc, a 9p (gofer) mount under
    // gVisor. Docker writes /etc/hostname (and, with a network, /etc/hosts and /etc/resolv.conf).
    const dockerFiles = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']
    const fromHost = seen.mounts.filter(
      (m) => m.target !== '/' && (m.source.startsWith('/dev/') || m.fstype === '9p'),
    )
    expect(fromHost.filter((m) => !dockerFiles.includes(m.target))).toEqual([])
    expect(seen.mounts.filter((m) => /init/.test(m.target))).toEqual([])
    expect(seen.pid1).toEqual([
      '/opt/tinyagent/init',
      '--',
      'python3',
      '-I',
      '-B',
      '-u',
      '/opt/tinyagent/runner.py',
    ])
    expect(seen.environment).not.toContain(IDLE_DEADLINE_ENV)
  })

  test('ends a container that never gets its code at the idle deadline', async ({ start }) => {
    const container = await start({ idleDeadlineMs: 1500 })
    expect(await container.exitCode()).toBe(DEADLINE_EXIT_CODE)
    expect(container.stderr).toBe(DEADLINE_LINE)
  })

  test('ends code that runs forever at the execution deadline', async ({ start }) => {
    const container = await start()
    container.run('while True: pass', 1500)
    expect(await container.exitCode()).toBe(DEADLINE_EXIT_CODE)
    expect(container.stderr).toBe(DEADLINE_LINE)
  })

  test('refuses stdin that does not start with the header', async ({ start }) => {
    const container = await start()
    container.write('{"code": "print(1)"}\n')
    expect(await container.exitCode()).toBe(INIT_ERROR_EXIT_CODE)
    expect(container.stderr).toBe(
      'tinyagent-init: stdin must start with the execution deadline: 1 to 9 decimal digits (ms) and a newline\n',
    )
    expect(container.stdout).toBe('')
  })

  test('passes the Cmd on to the runner: a warm runner says it is ready before the code', async ({
    start,
  }) => {
    const container = await start({ warm: { preload: ['json'] } })
    await container.waitForStdout(READY_MARKER)
    container.run('print("warm")', 10_000)
    expect(await container.exitCode()).toBe(0)
    expect(container.stdout.startsWith(`${READY_MARKER}warm\n`)).toBe(true)
  })

  test("passes the code's exit code on", async ({ start }) => {
    const container = await start()
    container.run('raise SystemExit(7)', 10_000)
    expect(await container.exitCode()).toBe(7)
  })

  test('ends everything at once on docker stop, without waiting for the SIGKILL', async ({
    start,
  }) => {
    const container = await start()
    container.run('import time\nprint("running", flush=True)\ntime.sleep(600)', 600_000)
    await container.waitForStdout('running')
    // The engine's SIGKILL would come only after 60 s, past EXIT_BOUND_MS.
    const [, exitCode] = await Promise.all([container.stop(60), container.exitCode()])
    expect(exitCode).toBe(128 + 15)
  })
})

/**
 * Each attempt runs alone in a container whose code then waits forever, so only the execution
 * deadline can end it. `attempt` prints the outcome and what PID 1 is doing after it.
 */
const ATTEMPT_PRELUDE = `
import ctypes, errno, fcntl, os, signal, time
libc = ctypes.CDLL(None, use_errno=True)

def pid1_state():
    with open("/proc/1/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]

def attempt(action):
    try:
        detail = action()
        outcome = "ALLOWED" if detail is None else "ALLOWED " + detail
    except OSError as e:
        outcome = "refused " + errno.errorcode.get(e.errno, str(e.errno))
    time.sleep(0.2)  # a signal that got through has acted by now
    print(outcome + "; pid 1 " + pid1_state(), flush=True)
    while True:
        time.sleep(1)

def ptrace_attach_pid1():
    if libc.ptrace(16, 1, 0, 0) == -1:  # PTRACE_ATTACH
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return "attached"

def sigstop_as_owner_of_pid1():
    # PID 1 owns the pipe; O_ASYNC sends it the F_SETSIG signal when data arrives.
    r, w = os.pipe()
    fcntl.fcntl(r, fcntl.F_SETOWN, 1)
    fcntl.fcntl(r, 10, signal.SIGSTOP)  # F_SETSIG
    fcntl.fcntl(r, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
    os.write(w, b"x")

def daemon():
    r, w = os.pipe()
    if os.fork() == 0:
        os.setsid()
        pid = os.fork()
        if pid == 0:
            for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(s, signal.SIG_IGN)
            while True:
                time.sleep(1)
        os.write(w, str(pid).encode())
        os._exit(0)
    os.wait()
    os.kill(int(os.read(r, 32)), 0)
    return "daemon alive"

def stop_own_process_group():
    # A child stops the whole group, this process too, so it reports first.
    print("stopping its own process group", flush=True)
    child = os.fork()
    if child == 0:
        os.kill(0, signal.SIGSTOP)
        os._exit(0)
    os.waitpid(child, 0)  # never returns: both are stopped
`

const ATTEMPTS = [
  {
    name: 'SIGKILL to PID 1',
    code: 'attempt(lambda: os.kill(1, signal.SIGKILL))',
    stdout: 'refused EPERM; pid 1 S\n',
  },
  {
    name: 'SIGSTOP to PID 1',
    code: 'attempt(lambda: os.kill(1, signal.SIGSTOP))',
    stdout: 'refused EPERM; pid 1 S\n',
  },
  // kill(-1) spares the caller and PID 1: with nothing else running, there is no one to signal.
  {
    name: 'SIGKILL to every process',
    code: 'attempt(lambda: os.kill(-1, signal.SIGKILL))',
    stdout: 'refused ESRCH; pid 1 S\n',
  },
  {
    name: 'SIGSTOP to PID 1 through F_SETSIG',
    code: 'attempt(sigstop_as_owner_of_pid1)',
    stdout: 'refused EPERM; pid 1 S\n',
  },
  {
    name: 'SIGSTOP to its own process group',
    code: 'attempt(stop_own_process_group)',
    stdout: 'stopping its own process group\n',
  },
  {
    name: 'opening /proc/1/mem',
    code: 'attempt(lambda: open("/proc/1/mem", "rb").close())',
    stdout: 'refused EACCES; pid 1 S\n',
  },
  {
    name: 'PTRACE_ATTACH to PID 1',
    code: 'attempt(ptrace_attach_pid1)',
    stdout: 'refused EPERM; pid 1 S\n',
  },
  {
    name: 'a double-forked daemon',
    code: 'attempt(daemon)',
    stdout: 'ALLOWED daemon alive; pid 1 S\n',
  },
]

describe(`code cannot lift the execution deadline (${TEST_RUNTIME})`, () => {
  test.for(ATTEMPTS)(
    '$name: PID 1 holds, and the container ends at the deadline',
    async (attempt, { start }) => {
      // gVisor counts its own threads against the pids limit (docs/security.md): room for the forks.
      const container = await start({ limits: { pids: 256 } })
      container.run(`${ATTEMPT_PRELUDE}\n${attempt.code}\n`, 2000)
      expect(await container.exitCode()).toBe(DEADLINE_EXIT_CODE)
      expect(container.stdout).toBe(attempt.stdout)
      expect(container.stderr).toBe(DEADLINE_LINE)
    },
  )
})
