import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * The multi-host suite alone (`make test-cluster`, as root): network namespaces, a dockerd per
 * worker and Redis on this one machine (test/support/cluster). Each cluster copies the image
 * into every worker engine (tens of seconds), and the suites must not share the machine's two
 * cores with each other, so files run one at a time.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/support/docker-global-setup.ts', 'test/support/cluster/global-setup.ts'],
    fileParallelism: false,
    // Hang guards only: building a cluster takes about half a minute, mostly the image copy.
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
})
