/** What one refill costs, as measured on this pool's engine and runtime, in ms. */
export interface RefillEstimate {
  /** Creating a container whose runner waits without importing anything. */
  readonly plainMs: number
  /** What preloading adds to that: the imports, inside the container. */
  readonly importMs: number
  /** Any refill, as they have been going lately: how long the pool waits to be whole again. */
  readonly refillMs: number
  /**
   * The import cost was measured before the last STALE_AFTER plain refills: the machine may
   * have changed since, and only a preloaded refill measures it again.
   */
  readonly importStale: boolean
}

/** Before anything is measured: a cold start and an `import pandas` on a slow machine. */
const PRIOR_PLAIN_MS = 500
const PRIOR_IMPORT_MS = 1_000
/** The weight of the newest sample: about the last five refills count. */
const ALPHA = 0.3
const STALE_AFTER = 5

/**
 * Moving averages of how long `create()` took, with and without preloading, so the import
 * cost is measured rather than assumed: it differs tenfold between runc and gVisor. Until a
 * plain refill has been measured, the whole preloaded refill counts as import cost, which
 * errs toward not preloading.
 */
export class RefillCosts {
  #plain: number | undefined
  #preloaded: number | undefined
  #any: number | undefined
  /** Plain refills measured since the last preloaded one. */
  #plainSince = 0

  record(preloaded: boolean, durationMs: number): void {
    if (preloaded) {
      this.#preloaded = average(this.#preloaded, durationMs)
      this.#plainSince = 0
    } else {
      this.#plain = average(this.#plain, durationMs)
      this.#plainSince++
    }
    this.#any = average(this.#any, durationMs)
  }

  estimate(): RefillEstimate {
    const plainMs = this.#plain ?? (this.#preloaded === undefined ? PRIOR_PLAIN_MS : 0)
    const importMs =
      this.#preloaded === undefined ? PRIOR_IMPORT_MS : Math.max(0, this.#preloaded - plainMs)
    return {
      plainMs,
      importMs,
      refillMs: this.#any ?? PRIOR_PLAIN_MS + PRIOR_IMPORT_MS,
      importStale: this.#plainSince >= STALE_AFTER,
    }
  }
}

function average(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + ALPHA * (sample - previous)
}
