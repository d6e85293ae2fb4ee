import { readFile } from 'node:fs/promises'
import { InvalidArgumentError } from '../errors.js'

/** Reads a script from a path, or from stdin when the path is `-`. */
export async function readSource(path: string | undefined): Promise<string> {
  if (path === undefined) {
    throw new InvalidArgumentError('Expected a script path, or `-` to read the code from stdin.')
  }
  if (path === '-') return readStdin()
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(error)
    throw new InvalidArgumentError(`Cannot read the script \`${path}\`: ${reason}.`)
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
