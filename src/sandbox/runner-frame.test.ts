import { describe, expect, it } from 'vitest'
import { NO_RICH_RESULT } from './rich-result.js'
import { readRunnerFrame } from './runner-frame.js'

const frame = (body: object) => readRunnerFrame(JSON.stringify(body))

describe('readRunnerFrame', () => {
  it('reads the exit code and the exception as data', () => {
    expect(frame({ exitCode: 0, error: null })).toEqual({
      exitCode: 0,
      error: null,
      ...NO_RICH_RESULT,
    })
    const error = { name: 'ValueError', value: 'bad', traceback: 'Traceback...\nValueError: bad\n' }
    expect(frame({ exitCode: 1, error })).toEqual({ exitCode: 1, error, ...NO_RICH_RESULT })
  })

  it('gives nothing for a missing, cut or damaged report', () => {
    expect(readRunnerFrame(undefined)).toBeUndefined()
    expect(readRunnerFrame('{"exitCode":')).toBeUndefined()
    expect(readRunnerFrame('{"error":null}')).toBeUndefined()
  })

  it('drops a malformed error object but keeps the exit code', () => {
    expect(frame({ exitCode: 1, error: { name: 3 } })).toEqual({
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
    expect(frame({ exitCode: 1, error: null, violation })).toEqual({
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
    expect(frame({ exitCode: 1, error: null, violation })).toEqual({
      exitCode: 1,
      error: null,
      ...NO_RICH_RESULT,
    })
  })
})
