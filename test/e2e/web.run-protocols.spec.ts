/**
 * The run page shows the honest-evaluation results (issue 11) against a real `workbench serve`:
 * a folder of 6 files imported as one dataset, a per-segment Isolation Forest on each file's first
 * 40 rows, an Isolation Forest validated on a version of its own, and a per-segment one on the
 * same files without labels. The page's numbers are checked against `runs.get`: validation (chosen
 * on), test (reported) and train metrics, point-wise metrics, split sizes, the per-segment table;
 * and `#/runs/<id>?split=test&window=<k>` opens that window's rows and contributions even when it
 * is no error at the threshold.
 */
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import type { Confusion, PartRows } from '../../src-main/contract/api'
import { test, expect, api, type ServedWorkbench } from './serve-fixture'
import { writeSegmentedFixture } from '../helpers/segmented-fixture'

type Metrics = Record<string, number | null>
interface Detail {
  status: string
  statusReason: string | null
  metrics: Metrics | null
  validationMetrics: Metrics | null
  trainMetrics: Metrics | null
  partRows: PartRows | null
  pointMetrics: { rule: string; rows: number; scored: number; unscored: number; confusion: Confusion; precision: number; recall: number; f1: number; falseAlarmRate: number; missedAlarmRate: number; events: { episodes: number; caught: number } } | null
  perSegment: { segment: string; rows: PartRows; threshold: number; confusion: Confusion; metrics: Metrics }[] | null
  scoreSplits: { split: string; count: number }[]
  threshold: number
}

async function waitDone(wb: ServedWorkbench, id: number): Promise<Detail> {
  await expect
    .poll(
      async () => {
        const d = await api<Detail>(wb, 'runs.get', { id })
        if (d.status === 'failed') throw new Error(`run ${id} failed: ${d.statusReason}`)
        return d.status
      },
      { timeout: 180_000, intervals: [1000] }
    )
    .toBe('done')
  return api<Detail>(wb, 'runs.get', { id })
}

/**
 * Imports a folder as one dataset and waits for it. The served workbench is shared by the spec
 * files of a worker, so the name must be one no other spec uses: an existing dataset of that name
 * is refused here rather than silently taken for the new one.
 */
async function importFolder(wb: ServedWorkbench, root: string, options: Record<string, unknown>): Promise<string> {
  const before = await api<{ name: string }[]>(wb, 'datasets.list', {})
  expect(before.map((d) => d.name), `a dataset named ${String(options.name)} exists already`).not.toContain(options.name)
  await api(wb, 'datasets.import', { files: [root], options })
  let id: string | undefined
  await expect
    .poll(
      async () => {
        id = (await api<{ id: string; name: string }[]>(wb, 'datasets.list', {})).find((d) => d.name === options.name)?.id
        return id != null
      },
      { timeout: 60_000, intervals: [500] }
    )
    .toBe(true)
  return id!
}

const METRIC_KEYS = ['accuracy', 'precision', 'recall', 'f1', 'fpr', 'specificity', 'rocAuc', 'averagePrecision']

/**
 * Every number of one split's column of the metrics table equals the run's; a metric the split
 * leaves undefined (shown "n/a", with why) is one the run stored as 0 or none.
 */
async function expectColumn(page: Page, split: string, expected: Metrics): Promise<void> {
  const table = page.getByTestId('metrics')
  await expect(table.locator(`th[data-split="${split}"]`)).toBeVisible()
  for (const key of METRIC_KEYS) {
    const cell = table.locator(`tr[data-metric="${key}"] td[data-split="${split}"]`)
    const shown = await cell.getAttribute('data-value')
    const want = expected[key]
    if (await cell.getAttribute('data-na')) {
      await expect(cell).toHaveText('n/a')
      expect(want == null || want === 0, `${split} ${key} is n/a but stored as ${want}`).toBe(true)
    } else if (want == null || !Number.isFinite(want)) expect(shown, `${split} ${key}`).toBe('')
    else expect(Number(shown), `${split} ${key}`).toBeCloseTo(want, 12)
  }
}

