import { configDefaults, defineConfig } from 'vitest/config'

/**
 * Two projects: `unit` (pure logic, no engine) and `docker` (real engine, real containers).
 * The docker project's global setup fails the run when no engine or image is there; it
 * never turns those tests into skips.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          exclude: ['src/**/*.docker.test.ts'],
        },
      },
      {
        test: {
          name: 'docker',
          include: ['src/**/*.docker.test.ts', 'test/**/*.test.ts'],
          // It stops dockerd for the whole machine: alone, via `make test-engine-restart`.
          // The load suite runs for minutes: alone, via `make load`.
          // The cluster suite makes namespaces and dockerds (root): alone, via `make test-cluster`.
          exclude: [
            ...configDefaults.exclude,
            'test/faults/engine-restart.test.ts',
            'test/load/**',
            'test/cluster/**',
          ],
          globalSetup: ['test/support/docker-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Two cores: a few container tests at once, not one per file; after the unit project.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
