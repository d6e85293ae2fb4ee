import { describe, expect, it } from 'vitest'
import { NO_RICH_RESULT } from './rich-result.js'
import { splitRunnerFrame } from './runner-frame.js'

const frame = (body: object): string => `\n\x1etinyagent-result ${JSON.stringify(body)}\n`

describe('splitRunnerFrame', () => {
  it('strips the closing frame and keeps the code own stderr intact', () => {
    const split = splitRunnerFrame(`warning: x\n${frame({ exitCode: 0, error: null })}`)
    expect(split).toEqual({
      stderr: 'warning: x\n',
      frame: { exitCode: 0, error: null, ...NO_RICH_RESULT },
    })
  })

  it('returns the exception as data', () => {
    const error = { name: 'ValueError', value: 'bad', traceback: 'Traceback...\nValueError: bad\n' }
    const split = splitRunnerFrame(
      `Traceback...\nValueError: bad\n${frame({ exitCode: 1, error })}`,
    )
    expect(split.frame).toEqual({ exitCode: 1, error, ...NO_RICH_RESULT })
    expect(split.stderr).toBe('Traceback...\nValueError: bad\n')
  })

  it('leaves stderr untouched when the frame is missing or cut', () => {
    expect(splitRunnerFrame('plain\n')).toEqual({ stderr: 'plain\n', frame: undefined })
    const cut = `x${frame({ exitCode: 0, error: null }).slice(0, 20)}`
    expect(splitRunnerFrame(cut)).toEqual({ stderr: cut, frame: undefined })
  })

  it('ignores a frame whose JSON is damaged', () => {
    const damaged = '\n\x1etinyagent-result {"exitCode":\n'
    expect(splitRunnerFrame(damaged)).toEqual({ stderr: damaged, frame: undefined })
  })

  it('drops a malformed error object but keeps the exit code', () => {
    expect(splitRunnerFrame(frame({ exitCode: 1, error: { name: 3 } })).frame).toEqual({
      exitCode: 1,
      error: null,
      ...NO_RICH_RESULT,
    })
  })

  it('reads the runtime guard refusal, worded from the rule table', () => {
    const violation = {
      rule: 'runtime-process',
      event: 'os.system',
      subject: "os.system(b'id')",
      line: 2,
      column: 1,
      text: 'random._os.system("id")',
    }
    expect(splitRunnerFrame(frame({ exitCode: 1, error: null, violation })).frame).toEqual({
      exitCode: 1,
      error: null,
      ...NO_RICH_RESULT,
      violation: {
        rule: 'runtime-process',
        line: 2,
        column: 1,
        text: 'random._os.system("id")',
        message: "`os.system(b'id')` starts or signals a process",
        hint: 'allowed when code_execution.allowed_operations.os_operations is true (subprocess also with `subprocess` in code_execution.allowed_operations.imports)',
        event: 'os.system',
      },
    })
  })

  it('ignores a guard report it cannot read', () => {
    const violation = { rule: 'runtime-made-up', event: 'x', subject: 'x', line: 1, column: 1 }
    expect(splitRunnerFrame(frame({ exitCode: 1, error: null, violation })).frame).toEqual({
      exitCode: 1,
      error: null,
      ...NO_RICH_RESULT,
    })
  })
})
