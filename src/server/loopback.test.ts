import { describe, expect, it } from 'vitest'
import { isLoopbackHost } from './loopback.js'

describe('isLoopbackHost', () => {
  it('accepts only addresses this machine alone can reach', () => {
    const hosts = [
      '127.0.0.1',
      '127.8.9.10',
      'localhost',
      '::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '128.0.0.1',
      'example.com',
    ]
    expect(hosts.filter(isLoopbackHost)).toStrictEqual([
      '127.0.0.1',
      '127.8.9.10',
      'localhost',
      '::1',
      '::ffff:127.0.0.1',
    ])
  })
})
