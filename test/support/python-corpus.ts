import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { LABEL_INSTANCE, LABEL_MANAGED } from '../../src/engine/labels.js'
import { TEST_IMAGE, testInstancePrefix } from './test-config.js'

const run = promisify(execFile)

/** One Python file of the image, with CPython's own verdict on it. */
export interface CorpusFile {
  readonly path: string
  readonly source: string
  /** True when the image's `ast.parse` accepts the file. */
  readonly valid: boolean
}

export interface CorpusSample {
  /** Directories read in full. */
  readonly everyFileOf: readonly string[]
  /** Directories read one file in `n` (in sorted walk order, so the sample is the same each run). */
  readonly oneFileIn: { readonly n: number; readonly of: readonly string[] }
}

/** Walks the directories in sorted order and prints one JSON line per file: path, source, verdict. */
const LISTER = `
import ast, json, os, sys, tokenize, warnings
warnings.simplefilter('ignore')
def files(root):
    for d, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            if name.endswith('.py'):
                yield os.path.join(d, name)
spec = json.loads(sys.argv[1])
chosen = [p for root in spec['all'] for p in files(root)]
chosen += [p for root in spec['some'] for i, p in enumerate(files(root)) if i % spec['n'] == 0]
for path in chosen:
    try:
        raw = open(path, 'rb').read()
        with tokenize.open(path) as f:
            source = f.read()
    except (OSError, SyntaxError, UnicodeDecodeError):
        continue
    try:
        ast.parse(raw)
        valid = True
    except (SyntaxError, ValueError):
        valid = False
    print(json.dumps({'path': path, 'source': source, 'valid': valid}))
`

/** The image's Python files and CPython's verdict on each, read in one throwaway container. */
export async function pythonCorpus(sample: CorpusSample): Promise<CorpusFile[]> {
  const spec = JSON.stringify({
    all: sample.everyFileOf,
    some: sample.oneFileIn.of,
    n: sample.oneFileIn.n,
  })
  const { stdout } = await run(
    'docker',
    [
      'run',
      '--rm',
      '--network',
      'none',
      '--label',
      `${LABEL_MANAGED}=true`,
      '--label',
      `${LABEL_INSTANCE}=${testInstancePrefix()}python-corpus`,
      '--entrypoint',
      'python3',
      TEST_IMAGE,
      '-c',
      LISTER,
      spec,
    ],
    { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
  )
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as CorpusFile)
}
