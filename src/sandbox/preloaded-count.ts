/** The share of bursts that should find a preloaded entry for each call that imports one. */
export const PRELOADED_COVER = 0.95

/**
 * How many of `size` entries to keep preloaded when a `share` of the code imports a
 * preloaded module: the fewest that cover every such call in a burst of `size` calls, 19 times
 * in 20, taking each call as importing one with that chance (a binomial quantile). A call that
 * imports pandas on a plain entry pays the import (hundreds of ms under runc, seconds under
 * gVisor); a call that does not, on a preloaded entry, pays nothing: so more than the mean
 * (`share × size`), but not all, since each preloaded refill costs that import in CPU; and
 * at least one while any recent code imports one, so a rare pandas call finds it.
 */
export function preloadedCount(share: number, size: number): number {
  if (size <= 0 || share <= 0) return 0
  if (share >= 1) return size
  let probability = (1 - share) ** size
  let covered = probability
  for (let k = 0; k < size; k++) {
    if (covered >= PRELOADED_COVER) return Math.max(1, k)
    probability *= ((size - k) / (k + 1)) * (share / (1 - share))
    covered += probability
  }
  return size
}
