import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { checkPolicy } from '../../src/policy/index.js'
import type { PolicyConfig } from '../../src/policy/types.js'
import { type CorpusFile, pythonCorpus } from '../support/python-corpus.js'

const defaults: PolicyConfig = configSchema.parse({}).code_execution
const dangerous: PolicyConfig = { ...defaults, allow_dangerous_operations: true }

/**
 * The whole standard library, and every 8th file of numpy, pandas, matplotlib and the rest of
 * the image's site-packages (all of them take over a minute on two cores): the same sample
 * each run, since the walk is sorted.
 */
const SAMPLE = {
  everyFileOf: ['/usr/lib/python3.11'],
  oneFileIn: { n: 8, of: ['/usr/lib/python3/dist-packages'] },
}

/** Where the policy and CPython disagree on "is this a syntax error", as `path (config)`. */
function disagreements(files: readonly CorpusFile[]): string[] {
  const wrong: string[] = []
  for (const file of files) {
    for (const [name, config] of [
      ['default', defaults],
      ['allow_dangerous_operations', dangerous],
    ] as const) {
      const report = checkPolicy(file.source, config)
      const refusedAsSyntax = report.syntaxErrors.length > 0
      if (refusedAsSyntax === file.valid) {
        const first = report.syntaxErrors[0]
        const where =
          first === undefined ? '' : ` at ${first.line}:${first.column} ${first.message}`
        wrong.push(`${file.path} (${name})${where}`)
      }
    }
  }
  return wrong
}

describe('the policy on the image’s own Python files', () => {
  it('calls a file a syntax error exactly when CPython’s ast.parse does', async () => {
    const files = await pythonCorpus(SAMPLE)
    expect(files.length).toBeGreaterThan(500)
    const start = performance.now()
    const wrong = disagreements(files)
    const seconds = ((performance.now() - start) / 1000).toFixed(1)
    console.info(
      `python corpus: ${files.length} files, ${files.length * 2 - wrong.length} of ${files.length * 2} checks agree with CPython, ${seconds} s`,
    )
    expect(wrong, `disagreements with CPython:\n${wrong.join('\n')}`).toEqual([])
  }, 240_000)
})
