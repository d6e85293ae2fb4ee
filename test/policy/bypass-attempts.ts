/**
 * Ways around a Python sandbox, each with the layers that refuse it under the default config:
 * the static rules (in source order, each once) and the runtime guard's rule and audit event.
 * `runtime: null` means the guard lets it run: the static layer alone stops it (the climb
 * itself raises no audit event; only what it reaches would).
 *
 * Every payload is harmless even on a host: commands only `touch` new probe files under
 * /tmp, reads and listings aim at probe paths that do not exist, signals are 0.
 */
export interface BypassAttempt {
  readonly family: string
  readonly name: string
  readonly code: string
  readonly static: readonly string[]
  readonly runtime: readonly [rule: string, event: string] | null
}

const PROBE = '/tmp/tinyagent-probe'
const TOUCH = `touch ${PROBE}-cmd`

const attempt = (
  family: string,
  name: string,
  code: string,
  staticRules: readonly string[],
  runtime: readonly [string, string] | null,
): BypassAttempt => ({ family, name, code, static: staticRules, runtime })

/**
 * A finder of the code's own, on `sys.meta_path`, hands the machinery a loader whose
 * `exec_module` is `run` and whose `create_module` makes the "module" a string: the
 * machinery then calls `run(command)` from its own frames. `numpy.<name>` passes the import
 * allowlist and is found by no file, so the code's finder answers it. `os` is reached as `os`.
 */
function importMachineryAttack(options: {
  readonly reachOs: string
  readonly run: string
  readonly command: string
  readonly install?: string
}): string {
  const install = options.install ?? 'os.sys.meta_path.append(Finder())'
  return [
    options.reachOs,
    'class Command(str):',
    '    pass',
    'class Spec:',
    '    def __init__(self, name, loader):',
    '        self.name, self.loader, self.origin, self.parent = name, loader, None, "numpy"',
    '        self.submodule_search_locations = self.loader_state = self.cached = None',
    '        self.has_location = False',
    'class Loader:',
    '    def create_module(self, spec):',
    `        return Command(${JSON.stringify(options.command)})`,
    `Loader.exec_module = ${options.run}`,
    'class Finder:',
    '    def find_spec(self, name, path=None, target=None):',
    '        return Spec(name, Loader()) if name == "numpy.tinyagent_probe" else None',
    install,
    'import numpy.tinyagent_probe',
  ].join('\n')
}

const PROCESS: [string, string] = ['runtime-process', 'os.system']
const POPEN: [string, string] = ['runtime-process', 'subprocess.Popen']
const OPEN: [string, string] = ['runtime-file-access', 'open']
const CTYPES: [string, string] = ['runtime-native-code', 'ctypes.dlopen']

