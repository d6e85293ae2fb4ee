import { beforeAll, describe, expect, it } from 'vitest'
import { assertCliBuilt, REPO_ROOT } from '../support/cli.js'
import { loadedPackages } from '../support/loaded-packages.js'

/** What each entry point must never load (docs/library.md): a fresh `node` imports it alone. */
const NEVER: Record<string, readonly string[]> = {
  'tinyagent-sandbox/policy': [
    'dockerode',
    'winston',
    'fastify',
    '@modelcontextprotocol/sdk',
    'bullmq',
    'ioredis',
    'zod',
    'yaml',
  ],
  'tinyagent-sandbox': [
    'dockerode',
    'winston',
    'fastify',
    '@modelcontextprotocol/sdk',
    'bullmq',
    'ioredis',
  ],
  'tinyagent-sandbox/mcp': ['dockerode', 'winston', 'fastify', 'bullmq', 'ioredis'],
  'tinyagent-sandbox/server': ['dockerode', 'winston', 'bullmq'],
  'tinyagent-sandbox/queue': ['dockerode', 'winston', 'fastify', '@modelcontextprotocol/sdk'],
}

/** The package resolves itself by name through its `exports` map, so this proves dist/ as shipped. */
const FROM_PACKAGE = { cwd: REPO_ROOT }

describe('what each entry point loads', () => {
  beforeAll(assertCliBuilt)

  for (const [entry, never] of Object.entries(NEVER)) {
    it(`${entry} loads none of ${never.join(', ')}`, async () => {
      const loaded = await loadedPackages(entry, FROM_PACKAGE)
      expect(loaded.filter((name) => never.includes(name))).toEqual([])
    })
  }

  it('the policy loads the Python parser and nothing else', async () => {
    expect(await loadedPackages('tinyagent-sandbox/policy', FROM_PACKAGE)).toEqual([
      '@lezer/common',
      '@lezer/highlight',
      '@lezer/lr',
      '@lezer/python',
    ])
  })

  it('the core loads dockerode when the first DockerEngine is made, and winston on createLogger', async () => {
    const loaded = await loadedPackages('tinyagent-sandbox', {
      ...FROM_PACKAGE,
      afterImport: "new entry.DockerEngine(); entry.createLogger('warn')",
    })
    expect(loaded).toContain('dockerode')
    expect(loaded).toContain('winston')
  })

  it('each entry loads what it is for', async () => {
    expect(await loadedPackages('tinyagent-sandbox/server', FROM_PACKAGE)).toContain('fastify')
    expect(await loadedPackages('tinyagent-sandbox/mcp', FROM_PACKAGE)).toContain(
      '@modelcontextprotocol/sdk',
    )
    expect(await loadedPackages('tinyagent-sandbox/queue', FROM_PACKAGE)).toEqual(
      expect.arrayContaining(['bullmq', 'ioredis']),
    )
  })
})
