/** Parallel calls arrive within a few ms of each other: grouped even when refills are quicker. */
const MIN_WINDOW_MS = 250
/** The weight of the newest take in the preloaded share: about the last twenty count. */
const SHARE_ALPHA = 0.1

export interface DemandEstimatorOptions {
  /**
   * How long a take keeps counting toward the arrival rate (the decay's time constant). A
   * second rate with a fifth of it follows a change of pace within seconds (`quickRatePerMs`).
   * @default 10_000
   */
  readonly rateMs?: number
  /**
   * How long a burst keeps counting: the peak is the largest burst seen this long ago or
   * since, so an agent whose parallel calls come every half minute finds the pool sized for
   * them each time, and a minute after the last one the pool is back to its floor.
   * @default 60_000
   */
  readonly peakMs?: number
}

/** A count of takes, each weighted by e^(−age / timeMs). */
class DecayingCount {
  readonly timeMs: number
  #weight = 0
  #at = 0

  constructor(timeMs: number) {
    this.timeMs = timeMs
  }

  add(now: number): void {
    this.#weight = this.at(now) + 1
    this.#at = now
  }

  at(now: number): number {
    return this.#weight * Math.exp(-(now - this.#at) / this.timeMs)
  }
}

/**
 * What the pool's takes say about demand: the arrival rate, with old takes counting less and
 * less; the recent peak of takes that came within one refill of each other, such as an
 * agent's parallel tool calls; and the share of code that wants a preloaded container.
 * Times come from the caller's clock, in ms.
 */
export class DemandEstimator {
  readonly #counts: readonly DecayingCount[]
  readonly #peakMs: number
  /** Times of the takes inside the last burst window. */
  #recent: number[] = []
  /**
   * Bursts still inside the peak window that no later, larger one hides: oldest first,
   * sizes falling, so the first is the peak (a sliding maximum).
   */
  #bursts: { at: number; size: number }[] = []
  /** Of the takes that said, the share whose code imports what preloaded entries hold. */
  #preloadedShare = 1
  /** Takes that said whether they want one: the first ones are averaged plainly. */
  #shareSamples = 0

  constructor(options: DemandEstimatorOptions = {}) {
    const rateMs = options.rateMs ?? 10_000
    this.#counts = [new DecayingCount(rateMs), new DecayingCount(rateMs / 5)]
    this.#peakMs = options.peakMs ?? 60_000
  }

  /**
   * One take at `now`. Takes less than `windowMs` apart (the time a refill takes: what the
   * pool must have ready to cover) count as one burst; never less than MIN_WINDOW_MS apart.
   * `wantsPreloaded`, when known, says whether the code imports a preloaded module.
   */
  record(now: number, windowMs: number, wantsPreloaded?: boolean): void {
    if (wantsPreloaded !== undefined) {
      // A plain mean until there are 1 / SHARE_ALPHA samples, then a moving one: the prior
      // (1) is gone with the first sample rather than fading over dozens.
      const weight = Math.max(SHARE_ALPHA, 1 / ++this.#shareSamples)
      this.#preloadedShare += weight * (Number(wantsPreloaded) - this.#preloadedShare)
    }
    for (const count of this.#counts) count.add(now)
    const window = Math.max(windowMs, MIN_WINDOW_MS)
    this.#recent = this.#recent.filter((at) => now - at < window)
    this.#recent.push(now)
    const size = this.#recent.length
    while ((this.#bursts.at(-1)?.size ?? Number.POSITIVE_INFINITY) <= size) this.#bursts.pop()
    this.#bursts.push({ at: now, size })
  }

  /** Takes per ms over the last `rateMs` or so: what predicts when an entry in line is taken. */
  ratePerMs(now: number): number {
    return this.#rate(0, now)
  }

  /**
   * Takes per ms, following a change of pace within seconds, and never below `ratePerMs`:
   * for sizing, which should grow at once when an agent starts and shrink slowly. A lone
   * take says nothing of a pace (it would read as one per `rateMs / 5`, and grow the pool
   * of a caller that sends one call every few seconds): under two recent takes, the slow rate.
   */
  quickRatePerMs(now: number): number {
    const slow = this.#rate(0, now)
    if ((this.#counts[1]?.at(now) ?? 0) < 2) return slow
    return Math.max(slow, this.#rate(1, now))
  }

  /** Of recent takes, the share that wanted a preloaded entry; 1 until takes say otherwise. */
  preloadedShare(): number {
    return this.#preloadedShare
  }

  #rate(index: number, now: number): number {
    const count = this.#counts[index]
    return count === undefined ? 0 : count.at(now) / count.timeMs
  }

  /** The largest burst seen within the last `peakMs`; 0 when none is. */
  peak(now: number): number {
    while (this.#bursts.length > 0 && now - (this.#bursts[0]?.at ?? now) >= this.#peakMs)
      this.#bursts.shift()
    return this.#bursts[0]?.size ?? 0
  }
}
