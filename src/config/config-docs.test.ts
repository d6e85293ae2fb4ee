import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { renderConfigDocs } from './config-docs.js'

describe('docs/configuration.md', () => {
  it('matches the schema (run `make docs` after changing src/config/schema.ts)', async () => {
    const written = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
    expect(written).toBe(renderConfigDocs())
  })

  it('documents every seed key', () => {
    const docs = renderConfigDocs()
    for (const key of [
      'code_execution.allow_dangerous_operations',
      'code_execution.allowed_operations.file_operations',
      'code_execution.allowed_operations.os_operations',
      'code_execution.allowed_operations.imports',
    ]) {
      expect(docs).toContain(`| \`${key}\` |`)
    }
  })
})
