import { describe, expect, it } from 'vitest'
import { checkPolicy } from './check-policy.js'
import type { PolicyConfig } from './types.js'

const config = (file_operations: boolean, imports: string[] = []): PolicyConfig => ({
  allow_dangerous_operations: false,
  allowed_operations: { file_operations, os_operations: false, imports },
})

const rules = (source: string, settings = config(false)) =>
  checkPolicy(source, settings).violations.map((v) => `${v.line} ${v.rule} ${v.text}`)

describe('file I/O through the allowed libraries', () => {
  it('refuses reads and writes with a path, or with anything that may hold one', () => {
    const source = [
      'import numpy as np, pandas as pd',
      'pd.read_csv("data.csv")',
      'pd.read_parquet(path)',
      'pd.read_excel(io=f"{name}.xlsx")',
      'np.loadtxt("a.txt")',
      'np.savetxt("b.txt", a)',
      'df.to_csv("out.csv")',
      'df.to_json(path_or_buf=target)',
      'Path("a").read_text()',
      'np.arange(3).tofile("x.bin")',
      'df.to_clipboard()',
      '',
    ].join('\n')
    expect(rules(source)).toEqual([
      '2 library-file-access pd.read_csv("data.csv")',
      '3 library-file-access pd.read_parquet(path)',
      '4 library-file-access pd.read_excel(io=f"{name}.xlsx")',
      '5 library-file-access np.loadtxt("a.txt")',
      '6 library-file-access np.savetxt("b.txt", a)',
      '7 library-file-access df.to_csv("out.csv")',
      '8 library-file-access df.to_json(path_or_buf=target)',
      '9 library-file-access Path("a").read_text()',
      '10 library-file-access np.arange(3).tofile("x.bin")',
      '11 library-file-access df.to_clipboard()',
    ])
  })

  it('allows data in the code and writing to a string', () => {
    const source = [
      'import numpy as np, pandas as pd',
      'pd.read_json(\'{"a": [1, 2]}\')',
      'pd.read_csv(io.StringIO("a,b\\n1,2"))',
      'np.loadtxt(["1 2", "3 4"])',
      'print(df.to_csv(index=False), df.to_json(orient="records"), df.to_string())',
      'np.save(io.BytesIO(), np.arange(3))',
      '',
    ].join('\n')
    expect(rules(source)).toEqual([])
  })

  it('judges io, codecs and friends only when they are importable at all', () => {
    expect(rules('import io\nio.open("f")\n', config(false, ['io']))).toEqual([
      '2 library-file-access io.open("f")',
    ])
    expect(rules('import codecs\ncodecs.open("f")\n', config(false, ['codecs']))).toEqual([
      '2 library-file-access codecs.open("f")',
    ])
  })

  it('allows all of it with file_operations', () => {
    const source =
      'import numpy as np, pandas as pd\npd.read_csv("a.csv").to_csv("b.csv")\nnp.load("c.npy")\n'
    expect(rules(source, config(true))).toEqual([])
  })
})
