/**
 * The main views pass axe-core with no serious or critical violation, in the light and the dark
 * theme: Runs, Run, Datasets, the Dataset editor, Queue, a Leaderboard and Bundles, each with
 * something in it (a small two-trial grid trained first). Each view is also photographed, to
 * `$SHOTS_DIR` (default test-results/shots), for a person to look at.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { join } from 'node:path'
import { test, expect, api, type ServedWorkbench } from './serve-fixture'

const SHOTS = process.env.SHOTS_DIR ?? 'test-results/shots'

const GRID = {
  name: 'e2e-a11y-grid',
  dataset: { generator: 'helios-detection', params: { days: 20, seed: 8 } },
  split: { kind: 'time', trainFraction: 0.6 },
  model: { kind: 'iforest', params: { maxSamples: 128, seed: 1 } },
  search: { kind: 'grid', space: { nEstimators: [40, 80] } },
  objective: { metric: 'f1', direction: 'maximize' },
  targets: ['precision >= 0.5']
}

interface Made {
  experimentId: number
  runId: number
  datasetId: string
}

let made: Made | null = null

/** A finished two-trial search (its leaderboard, its runs and its dataset version), made once. */
async function makeOnce(wb: ServedWorkbench): Promise<Made> {
  if (made) return made
  const { experimentId } = await api<{ experimentId: number }>(wb, 'experiments.queue', { spec: GRID })
  await expect
    .poll(async () => (await api<{ id: number; counts: { done: number } }[]>(wb, 'queue.list', {})).find((e) => e.id === experimentId)?.counts.done, { timeout: 90_000 })
    .toBe(2)
  const runs = await api<{ id: number; experimentId: number }[]>(wb, 'runs.list', {})
  const runId = runs.find((r) => r.experimentId === experimentId)!.id
  const datasets = await api<{ id: string }[]>(wb, 'datasets.list', {})
  made = { experimentId, runId, datasetId: datasets[0]!.id }
  return made
}

const VIEWS: { name: string; hash: (m: Made) => string; ready: (page: Page) => Promise<void> }[] = [
  { name: 'runs', hash: () => '#/runs', ready: (p) => expect(p.getByTestId(/^run-row-\d+$/).first()).toBeVisible() },
  { name: 'run', hash: (m) => `#/runs/${m.runId}`, ready: (p) => expect(p.getByTestId('run-status')).toHaveText(/done/i) },
  { name: 'datasets', hash: () => '#/datasets', ready: (p) => expect(p.getByRole('heading', { name: 'Datasets', level: 1 })).toBeVisible() },
  { name: 'dataset-editor', hash: (m) => `#/datasets/${m.datasetId}`, ready: (p) => expect(p.locator('canvas').first()).toBeVisible() },
  { name: 'queue', hash: () => '#/queue', ready: (p) => expect(p.getByTestId('queue-table')).toBeVisible() },
  { name: 'leaderboard', hash: (m) => `#/queue/${m.experimentId}`, ready: (p) => expect(p.getByRole('heading', { level: 1 })).toContainText('e2e-a11y-grid') },
  { name: 'bundles', hash: () => '#/bundles', ready: (p) => expect(p.getByRole('heading', { name: 'Bundles', level: 1 })).toBeVisible() }
]

for (const scheme of ['light', 'dark'] as const) {
  for (const view of VIEWS) {
    test(`${view.name} has no serious or critical accessibility violation in the ${scheme} theme`, async ({ page, workbench }) => {
      test.setTimeout(240_000)
      const m = await makeOnce(workbench)
      // The default choice follows the system: the emulated scheme picks the theme.
      await page.emulateMedia({ colorScheme: scheme })
      await page.goto(`${workbench.url}${view.hash(m)}`)
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme)
      await view.ready(page)
      // Let lists and charts settle (they load after the page shell).
      await page.waitForLoadState('networkidle')
      // The page scrolls inside <main>: a window as tall as its content photographs all of it.
      const height = await page.locator('main').evaluate((el) => (el as unknown as { scrollHeight: number }).scrollHeight)
      await page.setViewportSize({ width: 1280, height: Math.min(4000, height + 120) })
      await page.screenshot({ path: join(SHOTS, `${view.name}-${scheme}.png`) })
      const result = await new AxeBuilder({ page }).analyze()
      const serious = result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`.replace(/\s+/g, ' ')).slice(0, 6).join(' | ')}`)
      expect(serious).toEqual([])
    })
  }
}
