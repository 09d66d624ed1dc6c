/**
 * Live training in the browser: a small LSTM classifier started from the experiments panel
 * trains in a worker; while it runs, the run page's per-epoch confusion matrix shows at least two
 * different epochs, each with exactly the counts the host stored for that epoch.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect, startServe, liveLstmSpec } from './serve-fixture'

test('the run page follows a deep model epoch by epoch, its confusion matrix that of each epoch', async ({ page }) => {
  test.setTimeout(240_000)
  const dir = mkdtempSync(join(tmpdir(), 'wb-e2e-live-'))
  const experiments = join(dir, 'experiments')
  mkdirSync(experiments)
  writeFileSync(join(experiments, 'e2e-live-lstm.json'), JSON.stringify(liveLstmSpec('e2e-live-lstm')))
  const { served, proc } = await startServe(join(dir, 'ws'), ['--experiments', experiments])
  try {
    await page.goto(served.url)
    await page.getByRole('link', { name: /experiments/i }).first().click()
    await page.getByTestId('start-e2e-live-lstm.json').click()
    await expect(page).toHaveURL(/#\/runs\/\d+$/)
    const runId = Number(page.url().match(/#\/runs\/(\d+)$/)![1])

    // While it runs, note each epoch the panel shows and the matrix shown with it.
    const shown = new Map<number, { tn: number; fp: number; fn: number; tp: number }>()
    const panel = page.getByTestId('live-confusion')
    // The epoch and its four cells read in one go, in the page: read one by one, an epoch that
    // ends between two reads would pair one epoch's label with the next one's counts. A cell shows
    // its count first (then its share): the count, thousands separators dropped.
    const snapshot = () =>
      panel.evaluate((el) => {
        const count = (name: string) => Number(el.querySelector(`[data-testid="epoch-cm-${name}"]`)?.textContent?.match(/\d[\d,]*/)?.[0].replace(/,/g, '') ?? NaN)
        return { epoch: Number(el.getAttribute('data-epoch')), cm: { tn: count('tn'), fp: count('fp'), fn: count('fn'), tp: count('tp') } }
      })
    await expect
      .poll(
        async () => {
          if (/done|failed/i.test(await page.getByTestId('run-status').innerText())) return `ended with ${shown.size} epochs seen`
          if (await panel.isVisible()) {
            const { epoch, cm } = await snapshot()
            if (epoch > 0 && !Number.isNaN(cm.tn) && !shown.has(epoch)) shown.set(epoch, cm)
          }
          return shown.size >= 2 ? 'two epochs seen' : `${shown.size} epochs seen`
        },
        { timeout: 180_000, intervals: [200] }
      )
      .toBe('two epochs seen')
    await expect(page.getByTestId('epoch-chart')).toBeVisible()
    await expect(page.getByTestId('run-status')).toHaveText(/done/i, { timeout: 180_000 })

    // Each matrix shown live is the one the host stored for that epoch.
    const detail = await page.evaluate(async (id) => {
      const res = await fetch('/api/runs.get', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) })
      return ((await res.json()) as { output: { epochs: { epoch: number; confusion: { tn: number; fp: number; fn: number; tp: number } }[] } }).output
    }, runId)
    for (const [epoch, cm] of shown) expect(cm, `epoch ${epoch}`).toEqual(detail.epochs.find((e) => e.epoch === epoch)!.confusion)
    await page.screenshot({ path: 'test-results/live-training.png' })
  } finally {
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
})
