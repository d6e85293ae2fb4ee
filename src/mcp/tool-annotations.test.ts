import { describe, expect, it } from 'vitest'
import { type CodeExecutionConfig, configSchema } from '../config/schema.js'
import { anonCoderAnnotations } from './tool-annotations.js'

const defaults = configSchema.parse({}).code_execution

function settings(overrides: Partial<CodeExecutionConfig>): CodeExecutionConfig {
  return { ...defaults, ...overrides }
}

const mount = { source: '/srv/data', target: '/mnt/data' }

describe('anonCoderAnnotations', () => {
  it('calls the tool read-only and closed-world under the default config', () => {
    expect(anonCoderAnnotations(defaults)).toStrictEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    })
  })

  it('drops read-only when file operations are on, without calling the tool destructive', () => {
    const files = settings({
      allowed_operations: { ...defaults.allowed_operations, file_operations: true },
      mounts: [{ ...mount, read_only: true }],
    })
    expect(anonCoderAnnotations(files)).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
    })
  })

  it('drops read-only when allow_dangerous_operations turns the policy off', () => {
    expect(anonCoderAnnotations(settings({ allow_dangerous_operations: true }))).toMatchObject({
      readOnlyHint: false,
      openWorldHint: false,
    })
  })

  it('calls the tool destructive when a mount is writable: host files can be overwritten', () => {
    const writable = settings({
      allowed_operations: { ...defaults.allowed_operations, file_operations: true },
      mounts: [{ ...mount, read_only: false }],
    })
    expect(anonCoderAnnotations(writable)).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
    })
  })
})
