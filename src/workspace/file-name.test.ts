import { describe, expect, it } from 'vitest'
import { assertSafeNames, MAX_INPUT_DIRECTORIES, MAX_NAME_DEPTH } from './file-name.js'

const deep = (levels: number, prefix = 'd'): string =>
  [...Array.from({ length: levels }, () => 'a'), 'f'].join('/').replace(/^/, `${prefix}/`)

describe('assertSafeNames', () => {
  it('refuses a name deeper than MAX_NAME_DEPTH levels, naming the field', () => {
    expect(() => assertSafeNames([deep(MAX_NAME_DEPTH - 1)])).not.toThrow()
    expect(() => assertSafeNames(['ok.txt', deep(MAX_NAME_DEPTH)])).toThrow(
      `Invalid \`files[1].name\` "${deep(MAX_NAME_DEPTH)}": expected at most ${MAX_NAME_DEPTH} directory levels`,
    )
  })

  it('refuses names that together make more than MAX_INPUT_DIRECTORIES directories', () => {
    const names = Array.from({ length: 1_000 }, (_, i) => deep(MAX_NAME_DEPTH - 1, `d${i}`))
    expect(() => assertSafeNames(names)).toThrow(
      `Invalid \`files\`: the names make more than ${MAX_INPUT_DIRECTORIES} directories`,
    )
  })

  it('tells a file from a directory whichever comes first', () => {
    expect(() => assertSafeNames(['a/b', 'a/b/c'])).toThrow(
      'Invalid `files[1].name`: "a/b" is both a file and the directory of "a/b/c"',
    )
    expect(() => assertSafeNames(['a/b/c', 'a/b'])).toThrow(
      'Invalid `files[0].name`: "a/b" is both a file and the directory of "a/b/c"',
    )
    expect(() => assertSafeNames(['a/b/c', 'a/b/d', 'a/e'])).not.toThrow()
  })

  it('refuses the attack request (1,000 names of ~508 segments) at its first name', () => {
    // Before: every prefix of every name was joined into one Set (O(files × depth²)); the
    // server died of heap exhaustion. Now the depth rule ends it at the first name.
    const segments = Array.from({ length: 508 }, () => 'a').join('/')
    const names = Array.from({ length: 1_000 }, (_, i) => `d${i}/${segments}`)
    expect(() => assertSafeNames(names)).toThrow(/^Invalid `files\[0\]\.name`.*directory levels$/)
    const shallow = Array.from({ length: 1_000 }, (_, i) => `d${i}/${deep(20)}`)
    expect(() => assertSafeNames(shallow)).toThrow(/more than 10000 directories/)
  })
})
