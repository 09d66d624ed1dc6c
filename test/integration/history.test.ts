/**
 * Run history and comparison on a real workspace: several real runs (a grid search, targets met
 * and missed, an Isolation Forest and an LSTM classifier on one dataset version), queried through
 * the contract with filters, sorts and pages; tags and notes; the compare of an Isolation Forest
 * and a deep run whose disagreement list is checked entry by entry against both runs' stored
 * scores at their thresholds; and `workbench runs compare --json` as a user runs it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import { makeHost, tempDir, REPO } from '../helpers/workspace'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { CompareResult, Disagreement, MethodInput, MethodOutput, MethodName, RunScores } from '../../src-main/contract/api'

let tmp: ReturnType<typeof tempDir>
let host: WorkbenchHost
/** Run ids by role. */
const ids = { gridSmall: 0, gridLarge: 0, met: 0, missed: 0, forest: 0, lstm: 0, otherData: 0 }

const call = <M extends MethodName>(m: M, input: MethodInput<M>) => host.call(m, input) as Promise<MethodOutput<M>>

/** The dataset both the forest and the LSTM are tested on: 6,000 rows, test = rows 5,100-5,999. */
const EVENTS = { generator: 'helios-events', params: { scale: 0.01, seed: 3 } }
const EVENTS_SPLIT = { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 }
const DETECTION = { generator: 'helios-detection', params: { days: 2, seed: 2 } }

async function finish(spec: Record<string, unknown>): Promise<number> {
  const { runId } = await call('runs.start', { spec })
  const run = await host.runs.waitFor(runId)
  expect(run.status, run.statusReason ?? '').toBe('done')
  return runId
}

beforeAll(async () => {
  tmp = tempDir('wb-history-')
  host = makeHost(tmp.dir, { concurrency: 2 })
  // A two-trial grid: runs with trial numbers, no targets.
  const grid = await call('experiments.queue', {
    spec: {
      name: 'hist-grid',
      dataset: DETECTION,
      split: { kind: 'time', trainFraction: 0.6 },
      model: { kind: 'iforest', params: { seed: 1 } },
      search: { kind: 'grid', space: { nEstimators: [10, 30] } }
    }
  })
  host.scheduler.start()
  await host.scheduler.waitForExperiment(grid.experimentId)
  const gridRuns = (await call('runs.query', { filter: { experimentIds: [grid.experimentId] }, sort: { key: 'param:nEstimators', dir: 'asc' } })).rows
  ids.gridSmall = gridRuns[0].id
  ids.gridLarge = gridRuns[1].id
  ids.met = await finish({ name: 'hist-met', dataset: DETECTION, split: { kind: 'time', trainFraction: 0.6 }, model: { kind: 'iforest', params: { nEstimators: 20, seed: 2 } }, targets: ['precision >= 0'] })
  ids.missed = await finish({ name: 'hist-missed', dataset: DETECTION, split: { kind: 'time', trainFraction: 0.6 }, model: { kind: 'iforest', params: { nEstimators: 20, seed: 3 } }, targets: ['recall > 1'] })
  ids.forest = await finish({ name: 'hist-forest', dataset: EVENTS, split: EVENTS_SPLIT, model: { kind: 'iforest', params: { nEstimators: 40, seed: 1 } } })
  ids.lstm = await finish({
    name: 'hist-lstm',
    dataset: EVENTS,
    split: EVENTS_SPLIT,
    model: { kind: 'lstm-classifier', params: { window: 20, trainStride: 4, units: [8], denseUnits: 4, epochs: 2, batchSize: 64, seed: 1 } }
  })
  ids.otherData = await finish({ name: 'hist-other-data', dataset: { generator: 'helios-events', params: { scale: 0.01, seed: 4 } }, split: EVENTS_SPLIT, model: { kind: 'iforest', params: { nEstimators: 20, seed: 1 } } })
}, 300_000)

afterAll(async () => {
  await host?.close()
  tmp?.remove()
})

