import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { checkPolicy } from '../../src/policy/index.js'
import { guardSettings } from '../../src/policy/runtime-guard.js'
import { sandboxTest } from '../support/sandbox-fixture.js'
import { BYPASS_ATTEMPTS } from './bypass-attempts.js'
import { guardHarness, readHarnessOutput } from './guard-harness.js'

const defaults = configSchema.parse({}).code_execution

const staticRules = (code: string): string[] => [
  ...new Set(checkPolicy(code, defaults).violations.map((violation) => violation.rule)),
]

describe('bypass attempts under the default config', () => {
  it('has at least 60 attempts, each refused by at least one layer', () => {
    expect(BYPASS_ATTEMPTS.length).toBeGreaterThanOrEqual(60)
    for (const attempt of BYPASS_ATTEMPTS) {
      expect(attempt.static.length > 0 || attempt.runtime !== null, attempt.name).toBe(true)
    }
  })

  describe('the static layer', () => {
    for (const attempt of BYPASS_ATTEMPTS) {
      it(`${attempt.family}: ${attempt.name}`, () => {
        expect(staticRules(attempt.code)).toEqual(attempt.static)
      })
    }
  })

  describe('the runtime guard, in one container', () => {
    // The harness runs unguarded and forks one guarded child per payload.
    sandboxTest.override({
      configOverrides: {
        code_execution: { allow_dangerous_operations: true, timeout_seconds: 60 },
      },
    })

    sandboxTest(
      'refuses exactly the attempts marked runtime, with the expected event',
      async ({ sandbox }) => {
        const settings = guardSettings(defaults)
        if (settings === null) throw new Error('the default config has a guard')
        const payloads = BYPASS_ATTEMPTS.map((attempt) => attempt.code)
        const result = await sandbox.execute({ code: guardHarness(settings, payloads) })
        expect(result.status, result.stderr).toBe('ok')
        const outcomes = readHarnessOutput(result.stdout)
        const observed = BYPASS_ATTEMPTS.map((attempt, index) => {
          const [rule, event] = outcomes[index] ?? [null, 'missing']
          return `${attempt.family}: ${attempt.name} → ${rule === null ? 'runs' : `${rule} ${event}`}`
        })
        const expected = BYPASS_ATTEMPTS.map(
          (attempt) =>
            `${attempt.family}: ${attempt.name} → ${attempt.runtime === null ? 'runs' : attempt.runtime.join(' ')}`,
        )
        expect(observed).toEqual(expected)
      },
    )
  })
})
