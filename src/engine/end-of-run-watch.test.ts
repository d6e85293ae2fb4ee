import { describe, expect, it } from 'vitest'
import { EndOfRunWatch } from './end-of-run-watch.js'

const markers = { stdoutSuffix: '\x1eend S\n', stderrLinePrefix: '\x1eresult S ' }

function watchOf(chunks: readonly ['stdout' | 'stderr', string][]): EndOfRunWatch {
  const watch = new EndOfRunWatch(markers)
  for (const [stream, text] of chunks) watch.push(stream, Buffer.from(text))
  return watch
}

describe('EndOfRunWatch', () => {
  it('is complete once stdout ends with the suffix and stderr ends with a whole frame line', () => {
    expect(watchOf([['stdout', 'hi\n\x1eend S\n']]).complete).toBe(false)
    expect(
      watchOf([
        ['stdout', 'hi\n\x1eend S\n'],
        ['stderr', 'warn\n\n\x1eresult S {"exitCode":0}\n'],
      ]).complete,
    ).toBe(true)
  })

  it('finds markers split across any chunking, one byte at a time included', () => {
    const watch = new EndOfRunWatch(markers)
    for (const byte of Buffer.from('x\x1eend S\n')) watch.push('stdout', Buffer.from([byte]))
    for (const byte of Buffer.from('a\n\n\x1eresult S {"a":1}\n'))
      watch.push('stderr', Buffer.from([byte]))
    expect(watch.complete).toBe(true)
  })

  it('is not complete while the frame line is unfinished, or once output follows it', () => {
    expect(
      watchOf([
        ['stdout', '\x1eend S\n'],
        ['stderr', '\n\x1eresult S {"exit'],
      ]).complete,
    ).toBe(false)
    expect(
      watchOf([
        ['stdout', '\x1eend S\n'],
        ['stderr', '\n\x1eresult S {}\n'],
        ['stderr', 'late\n'],
      ]).complete,
    ).toBe(false)
    expect(
      watchOf([
        ['stdout', '\x1eend S\nlate'],
        ['stderr', '\n\x1eresult S {}\n'],
      ]).complete,
    ).toBe(false)
  })

  it('ignores markers with another secret', () => {
    expect(
      watchOf([
        ['stdout', '\x1eend T\n'],
        ['stderr', '\n\x1eresult T {}\n'],
      ]).complete,
    ).toBe(false)
  })

  it('stays linear: 100,000 one-byte chunks after a frame line', () => {
    const watch = new EndOfRunWatch(markers)
    watch.push('stdout', Buffer.from('\x1eend S\n'))
    watch.push('stderr', Buffer.from('\n\x1eresult S {}\n'))
    expect(watch.complete).toBe(true)
    for (let i = 0; i < 100_000; i++) watch.push('stderr', Buffer.from('x'))
    expect(watch.complete).toBe(false)
  })
})
