import type { SyntaxNode } from '@lezer/common'
import { type CalleeMeaning, calleeMeanings } from './callee.js'
import type { WalkResult } from './name-walker.js'
import type { Finding } from './operation-rules.js'
import { OwnMethodCalls } from './own-method-calls.js'
import type { CallArgument, CallSite } from './walk-records.js'

/**
 * File I/O through the allowed libraries, refused unless `file_operations`: the seed's
 * `open\s*\(` pattern, widened to the doors numpy, pandas, io, codecs and pathlib open.
 * Reading from data in the code (`pd.read_csv(io.StringIO(text))`, `np.loadtxt(["1 2"])`)
 * and writing to a string (`df.to_csv()`) are no file operations and stay allowed, and so is
 * a method of the code's own class (`Door().open()`, own-method-calls.ts).
 */

/** Module functions that read from their first argument when it is a path. */
const MODULE_READERS: Readonly<Record<string, ReadonlySet<string>>> = {
  numpy: new Set([
    'load',
    'loadtxt',
    'genfromtxt',
    'fromfile',
    'fromregex',
    'recfromcsv',
    'recfromtxt',
    'memmap',
    'open_memmap',
  ]),
}
/** Module functions that write to their first argument when it is a path. */
const MODULE_WRITERS: Readonly<Record<string, ReadonlySet<string>>> = {
  numpy: new Set(['save', 'savez', 'savez_compressed', 'savetxt']),
}
/** Module functions that always touch files. */
const MODULE_FILE_CALLS: Readonly<Record<string, ReadonlySet<string> | 'all'>> = {
  numpy: new Set(['DataSource']),
  pandas: new Set(['read_clipboard', 'HDFStore', 'ExcelWriter']),
  io: new Set(['open', 'open_code', 'FileIO']),
  _io: new Set(['open', 'open_code', 'FileIO']),
  codecs: new Set(['open', 'EncodedFile']),
  gzip: new Set(['open', 'GzipFile']),
  bz2: new Set(['open', 'BZ2File']),
  lzma: new Set(['open', 'LZMAFile']),
  zipfile: new Set(['ZipFile']),
  tarfile: new Set(['open', 'TarFile']),
  tempfile: 'all',
  fileinput: 'all',
  glob: 'all',
  shelve: 'all',
  dbm: 'all',
}
/** pandas readers: module functions, and the same names on an alias the checks cannot follow. */
const PANDAS_READERS = new Set([
  'read_csv',
  'read_table',
  'read_fwf',
  'read_excel',
  'read_json',
  'read_parquet',
  'read_pickle',
  'read_feather',
  'read_hdf',
  'read_orc',
  'read_sas',
  'read_spss',
  'read_stata',
  'read_xml',
  'read_html',
  'read_sql',
  'read_sql_table',
  'read_sql_query',
])
/** DataFrame/Series writers: a file when given a path, a string when not. */
const OBJECT_WRITERS = new Set([
  'to_csv',
  'to_json',
  'to_excel',
  'to_parquet',
  'to_pickle',
  'to_feather',
  'to_hdf',
  'to_html',
  'to_latex',
  'to_markdown',
  'to_stata',
  'to_xml',
  'to_orc',
  'to_string',
  'savefig',
])
/** Methods that always touch files: pathlib's, numpy's `tofile`, pandas' clipboard. */
const OBJECT_FILE_METHODS = new Set([
  'read_text',
  'write_text',
  'read_bytes',
  'write_bytes',
  'touch',
  'unlink',
  'mkdir',
  'rmdir',
  'iterdir',
  'glob',
  'rglob',
  'symlink_to',
  'hardlink_to',
  'open',
  'chmod',
  'lchmod',
  'tofile',
  'to_clipboard',
])
/** Keywords that name the file, where a path may go instead of the first argument. */
const PATH_KEYWORDS = new Set([
  'filepath_or_buffer',
  'path_or_buf',
  'path_or_buffer',
  'path',
  'buf',
  'io',
  'file',
  'fname',
  'filename',
  'excel_writer',
])

export function checkLibraryFileCalls(
  walk: Pick<WalkResult, 'calls' | 'attributeReads' | 'uses' | 'classBodies'>,
): Finding[] {
  const findings: Finding[] = []
  const ownMethods = new OwnMethodCalls(walk)
  for (const site of walk.calls) {
    const subject = calleeMeanings(site)
      .map((meaning) => judgeFileCall(site, meaning, ownMethods))
      .find((found) => found !== undefined)
    if (subject !== undefined) {
      findings.push({ rule: 'library-file-access', subject, from: site.from, to: site.to })
    }
  }
  return findings
}

function judgeFileCall(
  site: CallSite,
  meaning: CalleeMeaning,
  ownMethods: OwnMethodCalls,
): string | undefined {
  const name = meaning.path.at(-1)
  if (name === undefined) return undefined
  if (meaning.kind === 'module') {
    const [top = ''] = meaning.path
    const dotted = meaning.path.join('.')
    const always = MODULE_FILE_CALLS[top]
    if (always === 'all' || always?.has(name)) return dotted
    const readsPath =
      MODULE_READERS[top]?.has(name) || (top === 'pandas' && PANDAS_READERS.has(name))
    if (readsPath && pathArgument(site) !== 'data') return dotted
    if (MODULE_WRITERS[top]?.has(name) && pathArgument(site) === 'path') return dotted
    return undefined
  }
  if (meaning.kind !== 'object' || !touchesFiles(site, name)) return undefined
  return ownMethods.isOwnMethodCall(site) ? undefined : `.${name}()`
}

/** Whether a method of that name, on a library's object, reads or writes a file here. */
function touchesFiles(site: CallSite, name: string): boolean {
  return (
    OBJECT_FILE_METHODS.has(name) ||
    (OBJECT_WRITERS.has(name) && pathArgument(site) === 'path') ||
    (PANDAS_READERS.has(name) && pathArgument(site) !== 'data') ||
    (name === 'dump' && site.args[0]?.value?.name === 'String')
  )
}

/**
 * Whether the call's file argument is a path: `'path'` (a path, or anything that may hold
 * one), `'data'` (text, lines, or an in-memory buffer in the code), or `'none'` (no argument).
 */
function pathArgument(site: CallSite): 'path' | 'data' | 'none' {
  const argument =
    site.args.find((arg) => arg.keyword !== undefined && PATH_KEYWORDS.has(arg.keyword)) ??
    site.args.find((arg) => arg.keyword === undefined)
  if (argument === undefined) return 'none'
  return isData(argument) ? 'data' : 'path'
}

function isData(argument: CallArgument): boolean {
  const value: SyntaxNode | undefined = argument.value
  if (argument.starred || value === undefined) return false
  if (value.name === 'String' || value.name === 'ContinuedString') {
    // Inline data, not a file name: several lines, or JSON/HTML/XML text.
    return /\\n|\n/.test(argument.text) || /^[rRuUbB]*['"]{1,3}\s*[[{<]/.test(argument.text)
  }
  if (['ArrayExpression', 'TupleExpression', 'ArrayComprehensionExpression'].includes(value.name))
    return true
  if (value.name === 'CallExpression') {
    const callee = argument.text.slice(0, argument.text.indexOf('('))
    return /(^|\.)(StringIO|BytesIO)$/.test(callee.trim())
  }
  return false
}
