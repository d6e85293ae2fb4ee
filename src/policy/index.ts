export { DEFAULT_ALLOWED_IMPORTS } from './allowed-imports.js'
export { checkPolicy } from './check-policy.js'
export { type ConfigKey, type PolicyRule, RULES, type RuleId } from './rules.js'
export type { PolicyConfig, PolicyReport, SyntaxProblem, Violation } from './types.js'
