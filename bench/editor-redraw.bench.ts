/**
 * Dataset editor redraw time on a 600,000-row series (seed 000, `helios-events` at full size):
 * starts `workbench serve` on a temp workspace, generates the dataset through the HTTP API,
 * opens the editor in Chromium (Playwright) and zooms with the mouse wheel. For each zoom it reads
 * the renderer's own marks (`window.__workbenchPerf`, src-renderer/src/state/perf.ts):
 *   instant = wheel event → chart redrawn over the data in hand (axes rescaled),
 *   settled = wheel event → chart redrawn with the `datasets.window` answer for the new view
 *             (includes the 60 ms debounce and the round trip).
 * Needs a built renderer (`npm run build`; built here when out/renderer is missing) and Chromium
 * (CHROMIUM_PATH, default /usr/bin/chromium). Run with `npx tsx bench/editor-redraw.bench.ts`.
 */
import { callServedApi } from '../test/helpers/served-api'
import { ms, runBrowserBench, type PerfWindow } from './serve-client'

const ZOOMS = 20

runBrowserBench('wb-bench-editor-', async (server, browser) => {
  // 1. helios-events at full size (10,000 h = 600,000 rows) through the HTTP API.
  const t0 = performance.now()
  await callServedApi(server.url, 'datasets.generate', { scenario: 'helios-events', params: {} })
  let found: { id: string; generator: string | null; rows: number } | undefined
  while (!found) {
    if (performance.now() - t0 > 300_000) throw new Error('helios-events did not appear in datasets.list within 5 min')
    await new Promise((r) => setTimeout(r, 250))
    const list = await callServedApi<{ id: string; generator: string | null; rows: number }[]>(server.url, 'datasets.list', {})
    found = list.find((d) => d.generator === 'helios-events')
  }
  const { id, rows } = found
  console.log(`helios-events generated and stored: ${rows.toLocaleString('en')} rows in ${ms(performance.now() - t0)}`)

  // 2. The editor in Chromium.
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const t1 = performance.now()
  await page.goto(`${server.url}#/datasets/${id}`)
  const chart = page.getByTestId('series-chart')
  await chart.waitFor()
  await chart.and(page.locator(':not([data-buckets="0"])')).waitFor({ timeout: 60_000 })
  const buckets = await chart.getAttribute('data-buckets')
  console.log(`editor open, first window drawn: ${ms(performance.now() - t1)} (${buckets} buckets for ${rows.toLocaleString('en')} rows)`)

  // 3. Zoom in 10 wheel notches around moving points, then out 10: every step needs a new window.
  const box = (await chart.boundingBox())!
  await page.evaluate(() => (globalThis as unknown as PerfWindow).__workbenchPerf.reset())
  for (let i = 0; i < ZOOMS; i++) {
    const zoomIn = i < ZOOMS / 2
    await page.mouse.move(box.x + box.width * (0.35 + 0.015 * i), box.y + box.height / 2)
    await page.mouse.wheel(0, zoomIn ? -200 : 200)
    await page.waitForFunction(() => (globalThis as unknown as PerfWindow).__workbenchPerf.pending() === 0, null, { timeout: 15_000 })
  }
  const s = await page.evaluate(() => (globalThis as unknown as PerfWindow).__workbenchPerf.summary('zoom'))
  console.log(`zoom redraw over ${s.count} wheel steps on ${rows.toLocaleString('en')} rows:`)
  console.log(`  instant (axes rescaled over the data in hand): p50 ${ms(s.instantP50)}, p95 ${ms(s.instantP95)}`)
  console.log(`  settled (new window fetched and drawn, incl. 60 ms debounce): p50 ${ms(s.settledP50)}, p95 ${ms(s.settledP95)}`)
})