/** The point-wise panel shows the run's point-wise metrics. */
async function expectPointwise(page: Page, p: NonNullable<Detail['pointMetrics']>): Promise<void> {
  for (const key of ['precision', 'recall', 'f1', 'falseAlarmRate', 'missedAlarmRate'] as const) {
    const tile = page.getByTestId(`point-${key}`)
    // Undefined over the rows (e.g. nothing flagged): "n/a" where the host reports 0.
    if (await tile.getAttribute('data-na')) expect(p[key], key).toBe(0)
    else expect(Number(await tile.getAttribute('data-value')), key).toBeCloseTo(p[key], 12)
  }
  const rows = page.getByTestId('point-rows')
  await expect(rows).toHaveAttribute('data-scored', String(p.scored))
  await expect(rows).toHaveAttribute('data-unscored', String(p.unscored))
  const cm = page.getByTestId('point-confusion')
  for (const k of ['tp', 'fn', 'fp', 'tn'] as const) await expect(cm).toHaveAttribute(`data-${k}`, String(p.confusion[k]))
  await expect(page.getByTestId('point-events')).toHaveAttribute('data-caught', String(p.events.caught))
  await expect(page.getByTestId('pointwise-rule')).toContainText(`rule “${p.rule}”`)
}

async function expectPartRows(page: Page, parts: NonNullable<Detail['partRows']>): Promise<void> {
  for (const part of ['train', 'validation', 'test'] as const) await expect(page.getByTestId(`part-rows-${part}`)).toHaveAttribute('data-rows', String(parts[part]))
}

