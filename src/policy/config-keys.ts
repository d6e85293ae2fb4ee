/** The configuration keys that hints name, spelled as in config.yml. */
export const DANGEROUS = 'code_execution.allow_dangerous_operations'
export const IMPORTS = 'code_execution.allowed_operations.imports'
export const FILES = 'code_execution.allowed_operations.file_operations'
export const OS = 'code_execution.allowed_operations.os_operations'
