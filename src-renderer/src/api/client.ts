/**
 * Picks the transport: the Electron preload's `window.workbench` when present (IPC, always
 * connected), else the WebSocket client to the page's own host (the `serve` front door).
 */
import type { WorkbenchClient } from './types'
import { preloadClient } from './preload-client'
import { WsClient, apiUrl, resolveToken } from './ws-client'

export type { WorkbenchClient, ConnectionStatus } from './types'

let shared: WorkbenchClient | null = null

export function connect(): WorkbenchClient {
  if (shared) return shared
  const bridge = typeof window !== 'undefined' ? window.workbench : undefined
  if (bridge) {
    shared = preloadClient(bridge)
  } else {
    // The token travels in an HttpOnly cookie set when the printed URL was opened; a refused
    // socket's close reason says what to do, so no hint of our own is needed.
    shared = new WsClient(apiUrl(location, resolveToken()), null)
  }
  return shared
}
