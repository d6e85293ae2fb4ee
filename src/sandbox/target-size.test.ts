import { describe, expect, it } from 'vitest'
import { sizeBounds, targetSize } from './target-size.js'

const bounds = { min: 2, max: 4 }
const quiet = { ratePerMs: 0, peak: 0, refillMs: 500 }

describe('targetSize', () => {
  it('stays at the floor with no demand', () => {
    expect(targetSize(quiet, bounds)).toBe(2)
  })

  it('covers a burst of parallel takes', () => {
    expect(targetSize({ ...quiet, peak: 3 }, bounds)).toBe(3)
  })

  it('adds the takes expected while a refill is made', () => {
    // 2 a second, refills of 1 s: two more on top of a burst of two.
    expect(targetSize({ ratePerMs: 0.002, peak: 2, refillMs: 1_000 }, { min: 1, max: 8 })).toBe(4)
  })

  it('does not grow for a lone take now and then', () => {
    expect(targetSize({ ratePerMs: 0.0001, peak: 1, refillMs: 3_000 }, { min: 1, max: 4 })).toBe(1)
  })

  it('never goes past its ceiling however high the demand', () => {
    expect(targetSize({ ratePerMs: 1, peak: 50, refillMs: 5_000 }, bounds)).toBe(4)
  })

  it('returns to the floor as bursts leave the peak window', () => {
    const sizes = [4, 3, 2, 1, 0].map((peak) => targetSize({ ...quiet, peak }, bounds))
    expect(sizes).toEqual([4, 3, 2, 2, 2])
  })
})

describe('sizeBounds', () => {
  it('takes pool.size as the floor and pool.max_size as the ceiling', () => {
    expect(sizeBounds({ size: 2, max_size: 4 }, 8)).toEqual({ min: 2, max: 4 })
  })

  it('never lets the ceiling pass orchestrator.concurrency', () => {
    expect(sizeBounds({ size: 2, max_size: 16 }, 4)).toEqual({ min: 2, max: 4 })
  })

  it('keeps the floor asked for when the ceiling is below it', () => {
    expect(sizeBounds({ size: 3, max_size: 8 }, 1)).toEqual({ min: 3, max: 3 })
    expect(sizeBounds({ size: 3, max_size: 1 }, 8)).toEqual({ min: 3, max: 3 })
  })
})
