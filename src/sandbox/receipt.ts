import { createHash } from 'node:crypto'
import { configDigest } from '../config/config-digest.js'
import type { CodeExecutionConfig, LimitsConfig } from '../config/schema.js'

/**
 * What an execution was checked and run under, for an audit trail: enough to tell later
 * which code ran, under which policy, in which image and runtime, with which limits.
 */
export interface ExecutionReceipt {
  /** sha256 of the code as UTF-8. */
  readonly codeSha256: string
  /** sha256 of the setup code as UTF-8; only when the request had setup code. */
  readonly setupCodeSha256?: string
  /** sha256 of the effective `code_execution` section (canonical JSON). */
  readonly configSha256: string
  /** The image the container was created from (`sha256:…`); null when no container ran. */
  readonly imageId: string | null
  /** The OCI runtime (`runc`, `runsc`); null when no container ran. */
  readonly runtime: string | null
  readonly timeoutSeconds: number
  /** The limits applied: the configured ones, lowered where the request asked. */
  readonly limits: LimitsConfig
}

export interface ReceiptInput {
  readonly code: string
  readonly setupCode?: string | undefined
  readonly settings: CodeExecutionConfig
  readonly imageId: string | null
  readonly runtime: string | null
  readonly timeoutSeconds: number
  readonly limits: LimitsConfig
}

export function buildReceipt(input: ReceiptInput): ExecutionReceipt {
  return {
    codeSha256: sha256(input.code),
    ...(input.setupCode === undefined ? {} : { setupCodeSha256: sha256(input.setupCode) }),
    configSha256: configDigest(input.settings),
    imageId: input.imageId,
    runtime: input.runtime,
    timeoutSeconds: input.timeoutSeconds,
    limits: { ...input.limits },
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