describe('runs.query', () => {
  it('filters by experiment, model kind, status, dataset version, targets, tag and free text', async () => {
    const all = await call('runs.query', {})
    const facets = all.facets!
    expect(all.total).toBe(7)
    expect(facets.modelKinds).toEqual([
      { value: 'iforest', count: 6 },
      { value: 'lstm-classifier', count: 1 }
    ])
    expect(facets.paramKeys).toContain('nEstimators')
    expect(facets.metricKeys.slice(0, 3)).toEqual(['accuracy', 'precision', 'recall'])

    const kind = await call('runs.query', { filter: { modelKinds: ['lstm-classifier'] } })
    expect(kind.rows.map((r) => r.id)).toEqual([ids.lstm])

    const grid = facets.experiments.find((e) => e.name === 'hist-grid')!
    expect(grid.count).toBe(2)
    const byExperiment = await call('runs.query', { filter: { experimentIds: [grid.id] } })
    expect(byExperiment.rows.map((r) => r.id).sort()).toEqual([ids.gridSmall, ids.gridLarge].sort())
    // Trial numbers are the search's, not run ids.
    expect(byExperiment.rows.map((r) => r.trial?.ordinal).sort()).toEqual([0, 1])

    const forest = (await call('runs.get', { id: ids.forest })).datasets.find((d) => d.role === 'test')!
    const byData = await call('runs.query', { filter: { datasetId: forest.id.slice(0, 10) } })
    expect(byData.rows.map((r) => r.id).sort()).toEqual([ids.forest, ids.lstm].sort())

    expect((await call('runs.query', { filter: { targets: 'met' } })).rows.map((r) => r.id)).toEqual([ids.met])
    expect((await call('runs.query', { filter: { targets: 'not-met' } })).rows.map((r) => r.id)).toEqual([ids.missed])
    expect((await call('runs.query', { filter: { targets: 'none' } })).total).toBe(5)
    expect((await call('runs.query', { filter: { statuses: ['failed'] } })).total).toBe(0)
    expect((await call('runs.query', { filter: { statuses: ['done'] } })).total).toBe(7)

    // Free text: experiment names, and params written as k=v (or k:v) although stored as JSON.
    expect((await call('runs.query', { filter: { text: 'HIST-MISSED' } })).rows.map((r) => r.id)).toEqual([ids.missed])
    expect((await call('runs.query', { filter: { text: 'nEstimators=30' } })).rows.map((r) => r.id)).toEqual([ids.gridLarge])
    expect((await call('runs.query', { filter: { text: 'iforest nestimators:40' } })).rows.map((r) => r.id)).toEqual([ids.forest])
  })

  it('sorts by any metric or param, missing values last, and pages without overlap', async () => {
    const byF1 = await call('runs.query', { sort: { key: 'metric:f1', dir: 'desc' }, limit: 500 })
    const f1s = byF1.rows.map((r) => r.metrics!.f1)
    expect(f1s).toEqual([...f1s].sort((a, b) => b - a))
    const ascending = (await call('runs.query', { sort: { key: 'metric:f1', dir: 'asc' } })).rows.map((r) => r.metrics!.f1)
    expect(ascending).toEqual([...f1s].sort((a, b) => a - b))

    // `window` is a param of the LSTM only: the forests have none and come last both ways.
    for (const dir of ['asc', 'desc'] as const) {
      const byWindow = await call('runs.query', { sort: { key: 'param:window', dir } })
      expect(byWindow.rows[0].id).toBe(ids.lstm)
    }
    const byTrees = await call('runs.query', { sort: { key: 'param:nEstimators', dir: 'asc' } })
    const trees = byTrees.rows.map((r) => r.params.nEstimators as number | undefined).filter((n) => n !== undefined)
    expect(trees).toEqual([...trees].sort((a, b) => a - b))
    expect(byTrees.rows.at(-1)!.id).toBe(ids.lstm)

    const pages: number[] = []
    for (let offset = 0; offset < 7; offset += 3) {
      const page = await call('runs.query', { sort: { key: 'experiment', dir: 'asc' }, offset, limit: 3 })
      expect(page.total).toBe(7)
      expect(page.offset).toBe(offset)
      pages.push(...page.rows.map((r) => r.id))
    }
    const whole = await call('runs.query', { sort: { key: 'experiment', dir: 'asc' }, limit: 100 })
    expect(pages).toEqual(whole.rows.map((r) => r.id))
    expect(new Set(pages).size).toBe(7)
    const names = whole.rows.map((r) => r.experimentName)
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)))

    // The params column sorts by the params as written (their text).
    for (const dir of ['asc', 'desc'] as const) {
      const texts = (await call('runs.query', { sort: { key: 'params', dir } })).rows.map((r) => JSON.stringify(r.params))
      const sorted = [...texts].sort()
      expect(texts).toEqual(dir === 'asc' ? sorted : sorted.reverse())
    }
  })

  it('pages without the facets when asked (an export), the same rows as with them', async () => {
    const q: MethodInput<'runs.query'> = { filter: { modelKinds: ['iforest'] }, sort: { key: 'id', dir: 'asc' }, offset: 2, limit: 3 }
    const withFacets = await call('runs.query', q)
    const bare = await call('runs.query', { ...q, facets: false })
    expect(withFacets.facets?.statuses).toEqual([{ value: 'done', count: 7 }])
    expect(bare.facets).toBeNull()
    expect({ ...bare, facets: withFacets.facets }).toEqual(withFacets)
  })

  it('refuses a sort column that is not one, naming the field', async () => {
    await expect(call('runs.query', { sort: { key: 'metric:f1"; DROP TABLE runs; --', dir: 'asc' } })).rejects.toMatchObject({ code: 'bad_input', path: 'sort.key' })
    await expect(call('runs.query', { limit: 100_000 })).rejects.toMatchObject({ code: 'bad_input', path: 'limit' })
  })

  it('exports every filtered run as CSV, in the sort order, with params and metrics as columns', async () => {
    const out = await call('runs.csv', { filter: { modelKinds: ['iforest'] }, sort: { key: 'metric:recall', dir: 'desc' } })
    expect(out.rows).toBe(6)
    const records = parseCsv(out.csv, { columns: true }) as Record<string, string>[]
    expect(records).toHaveLength(6)
    expect(out.columns).toEqual(Object.keys(records[0]))
    expect(out.columns).toEqual(expect.arrayContaining(['id', 'experiment', 'trial', 'tags', 'note', 'param:nEstimators', 'metric:recall', 'metric:f1']))
    const recalls = records.map((r) => Number(r['metric:recall']))
    expect(recalls).toEqual([...recalls].sort((a, b) => b - a))
    const page = await call('runs.query', { filter: { modelKinds: ['iforest'] }, sort: { key: 'metric:recall', dir: 'desc' } })
    expect(records.map((r) => Number(r.id))).toEqual(page.rows.map((r) => r.id))
    const met = records.find((r) => Number(r.id) === ids.met)!
    expect(met.targets).toBe('met')
    expect(Number(met['metric:precision'])).toBe(page.rows.find((r) => r.id === ids.met)!.metrics!.precision)
  })
})

