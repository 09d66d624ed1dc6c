/**
 * The search builder in the browser UI against a real `workbench serve` with an experiments
 * folder of its own: broken values (a learning rate of "abc", a negative batch size) show their
 * errors on their fields and Save is refused; a 12-trial Isolation Forest grid built in the form
 * (no file touched by the test) is saved and queued; the file it wrote parses to the same spec a
 * person would write by hand, the queue holds its 12 trials, saving again over it asks first, and
 * "Duplicate and edit" from the Experiments list opens the builder on a copy of it.
 * Screenshots of the builder (empty, with errors, filled) go to SHOTS_DIR when it is set.
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { test, expect, startServe, collectPageProblems } from './serve-fixture'
import { forestGrid12ByHand } from '../helpers/specs'

/** The same search, written by hand. */
const BY_HAND = forestGrid12ByHand('e2e-built-grid')

const shotsDir = process.env.SHOTS_DIR
async function shot(page: Page, name: string): Promise<void> {
  if (!shotsDir) return
  mkdirSync(shotsDir, { recursive: true })
  // The views scroll inside the app's shell, not the page: a tall window shows the whole form.
  const size = page.viewportSize()!
  await page.setViewportSize({ width: size.width, height: 2200 })
  await page.screenshot({ path: join(shotsDir, `${name}.png`) })
  await page.setViewportSize(size)
}

test('build a 12-trial grid in the UI, save and queue it; broken values are refused on their fields', async ({ page }) => {
  test.setTimeout(420_000)
  const root = mkdtempSync(join(tmpdir(), 'wb-e2e-builder-'))
  const experiments = join(root, 'experiments')
  mkdirSync(experiments)
  const { served, proc } = await startServe(join(root, 'ws'), ['--experiments', experiments])
  try {
    const problems = collectPageProblems(page)
    await page.goto(served.url)
    await page.getByTestId('nav-experiments').click()
    await page.getByTestId('new-search').click()
    await expect(page).toHaveURL(/#\/experiments\/new$/)
    await expect(page.getByTestId('builder-param-nEstimators')).toBeVisible()
    // Each param shows its schema: type, default and meaning.
    await expect(page.getByTestId('builder-param-nEstimators')).toContainText('integer >= 1, <= 100000')
    await expect(page.getByTestId('builder-param-nEstimators')).toContainText('default 100')
    await expect(page.getByTestId('builder-param-nEstimators')).toContainText(/trees/i)
    await shot(page, 'builder-empty')

    // Broken values on a deep model: each error under its own field, and no saving.
    await page.getByTestId('builder-name').fill('e2e-broken')
    await page.getByTestId('builder-generator').selectOption('helios-events')
    await page.getByTestId('builder-split-trainFraction').fill('0.7')
    await page.getByTestId('builder-model-kind').selectOption('lstm-classifier')
    await page.getByTestId('builder-param-learningRate-mode').selectOption('value')
    await page.getByTestId('builder-param-learningRate-value').fill('abc')
    await page.getByTestId('builder-param-batchSize-mode').selectOption('value')
    await page.getByTestId('builder-param-batchSize-value').fill('-5')
    await expect(page.getByTestId('field-error-param.learningRate')).toContainText(/expected number/i)
    await expect(page.getByTestId('field-error-param.batchSize')).toContainText(/>=\s*1/)
    await expect(page.getByTestId('builder-issue-count')).toContainText('2 problems')
    await expect(page.getByTestId('builder-save')).toBeDisabled()
    await expect(page.getByTestId('builder-save-queue')).toBeDisabled()
    await shot(page, 'builder-errors')
    // Fixed, the errors go.
    await page.getByTestId('builder-param-learningRate-value').fill('0.01')
    await page.getByTestId('builder-param-batchSize-value').fill('32')
    await expect(page.getByTestId('field-error-param.learningRate')).toHaveCount(0)
    await expect(page.getByTestId('builder-save')).toBeEnabled()

    // The grid, field by field.
    await page.getByTestId('builder-name').fill(BY_HAND.name)
    await page.getByTestId('builder-generator').selectOption('helios-detection')
    await page.getByTestId('builder-generator-days').fill('2')
    await page.getByTestId('builder-generator-seed').fill('3')
    await page.getByTestId('builder-split-trainFraction').fill('0.6')
    await page.getByTestId('builder-model-kind').selectOption('iforest')
    await page.getByTestId('builder-param-seed-mode').selectOption('value')
    await page.getByTestId('builder-param-seed-value').fill('1')
    await page.getByTestId('builder-param-nEstimators-mode').selectOption('list')
    await page.getByTestId('builder-param-nEstimators-list').fill('20, 40, 60')
    await page.getByTestId('builder-param-contamination-mode').selectOption('list')
    await page.getByTestId('builder-param-contamination-list').fill('0.03, 0.04, 0.05, 0.06')
    await page.getByTestId('builder-targets').fill('precision >= 0.5')
    await expect(page.getByTestId('builder-trials')).toHaveAttribute('data-count', '12')
    await expect(page.getByTestId('builder-trials')).toHaveText('12 trials')
    await expect(page.getByTestId('builder-estimate')).toContainText('no past runs of this kind')
    await expect(page.getByTestId('builder-file')).toHaveValue('e2e-built-grid.json')
    await shot(page, 'builder-filled')

    await page.getByTestId('builder-save-queue').click()
    await expect(page.getByTestId('builder-saved')).toContainText('e2e-built-grid.json')
    const href = await page.getByTestId('builder-saved-leaderboard').getAttribute('href')
    const experimentId = Number(/#\/queue\/(\d+)$/.exec(href ?? '')?.[1])
    expect(experimentId).toBeGreaterThan(0)

    // The file it wrote is the spec written by hand, nothing added.
    expect(readdirSync(experiments)).toEqual(['e2e-built-grid.json'])
    expect(JSON.parse(readFileSync(join(experiments, 'e2e-built-grid.json'), 'utf8'))).toEqual(BY_HAND)

    // Saving again asks before writing over it.
    await page.getByTestId('builder-save').click()
    await expect(page.getByTestId('builder-save-error')).toContainText('already exists')
    await expect(page.getByTestId('builder-save')).toHaveText('Overwrite')

    // The queue holds its 12 trials.
    await page.getByTestId('nav-queue').click()
    await expect(page.getByTestId(`queue-progress-${experimentId}`)).toHaveAttribute('data-total', '12')

    // "Duplicate and edit" from the Experiments list opens the builder on a copy of the file.
    await page.getByTestId('nav-experiments').click()
    await page.getByTestId('duplicate-e2e-built-grid.json').click()
    await expect(page).toHaveURL(/#\/experiments\/new\?file=e2e-built-grid\.json$/)
    await expect(page.getByTestId('builder-name')).toHaveValue('e2e-built-grid-copy')
    await expect(page.getByTestId('builder-param-contamination-list')).toHaveValue('0.03, 0.04, 0.05, 0.06')
    await expect(page.getByTestId('builder-trials')).toHaveAttribute('data-count', '12')
    expect(problems).toEqual([])
  } finally {
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
    rmSync(root, { recursive: true, force: true })
  }
})
