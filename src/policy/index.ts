export { DEFAULT_ALLOWED_IMPORTS } from './allowed-imports.js'
export { type CheckOptions, checkPolicy, MAX_CHECKED_BYTES } from './check-policy.js'
export { type ConfigKey, type PolicyRule, RULES, type RuleId } from './rules.js'
export { type GuardSettings, guardSettings } from './runtime-guard.js'
export { RUNTIME_RULES, type RuntimeRuleId } from './runtime-rules.js'
export type {
  PolicyConfig,
  PolicyReport,
  SourcePart,
  SyntaxProblem,
  Violation,
} from './types.js'
