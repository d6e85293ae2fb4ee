import { DockerEngine } from '../../engine/docker-engine.js'
import { SandboxError } from '../../errors.js'
import { chooseRuntime } from '../../sandbox/runtime-choice.js'
import { loadContext } from '../cli-context.js'
import { EXIT } from '../exit-codes.js'
import type { ParsedCommand } from '../parse-command.js'

interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

/** `doctor [--json]`: is the engine reachable, the image present, the runtime registered? */
export async function doctorCommand(command: ParsedCommand): Promise<number> {
  const { config, logger } = await loadContext(
    command.values.config,
    command.values.verbose === true,
  )
  const engine = new DockerEngine({ logger })
  const { image, runtime } = config.code_execution
  const checks: Check[] = []
  try {
    const info = await engine.info()
    checks.push({
      name: 'engine',
      ok: true,
      detail: `Docker ${info.serverVersion} at ${info.endpoint}`,
    })
    const picked = await chooseRuntime(runtime, engine)
    checks.push({
      name: 'runtime',
      ok: info.runtimes.includes(picked),
      detail: `${runtime === 'auto' ? `auto picks \`${picked}\`` : `configured \`${runtime}\``}; engine has ${info.runtimes.join(', ')}`,
    })
    const packages = await engine.imagePackages(image)
    checks.push({
      name: 'image',
      ok: packages !== undefined,
      detail:
        packages === undefined
          ? `\`${image}\` is missing: ${buildImageAdvice(command.values.config)}`
          : `\`${image}\` is present, with ${packages.length > 0 ? packages.join(', ') : 'no package list (built elsewhere)'}`,
    })
  } catch (error) {
    const detail = error instanceof SandboxError ? error.message : String(error)
    checks.push({ name: 'engine', ok: false, detail })
  }
  const healthy = checks.every((check) => check.ok)
  if (command.values.json === true) {
    process.stdout.write(`${JSON.stringify({ healthy, checks })}\n`)
  } else {
    for (const check of checks)
      process.stdout.write(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.detail}\n`)
  }
  return healthy ? EXIT.ok : EXIT.engine
}

/** For an npm user (no checkout, no Makefile): the package ships the build and a command for it. */
function buildImageAdvice(configPath: string | undefined): string {
  const config = configPath === undefined ? '' : ` --config ${shellWord(configPath)}`
  return `build it with \`npx tinyagent-sandbox image build${config}\` (needs the docker CLI; a few minutes), or \`make image\` in a checkout of the repository`
}

/** The path as one word for a POSIX shell, so the advice can be pasted as it is. */
function shellWord(text: string): string {
  return /^[\w./@:+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}
