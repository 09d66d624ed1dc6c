/**
 * The desktop window's security decisions (issue 9, item 11), tested as the pure functions the
 * Electron main process calls: which page is ours, which frame may call the API, which links may
 * open, the dev-server URL only when unpackaged, the CSP Electron gets, and quitting only after
 * the host closed.
 */
import { describe, it, expect } from 'vitest'
import { docsPrefixes, externalUrl, grantsPermission, isOwnPage, isTrustedSender, ownPage, quitAfterClose } from '../../src-main/electron/window-policy'
import { contentSecurityPolicy, HTML_META_POLICY } from '../../src-main/host/csp'

const INDEX = '/opt/Anomaly Workbench/resources/app/out/renderer/index.html'
const page = ownPage(INDEX, {}, true)
const FILE_URL = 'file:///opt/Anomaly%20Workbench/resources/app/out/renderer/index.html'

describe('the desktop window', () => {
  it('trusts ELECTRON_RENDERER_URL only unpackaged, and only for a loopback http server', () => {
    expect(page).toEqual({ fileUrl: FILE_URL, devOrigin: null })
    expect(ownPage(INDEX, { ELECTRON_RENDERER_URL: 'http://localhost:5173' }, true).devOrigin).toBeNull()
    expect(ownPage(INDEX, { ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, false).devOrigin).toBe('http://localhost:5173')
    expect(ownPage(INDEX, { ELECTRON_RENDERER_URL: 'http://127.0.0.1:5173' }, false).devOrigin).toBe('http://127.0.0.1:5173')
    expect(ownPage(INDEX, { ELECTRON_RENDERER_URL: 'https://evil.example:5173' }, false).devOrigin).toBeNull()
    expect(ownPage(INDEX, { ELECTRON_RENDERER_URL: 'file:///tmp/evil.html' }, false).devOrigin).toBeNull()
    expect(ownPage(INDEX, { ELECTRON_RENDERER_URL: 'not a url' }, false).devOrigin).toBeNull()
  })

  it('grants notifications to our own page only, and no other permission', () => {
    expect(grantsPermission('notifications', `${FILE_URL}#/runs/3`, page)).toBe(true)
    expect(grantsPermission('notifications', 'file:///tmp/evil.html', page)).toBe(false)
    expect(grantsPermission('notifications', 'https://evil.example/', page)).toBe(false)
    for (const other of ['media', 'geolocation', 'clipboard-read', 'openExternal']) expect(grantsPermission(other, FILE_URL, page)).toBe(false)
  })

  it('accepts API calls only from our exact index.html in the main frame', () => {
    const main = (url: string) => ({ url, isMainFrame: true })
    expect(isTrustedSender(main(FILE_URL), page)).toBe(true)
    expect(isTrustedSender(main(`${FILE_URL}#/runs/3`), page)).toBe(true)
    // Any other file:// page, a query on ours, another host, an iframe, a closed frame: refused.
    expect(isTrustedSender(main('file:///tmp/evil.html'), page)).toBe(false)
    expect(isTrustedSender(main('file:///opt/Anomaly%20Workbench/resources/app/out/renderer/other.html'), page)).toBe(false)
    expect(isTrustedSender(main(`${FILE_URL}?x=1`), page)).toBe(false)
    expect(isTrustedSender(main('file://attacker/opt/Anomaly%20Workbench/resources/app/out/renderer/index.html'), page)).toBe(false)
    expect(isTrustedSender({ url: FILE_URL, isMainFrame: false }, page)).toBe(false)
    expect(isTrustedSender(null, page)).toBe(false)
    expect(isTrustedSender(main('http://localhost:5173/'), page)).toBe(false)
    const dev = ownPage(INDEX, { ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false)
    expect(isTrustedSender(main('http://localhost:5173/#/runs'), dev)).toBe(true)
    expect(isTrustedSender(main('http://localhost:5174/'), dev)).toBe(false)
  })

  it('navigates and follows redirects only to our own page', () => {
    expect(isOwnPage(`${FILE_URL}#/datasets`, page)).toBe(true)
    expect(isOwnPage('https://example.org/', page)).toBe(false)
    expect(isOwnPage('file:///etc/passwd', page)).toBe(false)
    expect(isOwnPage('javascript:alert(1)', page)).toBe(false)
    expect(isOwnPage('', page)).toBe(false)
  })

  it('opens only https links under the project docs in the system browser', () => {
    const docs = docsPrefixes('https://example.org/workbench/docs')
    expect(docs).toEqual(['https://example.org/workbench/docs/'])
    expect(externalUrl('https://example.org/workbench/docs/bundles#verify', docs)).toBe('https://example.org/workbench/docs/bundles#verify')
    expect(externalUrl('https://example.org/workbench/docs', docs)).toBe('https://example.org/workbench/docs')
    expect(externalUrl('https://example.org/workbench/docs-evil/x', docs)).toBeNull()
    expect(externalUrl('https://example.org/elsewhere', docs)).toBeNull()
    expect(externalUrl('https://evil.example/workbench/docs/', docs)).toBeNull()
    expect(externalUrl('http://example.org/workbench/docs/', docs)).toBeNull()
    expect(externalUrl('https://user:pw@example.org/workbench/docs/', docs)).toBeNull()
    expect(externalUrl('file:///etc/passwd', docs)).toBeNull()
    // Without an https homepage in package.json nothing opens at all.
    expect(docsPrefixes(undefined)).toEqual([])
    expect(docsPrefixes('http://example.org/')).toEqual([])
    expect(externalUrl('https://example.org/', docsPrefixes(undefined))).toBeNull()
  })

  it('gets a CSP without WebSocket sources; only the web host header has them', () => {
    expect(contentSecurityPolicy({ websocket: false })).not.toMatch(/ws:/)
    expect(HTML_META_POLICY).not.toMatch(/ws:/)
    expect(HTML_META_POLICY).toMatch(/connect-src 'self'(;|$)/)
    expect(HTML_META_POLICY).not.toMatch(/frame-ancestors/)
    expect(contentSecurityPolicy({ websocket: true })).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\*/)
  })

  it('quits only after the host has closed, once, even when closing fails', async () => {
    const calls: string[] = []
    let finishClose!: () => void
    const handler = quitAfterClose(
      () => new Promise<void>((ok) => ((finishClose = ok), calls.push('close'))),
      () => calls.push('quit'),
      () => calls.push('report')
    )
    const event = () => {
      const e = { prevented: false, preventDefault: () => (e.prevented = true) }
      return e
    }
    const first = event()
    handler(first)
    expect(first.prevented).toBe(true)
    expect(calls).toEqual(['close'])
    // A second quit while closing is held too, and does not close twice.
    const during = event()
    handler(during)
    expect(during.prevented).toBe(true)
    finishClose()
    await new Promise((r) => setImmediate(r))
    expect(calls).toEqual(['close', 'quit'])
    // The quit that follows goes through.
    const after = event()
    handler(after)
    expect(after.prevented).toBe(false)

    const failing: string[] = []
    const h2 = quitAfterClose(
      () => Promise.reject(new Error('disk gone')),
      () => failing.push('quit'),
      (err) => failing.push(`report ${(err as Error).message}`)
    )
    h2(event())
    await new Promise((r) => setImmediate(r))
    expect(failing).toEqual(['report disk gone', 'quit'])
  })
})