describe('runs.annotate', () => {
  it('stores tags and a note, filters and searches by them, and says so with an event', async () => {
    const seen: unknown[] = []
    const off = host.onEvent((e, p) => e === 'run.annotated' && seen.push(p))
    const out = await call('runs.annotate', { id: ids.forest, tags: ['baseline', ' candidate ', 'baseline'], note: 'misses the slow drifts, =1+1' })
    off()
    expect(out).toEqual({ runId: ids.forest, tags: ['baseline', 'candidate'], note: 'misses the slow drifts, =1+1' })
    expect(seen).toEqual([out])
    await call('runs.annotate', { id: ids.lstm, tags: ['candidate'] })

    expect((await call('runs.query', { filter: { tags: ['candidate'] } })).rows.map((r) => r.id).sort()).toEqual([ids.forest, ids.lstm].sort())
    expect((await call('runs.query', { filter: { tags: ['candidate', 'baseline'] } })).rows.map((r) => r.id)).toEqual([ids.forest])
    expect((await call('runs.query', { filter: { text: 'slow drifts' } })).rows.map((r) => r.id)).toEqual([ids.forest])
    const row = (await call('runs.query', { filter: { tags: ['baseline'] } })).rows[0]
    expect(row).toMatchObject({ tags: ['baseline', 'candidate'], note: 'misses the slow drifts, =1+1' })
    // Sorted by tags (then note): runs with neither come last either way.
    expect((await call('runs.query', { sort: { key: 'tags', dir: 'asc' } })).rows.slice(0, 3).map((r) => r.id)).toEqual([ids.forest, ids.lstm, expect.any(Number)])
    const desc = (await call('runs.query', { sort: { key: 'tags', dir: 'desc' } })).rows.map((r) => r.id)
    expect(desc.slice(0, 2)).toEqual([ids.lstm, ids.forest])
    expect((await call('runs.query', { sort: { key: 'tags', dir: 'desc' } })).rows.slice(2).every((r) => r.tags.length === 0 && r.note === null)).toBe(true)
    expect((await call('runs.query', {})).facets?.tags).toEqual([
      { value: 'baseline', count: 1 },
      { value: 'candidate', count: 2 }
    ])
    // A spreadsheet must not run the note as a formula.
    const csv = parseCsv((await call('runs.csv', { filter: { tags: ['baseline'] } })).csv, { columns: true }) as Record<string, string>[]
    expect(csv[0]).toMatchObject({ tags: 'baseline; candidate', note: 'misses the slow drifts, =1+1' })

    // The note alone changes; the tags stay. Blank clears it.
    await call('runs.annotate', { id: ids.forest, note: '   ' })
    expect((await call('runs.links', { id: ids.forest })).note).toBeNull()
    expect((await call('runs.links', { id: ids.forest })).tags).toEqual(['baseline', 'candidate'])

    await expect(call('runs.annotate', { id: ids.forest, tags: ['no,commas'] })).rejects.toMatchObject({ code: 'bad_input', path: 'tags.0' })
    await expect(call('runs.annotate', { id: 9999, tags: ['x'] })).rejects.toMatchObject({ code: 'not_found' })
  })
})

