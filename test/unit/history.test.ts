/**
 * The pure parts of run history and compare: windows matched by their rows across runs of
 * different window lengths, the params diff, the runs CSV (quoting, formula defusing), and the
 * renderer's helpers (selection for compare, sort clicks, routes, metric rows, tabs).
 */
import { describe, it, expect } from 'vitest'
import { parse as parseCsv } from 'csv-parse/sync'
import { countDisagreements, findDisagreements, selectDisagreements, type RunWindows } from '../../src-main/core/eval/disagreements'
import { diffParams } from '../../src-main/core/history/param-diff'
import { runsCsv } from '../../src-main/core/history/runs-csv'
import type { RunListRecord } from '../../src-main/core/store/history-repo'
import { activeFilters, nextListSort, parseTags, toggleSelection } from '../../src-renderer/src/lib/runs-list'
import { defaultHistoryKey, disagreementTabs, metricRows } from '../../src-renderer/src/lib/compare'
import { parseHash, routeHash } from '../../src-renderer/src/lib/routes'
import type { CompareRun, Disagreements } from '../../src-main/contract/api'

function run(o: Partial<RunWindows> & Pick<RunWindows, 'scores' | 'starts' | 'windowLength' | 'threshold'>): RunWindows {
  return { labels: new Uint8Array(o.scores.length), types: null, typeNames: [], ...o } as RunWindows
}

describe('findDisagreements', () => {
  it('matches per-row scores and 3-row windows by the row they end on, at each run\'s own threshold', () => {
    // Rows 10..19 scored one by one; windows of 3 rows start at 10..17 (end on 12..19).
    const rows = run({
      scores: Float32Array.from([0, 0, 0.9, 0.1, 0.8, 0, 0, 0.7, 0, 0]),
      labels: Uint8Array.from([0, 0, 1, 1, 1, 0, 0, 0, 0, 0]),
      starts: Int32Array.from({ length: 10 }, (_, i) => 10 + i),
      windowLength: 1,
      threshold: 0.5
    })
    const windows = run({
      scores: Float32Array.from([5, 1, 6, 6, 1, 1, 1, 1]),
      labels: Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 0]),
      starts: Int32Array.from({ length: 8 }, (_, i) => 10 + i),
      windowLength: 3,
      threshold: 4
    })
    const t = findDisagreements([rows, windows])
    expect(t.matchedBy).toBe('end-row')
    // Rows 10 and 11 have no 3-row window ending on them.
    expect(t.compared).toBe(8)
    // End rows 12..19: rows flag 12, 14, 17; windows flag 12, 14, 15 (starts 10, 12, 13).
    expect(Array.from(t.endRows)).toEqual([15, 17])
    expect(Array.from(t.windows[0])).toEqual([5, 7])
    expect(Array.from(t.windows[1])).toEqual([3, 5])
    // Row 15 is normal for the forest but its window (13-15) holds labelled rows: the labels differ.
    expect(Array.from(t.kinds)).toEqual([2, 1])
    expect(Array.from(t.flags)).toEqual([0b10, 0b01])
    const c = countDisagreements(t)
    expect(c).toMatchObject({ all: 2, anomaly: 0, normal: 1, mixed: 1 })
    expect(c.pairs).toEqual([
      { flaggedBy: 0, notFlaggedBy: 1, anomaly: 0, normal: 1, mixed: 0 },
      { flaggedBy: 1, notFlaggedBy: 0, anomaly: 0, normal: 0, mixed: 1 }
    ])
    expect(Array.from(selectDisagreements(t, { flaggedBy: 1, notFlaggedBy: 0 }))).toEqual([0])
    expect(Array.from(selectDisagreements(t, { kind: 'normal' }))).toEqual([1])
  })

  it('windows of one length match by their rows; a NaN score is never flagged; no common rows means nothing compared', () => {
    const a = run({ scores: Float32Array.from([1, NaN, 1]), labels: Uint8Array.from([1, 1, 0]), starts: Int32Array.from([0, 5, 9]), windowLength: 5, threshold: 0.5 })
    const b = run({ scores: Float32Array.from([1, 1, 1]), labels: Uint8Array.from([1, 1, 0]), starts: Int32Array.from([0, 5, 9]), windowLength: 5, threshold: 0.5 })
    const t = findDisagreements([a, b])
    expect(t.matchedBy).toBe('same-rows')
    expect(t.compared).toBe(3)
    expect(Array.from(t.endRows)).toEqual([9])
    expect(Array.from(t.kinds)).toEqual([0])
    const far = run({ scores: Float32Array.from([1]), starts: Int32Array.from([100]), windowLength: 5, threshold: 0 })
    expect(findDisagreements([a, far]).compared).toBe(0)
  })
})

describe('diffParams', () => {
  it('lists every param, the differing ones first; objects compare whatever their key order', () => {
    const rows = diffParams([
      { a: 1, units: [16, 8], opt: { lr: 0.1, beta: 0.9 } },
      { a: 1, units: [8, 16], opt: { beta: 0.9, lr: 0.1 }, window: 20 }
    ])
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['units', true],
      ['window', true],
      ['a', false],
      ['opt', false]
    ])
    expect(rows[1]).toMatchObject({ values: [null, 20], present: [false, true] })
  })
})

