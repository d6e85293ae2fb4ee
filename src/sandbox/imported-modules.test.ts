import { describe, expect, it } from 'vitest'
import { importedModules, importsAnyOf } from './imported-modules.js'

describe('importedModules', () => {
  it('finds the top-level names of import and from-import statements', () => {
    const code = [
      'import pandas as pd, numpy',
      'from matplotlib.pyplot import plot',
      'import os.path',
      'def f():',
      '    import json; x = 1',
      'from . import sibling',
    ].join('\n')
    expect([...importedModules(code)].sort()).toEqual([
      'json',
      'matplotlib',
      'numpy',
      'os',
      'pandas',
    ])
  })

  it('finds nothing in code without imports', () => {
    expect(importedModules('print(1)\nimported = 2\n')).toEqual(new Set())
  })
})

describe('importsAnyOf', () => {
  it('says whether code or setup code imports a preloaded module', () => {
    expect(importsAnyOf(['import pandas as pd\nprint(pd)'], ['numpy', 'pandas'])).toBe(true)
    expect(importsAnyOf(['print(1)', 'from numpy import array'], ['numpy'])).toBe(true)
    expect(importsAnyOf(['import json'], ['numpy', 'pandas'])).toBe(false)
  })

  it('matches a dotted preload by its top-level module', () => {
    expect(importsAnyOf(['import matplotlib'], ['matplotlib.pyplot'])).toBe(true)
  })

  it('is false with nothing preloaded', () => {
    expect(importsAnyOf(['import pandas'], [])).toBe(false)
  })
})
