import { randomUUID } from 'node:crypto'
import { type ConfigInput, configSchema, type SandboxConfig } from '../../src/config/schema.js'

export const TEST_IMAGE = 'tinyagent-sandbox/python'
/**
 * Test sandboxes use their own instance ids, so the leftover check and reaps never touch
 * anything else, not even another vitest run's containers (the global setup sets the run id).
 */
export function testInstancePrefix(): string {
  return `vitest-${process.env.TINYAGENT_TEST_RUN ?? 'adhoc'}-`
}

/** A config for tests: the defaults, a unique instance id, and any overrides. */
export function testConfig(overrides: ConfigInput = {}): SandboxConfig {
  const base = configSchema.parse(overrides)
  return {
    ...base,
    orchestrator: {
      ...base.orchestrator,
      instance_id: `${testInstancePrefix()}${randomUUID().slice(0, 8)}`,
    },
  }
}
