import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A resolve hook (module.register) that appends every URL an ES import resolves to, one per
 * line, to the file `initialize` is given. CommonJS `require`s inside a CommonJS package do
 * not pass through it: those are read from the require cache afterwards.
 */
const RESOLVE_HOOK = `
import { appendFileSync } from 'node:fs'
let log
export function initialize(data) { log = data.log }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(log, result.url + '\\n')
  return result
}
`

/** The child: registers the hook, imports the entry, runs `afterImport`, prints loaded module URLs. */
const CHILD = `
import { createRequire, register } from 'node:module'
import { readFileSync } from 'node:fs'
const [log, specifier, afterImport] = process.argv.slice(1)
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(RESOLVE_HOOK)}), { data: { log } })
const entry = await import(specifier)
await new Function('entry', afterImport)(entry)
const esm = readFileSync(log, 'utf8').split('\\n').filter(Boolean)
const cjs = Object.keys(createRequire(import.meta.url).cache).map((path) => 'file://' + path)
process.stdout.write(JSON.stringify([...esm, ...cjs]))
`

export interface LoadOptions {
  /** Where the import is resolved from: the package itself (self-reference) or a consumer. */
  readonly cwd: string
  /** A function body run after the import, with the module as `entry`. @default nothing */
  readonly afterImport?: string
}

/**
 * The npm packages (`fastify`, `@modelcontextprotocol/sdk`) a fresh `node` loads for
 * `import(specifier)`, sorted, tinyagent-sandbox itself left out: ES imports through a
 * resolve hook, CommonJS through the require cache.
 */
export async function loadedPackages(specifier: string, options: LoadOptions): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tinyagent-loaded-'))
  const log = join(dir, 'resolved.log')
  try {
    const stdout = await runNode(
      ['--input-type=module', '-e', CHILD, log, specifier, options.afterImport ?? ''],
      options.cwd,
    )
    const urls = JSON.parse(stdout) as string[]
    const names = urls.flatMap((url) => {
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
      return match?.[1] === undefined || match[1] === 'tinyagent-sandbox' ? [] : [match[1]]
    })
    return [...new Set(names)].sort()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function runNode(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`node exited ${code}:\n${stderr}`))
    })
  })
}
