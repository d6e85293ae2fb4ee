import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { buildContainerSpec, type ContainerSpecInput, SANDBOX_USER } from './container-spec.js'
import { IDLE_DEADLINE_ENV } from './init-protocol.js'
import { LABEL_EXECUTION, LABEL_INSTANCE, LABEL_MANAGED, LABEL_OWNER } from './labels.js'

const limits = configSchema.parse({}).code_execution.limits
const input: ContainerSpecInput = {
  image: 'tinyagent-sandbox/python',
  runtime: 'runc',
  limits,
  instanceId: 'inst',
  owner: 'host/42',
  executionId: 'exec-1',
  idleDeadlineMs: 30_000,
}
const spec = buildContainerSpec(input)
const host = spec.HostConfig ?? {}

describe('buildContainerSpec', () => {
  it('cuts the container off every network', () => {
    expect(host.NetworkMode).toBe('none')
    expect(spec.NetworkDisabled).toBe(true)
  })

  it('mounts nothing from the host: no binds, mounts, volumes or volumes-from', () => {
    expect(host.Binds).toBeUndefined()
    expect(host.Mounts).toBeUndefined()
    expect(host.VolumesFrom).toBeUndefined()
    expect(spec.Volumes).toBeUndefined()
    expect(Object.keys(host.Tmpfs ?? {})).toEqual(['/tmp'])
  })

  it('makes the root filesystem read-only and /tmp a small noexec tmpfs', () => {
    expect(host.ReadonlyRootfs).toBe(true)
    expect(host.Tmpfs?.['/tmp']).toBe('rw,noexec,nosuid,nodev,size=64m,mode=1777')
  })

  it('runs as the unprivileged user with no capabilities and no privilege gain', () => {
    expect(spec.User).toBe(SANDBOX_USER)
    expect(SANDBOX_USER).not.toMatch(/^0[:]|^root/)
    expect(host.CapDrop).toEqual(['ALL'])
    expect(host.CapAdd).toBeUndefined()
    expect(host.SecurityOpt).toEqual(['no-new-privileges'])
    expect(host.Privileged).toBe(false)
  })

  it('passes no environment variable but the idle deadline for the image init', () => {
    expect(spec.Env).toEqual([`${IDLE_DEADLINE_ENV}=30000`])
  })

  it('refuses an idle deadline the init cannot read', () => {
    for (const idleDeadlineMs of [0, -1, 1.5, 1_000_000_000, Number.NaN]) {
      expect(() => buildContainerSpec({ ...input, idleDeadlineMs })).toThrow(
        `Expected \`idleDeadlineMs\` to be a whole number of milliseconds from 1 to 999999999, got \`${idleDeadlineMs}\``,
      )
    }
  })

  it("takes PID 1 from the image, not Docker's init binary from the host", () => {
    expect(host.Init).toBe(false)
    expect(spec.Entrypoint).toBeUndefined()
  })

  it('applies every limit from the config', () => {
    expect(host.Memory).toBe(256 * 1_048_576)
    expect(host.MemorySwap).toBe(host.Memory)
    expect(host.NanoCpus).toBe(1_000_000_000)
    expect(host.PidsLimit).toBe(64)
    expect(host.Ulimits).toEqual([
      { Name: 'nofile', Soft: 256, Hard: 256 },
      { Name: 'fsize', Soft: 65 * 1_048_576, Hard: 65 * 1_048_576 },
      { Name: 'core', Soft: 0, Hard: 0 },
    ])
  })

  it("counts the code's tasks in gVisor's kernel under runsc, keeping a host bound for its threads", () => {
    const gvisor = buildContainerSpec({ ...input, runtime: 'runsc' }).HostConfig ?? {}
    expect(gvisor.Ulimits).toContainEqual({ Name: 'nproc', Soft: 64, Hard: 64 })
    expect(gvisor.PidsLimit).toBe(64 * 64 + 256)
    // Under runc RLIMIT_NPROC would count the uid across every container: the cgroup does it.
    expect(host.Ulimits?.some((u) => u.Name === 'nproc')).toBe(false)
  })

  it('sends code over stdin only, never through the command line', () => {
    expect(spec.Cmd).toBeUndefined()
    expect(spec.Entrypoint).toBeUndefined()
    expect(spec.OpenStdin).toBe(true)
    expect(spec.StdinOnce).toBe(true)
    expect(spec.Tty).toBe(false)
  })

  it('labels the container with its instance, owner and execution', () => {
    expect(spec.Labels).toEqual({
      [LABEL_MANAGED]: 'true',
      [LABEL_INSTANCE]: 'inst',
      [LABEL_OWNER]: 'host/42',
      [LABEL_EXECUTION]: 'exec-1',
    })
  })

  it('uses the configured runtime and keeps no log file of the output', () => {
    expect(host.Runtime).toBe('runc')
    expect(host.LogConfig?.Type).toBe('none')
    expect(host.AutoRemove).toBe(false)
  })
})

describe('buildContainerSpec with a file access grant', () => {
  const granted = buildContainerSpec({
    image: 'tinyagent-sandbox/python',
    runtime: 'runsc',
    limits: { ...limits, workspace_mb: 128 },
    instanceId: 'inst',
    owner: 'host/42',
    executionId: 'exec-2',
    idleDeadlineMs: 30_000,
    fileAccess: {
      workspaceDir: '/var/tmp/ws/exec-2',
      mounts: [{ source: '/srv/data', target: '/mnt/data', readOnly: true }],
    },
  })

  it('binds the workspace read-write at /workspace, the working directory, and the mounts as granted', () => {
    expect(granted.WorkingDir).toBe('/workspace')
    expect(granted.HostConfig?.Mounts).toEqual([
      { Type: 'bind', Source: '/var/tmp/ws/exec-2', Target: '/workspace', ReadOnly: false },
      { Type: 'bind', Source: '/srv/data', Target: '/mnt/data', ReadOnly: true },
    ])
    expect(granted.HostConfig?.Binds).toBeUndefined()
  })

  it('lets a file grow past the larger of /tmp and /workspace, so a full disk reads as ENOSPC', () => {
    expect(granted.HostConfig?.Ulimits?.find((u) => u.Name === 'fsize')?.Hard).toBe(129 * 1_048_576)
  })

  it('keeps every other hardening setting', () => {
    expect(granted.HostConfig?.Runtime).toBe('runsc')
    expect(granted.HostConfig?.ReadonlyRootfs).toBe(true)
    expect(granted.HostConfig?.NetworkMode).toBe('none')
    expect(granted.HostConfig?.CapDrop).toEqual(['ALL'])
  })
})
