import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { checkPolicy } from '../../src/policy/index.js'
import { sandboxTest } from '../support/sandbox-fixture.js'
import { HARMLESS_PROGRAMS, SEED_PATTERNS } from './harmless-programs.js'

const defaults = configSchema.parse({}).code_execution

/**
 * Each program in a function of its own, so all run in one container and one failure
 * still shows which program printed what.
 */
function combined(): string {
  return HARMLESS_PROGRAMS.map((program, index) => {
    const body = program.code
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n')
    return `def program_${index}():\n${body}\nprint("--- ${index}")\nprogram_${index}()\n`
  }).join('\n')
}

describe('harmless programs that a naive regex refuses', () => {
  it('has at least 30, each tripping one of the seed patterns', () => {
    expect(HARMLESS_PROGRAMS.length).toBeGreaterThanOrEqual(30)
    for (const program of HARMLESS_PROGRAMS) {
      expect(
        SEED_PATTERNS.some((pattern) => pattern.test(program.code)),
        program.name,
      ).toBe(true)
    }
  })

  for (const program of HARMLESS_PROGRAMS) {
    it(`the static policy allows ${program.name}`, () => {
      expect(checkPolicy(program.code, defaults)).toEqual({
        allowed: true,
        checked: true,
        violations: [],
        syntaxErrors: [],
      })
    })
  }

  sandboxTest(
    'all run in the container under the guard and print what they should',
    async ({ sandbox }) => {
      const result = await sandbox.execute({ code: combined() })
      expect(result.violations).toEqual([])
      expect(result.status, result.stderr).toBe('ok')
      const expected = HARMLESS_PROGRAMS.map((p, index) => `--- ${index}\n${p.stdout}`).join('')
      expect(result.stdout).toBe(expected)
    },
  )
})
