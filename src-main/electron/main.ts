/**
 * Electron entry: one window (context isolation, sandbox, no Node in the renderer, strict CSP),
 * the IPC bridge to the host, and training in utility processes. Everything else is the host's.
 */
import { app, BrowserWindow, ipcMain, session, shell } from 'electron'
import { fileURLToPath } from 'node:url'
import trainingWorkerPath from '../workers/training-worker?modulePath'
import dataWorkerPath from '../workers/data-worker?modulePath'
import inferenceWorkerPath from '../workers/inference-worker?modulePath'
import { WorkbenchHost } from '../host/workbench-host'
import { toErrorShape } from '../host/dispatch'
import { PRODUCT_NAME } from '../host/app-meta'
import { contentSecurityPolicy } from '../host/csp'
import { IPC_CALL, IPC_EVENT } from '../contract/ipc'
import { UtilityWorkerLauncher } from './utility-launcher'

const CSP = contentSecurityPolicy({ websocket: false })

app.setName(PRODUCT_NAME)
let host: WorkbenchHost | null = null

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    title: PRODUCT_NAME,
    show: false,
    webPreferences: {
      preload: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true
    }
  })
  win.once('ready-to-show', () => win.show())
  // The window shows our UI only: links open in the system browser, navigation elsewhere is refused.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (e, url) => {
    if (url !== win.webContents.getURL()) e.preventDefault()
  })
  const devUrl = process.env.ELECTRON_RENDERER_URL
  if (devUrl) void win.loadURL(devUrl)
  else void win.loadFile(fileURLToPath(new URL('../renderer/index.html', import.meta.url)))
  return win
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))

  host = new WorkbenchHost({
    workspaceDir: process.env.WORKBENCH_WORKSPACE ?? app.getPath('userData'),
    launcher: new UtilityWorkerLauncher({ training: trainingWorkerPath, data: dataWorkerPath, inference: inferenceWorkerPath }),
    frontDoor: 'electron',
    watchExperiments: true
  })
  ipcMain.handle(IPC_CALL, async (event, method: unknown, input: unknown) => {
    // Only our own page may call: a frame from anywhere else gets nothing.
    const url = event.senderFrame?.url ?? ''
    if (!(url.startsWith('file://') || (process.env.ELECTRON_RENDERER_URL && url.startsWith(process.env.ELECTRON_RENDERER_URL)))) {
      return { ok: false, error: { code: 'bad_input', message: `calls from ${url} are refused` } }
    }
    try {
      return { ok: true, output: await host!.call(String(method), input) }
    } catch (err) {
      return { ok: false, error: toErrorShape(err) }
    }
  })
  host.onEvent((name, payload) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC_EVENT, name, payload)
  })
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

app.on('will-quit', () => {
  void host?.close()
})