describe('runsCsv', () => {
  const base: RunListRecord = {
    id: 3,
    experimentId: 1,
    experimentName: 'exp, "quoted"',
    agent: null,
    modelKind: 'iforest',
    params: { nEstimators: 100, units: [8] },
    status: 'done',
    statusReason: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    durationMs: 1234.5,
    metrics: { precision: 0.123456789, f1: 0.5 },
    targets: [
      { text: 'precision >= 0.1', metric: 'precision', op: '>=', value: 0.1, actual: 0.12, met: true },
      { text: 'f1 >= 0.9', metric: 'f1', op: '>=', value: 0.9, actual: 0.5, met: false }
    ],
    trainDatasetId: 'ab',
    testDatasetId: 'cd',
    trial: { id: 7, ordinal: 2 },
    tags: ['a', 'b'],
    note: '=HYPERLINK("x")\nsecond line'
  }

  it('reads back as the same values, params and metrics as columns, formulas defused', () => {
    const { csv, columns } = runsCsv([base, { ...base, id: 4, params: { window: 20 }, metrics: null, targets: [], note: null, tags: [], trial: null }])
    expect(columns.slice(-5)).toEqual(['param:nEstimators', 'param:units', 'param:window', 'metric:f1', 'metric:precision'])
    const rows = parseCsv(csv, { columns: true }) as Record<string, string>[]
    expect(rows[0]).toMatchObject({
      id: '3',
      experiment: 'exp, "quoted"',
      trial: '2',
      targets: 'not-met',
      targets_met: '1 of 2',
      tags: 'a; b',
      note: `'=HYPERLINK("x")\nsecond line`,
      'param:units': '[8]',
      'param:window': '',
      'metric:precision': '0.123456789',
      duration_ms: '1234.5'
    })
    expect(rows[1]).toMatchObject({ id: '4', targets: 'none', 'param:window': '20', 'metric:f1': '', trial: '' })
  })
})

describe('runs list helpers', () => {
  it('keeps 2-4 runs for compare in the order chosen', () => {
    expect(toggleSelection([], 3)).toEqual({ selected: [3], full: false })
    expect(toggleSelection([3, 5], 3)).toEqual({ selected: [5], full: false })
    expect(toggleSelection([1, 2, 3, 4], 5)).toEqual({ selected: [1, 2, 3, 4], full: true })
  })

  it('sorts names A-Z and metrics best first on the first click, then flips', () => {
    expect(nextListSort({ key: 'id', dir: 'desc' }, 'experiment')).toEqual({ key: 'experiment', dir: 'asc' })
    expect(nextListSort({ key: 'id', dir: 'desc' }, 'metric:f1')).toEqual({ key: 'metric:f1', dir: 'desc' })
    expect(nextListSort({ key: 'id', dir: 'desc' }, 'metric:fpr')).toEqual({ key: 'metric:fpr', dir: 'asc' })
    expect(nextListSort({ key: 'metric:f1', dir: 'desc' }, 'metric:f1')).toEqual({ key: 'metric:f1', dir: 'asc' })
  })

  it('counts filters and parses tags', () => {
    expect(activeFilters({ text: '  ', statuses: ['done'], tags: [], targets: 'met' })).toBe(2)
    expect(parseTags(' a, b ,a,, ')).toEqual(['a', 'b'])
  })

  it('routes compare pages and run windows both ways', () => {
    expect(parseHash('#/compare?runs=3,5,3,x')).toEqual({ name: 'compare', runs: [3, 5] })
    expect(routeHash({ name: 'compare', runs: [3, 5] })).toBe('#/compare?runs=3,5')
    expect(parseHash('#/runs/12?split=test&window=345')).toEqual({ name: 'run', id: 12, window: { split: 'test', index: 345 } })
    expect(routeHash({ name: 'run', id: 12, window: { split: 'test', index: 345 } })).toBe('#/runs/12?split=test&window=345')
    expect(parseHash('#/runs/12?window=oops')).toEqual({ name: 'run', id: 12 })
  })
})

describe('compare helpers', () => {
  const split = (precision: number, fpr: number) => ({ precision, fpr, recall: 0.5, f1: 0.5, accuracy: 0.9, balancedAccuracy: 0.7, rocAuc: null, averagePrecision: null, events: null })
  const r = (id: number, test: object | null, validation: object | null) =>
    ({ id, test, validation, recorded: { metrics: null, confusion: null, recallByType: {} } }) as unknown as CompareRun

  it('marks the best value per metric (lowest for rates like FPR), and validation rows only where stored', () => {
    const rows = metricRows([r(1, split(0.9, 0.2), split(0.8, 0.1)), r(2, split(0.7, 0.1), null)])
    expect(rows.find((x) => x.split === 'test' && x.key === 'precision')!.best).toEqual([0])
    expect(rows.find((x) => x.split === 'test' && x.key === 'fpr')!.best).toEqual([1])
    expect(rows.find((x) => x.split === 'test' && x.key === 'recall')!.best).toEqual([])
    expect(rows.find((x) => x.split === 'validation' && x.key === 'precision')!.values).toEqual([0.8, null])
    expect(rows.some((x) => x.key === 'rocAuc')).toBe(false)
  })

  it('offers a tab per pair of runs that disagree, and overlays validation loss first', () => {
    const d = {
      counts: { all: 5, anomaly: 3, normal: 2, mixed: 0 },
      pairs: [
        { flaggedBy: 3, notFlaggedBy: 5, anomaly: 3, normal: 0, mixed: 0 },
        { flaggedBy: 5, notFlaggedBy: 3, anomaly: 0, normal: 2, mixed: 0 }
      ]
    } as Disagreements
    expect(disagreementTabs(d).map((t) => [t.key, t.count])).toEqual([
      ['all', 5],
      ['catch-3-5', 3],
      ['alarm-5-3', 2]
    ])
    expect(defaultHistoryKey(['f1', 'loss', 'val_loss'])).toBe('val_loss')
    expect(defaultHistoryKey(['f1', 'recall'])).toBe('f1')
  })
})
