import { describe, expect, it } from 'vitest'
import { rebindingRefusal } from './rebinding-guard.js'

describe('rebindingRefusal', () => {
  it.each([
    ['127.0.0.1:8080', undefined],
    ['localhost:8080', 'http://localhost:6274'],
    ['LOCALHOST', 'https://127.0.0.1'],
    ['[::1]:8080', 'http://[::1]:3000'],
    ['127.0.0.2', undefined],
  ])('lets Host %s with Origin %s pass', (host, origin) => {
    expect(rebindingRefusal({ host, origin })).toBeUndefined()
  })

  it('refuses a Host that names another machine, or none', () => {
    expect(rebindingRefusal({ host: 'attacker.example:8080' })).toBe(
      'Invalid Host header `attacker.example:8080`: this server is bound to loopback and only answers requests for localhost, 127.0.0.1 or [::1].',
    )
    expect(rebindingRefusal({ host: 'localhost.attacker.example' })).toMatch(/^Invalid Host/)
    expect(rebindingRefusal({})).toMatch(/^Invalid Host header ``/)
  })

  it('refuses an Origin that is not a loopback http(s) site', () => {
    for (const origin of [
      'http://attacker.example',
      'null',
      'file://',
      'http://127.0.0.1.nip.io',
    ]) {
      expect(rebindingRefusal({ host: '127.0.0.1:8080', origin })).toBe(
        `Invalid Origin header \`${origin}\`: this server is bound to loopback and only answers pages served from localhost, 127.0.0.1 or [::1].`,
      )
    }
  })
})
