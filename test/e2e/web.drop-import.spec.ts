/**
 * Files the desktop way, in a browser against a real `workbench serve`: a CSV built in the page
 * is dropped on the Datasets view (a synthetic drop holding a real File), which shows the drop
 * zone while dragging, uploads the file into the workspace's staging folder and previews it —
 * its first rows, the detected separator, timestamp and label. A column's role is changed, the
 * file imported, and the stored version records that role; the staged upload is gone after.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { test, expect, api, collectPageProblems } from './serve-fixture'
import type { DatasetDetail } from '../../src-main/contract/api'

const SHOTS = process.env.WORKBENCH_SHOTS

const ROWS = Array.from({ length: 60 }, (_, i) => {
  const minute = String(i).padStart(2, '0')
  return `2024-03-01T10:${minute}:00Z;${(21 + Math.sin(i / 4)).toFixed(2)};${(101.3 + i / 50).toFixed(3)};${i >= 40 && i < 45 ? 1 : 0}`
})
const CSV = ['time;temperature;pressure;anomaly', ...ROWS].join('\n') + '\n'

test('drop a CSV on the Datasets view: preview its rows, separator, timestamp and label, change a role, import it with that role', async ({ page, workbench }) => {
  const problems = collectPageProblems(page)
  await page.goto(workbench.url)
  await page.getByTestId('nav-datasets').click()
  await expect(page.getByTestId('import-panel')).toBeVisible()

  // A drag carrying a file shows the drop zone.
  const target = page.locator('section.view')
  // Built in the page (the test's tsconfig has no DOM types: the page's globals are named by hand).
  const dataTransfer = await page.evaluateHandle((csv) => {
    const { DataTransfer } = globalThis as unknown as { DataTransfer: new () => { items: { add(f: File): void } } }
    const dt = new DataTransfer()
    dt.items.add(new File([csv], 'boiler-week.csv', { type: 'text/csv' }))
    return dt
  }, CSV)
  await target.dispatchEvent('dragenter', { dataTransfer })
  await expect(page.getByTestId('drop-overlay')).toBeVisible()
  await expect(page.getByTestId('drop-overlay')).toContainText('Drop to preview an import')
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: join(SHOTS, 'drop-zone.png') })
  }
  await target.dispatchEvent('drop', { dataTransfer })
  await expect(page.getByTestId('drop-overlay')).toHaveCount(0)

  // The preview: what was detected, and the first rows as the import reads them.
  await expect(page.getByTestId('import-separator')).toHaveText("';'")
  await expect(page.getByTestId('import-detected-timestamp')).toHaveText('time')
  await expect(page.getByTestId('import-detected-label')).toHaveText('anomaly')
  await expect(page.getByTestId('drop-staged')).toBeVisible()
  const firstRow = page.getByTestId('import-rows').locator('tbody tr').first().locator('td')
  await expect(firstRow).toHaveText(ROWS[0].split(';'))
  await expect(page.getByTestId('role-time')).toHaveValue('timestamp')
  await expect(page.getByTestId('role-anomaly')).toHaveValue('label')
  await expect(page.getByTestId('role-pressure')).toHaveValue('feature')
  await expect(page.getByTestId('import-name')).toHaveAttribute('placeholder', 'boiler-week')

  // The staged upload is in the workspace until imported.
  const uploads = join(workbench.workspace, 'uploads')
  expect(readdirSync(uploads)).toHaveLength(1)

  await page.getByTestId('role-pressure').selectOption('ignored')
  await expect(page.getByTestId('role-pressure')).toHaveValue('ignored')
  if (SHOTS) await page.getByTestId('import-panel').screenshot({ path: join(SHOTS, 'drop-preview.png') })

  await page.getByTestId('import-start').click()
  const job = page.locator('[data-testid="job-progress"][data-done="true"]').filter({ hasText: 'boiler-week' })
  await expect(job).toBeVisible({ timeout: 60_000 })
  const href = await job.getByTestId('job-open').getAttribute('href')
  const id = href!.split('/').at(-1)!

  const detail = await api<DatasetDetail>(workbench, 'datasets.get', { id })
  expect(detail.name).toBe('boiler-week')
  expect(Object.fromEntries(detail.roles.map((r) => [r.name, r.role]))).toEqual({ time: 'timestamp', temperature: 'feature', pressure: 'ignored', anomaly: 'label' })
  // The import ended: its staged set is removed, and the form lets go of it.
  await expect.poll(() => (existsSync(uploads) ? readdirSync(uploads) : [])).toEqual([])
  await expect(page.getByTestId('import-paths')).toHaveValue('')
  expect(problems).toEqual([])
})

/** A metric file of `rows` minutes starting at `hour`, labelled anomalous for minutes 20-24. */
function minutes(hour: number, rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => `2024-03-0${hour}T10:${String(i).padStart(2, '0')}:00Z,${(5 + Math.cos(i / 3)).toFixed(3)},${i >= 20 && i < 25 ? 1 : 0}`)
  return ['time,flow,anomaly', ...lines].join('\n') + '\n'
}

