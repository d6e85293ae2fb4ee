import { checkPolicy } from '../../policy/index.js'
import { loadContext } from '../cli-context.js'
import { EXIT } from '../exit-codes.js'
import { formatReport } from '../format-result.js'
import type { ParsedCommand } from '../parse-command.js'
import { readSource } from '../read-source.js'

/** `check [--json] FILE|-`: applies the static policy only; needs no Docker engine. */
export async function checkCommand(command: ParsedCommand): Promise<number> {
  const path = command.positionals[0]
  const code = await readSource(path)
  const { config } = await loadContext(command.values.config, command.values.verbose === true)
  const report = checkPolicy(code, config.code_execution)
  if (command.values.json === true) {
    process.stdout.write(`${JSON.stringify(report)}\n`)
  } else {
    process.stdout.write(`${formatReport(report, path === '-' ? '<stdin>' : String(path))}\n`)
  }
  return report.allowed ? EXIT.ok : EXIT.policyViolation
}
