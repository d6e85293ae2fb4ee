import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import type { ExecutionResult } from '../../src/sandbox/execution-result.js'
import type { Sandbox } from '../../src/sandbox/sandbox.js'
import { expectLegitimate, MEMORY_FILLED, PIDS_EXHAUSTED } from '../support/legitimate-outcomes.js'
import { containersOf } from '../support/managed-containers.js'
import { sandboxTest as test } from '../support/sandbox-fixture.js'
import { TEST_RUNTIME } from '../support/test-config.js'
import {
  hostAttempts,
  networkAttempts,
  privilegeAttempts,
  rootFilesystemAttempts,
  SETUID_BINARY_ATTEMPTS,
  sandboxOnly,
} from './attempts.js'
import { ENV_CANARY_NAME, HostCanaries } from './host-canaries.js'

/** One outcome under both runtimes, or each runtime's own where gVisor answers differently. */
type Outcome = string | { readonly runc: string; readonly runsc: string }

function lines(expected: readonly (readonly [string, Outcome])[]): string {
  return expected
    .map(([name, outcome]) => {
      const text = typeof outcome === 'string' ? outcome : outcome[TEST_RUNTIME as 'runc' | 'runsc']
      return `${name} ${text}\n`
    })
    .join('')
}

/**
 * Routed destinations: runc's empty network namespace has no route (ENETUNREACH); gVisor's
 * own network stack answers EHOSTUNREACH. Either way nothing leaves the container.
 */
const UNROUTABLE = { runc: 'refused ENETUNREACH', runsc: 'refused EHOSTUNREACH' }
/** A read-only mount: runc answers EROFS; gVisor checks permissions first and answers EACCES. */
const READ_ONLY = { runc: 'refused EROFS', runsc: 'refused EACCES' }

let canaries: HostCanaries

beforeAll(async () => {
  canaries = await HostCanaries.plant()
})

afterAll(async () => {
  await canaries?.remove()
})

async function assertContained(sandbox: Sandbox, result: ExecutionResult): Promise<void> {
  expect(await canaries.observe()).toEqual({
    file: true,
    listing: ['canary.txt'],
    connections: 0,
  })
  expect(`${result.stdout}${result.stderr}`).not.toContain(canaries.secret)
  expect(await containersOf(sandbox.config.orchestrator.instance_id)).toEqual([])
  const next = await sandbox.execute({ code: 'print("still serving")' })
  expect(next).toMatchObject({ status: 'ok', stdout: 'still serving\n' })
}

/**
 * The static policy is off (`allow_dangerous_operations: true`), so the container alone must
 * hold. Each test asserts the exact outcome of every attempt, then that nothing on the host
 * noticed, that no container is left, and that the sandbox keeps serving.
 */