test.describe.serial('run page: honest evaluation', () => {
  let perSegRun = 0
  let separateRun = 0
  let unlabelledRun = 0

  test.beforeAll(async ({ workbench }) => {
    test.setTimeout(300_000)
    // Inside the workspace (allowed without asking), outside its watched import/ folder.
    // A seed of their own: the same content as another spec's import would be that dataset (versions are content-addressed).
    const labelled = writeSegmentedFixture(join(workbench.workspace, 'protocols-labelled'), { seed: 11 })
    const unlabelled = writeSegmentedFixture(join(workbench.workspace, 'protocols-unlabelled'), { unlabelled: true, seed: 11 })
    const version = await importFolder(workbench, labelled.root, { name: 'protocols-segmented', extraLabelColumns: ['changepoint'] })
    const bare = await importFolder(workbench, unlabelled.root, { name: 'protocols-segmented-unlabelled', ignoreColumns: ['changepoint'], labelColumn: null })
    const perSegment = (v: string, name: string) => ({
      name,
      dataset: { version: v },
      split: { kind: 'per-segment', train: { firstRows: 40 } },
      model: { kind: 'iforest', params: { nEstimators: 50, contamination: 0.05, seed: 2 } }
    })
    perSegRun = (await api<{ runId: number }>(workbench, 'runs.start', { spec: perSegment(version, 'e2e-protocols-per-segment') })).runId
    separateRun = (
      await api<{ runId: number }>(workbench, 'runs.start', {
        spec: {
          name: 'e2e-protocols-separate',
          dataset: { generator: 'helios-detection', params: { days: 3, seed: 1 } },
          split: {
            kind: 'separate-test',
            validation: { generator: 'helios-detection', params: { days: 2, seed: 3 } },
            test: { generator: 'helios-detection', params: { days: 2, seed: 2 } }
          },
          model: { kind: 'iforest', params: { nEstimators: 50, contamination: 0.05, seed: 1 } }
        }
      })
    ).runId
    unlabelledRun = (await api<{ runId: number }>(workbench, 'runs.start', { spec: perSegment(bare, 'e2e-protocols-unlabelled') })).runId
    for (const id of [perSegRun, separateRun, unlabelledRun]) await waitDone(workbench, id)
  })

  test('a per-segment run: its segments table, margins, validation / test / train and point-wise numbers, split sizes', async ({ page, workbench }) => {
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    const d = await api<Detail>(workbench, 'runs.get', { id: perSegRun })
    expect(d.perSegment).toHaveLength(6)
    await page.goto(`${workbench.url}#/runs/${perSegRun}`)

    // One row per segment, each with its own model's threshold and test F1 as runs.get has them.
    const table = page.getByTestId('per-segment-table')
    await expect(table.getByTestId('segment-row')).toHaveCount(6)
    for (const s of d.perSegment!) {
      const row = table.locator(`[data-testid="segment-row"][data-segment="${s.segment}"]`)
      expect(Number(await row.locator('[data-col="threshold"]').getAttribute('data-value'))).toBeCloseTo(s.threshold, 12)
      await expect(row.locator('[data-col="test"]')).toHaveText(String(s.rows.test))
      const f1 = await row.locator('[data-col="f1"]').getAttribute('data-value')
      if (s.confusion.tp + s.confusion.fp + s.confusion.fn === 0) expect(f1).toBe('')
      else expect(Number(f1)).toBeCloseTo(s.metrics.f1!, 12)
    }
    await expect(page.getByTestId('per-segment-note')).toContainText('margin')
    // Sorted by F1 (best first): the values shown never increase down the table.
    await page.getByTestId('segments-sort-f1').click()
    await expect(table.locator('th[aria-sort="descending"]')).toContainText('F1')
    const f1s = (await table.locator('[data-col="f1"]').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value')))).filter((v) => v !== '').map(Number)
    expect(f1s.length).toBeGreaterThan(1)
    expect(f1s).toEqual([...f1s].sort((a, b) => b - a))

    // The studio says its scores are margins; the run's threshold is 0 on them.
    await expect(page.getByTestId('studio-margins')).toBeVisible()
    await expect(page.getByTestId('run-threshold')).toContainText('on margins')
    await expect(page.getByTestId('decision-threshold')).toContainText('contamination 0.05')
    await expect(page.getByTestId('decision-training')).toContainText('unsupervised')

    await expectColumn(page, 'validation', d.validationMetrics!)
    await expectColumn(page, 'test', d.metrics!)
    await expectColumn(page, 'train', d.trainMetrics!)
    await expect(page.getByTestId('metrics').locator('th[data-split="validation"]')).toContainText('chosen on')
    // Each file's first 40 rows hold no anomaly: recall is undefined on validation and train, not 0.
    for (const split of ['validation', 'train']) {
      await expect(page.getByTestId('metrics').locator(`tr[data-metric="recall"] td[data-split="${split}"]`)).toHaveAttribute('data-na', 'no anomalous window')
    }
    await expectPointwise(page, d.pointMetrics!)
    await expectPartRows(page, d.partRows!)
    // 6 files of 120 rows, each trained on its first 40 (34 train + 6 validation), the rest test.
    expect(d.partRows).toEqual({ train: 6 * 34, validation: 6 * 6, test: 6 * 80 })
    await page.getByTestId('evaluation').screenshot({ path: 'test-results/run-protocols-evaluation.png' })
    await page.getByTestId('per-segment').screenshot({ path: 'test-results/run-protocols-per-segment.png' })
    expect(problems).toEqual([])
  })

  test('a run validated on a version of its own: the three columns and the point-wise numbers are runs.get\'s', async ({ page, workbench }) => {
    const d = await api<Detail>(workbench, 'runs.get', { id: separateRun })
    await page.goto(`${workbench.url}#/runs/${separateRun}`)
    await expect(page.getByTestId('metrics')).toBeVisible()
    await expectColumn(page, 'validation', d.validationMetrics!)
    await expectColumn(page, 'test', d.metrics!)
    await expectColumn(page, 'train', d.trainMetrics!)
    await expectPointwise(page, d.pointMetrics!)
    await expectPartRows(page, d.partRows!)
    await expect(page.getByTestId('datasets').locator('tr[data-role="validation"]')).toBeVisible()
    await page.locator('.page-head').screenshot({ path: 'test-results/run-protocols-head.png' })
    await expect(page.getByTestId('part-rows-validation')).toContainText('its own dataset version')
    await expect(page.getByTestId('per-segment')).toHaveCount(0)
    await expect(page.getByTestId('studio-margins')).toHaveCount(0)
  })

  test('#/runs/<id>?split=test&window=<k> opens that window — not an error at the threshold — with its rows and contributions', async ({ page, workbench }) => {
    const d = await api<Detail>(workbench, 'runs.get', { id: separateRun })
    // A test window that is neither missed nor a false alarm at the run's threshold.
    const errors = new Set<number>()
    for (const kind of ['fn', 'fp']) {
      const list = await api<{ items: { index: number }[] }>(workbench, 'runs.errors', { id: separateRun, kind, limit: 5000 })
      for (const it of list.items) errors.add(it.index)
    }
    const count = d.scoreSplits.find((s) => s.split === 'test')!.count
    const k = Array.from({ length: count }, (_, i) => i).find((i) => i > 0 && i < count - 1 && !errors.has(i))!
    expect(k).toBeDefined()
    const win = await api<{ windowStart: number; windowEnd: number; columns: unknown[] }>(workbench, 'runs.window', { id: separateRun, split: 'test', index: k })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))

    await page.goto(`${workbench.url}#/runs/${separateRun}?split=test&window=${k}`)
    const inspector = page.getByTestId('error-inspector')
    await expect(inspector).toHaveAttribute('data-kind', 'window')
    const detail = page.getByTestId('error-detail')
    await expect(detail).toHaveAttribute('data-index', String(k))
    await expect(detail).toContainText(`rows ${win.windowStart.toLocaleString('en')}–${win.windowEnd.toLocaleString('en')}`)
    await expect(page.getByTestId('window-outcome')).toHaveAttribute('data-outcome', /^(tn|tp)$/)
    await expect(page.getByTestId('window-score')).toContainText(/threshold/)
    await expect(page.getByTestId('window-chart')).toHaveAttribute('data-features', String(win.columns.length))
    const contributions = page.getByTestId('contributions')
    await expect(contributions).toHaveAttribute('data-method', 'path-length', { timeout: 60_000 })
    await expect(contributions.locator('li')).toHaveCount(win.columns.length)
    await inspector.screenshot({ path: 'test-results/run-protocols-window.png' })

    // j steps to the next window of the split; Esc closes it and the route stops naming it.
    await page.keyboard.press('j')
    await expect(detail).toHaveAttribute('data-index', String(k + 1))
    await page.keyboard.press('Escape')
    await expect(inspector).toHaveCount(0)
    await expect(page).toHaveURL(new RegExp(`#/runs/${separateRun}$`))

    // A window the run did not store is refused with the reason.
    await page.goto(`${workbench.url}#/runs/${separateRun}?split=test&window=${count}`)
    await expect(page.getByTestId('window-link-problem')).toContainText(`the split stored ${count.toLocaleString('en')} windows`)
    expect(problems).toEqual([])
  })

  test('a run on unlabelled data says so, and its metrics read "n/a: unlabelled" instead of 0', async ({ page, workbench }) => {
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(`${workbench.url}#/runs/${unlabelledRun}`)
    await expect(page.getByTestId('trained-unlabelled')).toHaveText('trained on unlabelled data: labels unused')
    for (const split of ['validation', 'test', 'train']) await expect(page.getByTestId(`metrics-na-${split}`)).toHaveText('n/a: unlabelled')
    await expect(page.getByTestId('pointwise-na')).toContainText('n/a: unlabelled')
    await expect(page.getByTestId('studio-unlabelled')).toBeVisible()
    await expect(page.getByTestId('studio-recall')).toHaveText('n/a')
    await expect(page.getByTestId('dataset-unlabelled').first()).toHaveText('unlabelled')
    await page.getByTestId('evaluation').screenshot({ path: 'test-results/run-protocols-unlabelled.png' })
    expect(problems).toEqual([])
  })
})
