/**
 * Notices when this worker can no longer be sure it holds a job's lock: no renewal within
 * the lock's duration (Redis unreachable, the event loop stalled). BullMQ would let another
 * worker's stalled check fail the job; the container must not keep running meanwhile.
 */
export class LockWatch {
  readonly #lockMs: number
  readonly #onLost: (id: string) => void
  readonly #renewedAt = new Map<string, number>()
  readonly #timer: NodeJS.Timeout
  readonly #now: () => number

  constructor(lockMs: number, onLost: (id: string) => void, now: () => number = Date.now) {
    this.#lockMs = lockMs
    this.#onLost = onLost
    this.#now = now
    this.#timer = setInterval(() => this.check(), Math.min(1_000, lockMs / 4)).unref()
  }

  /** A job just started: its lock was taken now. */
  track(id: string): void {
    this.#renewedAt.set(id, this.#now())
  }

  untrack(id: string): void {
    this.#renewedAt.delete(id)
  }

  renewed(ids: readonly string[]): void {
    const now = this.#now()
    for (const id of ids) if (this.#renewedAt.has(id)) this.#renewedAt.set(id, now)
  }

  /** Reports each job whose last renewal is older than the lock (once: it is untracked). */
  check(): void {
    const now = this.#now()
    for (const [id, at] of this.#renewedAt) {
      if (now - at > this.#lockMs) {
        this.#renewedAt.delete(id)
        this.#onLost(id)
      }
    }
  }

  close(): void {
    clearInterval(this.#timer)
    this.#renewedAt.clear()
  }
}
