import { describe, expect, it } from 'vitest'
import { checkPolicy } from './check-policy.js'
import type { PolicyConfig } from './types.js'

/** The rows of docs/security-policy.md's semantics table: what each configuration allows and refuses. */
const config = (
  allowed: Partial<PolicyConfig['allowed_operations']> = {},
  dangerous = false,
): PolicyConfig => ({
  allow_dangerous_operations: dangerous,
  allowed_operations: { file_operations: false, os_operations: false, imports: [], ...allowed },
})

interface Row {
  readonly setting: string
  readonly config: PolicyConfig
  readonly allowed: readonly string[]
  readonly refused: ReadonlyArray<readonly [code: string, rule: string]>
}

const ROWS: readonly Row[] = [
  {
    setting: 'defaults (the seed web API)',
    config: config(),
    allowed: [
      'import numpy as np\nprint(np.mean([1, 2]))',
      'import pandas as pd\nprint(pd.DataFrame({"a": [1]}).to_csv())',
    ],
    refused: [
      ['import os', 'import-not-allowed'],
      ['open("data.csv")', 'open-call'],
      ['import pandas as pd\npd.read_csv("data.csv")', 'library-file-access'],
    ],
  },
  {
    setting: 'file_operations: true',
    config: config({ file_operations: true }),
    allowed: [
      'open("/tmp/x", "w").write("1")',
      'import pandas as pd\npd.read_csv("data.csv")',
      'import numpy as np\nnp.save("/tmp/a.npy", np.arange(3))',
    ],
    refused: [['import os', 'import-not-allowed']],
  },
  {
    setting: 'os_operations: true',
    config: config({ os_operations: true }),
    allowed: ['import os\nos.system("true")', 'import os\nprint(os.listdir("."))'],
    refused: [
      ['import subprocess', 'import-not-allowed'],
      ['import os\nopen(os.devnull)', 'open-call'],
    ],
  },
  {
    setting: 'imports: ["os", "sys"], os_operations: false',
    config: config({ imports: ['os', 'sys'] }),
    allowed: ['import os, sys'],
    refused: [
      ['import os\nos.getcwd()', 'os-access'],
      ['import sys\nprint(sys.argv)', 'sys-access'],
    ],
  },
  {
    setting: 'imports: ["sys.argv"]',
    config: config({ imports: ['sys.argv'] }),
    allowed: ['from sys import argv\nprint(argv)'],
    refused: [
      ['import sys', 'import-not-allowed'],
      ['from sys import exit', 'import-not-allowed'],
    ],
  },
  {
    setting: 'the seed trusted environment (files, os.path, pathlib; no os operations)',
    config: config({ file_operations: true, imports: ['os.path', 'pathlib'] }),
    allowed: [
      'import os.path\nprint(os.path.join("a", "b"))',
      'from pathlib import Path\nprint(Path("/tmp/x").read_text())',
    ],
    refused: [
      ['import os.path\nos.system("true")', 'os-access'],
      ['import os.path\nos.listdir(".")', 'os-access'],
      ['import os.path\nos.remove("f")', 'os-access'],
    ],
  },
  {
    setting: 'imports: ["pathlib"], file_operations: false',
    config: config({ imports: ['pathlib'] }),
    allowed: ['from pathlib import Path\nprint(Path("a/b.csv").suffix)'],
    refused: [['from pathlib import Path\nPath("a.txt").read_text()', 'library-file-access']],
  },
  {
    setting: 'imports: ["ctypes"]',
    config: config({ imports: ['ctypes'] }),
    allowed: [
      'import ctypes\nprint(ctypes.sizeof(ctypes.c_int))',
      'import numpy as np\nnp.ctypeslib.as_array',
    ],
    refused: [['import ctypes\nprint(ctypes.__dict__)', 'dunder-attribute']],
  },
  {
    setting: 'any configuration short of allow_dangerous_operations',
    config: config({ file_operations: true, os_operations: true, imports: ['sys'] }),
    allowed: [],
    refused: [
      ['eval("1")', 'eval-call'],
      ['print(().__class__)', 'dunder-attribute'],
      ['getattr(1, name)', 'attribute-by-name'],
      ['breakpoint()', 'breakpoint-call'],
      ['import math\nmath.pi = 3', 'module-attribute-assignment'],
      ['x.meta_path.append(finder)', 'import-machinery'],
    ],
  },
]

describe('the semantics table', () => {
  for (const row of ROWS) {
    describe(row.setting, () => {
      for (const code of row.allowed) {
        it(`allows ${JSON.stringify(code)}`, () => {
          expect(checkPolicy(code, row.config).violations).toEqual([])
        })
      }
      for (const [code, rule] of row.refused) {
        it(`refuses ${JSON.stringify(code)} as ${rule}`, () => {
          expect(checkPolicy(code, row.config).violations.map((v) => v.rule)).toEqual([rule])
        })
      }
    })
  }

  it('allow_dangerous_operations: true turns every static rule off', () => {
    const code = 'import os\nos.system("true")\neval("1")\nprint(().__class__)\n'
    expect(checkPolicy(code, config({}, true))).toEqual({
      allowed: true,
      checked: false,
      violations: [],
      syntaxErrors: [],
    })
  })

  it('refuses a source over 1 MiB before parsing it, whatever the configuration', () => {
    const big = `x = 1\n${'#'.repeat(1_048_576)}\n`
    for (const settings of [config(), config({}, true)]) {
      const report = checkPolicy(big, settings)
      expect(report.allowed).toBe(false)
      expect(report.violations.map((v) => v.rule)).toEqual(['source-too-large'])
    }
  })
})
