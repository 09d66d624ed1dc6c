/**
 * WebSocket transport for the browser front door (`serve`): the same `WorkbenchApi` the Electron
 * preload exposes, carried in the frames of `src-main/contract/wire.ts`.
 *
 * - URL: `ws(s)://<page host>/api`. The web host authenticates it with the HttpOnly cookie it set
 *   when the printed `/?token=…` address was opened, so the page never holds the token and any
 *   tab of the browser can open `/`.
 * - Calls made before the socket opens are queued and sent on open.
 * - On close, calls already sent are rejected (code `disconnected`); the client reconnects with
 *   exponential backoff and fires `onReconnected` listeners so stores can re-fetch.
 *
 * No Svelte here: plain TypeScript over the DOM WebSocket.
 */
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../src-main/contract/api'
import { fromWireJson, type ClientFrame, type ServerFrame } from '../../../src-main/contract/wire'
import { ClientError, type ConnectionStatus, type WorkbenchClient } from './types'

const BACKOFF_MIN_MS = 250
const BACKOFF_MAX_MS = 8000

interface Pending {
  resolve: (output: unknown) => void
  reject: (error: Error) => void
}

/**
 * A token still in the address bar, dropped from it. The web host answers `/?token=` with a
 * redirect that keeps the token in its cookie, so this is null on its pages; a token here means
 * a host that did not, and it then travels in the socket's URL instead.
 */
export function resolveToken(loc: Location = location): string | null {
  const fromUrl = new URLSearchParams(loc.search).get('token')
  if (fromUrl) hideTokenInUrl(loc)
  return fromUrl
}

/** Drop `token` (and only it) from the address bar, keeping path, other params and hash. */
function hideTokenInUrl(loc: Location): void {
  try {
    const params = new URLSearchParams(loc.search)
    params.delete('token')
    const q = params.toString()
    history.replaceState(history.state, '', `${loc.pathname}${q ? `?${q}` : ''}${loc.hash}`)
  } catch {
    /* not fatal */
  }
}

/** The API socket's URL on the page's own host; the cookie is the credential unless `token` is given. */
export function apiUrl(loc: Location, token: string | null = null): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  const q = token ? `?token=${encodeURIComponent(token)}` : ''
  return `${scheme}//${loc.host}/api${q}`
}

export class WsClient implements WorkbenchClient {
  private socket: WebSocket | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  /** Frames waiting for the socket to open. */
  private queue: ClientFrame[] = []
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>()
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>()
  private readonly reconnectListeners = new Set<() => void>()
  private current: ConnectionStatus = { state: 'connecting', transport: 'websocket', detail: null, retryAt: null }
  private attempt = 0
  private everOpened = false
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private disposed = false

  /** `hint`: shown as the status detail while the socket cannot open (e.g. no token). */
  constructor(
    private readonly url: string,
    private readonly hint: string | null = null
  ) {
    this.open()
  }

  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    const id = this.nextId++
    const frame: ClientFrame = { type: 'call', id, method, input }
    return new Promise<MethodOutput<M>>((resolve, reject) => {
      if (this.disposed) {
        reject(new ClientError('disconnected', 'The connection to the workbench is closed'))
        return
      }
      this.pending.set(id, { resolve: resolve as (o: unknown) => void, reject })
      if (this.socket && this.socket.readyState === WebSocket.OPEN) this.send(frame)
      else this.queue.push(frame)
    })
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    const fn = listener as (payload: unknown) => void
    set.add(fn)
    return () => {
      set.delete(fn)
    }
  }

  status(): ConnectionStatus {
    return this.current
  }

  onStatus(listener: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener)
    return () => {
      this.statusListeners.delete(listener)
    }
  }

  onReconnected(listener: () => void): () => void {
    this.reconnectListeners.add(listener)
    return () => {
      this.reconnectListeners.delete(listener)
    }
  }

  /** Close for good (tests, page teardown). */
  dispose(): void {
    this.disposed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.socket?.close()
    this.failAll('The connection to the workbench is closed')
    this.setStatus({ state: 'closed', detail: null, retryAt: null })
  }

  private open(): void {
    this.setStatus({ state: this.everOpened ? 'reconnecting' : 'connecting', retryAt: null })
    let ws: WebSocket
    try {
      ws = new WebSocket(this.url)
    } catch (e) {
      this.setStatus({ detail: e instanceof Error ? e.message : String(e) })
      this.scheduleReconnect()
      return
    }
    this.socket = ws
    ws.onopen = () => {
      const wasReconnect = this.everOpened
      this.everOpened = true
      this.attempt = 0
      this.setStatus({ state: 'open', detail: null, retryAt: null })
      const queued = this.queue
      this.queue = []
      for (const frame of queued) this.send(frame)
      if (wasReconnect) for (const fn of [...this.reconnectListeners]) safely(fn)
    }
    ws.onmessage = (ev) => this.receive(ev.data)
    ws.onclose = (ev) => {
      if (this.socket !== ws) return
      this.socket = null
      // Calls already on the wire will never be answered by this socket.
      this.failSent(ev.reason || 'The connection to the workbench was lost')
      if (this.disposed) return
      const detail = ev.reason || this.hint || (ev.code === 1000 ? null : `connection closed (code ${ev.code})`)
      this.setStatus({ detail })
      this.scheduleReconnect()
    }
    ws.onerror = () => {
      // A close event always follows; it carries the details.
    }
  }

  private scheduleReconnect(): void {
    if (this.disposed) return
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt)
    const delay = Math.round(base * (0.75 + Math.random() * 0.5))
    this.attempt++
    this.setStatus({ state: 'reconnecting', retryAt: Date.now() + delay })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.open()
    }, delay)
  }

  private send(frame: ClientFrame): void {
    try {
      this.socket!.send(JSON.stringify(frame))
    } catch (e) {
      const p = this.pending.get(frame.id)
      this.pending.delete(frame.id)
      p?.reject(new ClientError('disconnected', e instanceof Error ? e.message : String(e)))
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return
    let frame: ServerFrame
    try {
      frame = fromWireJson(data) as ServerFrame
    } catch {
      return
    }
    if (frame.type === 'result') {
      const p = this.pending.get(frame.id)
      if (!p) return
      this.pending.delete(frame.id)
      if (frame.ok) p.resolve(frame.output)
      else p.reject(new ClientError(frame.error.code, frame.error.message, frame.error.path))
    } else if (frame.type === 'event') {
      const set = this.listeners.get(frame.event)
      if (set) for (const fn of [...set]) safely(() => fn(frame.payload))
    } else if (frame.type === 'error') {
      // A frame of ours the host could not read an id from: no call to settle, but a bug to see.
      console.error(`workbench API: ${frame.error.message}`)
    }
  }

  /** Reject calls that were sent but not answered; queued (unsent) calls wait for the next socket. */
  private failSent(message: string): void {
    const queuedIds = new Set(this.queue.map((f) => f.id))
    for (const [id, p] of this.pending) {
      if (queuedIds.has(id)) continue
      this.pending.delete(id)
      p.reject(new ClientError('disconnected', message))
    }
  }

  private failAll(message: string): void {
    for (const p of this.pending.values()) p.reject(new ClientError('disconnected', message))
    this.pending.clear()
    this.queue = []
  }

  private setStatus(patch: Partial<ConnectionStatus>): void {
    this.current = { ...this.current, ...patch }
    for (const fn of [...this.statusListeners]) safely(() => fn(this.current))
  }
}

function safely(fn: () => void): void {
  try {
    fn()
  } catch (e) {
    console.error(e)
  }
}