describe('runs.links', () => {
  it('names the experiment, the trial by its number in the search, and the dataset versions', async () => {
    const links = await call('runs.links', { id: ids.gridLarge })
    expect(links.experiment.name).toBe('hist-grid')
    expect(links.trial).toMatchObject({ ordinal: 1, trials: 2 })
    expect(links.datasets.map((d) => d.role)).toEqual(['train', 'test'])
    expect(links.bundles).toEqual([])
    expect((await call('runs.links', { id: ids.forest })).trial).toMatchObject({ ordinal: 0, trials: 1 })
  })

  it('lists the bundles exported from the run, and only those', async () => {
    await call('settings.set', { bundlesDir: join(tmp.dir, 'library') })
    const exported = await call('bundles.export', { runId: ids.met })
    const links = await call('runs.links', { id: ids.met })
    expect(links.bundles).toEqual([{ folder: expect.any(String), dir: exported.dir, name: exported.name, version: exported.version, location: 'local' }])
    expect((await call('runs.links', { id: ids.missed })).bundles).toEqual([])
  })
})

/** Every window of two runs matched by end row, flagged at each run's threshold: the expected disagreements. */
function expectedDisagreements(a: RunScores, ta: number, b: RunScores, tb: number): Map<number, [number, number]> {
  const endA = new Map<number, number>()
  for (let i = 0; i < a.count; i++) endA.set(a.starts![i] + a.windowLength! - 1, i)
  const out = new Map<number, [number, number]>()
  for (let j = 0; j < b.count; j++) {
    const end = b.starts![j] + b.windowLength! - 1
    const i = endA.get(end)
    if (i === undefined) continue
    if (a.scores[i] >= ta !== b.scores[j] >= tb) out.set(end, [i, j])
  }
  return out
}

async function allDisagreements(idsToCompare: number[], extra: Partial<MethodInput<'runs.compare'>['disagreements']> = {}): Promise<{ first: CompareResult; rows: Disagreement[] }> {
  const first = await call('runs.compare', { ids: idsToCompare, disagreements: { kind: 'all', offset: 0, limit: 50, ...extra } })
  const rows = [...first.disagreements.rows]
  while (rows.length < first.disagreements.total) {
    const page = await call('runs.compare', { ids: idsToCompare, disagreements: { kind: 'all', offset: rows.length, limit: 50, ...extra } })
    rows.push(...page.disagreements.rows)
  }
  return { first, rows }
}

