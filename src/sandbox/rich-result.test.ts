import { describe, expect, it } from 'vitest'
import { readRichResult } from './rich-result.js'

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(16),
]).toString('base64')
const chart = (base64: string, name = 'figure-1.png') => ({
  type: 'image/png',
  name,
  width: 640,
  height: 480,
  base64,
})

describe('readRichResult', () => {
  it('reads a value and a chart', () => {
    const read = readRichResult({
      result: { repr: '42', type: 'int', reprTruncated: false },
      artifacts: [chart(PNG)],
    })
    expect(read).toEqual({
      result: { repr: '42', type: 'int', reprTruncated: false },
      artifacts: [chart(PNG)],
      artifactsTruncated: false,
    })
  })

  it('drops a "chart" that is not a PNG, and one with an unsafe name, and says so', () => {
    const gif = Buffer.from('GIF89a-not-a-png').toString('base64')
    const read = readRichResult({
      artifacts: [chart(gif), chart(PNG, '../../etc/passwd'), chart(PNG)],
    })
    expect(read.artifacts).toEqual([chart(PNG)])
    expect(read.artifactsTruncated).toBe(true)
  })

  it('ignores a malformed value rather than trusting it', () => {
    expect(readRichResult({ result: { repr: 42 } }).result).toBeNull()
    expect(readRichResult({ result: 'x', artifacts: 'y' })).toEqual({
      result: null,
      artifacts: [],
      artifactsTruncated: false,
    })
  })
})
