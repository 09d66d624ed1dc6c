/**
 * Typed paths outside the workspace (issue 9, item 8) in the browser UI against a real `workbench
 * serve`: the import panel, the dataset export and the bundle-folder settings each show the host's
 * refusal, offer to allow the exact folder, and succeed once the user confirms it. The page loads
 * under the built index.html's CSP, whose <meta> policy names no WebSocket source: the API socket
 * to the page's own host must still connect ('self').
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect, collectPageProblems } from './serve-fixture'

let outside = ''
test.beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), 'wb-e2e-outside-'))
  const rows = ['timestamp,cpu,is_anomaly']
  for (let i = 0; i < 200; i++) rows.push(`${new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString()},${(i % 17) / 10},${i % 50 === 0 ? 1 : 0}`)
  writeFileSync(join(outside, 'metrics.csv'), rows.join('\n') + '\n')
})
test.afterAll(() => rmSync(outside, { recursive: true, force: true }))

test('a typed path outside the workspace is refused, its folder offered, and allowed on confirmation', async ({ page, workbench }) => {
  const problems = collectPageProblems(page, { consoleErrors: true })
  await page.goto(workbench.url)

  // The page's <meta> CSP has no ws: source, and the socket to the page's own host connects.
  expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).not.toContain('ws:')
  await page.getByTestId('nav-datasets').click()

  // Import: refused, with the folder offered; Cancel leaves it refused.
  const csv = join(outside, 'metrics.csv')
  await page.getByTestId('import-paths').fill(csv)
  await page.getByTestId('import-start').click()
  await expect(page.getByTestId('import-error')).toContainText('outside the folders this workbench may use')
  await expect(page.getByTestId('allow-folder-path')).toHaveText(outside)
  await page.getByTestId('allow-folder-cancel').click()
  await expect(page.getByTestId('allow-folder')).toHaveCount(0)
  await page.getByTestId('import-start').click()
  await expect(page.getByTestId('allow-folder-path')).toHaveText(outside)
  // Allowing it retries the import, which now runs.
  await page.getByTestId('allow-folder-confirm').click()
  await expect(page.getByTestId('allow-folder')).toHaveCount(0)
  await expect(page.locator('[data-testid="job-progress"][data-done="true"]').first()).toBeVisible({ timeout: 60_000 })
  const row = page.locator('[data-testid^="dataset-row-"]').first()
  await expect(row).toContainText('metrics')

  // Export to another folder outside: refused, that folder offered, written once allowed.
  const exportDir = mkdtempSync(join(tmpdir(), 'wb-e2e-export-'))
  try {
    await row.click()
    await page.getByTestId('export-path').fill(join(exportDir, 'out.csv'))
    await page.getByTestId('export-start').click()
    await expect(page.getByTestId('export-error')).toContainText('outside the folders this workbench may use')
    expect(existsSync(join(exportDir, 'out.csv'))).toBe(false)
    await expect(page.getByTestId('allow-folder-path')).toHaveText(exportDir)
    await page.getByTestId('allow-folder-confirm').click()
    await expect(page.getByTestId('export-result')).toContainText(join(exportDir, 'out.csv'))
    expect(existsSync(join(exportDir, 'out.csv'))).toBe(true)
  } finally {
    rmSync(exportDir, { recursive: true, force: true })
  }

  // Settings: a shared folder outside is refused until its folder is allowed.
  const team = mkdtempSync(join(tmpdir(), 'wb-e2e-team-'))
  try {
    await page.getByTestId('nav-settings').click()
    await page.getByTestId('settings-shared').fill(team)
    await page.getByTestId('settings-save').click()
    await expect(page.getByTestId('settings-panel')).toContainText('outside the folders this workbench may use')
    await expect(page.getByTestId('allow-folder-path')).toHaveText(team)
    await page.getByTestId('allow-folder-confirm').click()
    await expect(page.getByTestId('settings-saved')).toBeVisible()
  } finally {
    rmSync(team, { recursive: true, force: true })
  }
  // Desktop-only controls are absent in a browser.
  await expect(page.getByTestId('settings-shared-browse')).toHaveCount(0)
  expect(problems).toEqual([])
})
