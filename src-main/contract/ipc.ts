/**
 * The Electron IPC bridge (preload <-> main): channel names and what travels over them. Free of
 * zod (type imports only) so the sandboxed preload stays tiny.
 */
import type { ApiErrorShape } from './api'

export const IPC_CALL = 'workbench:call'
export const IPC_EVENT = 'workbench:event'

/**
 * The main process's answer to a call. The preload hands it to the page as it is: contextBridge
 * keeps only an Error's message, so an error crosses as data (code, message, path) and the
 * renderer's client throws it (api/client.ts), as the WebSocket client does with its error frames.
 */
export type IpcReply = { ok: true; output: unknown } | { ok: false; error: ApiErrorShape }

/** What the preload exposes as `window.workbench`. */
export interface PreloadBridge {
  invoke(method: string, input: unknown): Promise<IpcReply>
  on(event: string, listener: (payload: unknown) => void): () => void
  /**
   * The path on disk of a file or folder dropped on the page (Electron's `webUtils.getPathForFile`;
   * '' for a file that has none, one the page built). The path is only a suggestion: the host
   * checks it like a typed path, and asks before using a folder outside the allowed ones.
   */
  pathForFile(file: File): string
}
