/** Parallel calls arrive within a few ms of each other: grouped even when refills are quicker. */
const MIN_WINDOW_MS = 250
/** The weight of the newest take in the preloaded share: about the last ten count. */
const SHARE_ALPHA = 0.2

export interface DemandEstimatorOptions {
  /** How long a take keeps counting toward the arrival rate (the decay's time constant). @default 10_000 */
  readonly rateMs?: number
  /** How long a burst keeps counting (the decay's time constant of its peak). @default 60_000 */
  readonly peakMs?: number
}

/**
 * What the pool's takes say about demand: the arrival rate, with old takes counting less and
 * less, and the recent peak of takes that came within one refill of each other, such as an
 * agent's parallel tool calls. Times come from the caller's clock, in ms.
 */
export class DemandEstimator {
  readonly #rateMs: number
  readonly #peakMs: number
  /** Takes so far, each weighted by e^(−age / rateMs), as of `#weighedAt`. */
  #weight = 0
  #weighedAt = 0
  /** Times of the takes inside the last burst window. */
  #recent: number[] = []
  #peak = 0
  #peakAt = 0
  /** Of the takes that said, the share whose code imports what preloaded entries hold. */
  #preloadedShare = 1

  constructor(options: DemandEstimatorOptions = {}) {
    this.#rateMs = options.rateMs ?? 10_000
    this.#peakMs = options.peakMs ?? 60_000
  }

  /**
   * One take at `now`. Takes less than `windowMs` apart (the time a refill takes: what the
   * pool must have ready to cover) count as one burst; never less than MIN_WINDOW_MS apart.
   * `wantsPreloaded`, when known, says whether the code imports a preloaded module.
   */
  record(now: number, windowMs: number, wantsPreloaded?: boolean): void {
    if (wantsPreloaded !== undefined)
      this.#preloadedShare += SHARE_ALPHA * (Number(wantsPreloaded) - this.#preloadedShare)
    this.#weight = this.#weightAt(now) + 1
    this.#weighedAt = now
    const window = Math.max(windowMs, MIN_WINDOW_MS)
    this.#recent = this.#recent.filter((at) => now - at < window)
    this.#recent.push(now)
    if (this.#recent.length >= this.peak(now)) {
      this.#peak = this.#recent.length
      this.#peakAt = now
    }
  }

  /** Takes per ms: the decayed count over the decay's time constant. */
  ratePerMs(now: number): number {
    return this.#weightAt(now) / this.#rateMs
  }

  /** Of recent takes, the share that wanted a preloaded entry; 1 until takes say otherwise. */
  preloadedShare(): number {
    return this.#preloadedShare
  }

  /** The largest burst seen, shrinking by e^(−age / peakMs) since it was seen. */
  peak(now: number): number {
    return this.#peak * Math.exp(-(now - this.#peakAt) / this.#peakMs)
  }

  #weightAt(now: number): number {
    return this.#weight * Math.exp(-(now - this.#weighedAt) / this.#rateMs)
  }
}
