import { describe, expect, it } from 'vitest'
import { BusyShare } from './busy-share.js'

describe('BusyShare', () => {
  it('is near 1 for an execution loop and near 0 for an agent that runs a call now and then', () => {
    const loop = new BusyShare()
    const agent = new BusyShare()
    for (let t = 0; t <= 30_000; t += 250) {
      loop.sample(t, true)
      // 30 ms of execution every 2 s: a tick 250 ms apart sees it busy one time in eight at most.
      agent.sample(t, t % 2_000 === 0)
    }
    expect(loop.value).toBeGreaterThan(0.9)
    expect(agent.value).toBeLessThan(0.2)
  })

  it('forgets a busy spell over about its time constant', () => {
    const share = new BusyShare(10_000)
    for (let t = 0; t <= 60_000; t += 250) share.sample(t, true)
    for (let t = 60_250; t <= 70_000; t += 250) share.sample(t, false)
    expect(share.value).toBeCloseTo(Math.exp(-1), 1)
  })

  it('weighs each sample by the time it stands for', () => {
    const share = new BusyShare(10_000)
    share.sample(0, false)
    share.sample(10_000, true)
    expect(share.value).toBeCloseTo(1 - Math.exp(-1))
    share.sample(10_000, false) // no time passed: nothing changes
    expect(share.value).toBeCloseTo(1 - Math.exp(-1))
  })
})
