import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  DEADLINE_EXIT_CODE,
  IDLE_DEADLINE_ENV,
  INIT_ERROR_EXIT_CODE,
  initHeader,
  MAX_DEADLINE_MS,
} from './init-protocol.js'

const init = readFileSync(new URL('../../images/python/init.c', import.meta.url), 'utf8')

/** The text of `#define NAME value` in init.c. */
function define(name: string): string {
  const value = new RegExp(`^#define ${name} (.+)$`, 'm').exec(init)?.[1]
  if (value === undefined) throw new Error(`init.c has no #define ${name}`)
  return value.trim()
}

describe('the init protocol agrees with images/python/init.c', () => {
  it('passes the idle deadline in the variable the init reads', () => {
    expect(JSON.stringify(IDLE_DEADLINE_ENV)).toBe(define('IDLE_DEADLINE_ENV'))
  })

  it('reads the exit codes the init ends with', () => {
    expect(String(DEADLINE_EXIT_CODE)).toBe(define('EXIT_DEADLINE'))
    expect(String(INIT_ERROR_EXIT_CODE)).toBe(define('EXIT_INIT_ERROR'))
  })

  it('sends at most the digits the init accepts', () => {
    expect(String(MAX_DEADLINE_MS)).toBe('9'.repeat(Number(define('MAX_DEADLINE_DIGITS'))))
    expect(initHeader(MAX_DEADLINE_MS)).toBe(`${'9'.repeat(9)}\n`)
  })
})
