import { describe, expect, it } from 'vitest'
import { DemandEstimator } from './demand-estimator.js'

describe('DemandEstimator', () => {
  it('sees a steady one take a second as a rate of one a second', () => {
    const demand = new DemandEstimator()
    for (let t = 0; t <= 60_000; t += 1_000) demand.record(t, 500)
    expect(demand.ratePerMs(60_500) * 1_000).toBeCloseTo(1, 1)
  })

  it('follows a change of pace within seconds with its quick rate', () => {
    const demand = new DemandEstimator({ rateMs: 10_000 })
    demand.record(0, 500)
    for (let t = 60_000; t <= 63_000; t += 500) demand.record(t, 500)
    // Two a second for 3 s: the 10 s decay alone still says about 0.6.
    expect(demand.quickRatePerMs(63_250) * 1_000).toBeGreaterThan(1.5)
    expect(demand.ratePerMs(63_250) * 1_000).toBeLessThan(0.8)
  })

  it('lets old takes count less and less toward the rate', () => {
    const demand = new DemandEstimator({ rateMs: 10_000 })
    for (let t = 0; t <= 60_000; t += 1_000) demand.record(t, 500)
    expect(demand.ratePerMs(70_000) * 1_000).toBeCloseTo(Math.exp(-1), 1)
    expect(demand.ratePerMs(120_000) * 1_000).toBeLessThan(0.01)
  })

  it('counts takes within one refill of each other as a burst', () => {
    const demand = new DemandEstimator()
    for (const t of [0, 2, 4, 6]) demand.record(t, 500)
    expect(demand.peak(6)).toBeCloseTo(4)
    // One take a second with refills of half a second: never more than one at a time.
    const paced = new DemandEstimator()
    for (let t = 0; t <= 10_000; t += 1_000) paced.record(t, 500)
    expect(paced.peak(10_000)).toBe(1)
  })

  it('groups parallel calls even when refills are quicker than the calls are apart', () => {
    const demand = new DemandEstimator()
    for (const t of [0, 30, 60]) demand.record(t, 0)
    expect(demand.peak(60)).toBeCloseTo(3)
  })

  it('forgets a burst over about a minute, and a bigger one replaces it at once', () => {
    const demand = new DemandEstimator({ peakMs: 60_000 })
    for (let i = 0; i < 4; i++) demand.record(0, 500)
    expect(demand.peak(60_000)).toBeCloseTo(4 * Math.exp(-1))
    demand.record(60_000, 500) // a lone take does not restart the decayed peak
    expect(demand.peak(60_000)).toBeCloseTo(4 * Math.exp(-1))
    for (let i = 0; i < 3; i++) demand.record(70_000, 500)
    expect(demand.peak(70_000)).toBe(3)
  })
})
