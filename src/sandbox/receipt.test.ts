import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { configDigest } from '../config/config-digest.js'
import { configSchema } from '../config/schema.js'
import { buildReceipt } from './receipt.js'

describe('buildReceipt', () => {
  const settings = configSchema.parse({}).code_execution
  const limits = { ...settings.limits, memory_mb: 128 }
  const code = 'print("héllo ✓")\n'
  const receipt = buildReceipt({
    code,
    settings,
    imageId: `sha256:${'a'.repeat(64)}`,
    runtime: 'runsc',
    timeoutSeconds: 2,
    limits,
  })

  it('hashes the code as UTF-8', () => {
    expect(receipt.codeSha256).toBe(
      createHash('sha256').update(Buffer.from(code, 'utf8')).digest('hex'),
    )
  })

  it('hashes the effective code_execution section with configDigest', () => {
    expect(receipt.configSha256).toBe(configDigest(settings))
  })

  it('copies the image, runtime, timeout and limits it was given', () => {
    expect(receipt).toMatchObject({
      imageId: `sha256:${'a'.repeat(64)}`,
      runtime: 'runsc',
      timeoutSeconds: 2,
      limits,
    })
    expect(receipt.limits).not.toBe(limits)
  })
})