describe('escape and abuse attempts against the container alone', () => {
  test.override({ configOverrides: { code_execution: { allow_dangerous_operations: true } } })

  test('reaches no network: not the host loopback, the bridge, the host addresses or the internet', async ({
    sandbox,
  }) => {
    // The bridge gateway is a host address too, though os.networkInterfaces() omits a bridge that is down.
    const hostAddresses = [...new Set(['172.17.0.1', ...canaries.hostAddresses()])]
    const result = await sandbox.execute({
      code: networkAttempts({
        port: canaries.port,
        hostAddresses,
        abstractSocket: canaries.abstractSocket,
      }),
    })
    expect(result.status).toBe('ok')
    expect(result.stdout).toBe(
      lines([
        // The container's own, empty loopback: nothing listens there.
        ['tcp-host-loopback', 'refused ECONNREFUSED'],
        ['tcp6-host-loopback', 'refused ECONNREFUSED'],
        ['tcp-bridge-gateway', UNROUTABLE],
        ...hostAddresses.map((): [string, Outcome] => ['tcp-host-address', UNROUTABLE]),
        ['tcp-docker-api-on-bridge', UNROUTABLE],
        ['tcp-public', UNROUTABLE],
        ['tcp6-public', UNROUTABLE],
        ['udp-public-dns', UNROUTABLE],
        // EAI_NONAME: there is no resolver to ask.
        ['dns-lookup', 'refused -3'],
        ['raw-icmp-socket', 'refused EPERM'],
        ['packet-socket', 'refused EPERM'],
        // Abstract sockets belong to a network namespace: the host's is out of sight.
        ['abstract-unix-socket', 'refused ECONNREFUSED'],
        ['interfaces', 'lo'],
      ]),
    )
    await assertContained(sandbox, result)
  })

  test('reaches no engine socket, host file, host process or orchestrator secret', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({ code: hostAttempts(canaries.file, process.pid) })
    expect(result.status).toBe('ok')
    const imageEnvironment = 'HOME,HOSTNAME,LANG,MPLBACKEND,MPLCONFIGDIR,PATH'
    expect(result.stdout).toBe(
      lines([
        ['engine-socket /var/run/docker.sock', 'refused ENOENT'],
        ['engine-socket /run/docker.sock', 'refused ENOENT'],
        ['engine-socket /run/containerd/containerd.sock', 'refused ENOENT'],
        ['read-host-canary', 'refused ENOENT'],
        ['write-beside-host-canary', 'refused ENOENT'],
        // gVisor refuses /proc/1/root to a process that may not ptrace pid 1.
        // PID 1 is the image's init, which makes itself non-dumpable: its /proc entries are closed.
        ['read-canary-via-proc-root', 'refused EACCES'],
        ['read-host-docker-state', 'refused ENOENT'],
        // The orchestrator's pid does not exist in the container's pid namespace.
        ['signal-orchestrator', 'refused ESRCH'],
        ['read-orchestrator-environ', 'refused ENOENT'],
        ['processes', 'init,python3'],
        ['environ', imageEnvironment],
        ['proc-environ', imageEnvironment],
        // Only the container's own: no host directory, no engine socket.
        ['mount-points', '/,/dev,/etc/hostname,/proc,/sys,/tmp,/workspace'],
      ]),
    )
    expect(result.stdout).not.toContain(ENV_CANARY_NAME)
    await assertContained(sandbox, result)
  })

  test('cannot become root or another user, mount, trace, load kernel code or change the host', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({ code: privilegeAttempts(process.pid, randomUUID()) })
    expect(result.status).toBe('ok')
    // Where gVisor answers otherwise, it is its own kernel refusing in its own words (or not
    // implementing the call, ENOSYS); runc's answers come from the dropped capabilities and
    // Docker's seccomp profile.
    const gvisor = (runsc: string) => ({ runc: 'refused EPERM', runsc })
    expect(result.stdout).toBe(
      lines([
        ['setuid-root', 'refused EPERM'],
        ['setgid-root', 'refused EPERM'],
        ['setresuid-other-user', 'refused EPERM'],
        ['setgroups-root', 'refused EPERM'],
        // A mount namespace of gVisor's own kernel; mounting in it is still refused below.
        ['unshare-mount-namespace', gvisor('ALLOWED 0')],
        ['setns-pid-1-mount-namespace', { runc: 'refused EACCES', runsc: 'refused ENOENT' }],
        ['mount-tmpfs', 'refused EPERM'],
        ['remount-root-rw', 'refused EPERM'],
        ['chroot', 'refused EPERM'],
        ['capset-all', 'refused EPERM'],
        ['ptrace-attach-orchestrator', 'refused ESRCH'],
        ['read-orchestrator-memory', gvisor('refused ENOSYS')],
        ['init-module', 'refused EPERM'],
        ['finit-module', 'refused EPERM'],
        ['delete-module', 'refused EPERM'],
        ['kexec-load', 'refused EPERM'],
        ['bpf-map-create', 'refused EPERM'],
        ['perf-event-open', gvisor('refused ENODEV')],
        ['keyctl-join-session', gvisor('refused EACCES')],
        ['reboot', 'refused EPERM'],
        ['sethostname', 'refused EPERM'],
        ['set-clock', 'refused EPERM'],
        // gVisor makes the node in its own /tmp, but no device stands behind it (ENXIO).
        ['mknod-block-device', gvisor('ALLOWED 0')],
        ['open-block-device', { runc: 'refused ENOENT', runsc: 'refused ENXIO' }],
        // This kernel has no module loader or sysrq: the files do not exist (gVisor's /proc
        // refuses the write first).
        ['write-modprobe-path', { runc: 'refused ENOENT', runsc: 'refused EACCES' }],
        ['write-sysrq-trigger', { runc: 'refused ENOENT', runsc: 'refused EACCES' }],
        ['write-core-pattern', READ_ONLY],
        // gVisor allows a user namespace of its own kernel: root there maps to no host user,
        // and gains nothing over the mounts, the root filesystem or the ids outside it.
        ['unshare-user-namespace', { runc: 'refused EPERM', runsc: 'ALLOWED 0' }],
        ['mount-tmpfs-in-user-namespace', 'refused EPERM'],
        ['write-root-in-user-namespace', READ_ONLY],
        // In gVisor's new namespace uid 0 is unmapped: EINVAL.
        ['setuid-root-in-user-namespace', { runc: 'refused EPERM', runsc: 'refused EINVAL' }],
      ]),
    )
    await assertContained(sandbox, result)
  })

  test('gains nothing from the setuid-root binaries in the image', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: SETUID_BINARY_ATTEMPTS })
    const mount = [
      'setuid-binary-mount',
      'stopped exit 32: mount: /tmp: must be superuser to use mount.',
    ] as const
    // Under both runtimes since limits.pids counts the code's tasks under gVisor too (before,
    // the pids cgroup counted gVisor's own threads, and `su` ended the sandbox with exit 2).
    expect(result.status).toBe('ok')
    expect(result.stdout).toBe(
      lines([mount, ['setuid-binary-su', 'stopped exit 1: Password: su: Authentication failure']]),
    )
    await assertContained(sandbox, result)
  })

  test('cannot write the root filesystem, nor run what it wrote', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: rootFilesystemAttempts(randomUUID()) })
    expect(result.status).toBe('ok')
    expect(result.stdout).toBe(
      lines([
        ['write-root', READ_ONLY],
        ['write-usr', READ_ONLY],
        ['write-site-packages-pth', READ_ONLY],
        // Root's files: permissions refuse before the read-only mount does.
        ['modify-runner', 'refused EACCES'],
        ['write-etc-hosts', 'refused EACCES'],
        ['exec-from-tmp', 'refused EACCES'],
        ['exec-from-dev-shm', 'refused EACCES'],
        // gVisor does not carry the host mount's noexec into /workspace: the exec starts, and
        // the process dies at once on the host's refusal to map the file executable.
        ['exec-from-workspace', { runc: 'refused EACCES', runsc: 'stopped exit -11' }],
      ]),
    )
    await assertContained(sandbox, result)
  })

  test('filling memory ends at the memory limit', async ({ sandbox }) => {
    const result = await sandbox.execute({
      code: sandboxOnly('chunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024 * 1024))'),
    })
    expectLegitimate(result, MEMORY_FILLED)
    if (result.status === 'memory_limit')
      expect(result.message).toBe(
        'Ran out of memory: the limit is 256 MB (code_execution.limits.memory_mb).',
      )
    await assertContained(sandbox, result)
  })

  test('a fork bomb stays within the pids limit', async ({ sandbox }) => {
    const code = sandboxOnly(
      [
        'import time',
        'n = 0',
        'try:',
        '    while True:',
        '        if os.fork() == 0:',
        '            time.sleep(30)',
        '            os._exit(0)',
        '        n += 1',
        'except OSError as e:',
        '    print("refused after", "fewer than 64" if n < 64 else n, errno.errorcode[e.errno])',
      ].join('\n'),
    )
    const result = await sandbox.execute({ code, timeoutSeconds: 5 })
    expectLegitimate(result, PIDS_EXHAUSTED, 'code_execution.limits.pids')
    if (result.status === 'ok') expect(result.stdout).toBe('refused after fewer than 64 EAGAIN\n')
    await assertContained(sandbox, result)
  })

  test('a thread bomb stays within the pids limit', async ({ sandbox }) => {
    const code = sandboxOnly(
      [
        'import threading, time',
        'n = 0',
        'try:',
        '    while True:',
        '        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()',
        '        n += 1',
        'except RuntimeError as e:',
        '    print("refused after", "fewer than 64" if n < 64 else n, e)',
        '    os._exit(0)',
      ].join('\n'),
    )
    const result = await sandbox.execute({ code, timeoutSeconds: 5 })
    expectLegitimate(result, PIDS_EXHAUSTED, 'code_execution.limits.pids')
    if (result.status === 'ok')
      expect(result.stdout).toBe("refused after fewer than 64 can't start new thread\n")
    await assertContained(sandbox, result)
  })

  const fill = (path: string) =>
    sandboxOnly(
      `with open("${path}/probe-fill", "xb") as f:\n    while True:\n        f.write(b"x" * 1048576)`,
    )

  test('filling /tmp is an ENOSPC error at tmpfs_mb', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: fill('/tmp') })
    expect(result.status).toBe('error')
    expect(result.error?.value).toBe('[Errno 28] No space left on device')
    expect(result.message).toContain('/tmp holds 64 MB (code_execution.limits.tmpfs_mb)')
    await assertContained(sandbox, result)
  })

  test('filling /workspace is an ENOSPC error at workspace_mb', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: fill('/workspace') })
    expect(result.status).toBe('error')
    expect(result.error?.value).toBe('[Errno 28] No space left on device')
    expect(result.message).toContain('/workspace, where present, 64 MB')
    await assertContained(sandbox, result)
  })

  test('filling /dev/shm is an ENOSPC error', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: fill('/dev/shm') })
    expect(result.status).toBe('error')
    expect(result.error?.value).toBe('[Errno 28] No space left on device')
    await assertContained(sandbox, result)
  })

  test('one file past the file-size limit is EFBIG, wherever it is written', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({
      code: fill('/dev/shm'),
      limits: { tmpfs_mb: 8, workspace_mb: 8 },
    })
    expect(result.status).toBe('error')
    expect(result.error?.value).toBe('[Errno 27] File too large')
    await assertContained(sandbox, result)
  })
})

