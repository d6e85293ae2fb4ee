import type { ContainerCreateOptions, MountSettings } from 'dockerode'
import type { LimitsConfig } from '../config/schema.js'
import { checkedDeadline, IDLE_DEADLINE_ENV } from './init-protocol.js'
import { labelsFor } from './labels.js'

/** The unprivileged uid:gid the image creates; set again here so no image can widen it. */
export const SANDBOX_USER = '10001:10001'

/** Mounts for one execution. Only `grantFileAccess()` creates one, and only when file operations are effective. */
export interface FileAccessGrant {
  /** This execution's fresh host directory, mounted read-write at /workspace. */
  readonly workspaceDir: string
  /** Configured host mounts, sources already resolved. */
  readonly mounts: readonly {
    readonly source: string
    readonly target: string
    readonly readOnly: boolean
  }[]
}

export const WORKSPACE_PATH = '/workspace'

/** Must match READY_MARKER in images/python/runner.py. */
export const READY_MARKER = '\x1etinyagent-ready\n'

export interface ContainerSpecInput {
  readonly image: string
  readonly runtime: string
  readonly limits: LimitsConfig
  readonly instanceId: string
  /** The creating process, see `currentOwner()`. */
  readonly owner: string
  readonly executionId: string
  /** Without it the container has no mount of any kind. */
  readonly fileAccess?: FileAccessGrant | undefined
  /**
   * A warm container: the runner imports these modules, then says it is ready (see
   * READY_MARKER) before it reads the code.
   */
  readonly warm?: { readonly preload: readonly string[] } | undefined
  /**
   * How long the container may wait for its code, in milliseconds from its start: then the
   * image's init kills everything in it, whether or not this process is still there. A warm
   * container's is `pool.idle_seconds` plus some slack; a cold one's a short bound on start-up.
   * Once the code arrives, the execution deadline (see `initHeader()`) replaces it.
   */
  readonly idleDeadlineMs: number
}

const MIB = 1_048_576

/**
 * The whole hardening of a sandbox container, in one pure function so it can be read on
 * one screen and unit-tested without Docker. Without a FileAccessGrant there is no mount of
 * any kind: nothing from the host is visible inside; only a size-limited tmpfs at /tmp is
 * writable.
 */
export function buildContainerSpec(input: ContainerSpecInput): ContainerCreateOptions {
  const { limits } = input
  const memory = limits.memory_mb * MIB
  // The largest file a process may write: a little past the largest writable place it has,
  // so that filling a tmpfs reads as "no space left" rather than "file too large".
  const fileSize =
    ((input.fileAccess === undefined
      ? limits.tmpfs_mb
      : Math.max(limits.tmpfs_mb, limits.workspace_mb)) +
      1) *
    MIB
  return {
    Image: input.image,
    User: SANDBOX_USER,
    // The image's minimal PATH/LANG, and the idle deadline for the init, which removes it
    // before the runner starts; nothing of the host's environment.
    Env: [`${IDLE_DEADLINE_ENV}=${checkedDeadline('idleDeadlineMs', input.idleDeadlineMs)}`],
    WorkingDir: input.fileAccess === undefined ? '/tmp' : WORKSPACE_PATH,
    Hostname: 'sandbox',
    NetworkDisabled: true,
    Labels: labelsFor(input.instanceId, input.owner, input.executionId),
    // Module names only; the code itself never goes on the command line.
    ...(input.warm ? { Cmd: ['--ready', '--preload', input.warm.preload.join(',')] } : {}),
    // The code arrives on stdin, never in the command line or environment.
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      Runtime: input.runtime,
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `rw,noexec,nosuid,nodev,size=${limits.tmpfs_mb}m,mode=1777` },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      IpcMode: 'private',
      // No init from the host (Docker's would bind-mount its own docker-init binary into the
      // container): the image's own init is PID 1, holds the deadlines and reaps orphans.
      Init: false,
      Memory: memory,
      MemorySwap: memory, // equal to Memory: no swap
      NanoCpus: Math.round(limits.cpus * 1e9),
      ...processLimits(input.runtime, limits.pids),
      Ulimits: [
        { Name: 'nofile', Soft: limits.open_files, Hard: limits.open_files },
        { Name: 'fsize', Soft: fileSize, Hard: fileSize },
        { Name: 'core', Soft: 0, Hard: 0 },
        ...(input.runtime === GVISOR_RUNTIME
          ? [{ Name: 'nproc', Soft: limits.pids, Hard: limits.pids }]
          : []),
      ],
      // Output reaches us over the attach stream only; no log file grows on the host.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false, // we remove it ourselves, after reading its exit state
      ...(input.fileAccess === undefined ? {} : { Mounts: mountsFor(input.fileAccess) }),
    },
  }
}

/** gVisor's runtime name: its kernel counts the code's tasks itself. */
const GVISOR_RUNTIME = 'runsc'
/**
 * Host threads gVisor itself may use per task of the code (measured on runsc 20221219,
 * ptrace platform: ~38 at rest, ~60 per busy process), and at rest.
 */
const GVISOR_HOST_THREADS_PER_TASK = 64
const GVISOR_HOST_THREADS_AT_REST = 256

/**
 * `limits.pids` means the code's processes and threads under both runtimes. Under runc the
 * pids cgroup counts exactly those. Under gVisor the cgroup counts gVisor's own host threads
 * (a few processes exhausted 64, ending the whole sandbox with exit 2), so there the code's
 * tasks are counted by gVisor's kernel through RLIMIT_NPROC (`Ulimits nproc`, which it
 * enforces per sandbox; under runc it would count the uid across every container), and the
 * cgroup keeps a host-side bound scaled to what gVisor needs for that many tasks.
 */
function processLimits(runtime: string, pids: number): { PidsLimit: number } {
  return {
    PidsLimit:
      runtime === GVISOR_RUNTIME
        ? pids * GVISOR_HOST_THREADS_PER_TASK + GVISOR_HOST_THREADS_AT_REST
        : pids,
  }
}

function mountsFor(grant: FileAccessGrant): MountSettings[] {
  return [
    { Type: 'bind', Source: grant.workspaceDir, Target: WORKSPACE_PATH, ReadOnly: false },
    ...grant.mounts.map(
      (mount): MountSettings => ({
        Type: 'bind',
        Source: mount.source,
        Target: mount.target,
        ReadOnly: mount.readOnly,
      }),
    ),
  ]
}
