/**
 * The seed's `code_execution` security keys, exactly as they appear in config.yml.
 * The config loader produces this shape; the policy reads nothing else.
 */
export interface PolicyConfig {
  /** Seed: turns the static checks off entirely. */
  readonly allow_dangerous_operations: boolean
  readonly allowed_operations: {
    /** Seed: allows `open()` and file reading/writing. */
    readonly file_operations: boolean
    /** Seed: allows operations using the `os` module. */
    readonly os_operations: boolean
    /** Seed: modules importable beyond the defaults (dotted names such as `os.path` allowed). */
    readonly imports: readonly string[]
  }
}

/**
 * Which source a finding is in, when the request had setup code besides the code: the
 * request field's name (`setupCode`, the tool's `setup_code`; or `code`).
 */
export type SourcePart = 'setupCode' | 'code'

/** One refused construct in the submitted code. */
export interface Violation {
  /** Stable rule id, e.g. `eval-call`, `import-not-allowed`. */
  readonly rule: string
  /** 1-based line of the offending construct, counted in its `part`. */
  readonly line: number
  /** 1-based column of the offending construct. */
  readonly column: number
  /** Set only when the request had setup code: the source `line` counts in. */
  readonly part?: SourcePart
  /** The offending source text (at most 80 characters). */
  readonly text: string
  /** What is refused, for a person. */
  readonly message: string
  /** How to allow it, naming the config key (or saying that no key does). */
  readonly hint: string
  /**
   * Set only on refusals of the runtime guard: the audit event it stopped (`open`,
   * `os.system`, `import`). Static refusals, made before anything ran, have none.
   */
  readonly event?: string
}

/** Code that Python would not compile. */
export interface SyntaxProblem {
  readonly line: number
  readonly column: number
  /** Set only when the request had setup code: the source `line` counts in. */
  readonly part?: SourcePart
  readonly message: string
}

export interface PolicyReport {
  /** True when the code may run: no syntax problem and no violation. */
  readonly allowed: boolean
  /** False when `allow_dangerous_operations` turned the static checks off. */
  readonly checked: boolean
  readonly violations: readonly Violation[]
  readonly syntaxErrors: readonly SyntaxProblem[]
}
