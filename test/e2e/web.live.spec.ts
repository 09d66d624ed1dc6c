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

    // Each epoch the panel shows, and the matrix shown with it, recorded in the page by a
    // MutationObserver as the page renders it. Polled from here instead, a starved browser (a
    // loaded machine) answered each read so slowly that the whole run went by between two reads.
    // The observer runs after the page's update of the DOM, so an epoch's label and its four
    // counts are read from one render. A cell shows its count first (then its share).
    await page.evaluate(() => {
      type Cm = { tn: number; fp: number; fn: number; tp: number }
      type El = { getAttribute(n: string): string | null; querySelector(s: string): { textContent: string | null } | null }
      const g = globalThis as unknown as {
        document: { body: unknown; querySelector(s: string): El | null }
        MutationObserver: new (cb: () => void) => { observe(target: unknown, opts: Record<string, boolean>): void }
        __epochsShown: Record<number, Cm>
      }
      const shown: Record<number, Cm> = (g.__epochsShown = {})
      const read = () => {
        const el = g.document.querySelector('[data-testid="live-confusion"]')
        if (!el) return
        const count = (name: string) => Number(el.querySelector(`[data-testid="epoch-cm-${name}"]`)?.textContent?.match(/\d[\d,]*/)?.[0].replace(/,/g, '') ?? NaN)
        const epoch = Number(el.getAttribute('data-epoch'))
        const cm = { tn: count('tn'), fp: count('fp'), fn: count('fn'), tp: count('tp') }
        if (epoch > 0 && !Object.values(cm).some(Number.isNaN) && !(epoch in shown)) shown[epoch] = cm
      }
      new g.MutationObserver(read).observe(g.document.body, { subtree: true, childList: true, characterData: true, attributes: true })
      read()
    })
    await expect(page.getByTestId('run-status')).toHaveText(/done/i, { timeout: 180_000 })
    const shown = new Map(
      Object.entries(await page.evaluate(() => (globalThis as unknown as { __epochsShown: Record<number, { tn: number; fp: number; fn: number; tp: number }> }).__epochsShown)).map(([e, cm]) => [Number(e), cm])
    )
    // It followed the run: more than one epoch shown as it went (not only the last one, at the end).
    expect(shown.size, `epochs shown live: ${[...shown.keys()].join(', ')}`).toBeGreaterThanOrEqual(2)
    await expect(page.getByTestId('epoch-chart')).toBeVisible()

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
