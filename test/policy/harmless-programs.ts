/**
 * Harmless programs that the seed's regular expressions refuse (each matches at least one
 * pattern) and that must run under the default config and print what they should.
 */
export interface HarmlessProgram {
  readonly name: string
  readonly code: string
  readonly stdout: string
}

/** The seed's `dangerous_operations`, verbatim: the naive check these programs trip. */
export const SEED_PATTERNS: readonly RegExp[] = [
  /exec\s*\(/,
  /eval\s*\(/,
  /os\./,
  /sys\./,
  /subprocess\./,
  /shutil\./,
  /__import__\s*\(/,
  /open\s*\(/,
  /globals\s*\(/,
  /locals\s*\(/,
  /compile\s*\(/,
  /builtins\./,
]

const program = (name: string, code: string, stdout: string): HarmlessProgram => ({
  name,
  code,
  stdout,
})

export const HARMLESS_PROGRAMS: readonly HarmlessProgram[] = [
  program(
    'a word ending in eval',
    'def retrieval(n):\n    return n * 2\nprint(retrieval(3))',
    '6\n',
  ),
  program(
    'medieval history',
    'def medieval(year):\n    return 500 <= year <= 1500\nprint(medieval(1066))',
    'True\n',
  ),
  program(
    'a function named reopen',
    'def reopen(ticket):\n    return f"#{ticket} reopened"\nprint(reopen(7))',
    '#7 reopened\n',
  ),
  program('a word ending in os', 'photos = [1, 2, 2]\nprint(photos.count(2))', '2\n'),
  program('chaos in a dict', 'chaos = {"level": 9}\nprint(chaos.get("level"))', '9\n'),
  program(
    'analysis results',
    'analysis = {"n": 3}\nprint(analysis.get("n"))  # sys.argv unused',
    '3\n',
  ),
  program(
    'an ecosystem list',
    'ecosys = ["fox"]\necosys.append("hare")\nprint(ecosys)',
    "['fox', 'hare']\n",
  ),
  program('re.compile', 'import re\nprint(re.compile(r"\\d+").findall("a1b22"))', "['1', '22']\n"),
  program(
    'a method named exec',
    'class Job:\n    def exec(self):\n        return "done"\nprint(Job().exec())',
    'done\n',
  ),
  program(
    'a method named compile',
    'class Model:\n    def compile(self, loss):\n        return loss.upper()\nprint(Model().compile("mse"))',
    'MSE\n',
  ),
  program(
    'a function named my_globals',
    'def my_globals():\n    return {"x": 1}\nprint(my_globals())',
    "{'x': 1}\n",
  ),
  program(
    'a function named count_locals',
    'def count_locals(*names):\n    return len(names)\nprint(count_locals("a", "b"))',
    '2\n',
  ),
  program(
    'a string about subprocess',
    'print("subprocess.run is not available here")',
    'subprocess.run is not available here\n',
  ),
  program('a comment about shutil', '# shutil.rmtree would be wrong here\nprint("kept")', 'kept\n'),
  program(
    'a docstring naming __import__',
    'def f():\n    """Never call __import__(name) here."""\n    return 1\nprint(f())',
    '1\n',
  ),
  program(
    'DataFrame.eval',
    'import pandas as pd\ndf = pd.DataFrame({"a": [1, 2], "b": [3, 4]})\nprint(df.eval("a + b").tolist())',
    '[4, 6]\n',
  ),
  program('pd.eval', 'import pandas as pd\nprint(pd.eval("2 * 21"))', '42\n'),
  program(
    'a query with a local value',
    'import pandas as pd\nlimit = 1\ndf = pd.DataFrame({"a": [1, 2, 3]})\nprint(df.query("a > @limit").a.tolist())  # not eval(...)',
    '[2, 3]\n',
  ),
  program('f-string with "pos."', 'n = 3\nprint(f"{n} pos. in total")', '3 pos. in total\n'),
  program(
    'cos and its name',
    'import math\ncos = math.cos\nprint(cos.__name__, cos(0))',
    'cos 1.0\n',
  ),
  program(
    'a function named isopen',
    'def isopen(hour):\n    return 9 <= hour < 17\nprint(isopen(10))',
    'True\n',
  ),
  program(
    'my_builtins dict',
    'my_builtins = {}\nmy_builtins.update(a=1)\nprint(my_builtins)',
    "{'a': 1}\n",
  ),
  program(
    'exec() in a string',
    'print("exec() runs strings, so we never use it")',
    'exec() runs strings, so we never use it\n',
  ),
  program('eval ( in a comment', 'x = 2  # eval (x) would be unsafe\nprint(x ** 10)', '1024\n'),
  program(
    'CSV written to a string',
    'import pandas as pd\ndf = pd.DataFrame({"a": [1]})\nprint(df.to_csv(index=False).strip())  # no open() needed',
    'a\n1\n',
  ),
  program(
    'a frame from records',
    'import pandas as pd\nrows = [{"a": 1}, {"a": 2}]\nprint(pd.DataFrame.from_records(rows).a.sum())  # not open()',
    '3\n',
  ),
  program(
    'numpy from lines',
    'import numpy as np\nprint(np.loadtxt(["1 2", "3 4"]).sum())  # not open(path)',
    '10.0\n',
  ),
  program(
    'super().__init__ and __name__',
    'class Base:\n    def __init__(self):\n        self.kind = type(self).__name__\nclass Child(Base):\n    def __init__(self):\n        super().__init__()\nprint(Child().kind)  # not globals()',
    'Child\n',
  ),
  program(
    'numpy version',
    'import numpy as np\nprint(np.__version__.count(".") >= 1)  # sys.version not needed',
    'True\n',
  ),
  program(
    'getattr with a literal name',
    'class P:\n    x = 5\nprint(getattr(P(), "x"), getattr(P(), "y", 0))  # os.getenv unused',
    '5 0\n',
  ),
  program(
    'a variable named kudos',
    'kudos = {"alice": 3}\nkudos.update(bob=1)\nprint(sorted(kudos))',
    "['alice', 'bob']\n",
  ),
  program(
    'a parameter named open',
    'def door(open=False):\n    return "open" if open else "shut"\nprint(door(open=True))  # open (the door)',
    'open\n',
  ),
  program(
    'dir is allowed',
    'class A:\n    color = "red"\nprint([n for n in dir(A) if not n.startswith("_")])  # no locals()',
    "['color']\n",
  ),
  program(
    'datetime and statistics',
    'import datetime, statistics\nprint(datetime.date(2024, 2, 29).isoformat(), statistics.mean([1, 2, 3]))  # sys.exit() unused',
    '2024-02-29 2\n',
  ),
]
