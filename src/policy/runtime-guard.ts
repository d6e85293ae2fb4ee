import { allowedImports, isImportAllowed } from './allowed-imports.js'
import type { PolicyConfig } from './types.js'

/**
 * What the runtime guard in the image (images/python/guard.py) allows, sent to the runner with
 * the code. Every key is derived here from the same `code_execution` settings the static policy
 * reads, so the two layers cannot drift apart; the runner only applies them.
 */
export interface GuardSettings {
  /** `open()` outside the installed software, listings, file changes (`file_operations`). */
  readonly files: boolean
  /** `os.system`, `os.exec*`, `os.spawn*`, `os.fork`, `os.kill`, and os file changes (`os_operations`). */
  readonly os: boolean
  /** `subprocess.Popen` (`os_operations`, or `subprocess` in `imports`). */
  readonly subprocess: boolean
  /** Any `socket.*` event (`socket` in `imports`). */
  readonly network: boolean
  /** Any `ctypes.*` event (`ctypes` in `imports`). */
  readonly ctypes: boolean
  /** Unpickling classes from modules outside the allowlist (`pickle` in `imports`). */
  readonly pickle: boolean
  /** `marshal.*` from the code itself (`marshal` in `imports`). */
  readonly marshal: boolean
  /** `gc.get_objects`/`get_referrers`/`get_referents` (`gc` in `imports`). */
  readonly gc: boolean
  /** `sys._getframe`, `sys.settrace` and friends from the code itself (`sys` in `imports`). */
  readonly frames: boolean
  /** Modules the code itself may import (dotted prefixes count, as in the static policy). */
  readonly imports: readonly string[]
}

/** A compiler directive, not a capability: `from __future__ import annotations` must run. */
const ALWAYS_IMPORTABLE = ['__future__']

/** The guard settings for a configuration; `null` (no guard) when `allow_dangerous_operations`. */
export function guardSettings(config: PolicyConfig): GuardSettings | null {
  if (config.allow_dangerous_operations) return null
  const allowed = allowedImports(config)
  const has = (module: string) => isImportAllowed([module], allowed)
  const { file_operations, os_operations } = config.allowed_operations
  return {
    files: file_operations,
    os: os_operations,
    subprocess: os_operations || has('subprocess'),
    network: has('socket'),
    ctypes: has('ctypes'),
    pickle: has('pickle'),
    marshal: has('marshal'),
    gc: has('gc'),
    frames: has('sys'),
    imports: [...new Set([...allowed, ...ALWAYS_IMPORTABLE])].sort(),
  }
}
