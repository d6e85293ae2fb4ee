import type { GuardSettings } from '../../src/policy/runtime-guard.js'

/**
 * Python that runs each payload under the image's own runtime guard (guard.py), one forked
 * child per payload, and prints one line per payload: `index [rule, event]` when the guard
 * refused it, `index [null, exception-or-null]` when it ran to the end. One container tries
 * them all; the harness itself runs unguarded (allow_dangerous_operations), so it can fork.
 */
export function guardHarness(settings: GuardSettings, payloads: readonly string[]): string {
  return `
import json, os, sys
sys.path.insert(0, "/opt/tinyagent")
import guard
import numpy, pandas
SETTINGS = json.loads(${JSON.stringify(JSON.stringify(settings))})
PAYLOADS = json.loads(${JSON.stringify(JSON.stringify(payloads))})
for index, code in enumerate(PAYLOADS):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        def report(event, rule, subject, frame):
            os.write(write_end, json.dumps([rule, event]).encode())
            os._exit(3)
        compiled = compile(code, "<payload>", "exec")
        guard.Guard(SETTINGS, "<payload>", report).install()
        try:
            exec(compiled, {"__name__": "__main__", "__builtins__": __builtins__})
        except BaseException as exc:
            os.write(write_end, json.dumps([None, type(exc).__name__]).encode())
            os._exit(1)
        os.write(write_end, json.dumps([None, None]).encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    print("guard-harness", index, data.decode() or "[null, \\"no report\\"]", flush=True)
`
}

/** Parses the harness output: one `[rule | null, event | exception | null]` per payload. */
export function readHarnessOutput(stdout: string): Array<[string | null, string | null]> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('guard-harness '))
    .map((line) => {
      const json = line.slice(line.indexOf(' ', 'guard-harness '.length) + 1)
      return JSON.parse(json) as [string | null, string | null]
    })
}
