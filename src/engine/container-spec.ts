import type { ContainerCreateOptions } from 'dockerode'
import type { LimitsConfig } from '../config/schema.js'
import { labelsFor } from './labels.js'

/** The unprivileged uid:gid the image creates; set again here so no image can widen it. */
export const SANDBOX_USER = '10001:10001'

export interface ContainerSpecInput {
  readonly image: string
  readonly runtime: string
  readonly limits: LimitsConfig
  readonly instanceId: string
  /** The creating process, see `currentOwner()`. */
  readonly owner: string
  readonly executionId: string
}

const MIB = 1_048_576

/**
 * The whole hardening of a sandbox container, in one pure function so it can be read on
 * one screen and unit-tested without Docker. There are no mounts of any kind: nothing from
 * the host is visible inside; only a size-limited tmpfs at /tmp is writable.
 */
export function buildContainerSpec(input: ContainerSpecInput): ContainerCreateOptions {
  const { limits } = input
  const memory = limits.memory_mb * MIB
  const fileSize = limits.tmpfs_mb * MIB
  return {
    Image: input.image,
    User: SANDBOX_USER,
    Env: [], // the image's minimal PATH/LANG only; nothing of the host's environment
    WorkingDir: '/tmp',
    Hostname: 'sandbox',
    NetworkDisabled: true,
    Labels: labelsFor(input.instanceId, input.owner, input.executionId),
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
      // tini as PID 1: reaps orphans and passes signals on, so a kill ends the whole tree.
      Init: true,
      Memory: memory,
      MemorySwap: memory, // equal to Memory: no swap
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pids,
      Ulimits: [
        { Name: 'nofile', Soft: limits.open_files, Hard: limits.open_files },
        { Name: 'fsize', Soft: fileSize, Hard: fileSize },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      // Output reaches us over the attach stream only; no log file grows on the host.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false, // we remove it ourselves, after reading its exit state
    },
  }
}
