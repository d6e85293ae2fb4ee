import { describe, expect, it } from 'vitest'
import { OutputCollector } from './output-collector.js'

function write(collector: OutputCollector, text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    collector.writable.write(Buffer.from(text), (error) => (error ? reject(error) : resolve())),
  )
}

describe('OutputCollector', () => {
  it('keeps everything below the limit', async () => {
    let overflows = 0
    const collector = new OutputCollector(10, () => overflows++)
    await write(collector, 'hello')
    await write(collector, 'world')
    expect(collector.text()).toBe('helloworld')
    expect(collector.truncated).toBe(false)
    expect(overflows).toBe(0)
  })

  it('cuts at the limit and signals the overflow exactly once', async () => {
    let overflows = 0
    const collector = new OutputCollector(8, () => overflows++)
    await write(collector, 'abcdef')
    await write(collector, 'ghijkl')
    await write(collector, 'mnop')
    expect(collector.text()).toBe('abcdefgh')
    expect(collector.truncated).toBe(true)
    expect(overflows).toBe(1)
  })
})
