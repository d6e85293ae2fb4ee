/** The range the pool's size moves in. */
export interface SizeBounds {
  /** Kept ready however quiet it is. */
  readonly min: number
  /** Never more, however busy. */
  readonly max: number
}

/**
 * From the config: `pool.size` is the floor; the pool grows to `pool.max_size` at most, and
 * never past `orchestrator.concurrency`, since no more executions than that take containers
 * at once. A ceiling below the floor counts as the floor: the floor is what was asked for.
 */
export function sizeBounds(
  pool: { readonly size: number; readonly max_size: number },
  concurrency: number,
): SizeBounds {
  return { min: pool.size, max: Math.max(pool.size, Math.min(pool.max_size, concurrency)) }
}

export interface Demand {
  /** Takes per ms, lately. */
  readonly ratePerMs: number
  /** The largest recent burst: takes that came within one refill of each other. */
  readonly peak: number
  /** How long a refill takes now. */
  readonly refillMs: number
}

/**
 * How many containers to keep ready or starting: enough for the recent burst to come again,
 * plus the executions expected while its refills are made (rate × refill time, rounded to
 * the nearest whole one, so a lone take now and then does not grow the pool). As the rate
 * decays and the burst leaves the peak window, the size returns to the floor.
 */
export function targetSize(demand: Demand, bounds: SizeBounds): number {
  const burst = Math.max(0, Math.ceil(demand.peak))
  const during = Math.round(demand.ratePerMs * demand.refillMs)
  return Math.min(bounds.max, Math.max(bounds.min, burst + during))
}
