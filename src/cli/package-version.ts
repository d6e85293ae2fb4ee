import { readFile } from 'node:fs/promises'

/** This package's version, from the package.json two levels above dist/cli/ (or src/cli/). */
export async function packageVersion(): Promise<string> {
  try {
    const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8')
    return String((JSON.parse(text) as { version?: unknown }).version ?? '0.0.0')
  } catch {
    return '0.0.0'
  }
}
