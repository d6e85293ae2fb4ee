import type { CodeExecutionConfig } from '../config/schema.js'
import { DEFAULT_ALLOWED_IMPORTS, RULES } from '../policy/index.js'

/**
 * What the active config allows, in words a model can act on: the importable modules and
 * the refused operations. Without it a model learns the rules one refusal at a time.
 */
export function describePolicy(settings: CodeExecutionConfig): string {
  const limits = `Limits: ${settings.timeout_seconds} s wall clock, ${settings.limits.memory_mb} MB memory, no network, nothing kept between calls.`
  if (settings.allow_dangerous_operations) {
    return `Any import and operation is allowed (the static policy is off), inside a container without network. ${limits}`
  }
  const { file_operations, os_operations, imports } = settings.allowed_operations
  const allowed = [...DEFAULT_ALLOWED_IMPORTS, ...imports, ...(os_operations ? ['os'] : [])]
  const lifted = new Set([
    ...(file_operations ? ['file_operations'] : []),
    ...(os_operations ? ['os_operations'] : []),
  ])
  const refused = Object.values(RULES)
    .filter((rule) => rule.id !== 'import-not-allowed')
    .filter((rule) => !rule.liftedBy.some((key) => lifted.has(key)))
    .map((rule) => rule.summary)
  const files = file_operations
    ? 'open() may read and write files under /workspace and /tmp.'
    : 'File access (open()) is not allowed.'
  return [
    `Allowed imports: ${[...new Set(allowed)].join(', ')}; any other import is refused.`,
    `Refused before running: ${refused.join('; ')}.`,
    files,
    limits,
  ].join('\n')
}
