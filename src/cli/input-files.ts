import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { InvalidArgumentError } from '../errors.js'

/** `--file NAME=PATH` (or just `--file PATH`, named by its basename) → request files, as base64. */
export async function readInputFiles(
  specs: readonly string[],
): Promise<{ name: string; content: string; encoding: 'base64' }[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const split = spec.indexOf('=')
      const name = split === -1 ? basename(spec) : spec.slice(0, split)
      const path = split === -1 ? spec : spec.slice(split + 1)
      try {
        return {
          name,
          content: (await readFile(path)).toString('base64'),
          encoding: 'base64' as const,
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        throw new InvalidArgumentError(
          `Cannot read \`--file ${spec}\`: ${code === 'ENOENT' ? 'no such file' : code}.`,
        )
      }
    }),
  )
}
