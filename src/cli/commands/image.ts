import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { loadContext } from '../cli-context.js'
import { EXIT } from '../exit-codes.js'
import type { ParsedCommand } from '../parse-command.js'

/** Shipped in the npm package beside dist/ and images/, so no checkout or Makefile is needed. */
export const BUILD_IMAGE_SCRIPT = fileURLToPath(
  new URL('../../../scripts/build-image.sh', import.meta.url),
)

/**
 * `image build`: builds the sandbox image from the package's images/python under the tag
 * `code_execution.image` names; a no-op when an image from the same files is there.
 * What `make image` runs (docs/images.md).
 */
export async function imageCommand(command: ParsedCommand): Promise<number> {
  const { config } = await loadContext(command.values.config, false)
  const child = spawn('bash', [BUILD_IMAGE_SCRIPT], {
    stdio: 'inherit',
    env: { ...process.env, IMAGE_TAG: config.code_execution.image },
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  return code === 0 ? EXIT.ok : EXIT.engine
}
