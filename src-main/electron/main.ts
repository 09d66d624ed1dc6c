/**
 * Electron entry: one window (context isolation, sandbox, no Node in the renderer, strict CSP),
 * the IPC bridge to the host, native dialogs for paths, and training in utility processes (the
 * bundled worker entries beside this file in out/main).
 * Every security decision (which page is ours, which link may open, how to quit) is a pure
 * function in window-policy.ts; this file only wires them to Electron.
 */
import { app, BrowserWindow, dialog, ipcMain, session, shell, type OpenDialogOptions } from 'electron'
import { fileURLToPath } from 'node:url'
import { WorkbenchHost, INTERACTIVE_HOST } from '../host/workbench-host'
import { toErrorShape } from '../host/dispatch'
import { PRODUCT_NAME } from '../host/app-meta'
import { contentSecurityPolicy } from '../host/csp'
import { IPC_CALL, IPC_EVENT, type IpcReply } from '../contract/ipc'
import type { MethodInput } from '../contract/api'
import { UtilityWorkerLauncher } from './utility-launcher'
import { docsPrefixes, externalUrl, grantsPermission, isOwnPage, isTrustedSender, ownPage, quitAfterClose } from './window-policy'

const CSP = contentSecurityPolicy({ websocket: false })
const INDEX_HTML = fileURLToPath(new URL('../renderer/index.html', import.meta.url))
const DOCS = docsPrefixes()

app.setName(PRODUCT_NAME)
let host: WorkbenchHost | null = null

function createWindow(page: ReturnType<typeof ownPage>): BrowserWindow {
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
  // The window shows our page only: a link to the project's docs opens in the system browser,
  // anything else opens nowhere; navigation and redirects anywhere else are refused, in every frame.
  const wc = win.webContents
  wc.setWindowOpenHandler(({ url }) => {
    const external = externalUrl(url, DOCS)
    if (external) void shell.openExternal(external)
    return { action: 'deny' }
  })
  wc.on('will-navigate', (e) => {
    if (!isOwnPage(e.url, page)) e.preventDefault()
  })
  wc.on('will-frame-navigate', (e) => {
    if (!isOwnPage(e.url, page)) e.preventDefault()
  })
  wc.on('will-redirect', (e) => {
    if (!isOwnPage(e.url, page)) e.preventDefault()
  })
  wc.on('will-attach-webview', (e) => e.preventDefault())
  if (page.devOrigin) void win.loadURL(process.env.ELECTRON_RENDERER_URL!)
  else void win.loadFile(INDEX_HTML)
  return win
}

/** `paths.pick`: the native dialog, over the focused window. */
async function pickPaths(request: MethodInput<'paths.pick'>): Promise<string[]> {
  const parent = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
  if (request.kind === 'save') {
    const r = await dialog.showSaveDialog(parent, { title: request.title, defaultPath: request.defaultPath })
    return r.canceled || !r.filePath ? [] : [r.filePath]
  }
  const options: OpenDialogOptions = {
    title: request.title,
    defaultPath: request.defaultPath,
    properties: request.kind === 'folder' ? ['openDirectory', 'createDirectory'] : ['openFile', 'multiSelections']
  }
  const r = await dialog.showOpenDialog(parent, options)
  return r.canceled ? [] : r.filePaths
}

/** `paths.allow`: the renderer asked to allow a typed folder; the user confirms it here, where the page cannot. */
async function confirmFolder(folder: string): Promise<boolean> {
  const parent = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
  const r = await dialog.showMessageBox(parent, {
    type: 'question',
    buttons: ['Allow', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: `Allow ${PRODUCT_NAME} to read and write files in this folder?`,
    detail: `${folder}\n\nImports, exports and bundle folders may then use it until the app quits.`
  })
  return r.response === 0
}

void app.whenReady().then(() => {
  const page = ownPage(INDEX_HTML, process.env, app.isPackaged)
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => callback(grantsPermission(permission, details.requestingUrl, page)))

  host = new WorkbenchHost({
    workspaceDir: process.env.WORKBENCH_WORKSPACE ?? app.getPath('userData'),
    launcher: new UtilityWorkerLauncher(),
    frontDoor: 'electron',
    ...INTERACTIVE_HOST,
    confirmFolder,
    pickPaths
  })
  const h = host
  ipcMain.handle(IPC_CALL, async (event, method: unknown, input: unknown): Promise<IpcReply> => {
    // Only our own page, in the window's main frame, may call: any other frame gets nothing.
    const frame = event.senderFrame
    if (!isTrustedSender(frame ? { url: frame.url, isMainFrame: frame.parent === null } : null, page)) {
      return { ok: false, error: { code: 'forbidden', message: `calls from ${frame?.url ?? 'a closed frame'} are refused` } }
    }
    try {
      return { ok: true, output: await h.call(String(method), input) }
    } catch (err) {
      return { ok: false, error: toErrorShape(err) }
    }
  })
  h.onEvent((name, payload) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC_EVENT, name, payload)
  })
  createWindow(page)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(page)
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

// Quit only once the host has closed: workers stopped, the database checkpointed and closed.
app.on(
  'will-quit',
  quitAfterClose(
    async () => {
      await host?.close()
    },
    () => app.quit(),
    (err) => console.error(`closing the workbench failed: ${(err as Error).stack ?? String(err)}`)
  )
)
