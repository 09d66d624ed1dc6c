/**
 * The desktop window's security decisions, as pure functions (no `electron` import, so they are
 * unit-tested in plain Node): which page is ours, which frame may call the API, where the window
 * may navigate, which links may open in the system browser, and how the app quits.
 */
import { pathToFileURL } from 'node:url'
import pkg from '../../package.json' with { type: 'json' }

/** What the window loads: our built index.html, or (unpackaged, in development) the dev server. */
export interface OwnPage {
  /** The exact file:// URL of the built index.html. */
  fileUrl: string
  /** The electron-vite dev server's origin, or null (always null in a packaged app). */
  devOrigin: string | null
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

function parse(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}

/**
 * The page the window loads. `ELECTRON_RENDERER_URL` (set by `electron-vite dev`) is trusted only
 * when the app is not packaged, and only when it names a loopback http server: in a packaged app
 * anyone who can set an environment variable could otherwise point our preload at their page.
 * @example ownPage('/app/out/renderer/index.html', { ELECTRON_RENDERER_URL: 'http://localhost:5173' }, true).devOrigin // null
 */
export function ownPage(indexHtmlPath: string, env: Record<string, string | undefined>, isPackaged: boolean): OwnPage {
  const dev = !isPackaged && env.ELECTRON_RENDERER_URL ? parse(env.ELECTRON_RENDERER_URL) : null
  const devOk = dev !== null && dev.protocol === 'http:' && LOOPBACK_HOSTS.has(dev.hostname)
  return { fileUrl: pathToFileURL(indexHtmlPath).href, devOrigin: devOk ? dev.origin : null }
}

/**
 * Whether a URL is our page: the exact index.html file (any #route, no query), or a page of the
 * dev server. A file:// URL anywhere else — a download, a file a link pointed at — is not. The
 * window may navigate (or be redirected) only to our page: a reload, a route.
 * @example isOwnPage('file:///app/out/renderer/index.html#/runs/3', { fileUrl: 'file:///app/out/renderer/index.html', devOrigin: null }) // true
 * @example isOwnPage('file:///tmp/evil.html', { fileUrl: 'file:///app/out/renderer/index.html', devOrigin: null }) // false
 */
export function isOwnPage(url: string, page: OwnPage): boolean {
  const u = parse(url)
  if (!u) return false
  if (page.devOrigin !== null && u.origin === page.devOrigin) return true
  const own = new URL(page.fileUrl)
  return u.protocol === 'file:' && u.host === own.host && u.pathname === own.pathname && u.search === ''
}

/**
 * Whether an IPC call may be served: it must come from our page in the window's main frame (an
 * iframe, even one showing our own file, gets nothing).
 */
export function isTrustedSender(frame: { url: string; isMainFrame: boolean } | null, page: OwnPage): boolean {
  return frame !== null && frame.isMainFrame && isOwnPage(frame.url, page)
}

/**
 * The one browser permission the window may have: notifications (a search finishing, a run
 * failing while the window is in the background), and only for our own page. Everything else
 * (camera, geolocation, clipboard…) is refused.
 */
export function grantsPermission(permission: string, requestingUrl: string, page: OwnPage): boolean {
  return permission === 'notifications' && isOwnPage(requestingUrl, page)
}

/**
 * The project's own documentation: the only places a link in the app may open in the system
 * browser. Taken from package.json's `homepage` (https only); none is set today, so no link
 * opens anything.
 */
export function docsPrefixes(homepage: string | undefined = (pkg as { homepage?: string }).homepage): string[] {
  const u = homepage ? parse(homepage) : null
  return u && u.protocol === 'https:' ? [u.href.endsWith('/') ? u.href : `${u.href}/`] : []
}

/**
 * The URL to open in the system browser for a link the page tried to open, or null to open
 * nothing: https only, under one of the allowed prefixes (same origin, path below the prefix),
 * with no credentials in it.
 * @example externalUrl('https://example.org/docs/guide', ['https://example.org/docs/']) // 'https://example.org/docs/guide'
 * @example externalUrl('https://example.org/other', ['https://example.org/docs/']) // null
 */
export function externalUrl(url: string, allowed: readonly string[]): string | null {
  const u = parse(url)
  if (!u || u.protocol !== 'https:' || u.username || u.password) return null
  for (const prefix of allowed) {
    const p = new URL(prefix)
    if (u.origin === p.origin && (u.pathname === p.pathname.replace(/\/$/, '') || u.pathname.startsWith(p.pathname))) return u.href
  }
  return null
}

/**
 * A `will-quit` handler that closes the host before the app exits: the first quit is held
 * (preventDefault), `close()` is awaited — running workers stopped, the database closed — and the
 * app is quit again; that second quit, and any after it, go through. A failing close is reported
 * and still quits: a stuck app is worse than an unclean one, and SQLite's WAL recovers at the
 * next start.
 */
export function quitAfterClose(close: () => Promise<void>, quit: () => void, report: (err: unknown) => void): (event: { preventDefault(): void }) => void {
  let state: 'open' | 'closing' | 'closed' = 'open'
  return (event) => {
    if (state === 'closed') return
    event.preventDefault()
    if (state === 'closing') return
    state = 'closing'
    close()
      .catch(report)
      .finally(() => {
        state = 'closed'
        quit()
      })
  }
}
