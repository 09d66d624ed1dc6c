/**
 * File content shown in import errors. A message quotes the offending cell so the user can find
 * it, but a file may hold anything: terminal escape sequences (ESC [ 31 m recolours a terminal,
 * BEL rings it), NUL and other binary bytes, bidi overrides that reorder the text around them,
 * or a 2-million-character field. So every piece of file text in a message goes through here:
 * control, bidi and unpaired-surrogate characters become visible escapes (`\x1b`, `\u202e`) and
 * long text is cut with its length said.
 */

/** Longest cell quoted whole in a message. */
const MAX_CELL_CHARS = 40
/** Longest message: a header line or a list of columns can be long too. */
const MAX_MESSAGE_CHARS = 2000

// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates,
// and surrogates that do not form a pair (they come from broken UTF-16).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * Makes text safe to print on one line.
 * @example escapeText('a\x1b[31mb\x00') // "a\\x1b[31mb\\x00"
 */
export function escapeText(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/**
 * Cuts text longer than `max` characters, saying how long it was.
 * @example clip('x'.repeat(50), 10) // "xxxxxxxxxx… (50 characters)"
 */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length.toLocaleString('en-US')} characters)`
}

/**
 * A cell quoted for a message: escaped, and cut when long.
 * @example showCell('oops') // "'oops'"
 * @example showCell('9'.repeat(2_000_000)) // "'99999999999999999999999999999999'… (2,000,000 characters)"
 */
export function showCell(s: string): string {
  if (s.length <= MAX_CELL_CHARS) return `'${escapeText(s)}'`
  return `'${escapeText(s.slice(0, MAX_CELL_CHARS - 8))}'… (${s.length.toLocaleString('en-US')} characters)`
}

/** A whole message: cut to a sane length, then escaped (cutting first never splits an escape). */
export function safeMessage(s: string): string {
  return escapeText(clip(s, MAX_MESSAGE_CHARS))
}
