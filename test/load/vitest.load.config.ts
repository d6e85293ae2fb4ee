import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * The load suite alone (`make load`; .ci/run calls it): minutes of sustained container work
 * that would crowd every other suite off two cores, so it is not part of `make test`.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/load/**/*.test.ts'],
    globalSetup: ['test/support/docker-global-setup.ts'],
    // A hang guard only: the run itself takes a few minutes.
    testTimeout: 1_200_000,
    hookTimeout: 120_000,
  },
})
