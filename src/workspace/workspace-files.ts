import { createHash } from 'node:crypto'
import { InvalidArgumentError } from '../errors.js'
import type { DirectoryHandle, Owner } from './directory-handle.js'
import { unsafeNameReason } from './file-name.js'

/** A file the caller sends into the workspace. */
export interface InputFile {
  readonly name: string
  readonly content: Uint8Array
}

/** What is kept of an input file to tell afterwards whether the code changed it. */
export interface InputFingerprint {
  readonly size: number
  /** From {@link digest}. */
  readonly digest: string
}

/** A workspace file that the code created or changed, as returned in the result. */
export interface OutputFile {
  /** Relative to /workspace, with `/` separators. */
  readonly name: string
  /** The file's full size in bytes. */
  readonly size: number
  /** The content (possibly cut), base64-encoded. */
  readonly contentBase64: string
  /** True when `contentBase64` holds less than `size` bytes. */
  readonly truncated: boolean
}

export interface OutputCaps {
  readonly fileBytes: number
  readonly totalBytes: number
  readonly files: number
}

export interface CollectedFiles {
  readonly files: OutputFile[]
  /**
   * Some created or changed files were left out: more than `caps.files`, past
   * `caps.totalBytes`, deeper than the walk goes, past the walk's entry limit, or with a
   * name that is not UTF-8.
   */
  readonly filesTruncated: boolean
}

export interface WriteInputOptions {
  /** Each file's mode, exactly: the umask does not apply. */
  readonly fileMode: number
  /** Each created directory's mode, exactly. */
  readonly dirMode: number
  /** Given every created file and directory, through its descriptor. Unset, they stay ours. */
  readonly owner?: Owner | undefined
}

export function digest(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex')
}

/**
 * Writes input files into a fresh workspace. The names are sorted, which puts each
 * directory's files together: each directory is made once, and only the chain of
 * directories down to the current file is open, however many files and levels there are.
 */
export async function writeInputFiles(
  root: DirectoryHandle,
  files: readonly InputFile[],
  options: WriteInputOptions,
): Promise<void> {
  const { fileMode, dirMode, owner } = options
  const sorted = [...files].sort((a, b) => compareNames(a.name, b.name))
  const chain: { readonly name: string; readonly directory: DirectoryHandle }[] = []
  try {
    for (const file of sorted) {
      const reason = unsafeNameReason(file.name)
      if (reason !== undefined) {
        throw new InvalidArgumentError(
          `Invalid input file name ${JSON.stringify(file.name)}: ${reason}`,
        )
      }
      const segments = file.name.split('/')
      const base = segments.pop() as string
      let shared = 0
      while (shared < chain.length && chain[shared]?.name === segments[shared]) shared++
      while (chain.length > shared) await chain.pop()?.directory.close()
      for (let i = shared; i < segments.length; i++) {
        const name = segments[i] as string
        const directory = await (chain.at(-1)?.directory ?? root).makeDirectory(name, dirMode)
        chain.push({ name, directory })
        if (owner !== undefined) await directory.chown(owner.uid, owner.gid)
      }
      await (chain.at(-1)?.directory ?? root).createFile(base, file.content, fileMode, { owner })
    }
  } finally {
    for (const { directory } of chain.reverse()) await directory.close().catch(() => undefined)
  }
}

/** By UTF-16 code units, as `.sort()` orders strings. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}
