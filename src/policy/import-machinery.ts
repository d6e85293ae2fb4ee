/**
 * The import system's own tables. Whoever holds one can put a finder or loader of their own
 * in front of every import, or swap a module that library code is about to use; the runtime
 * guard would then see library-looking imports run the code's functions. No data-analysis
 * code reads them, so they are refused as attributes of anything (`sys.modules`, and `x.modules`
 * for an `x` that is `sys` reached through a value).
 */
const IMPORT_MACHINERY_ATTRIBUTES: ReadonlySet<string> = new Set([
  'meta_path',
  'path_hooks',
  'path_importer_cache',
  'modules',
])

export function isImportMachineryAttribute(name: string): boolean {
  return IMPORT_MACHINERY_ATTRIBUTES.has(name)
}
