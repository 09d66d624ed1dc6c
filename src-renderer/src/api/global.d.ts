import type { WorkbenchApi } from '../../../src-main/contract/api'

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge); absent when the app runs in a browser. */
    workbench?: WorkbenchApi
  }
}

export {}
