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

/** Directory levels one input name may have: the output walk looks 64 deep. */
export const MAX_NAME_DEPTH = 32
/** Distinct directories all the input names of one request may create together. */
export const MAX_INPUT_DIRECTORIES = 10_000

interface Node {
  readonly children: Map<string, Node>
  file: boolean
}

/**
 * Checks a list of names as a whole: each is safe and at most MAX_NAME_DEPTH deep, none
 * repeats, none is both a file and the directory of another, and together they make at most
 * MAX_INPUT_DIRECTORIES directories. The work is one step per path segment, so it is bounded
 * by the request's size, never by the square of a name's depth. Throws an error naming the
 * field, e.g. `files[2].name`.
 */
export function assertSafeNames(names: readonly string[], field = 'files'): void {
  const seen = new Set<string>()
  names.forEach((name, index) => {
    const reason = unsafeNameReason(name) ?? depthReason(name)
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
  const root: Node = { children: new Map(), file: false }
  let directories = 0
  names.forEach((name, index) => {
    const segments = name.split('/')
    let node = root
    segments.forEach((segment, depth) => {
      if (node.file) {
        const parent = segments.slice(0, depth).join('/')
        throw new InvalidArgumentError(
          `Invalid \`${field}[${index}].name\`: ${JSON.stringify(parent)} is both a file and the directory of ${JSON.stringify(name)}`,
        )
      }
      let child = node.children.get(segment)
      if (child === undefined) {
        child = { children: new Map(), file: false }
        node.children.set(segment, child)
        if (depth < segments.length - 1 && ++directories > MAX_INPUT_DIRECTORIES)
          throw new InvalidArgumentError(
            `Invalid \`${field}\`: the names make more than ${MAX_INPUT_DIRECTORIES} directories`,
          )
      }
      node = child
    })
    if (node.children.size > 0) {
      // Named at the deeper name, as when the file comes first.
      const deeper = names.findIndex((other) => other.startsWith(`${name}/`))
      throw new InvalidArgumentError(
        `Invalid \`${field}[${deeper}].name\`: ${JSON.stringify(name)} is both a file and the directory of ${JSON.stringify(names[deeper])}`,
      )
    }
    node.file = true
  })
}

function depthReason(name: string): string | undefined {
  let slashes = 0
  for (const char of name) if (char === '/') slashes++
  return slashes > MAX_NAME_DEPTH
    ? `expected at most ${MAX_NAME_DEPTH} directory levels`
    : undefined
}
