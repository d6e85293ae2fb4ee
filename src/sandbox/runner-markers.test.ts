import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { READY_MARKER } from '../engine/container-spec.js'
import { newRunnerMarkers } from './runner-markers.js'

const runner = readFileSync(new URL('../../images/python/runner.py', import.meta.url), 'utf8')

/** The value of a top-level `NAME = "..."` in runner.py, its escapes decoded. */
function pythonString(name: string): string {
  const literal = new RegExp(`^${name} = "((?:[^"\\\\]|\\\\.)*)"$`, 'm').exec(runner)?.[1]
  if (literal === undefined) throw new Error(`runner.py has no ${name} = "..."`)
  return literal.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, sequence: string) => {
    if (sequence.startsWith('x') && sequence.length === 3)
      return String.fromCharCode(Number.parseInt(sequence.slice(1), 16))
    const simple: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"' }
    const decoded = simple[sequence]
    if (decoded === undefined) throw new Error(`unexpected escape \\${sequence} in ${name}`)
    return decoded
  })
}

describe('the markers agree with images/python/runner.py', () => {
  it('ends stdout with END_MARKER and the secret, as the runner writes it', () => {
    expect(newRunnerMarkers('s3cret').end).toBe(`${pythonString('END_MARKER')}s3cret\n`)
  })

  it('begins the result frame with FRAME_MARKER and the secret, as the runner writes it', () => {
    expect(newRunnerMarkers('s3cret').frame).toBe(`\n${pythonString('FRAME_MARKER')}s3cret `)
  })

  it('waits for the READY_MARKER a warm runner writes', () => {
    expect(READY_MARKER).toBe(pythonString('READY_MARKER'))
  })
})
