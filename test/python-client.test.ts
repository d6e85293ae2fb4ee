import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { assertCliBuilt, CLI_MAIN, REPO_ROOT, testInstanceId, Workspace } from './support/cli.js'
import { containersOf } from './support/managed-containers.js'

/**
 * The Python client (clients/python) against a real `serve` that requires an API key: its
 * unittest suite runs as a user would run it, with the server's URL and key in the env.
 */
const CLIENT_DIR = join(REPO_ROOT, 'clients', 'python')
const TESTS_DIR = join(CLIENT_DIR, 'tests')
/** Debian's own interpreter when there is one (what CI has), else the one on PATH. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const NO_PYTHON = `The Python client tests need python3 (3.9 or later): ${PYTHON} did not run. Install it (Debian: apt-get install python3).`

interface Finished {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
}

let ws: Workspace
let serve: ChildProcessByStdio<null, Readable, Readable> | undefined
let serveExited: Promise<number | null>
let url: string
const apiKey = randomBytes(24).toString('hex')
const instanceId = testInstanceId()

beforeAll(async () => {
  await assertCliBuilt()
  const version = await runPython(['-c', 'import sys; print(sys.version_info >= (3, 9))'])
  if (version.stdout.trim() !== 'True') {
    throw new Error(`${PYTHON} is older than Python 3.9; the client needs 3.9 or later.`)
  }
  ws = await Workspace.create()
  const config = await ws.file(
    'serve.yml',
    // No warm pool: every container is one execution's, gone when the answer is.
    `orchestrator:\n  instance_id: ${instanceId}\npool:\n  size: 0\nserver:\n  port: 0\n`,
  )
  const child = spawn(process.execPath, [CLI_MAIN, 'serve', '--config', config], {
    cwd: ws.dir,
    env: { ...process.env, TINYAGENT_SANDBOX_API_KEYS: apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  serve = child
  serveExited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  url = await listeningUrl(child)
})

afterAll(async () => {
  if (serve !== undefined && serve.exitCode === null) {
    serve.kill('SIGTERM')
    expect(await serveExited).toBe(0)
  }
  await ws?.remove()
  expect(await containersOf(instanceId)).toStrictEqual([])
})

it('passes every Python client test against serve with an API key', async () => {
  const tests = await runPython(['-m', 'unittest', 'discover', '-s', TESTS_DIR, '-v'], {
    ...process.env,
    TINYAGENT_SANDBOX_URL: url,
    TINYAGENT_SANDBOX_API_KEY: apiKey,
    PYTHONPATH: CLIENT_DIR,
    PYTHONDONTWRITEBYTECODE: '1',
  })
  // unittest reports on stderr; a skip would end with "OK (skipped=N)", not "OK".
  expect(tests.exitCode, tests.stderr).toBe(0)
  expect(/^Ran (\d+) tests? in /m.exec(tests.stderr)?.[1], tests.stderr).toBe(
    String(await countPythonTests()),
  )
  expect(tests.stderr.trimEnd().split('\n').at(-1)).toBe('OK')
}, 180_000)

/** Every `def test_` in clients/python/tests: all of them must have run. */
async function countPythonTests(): Promise<number> {
  const files = (await readdir(TESTS_DIR)).filter((f) => /^test_.*\.py$/.test(f))
  const sources = await Promise.all(files.map((f) => readFile(join(TESTS_DIR, f), 'utf8')))
  return sources.reduce((sum, text) => sum + (text.match(/^\s+def test_\w+\(/gm) ?? []).length, 0)
}

function listeningUrl(child: ChildProcessByStdio<null, Readable, Readable>): Promise<string> {
  let stdout = ''
  let stderr = ''
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      const found = /listening on (http:\/\/\S+)/.exec(stdout)
      if (found?.[1] !== undefined) resolve(found[1])
    })
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) early:\n${stderr}`)))
  })
}

/** Runs python3 to its end; a hang past `timeoutMs` kills it and rejects. */
function runPython(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 150_000,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    const guard = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${PYTHON} ${args.join(' ')} hung for ${timeoutMs} ms:\n${stderr}`))
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(guard)
      reject(new Error(`${NO_PYTHON} (${error.message})`))
    })
    child.on('close', (exitCode) => {
      clearTimeout(guard)
      resolve({ exitCode, stdout, stderr })
    })
  })
}
