import { readFile } from 'node:fs/promises'

const MIB = 1_048_576

/** A process's resident set size in MiB, from the `VmRSS:` line of /proc/<pid>/status. */
export async function readRssMib(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return (Number(kib) * 1_024) / MIB
}

/** Reads a process's RSS every `intervalMs` until stopped; keeps the peak and every sample. */
export class RssSampler {
  readonly samples: { readonly atMs: number; readonly mib: number }[] = []
  readonly #pid: number
  readonly #timer: NodeJS.Timeout
  readonly #startedAt = performance.now()

  constructor(pid: number, intervalMs = 250) {
    this.#pid = pid
    // A process that has exited has no status file: sampling simply ends there.
    this.#timer = setInterval(() => this.sample().catch(() => this.stop()), intervalMs)
  }

  /** Takes one sample now and returns it (also used for the start and end readings). */
  async sample(): Promise<number> {
    const mib = await readRssMib(this.#pid)
    this.samples.push({ atMs: performance.now() - this.#startedAt, mib })
    return mib
  }

  get peakMib(): number {
    return Math.max(...this.samples.map((s) => s.mib))
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}
