import { describe, expect, it } from 'vitest'
import type { ContainerEngine } from '../engine/container-engine.js'
import { ConfigError } from '../errors.js'
import { Sandbox } from './sandbox.js'

/** Never reached: a bad config is refused before the engine is used. */
const engine = new Proxy({} as ContainerEngine, {
  get: () => {
    throw new Error('the engine was used')
  },
})

describe('Sandbox.create', () => {
  it('refuses a bad config object with a ConfigError naming the key, not a ZodError', async () => {
    const created = Sandbox.create({
      engine,
      // A JavaScript caller, or one that cast its way past the types.
      config: { code_execution: { limits: { memory_mb: 'lots' } } } as never,
    })
    await expect(created).rejects.toThrow(ConfigError)
    await expect(created).rejects.toMatchObject({
      code: 'config_invalid',
      message:
        'Invalid configuration in Sandbox.create({ config }):\n  Sandbox.create({ config }): code_execution.limits.memory_mb: expected a number, got the string "lots" (write the number without quotes or units)',
    })
  })

  it('refuses an unknown key, listing the keys it could have been', async () => {
    await expect(
      Sandbox.create({ engine, config: { code_execution: { timeout: 5 } } as never }),
    ).rejects.toThrow(
      /code_execution\.timeout: unknown key; expected one of: allow_dangerous_operations, /,
    )
  })
})
