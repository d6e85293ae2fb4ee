export interface RefillSituation {
  /** Executions are waiting for a slot, or every slot is running. */
  readonly busy: boolean
  /** Takes per ms, lately. */
  readonly ratePerMs: number
  /** Entries ready or being made: taken before a new one. */
  readonly ahead: number
  /**
   * More preloaded entries are wanted: fewer are kept than the share of recent code that
   * imports a preloaded module calls for. Code that imports none gains nothing from them.
   */
  readonly wanted: boolean
  /** How long a plain refill takes. */
  readonly plainMs: number
  /** What preloading adds to a refill. */
  readonly importMs: number
  /** The import cost was measured long ago and no preloaded refill is being made to renew it. */
  readonly importStale: boolean
  /** How long refills have been put off for a rush so far (0 when none is). */
  readonly deferredMs: number
  /** The share of recent time executions kept the CPU busy (see busy-share.ts). */
  readonly busyShare: number
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
 * Executions that kept the CPU busy less than this share of the last seconds leave room for
 * imports, whenever the next take comes: a take that finds its preloaded entry still starting
 * waits for it (see take-choice.ts), which costs code that imports pandas no more than the
 * import on a plain entry would. An agent's calls between think times are far below it; an
 * execution loop is far above.
 */
export const MAX_BUSY_SHARE = 0.3

/**
 * A refill put off this long for a rush is made plain after all: a rush of short executions
 * is over by then; a long execution is no reason to leave the pool short.
 */
export const MAX_DEFER_MS = 1_000

/**
 * What the next refill should be. Preloaded when more preloaded entries are wanted and it is
 * affordable (the CPU has been mostly idle, or see `preloadPays`), or to measure the import
 * cost again when that measure is stale and the CPU has had room lately. Preloading never
 * runs while executions need the CPU (`busy`): then the refill is plain if the pool would run
 * dry before it is made, and otherwise waits for the rush to pass (up to MAX_DEFER_MS), so it
 * can still preload.
 */
export function chooseRefill(situation: RefillSituation): RefillChoice {
  const { busy, ratePerMs, ahead, wanted, plainMs, deferredMs } = situation
  if (!wanted) return 'plain'
  // Once it stops preloading, the pool would never learn that preloading pays again.
  // Not on a loaded CPU: under gVisor one import is seconds of it, and an execution loop
  // would pay for every measure. The measure waits for the load to drop.
  if (situation.importStale && !busy && situation.busyShare < MAX_BUSY_SHARE) return 'preloaded'
  if (!affordable(situation)) return 'plain'
  if (!busy) return 'preloaded'
  return ahead > ratePerMs * plainMs && deferredMs < MAX_DEFER_MS ? 'later' : 'plain'
}

/** Whether to replace a plain entry made during a rush with a preloaded one, now it has passed. */
export function shouldUpgrade(situation: RefillSituation): boolean {
  return situation.wanted && !situation.busy && affordable(situation)
}

/** The imports cost executions nothing: the CPU has been mostly idle, or they would be done first. */
function affordable(situation: RefillSituation): boolean {
  return situation.busyShare < MAX_BUSY_SHARE || preloadPays(situation)
}

/**
 * A preloaded container is ready `importMs` later than a plain one; that is free only if the
 * plain one would have waited that long anyway: when the pool keeps ahead of the takes even
 * with slower refills. Its predicted wait is its place in line over the arrival rate, less
 * the plain refill time. A pool that is outrun hands each container out at once: no wait.
 */
function preloadPays(situation: RefillSituation): boolean {
  const { ratePerMs, ahead, plainMs, importMs } = situation
  const takenInMs = ratePerMs > 0 ? (ahead + 1) / ratePerMs : Number.POSITIVE_INFINITY
  return takenInMs - plainMs > importMs * PRELOAD_MARGIN
}
