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

/**
 * The runtime the container suites run under: `runc` by default; `make test-runsc` sets
 * TINYAGENT_TEST_RUNTIME=runsc to run the same suites under gVisor.
 */
export const TEST_RUNTIME = process.env.TINYAGENT_TEST_RUNTIME ?? 'runc'

/** A config for tests: the defaults, the test runtime, a unique instance id, and any overrides. */
export function testConfig(overrides: ConfigInput = {}): SandboxConfig {
  const base = configSchema.parse(overrides)
  return {
    ...base,
    code_execution: {
      ...base.code_execution,
      runtime: overrides.code_execution?.runtime ?? TEST_RUNTIME,
    },
    // Cold by default, so "no container left after this execution" holds the moment it
    // returns; the warm pool's own tests turn it on. A fixed size unless a test asks for
    // `max_size`, so tests can count the containers a pool keeps.
    pool: {
      ...base.pool,
      size: overrides.pool?.size ?? 0,
      max_size: overrides.pool?.max_size ?? overrides.pool?.size ?? 0,
    },
    orchestrator: {
      ...base.orchestrator,
      instance_id: `${testInstancePrefix()}${randomUUID().slice(0, 8)}`,
    },
  }
}
