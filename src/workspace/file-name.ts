import { InvalidArgumentError } from '../errors.js'

const MAX_NAME_BYTES = 1_024
const MAX_SEGMENT_BYTES = 255

/**
 * Why a workspace file name is unsafe, or undefined when it is fine. Names are relative
 * POSIX paths inside the workspace: no absolute paths, no `..` or `.` segments, no empty
 * segments, no backslashes or control characters.
 */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'expected a non-empty name'
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `expected at most ${MAX_NAME_BYTES} bytes`
  if (name.startsWith('/')) return 'expected a relative path, got an absolute one'
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return 'expected no control characters or backslashes'
  for (const segment of name.split('/')) {
    if (segment === '') return 'expected no empty path segments (`//` or a trailing `/`)'
    if (segment === '.' || segment === '..') return 'expected no `.` or `..` segments'
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      return `expected segments of at most ${MAX_SEGMENT_BYTES} bytes`
  }
  return undefined
}

/**
 * Checks a list of names as a whole: each is safe, none repeats, and none is both a file
 * and the directory of another. Throws an error naming the field, e.g. `files[2].name`.
 */
export function assertSafeNames(names: readonly string[], field = 'files'): void {
  const seen = new Set<string>()
  names.forEach((name, index) => {
    const reason = unsafeNameReason(name)
    if (reason !== undefined) {
      throw new InvalidArgumentError(
        `Invalid \`${field}[${index}].name\` ${JSON.stringify(name)}: ${reason}`,
      )
    }
    if (seen.has(name))
      throw new InvalidArgumentError(
        `Invalid \`${field}[${index}].name\`: ${JSON.stringify(name)} is given twice`,
      )
    seen.add(name)
  })
  names.forEach((name, index) => {
    const segments = name.split('/')
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/')
      if (seen.has(parent)) {
        throw new InvalidArgumentError(
          `Invalid \`${field}[${index}].name\`: ${JSON.stringify(parent)} is both a file and the directory of ${JSON.stringify(name)}`,
        )
      }
    }
  })
}
