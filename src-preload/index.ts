/**
 * The sandboxed preload: exposes the API client as `window.workbench` (the `WorkbenchApi` of the
 * contract) over two IPC channels. No Node, no business logic: the host validates every call.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { IPC_CALL, IPC_EVENT } from '../src-main/contract/ipc'

type Reply = { ok: true; output: unknown } | { ok: false; error: { code: string; message: string; path?: string } }

const api = {
  async call(method: string, input: unknown): Promise<unknown> {
    const reply = (await ipcRenderer.invoke(IPC_CALL, method, input)) as Reply
    if (reply.ok) return reply.output
    // contextBridge keeps only an Error's message across the bridge: carry code and path in it.
    const where = reply.error.path ? ` (at ${reply.error.path})` : ''
    throw new Error(`[${reply.error.code}] ${reply.error.message}${where}`)
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload)
    }
    ipcRenderer.on(IPC_EVENT, handler)
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler)
    }
  }
}

contextBridge.exposeInMainWorld('workbench', api)
