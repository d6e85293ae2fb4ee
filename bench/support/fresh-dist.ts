import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLI } from './worker-process.js'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

/** Worker processes run the built CLI: a dist/ older than src/ would measure old code. Exits if so. */
export async function assertFreshDist(): Promise<void> {
  const built = await stat(CLI).then(
    (s) => s.mtimeMs,
    () => 0,
  )
  const sources = (await readdir(SRC, { recursive: true })).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
  )
  const newer: string[] = []
  for (const file of sources) if ((await stat(join(SRC, file))).mtimeMs > built) newer.push(file)
  if (newer.length > 0) {
    console.error(
      `dist/ is older than src/ (${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', …' : ''}), so the workers would run old code. Build it first: \`npx tsc -p tsconfig.build.json\` (or \`make build\`).`,
    )
    process.exit(1)
  }
}
