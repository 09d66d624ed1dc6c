/**
 * The datasets UI against a real `workbench serve`: generate a helios-detection version from the
 * Generate panel, open it, brush-label part of the chart as anomalous, save, and land on the new
 * child version with more labelled rows and its parent in the lineage.
 */
import { test, expect, collectPageProblems } from './serve-fixture'

const count = async (text: string) => Number(text.replace(/[^\d]/g, ''))

test('generate a dataset, brush-label a range and save it as a new version', async ({ page, workbench }) => {
  const problems = collectPageProblems(page, { consoleErrors: true })
  await page.goto(workbench.url)

  await page.getByTestId('nav-datasets').click()
  await expect(page).toHaveURL(/#\/datasets$/)
  // The workspace is shared by the spec files of one worker: other tests' versions may be listed.
  const rows = page.locator('[data-testid^="dataset-row-"]')
  // The list has loaded (rows, or its empty state) before the current rows are noted.
  await expect(page.getByTestId('datasets-table').or(page.getByText('No dataset versions yet.'))).toBeVisible()
  const listed = new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid'))))
  await page.getByTestId('generate-scenario').selectOption('helios-detection')
  await page.getByTestId('generate-start').click()

  // The job shows up, ends, and the new version appears in the table without a reload.
  await expect(page.getByTestId('job-progress').first()).toBeVisible()
  await expect(page.locator('[data-testid="job-progress"][data-done="true"]').first()).toBeVisible({ timeout: 60_000 })
  await expect.poll(async () => (await rows.count()) > listed.size, { timeout: 30_000 }).toBe(true)
  const fresh = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).filter((id) => !listed.has(id))
  expect(fresh).toHaveLength(1)
  const row = page.getByTestId(fresh[0]!)
  await expect(row).toContainText('helios-detection')
  const rowId = (await row.getAttribute('data-testid'))!.replace('dataset-row-', '')
  expect(rowId).toMatch(/^[0-9a-f]{12}$/)
  await row.click()

  await expect(page).toHaveURL(new RegExp(`#/datasets/${rowId}[0-9a-f]*$`))
  await expect(page.getByTestId('dataset-header')).toContainText('helios-detection')
  const before = await count(await page.getByTestId('dataset-label-count').innerText())
  expect(before).toBeGreaterThan(0)
  const chart = page.getByTestId('series-chart')
  await expect(chart).not.toHaveAttribute('data-buckets', '0')
  await expect(page.getByTestId('stats-table')).toBeVisible()
  await expect(page.getByTestId('histograms').locator('canvas').first()).toBeVisible()
  await expect(page.getByTestId('range-0')).toBeVisible()
  // Ranges come from the host a page at a time; the type filter asks for that type's page.
  const ranges = page.getByTestId('ranges-list')
  const filter = ranges.getByLabel('Filter by type')
  const [, typeName, typeCount] = /^(.*) \((\d+)\)$/.exec(await filter.locator('option').nth(1).innerText())!
  await filter.selectOption({ index: 1 })
  await expect(ranges.locator('tbody tr')).toHaveCount(Math.min(Number(typeCount), 50))
  expect(new Set(await ranges.locator('tbody tr td:first-child').allInnerTexts())).toEqual(new Set([typeName]))
  await filter.selectOption('all')
  await expect(page.getByTestId('range-0')).toBeVisible()

  // Label mode: drag across a quarter of the chart, mark it anomalous with a new type.
  await page.getByTestId('mode-label').click()
  const box = (await chart.boundingBox())!
  const y = box.y + box.height / 2
  await page.mouse.move(box.x + box.width * 0.3, y)
  await page.mouse.down()
  await page.mouse.move(box.x + box.width * 0.55, y, { steps: 8 })
  await page.mouse.up()
  await expect(page.getByTestId('mark-anomalous')).toBeEnabled()
  await page.getByTestId('edit-type').fill('e2e_flag')
  await page.getByTestId('mark-anomalous').click()
  await expect(page.getByTestId('pending-edits')).toHaveAttribute('data-count', '1')

  // A second edit, then undo it: only the first is saved.
  await page.mouse.move(box.x + box.width * 0.7, y)
  await page.mouse.down()
  await page.mouse.move(box.x + box.width * 0.8, y, { steps: 4 })
  await page.mouse.up()
  await page.getByTestId('mark-normal').click()
  await expect(page.getByTestId('pending-edits')).toHaveAttribute('data-count', '2')
  await page.getByTestId('undo-edit').click()
  await expect(page.getByTestId('pending-edits')).toHaveAttribute('data-count', '1')

  await page.getByTestId('save-version').click()

  // The page moves to the new version: more labelled rows, and the parent in its lineage.
  await expect(page).not.toHaveURL(new RegExp(`#/datasets/${rowId}`))
  await expect(page).toHaveURL(/#\/datasets\/[0-9a-f]{64}$/)
  await expect(page.getByTestId('save-result')).toBeVisible()
  await expect
    .poll(async () => count(await page.getByTestId('dataset-label-count').innerText()))
    .toBeGreaterThan(before)
  await expect(page.getByTestId('lineage')).toContainText(rowId.slice(0, 8))
  await expect(page.getByTestId('lineage').getByRole('link', { name: rowId.slice(0, 8) })).toBeVisible()
  await expect(page.getByTestId('dataset-header')).toContainText('edited')
  await page.screenshot({ path: 'test-results/dataset-editor.png', fullPage: true })

  // The list has both versions, the child pointing at its parent.
  await page.getByTestId('nav-datasets').click()
  await expect(rows).toHaveCount(listed.size + 2)
  await expect(page.getByTestId('datasets-table')).toContainText(rowId.slice(0, 8))
  expect(problems).toEqual([])
})
