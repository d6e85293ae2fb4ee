import type { SourcePart } from '../policy/types.js'

/**
 * With setup code, a position in a message says which source it counts in (`setup code 2:1`,
 * `code 2:1`); without, it reads as it always has (`2:1`).
 */
export function partPrefix(part: SourcePart | undefined): string {
  if (part === undefined) return ''
  return part === 'setupCode' ? 'setup code ' : 'code '
}
