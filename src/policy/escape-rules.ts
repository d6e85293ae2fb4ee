import type { SyntaxNode } from '@lezer/common'
import { identifierLiteral } from './call-forms.js'
import { calleeMeanings } from './callee.js'
import { isDunder, isFrameAttribute, isInternalAttribute } from './dunder-names.js'
import { isImportMachineryAttribute } from './import-machinery.js'
import { judgeEscapeAttribute, judgePrivateModuleAttribute } from './module-access.js'
import type { NameUse } from './name-walker.js'
import type { Finding, RuleContext } from './operation-rules.js'
import type { AttributeRead, CallSite, FormatField } from './walk-records.js'

/**
 * The classic escape routes: dunder and frame attributes (the climb from any object to
 * `__builtins__`), attribute names computed at run time, escape modules reached as attributes,
 * the import system's tables, pandas expressions that call what they name, and rewriting
 * modules that libraries use.
 */

/** `x.__class__`, `g.gi_frame`, `arr.ctypes`, `x.meta_path`: checked wherever the attribute is read. */
export function checkAttributeReads(
  reads: readonly AttributeRead[],
  context: RuleContext,
): Finding[] {
  const findings: Finding[] = []
  for (const { name, following, from, to } of reads) {
    if (isFrameAttribute(name)) findings.push({ rule: 'frame-attribute', subject: name, from, to })
    else if (isInternalAttribute(name))
      findings.push({ rule: 'dunder-attribute', subject: name, from, to })
    const reached =
      judgeEscapeAttribute(name, context.allowedImports) ??
      judgeAttributeAnywhere(name, following, context)
    if (reached !== undefined) findings.push({ ...reached, from, to })
  }
  return findings
}

/**
 * Attribute names refused whatever they are read off, written out or spelled as a literal
 * name (`getattr(x, "modules")`, `attrgetter("_os.system")`): the import system's tables, and
 * private handles on restricted modules (`[random][0]._os`).
 */
function judgeAttributeAnywhere(
  name: string,
  following: readonly string[],
  context: RuleContext,
): { rule: Finding['rule']; subject: string } | undefined {
  if (isImportMachineryAttribute(name)) return { rule: 'import-machinery', subject: name }
  return judgePrivateModuleAttribute(name, following, context.config, context.allowedImports)
}

/** `"{0.__globals__}".format(f)`: str.format reads attributes too. */
export function checkFormatFields(fields: readonly FormatField[]): Finding[] {
  return fields.map(({ field, from, to }) => ({
    rule: 'dunder-attribute',
    subject: field,
    from,
    to,
  }))
}

/** `np.load = f`, `del pd.read_csv`: library code would run the replacement. */
export function checkStores(stores: readonly NameUse[], context: RuleContext): Finding[] {
  const findings: Finding[] = []
  for (const store of stores) {
    const meanings = store.scope.resolve(store.name, store.from)
    const module = meanings.find((meaning) => meaning.kind === 'module')
    if (module === undefined || context.reported.has(module.binding)) continue
    const subject = [...module.path, ...store.attributes].join('.')
    findings.push({ rule: 'module-attribute-assignment', subject, from: store.from, to: store.to })
  }
  return findings
}

/** Calls that take attribute names or expressions as strings. */
export function checkNamedAttributeCalls(
  calls: readonly CallSite[],
  context: RuleContext,
): Finding[] {
  const findings: Finding[] = []
  for (const site of calls) {
    for (const target of calleeMeanings(site)) {
      const found = judgeNamedCall(site, target, context)
      if (found !== undefined) {
        findings.push({ ...found, from: site.from, to: site.to })
        break
      }
    }
  }
  return findings
}

type Target = ReturnType<typeof calleeMeanings>[number]

