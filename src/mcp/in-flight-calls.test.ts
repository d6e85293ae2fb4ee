import { describe, expect, it } from 'vitest'
import { InFlightCalls } from './in-flight-calls.js'

describe('InFlightCalls', () => {
  it('cancels the one call of the client with that id', () => {
    const calls = new InFlightCalls()
    const cancelled: string[] = []
    calls.add('key:a', 3, () => cancelled.push('a3'))
    calls.add('key:b', 3, () => cancelled.push('b3'))
    calls.add('key:a', '3', () => cancelled.push('a"3"'))
    expect(calls.cancel('key:a', 3)).toBe(true)
    expect(cancelled).toStrictEqual(['a3'])
  })

  it('cancels neither of two calls of one client that share an id', () => {
    const calls = new InFlightCalls()
    const cancelled: string[] = []
    const cancel = () => cancelled.push('x')
    calls.add('anonymous', 1, cancel)
    const remove = calls.add('anonymous', 1, cancel)
    expect(calls.cancel('anonymous', 1)).toBe(false)
    expect(cancelled).toStrictEqual([])
    remove()
    expect(calls.cancel('anonymous', 1)).toBe(true)
    expect(cancelled).toStrictEqual(['x'])
  })

  it('forgets a call once it is removed', () => {
    const calls = new InFlightCalls()
    const remove = calls.add('anonymous', 1, () => {
      throw new Error('cancelled after it ended')
    })
    remove()
    remove()
    expect(calls.cancel('anonymous', 1)).toBe(false)
    expect(calls.size).toBe(0)
  })
})
