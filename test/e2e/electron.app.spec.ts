/**
 * The desktop app itself (Electron main + sandboxed preload + renderer). Electron's binary is
 * fetched from outside the npm registry, so where it is absent these tests skip and say why.
 */
import { test, expect, _electron as electron, type ElectronApplication } from '@playwright/test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { electronBinaryStatus } from '../../src-main/host/electron-binary'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const status = electronBinaryStatus()

if (!status.binaryPresent) console.log(`[electron] desktop tests skipped: Electron binary absent — ${status.detail}`)
test.skip(!status.binaryPresent, `Electron binary absent, desktop tests skipped: ${status.detail}`)

/** The built app on a fresh workspace. */
async function launch(workspace: string): Promise<ElectronApplication> {
  return electron.launch({
    executablePath: status.detail,
    args: [join(REPO, 'out/main/main.js'), '--no-sandbox'],
    env: { ...process.env, WORKBENCH_WORKSPACE: workspace }
  })
}

test('the desktop window is locked down and runs an experiment through IPC', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'wb-electron-'))
  const app = await launch(workspace)
  try {
    const page = await app.firstWindow()
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const w = BrowserWindow.getAllWindows()[0]
      // Not in Electron's typings, but present: the preferences the page really got.
      const wc = w.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> }
      const p = wc.getLastWebPreferences?.() ?? {}
      return { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration }
    })
    expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false })
    expect(await page.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process])).toEqual(['undefined', 'undefined'])
    expect(await page.evaluate(() => typeof (globalThis as { workbench?: { call?: unknown } }).workbench?.call)).toBe('function')
    await page.getByRole('link', { name: /experiments/i }).first().click()
    await page.getByTestId('start-helios-detection-iforest.json').click()
    await expect(page.getByTestId('run-status')).toHaveText(/done/i, { timeout: 90_000 })
    await expect(page.getByTestId('confusion-matrix')).toBeVisible()
    await page.screenshot({ path: 'test-results/electron-run-page.png' })
  } finally {
    await app.close()
    rmSync(workspace, { recursive: true, force: true })
  }
})

test('"Browse folder…" is the native folder dialog: the folder picked there fills the import form and previews without a further question', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'wb-electron-'))
  const folder = join(mkdtempSync(join(tmpdir(), 'wb-electron-pick-')), 'pumps')
  mkdirSync(folder)
  writeFileSync(join(folder, 'pump.csv'), 'time,flow,anomaly\n' + Array.from({ length: 30 }, (_, i) => `${i * 60},${i % 7},${i === 20 ? 1 : 0}`).join('\n') + '\n')
  const app = await launch(workspace)
  try {
    // The operating system's dialog answers as if the user picked `folder` (it cannot be clicked headless).
    await app.evaluate(({ dialog }, picked) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [picked] })) as typeof dialog.showOpenDialog
    }, folder)
    const page = await app.firstWindow()
    await page.getByTestId('nav-datasets').click()
    await page.getByTestId('import-browse-folder').click()
    await expect(page.getByTestId('import-paths')).toHaveValue(folder)
    await page.getByTestId('import-preview').click()
    await expect(page.getByTestId('import-segments')).toContainText('pump')
    await expect(page.getByTestId('role-anomaly')).toHaveValue('label')
  } finally {
    await app.close()
    rmSync(workspace, { recursive: true, force: true })
    rmSync(join(folder, '..'), { recursive: true, force: true })
  }
})
