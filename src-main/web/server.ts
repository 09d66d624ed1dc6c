/**
 * `workbench serve`: the same API as the desktop app, over WebSocket (and plain HTTP POST) on
 * 127.0.0.1, serving the built renderer. A random token in the URL guards the API; the Host and
 * Origin headers are checked so a web page elsewhere cannot reach it through DNS rebinding.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { clientFrameSchema, type ServerFrame } from '../contract/wire'
import type { WorkbenchHost } from '../host/workbench-host'
import { toErrorShape } from '../host/dispatch'
import { contentSecurityPolicy } from '../host/csp'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2'
}

const CSP = contentSecurityPolicy({ websocket: true })

export interface WebServerOptions {
  host: WorkbenchHost
  /** Built renderer folder (out/renderer). */
  staticDir: string
  /** 0 picks a free port. */
  port?: number
  /** Fixed token (tests); random otherwise. */
  token?: string
}

export interface RunningWebServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export async function startWebServer(opts: WebServerOptions): Promise<RunningWebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const staticRoot = resolve(opts.staticDir)
  let port = 0

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  const hostOk = (req: IncomingMessage) => allowedHosts().has(req.headers.host ?? '')
  const originOk = (req: IncomingMessage) => {
    const origin = req.headers.origin
    return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
  }
  const tokenOf = (req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const auth = req.headers.authorization
    return url.searchParams.get('token') ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : '')
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`internal error: ${(err as Error).message}`)
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host')
      return
    }
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname.startsWith('/api/')) return handleHttpCall(req, res, url.pathname.slice(5))
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end()
      return
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1))
    const file = normalize(join(staticRoot, rel))
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      res.writeHead(404).end()
      return
    }
    try {
      const s = await stat(file)
      if (!s.isFile()) throw new Error('not a file')
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}`)
      return
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': rel === 'index.html' ? 'no-store' : 'max-age=3600'
    })
    res.end(req.method === 'HEAD' ? undefined : await readFile(file))
  }

  async function handleHttpCall(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST' || !originOk(req) || !sameToken(tokenOf(req), token)) {
      res.writeHead(req.method !== 'POST' ? 405 : 401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'bad_input', message: req.method !== 'POST' ? 'POST only' : 'missing or wrong token' } }))
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    try {
      const input = body.trim() === '' ? {} : JSON.parse(body)
      const output = await opts.host.call(method, input)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ output }))
    } catch (err) {
      const error = err instanceof SyntaxError ? { code: 'bad_input', message: `request body is not JSON: ${err.message}` } : toErrorShape(err)
      res.writeHead(error.code === 'not_found' ? 404 : error.code === 'internal' ? 500 : 400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error }))
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  const clients = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== '/api' || !hostOk(req) || !originOk(req)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    if (!sameToken(tokenOf(req), token)) {
      // A browser cannot read a refused upgrade's status: complete the handshake and close at
      // once with a reason the page can show. Nothing is read from such a socket.
      wss.handleUpgrade(req, socket, head, (ws) =>
        ws.close(4401, tokenOf(req) ? 'wrong token: open the URL that `workbench serve` printed' : 'missing token: open the URL that `workbench serve` printed')
      )
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  const send = (ws: WebSocket, frame: ServerFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame))
  }

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('message', (data) => {
      let frame
      try {
        frame = clientFrameSchema.parse(JSON.parse(data.toString()))
      } catch (err) {
        send(ws, { type: 'result', id: -1, ok: false, error: { code: 'bad_input', message: `bad frame: ${(err as Error).message}` } })
        return
      }
      opts.host.call(frame.method, frame.input).then(
        (output) => send(ws, { type: 'result', id: frame.id, ok: true, output }),
        (err) => send(ws, { type: 'result', id: frame.id, ok: false, error: toErrorShape(err) })
      )
    })
  })

  const unsubscribe = opts.host.onEvent((event, payload) => {
    for (const ws of clients) send(ws, { type: 'event', event, payload })
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe()
      for (const ws of clients) ws.terminate()
      await new Promise<void>((ok) => wss.close(() => ok()))
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
    }
  }
}
