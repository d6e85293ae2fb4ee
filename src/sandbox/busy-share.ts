/**
 * The share of recent time executions kept the CPU busy, from regular samples: each counts
 * for the time since the one before, and older time counts less and less (e^(−age / timeMs)).
 * Times come from the caller's clock, in ms.
 */
export class BusyShare {
  readonly #timeMs: number
  #share = 0
  #at: number | undefined

  /** @param timeMs - how long a busy spell keeps counting. @default 10_000 */
  constructor(timeMs = 10_000) {
    this.#timeMs = timeMs
  }

  /** `busy` held since the last sample. */
  sample(now: number, busy: boolean): void {
    const elapsed = this.#at === undefined ? 0 : now - this.#at
    this.#at = now
    if (elapsed <= 0) return
    const weight = 1 - Math.exp(-elapsed / this.#timeMs)
    this.#share += weight * (Number(busy) - this.#share)
  }

  /** 0 (idle throughout) to 1 (busy throughout); 0 before two samples. */
  get value(): number {
    return this.#share
  }
}
