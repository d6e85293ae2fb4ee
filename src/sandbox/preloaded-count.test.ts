import { describe, expect, it } from 'vitest'
import { preloadedCount } from './preloaded-count.js'

describe('preloadedCount', () => {
  it('keeps none when no code imports a preloaded module, all when every one does', () => {
    expect(preloadedCount(0, 4)).toBe(0)
    expect(preloadedCount(1, 4)).toBe(4)
    expect(preloadedCount(0.5, 0)).toBe(0)
  })

  it('covers nineteen bursts in twenty, more than the mean and fewer than all', () => {
    // One in ten, bursts of 4: P(none wants it) = 0.66, P(at most 1) = 0.948, P(at most 2) = 0.996.
    expect(preloadedCount(0.1, 4)).toBe(2)
    // One in twenty: P(at most 1 of 4) = 0.986.
    expect(preloadedCount(0.05, 4)).toBe(1)
    // A quarter: P(at most 2 of 4) = 0.949, so 3; half: P(at most 3) = 15/16, so all 4.
    expect(preloadedCount(0.25, 4)).toBe(3)
    expect(preloadedCount(0.5, 4)).toBe(4)
    expect(preloadedCount(0.3, 8)).toBe(5)
  })

  it('keeps one while any recent code imports a preloaded module', () => {
    expect(preloadedCount(0.02, 2)).toBe(1)
  })

  it('never asks for more than the pool holds', () => {
    for (const share of [0.01, 0.3, 0.7, 0.99])
      for (const size of [1, 2, 4, 8, 64])
        expect(preloadedCount(share, size)).toBeLessThanOrEqual(size)
  })
})
