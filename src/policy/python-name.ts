/**
 * Python reads identifiers in NFKC form (PEP 3131): `ｅval`, `ℯval` and `eval` are one name.
 * ASCII, by far the common case, is already normal and skips the work.
 */
export function pythonName(text: string): string {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return text.normalize('NFKC')
  }
  return text
}
