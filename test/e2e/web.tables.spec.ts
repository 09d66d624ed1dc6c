/**
 * Tables in the browser (issue 15) against a real `workbench serve`: the runs table exports what
 * it shows as CSV (the download is captured and parsed), checked against the runs the test made
 * through the contract; sorting and filtering change the export the same way. An error list of a
 * run with thousands of windows keeps one page in the DOM and still exports every row.
 *
 * Screenshots for review go to `$SHOTS_DIR` when it is set (e.g. /work/shots/tables).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Download, Page } from '@playwright/test'
import { parse } from 'csv-parse/sync'
import { test, expect, api, collectPageProblems, type ServedWorkbench } from './serve-fixture'

const SPLIT = { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 }
/** Four quick forests, two named `…-pine-…` and two `…-oak-…` (the filter picks by name). */
const FORESTS = [
  { name: 'e2e-tables-pine-1', trees: 20, seed: 1 },
  { name: 'e2e-tables-oak-1', trees: 30, seed: 2 },
  { name: 'e2e-tables-pine-2', trees: 40, seed: 3 },
  { name: 'e2e-tables-oak-2', trees: 50, seed: 4 }
].map((f) => ({ name: f.name, dataset: { generator: 'helios-events', params: { scale: 0.01, seed: 3 } }, split: SPLIT, model: { kind: 'iforest', params: { nEstimators: f.trees, seed: f.seed } } }))

interface RunGot {
  id: number
  status: string
  experimentName: string
  modelKind: string
  params: Record<string, unknown>
  metrics: Record<string, number> | null
}

async function waitDone(wb: ServedWorkbench, id: number): Promise<RunGot> {
  await expect.poll(async () => (await api<RunGot>(wb, 'runs.get', { id })).status, { timeout: 240_000, intervals: [1000] }).toBe('done')
  return api<RunGot>(wb, 'runs.get', { id })
}

/** Clicks an export button and reads the CSV it downloads: its file name and rows (by header). */
async function exportCsv(page: Page, button: string): Promise<{ name: string; header: string[]; rows: Record<string, string>[] }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(button).click()])
  const text = readFileSync((await (download as Download).path())!, 'utf8')
  const header = (parse(text, { to: 1 }) as string[][])[0]
  return { name: download.suggestedFilename(), header, rows: parse(text, { columns: true }) as Record<string, string>[] }
}

async function shot(page: Page, name: string): Promise<void> {
  if (process.env.SHOTS_DIR) await page.screenshot({ path: join(process.env.SHOTS_DIR, `${name}.png`), fullPage: true })
}

