import { describe, expect, it } from 'vitest'
import { CodeOutput } from './code-output.js'

const markers = { stdoutSuffix: '\x1eend SECRET\n', stderrLinePrefix: '\x1eresult SECRET ' }
const FRAME = (json: string) => `\n\x1eresult SECRET ${json}\n`

function outputOf(
  chunks: readonly ['stdout' | 'stderr', string][],
  limitBytes = 1_000,
  reportBytes = 1_000,
) {
  let overflows = 0
  const streamed = { stdout: '', stderr: '' }
  const output = new CodeOutput({
    limitBytes,
    markers,
    reportBytes,
    onOverflow: () => overflows++,
    onKept: (stream, chunk) => {
      streamed[stream] += chunk.toString('utf8')
    },
  })
  for (const [stream, text] of chunks) output.push(stream, Buffer.from(text))
  output.end()
  return { output, overflows, streamed }
}

describe('CodeOutput', () => {
  it('takes the markers out and keeps the last report beside the output', () => {
    const { output, streamed } = outputOf([
      ['stdout', 'hi\n\x1eend SECRET\n'],
      ['stderr', `warn\n${FRAME('{"exitCode":3}')}`],
    ])
    expect([output.text('stdout'), output.text('stderr'), output.report]).toEqual([
      'hi\n',
      'warn\n',
      '{"exitCode":3}',
    ])
    expect(streamed).toEqual({ stdout: 'hi\n', stderr: 'warn\n' })
  })

  it('keeps marker-shaped text without the secret as the code wrote it', () => {
    const forged = `\x1eend x\n${FRAME('{"exitCode":0}').replace('SECRET', 'GUESS')}`
    const { output } = outputOf([
      ['stdout', forged],
      ['stderr', forged],
    ])
    expect([output.text('stdout'), output.text('stderr'), output.report]).toEqual([
      forged,
      forged,
      undefined,
    ])
  })

  it('holds the code to the cap on every surface, the report not counted', () => {
    const { output, overflows, streamed } = outputOf(
      [
        ['stderr', 'e'.repeat(700)],
        ['stderr', `${FRAME(`{"big":"${'x'.repeat(900)}"}`)}`],
      ],
      1_000,
      2_000,
    )
    expect([output.text('stderr'), output.truncated('stderr'), overflows]).toEqual([
      'e'.repeat(700),
      false,
      0,
    ])
    expect(output.report).toHaveLength(910)
    expect(streamed.stderr).toBe('e'.repeat(700))
    const over = outputOf([['stderr', 'e'.repeat(3_000)]], 1_000)
    expect([over.output.text('stderr').length, over.streamed.stderr.length]).toEqual([1_000, 1_000])
    expect([over.output.truncated('stderr'), over.overflows]).toEqual([true, 1])
  })

  it('passes multi-byte characters whole, however the chunks cut them', () => {
    const text = 'héllo wörld ✓\n'
    const bytes = Buffer.from(text)
    const output = new CodeOutput({
      limitBytes: 100,
      markers,
      reportBytes: 0,
      onOverflow: () => {},
    })
    for (const byte of bytes) output.push('stdout', Buffer.from([byte]))
    output.end()
    expect(output.text('stdout')).toBe(text)
  })
})
