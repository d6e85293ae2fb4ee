import { describe, expect, it } from 'vitest'
import { ClientLimits } from './client-limits.js'
import { HttpError } from './http-errors.js'

function refusal(limits: ClientLimits, client: string): HttpError {
  try {
    limits.acquire(client)
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError)
    return error as HttpError
  }
  throw new Error('expected a refusal')
}

describe('ClientLimits', () => {
  it('refuses past the per-minute rate with Retry-After until a token is earned back', () => {
    let now = 0
    const limits = new ClientLimits({ perMinute: 2, concurrent: 10, now: () => now })
    limits.acquire('a')()
    limits.acquire('a')()
    const error = refusal(limits, 'a')
    expect([error.code, error.status, error.retryAfterSeconds]).toStrictEqual([
      'rate_limited',
      429,
      30,
    ])
    now = 30_000
    expect(() => limits.acquire('a')()).not.toThrow()
  })

  it('keeps separate buckets per client', () => {
    const limits = new ClientLimits({ perMinute: 1, concurrent: 10, now: () => 0 })
    limits.acquire('a')()
    expect(() => limits.acquire('b')()).not.toThrow()
  })

  it('refuses past the concurrency quota until a slot is released, once per release', () => {
    const limits = new ClientLimits({ perMinute: 100, concurrent: 1, now: () => 0 })
    const release = limits.acquire('a')
    expect(refusal(limits, 'a').code).toBe('quota_exceeded')
    release()
    release()
    const again = limits.acquire('a')
    expect(refusal(limits, 'a').code).toBe('quota_exceeded')
    again()
  })
})
