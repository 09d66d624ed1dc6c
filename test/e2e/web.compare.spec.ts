/**
 * Run history and comparison in the browser against a real `workbench serve`: an Isolation Forest
 * and a quick LSTM classifier are run on one dataset version (through the API the UI uses); the
 * runs list is filtered (model kind, free text, a tag added in the list), two runs are selected
 * and compared; the compare page highlights the differing params, lists the windows the runs
 * disagree on, and one of them opens on its run's page.
 */
import type { Page } from '@playwright/test'
import { test, expect, collectPageProblems } from './serve-fixture'

const DATA = { generator: 'helios-events', params: { scale: 0.01, seed: 3 } }
const SPLIT = { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 }
const FOREST = { name: 'e2e-compare-forest', dataset: DATA, split: SPLIT, model: { kind: 'iforest', params: { nEstimators: 40, seed: 1 } } }
const LSTM = {
  name: 'e2e-compare-lstm',
  dataset: DATA,
  split: SPLIT,
  model: { kind: 'lstm-classifier', params: { window: 20, trainStride: 4, units: [8], denseUnits: 4, epochs: 2, batchSize: 64, seed: 1 } }
}

/** A contract call through the web host's HTTP door, with the page's token. */
async function api<T>(page: Page, url: string, method: string, input: unknown): Promise<T> {
  return page.evaluate(
    async ([m, body, u]) => {
      const token = new URL(u).searchParams.get('token')
      const res = await fetch(`/api/${m}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const json = (await res.json()) as { output?: unknown; error?: { message: string } }
      if (json.error) throw new Error(`${m}: ${json.error.message}`)
      return json.output
    },
    [method, input, url] as const
  ) as Promise<T>
}

test('filter the runs list, compare two runs, read the params diff and the disagreement list, open a window', async ({ page, workbench }) => {
  test.setTimeout(240_000)
  const problems = collectPageProblems(page)
  await page.goto(workbench.url)
  await expect(page.getByText(workbench.workspace)).toBeVisible()

  const { runId: forest } = await api<{ runId: number }>(page, workbench.url, 'runs.start', { spec: FOREST })
  const { runId: lstm } = await api<{ runId: number }>(page, workbench.url, 'runs.start', { spec: LSTM })
  for (const id of [forest, lstm]) {
    await expect
      .poll(async () => (await api<{ status: string }>(page, workbench.url, 'runs.get', { id })).status, { timeout: 180_000, intervals: [1000] })
      .toBe('done')
  }

  // The list: both runs; a model-kind filter leaves the LSTM; free text finds both by name.
  await page.getByTestId('nav-runs').click()
  await expect(page.getByTestId(`run-row-${forest}`)).toBeVisible()
  await expect(page.getByTestId(`run-row-${lstm}`)).toBeVisible()
  await page.getByTestId('filter-kind').selectOption('lstm-classifier')
  await expect(page.getByTestId(`run-row-${forest}`)).toHaveCount(0)
  await expect(page.getByTestId(`run-row-${lstm}`)).toBeVisible()
  await expect(page.getByTestId('runs-matching')).toHaveText('1 matching')
  await page.getByTestId('clear-filters').click()
  await page.getByTestId('runs-search').fill('e2e-compare')
  await expect(page.getByTestId('runs-matching')).toHaveText('2 matching')

  // A tag added in the list filters the list.
  await page.getByTestId(`edit-annotation-${forest}`).click()
  await page.getByTestId('tags-input').fill('baseline')
  await page.getByTestId('save-annotation').click()
  await expect(page.getByTestId(`annotation-${forest}`)).toContainText('baseline')
  await page.getByTestId('filter-tag').selectOption('baseline')
  await expect(page.getByTestId(`run-row-${lstm}`)).toHaveCount(0)
  await expect(page.getByTestId(`run-row-${forest}`)).toBeVisible()
  await page.getByTestId('clear-filters').click()

  // Select both (a click, and `x` on a focused row) and compare.
  await page.getByTestId(`select-run-${forest}`).check()
  await page.getByTestId(`run-row-${lstm}`).focus()
  await page.keyboard.press('x')
  await expect(page.getByTestId('compare-selected')).toBeEnabled()
  await page.getByTestId('compare-selected').click()
  await expect(page).toHaveURL(new RegExp(`#/compare\\?runs=${forest},${lstm}$`))

  // Params diff: `window` is the LSTM's only, so it differs; `seed` is 1 for both.
  const diff = page.getByTestId('params-diff')
  await expect(diff).toBeVisible()
  await expect(page.getByTestId('param-window')).toHaveAttribute('data-differs', 'true')
  await expect(page.getByTestId('param-window')).toHaveClass(/differs/)
  await expect(page.getByTestId('param-seed')).toHaveAttribute('data-differs', 'false')
  await expect(page.getByTestId('compare-metrics')).toContainText('Validation')
  await expect(page.getByTestId(`compare-cm-${forest}`)).toBeVisible()
  await expect(page.getByTestId(`compare-cm-${lstm}`)).toBeVisible()

  // The disagreement list, as the host computed it.
  const expected = await api<{ disagreements: { total: number; rows: { endRow: number; windows: { runId: number; index: number; flagged: boolean }[] }[] } }>(
    page,
    workbench.url,
    'runs.compare',
    { ids: [forest, lstm], disagreements: { kind: 'all', offset: 0, limit: 50 } }
  )
  expect(expected.disagreements.total).toBeGreaterThan(0)
  const list = page.getByTestId('disagreement-list')
  await expect(list).toBeVisible()
  await expect(page.getByTestId('tab-all')).toContainText(String(expected.disagreements.total))
  const first = expected.disagreements.rows[0]!
  await expect(page.getByTestId('disagreement-0')).toHaveAttribute('data-end-row', String(first.endRow))
  await page.screenshot({ path: 'test-results/compare-page.png', fullPage: true })

  // Open the LSTM's window of the first disagreement: its run page, naming the window.
  const w = first.windows.find((x) => x.runId === lstm)!
  await page.getByTestId(`open-window-${lstm}-${w.index}`).click()
  await expect(page).toHaveURL(new RegExp(`#/runs/${lstm}\\?split=test&window=${w.index}$`))
  await expect(page.getByTestId('run-status')).toHaveText(/done/i)
  await expect(page.getByTestId('link-leaderboard')).toHaveText('e2e-compare-lstm')

  // The run page's header edits the note too.
  await page.getByTestId(`edit-annotation-${lstm}`).click()
  await page.getByTestId('note-input').fill('misses the slow drifts')
  await page.getByTestId('save-annotation').click()
  await expect(page.getByTestId('run-note')).toHaveText('misses the slow drifts')
  expect(problems).toEqual([])
})