describe('runs.compare', () => {
  it('an Isolation Forest and an LSTM on one version: every disagreement checked against both runs\' scores at their thresholds', async () => {
    const { first, rows } = await allDisagreements([ids.forest, ids.lstm])
    const [forest, lstm] = first.runs
    expect(forest.history.axis).toBe('trees')
    expect(lstm.history.axis).toBe('epoch')
    expect(lstm.history.epochs.length).toBe(2)
    expect(forest.validation).not.toBeNull()

    const d = first.disagreements
    expect(d.available).toBe(true)
    expect(d.matchedBy).toBe('end-row')
    expect(d.note).toMatch(/different lengths.*1 row.*20 rows.*end on/)
    const sf = await call('runs.scores', { id: ids.forest, split: 'test' })
    const sl = await call('runs.scores', { id: ids.lstm, split: 'test' })
    expect(sf.datasetId).toBe(sl.datasetId)
    // Every LSTM window ends on a test row the forest scored: all of them are compared.
    expect(d.compared).toBe(sl.count)
    const tf = forest.threshold.current!
    const tl = lstm.threshold.current!
    expect(tf).toBe(sf.trainedThreshold)
    const expected = expectedDisagreements(sf, tf, sl, tl)
    expect(expected.size).toBeGreaterThan(0)
    expect(d.counts.all).toBe(expected.size)
    expect(rows).toHaveLength(expected.size)
    expect(rows.map((r) => r.endRow)).toEqual([...expected.keys()].sort((x, y) => x - y))
    for (const r of rows) {
      const [wf, wl] = r.windows
      expect([wf.index, wl.index]).toEqual(expected.get(r.endRow))
      expect(wf.start).toBe(r.endRow)
      expect(wl.start + 19).toBe(r.endRow)
      expect(wf.score).toBe(sf.scores[wf.index])
      expect(wl.score).toBe(sl.scores[wl.index])
      expect(wf.flagged).toBe(sf.scores[wf.index] >= tf)
      expect(wl.flagged).toBe(sl.scores[wl.index] >= tl)
      expect(wf.flagged).not.toBe(wl.flagged)
      expect([wf.label, wl.label]).toEqual([sf.labels[wf.index], sl.labels[wl.index]])
      expect(r.kind).toBe(wf.label && wl.label ? 'anomaly' : !wf.label && !wl.label ? 'normal' : 'mixed')
    }
    // The pair counts split the anomalous ones by who catches them.
    const caughtByForest = rows.filter((r) => r.kind === 'anomaly' && r.windows[0].flagged).length
    expect(d.pairs.find((p) => p.flaggedBy === ids.forest && p.notFlaggedBy === ids.lstm)!.anomaly).toBe(caughtByForest)
    const selected = await call('runs.compare', { ids: [ids.forest, ids.lstm], disagreements: { kind: 'anomaly', flaggedBy: ids.forest, notFlaggedBy: ids.lstm, limit: 1000 } })
    expect(selected.disagreements.total).toBe(caughtByForest)
    expect(selected.disagreements.rows.every((r) => r.kind === 'anomaly' && r.windows[0].flagged && !r.windows[1].flagged)).toBe(true)
  })

  it('uses a run\'s chosen threshold once one is saved', async () => {
    const before = await call('runs.compare', { ids: [ids.forest, ids.lstm] })
    const sf = await call('runs.scores', { id: ids.forest, split: 'test' })
    // A threshold that flags every scored forest window: the forest now disagrees wherever the LSTM stays quiet.
    const lowest = sf.scores.reduce((m, s) => Math.min(m, s), Infinity)
    await call('runs.setThreshold', { id: ids.forest, threshold: lowest, source: 'manual' })
    try {
      const after = await call('runs.compare', { ids: [ids.forest, ids.lstm], disagreements: { kind: 'all', offset: 0, limit: 1000 } })
      expect(after.runs[0].threshold).toMatchObject({ current: lowest, source: 'chosen', trained: sf.trainedThreshold })
      expect(after.runs[0].test!.recall).toBe(1)
      const sl = await call('runs.scores', { id: ids.lstm, split: 'test' })
      const tl = after.runs[1].threshold.current!
      const quiet = Array.from(sl.scores).filter((s) => !(s >= tl)).length
      expect(after.disagreements.counts.all).toBe(quiet)
      expect(after.disagreements.counts.all).not.toBe(before.disagreements.counts.all)
    } finally {
      await call('runs.resetThreshold', { id: ids.forest })
    }
  })

  it('params diff: every param, the differing ones first and marked', async () => {
    const r = await call('runs.compare', { ids: [ids.gridSmall, ids.gridLarge] })
    expect(r.params[0]).toMatchObject({ key: 'nEstimators', differs: true, values: [10, 30], present: [true, true] })
    expect(r.params.filter((p) => p.differs).map((p) => p.key)).toEqual(['nEstimators'])
    expect(r.params.find((p) => p.key === 'seed')).toMatchObject({ differs: false, values: [1, 1] })
    // Same rows, one row per window.
    expect(r.disagreements.matchedBy).toBe('same-rows')
    const mixed = await call('runs.compare', { ids: [ids.forest, ids.lstm] })
    expect(mixed.params.find((p) => p.key === 'window')).toMatchObject({ differs: true, present: [false, true] })
  })

  it('says why there is no disagreement list for runs tested on different versions, and refuses bad input', async () => {
    const r = await call('runs.compare', { ids: [ids.forest, ids.otherData] })
    expect(r.disagreements).toMatchObject({ available: false, rows: [], total: 0 })
    expect(r.disagreements.reason).toMatch(/different dataset versions/)
    expect(r.runs.map((x) => x.id)).toEqual([ids.forest, ids.otherData])
    await expect(call('runs.compare', { ids: [ids.forest] })).rejects.toMatchObject({ code: 'bad_input', path: 'ids' })
    await expect(call('runs.compare', { ids: [ids.forest, ids.forest] })).rejects.toMatchObject({ code: 'bad_input' })
    await expect(call('runs.compare', { ids: [ids.forest, 9999] })).rejects.toMatchObject({ code: 'not_found', path: 'ids.1' })
    await expect(call('runs.compare', { ids: [ids.forest, ids.lstm], disagreements: { flaggedBy: ids.met } })).rejects.toMatchObject({ code: 'bad_input', path: 'disagreements.flaggedBy' })
  })

  it('`workbench runs compare --json` prints the comparison with every disagreement', async () => {
    const expected = await allDisagreements([ids.forest, ids.lstm])
    const r = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'runs', 'compare', String(ids.forest), String(ids.lstm), '--json', '--workspace', tmp.dir], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 120_000
    })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as CompareResult
    expect(out.runs.map((x) => x.id)).toEqual([ids.forest, ids.lstm])
    expect(out.disagreements.rows).toEqual(expected.rows)
    expect(out.disagreements.total).toBe(expected.rows.length)

    const text = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'runs', 'compare', String(ids.gridSmall), String(ids.gridLarge), '--workspace', tmp.dir], { cwd: REPO, encoding: 'utf8', timeout: 120_000 })
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/\*\s+nEstimators\s+10\s+30/)
    expect(text.stdout).toMatch(/disagreements on the test split/)
    const bad = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'runs', 'compare', String(ids.forest), '--workspace', tmp.dir], { cwd: REPO, encoding: 'utf8', timeout: 120_000 })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/2 to 4 run ids/)
  })

  it('`workbench runs list --filter … --csv FILE` writes the filtered runs', () => {
    const file = join(tmp.dir, 'runs.csv')
    const r = spawnSync(
      process.execPath,
      [join(REPO, 'bin/workbench.cjs'), 'runs', 'list', '--filter', 'experiment=hist-grid', '--sort', 'param:nEstimators', '--order', 'asc', '--csv', file, '--workspace', tmp.dir],
      { cwd: REPO, encoding: 'utf8', timeout: 120_000 }
    )
    expect(r.status, r.stderr).toBe(0)
    const records = parseCsv(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(records.map((x) => [Number(x.id), x['param:nEstimators']])).toEqual([
      [ids.gridSmall, '10'],
      [ids.gridLarge, '30']
    ])
    const json = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'runs', 'list', '--filter', 'kind=lstm-classifier', '--json', '--workspace', tmp.dir], { cwd: REPO, encoding: 'utf8', timeout: 120_000 })
    expect(JSON.parse(json.stdout).map((x: { id: number }) => x.id)).toEqual([ids.lstm])
    const bad = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'runs', 'list', '--filter', 'colour=red', '--workspace', tmp.dir], { cwd: REPO, encoding: 'utf8', timeout: 120_000 })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/key one of experiment, kind/)
  })
})
