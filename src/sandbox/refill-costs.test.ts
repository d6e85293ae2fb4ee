import { describe, expect, it } from 'vitest'
import { RefillCosts } from './refill-costs.js'

describe('RefillCosts', () => {
  it('measures the import cost as the difference between preloaded and plain refills', () => {
    const costs = new RefillCosts()
    costs.record(false, 200)
    costs.record(true, 600)
    expect(costs.estimate()).toMatchObject({ plainMs: 200, importMs: 400 })
  })

  it('follows a change of pace, the newest refills weighing most', () => {
    const costs = new RefillCosts()
    costs.record(false, 200)
    for (let i = 0; i < 5; i++) costs.record(false, 1_000)
    // 1000 − 800 × 0.7⁵
    expect(costs.estimate().plainMs).toBeCloseTo(865.54, 1)
  })

  it('counts a whole preloaded refill as import cost until a plain one is measured', () => {
    const costs = new RefillCosts()
    costs.record(true, 900)
    expect(costs.estimate()).toMatchObject({ plainMs: 0, importMs: 900, refillMs: 900 })
  })

  it('never reports a negative import cost when loaded refills ran slower', () => {
    const costs = new RefillCosts()
    costs.record(true, 300)
    costs.record(false, 500)
    expect(costs.estimate().importMs).toBe(0)
  })

  it('assumes a slow machine before anything is measured', () => {
    expect(new RefillCosts().estimate()).toEqual({
      plainMs: 500,
      importMs: 1_000,
      refillMs: 1_500,
      importStale: false,
    })
  })

  it('calls the import cost stale after five plain refills since the last preloaded one', () => {
    const costs = new RefillCosts()
    costs.record(true, 900)
    for (let i = 0; i < 4; i++) costs.record(false, 300)
    expect(costs.estimate().importStale).toBe(false)
    costs.record(false, 300)
    expect(costs.estimate().importStale).toBe(true)
    costs.record(true, 700)
    expect(costs.estimate().importStale).toBe(false)
  })
})
