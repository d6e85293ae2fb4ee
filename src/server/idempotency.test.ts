import { describe, expect, it } from 'vitest'
import { HttpError } from './http-errors.js'
import { idempotencyKey, requestDigest, storedError } from './idempotency.js'

describe('idempotencyKey', () => {
  it('takes 1 to 200 characters of letters, digits and . _ : -', () => {
    expect(idempotencyKey({})).toBeUndefined()
    expect(idempotencyKey({ 'idempotency-key': 'a' })).toBe('a')
    const uuid = '0b7c5a3e-1f2d-4c6b-9a8e-7d6c5b4a3f2e'
    expect(idempotencyKey({ 'idempotency-key': uuid })).toBe(uuid)
    expect(idempotencyKey({ 'idempotency-key': `Run_1.retry:${'x'.repeat(188)}` })).toHaveLength(
      200,
    )
  })

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(201)],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['non-ASCII', 'clé'],
    ['sent twice (Node joins them)', 'a, b'],
  ])('refuses a key that is %s with a 400 naming the header', (_, value) => {
    let error: unknown
    try {
      idempotencyKey({ 'idempotency-key': value })
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).toJSON()).toStrictEqual({
      error: {
        code: 'invalid_argument',
        message:
          'Invalid `Idempotency-Key` header: expected 1 to 200 characters of A-Z, a-z, 0-9, `.`, `_`, `:` and `-`, such as a UUID.',
        field: 'Idempotency-Key',
      },
    })
  })
})

describe('requestDigest', () => {
  it('is the same for the same body in another key order, and differs for another body', () => {
    const body = { code: 'print(1)', limits: { memory_mb: 128, cpus: 1 } }
    const reordered = { limits: { cpus: 1, memory_mb: 128 }, code: 'print(1)' }
    expect(requestDigest(reordered)).toBe(requestDigest(body))
    expect(requestDigest({ ...body, code: 'print(2)' })).not.toBe(requestDigest(body))
    expect(requestDigest(body)).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('storedError', () => {
  it('keeps the errors that can come after the code started', () => {
    for (const code of ['aborted', 'shut_down', 'engine_unavailable', 'internal'] as const) {
      expect(storedError(new HttpError(code, 'm'))).toStrictEqual({
        error: { code, message: new HttpError(code, 'm').message },
      })
    }
  })

  it('gives the key back for the errors that say nothing ran', () => {
    for (const code of [
      'invalid_argument',
      'queue_full',
      'queue_unavailable',
      'deadline_exceeded',
      'rate_limited',
      'quota_exceeded',
      'image_missing',
      'config_invalid',
    ] as const) {
      expect(storedError(new HttpError(code, 'm'))).toBeUndefined()
    }
  })
})
