import { ClusterHarnessError } from './errors.js'
import {
  commandLine,
  isRunning,
  killNow,
  readPidfile,
  terminate,
  waitForExit,
} from './processes.js'
import type { DaemonRecord } from './state-file.js'

/**
 * The daemon's pid from its own pidfile, only if that process is running and its command line
 * holds the record's marker: a stale pidfile whose pid now belongs to another program is ignored.
 */
export async function daemonPid(record: DaemonRecord): Promise<number | undefined> {
  const pid = await readPidfile(record.pidfile)
  if (pid === undefined || !(await isRunning(pid))) return undefined
  const args = await commandLine(pid)
  return args?.some((arg) => arg.includes(record.marker)) ? pid : undefined
}

export type DaemonStop = 'not-running' | 'exited' | 'killed'

/** SIGTERM by pidfile, SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopDaemon(record: DaemonRecord, graceMs: number): Promise<DaemonStop> {
  const pid = await daemonPid(record)
  if (pid === undefined) return 'not-running'
  return terminate(pid, { graceMs })
}

/** SIGKILL by pidfile, as a crash would end it: no shutdown work at all. */
export async function killDaemon(record: DaemonRecord): Promise<DaemonStop> {
  const pid = await daemonPid(record)
  if (pid === undefined) return 'not-running'
  killNow(pid)
  if (!(await waitForExit(pid, 10_000))) {
    throw new ClusterHarnessError(`${record.name} kill`, `pid ${pid} survived SIGKILL for 10 s`)
  }
  return 'killed'
}
