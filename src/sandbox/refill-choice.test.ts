import { describe, expect, it } from 'vitest'
import { chooseRefill, type RefillSituation, shouldUpgrade } from './refill-choice.js'

/** runc-like costs: a plain refill 200 ms, `import pandas` 400 ms more; all code wants pandas. */
const base: RefillSituation = {
  busy: false,
  ratePerMs: 0,
  ahead: 1,
  preloadedShare: 1,
  preloadedAhead: 1,
  preloadedWanted: 2,
  plainMs: 200,
  importMs: 400,
  importStale: false,
}
const perSecond = (n: number): number => n / 1_000

describe('chooseRefill', () => {
  it('preloads when nothing has been taken yet', () => {
    expect(chooseRefill(base)).toBe('preloaded')
  })

  it('preloads when the container will probably wait longer than its imports take', () => {
    // One take a second, one entry ahead: taken in about 2 s, 1.8 s after a plain one is ready.
    expect(chooseRefill({ ...base, ratePerMs: perSecond(1) })).toBe('preloaded')
  })

  it('makes a plain one when it would be taken before its imports paid off', () => {
    // Ten takes a second, one ahead: taken in about 200 ms.
    expect(chooseRefill({ ...base, ratePerMs: perSecond(10) })).toBe('plain')
    // Under gVisor the same pace with a 2 s import: taken in 2 s, too soon.
    expect(chooseRefill({ ...base, ratePerMs: perSecond(1), importMs: 2_000 })).toBe('plain')
  })

  it('leaves room for a rough prediction: the wait must exceed the import cost by a quarter', () => {
    // One preloaded entry ahead; taken in 650 ms, a plain one would wait 450 ms: not enough.
    expect(chooseRefill({ ...base, ratePerMs: 2 / 650 })).toBe('plain')
    // Taken in 800 ms: it would wait 600 ms, more than 1.25 × 400 ms.
    expect(chooseRefill({ ...base, ratePerMs: 2 / 800 })).toBe('preloaded')
  })

  it('counts only the takes whose code wants a preloaded container', () => {
    // Four takes a second, one in four imports pandas: a preloaded one is taken in about 2 s.
    const mixed = { ...base, ratePerMs: perSecond(4), preloadedShare: 0.25 }
    expect(chooseRefill(mixed)).toBe('preloaded')
    expect(chooseRefill({ ...mixed, preloadedShare: 1 })).toBe('plain')
  })

  it('makes a plain one when enough preloaded ones are kept for the code that comes', () => {
    expect(chooseRefill({ ...base, preloadedAhead: 2, preloadedWanted: 2 })).toBe('plain')
    expect(chooseRefill({ ...base, preloadedAhead: 0, preloadedWanted: 0 })).toBe('plain')
  })

  it('preloads to measure the import cost again when that measure is stale', () => {
    const stale = { ...base, ratePerMs: perSecond(10), importStale: true }
    expect(chooseRefill(stale)).toBe('preloaded')
    expect(chooseRefill({ ...stale, busy: true, ahead: 0 })).toBe('plain')
  })

  it('does not preload while executions are busy, waiting for the rush to pass', () => {
    expect(chooseRefill({ ...base, busy: true, ratePerMs: perSecond(1) })).toBe('later')
  })

  it('makes a plain one while busy when the pool would run dry before it is made', () => {
    expect(chooseRefill({ ...base, busy: true, ratePerMs: perSecond(1), ahead: 0 })).toBe('plain')
    // Twenty a second, mostly plain code: four takes before a plain refill lands, three ahead.
    const rush = { ...base, busy: true, ratePerMs: perSecond(20), ahead: 3, preloadedShare: 0.01 }
    expect(chooseRefill(rush)).toBe('plain')
  })
})

describe('shouldUpgrade', () => {
  it('replaces a plain entry once the rush has passed, when preloading pays', () => {
    expect(shouldUpgrade({ ...base, ratePerMs: perSecond(1) })).toBe(true)
  })

  it('waits while executions are busy', () => {
    expect(shouldUpgrade({ ...base, busy: true })).toBe(false)
  })

  it('keeps plain entries when the preloaded ones kept are enough', () => {
    expect(shouldUpgrade({ ...base, preloadedAhead: 2 })).toBe(false)
  })

  it('keeps plain entries when preloaded ones would be taken too soon to pay', () => {
    expect(shouldUpgrade({ ...base, ratePerMs: perSecond(10) })).toBe(false)
  })
})
