/**
 * One accepted WebSocket connection on `/api`: its call frames become host calls, at most
 * `MAX_CALLS_IN_FLIGHT` at once, and every frame that names an id gets a reply with that id.
 */
import type { WebSocket, RawData } from 'ws'
import { parseClientFrame, toWireJson, type ClientFrame, type ServerFrame } from '../contract/wire'
import type { ApiErrorShape } from '../contract/api'
import { MAX_CALLS_IN_FLIGHT } from './limits'
import { escapeError, publicError } from './messages'

export type Call = (method: string, input: unknown) => Promise<unknown>

/** Sends `frame` if the socket is open; an output JSON cannot carry becomes an error reply. */
export function sendFrame(ws: WebSocket, frame: ServerFrame): void {
  if (ws.readyState !== ws.OPEN) return
  let text: string
  try {
    text = toWireJson(frame)
  } catch (err) {
    if (frame.type !== 'result') return
    text = JSON.stringify({ type: 'result', id: frame.id, ok: false, error: publicError(err) } satisfies ServerFrame)
  }
  ws.send(text)
}

export function serveApiConnection(ws: WebSocket, call: Call): void {
  let inFlight = 0
  /** Calls read but not started: at most what one socket read held when the socket was paused. */
  const waiting: ClientFrame[] = []

  const refuse = (id: number | null, message: string) => {
    const error: ApiErrorShape = escapeError({ code: 'bad_input', message })
    sendFrame(ws, id === null ? { type: 'error', error } : { type: 'result', id, ok: false, error })
  }

  const start = (frame: ClientFrame) => {
    inFlight++
    call(frame.method, frame.input)
      .then(
        (output) => sendFrame(ws, { type: 'result', id: frame.id, ok: true, output }),
        (err) => sendFrame(ws, { type: 'result', id: frame.id, ok: false, error: publicError(err) })
      )
      .finally(() => {
        inFlight--
        pump()
      })
  }

  // At the cap, stop reading the socket: the backlog waits in the client's TCP buffers, not
  // here. `ws` may still deliver what it had already read; that waits in `waiting`.
  const pump = () => {
    while (inFlight < MAX_CALLS_IN_FLIGHT && waiting.length > 0) start(waiting.shift()!)
    if (waiting.length > 0 || inFlight >= MAX_CALLS_IN_FLIGHT) ws.pause()
    else if (ws.isPaused) ws.resume()
  }

  // Calls not started when the connection goes have no one left to answer.
  ws.on('close', () => waiting.splice(0))

  ws.on('message', (data: RawData, isBinary: boolean) => {
    const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8')
    const parsed = parseClientFrame(text)
    if (isBinary) {
      refuse(parsed.ok ? parsed.frame.id : parsed.id, 'bad frame: a call is JSON in a text frame, not a binary one')
      return
    }
    if (!parsed.ok) {
      refuse(parsed.id, parsed.message)
      return
    }
    waiting.push(parsed.frame)
    pump()
  })
}
