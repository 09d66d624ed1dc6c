/**
 * Column roles in the browser against a real `workbench serve`: preview a folder of 6 files, see
 * the `changepoint` leak flagged and fix it with one click, import one dataset of 6 segments, then
 * on its page move the label to an extra label — a child version, shown as unlabelled.
 */
import { join } from 'node:path'
import { test, expect } from './serve-fixture'
import { writeSegmentedFixture } from '../helpers/segmented-fixture'

test('preview a folder, fix a label-like column, import; change roles on the page into an unlabelled child', async ({ page, workbench }) => {
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(e.message))
  // Inside the workspace (allowed without asking), outside its watched import/ folder.
  const fx = writeSegmentedFixture(join(workbench.workspace, 'data'))
  await page.goto(workbench.url)
  await page.getByTestId('nav-datasets').click()

  await page.getByTestId('import-paths').fill(fx.root)
  await page.getByTestId('import-preview').click()
  await expect(page.getByTestId('import-segments')).toHaveText('a/0, a/1, b/0, b/1, c/0, c/1')
  await expect(page.getByTestId('role-datetime')).toHaveValue('timestamp')
  await expect(page.getByTestId('role-anomaly')).toHaveValue('label')
  await expect(page.getByTestId('role-changepoint')).toHaveValue('feature')
  await expect(page.getByTestId('label-like-changepoint')).toContainText('looks like a label')

  // One click: changepoint becomes an extra label, and the preview agrees.
  await page.getByTestId('fix-extra-changepoint').click()
  await expect(page.getByTestId('role-changepoint')).toHaveValue('extra-label')
  await expect(page.getByTestId('label-like-changepoint')).toHaveCount(0)
  await page.getByTestId('import-start').click()
  await expect(page.locator('[data-testid="job-progress"][data-done="true"]').first()).toBeVisible({ timeout: 60_000 })
  await page.getByTestId('job-open').first().click()

  await expect(page.getByTestId('dataset-header')).toContainText('segmented')
  await expect(page.getByTestId('roles-changepoint')).toHaveValue('extra-label')
  await expect(page.getByTestId('roles-datetime')).toHaveText('timestamp')
  const parentUrl = page.url()
  const parentHash = parentUrl.split('/').at(-1)!.slice(0, 8)

  // The label becomes an extra label: saved as a child version, which is unlabelled.
  await page.getByTestId('roles-anomaly').selectOption('extra-label')
  await page.getByTestId('roles-save').click()
  await expect(page).not.toHaveURL(parentUrl)
  await expect(page.getByTestId('dataset-anomaly-rate')).toHaveText('unlabelled')
  await expect(page.getByTestId('roles-unlabelled')).toBeVisible()
  await expect(page.getByTestId('lineage')).toContainText(parentHash)
  await expect(page.getByTestId('roles-anomaly')).toHaveValue('extra-label')

  await page.getByTestId('nav-datasets').click()
  await expect(page.getByTestId('unlabelled').first()).toHaveText('unlabelled')
  expect(problems).toEqual([])
})
