/**
 * `tinyagent-sandbox/policy`: the static policy alone. Pure (no I/O, no Docker): it loads
 * the Python parser and nothing else.
 */
export { type CheckOptions, checkPolicy, DEFAULT_ALLOWED_IMPORTS } from './policy/index.js'
export type {
  PolicyConfig,
  PolicyReport,
  SourcePart,
  SyntaxProblem,
  Violation,
} from './policy/types.js'
