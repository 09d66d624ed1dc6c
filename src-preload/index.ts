/**
 * The sandboxed preload: exposes the IPC bridge as `window.workbench` (contract/ipc.ts
 * `PreloadBridge`) over two channels, and the paths of files dropped on the page. No Node, no
 * business logic: the host validates every call (dropped paths included), and the renderer's
 * client turns a reply into a result or a thrown error (api/client.ts).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { IPC_CALL, IPC_EVENT, type IpcReply, type PreloadBridge } from '../src-main/contract/ipc'

const bridge: PreloadBridge = {
  async invoke(method, input) {
    try {
      return (await ipcRenderer.invoke(IPC_CALL, method, input)) as IpcReply
    } catch (err) {
      // Only Electron itself rejects (no handler yet, the window closing): still an answer, not a throw.
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }
    }
  },
  on(event, listener) {
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload)
    }
    ipcRenderer.on(IPC_EVENT, handler)
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler)
    }
  },
  pathForFile(file) {
    return webUtils.getPathForFile(file)
  }
}

contextBridge.exposeInMainWorld('workbench', bridge)