export const BYPASS_ATTEMPTS: readonly BypassAttempt[] = [
  // Look-alike names: Python reads identifiers in NFKC form.
  attempt(
    'nfkc',
    'fullwidth eval',
    'ｅval("1 + 1")',
    ['eval-call'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt(
    'nfkc',
    'script-e exec',
    'ℯxec("x = 1")',
    ['exec-call'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt('nfkc', 'fullwidth open', `ｏｐｅｎ("${PROBE}-read")`, ['open-call'], OPEN),
  attempt('nfkc', 'fullwidth dunder', 'print(().__ｃlass__)', ['dunder-attribute'], null),
  attempt(
    'nfkc',
    'fullwidth import name',
    `__ｉmport__("os").system("${TOUCH}")`,
    ['dunder-import-call'],
    PROCESS,
  ),
  // Aliases and bindings.
  attempt(
    'alias',
    'import as',
    `import os as o\no.system("${TOUCH}")`,
    ['import-not-allowed', 'os-access'],
    PROCESS,
  ),
  attempt(
    'alias',
    'from import',
    `from os import system as s\ns("${TOUCH}")`,
    ['import-not-allowed'],
    PROCESS,
  ),
  attempt(
    'alias',
    'assigned builtin',
    'e = eval\ne("1")',
    ['eval-call'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt(
    'alias',
    'assignment chain',
    'a = b = exec\nc = a\nc("x = 1")',
    ['exec-call'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt('alias', 'builtins module', 'b = __builtins__\nb.open', ['builtins-access'], null),
  attempt(
    'alias',
    'default parameter',
    'def f(x, run=eval):\n    return run(x)\nf("1")',
    ['eval-call'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt(
    'alias',
    'module alias reaches ctypes',
    'import numpy as np\nm = np\nk = m\nk.ctypeslib.ctypes.CDLL(None)',
    ['escape-module'],
    CTYPES,
  ),
  attempt(
    'alias',
    'walrus alias',
    `import random\nif (r := random):\n    r._os.system("${TOUCH}")`,
    ['os-access'],
    PROCESS,
  ),
  attempt(
    'alias',
    'default parameter module',
    `import random\ndef f(m=random):\n    m._os.system("${TOUCH}")\nf()`,
    ['os-access'],
    PROCESS,
  ),
  attempt(
    'alias',
    'getattr passed around',
    'g = getattr\ng(1, "real")',
    ['attribute-by-name'],
    null,
  ),
  // Private re-exports of restricted modules.
  attempt(
    're-export',
    'random._os',
    `import random\nrandom._os.system("${TOUCH}")`,
    ['os-access'],
    PROCESS,
  ),
  attempt(
    're-export',
    'collections._sys',
    'import collections\ncollections._sys.modules["os"]',
    ['import-machinery', 'sys-access'],
    null,
  ),
  attempt(
    're-export',
    'pandas io os',
    `import pandas as pd\npd.io.common.os.system("${TOUCH}")`,
    ['os-access'],
    PROCESS,
  ),
  attempt(
    're-export',
    'numpy testing subprocess',
    'import numpy as np\nnp.testing._private.utils.subprocess',
    ['subprocess-access'],
    null,
  ),
  attempt(
    're-export',
    'getattr literal',
    `import random\ngetattr(random, "_os").system("${TOUCH}")`,
    ['os-access'],
    PROCESS,
  ),
  // Dunder attributes: climbing the object graph.
  attempt(
    'dunder',
    'subclasses',
    'print(len(().__class__.__bases__[0].__subclasses__()))',
    ['dunder-attribute'],
    null,
  ),
  attempt(
    'dunder',
    'function globals',
    'def f():\n    pass\nf.__globals__["__builtins__"]',
    ['dunder-attribute'],
    null,
  ),
  attempt(
    'dunder',
    'builtins via globals of a library function',
    'import json\njson.dumps.__globals__["__builtins__"]["eval"]("1")',
    ['dunder-attribute'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt(
    'dunder',
    'code object swap',
    'def f():\n    return 1\nf.__code__ = (lambda: 2).__code__',
    ['dunder-attribute'],
    ['runtime-introspection', 'object.__getattr__'],
  ),
  attempt('dunder', 'mro', 'print(type(1).__mro__)', ['dunder-attribute'], null),
  attempt('dunder', 'dict', 'import math\nmath.__dict__["pi"]', ['dunder-attribute'], null),
  attempt(
    'dunder',
    'getattribute',
    'object.__getattribute__(1, "real")',
    ['dunder-attribute'],
    null,
  ),
  attempt('dunder', 'loader', '__loader__', ['dunder-attribute'], null),
  attempt('dunder', 'spec', 'print(__spec__)', ['dunder-attribute'], null),
  attempt('dunder', 'build_class', 'print(__build_class__)', ['dunder-attribute'], null),
  attempt('dunder', 'module loader', 'import json\njson.__loader__', ['dunder-attribute'], null),
  attempt(
    'dunder',
    'self class',
    'class A:\n    def m(self):\n        return self.__class__\nA().m()',
    ['dunder-attribute'],
    null,
  ),
  attempt('dunder', 'reduce', 'print((1).__reduce_ex__(2))', ['dunder-attribute'], null),
  attempt(
    'dunder',
    'format string field',
    'print("{0.__class__.__mro__}".format(1))',
    ['dunder-attribute'],
    null,
  ),
  // Frames.
  attempt(
    'frame',
    'generator frame',
    'def g():\n    yield 1\nprint(g().gi_frame.f_back)',
    ['frame-attribute'],
    ['runtime-introspection', 'object.__getattr__'],
  ),
  attempt(
    'frame',
    'traceback frame',
    'try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_globals',
    ['dunder-attribute', 'frame-attribute'],
    ['runtime-introspection', 'object.__getattr__'],
  ),
  attempt(
    'frame',
    'generator code',
    'def g():\n    yield 1\ng().gi_code',
    ['frame-attribute'],
    ['runtime-introspection', 'object.__getattr__'],
  ),
  // Attribute names computed at run time.
  attempt(
    'computed name',
    'getattr concatenation',
    'getattr(1, "__cla" + "ss__")',
    ['attribute-by-name'],
    null,
  ),
  attempt(
    'computed name',
    'getattr join',
    'getattr(1, "".join(["__cl", "ass__"]))',
    ['attribute-by-name'],
    null,
  ),
  attempt(
    'computed name',
    'getattr dunder literal',
    'getattr(1, "__class__")',
    ['attribute-by-name'],
    null,
  ),
  attempt(
    'computed name',
    'getattr escape literal',
    'getattr(1, "\\x5f\\x5fclass\\x5f\\x5f")',
    ['attribute-by-name'],
    null,
  ),
  attempt(
    'computed name',
    'setattr dunder',
    'class A:\n    pass\nsetattr(A(), "__class__", int)',
    ['attribute-by-name'],
    ['runtime-introspection', 'object.__setattr__'],
  ),
  attempt(
    'computed name',
    'delattr variable',
    'class A:\n    x = 1\nname = "x"\ndelattr(A, name)',
    ['attribute-by-name'],
    null,
  ),
  attempt(
    'computed name',
    'attrgetter dunder',
    'import operator\noperator.attrgetter("__class__.__mro__")(1)',
    ['attribute-by-name'],
    null,
  ),
  attempt(
    'computed name',
    'methodcaller variable',
    'import operator\nname = "bit_length"\noperator.methodcaller(name)(1)',
    ['attribute-by-name'],
    null,
  ),
  attempt('computed name', 'vars', 'import math\nvars(math)["pi"]', ['vars-call'], null),
  // Builtins that run code.
  attempt('builtin', 'exec', 'exec("x = 1")', ['exec-call'], ['runtime-code-execution', 'compile']),
  attempt(
    'builtin',
    'compile',
    'compile("1", "<s>", "eval")',
    ['compile-call'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt(
    'builtin',
    'dunder import string built',
    `__import__("o" + "s").system("${TOUCH}")`,
    ['dunder-import-call'],
    PROCESS,
  ),
  attempt('builtin', 'globals', 'globals()["__builtins__"]', ['globals-call'], null),
  attempt(
    'builtin',
    'breakpoint',
    'breakpoint()',
    ['breakpoint-call'],
    ['runtime-import', 'import'],
  ),
  attempt(
    'builtin',
    'eval in comprehension',
    '[eval(s) for s in ["1"]]',
    ['eval-call'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt(
    'builtin',
    'map eval',
    'list(map(eval, ["1"]))',
    ['eval-call'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt('builtin', 'decorator eval', '@eval\ndef f():\n    pass', ['eval-call'], null),
  // Escape modules.
  attempt(
    'escape module',
    'import ctypes',
    'import ctypes\nctypes.CDLL(None)',
    ['import-not-allowed', 'escape-module'],
    CTYPES,
  ),
  attempt(
    'escape module',
    'numpy ctypeslib',
    `import numpy as np\nnp.ctypeslib.ctypes.CDLL(None).system(b"${TOUCH}")`,
    ['escape-module'],
    CTYPES,
  ),
  attempt(
    'escape module',
    'array ctypes',
    'import numpy as np\nnp.arange(3).ctypes.data_as',
    ['escape-module'],
    null,
  ),
  attempt(
    'escape module',
    'pandas pickle',
    'import pandas as pd\npd.io.pickle',
    ['escape-module'],
    null,
  ),
  attempt(
    'escape module',
    'pickle compat loads',
    'import pandas as pd\npd.compat.pickle_compat.loads(b"cposix\\nsystem\\n(S\'true\'\\ntR.")',
    ['escape-module'],
    ['runtime-pickle', 'pickle.find_class'],
  ),
  attempt(
    'escape module',
    'importlib',
    'import importlib\nimportlib.import_module("socket").socket()',
    ['import-not-allowed', 'escape-module'],
    ['runtime-network', 'socket.__new__'],
  ),
  attempt(
    'escape module',
    'from import gc',
    'from gc import get_objects\nget_objects()',
    ['import-not-allowed'],
    ['runtime-introspection', 'gc.get_objects'],
  ),
  attempt(
    'escape module',
    'pandas inspect',
    'import pandas as pd\npd.core.common.inspect.currentframe()',
    ['escape-module'],
    null,
  ),
  attempt(
    'escape module',
    'socket',
    'import socket\nsocket.socket()',
    ['import-not-allowed', 'escape-module'],
    ['runtime-network', 'socket.__new__'],
  ),
  attempt('escape module', 'numpy f2py', 'import numpy as np\nnp.f2py', ['escape-module'], null),
  // The seed's restricted modules, reached the long way.
  attempt(
    'restricted module',
    'subprocess',
    `import subprocess\nsubprocess.run(["touch", "${PROBE}-cmd"])`,
    ['import-not-allowed', 'subprocess-access'],
    POPEN,
  ),
  attempt(
    'restricted module',
    'sys modules',
    'import sys\nsys.modules["os"]',
    ['import-not-allowed', 'import-machinery', 'sys-access'],
    null,
  ),
  attempt(
    'restricted module',
    'os listdir',
    `import os\nos.listdir("${PROBE}-dir")`,
    ['import-not-allowed', 'os-access'],
    ['runtime-file-access', 'os.listdir'],
  ),
  attempt(
    'restricted module',
    'os fork',
    'import os\nif os.fork() == 0:\n    os._exit(0)',
    ['import-not-allowed', 'os-access'],
    ['runtime-process', 'os.fork'],
  ),
  attempt(
    'restricted module',
    'os kill',
    'import os\nos.kill(os.getpid(), 0)',
    ['import-not-allowed', 'os-access'],
    ['runtime-process', 'os.kill'],
  ),
  attempt(
    'restricted module',
    'shutil',
    `import shutil\nshutil.copyfile("${PROBE}-a", "${PROBE}-b")`,
    ['import-not-allowed', 'shutil-access'],
    ['runtime-file-access', 'shutil.copyfile'],
  ),
  // Files through the allowed libraries.
  attempt('library files', 'open', `open("${PROBE}-read")`, ['open-call'], OPEN),
  attempt(
    'library files',
    'pandas read_csv',
    `import pandas as pd\npd.read_csv("${PROBE}-read.csv")`,
    ['library-file-access'],
    OPEN,
  ),
  attempt(
    'library files',
    'pandas to_csv',
    `import pandas as pd\npd.DataFrame({"a": [1]}).to_csv("${PROBE}-write.csv")`,
    ['library-file-access'],
    OPEN,
  ),
  attempt(
    'library files',
    'numpy load',
    `import numpy as np\nnp.load("${PROBE}-read.npy")`,
    ['library-file-access'],
    OPEN,
  ),
  attempt(
    'library files',
    'numpy save',
    `import numpy as np\nnp.save("${PROBE}-write.npy", np.arange(3))`,
    ['library-file-access'],
    OPEN,
  ),
  attempt(
    'library files',
    'numpy fromfile',
    `import numpy as np\nnp.fromfile("${PROBE}-read.bin")`,
    ['library-file-access'],
    OPEN,
  ),
  attempt(
    'library files',
    'numpy tofile',
    `import numpy as np\nnp.arange(3).tofile("${PROBE}-write.bin")`,
    ['library-file-access'],
    OPEN,
  ),
  attempt(
    'library files',
    'numpy fromfile on a built path',
    `import numpy as np\npath = "${PROBE}" + "-read.bin"\nnp.fromfile(path)`,
    ['library-file-access'],
    OPEN,
  ),
  attempt(
    'library files',
    'pandas alias reader',
    `import pandas\nreader = pandas\nreader.read_csv("${PROBE}-read.csv")`,
    ['library-file-access'],
    OPEN,
  ),
  // Rewriting what library code runs.
  attempt(
    'monkeypatch',
    'module attribute',
    'import json\njson.dumps = print',
    ['module-attribute-assignment'],
    null,
  ),
  attempt(
    'monkeypatch',
    'delete module attribute',
    'import math\ndel math.pi',
    ['module-attribute-assignment'],
    null,
  ),
  // The import machinery, handed a finder and loader of the code's own (issue 13): the guard
  // once trusted any stack with importlib's frames on it.
  attempt(
    'import machinery',
    'meta_path finder, exec_module = os.system',
    importMachineryAttack({
      reachOs: 'import random\nos = [random][0]._os',
      run: 'os.system',
      command: TOUCH,
    }),
    ['os-access', 'import-machinery'],
    PROCESS,
  ),
  attempt(
    'import machinery',
    'meta_path finder, exec_module = exec',
    importMachineryAttack({
      reachOs: 'import random\nos = [random][0]._os',
      run: 'exec',
      command: `import subprocess\nsubprocess.run(["touch", "${PROBE}-cmd"])`,
    }),
    ['os-access', 'exec-call', 'import-machinery'],
    ['runtime-code-execution', 'compile'],
  ),
  attempt(
    'import machinery',
    'meta_path finder, os as random._os',
    importMachineryAttack({
      reachOs: 'import random\nos = random._os',
      run: 'random._os.system',
      command: TOUCH,
    }),
    ['os-access', 'import-machinery'],
    PROCESS,
  ),
  attempt(
    'import machinery',
    'meta_path finder, exec_module = os.popen (a library function)',
    importMachineryAttack({
      reachOs: 'import random\nos = getattr(random, "_os")',
      run: 'staticmethod(os.popen)',
      command: TOUCH,
    }),
    ['os-access', 'import-machinery'],
    POPEN,
  ),
  attempt(
    'import machinery',
    'path hook finder, exec_module = os.system',
    importMachineryAttack({
      reachOs: 'import collections, random\nos = [random][0]._os',
      run: 'os.system',
      command: TOUCH,
      install:
        'sys = [collections][0]._sys\nsys.path_importer_cache.clear()\nsys.path_hooks.insert(0, lambda entry: Finder())',
    }),
    ['os-access', 'sys-access', 'import-machinery'],
    PROCESS,
  ),
  // Expressions that libraries evaluate.
  attempt(
    'pandas expression',
    'pd.eval reaches os',
    `import pandas as pd\npd.eval("pd.io.common.os.system('${TOUCH}')")`,
    ['pandas-expression'],
    PROCESS,
  ),
  attempt(
    'pandas expression',
    'query built at run time',
    'import pandas as pd\ndf = pd.DataFrame({"a": [1]})\ncol = "a"\ndf.query(col + " > 0")',
    ['pandas-expression'],
    null,
  ),
]
