export interface RefillSituation {
  /** Executions are waiting for a slot, or every slot is running. */
  readonly busy: boolean
  /** Takes per ms, lately. */
  readonly ratePerMs: number
  /** Entries ready or being made. */
  readonly ahead: number
  /** Of recent takes, the share whose code imports a preloaded module. */
  readonly preloadedShare: number
  /** Preloaded entries ready or being made: taken before a new preloaded one. */
  readonly preloadedAhead: number
  /** Preloaded entries worth keeping: that share of the target size. */
  readonly preloadedWanted: number
  /** How long a plain refill takes. */
  readonly plainMs: number
  /** What preloading adds to a refill. */
  readonly importMs: number
  /** The import cost was measured long ago and no preloaded refill is being made to renew it. */
  readonly importStale: boolean
}

/** `later`: make nothing now; the pool asks again on its next tick. */
export type RefillChoice = 'preloaded' | 'plain' | 'later'

/**
 * Preloading pays when a plain container would wait this many times the import cost: some
 * slack for a rough prediction. Not more: a preloaded container ready a little late is seldom
 * a cold run (the take finds another entry), while a plain one costs every import it meets.
 */
export const PRELOAD_MARGIN = 1.25

/**
 * What the next refill should be. Preloaded only while fewer preloaded entries are kept than
 * the code that comes wants, and only when it pays (see `preloadPays`), or to measure the
 * import cost again when that measure is stale and the CPU is free. Preloading never runs
 * while executions need the CPU (`busy`): then the refill is plain if the pool would run dry
 * before it is made, and otherwise waits until the rush has passed, so it can still preload.
 */
export function chooseRefill(situation: RefillSituation): RefillChoice {
  const { busy, ratePerMs, ahead, plainMs, preloadedAhead, preloadedWanted } = situation
  if (preloadedAhead >= preloadedWanted) return 'plain'
  // Once it stops preloading, the pool would never learn that preloading pays again.
  if (situation.importStale && !busy) return 'preloaded'
  if (!preloadPays(situation)) return 'plain'
  if (!busy) return 'preloaded'
  return ahead > ratePerMs * plainMs ? 'later' : 'plain'
}

/**
 * Whether to replace a plain entry (made plain during a rush) with a preloaded one: once the
 * rush has passed, while fewer preloaded entries are kept than wanted, when it pays.
 */
export function shouldUpgrade(situation: RefillSituation): boolean {
  const { busy, preloadedAhead, preloadedWanted } = situation
  return !busy && preloadedAhead < preloadedWanted && preloadPays(situation)
}

/**
 * A preloaded container is ready `importMs` later than a plain one; that is free only if it
 * would have waited that long anyway. Its predicted wait is its place among the preloaded
 * entries over the rate of takes that want one, less the plain refill time.
 */
function preloadPays(situation: RefillSituation): boolean {
  const { ratePerMs, preloadedShare, preloadedAhead, plainMs, importMs } = situation
  const rate = ratePerMs * preloadedShare
  const takenInMs = rate > 0 ? (preloadedAhead + 1) / rate : Number.POSITIVE_INFINITY
  return takenInMs - plainMs > importMs * PRELOAD_MARGIN
}
