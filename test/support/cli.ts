import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'
import { testInstancePrefix } from './test-config.js'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** The built CLI, exactly what `npm install -g` would run. */
export const CLI_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js')

export interface CliResult {
  /** null only when the process was killed by a signal. */
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
}

export interface CliOptions {
  /** Written to the CLI's stdin, which is then closed. @default nothing (stdin closed at once) */
  readonly stdin?: string
  /** Added to (and overriding) this process's environment. */
  readonly env?: Readonly<Record<string, string>>
  /** @default a directory without a config.yml, so nothing but `--config` is read */
  readonly cwd?: string
  /** A hang guard only: past it the CLI gets SIGTERM, then SIGKILL, and the promise rejects. @default 45_000 */
  readonly timeoutMs?: number
  /** Called once the process is spawned, e.g. to signal it. */
  readonly onSpawn?: (child: ChildProcess) => void
}

/** Runs `node dist/cli/main.js ...args` without a shell and collects everything it did. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const startedAt = performance.now()
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  child.stdin.on('error', () => {}) // the CLI may exit before reading stdin
  child.stdin.end(options.stdin ?? '')
  options.onSpawn?.(child)
  return new Promise((resolve, reject) => {
    let hung = false
    let killer: NodeJS.Timeout | undefined
    // SIGTERM first: the CLI removes its container on it, so a hang leaves nothing behind.
    const guard = setTimeout(() => {
      hung = true
      child.kill('SIGTERM')
      killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    }, options.timeoutMs ?? 45_000)
    child.on('error', (error) => {
      clearTimeout(guard)
      reject(error)
    })
    child.on('close', (exitCode) => {
      clearTimeout(guard)
      clearTimeout(killer)
      const result = {
        exitCode,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        durationMs: performance.now() - startedAt,
      }
      if (hung) {
        reject(new Error(`CLI ${args.join(' ')} hung; stderr:\n${result.stderr}`))
      } else {
        resolve(result)
      }
    })
  })
}

/** Parses output that must be exactly one JSON object on one line. */
export function singleJson(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n')
  if (lines.length !== 2 || lines[1] !== '') {
    throw new Error(`expected exactly one line of JSON, got:\n${stdout}`)
  }
  const value: unknown = JSON.parse(lines[0] ?? '')
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got: ${lines[0]}`)
  }
  return value as Record<string, unknown>
}

/**
 * Fails with the fix when dist/ is missing or older than src/: these tests exercise the
 * built CLI, and a stale build would prove old code.
 */
export async function assertCliBuilt(): Promise<void> {
  const built = await stat(CLI_MAIN).catch(() => undefined)
  const fix = 'run `npx tsc -p tsconfig.build.json` (or `make build`) first'
  if (built === undefined) throw new Error(`${CLI_MAIN} does not exist: ${fix}`)
  const srcDir = join(REPO_ROOT, 'src')
  const entries = await readdir(srcDir, { recursive: true })
  for (const entry of entries) {
    if (!entry.endsWith('.ts') || entry.endsWith('.test.ts')) continue
    const source = await stat(join(srcDir, entry))
    if (source.mtimeMs > built.mtimeMs) throw new Error(`dist/ is older than src/${entry}: ${fix}`)
  }
}

/** An orchestrator instance id the docker project's teardown watches for leftovers. */
export function testInstanceId(): string {
  return `${testInstancePrefix()}cli-${randomUUID().slice(0, 8)}`
}

/** A fresh temporary directory for scripts and configs; `remove()` deletes it. */
export class Workspace {
  readonly dir: string

  private constructor(dir: string) {
    this.dir = dir
  }

  static async create(): Promise<Workspace> {
    return new Workspace(await mkdtemp(join(tmpdir(), 'tinyagent-cli-test-')))
  }

  /** Writes a file into the workspace and returns its path. */
  async file(name: string, text: string): Promise<string> {
    const path = join(this.dir, name)
    await writeFile(path, text)
    return path
  }

  /**
   * Copies a config from the repository (e.g. `examples/configs/web-api.yml`) with its meaning
   * unchanged, except that `orchestrator.instance_id` is set so its containers are ours.
   */
  async repoConfig(repoPath: string, instanceId: string): Promise<string> {
    const doc = parseDocument(await readFile(join(REPO_ROOT, repoPath), 'utf8'))
    doc.setIn(['orchestrator', 'instance_id'], instanceId)
    const name = `${repoPath.replaceAll('/', '_')}.${instanceId}.yml`
    return this.file(name, doc.toString())
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}
