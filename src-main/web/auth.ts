/**
 * Who may use the web host's API. The random token reaches the browser once, in the URL that
 * `serve` prints; the page load moves it into an HttpOnly, SameSite=Strict cookie and drops it
 * from the address bar, so it stays out of history, bookmarks and copied links, scripts cannot
 * read it, and any tab of that browser can open `/`. Tools keep sending `Authorization: Bearer`.
 *
 * The Host check (DNS rebinding) and the Origin check (another page of the same browser: the
 * cookie is sent to every port of 127.0.0.1) come before the token, each with its own refusal.
 */
import type { IncomingMessage } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import { printable } from './messages'

export type Credential = 'ok' | 'missing' | 'wrong'

export const REFUSAL = {
  missing: 'missing token: open the URL that `workbench serve` printed',
  wrong: 'wrong token: open the URL that `workbench serve` printed (a restarted workbench has a new token)',
  host: 'host not allowed: open the workbench at 127.0.0.1 or localhost',
  origin: (origin: string) => `origin not allowed: ${printable(origin)} (only the workbench's own pages may use its API)`
} as const

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The value of cookie `name` in a Cookie header, if present. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

export class AccessGate {
  constructor(
    private readonly token: string,
    private readonly port: number
  ) {}

  /**
   * One cookie per workbench: cookies are not isolated by port, so two workbenches on one
   * machine would otherwise overwrite each other's.
   */
  get cookieName(): string {
    return `workbench-token-${this.port}`
  }

  /** The Set-Cookie value that keeps the token for this browser session. */
  cookie(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`
  }

  hostOk(req: IncomingMessage): boolean {
    const host = req.headers.host ?? ''
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`
  }

  /** No Origin header (a tool, not a browser page) or one of this workbench's own. */
  originOk(req: IncomingMessage): boolean {
    const origin = req.headers.origin
    return origin === undefined || origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`
  }

  /** `token` as a credential (the `?token=` of the printed URL). */
  checkToken(given: string | null): Credential {
    if (!given) return 'missing'
    return sameToken(given, this.token) ? 'ok' : 'wrong'
  }

  /** The request's credential: the cookie, a Bearer header or a `?token=` query; any may match. */
  check(req: IncomingMessage, query: URLSearchParams): Credential {
    const auth = req.headers.authorization
    const given = [cookieValue(req.headers.cookie, this.cookieName), auth?.startsWith('Bearer ') ? auth.slice(7) : undefined, query.get('token') ?? undefined].filter(
      (t): t is string => !!t
    )
    if (given.length === 0) return 'missing'
    return given.some((t) => sameToken(t, this.token)) ? 'ok' : 'wrong'
  }
}
