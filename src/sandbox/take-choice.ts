/** What a take sees: what is ready, what is being made, and what each way costs. */
export interface TakeSituation {
  /**
   * Whether the code imports what preloaded entries hold; undefined when unknown (then any
   * entry serves it alike).
   */
  readonly wantsPreloaded: boolean | undefined
  readonly readyPreloaded: boolean
  readonly readyPlain: boolean
  /** Entries being made that no other take waits for, with the time each should still take. */
  readonly inFlight: readonly { readonly preloaded: boolean; readonly remainingMs: number }[]
  /** How long a plain container takes to start: a cold run's own start. */
  readonly plainMs: number
  /** What importing the preloaded modules costs, in a container or on a plain entry. */
  readonly importMs: number
}

/**
 * `ready`: take a ready entry (of the kind `pick` prefers). `wait`: wait for the entry being
 * made at `index` of `inFlight`, at most `maxWaitMs` (twice what the best other way would
 * cost: the estimate is an average, and giving up pays the other way on top of the wait).
 * `cold`: nothing serves it sooner than a container of its own.
 */
export type TakeChoice =
  | { readonly kind: 'ready' }
  | { readonly kind: 'wait'; readonly index: number; readonly maxWaitMs: number }
  | { readonly kind: 'cold' }

/**
 * The quickest way to a container for this code. Waiting for one being made is worth it when
 * it should land sooner than the other way would take: for code that imports pandas under
 * gVisor, a preloaded container a second from ready beats a plain one that pays two seconds
 * of import, and both beat a cold start; for other code, any container landing sooner than a
 * cold start would. Ready entries of the right kind always win.
 */
export function chooseTake(situation: TakeSituation): TakeChoice {
  const { wantsPreloaded, readyPreloaded, readyPlain, plainMs, importMs } = situation
  const ready = readyPreloaded || readyPlain
  if (wantsPreloaded !== true) {
    if (ready) return { kind: 'ready' }
    return waitFor(situation, () => true, plainMs)
  }
  if (readyPreloaded) return { kind: 'ready' }
  const preloaded = waitFor(situation, (p) => p, readyPlain ? importMs : plainMs + importMs)
  if (preloaded.kind === 'wait') return preloaded
  if (readyPlain) return { kind: 'ready' }
  // A plain one still pays the import, as a cold start would: only its own start is saved.
  return waitFor(situation, (p) => !p, plainMs)
}

/** The entry being made that lands first among those `fits` allows, if it beats `otherMs`. */
function waitFor(
  situation: TakeSituation,
  fits: (preloaded: boolean) => boolean,
  otherMs: number,
): TakeChoice {
  let best: { index: number; remainingMs: number } | undefined
  situation.inFlight.forEach(({ preloaded, remainingMs }, index) => {
    if (fits(preloaded) && remainingMs < (best?.remainingMs ?? otherMs))
      best = { index, remainingMs }
  })
  return best === undefined
    ? { kind: 'cold' }
    : { kind: 'wait', index: best.index, maxWaitMs: 2 * otherMs }
}
