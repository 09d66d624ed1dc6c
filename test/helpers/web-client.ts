/**
 * Talking to a web host from tests: plain HTTP requests, `ws` clients, and raw TCP for bytes no
 * well-behaved client would send (hostile WebSocket frames, broken requests).
 */
import { request, type ClientRequest } from 'node:http'
import { connect as tcpConnect, type Socket } from 'node:net'
import WebSocket from 'ws'

export interface HttpReply {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

export function httpRequest(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<HttpReply> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: text, headers: res.headers }))
    })
    req.on('error', fail)
    req.end(body)
  })
}

/** POST /api/<method> with a JSON body; `json` is the parsed reply. */
export async function postCall(port: number, method: string, input: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: HttpReply['headers'] }> {
  const r = await httpRequest(port, 'POST', `/api/${method}`, { 'content-type': 'application/json', ...headers }, JSON.stringify(input))
  return { status: r.status, json: JSON.parse(r.body), headers: r.headers }
}

/**
 * A POST /api/<method> whose body the test writes to `req` itself, piece by piece and maybe never
 * ending it (bodies no well-behaved client sends); `reply` is the status and parsed JSON answer.
 */
export function postInPieces(port: number, method: string, headers: Record<string, string>): { req: ClientRequest; reply: Promise<{ status: number; json: any }> } {
  return postPathInPieces(port, `/api/${method}`, headers)
}

/** The upload door's path for one file: its name (relative to the drop) and the upload set it joins, if any. */
function uploadPath(name: string, set?: string): string {
  return `/upload?name=${encodeURIComponent(name)}${set === undefined ? '' : `&set=${encodeURIComponent(set)}`}`
}

/** POST /upload: one file's bytes, as the page sends a dropped file (`set`: join that upload set). */
export function uploadFile(port: number, name: string, body: string | Buffer, o: { set?: string; headers?: Record<string, string> } = {}): Promise<HttpReply> {
  return httpRequest(port, 'POST', uploadPath(name, o.set), { 'content-type': 'application/octet-stream', ...o.headers }, body)
}

/** As postInPieces, to the upload door: the test writes the file's bytes to `req`. */
export function uploadInPieces(port: number, name: string, headers: Record<string, string>, set?: string): { req: ClientRequest; reply: Promise<{ status: number; json: any }> } {
  return postPathInPieces(port, uploadPath(name, set), headers)
}

/**
 * An upload on a raw connection that announces `length` bytes and sends only `start`: the test then
 * ends or resets the socket mid-body, as a browser closed or a network lost would.
 */
export async function startCutUpload(port: number, token: string, name: string, length: number, start: string): Promise<RawConnection> {
  const raw = await RawConnection.open(port)
  raw.socket.write(`POST ${uploadPath(name)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${length}\r\n\r\n${start}`)
  return raw
}

function postPathInPieces(port: number, path: string, headers: Record<string, string>): { req: ClientRequest; reply: Promise<{ status: number; json: any }> } {
  let req!: ClientRequest
  const reply = new Promise<{ status: number; json: any }>((ok, fail) => {
    req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => ok({ status: res.statusCode ?? 0, json: JSON.parse(text) }))
    })
    // The rest of the body may be refused by a closed socket: the reply is what counts.
    req.on('error', (e) => (req.writableEnded ? undefined : fail(e)))
  })
  return { req, reply }
}

/** An open `ws` client on /api (rejects with `HTTP <status>` when the upgrade is refused). */
export function openSocket(port: number, query = '', headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api${query}`, { headers })
    ws.once('open', () => ok(ws))
    ws.once('error', fail)
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c))
      res.on('end', () => fail(new Error(`HTTP ${res.statusCode}: ${body}`)))
    })
  })
}

/** The code and reason the server closed a socket with. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((ok) => ws.once('close', (code, reason) => ok({ code, reason: reason.toString() })))
}

/** Sends call frames and collects replies by id. */
export class FrameClient {
  readonly frames: any[] = []
  private readonly waiters: (() => void)[] = []

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(JSON.parse(d.toString()))
      for (const w of this.waiters.splice(0)) w()
    })
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The first frame matching `pred`, waiting for it if needed. */
  next(pred: (f: any) => boolean): Promise<any> {
    return new Promise((ok) => {
      const look = () => {
        const f = this.frames.find(pred)
        if (f) ok(f)
        else this.waiters.push(look)
      }
      look()
    })
  }

  result(id: number): Promise<any> {
    return this.next((f) => f.type === 'result' && f.id === id)
  }
}

/** A raw TCP connection to the host; `upgrade` performs a WebSocket handshake by hand. */
export class RawConnection {
  private received = Buffer.alloc(0)
  readonly ended: Promise<void>

  private constructor(readonly socket: Socket) {
    socket.on('data', (c) => (this.received = Buffer.concat([this.received, c])))
    // The server may reset the connection; that is one of the outcomes these tests expect.
    socket.on('error', () => {})
    this.ended = new Promise((ok) => socket.once('close', () => ok()))
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((ok, fail) => {
      const s = tcpConnect(port, '127.0.0.1', () => ok(new RawConnection(s)))
      s.once('error', fail)
    })
  }

  text(): string {
    return this.received.toString('latin1')
  }

  /** Sends a WebSocket upgrade request and waits for the end of the response head. */
  async upgrade(port: number, query = '', extraHeaders: string[] = []): Promise<string> {
    this.socket.write(
      [
        `GET /api${query} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        ...extraHeaders,
        '',
        ''
      ].join('\r\n')
    )
    await new Promise<void>((ok, fail) => {
      const check = () => {
        if (this.text().includes('\r\n\r\n')) {
          this.socket.off('data', check)
          ok()
        }
      }
      this.socket.on('data', check)
      this.socket.once('close', () => fail(new Error(`connection closed during the handshake: ${JSON.stringify(this.text())}`)))
      check()
    })
    return this.text().split('\r\n')[0]
  }
}
