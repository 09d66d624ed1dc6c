/**
 * `workbench serve`: the same API as the desktop app, over WebSocket (and plain HTTP POST) on
 * 127.0.0.1, serving the built renderer. A random token guards the API (see `auth.ts`); the
 * Host and Origin headers are checked so a web page elsewhere cannot reach it through DNS
 * rebinding or the browser's shared localhost cookies.
 *
 * Whatever a client sends, the process keeps serving: every socket has an error listener, every
 * body and message is capped (`limits.ts`), every message written is escaped (`messages.ts`).
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { toWireJson, type ServerFrame } from '../contract/wire'
import type { WorkbenchHost } from '../host/workbench-host'
import { contentSecurityPolicy } from '../host/csp'
import { AccessGate, REFUSAL } from './auth'
import { BodyTooLarge, readBody } from './http-body'
import { MAX_CALL_BYTES, MAX_CONNECTIONS, MAX_UPLOAD_BYTES } from './limits'
import { HTTP_STATUS, printable, publicError } from './messages'
import { UploadDoor } from './upload-door'
import { UPLOAD_PATH } from '../contract/upload'
import { sendFrame, serveApiConnection } from './api-connection'

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


/** WebSocket close codes: 4401 mirrors HTTP 401; 1013 is the protocol's "try again later". */
const CLOSE_UNAUTHORIZED = 4401
const CLOSE_TRY_LATER = 1013

export interface WebServerOptions {
  host: WorkbenchHost
  /** Built renderer folder (out/renderer). */
  staticDir: string
  /** 0 picks a free port. */
  port?: number
  /** Fixed token (tests); random otherwise. */
  token?: string
  /** Most bytes one upload set may hold (tests); MAX_UPLOAD_BYTES otherwise. */
  maxUploadBytes?: number
}

export interface RunningWebServer {
  /** The URL to open first: it carries the token, which the page load moves into a cookie. */
  url: string
  port: number
  token: string
  close(): Promise<void>
}

/**
 * The request target as a URL. Parsed against a fixed origin by concatenation, not resolution,
 * so `//elsewhere/x` stays a path; null when it is not an origin-form target at all.
 */
function requestTarget(req: IncomingMessage): URL | null {
  const raw = req.url ?? '/'
  if (!raw.startsWith('/')) return null
  try {
    return new URL(`http://workbench${raw}`)
  } catch {
    return null
  }
}

function replyText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(printable(text))
}

function replyJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  // Serialised before the head is written, so an output JSON cannot carry still gets an error reply.
  const text = toWireJson(body)
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text)
}

/** An HTTP refusal written on a socket that asked for an upgrade, then closed. */
function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = printable(text)
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}

