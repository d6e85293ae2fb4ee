import { describe, expect, it } from 'vitest'
import { chooseRefill, type RefillSituation, shouldUpgrade } from './refill-choice.js'

/**
 * runc-like costs: a plain refill 200 ms, `import pandas` 400 ms more; executions have kept
 * the CPU busy lately, so only the predicted wait decides.
 */
const base: RefillSituation = {
  busy: false,
  ratePerMs: 0,
  ahead: 1,
  wanted: true,
  plainMs: 200,
  importMs: 400,
  importStale: false,
  deferredMs: 0,
  busyShare: 1,
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

  it('makes a plain one when the pool is outrun: it would be taken before the imports paid', () => {
    // Ten takes a second, one ahead: taken in about 200 ms.
    expect(chooseRefill({ ...base, ratePerMs: perSecond(10) })).toBe('plain')
    // Under gVisor the same pace with a 2 s import: taken in 2 s, too soon.
    expect(chooseRefill({ ...base, ratePerMs: perSecond(1), importMs: 2_000 })).toBe('plain')
  })

  it('leaves room for a rough prediction: the wait must exceed the import cost by a quarter', () => {
    // One entry ahead; taken in 650 ms, a plain one would wait 450 ms: not enough.
    expect(chooseRefill({ ...base, ratePerMs: 2 / 650 })).toBe('plain')
    // Taken in 800 ms: it would wait 600 ms, more than 1.25 × 400 ms.
    expect(chooseRefill({ ...base, ratePerMs: 2 / 800 })).toBe('preloaded')
  })

  it('counts its place in line: more entries ahead, a longer wait', () => {
    const pace = { ...base, ratePerMs: perSecond(4) }
    expect(chooseRefill({ ...pace, ahead: 0 })).toBe('plain')
    expect(chooseRefill({ ...pace, ahead: 3 })).toBe('preloaded')
  })

  it('preloads however soon it is taken while executions leave the CPU mostly idle', () => {
    // Under gVisor an agent's next call may come before a 2 s import is done: its take waits
    // for the preloaded entry rather than paying the import on a plain one.
    const agent = { ...base, ratePerMs: perSecond(1), importMs: 2_000, ahead: 0 }
    expect(chooseRefill({ ...agent, busyShare: 0.1 })).toBe('preloaded')
    expect(chooseRefill({ ...agent, busyShare: 0.3 })).toBe('plain')
    expect(chooseRefill({ ...agent, busyShare: 0.1, busy: true, ahead: 1 })).toBe('later')
    expect(shouldUpgrade({ ...agent, busyShare: 0.1 })).toBe(true)
  })

  it('makes a plain one when no recent code imported a preloaded module', () => {
    expect(chooseRefill({ ...base, wanted: false })).toBe('plain')
    expect(chooseRefill({ ...base, wanted: false, importStale: true })).toBe('plain')
  })

  it('preloads to measure the import cost again when that measure is stale and the CPU has room', () => {
    const stale = { ...base, ratePerMs: perSecond(10), importStale: true, busyShare: 0.1 }
    expect(chooseRefill(stale)).toBe('preloaded')
    expect(chooseRefill({ ...stale, busy: true, ahead: 0 })).toBe('plain')
    // An execution loop would pay for every measure: it waits for the load to drop.
    expect(chooseRefill({ ...stale, busyShare: 0.9 })).toBe('plain')
  })

  it('does not preload while executions are busy, waiting for the rush to pass', () => {
    expect(chooseRefill({ ...base, busy: true, ratePerMs: perSecond(1) })).toBe('later')
  })

  it('makes a plain one after all when a rush has put it off for a second', () => {
    const rush = { ...base, busy: true, ratePerMs: perSecond(1) }
    expect(chooseRefill({ ...rush, deferredMs: 999 })).toBe('later')
    expect(chooseRefill({ ...rush, deferredMs: 1_000 })).toBe('plain')
  })

  it('makes a plain one while busy when the pool would run dry before it is made', () => {
    expect(chooseRefill({ ...base, busy: true, ratePerMs: perSecond(1), ahead: 0 })).toBe('plain')
    // Ten a second with refills of 2 s: twenty takes before a plain refill lands, five ahead.
    const rush = { ...base, busy: true, ratePerMs: perSecond(10), ahead: 5, plainMs: 2_000 }
    expect(chooseRefill({ ...rush, importMs: 0 })).toBe('plain')
  })
})

describe('shouldUpgrade', () => {
  it('replaces a plain entry once the rush has passed, when preloading pays', () => {
    expect(shouldUpgrade({ ...base, ratePerMs: perSecond(1) })).toBe(true)
  })

  it('waits while executions are busy', () => {
    expect(shouldUpgrade({ ...base, busy: true })).toBe(false)
  })

  it('keeps plain entries when no recent code imported a preloaded module', () => {
    expect(shouldUpgrade({ ...base, wanted: false })).toBe(false)
  })

  it('keeps plain entries when preloaded ones would be taken too soon to pay', () => {
    expect(shouldUpgrade({ ...base, ratePerMs: perSecond(10) })).toBe(false)
  })
})
