/**
 * What the renderer's stores talk to: the contract's `WorkbenchApi` plus the little a transport
 * can say about itself (connection state, a hook fired after a reconnect). Free of Svelte.
 */
import type { WorkbenchApi, ApiErrorCode } from '../../../src-main/contract/api'

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ConnectionStatus {
  state: ConnectionState
  /** Which transport carries the calls. */
  transport: 'ipc' | 'websocket'
  /** Last transport-level problem (close reason, missing token...), null when none. */
  detail: string | null
  /** When state is `reconnecting`: ms epoch of the next attempt. */
  retryAt: number | null
}

export interface WorkbenchClient extends WorkbenchApi {
  status(): ConnectionStatus
  /** Called with every status change; returns an unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void
  /** Called after the transport came back from a drop: stores re-fetch their state here. */
  onReconnected(listener: () => void): () => void
}

/** Error thrown by `call` for an API error (`ok:false`) or a dropped connection. */
export class ClientError extends Error {
  readonly code: ApiErrorCode | 'disconnected'
  readonly path?: string
  constructor(code: ApiErrorCode | 'disconnected', message: string, path?: string) {
    super(message)
    this.name = 'ClientError'
    this.code = code
    if (path !== undefined) this.path = path
  }
}

/**
 * The preload (src-preload) can carry only a message across contextBridge, so it encodes API
 * errors as `[code] message (at path)`. Electron itself wraps errors thrown in a handler as
 * "Error invoking remote method 'x': Error: message".
 */
const PRELOAD_ERROR = /^\[([a-z_]+)\] ([\s\S]*)$/
const INVOKE_WRAPPER = /^Error invoking remote method '[^']*': (?:\w*Error: )?([\s\S]*)$/

function rawMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e)
  return INVOKE_WRAPPER.exec(raw)?.[1] ?? raw
}

/** A readable message for any error a call rejected with. */
export function errorMessage(e: unknown): string {
  const raw = rawMessage(e)
  return PRELOAD_ERROR.exec(raw)?.[2] ?? raw
}

/** The API error code of a rejected call, when it carries one. */
export function errorCode(e: unknown): string | null {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code
  }
  return PRELOAD_ERROR.exec(rawMessage(e))?.[1] ?? null
}

/** The preload's `(at path)` suffix (see PRELOAD_ERROR). */
const PRELOAD_PATH = /^\[[a-z_]+\] [\s\S]* \(at ([^()\s]+)\)$/

/** The input field a rejected call's API error names (e.g. `files.1`), when it names one. */
export function errorPath(e: unknown): string | null {
  if (e instanceof ClientError) return e.path ?? null
  return PRELOAD_PATH.exec(rawMessage(e))?.[1] ?? null
}
