import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { loadConfigFile } from '../src/config/load-config.js'
import { Sandbox } from '../src/sandbox/sandbox.js'
import { REPO_ROOT } from './support/cli.js'
import { sandboxTest as test } from './support/sandbox-fixture.js'
import { testConfig } from './support/test-config.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

function png(base64: string): { width: number; height: number; bytes: number } {
  const bytes = Buffer.from(base64, 'base64')
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
  // IHDR comes first: width and height as big-endian 32-bit integers at bytes 16 and 20.
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bytes: bytes.length }
}

describe('rich results on the real engine', () => {
  test.override({
    configOverrides: {
      code_execution: { allowed_operations: { imports: ['matplotlib', 'sklearn'] } },
    },
  })

  test('returns the value of a trailing expression, like a notebook cell', async ({ sandbox }) => {
    const result = await sandbox.execute({ code: 'x = 6\nprint("side effect")\nx * 7' })
    expect(result.stdout).toBe('side effect\n')
    expect(result.result).toEqual({ repr: '42', type: 'int', reprTruncated: false })
    const none = await sandbox.execute({ code: 'print("only a statement")' })
    expect(none.result).toBeNull()
  })

  test('returns a DataFrame as a table with its full shape', async ({ sandbox }) => {
    const code =
      'import pandas as pd\npd.DataFrame({"n": range(25), "half": [i / 2 for i in range(25)]})'
    const { result } = await sandbox.execute({ code })
    expect(result?.type).toBe('DataFrame')
    expect(result?.table?.shape).toEqual([25, 2])
    expect(result?.table?.columns).toEqual(['n', 'half'])
    expect(result?.table?.rows).toHaveLength(20)
    expect(result?.table?.rows[3]).toEqual([3, 1.5])
    expect(result?.table?.truncated).toBe(true)
    expect(result?.table?.markdown.split('\n').slice(0, 3)).toEqual([
      '|  | n | half |',
      '|---|---|---|',
      '| 0 | 0 | 0.0 |',
    ])
    expect(result?.table?.html).toContain('<table')
  })

  test('returns missing values in a table as null', async ({ sandbox }) => {
    const { result } = await sandbox.execute({
      code: 'import pandas as pd\npd.Series([1.0, None], name="v")',
    })
    expect(result?.type).toBe('Series')
    expect(result?.table?.rows).toEqual([[1], [null]])
  })

  test('returns open matplotlib figures as PNG charts, without file operations', async ({
    sandbox,
  }) => {
    const code = [
      'import matplotlib.pyplot as plt',
      'plt.plot([1, 3, 2])',
      'plt.title("first")',
      'plt.figure(figsize=(3, 2), dpi=100)',
      'plt.bar(["a", "b"], [2, 5])',
      'plt.show()',
    ].join('\n')
    const result = await sandbox.execute({ code })
    expect(result.status).toBe('ok')
    expect(result.files).toEqual([])
    expect(result.artifacts.map((a) => [a.name, a.type, a.width, a.height])).toEqual([
      ['figure-1.png', 'image/png', 640, 480],
      ['figure-2.png', 'image/png', 300, 200],
    ])
    const first = png(result.artifacts[0]?.base64 ?? '')
    expect([first.width, first.height]).toEqual([640, 480])
    expect(first.bytes).toBeGreaterThan(1_000)
    expect(png(result.artifacts[1]?.base64 ?? '').width).toBe(300)
  })

  test('still returns a chart when the code output is capped small', async ({ sandbox }) => {
    const code = 'import matplotlib.pyplot as plt\nplt.plot(range(100))\nprint("x" * 100)'
    const result = await sandbox.execute({ code, limits: { output_bytes: 1_024 } })
    expect(result.status).toBe('ok')
    expect(result.artifacts).toHaveLength(1)
    expect(png(result.artifacts[0]?.base64 ?? '').bytes).toBeGreaterThan(1_024)
  })

  test('caps the number of charts and says so', async ({ sandbox }) => {
    const code =
      'import matplotlib.pyplot as plt\nfor i in range(3):\n    plt.figure()\n    plt.plot([i])'
    const result = await sandbox.execute({ code, limits: { artifacts: 2 } })
    expect(result.artifacts.map((a) => a.name)).toEqual(['figure-1.png', 'figure-2.png'])
    expect(result.artifactsTruncated).toBe(true)
  })

  test('points traceback line numbers into the code, also for the trailing expression', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({ code: 'values = [1, 2]\n\nvalues[5]' })
    expect(result.status).toBe('error')
    expect(result.error?.name).toBe('IndexError')
    expect(result.error?.traceback).toContain('File "<sandbox>", line 3, in <module>')
    expect(result.error?.traceback).not.toContain('runner.py')
  })

  test('says how to add a module that the policy allows but the image lacks', async ({
    sandbox,
  }) => {
    const result = await sandbox.execute({ code: 'import sklearn' })
    expect(result.status).toBe('error')
    expect(result.message).toBe(
      "ModuleNotFoundError: No module named 'sklearn'. The sandbox image has no `sklearn`: add its Debian package (usually python3-sklearn) to images/python/packages.txt and run `make image` (docs/images.md).",
    )
  })
})

describe('examples/data-analysis.py under examples/configs/data-analysis.yml', () => {
  test('returns its summary table and its chart', async () => {
    const example = await loadConfigFile(join(REPO_ROOT, 'examples/configs/data-analysis.yml'))
    const sandbox = await Sandbox.create({
      config: testConfig({
        // Room for a loaded machine: the test is about what comes back, not how fast.
        code_execution: {
          allowed_operations: example.code_execution.allowed_operations,
          timeout_seconds: 60,
        },
      }),
    })
    try {
      const code = await readFile(join(REPO_ROOT, 'examples/data-analysis.py'), 'utf8')
      const result = await sandbox.execute({ code })
      expect(result).toMatchObject({ status: 'ok', stderr: '' })
      expect(result.stdout).toMatch(/^best month per region: \{'north': /)
      expect(result.result?.table).toMatchObject({
        shape: [3, 3],
        columns: ['sum', 'mean', 'max'],
        index: ['north', 'south', 'west'],
        truncated: false,
      })
      expect(result.artifacts.map((a) => [a.name, a.width, a.height])).toEqual([
        ['figure-1.png', 800, 400],
      ])
      expect(png(result.artifacts[0]?.base64 ?? '')).toMatchObject({ width: 800, height: 400 })
    } finally {
      await sandbox.close()
    }
  })
})
