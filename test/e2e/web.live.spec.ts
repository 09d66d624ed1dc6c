/**
 * Live training in the browser: a small LSTM classifier trains in a worker; the run page's
 * curves and per-epoch confusion matrix update at least twice while it runs, then the test
 * results replace them as the headline.
 */
import { test, expect } from './serve-fixture'

test('the run page follows a deep model epoch by epoch', async ({ page, workbench }) => {
  await page.goto(workbench.url)
  const spec = {
    name: 'e2e-live-lstm',
    dataset: { generator: 'helios-events', params: { scale: 0.01, seed: 3 } },
    split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
    model: { kind: 'lstm-classifier', params: { window: 20, trainStride: 4, units: [8], denseUnits: 4, epochs: 4, batchSize: 64, learningRate: 0.01, seed: 1 } }
  }
  const runId = await page.evaluate(async ([s, url]) => {
    const token = new URL(url).searchParams.get('token')
    const res = await fetch('/api/runs.start', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ spec: s }) })
    return ((await res.json()) as { output: { runId: number } }).output.runId
  }, [spec, workbench.url] as const)
  await page.goto(`${workbench.url}#/runs/${runId}`)
  const epoch = page.getByTestId('live-epoch')
  const seen = new Set<string>()
  // Read the live epoch label until two different epochs have been shown while running.
  await expect
    .poll(
      async () => {
        if ((await page.getByTestId('run-status').innerText()).match(/done/i)) return seen.size
        if (await epoch.isVisible()) seen.add((await epoch.innerText()).trim())
        if (await page.getByTestId('live-confusion').isVisible()) {
          const cells = await page.getByTestId('live-confusion').getByTestId(/^(epoch-)?cm-tn$/).count()
          expect(cells).toBeGreaterThan(0)
        }
        return seen.size
      },
      { timeout: 120_000, intervals: [250] }
    )
    .toBeGreaterThanOrEqual(2)
  await expect(page.getByTestId('epoch-chart')).toBeVisible()
  await page.screenshot({ path: 'test-results/live-training.png' })
  await expect(page.getByTestId('run-status')).toHaveText(/done/i, { timeout: 120_000 })
  await expect(page.getByTestId('confusion-matrix')).toBeVisible()
  await expect(page.getByTestId('epoch-scrubber')).toBeVisible()
})
