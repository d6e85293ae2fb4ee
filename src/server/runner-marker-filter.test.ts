import { describe, expect, it } from 'vitest'
import { END_MARKER, FRAME_MARKER } from '../sandbox/runner-frame.js'
import { RunnerMarkerFilter } from './runner-marker-filter.js'

const FRAME = `${FRAME_MARKER}{"exitCode":0,"error":null}\n`

function run(chunks: readonly string[], marker = FRAME_MARKER): string[] {
  const filter = new RunnerMarkerFilter(marker)
  return [...chunks.map((chunk) => filter.push(chunk)), filter.flush()]
}

describe('RunnerMarkerFilter', () => {
  it('passes ordinary output through at once, newlines included', () => {
    expect(run(['warning\n', 'more\n'])).toStrictEqual(['warning\n', 'more\n', ''])
  })

  it('drops the frame and its leading newline when they arrive in one chunk', () => {
    expect(run(['b\n', FRAME])).toStrictEqual(['b\n', '', ''])
    expect(run([`b\n${FRAME}`])).toStrictEqual(['b\n', ''])
  })

  it('holds back a record marker split across chunks and drops it once complete', () => {
    expect(run(['b\n\n\x1etinyagent-', 'result {"exitCode":0}\n'])).toStrictEqual(['b\n', '', ''])
  })

  it('releases held text at the end when no frame followed (the process was killed)', () => {
    expect(run(['b\x1etiny'])).toStrictEqual(['b', '\x1etiny'])
  })

  it('drops everything after the frame', () => {
    expect(run([FRAME, 'late\n'])).toStrictEqual(['', '', ''])
  })

  it('drops the stdout end marker, keeping the newline before it (the program printed it)', () => {
    expect(run(['c\n', END_MARKER], END_MARKER)).toStrictEqual(['c\n', '', ''])
    expect(run([`c\n${END_MARKER}`], END_MARKER)).toStrictEqual(['c\n', ''])
    expect(run(['c\n\x1etinyagent-', 'end\n'], END_MARKER)).toStrictEqual(['c\n', '', ''])
  })
})