export async function startWebServer(opts: WebServerOptions): Promise<RunningWebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const staticRoot = resolve(opts.staticDir)
  // Set once the port is known; every request arrives after that (the handlers close over it first).
  // eslint-disable-next-line prefer-const
  let gate!: AccessGate
  const uploads = new UploadDoor(opts.host.staging, () => gate, opts.maxUploadBytes ?? MAX_UPLOAD_BYTES, replyJson)

  const server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) replyText(res, 500, `internal error: ${(err as Error).message}`)
      else res.destroy()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!gate.hostOk(req)) return replyText(res, 403, REFUSAL.host)
    const target = requestTarget(req)
    if (!target) return replyText(res, 400, 'bad request: the request target is not a path')
    if (target.pathname.startsWith('/api/')) return handleHttpCall(req, res, target)
    if (target.pathname === UPLOAD_PATH) return uploads.handle(req, res, target)
    if (req.method !== 'GET' && req.method !== 'HEAD') return replyText(res, 405, 'GET or HEAD only', { allow: 'GET, HEAD' })
    if (target.pathname === '/' && target.searchParams.has('token')) return moveTokenToCookie(res, target)
    let rel: string
    try {
      rel = target.pathname === '/' ? 'index.html' : decodeURIComponent(target.pathname.slice(1))
    } catch {
      return replyText(res, 400, 'bad request: malformed percent-encoding in the path')
    }
    const file = normalize(join(staticRoot, rel))
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return replyText(res, 404, 'not found')
    try {
      const s = await stat(file)
      if (!s.isFile()) throw new Error('not a file')
    } catch {
      return replyText(res, 404, `not found: /${rel}`)
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': rel === 'index.html' ? 'no-store' : 'max-age=3600'
    })
    res.end(req.method === 'HEAD' ? undefined : await readFile(file))
  }

  /** `/?token=…` (the printed URL): keep the token in a cookie and show `/` without it. */
  function moveTokenToCookie(res: ServerResponse, target: URL): void {
    const credential = gate.checkToken(target.searchParams.get('token'))
    if (credential !== 'ok') return replyText(res, 401, REFUSAL[credential], { 'cache-control': 'no-store' })
    target.searchParams.delete('token')
    // The browser keeps the #fragment across the redirect.
    res.writeHead(303, { location: `/${target.search}`, 'set-cookie': gate.cookie(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end()
  }

  async function handleHttpCall(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
    const refuse = (status: number, message: string, headers: Record<string, string> = {}) =>
      replyJson(res, status, { error: { code: 'bad_input', message: printable(message) } }, headers)
    if (req.method !== 'POST') return refuse(405, 'POST only', { allow: 'POST' })
    if (!gate.originOk(req)) return refuse(403, REFUSAL.origin(req.headers.origin ?? ''))
    const credential = gate.check(req, target.searchParams)
    if (credential !== 'ok') return refuse(401, REFUSAL[credential])
    let body: string
    try {
      body = (await readBody(req, MAX_CALL_BYTES)).toString('utf8')
    } catch (err) {
      if (err instanceof BodyTooLarge) return refuse(413, err.message, { connection: 'close' })
      throw err
    }
    let input: unknown
    try {
      input = body.trim() === '' ? {} : JSON.parse(body)
    } catch (err) {
      return refuse(400, `request body is not JSON: ${(err as Error).message}`)
    }
    try {
      replyJson(res, 200, { output: await opts.host.call(target.pathname.slice('/api/'.length), input) })
    } catch (err) {
      const error = publicError(err)
      replyJson(res, HTTP_STATUS[error.code], { error })
    }
  }

  // `maxPayload` makes `ws` refuse a bigger message from its header, before buffering it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES })
  const clients = new Set<WebSocket>()

  /** Completes the handshake only to close at once: a browser cannot read a refused upgrade's status, but can read a close reason. */
  const acceptAndClose = (req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', ignoreSocketError)
      ws.close(code, reason)
    })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over without its own error listener; `ws` adds one once it owns it.
    socket.on('error', () => socket.destroy())
    if (!gate.hostOk(req)) return refuseUpgrade(socket, 403, REFUSAL.host)
    const target = requestTarget(req)
    if (!target || target.pathname !== '/api') return refuseUpgrade(socket, 404, 'not found: WebSocket calls go to /api')
    if (!gate.originOk(req)) return refuseUpgrade(socket, 403, REFUSAL.origin(req.headers.origin ?? ''))
    const credential = gate.check(req, target.searchParams)
    if (credential !== 'ok') return acceptAndClose(req, socket, head, CLOSE_UNAUTHORIZED, REFUSAL[credential])
    if (clients.size >= MAX_CONNECTIONS) {
      return acceptAndClose(req, socket, head, CLOSE_TRY_LATER, `too many connections (${MAX_CONNECTIONS}): close another tab of this workbench`)
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // `ws` closes a connection that breaks the protocol (bad UTF-8: 1007, too big: 1009,
      // unmasked or unknown opcode: 1002) and then emits 'error'; with no listener that error
      // would end the process.
      ws.on('error', ignoreSocketError)
      clients.add(ws)
      ws.on('close', () => clients.delete(ws))
      serveApiConnection(ws, (method, input) => opts.host.call(method, input))
    })
  })

  const unsubscribe = opts.host.onEvent((event, payload) => {
    const frame: ServerFrame = { type: 'event', event, payload }
    for (const ws of clients) sendFrame(ws, frame)
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok())
  })
  const port = (server.address() as AddressInfo).port
  gate = new AccessGate(token, port)
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

/** The connection is already being closed by `ws`; the error needs no further handling. */
function ignoreSocketError(): void {}
