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

/** A readable message for any error a call rejected with. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e)
}

/** The API error code of a rejected call (both transports throw a ClientError), or null. */
export function errorCode(e: unknown): ClientError['code'] | null {
  return e instanceof ClientError ? e.code : null
}

/** The input field a rejected call's API error names (e.g. `files.1`), when it names one. */
export function errorPath(e: unknown): string | null {
  return e instanceof ClientError ? (e.path ?? null) : null
}
