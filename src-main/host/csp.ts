/**
 * The renderer's Content-Security-Policy, in one place for every way it is delivered: the HTTP
 * header of the web host, the header Electron's session adds, and the <meta> tag the renderer
 * build writes into index.html (for file:// loads). No inline scripts, no eval, nothing remote.
 *
 * Only the web host's header names WebSocket sources. The <meta> tag travels with the page into
 * Electron, which talks over IPC and needs no socket, so it allows none beyond 'self' (a file://
 * page's 'self' matches no ws: URL). A browser enforces both the header and the tag; the web
 * client's socket goes to the page's own host and port, which 'self' covers (CSP 3: 'self'
 * matches ws: for an http: page of the same host and port; Chromium since 70).
 */
export function contentSecurityPolicy(opts: { websocket: boolean; meta?: boolean }): string {
  const directives = [
    "default-src 'self'",
    "script-src 'self'",
    // Inline style *attributes* (Svelte style: directives, chart.js canvas sizing); no inline scripts.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    opts.websocket ? "connect-src 'self' ws://127.0.0.1:* ws://localhost:*" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    // frame-ancestors is ignored (and logged as an error) in a <meta> policy: headers only.
    ...(opts.meta ? [] : ["frame-ancestors 'none'"])
  ]
  return directives.join('; ')
}

/** The policy written into index.html as a <meta> tag: Electron's file:// loads have no headers. */
export const HTML_META_POLICY = contentSecurityPolicy({ websocket: false, meta: true })
