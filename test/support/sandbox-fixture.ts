import { test as base } from 'vitest'
import type { ConfigInput } from '../../src/config/schema.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { CountingEngine } from './counting-engine.js'
import { testConfig } from './test-config.js'

interface Fixtures {
  engine: CountingEngine
  sandbox: Sandbox
  /** Extra config for the fixture's sandbox; override with `test.scoped` or per-file `test.extend`. */
  configOverrides: ConfigInput
}

/** A sandbox on the real engine per test, closed afterwards, with a container count at hand. */
export const sandboxTest = base.extend<Fixtures>({
  configOverrides: [{}, { injected: false }],
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from this pattern
  engine: async ({}, use) => {
    await use(new CountingEngine())
  },
  sandbox: async ({ engine, configOverrides }, use) => {
    const sandbox = await Sandbox.create({ config: testConfig(configOverrides), engine })
    try {
      await use(sandbox)
    } finally {
      await sandbox.close()
    }
  },
})
