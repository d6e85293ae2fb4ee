/** Every C0 control, DEL and every C1 control: Unicode's general category Cc. */
const CONTROL = /\p{Cc}/gu

/**
 * Text that came from the sandbox, made inert for a terminal: tabs and newlines (`\n` and
 * `\r\n`) stay; every other control character, ESC, a lone `\r`, DEL and the C1 controls
 * (U+0080–U+009F, which some terminals read as ESC sequences) is shown as `\xHH`. So nothing
 * the code prints can move the cursor, change colours, hide text, set the title or write the
 * clipboard. Printable text, UTF-8 and emoji included, is left as it is.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (char, offset: number) => {
    if (char === '\n' || char === '\t') return char
    if (char === '\r' && text[offset + 1] === '\n') return char
    return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`
  })
}

/**
 * `JSON.stringify`, with DEL and the C1 controls written as `\u00XX` too: JSON.stringify
 * escapes only C0 and leaves those raw, and U+009B alone is a CSI on some terminals. The
 * parsed value is the same, so `--json` stays exact for programs and inert on a terminal.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    CONTROL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
