import { describe, expect, it } from 'vitest'
import { lookUpOnce } from './look-up-once.js'

describe('lookUpOnce', () => {
  it('looks up once for calls made before and after the answer', async () => {
    let calls = 0
    const get = lookUpOnce(async () => ++calls)
    expect(await Promise.all([get(), get()])).toEqual([1, 1])
    expect(await get()).toBe(1)
    expect(calls).toBe(1)
  })

  it('forgets a failed look-up, so the next call tries again', async () => {
    let calls = 0
    const get = lookUpOnce(async () => {
      calls++
      if (calls === 1) throw new Error('engine down')
      return 'runc'
    })
    await expect(get()).rejects.toThrow('engine down')
    expect(await get()).toBe('runc')
    expect(await get()).toBe('runc')
    expect(calls).toBe(2)
  })
})
