import { describe, expect, it } from 'vitest'
import { Metrics } from './metrics.js'

const gauges = { queueDepth: 0, running: 1, workers: 1, lostJobs: 0 }

describe('Metrics', () => {
  it("shows the warm pool's takes by what they found, its target size and what is ready", () => {
    const text = new Metrics().render({
      ...gauges,
      pool: { ready: 3, targetSize: 4, takes: { preloaded: 7, plain: 2, none: 1 }, waits: 3 },
    })
    expect(text.split('\n').filter((line) => line.startsWith('tinyagent_sandbox_pool'))).toEqual([
      'tinyagent_sandbox_pool_takes_total{ready="preloaded"} 7',
      'tinyagent_sandbox_pool_takes_total{ready="plain"} 2',
      'tinyagent_sandbox_pool_takes_total{ready="none"} 1',
      'tinyagent_sandbox_pool_waits_total 3',
      'tinyagent_sandbox_pool_target_size 4',
      'tinyagent_sandbox_pool_ready 3',
    ])
  })

  it('leaves the pool out when the executor has none', () => {
    expect(new Metrics().render(gauges)).not.toContain('tinyagent_sandbox_pool')
  })
})