/** Holding the run open past its end: the same policy-off sandbox. */
describe('processes that try to outlive the execution', () => {
  test.override({ configOverrides: { code_execution: { allow_dangerous_operations: true } } })

  test('spinning every CPU ends at the timeout', async ({ sandbox }) => {
    const code = sandboxOnly(
      [
        // One spinner per CPU, at most four: the quota (limits.cpus) bounds them all the same,
        // and the process count must not grow with the machine's cores.
        'for _ in range(min(os.cpu_count(), 4) - 1):',
        '    if os.fork() == 0:',
        '        while True:',
        '            pass',
        'print("spinning", flush=True)',
        'while True:',
        '    pass',
      ].join('\n'),
    )
    const result = await sandbox.execute({ code, timeoutSeconds: 2 })
    expect(result).toMatchObject({ status: 'timeout', exitCode: null, stdout: 'spinning\n' })
    await assertContained(sandbox, result)
  })

  test('endless output ends at the output limit', async ({ sandbox }) => {
    const result = await sandbox.execute({
      code: sandboxOnly('while True:\n    print("x" * 4096)'),
    })
    expect(result.status).toBe('output_limit')
    expect(Buffer.byteLength(result.stdout)).toBe(1_048_576)
    await assertContained(sandbox, result)
  })

  const SIGNAL_DEAF =
    'for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)'

  test('children that ignore signals do not outlive the timeout', async ({ sandbox }) => {
    const code = sandboxOnly(
      [
        'import signal, time',
        // One child beside the main process, both deaf.
        'for _ in range(1):',
        '    if os.fork() == 0:',
        SIGNAL_DEAF.replaceAll('\n', '\n        ').replace(/^/, '        '),
        '        while True:',
        '            time.sleep(1)',
        SIGNAL_DEAF,
        'print("children started", flush=True)',
        'time.sleep(3600)',
      ].join('\n'),
    )
    const result = await sandbox.execute({ code, timeoutSeconds: 2 })
    expect(result).toMatchObject({ status: 'timeout', stdout: 'children started\n' })
    await assertContained(sandbox, result)
  })

  const DAEMON = [
    'import signal, time',
    'if os.fork() == 0:',
    '    os.setsid()',
    '    if os.fork() == 0:',
    SIGNAL_DEAF.replaceAll('\n', '\n        ').replace(/^/, '        '),
    '        while True:',
    '            time.sleep(1)',
    '    os._exit(0)',
    'os.wait()',
    'print("daemon started", flush=True)',
  ]

  test('a double-forked daemon does not outlive the timeout', async ({ sandbox }) => {
    const code = sandboxOnly([...DAEMON, 'time.sleep(3600)'].join('\n'))
    const result = await sandbox.execute({ code, timeoutSeconds: 2 })
    expect(result).toMatchObject({ status: 'timeout', stdout: 'daemon started\n' })
    await assertContained(sandbox, result)
  })

  test('a daemon left running by code that finished does not outlive the result', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({ code: sandboxOnly(DAEMON.join('\n')) })
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'daemon started\n' })
    await assertContained(sandbox, result)
  })
})