const today = () => {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

test('the runs table exports what it shows; sorting and filtering change the export the same way', async ({ page, workbench }) => {
  test.setTimeout(300_000)
  const problems = collectPageProblems(page)
  const started = await Promise.all(FORESTS.map((spec) => api<{ runId: number }>(workbench, 'runs.start', { spec })))
  const made = new Map<number, RunGot>()
  for (const { runId } of started) made.set(runId, await waitDone(workbench, runId))

  await page.goto(`${workbench.url}#/runs`)
  await page.getByTestId('runs-search').fill('e2e-tables')
  await expect(page.getByTestId('runs-matching')).toHaveText('4 matching')
  for (const id of made.keys()) await expect(page.getByTestId(`run-row-${id}`)).toBeVisible()
  await shot(page, 'runs-table')

  // Every run the test made, newest first (the list's order), with the columns shown.
  const all = await exportCsv(page, 'export-csv')
  expect(all.name).toBe(`runs-${today()}.csv`)
  const headings = (await page.getByTestId('runs-table').locator('thead th').allInnerTexts()).map((t) => t.replace(/[▲▼]/g, '').trim())
  for (const h of headings.filter((h) => /^(F1|Precision|Recall|FPR|AUC)$/.test(h))) expect(all.header).toContain(h)
  expect(all.header.slice(0, 6)).toEqual(['Run', 'Experiment', 'Model', 'Trial', 'Params', 'Status'])
  expect(all.rows.map((r) => Number(r.Run))).toEqual([...made.keys()].sort((a, b) => b - a))
  for (const row of all.rows) {
    const run = made.get(Number(row.Run))!
    expect(row.Experiment).toBe(run.experimentName)
    expect(row.Model).toBe('iforest')
    expect(row.Status).toBe('done')
    expect(JSON.parse(row.Params)).toEqual(run.params)
    // Full precision, not the two decimals the table shows.
    expect(Number(row.F1)).toBe(run.metrics!.f1)
    expect(Number(row.Recall)).toBe(run.metrics!.recall)
  }

  // Filter to the two "pine" runs and sort by F1 (best first): the export follows both.
  await page.getByTestId('runs-search').fill('e2e-tables-pine')
  await expect(page.getByTestId('runs-matching')).toHaveText('2 matching')
  await page.getByTestId('sort-metric:f1').click()
  await expect(page.getByTestId('runs-table').locator('th[aria-sort="descending"]')).toContainText('F1')
  const pines = [...made.values()].filter((r) => r.experimentName.includes('pine'))
  const expected = [...pines].sort((a, b) => b.metrics!.f1 - a.metrics!.f1 || b.id - a.id)
  await expect(page.getByTestId('runs-table').locator('tbody tr').first()).toHaveAttribute('data-testid', `run-row-${expected[0].id}`)
  await shot(page, 'runs-table-filtered-sorted')
  const some = await exportCsv(page, 'export-csv')
  expect(some.rows.map((r) => r.Experiment).sort()).toEqual(pines.map((r) => r.experimentName).sort())
  const f1s = some.rows.map((r) => Number(r.F1))
  expect(f1s).toEqual([...f1s].sort((a, b) => b - a))
  expect(f1s).toEqual(expected.map((r) => r.metrics!.f1))

  // Flip to ascending: the export flips too.
  await page.getByTestId('sort-metric:f1').click()
  await expect(page.getByTestId('runs-table').locator('th[aria-sort="ascending"]')).toContainText('F1')
  const up = await exportCsv(page, 'export-csv')
  expect(up.rows.map((r) => Number(r.F1))).toEqual([...f1s].reverse())
  expect(problems).toEqual([])
})

test('an error list of thousands of windows keeps one page in the DOM and exports every row', async ({ page, workbench }) => {
  test.setTimeout(300_000)
  const problems = collectPageProblems(page)
  // An Isolation Forest scores every row: 15 % of 12,000 rows makes ~1,800 test windows.
  const spec = { name: 'e2e-tables-many-windows', dataset: { generator: 'helios-events', params: { scale: 0.02, seed: 5 } }, split: SPLIT, model: { kind: 'iforest', params: { nEstimators: 20, seed: 1 } } }
  const { runId } = await api<{ runId: number }>(workbench, 'runs.start', { spec })
  await waitDone(workbench, runId)

  await page.goto(`${workbench.url}#/runs/${runId}`)
  const slider = page.getByTestId('threshold-slider')
  // The studio loads the stored test scores first (seconds on a loaded machine).
  await expect(slider).toBeVisible({ timeout: 120_000 })
  // The lowest threshold flags every window: every normal one is a false alarm.
  await slider.focus()
  await page.keyboard.press('Home')
  const threshold = async () => Number(await slider.getAttribute('data-threshold'))
  await expect.poll(async () => Number((await page.getByTestId('cm-fp').locator('.count').innerText()).replace(/,/g, '')), { timeout: 30_000 }).toBeGreaterThan(1000)
  await page.getByTestId('cm-fp').click()
  const at = await threshold()
  const host = await api<{ total: number; items: { index: number }[] }>(workbench, 'runs.errors', { id: runId, kind: 'fp', threshold: at, limit: 5000 })
  expect(host.total).toBeGreaterThan(1000)
  await expect(page.getByTestId('errors-total')).toHaveText(`${host.total.toLocaleString('en')} false alarms`)

  // One page in the DOM, not thousands of rows.
  const rows = page.getByTestId('errors-list').getByTestId('error-row')
  await expect(rows.first()).toBeVisible()
  const inDom = await rows.count()
  expect(inDom).toBeGreaterThan(0)
  expect(inDom).toBeLessThanOrEqual(100)
  await shot(page, 'error-list-paged')

  // The export holds every false alarm, in the list's order (margin, nearest to flipping first).
  const out = await exportCsv(page, 'errors-export')
  expect(out.name).toBe(`run-${runId}-false-alarms-${today()}.csv`)
  expect(out.header).toEqual(['Window', 'Score', 'Margin', 'Label', 'Type', 'First row', 'Last row', 'First time', 'Last time', 'Segment', 'Episode'])
  expect(out.rows).toHaveLength(host.total)
  expect(out.rows.map((r) => Number(r.Window))).toEqual(host.items.map((i) => i.index))
  expect(out.rows.every((r) => r.Label === '0')).toBe(true)
  const margins = out.rows.map((r) => Number(r.Margin))
  expect(margins).toEqual([...margins].sort((a, b) => a - b))
  expect(problems).toEqual([])
})