function judgeNamedCall(
  site: CallSite,
  target: Target,
  context: RuleContext,
): { rule: Finding['rule']; subject: string } | undefined {
  const positional = site.args.filter((arg) => arg.keyword === undefined)
  if (
    target.kind === 'builtin' &&
    ['getattr', 'setattr', 'delattr'].includes(target.path.join('.'))
  ) {
    const name = positional[1]
    if (name === undefined || name.starred)
      return { rule: 'attribute-by-name', subject: site.callee }
    const literal = literalText(name.value, name.text)
    if (literal === undefined || isInternalAttribute(literal))
      return { rule: 'attribute-by-name', subject: `${target.path[0]}(…, ${name.text})` }
    return judgeAttributeAnywhere(literal, [], context)
  }
  const dotted = target.path.join('.')
  if (
    target.kind === 'module' &&
    (dotted === 'operator.attrgetter' || dotted === 'operator.methodcaller')
  ) {
    const names = dotted === 'operator.attrgetter' ? site.args : site.args.slice(0, 1)
    const bad = names.find((arg) => {
      const literal =
        arg.keyword === undefined && !arg.starred ? plainString(arg.value, arg.text) : undefined
      return (
        literal === undefined ||
        literal.split('.').some((part) => isInternalAttribute(part) || !/^[A-Za-z_]\w*$/.test(part))
      )
    })
    if (bad !== undefined || names.length === 0)
      return { rule: 'attribute-by-name', subject: `${dotted}(${bad?.text ?? ''})` }
    for (const arg of names) {
      const parts = (plainString(arg.value, arg.text) ?? '').split('.')
      for (const [index, part] of parts.entries()) {
        const reached = judgeAttributeAnywhere(part, parts.slice(index + 1), context)
        if (reached !== undefined) return reached
      }
    }
    return undefined
  }
  const isPandasEval =
    target.kind === 'module' && target.path[0] === 'pandas' && target.path.at(-1) === 'eval'
  const isFrameMethod =
    target.kind === 'object' && (target.path.at(-1) === 'query' || target.path.at(-1) === 'eval')
  if (isPandasEval || isFrameMethod) {
    const expression = site.args.find((arg) => arg.keyword === 'expr') ?? positional[0]
    if (expression === undefined) return undefined
    const literal = expression.starred ? undefined : plainString(expression.value, expression.text)
    if (literal === undefined || namesRestricted(literal))
      return {
        rule: 'pandas-expression',
        subject: `${site.callee}(${expression.text.slice(0, 40)})`,
      }
  }
  return undefined
}

/** Identifiers a pandas expression could resolve and call (string constants inside it aside). */
const RESTRICTED_IN_EXPRESSIONS = new Set([
  'os',
  'sys',
  'subprocess',
  'shutil',
  'builtins',
  'ctypes',
  'importlib',
  'pickle',
  'marshal',
  'socket',
  'gc',
  'inspect',
  'code',
  'codeop',
  'eval',
  'exec',
  'compile',
  'open',
  'getattr',
  'setattr',
  'delattr',
  'vars',
  'globals',
  'locals',
  'breakpoint',
  'io',
  'pathlib',
  'np',
  'pd',
  'numpy',
  'pandas',
])

function namesRestricted(expression: string): boolean {
  const code = expression.replace(/'[^']*'|"[^"]*"/g, "''")
  for (const match of code.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const name = match[0]
    if (RESTRICTED_IN_EXPRESSIONS.has(name) || isDunder(name) || isInternalAttribute(name))
      return true
  }
  return false
}

/** The identifier a plain string literal spells, if the value is one. */
function literalText(value: SyntaxNode | undefined, text: string): string | undefined {
  return value?.name === 'String' ? identifierLiteral(text) : undefined
}

/** The contents of a plain (not f-, not concatenated) one-line string literal. */
export function plainString(value: SyntaxNode | undefined, text: string): string | undefined {
  if (value?.name !== 'String') return undefined
  const match = /^[rRuU]?(['"])(.*)\1$/s.exec(text)
  if (match?.[2] === undefined || match[2].startsWith(match[1] ?? '')) return undefined
  return match[2]
}
