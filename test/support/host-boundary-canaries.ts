import { randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * A host directory that sandboxed code points symlinks at: every file in it holds one random
 * token. If the orchestrator followed such a link, the token would show up in a result, or
 * a file would be gone. Readable by all (0755/0644), so file modes alone would not stop a
 * host that followed the link on the sandbox user's behalf.
 */
export class CanaryDir {
  readonly path: string
  /** Found nowhere but in this directory's files; the path does not contain it. */
  readonly token = `hbcanary${randomBytes(12).toString('hex')}`
  readonly #files: readonly string[]

  private constructor(path: string, files: readonly string[]) {
    this.path = path
    this.#files = files
  }

  /** Makes a fresh directory holding `files` (relative paths), each with the token. */
  static async plant(files: readonly string[]): Promise<CanaryDir> {
    const canary = new CanaryDir(await mkdtemp(join(tmpdir(), 'tinyagent-hb-canary-')), files)
    await chmod(canary.path, 0o755)
    for (const file of files) {
      const path = join(canary.path, file)
      await mkdir(dirname(path), { recursive: true, mode: 0o755 })
      await writeFile(path, canary.#content(file), { mode: 0o644 })
    }
    return canary
  }

  /** Planted files that are gone or changed: expected `[]`. */
  async damaged(): Promise<string[]> {
    const damaged: string[] = []
    for (const file of this.#files) {
      const content = await readFile(join(this.path, file), 'utf8').catch(() => undefined)
      if (content !== this.#content(file)) damaged.push(file)
    }
    return damaged
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true })
  }

  #content(file: string): string {
    return `${this.token} ${file}\n`
  }
}

/**
 * Whether `token` appears anywhere in `value` (a result, or an HTTP body as text or parsed):
 * in its JSON text, or inside any base64 content it carries (returned files, charts).
 */
export function exposes(value: unknown, token: string): boolean {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  if (text.includes(token)) return true
  const parsed: unknown = typeof value === 'string' ? parseOrText(value) : value
  return base64Strings(parsed).some((b64) =>
    Buffer.from(b64, 'base64').toString('latin1').includes(token),
  )
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Every string under a key that holds base64 (`contentBase64`, `base64`), at any depth. */
function base64Strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(base64Strings)
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, item]) =>
    typeof item === 'string' && /base64$/i.test(key) ? [item] : base64Strings(item),
  )
}
