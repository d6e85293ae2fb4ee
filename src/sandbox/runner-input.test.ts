import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { guardSettings } from '../policy/runtime-guard.js'
import { SOURCE_PARTS } from '../policy/runtime-violation.js'
import { runnerInput } from './runner-input.js'

const runner = readFileSync(new URL('../../images/python/runner.py', import.meta.url), 'utf8')
const settings = configSchema.parse({}).code_execution
const { limits } = settings
const SECRET = 'a'.repeat(32)

describe('runnerInput', () => {
  it('carries setup code only when there is some', () => {
    const plain = JSON.parse(runnerInput({ code: 'print(1)' }, limits, SECRET)) as object
    expect(plain).not.toHaveProperty('setupCode')
    const setup = JSON.parse(
      runnerInput({ code: 'print(x)', setupCode: 'x = 1' }, limits, SECRET),
    ) as object
    expect(setup).toMatchObject({ code: 'print(x)', setupCode: 'x = 1' })
  })
})

describe('the runner input agrees with images/python/runner.py', () => {
  it('has every key it writes read by the runner', () => {
    const input = JSON.parse(
      runnerInput({ code: '', setupCode: 'x' }, limits, SECRET, guardSettings(settings)),
    ) as object
    for (const key of Object.keys(input)) {
      expect(runner, `runner.py reads "${key}"`).toMatch(
        new RegExp(`request(\\.get|\\.pop)?[[(]"${key}"|"${key}" in request`),
      )
    }
  })

  it('names the part a runtime refusal is in as the host does', () => {
    const written = /violation\["part"\] = "(\w+)" if .* else "(\w+)"/.exec(runner)?.slice(1)
    expect(written).toStrictEqual([...SOURCE_PARTS])
  })
})
