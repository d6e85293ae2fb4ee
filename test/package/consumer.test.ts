import { execFile } from 'node:child_process'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertCliBuilt, REPO_ROOT } from '../support/cli.js'
import { loadedPackages } from '../support/loaded-packages.js'

const run = promisify(execFile)

/** A project that uses every entry point, as an npm user would write it. */
const CONSUMER_TS = `
import {
  anonCoderTool,
  DockerEngine,
  type ExecutionResult,
  type Executor,
  loadConfigFile,
  Sandbox,
  SandboxError,
  toOpenAiTool,
} from 'tinyagent-sandbox'
import { createMcpServer } from 'tinyagent-sandbox/mcp'
import { checkPolicy, DEFAULT_ALLOWED_IMPORTS, type PolicyReport } from 'tinyagent-sandbox/policy'
import { QueueExecutor, QueueWorker, queueUrl } from 'tinyagent-sandbox/queue'
import { ApiKeys, HttpServer } from 'tinyagent-sandbox/server'

const config = await loadConfigFile('config.yml')
const report: PolicyReport = checkPolicy('import math', config.code_execution)
const sandbox: Executor = await Sandbox.create({ config, engine: new DockerEngine() })
const result: ExecutionResult = await sandbox.execute({ code: 'print(1)' })
const server = await HttpServer.start({ executor: sandbox, apiKeys: await ApiKeys.load(process.env, config.server.api_key_file) })
const mcp = createMcpServer({ executor: sandbox })
const url = queueUrl(config)
if (url !== undefined) await QueueExecutor.create({ config, url })
console.log(report.allowed, result.status, server.url, mcp, DEFAULT_ALLOWED_IMPORTS.length)
console.log(toOpenAiTool(anonCoderTool(config.code_execution)), SandboxError, QueueWorker)
`

/** What a strict consumer compiles with: our .d.ts files are checked too (no skipLibCheck). */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['consumer.ts'],
}

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

/**
 * `npm pack`, then `npm install` of the tarball into an empty project: what an npm user gets.
 * Dependencies come from npm's cache where `npm ci` put them, else from the registry; no
 * install scripts run (the CLI does not need ssh2's or cpu-features' native parts).
 */
describe('the packed package in a consumer project', () => {
  let dir: string
  let installed: string

  beforeAll(async () => {
    await assertCliBuilt()
    dir = await mkdtemp(join(tmpdir(), 'tinyagent-consumer-'))
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: REPO_ROOT,
    })
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }]
    const typesNode = JSON.parse(
      await readFile(join(REPO_ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8'),
    ) as { version: string }
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    )
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        join(dir, filename),
        `@types/node@${typesNode.version}`,
      ],
      { cwd: dir },
    )
    installed = join(dir, 'node_modules', 'tinyagent-sandbox')
  }, 300_000)

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('compiles against every entry point with strict checks and skipLibCheck: false', async () => {
    await writeFile(join(dir, 'consumer.ts'), CONSUMER_TS)
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG))
    const compiled = await run(process.execPath, [TSC, '-p', '.'], { cwd: dir }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    )
    expect(compiled).toBe('')
  }, 300_000)

  it('imports every entry point, and the policy alone loads only the Python parser', async () => {
    const from = { cwd: dir }
    for (const entry of ['', '/server', '/mcp', '/queue'])
      expect(await loadedPackages(`tinyagent-sandbox${entry}`, from)).toContain('@lezer/python')
    expect(await loadedPackages('tinyagent-sandbox/policy', from)).toEqual([
      '@lezer/common',
      '@lezer/highlight',
      '@lezer/lr',
      '@lezer/python',
    ])
  }, 60_000)

  it('ships the LICENSE and what `image build` needs', async () => {
    for (const file of [
      'LICENSE',
      'config.yml',
      'scripts/build-image.sh',
      'images/python/Dockerfile',
      'images/python/build-base.sh',
      'images/python/packages.txt',
    ])
      await expect(access(join(installed, file))).resolves.toBeUndefined()
  })

  it('`image build` from the installed package finds its sources: the image is up to date', async () => {
    // `make test` built the image from the same images/python first, so this is the no-op path.
    const { stderr } = await run(
      join(dir, 'node_modules', '.bin', 'tinyagent-sandbox'),
      ['image', 'build'],
      { cwd: dir },
    )
    expect(stderr).toMatch(
      /^\[build-image\] tinyagent-sandbox\/python is up to date \(source digest [0-9a-f]{16}\)\.\n$/,
    )
  }, 60_000)
})
