import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * The engine-restart fault test alone: it stops dockerd for the whole machine, so it must
 * never run beside the other container suites (`make test-engine-restart`; .ci/run calls it).
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/faults/engine-restart.test.ts'],
    globalSetup: ['test/support/docker-global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
})