test('drop a real folder (Chromium’s own drag input): its files are walked, nested ones too, hidden and non-table files left out, imported as one dataset with a segment per file', async ({ page, workbench }) => {
  const problems = collectPageProblems(page)
  // A folder on disk, dropped as a desktop file manager drops it: the browser gets directory
  // entries (webkitGetAsEntry), which a page-built DataTransfer cannot hold.
  const folder = join(workbench.workspace, 'desktop', 'valves')
  mkdirSync(join(folder, 'valve2'), { recursive: true })
  mkdirSync(join(folder, '.cache'), { recursive: true })
  writeFileSync(join(folder, 'valve1.csv'), minutes(1, 50))
  writeFileSync(join(folder, 'valve2', 'morning.csv'), minutes(2, 40))
  writeFileSync(join(folder, 'valve2', 'evening.csv'), minutes(3, 45))
  writeFileSync(join(folder, 'notes.md'), '# how these were recorded\n')
  writeFileSync(join(folder, '.DS_Store'), 'x')
  writeFileSync(join(folder, '.cache', 'stale.csv'), minutes(4, 10))

  await page.goto(workbench.url)
  await page.getByTestId('nav-datasets').click()
  await expect(page.getByTestId('import-panel')).toBeVisible()
  const box = (await page.locator('section.view').boundingBox())!
  const at = { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 300) }
  const cdp = await page.context().newCDPSession(page)
  const data = { items: [], files: [folder], dragOperationsMask: 1 }
  await cdp.send('Input.dispatchDragEvent', { type: 'dragEnter', ...at, data })
  await cdp.send('Input.dispatchDragEvent', { type: 'dragOver', ...at, data })
  await expect(page.getByTestId('drop-overlay')).toBeVisible()
  await cdp.send('Input.dispatchDragEvent', { type: 'drop', ...at, data })

  // Three tables found (one in a subfolder); notes.md named as left out; hidden ones not mentioned.
  await expect(page.getByTestId('drop-skipped')).toContainText('notes.md')
  await expect(page.getByTestId('drop-skipped')).toContainText('1 file')
  await expect(page.getByTestId('drop-skipped')).not.toContainText('.DS_Store')
  await expect(page.getByTestId('import-segments')).toBeVisible()
  const segments = (await page.getByTestId('import-segments').textContent())!.split(', ').sort()
  expect(segments).toHaveLength(3)
  expect(segments.join(' ')).toMatch(/valve1/)
  expect(segments.join(' ')).toMatch(/morning/)
  expect(segments.join(' ')).toMatch(/evening/)
  await expect(page.getByTestId('role-time')).toHaveValue('timestamp')
  await expect(page.getByTestId('role-anomaly')).toHaveValue('label')
  await expect(page.getByTestId('import-name')).toHaveAttribute('placeholder', basename(folder))
  if (SHOTS) await page.getByTestId('import-panel').screenshot({ path: join(SHOTS, 'drop-folder-preview.png') })

  await page.getByTestId('import-start').click()
  const job = page.locator('[data-testid="job-progress"][data-done="true"]').filter({ hasText: basename(folder) })
  await expect(job).toBeVisible({ timeout: 60_000 })
  const id = (await job.getByTestId('job-open').getAttribute('href'))!.split('/').at(-1)!
  const detail = await api<DatasetDetail>(workbench, 'datasets.get', { id })
  expect(detail.segments.map((s) => s.end - s.start).sort((a, b) => a - b)).toEqual([40, 45, 50])
  expect(problems).toEqual([])
})
