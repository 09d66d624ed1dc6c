import type { PreloadBridge } from '../../../src-main/contract/ipc'

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge); absent when the app runs in a browser. */
    workbench?: PreloadBridge
  }
}

export {}
