import { describe, expect, it } from 'vitest'
import { OutputCollector } from './output-collector.js'

function write(collector: OutputCollector, text: string): void {
  collector.push(Buffer.from(text))
}

describe('OutputCollector', () => {
  it('keeps everything below the limit', () => {
    let overflows = 0
    const collector = new OutputCollector(10, () => overflows++)
    write(collector, 'hello')
    write(collector, 'world')
    expect(collector.text()).toBe('helloworld')
    expect(collector.truncated).toBe(false)
    expect(overflows).toBe(0)
  })

  it('cuts at the limit and signals the overflow exactly once', () => {
    let overflows = 0
    const collector = new OutputCollector(8, () => overflows++)
    write(collector, 'abcdef')
    write(collector, 'ghijkl')
    write(collector, 'mnop')
    expect(collector.text()).toBe('abcdefgh')
    expect(collector.truncated).toBe(true)
    expect(overflows).toBe(1)
  })
})
