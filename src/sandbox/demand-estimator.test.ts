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

  it('reads no pace into a lone take every few seconds', () => {
    const demand = new DemandEstimator({ rateMs: 10_000 })
    for (let t = 0; t <= 35_000; t += 3_500) demand.record(t, 500)
    expect(demand.quickRatePerMs(35_000)).toBe(demand.ratePerMs(35_000))
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

  it('keeps the largest burst of the last minute, then the next largest, then none', () => {
    const demand = new DemandEstimator({ peakMs: 60_000 })
    for (let i = 0; i < 4; i++) demand.record(0, 500)
    for (let i = 0; i < 2; i++) demand.record(30_000, 500)
    demand.record(50_000, 500) // a lone take does not hide the bursts before it
    expect(demand.peak(59_999)).toBe(4)
    expect(demand.peak(60_000)).toBe(2)
    expect(demand.peak(90_000)).toBe(1)
    expect(demand.peak(110_000)).toBe(0)
  })

  it('lets a bigger burst replace a smaller one at once', () => {
    const demand = new DemandEstimator({ peakMs: 60_000 })
    for (let i = 0; i < 2; i++) demand.record(0, 500)
    for (let i = 0; i < 3; i++) demand.record(10_000, 500)
    expect(demand.peak(10_000)).toBe(3)
    expect(demand.peak(69_999)).toBe(3)
  })

  it('estimates the preloaded share from the first take on, then from about the last twenty', () => {
    const demand = new DemandEstimator()
    expect(demand.preloadedShare()).toBe(1)
    demand.record(0, 500, false)
    expect(demand.preloadedShare()).toBe(0)
    for (let i = 1; i <= 40; i++) demand.record(i * 1_000, 500, i % 2 === 0)
    expect(demand.preloadedShare()).toBeGreaterThan(0.4)
    expect(demand.preloadedShare()).toBeLessThan(0.6)
    for (let i = 41; i <= 70; i++) demand.record(i * 1_000, 500, false)
    expect(demand.preloadedShare()).toBeLessThan(0.05)
    demand.record(71_000, 500) // code the pool could not read says nothing
    expect(demand.preloadedShare()).toBeLessThan(0.05)
  })
})
