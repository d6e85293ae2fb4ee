import { readdir, readFile } from 'node:fs/promises'
import { ClusterHarnessError } from './errors.js'

/** A pid plus its start time (clock ticks since boot): a reused pid never matches. */
export interface ProcessIdentity {
  readonly pid: number
  readonly startTime: string
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface ProcStat {
  readonly state: string
  readonly startTime: string
}

/** Fields of /proc/PID/stat after the command name, which may itself hold spaces or parens. */
async function procStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // Field 3 is the state, field 22 the start time; `fields` starts at field 3.
  const state = fields[0]
  const startTime = fields[19]
  if (state === undefined || startTime === undefined) return undefined
  return { state, startTime }
}

/** Running means present and not a zombie: a zombie holds its pid but does nothing. */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await procStat(pid)
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X'
}

export async function identify(pid: number): Promise<ProcessIdentity | undefined> {
  const stat = await procStat(pid)
  return stat === undefined ? undefined : { pid, startTime: stat.startTime }
}

export async function isSameProcessRunning(identity: ProcessIdentity): Promise<boolean> {
  const stat = await procStat(identity.pid)
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === identity.startTime
}

export async function readPidfile(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined)
  const pid = Number(text?.trim())
  return Number.isInteger(pid) && pid > 1 ? pid : undefined
}

/** The argument vector of a process, or undefined once it is gone. */
export async function commandLine(pid: number): Promise<string[] | undefined> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)
  return raw === undefined ? undefined : raw.split('\0').filter((arg) => arg !== '')
}

/** Every running process whose argument vector mentions one of `needles` (e.g. a private dir). */
export async function processesMentioning(needles: readonly string[]): Promise<number[]> {
  const entries = await readdir('/proc')
  const found: number[] = []
  for (const entry of entries) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    const args = await commandLine(pid)
    if (args?.some((arg) => needles.some((needle) => arg.includes(needle)))) found.push(pid)
  }
  return found
}

/** Waits until the process is gone (or a zombie); false when it outlives the timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (await isRunning(pid)) {
    if (Date.now() > deadline) return false
    await sleep(100)
  }
  return true
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

export interface TerminateOptions {
  /** How long SIGTERM gets before SIGKILL. @default 10_000 */
  readonly graceMs?: number
  /** Signal the whole process group the pid leads, not only the pid. @default false */
  readonly group?: boolean
}

/**
 * SIGTERM, then SIGKILL once the grace period passes; resolves when the process is gone.
 * Returns how it ended so callers can report an unclean stop.
 */
export async function terminate(
  pid: number,
  options: TerminateOptions = {},
): Promise<'exited' | 'killed'> {
  const target = options.group === true ? -pid : pid
  signal(target, 'SIGTERM')
  if (await waitForExit(pid, options.graceMs ?? 10_000)) {
    // The leader may be gone while others in its group linger.
    if (options.group === true) signal(target, 'SIGKILL')
    return 'exited'
  }
  signal(target, 'SIGKILL')
  if (!(await waitForExit(pid, 10_000))) {
    throw new ClusterHarnessError(
      'terminate',
      `process ${pid} survived SIGKILL for 10 s (uninterruptible sleep?)`,
    )
  }
  return 'killed'
}

export function killNow(pid: number): void {
  signal(pid, 'SIGKILL')
}
