/**
 * Every message the web host writes passes through here: error texts echo what a client sent
 * (a method name, a path, a JSON parser's view of a body), and a client can send anything.
 */
import type { ApiErrorCode, ApiErrorShape } from '../contract/api'
import { toErrorShape } from '../host/dispatch'

/**
 * Control characters (C0, DEL, C1), invisible format characters (bidi overrides, zero-width
 * marks), lone surrogates, line/paragraph separators and U+FFFD (what an invalid UTF-8 byte
 * decodes to): each can forge or hide text on a terminal or in a page.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\uFFFD]/gu

/**
 * `text` with every unprintable character written as `\u{hex}`. Newlines stay when
 * `multiline` (validation messages list one problem a line).
 *
 * @example printable('not found: /a\u0007b') // 'not found: /a\\u{7}b'
 */
export function printable(text: string, opts: { multiline?: boolean } = {}): string {
  return text.replace(UNPRINTABLE, (ch) => (opts.multiline && ch === '\n' ? ch : `\\u{${ch.codePointAt(0)!.toString(16)}}`))
}

/** The HTTP status of each contract error code (the WebSocket door carries the code itself). */
export const HTTP_STATUS: Record<ApiErrorCode, number> = { bad_input: 400, not_found: 404, conflict: 409, forbidden: 403, internal: 500 }

/** The contract's error shape for `err`, safe to write to a client. */
export function publicError(err: unknown): ApiErrorShape {
  return escapeError(toErrorShape(err))
}

export function escapeError(error: ApiErrorShape): ApiErrorShape {
  return { ...error, message: printable(error.message, { multiline: true }), ...(error.path !== undefined ? { path: printable(error.path) } : {}) }
}
