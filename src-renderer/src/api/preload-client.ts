/** The renderer's client over the Electron preload bridge (contract/ipc.ts). Free of the DOM. */
import type { PreloadBridge } from '../../../src-main/contract/ipc'
import { ClientError, type ConnectionStatus, type WorkbenchClient } from './types'

/**
 * The client over the Electron preload. An API error arrives as data and is thrown here as a
 * ClientError, exactly as the WebSocket client throws its error frames: one behaviour for both
 * transports. The bridge has no connection to lose: it is always `open`.
 */
export function preloadClient(bridge: PreloadBridge): WorkbenchClient {
  const status: ConnectionStatus = { state: 'open', transport: 'ipc', detail: null, retryAt: null }
  return {
    call: async (method, input) => {
      const reply = await bridge.invoke(method, input)
      if (!reply.ok) throw new ClientError(reply.error.code, reply.error.message, reply.error.path)
      // The host validated the input and built the output from the contract's schemas.
      return reply.output as never
    },
    on: (event, listener) => bridge.on(event, listener as (payload: unknown) => void),
    status: () => status,
    onStatus: () => () => {},
    onReconnected: () => () => {}
  }
}
