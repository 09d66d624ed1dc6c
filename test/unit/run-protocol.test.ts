/**
 * The run page's honest-evaluation helpers (src-renderer/src/lib/run-protocol.ts) and the
 * single-window entry of the error inspector (src-renderer/src/lib/error-inspector.ts): which
 * split each metrics column is, unlabelled parts, split sizes, the point-wise rule in words, the
 * per-segment table, how a detector decided, and opening a window a link names.
 */
import { describe, expect, it } from 'vitest'
import type { Metrics, RunDetail, RunWindow } from '../../src-main/contract/api'
import {
  decisionWords,
  isPerSegment,
  metricColumns,
  partSizes,
  pointRuleLine,
  segmentRows,
  sortSegments,
  thresholdLogLines,
  unlabelledParts,
  undefinedMetrics,
  validationSource
} from '../../src-renderer/src/lib/run-protocol'
import { windowItem, windowLinkProblem, windowOutcome } from '../../src-renderer/src/lib/error-inspector'
import { parseHash } from '../../src-renderer/src/lib/routes'

const metrics = (f1: number): Metrics => ({ accuracy: 0.9, precision: 0.8, recall: 0.7, f1, fpr: 0.05, specificity: 0.95, fnr: 0.3, rocAuc: 0.9, averagePrecision: 0.8 })
type Ds = RunDetail['datasets'][number]
const ds = (role: Ds['role'], unlabelled = false): Ds => ({ role, id: `${role}-id`, name: role, rows: 1000, columns: ['a'], anomalyRate: unlabelled ? 0 : 0.05, typeCounts: {}, unlabelled })

describe('metrics columns by split', () => {
  it('an Isolation Forest shows validation (chosen on), test (reported) and train (fitted on), in that order', () => {
    const cols = metricColumns({ modelKind: 'iforest', metrics: metrics(0.5), validationMetrics: metrics(0.6), trainMetrics: metrics(0.7), datasets: [ds('train'), ds('test')] })
    expect(cols.map((c) => [c.split, c.role, c.metrics?.f1])).toEqual([
      ['validation', 'chosen on', 0.6],
      ['test', 'reported', 0.5],
      ['train', 'fitted on', 0.7]
    ])
    expect(cols.every((c) => c.na === null)).toBe(true)
  })

  it("an older deep run's \"train\" metrics are its validation windows': shown as validation, never as train", () => {
    const cols = metricColumns({ modelKind: 'lstm-autoencoder', metrics: metrics(0.5), validationMetrics: null, trainMetrics: metrics(0.6), datasets: [] })
    expect(cols.map((c) => c.split)).toEqual(['validation', 'test'])
    expect(cols[0]!.metrics?.f1).toBe(0.6)
    expect(cols[0]!.note).toMatch(/older version/)
  })

  it('with the splits\' counts, a metric a split leaves undefined reads n/a with why (a validation part without anomalies has no recall)', () => {
    const counts = { validation: { tn: 36, fp: 0, fn: 0, tp: 0 }, test: { tn: 297, fp: 63, fn: 0, tp: 120 } }
    const [validation, test] = metricColumns({ modelKind: 'iforest', metrics: metrics(0.79), validationMetrics: metrics(0), trainMetrics: null, datasets: [ds('train'), ds('test')] }, counts)
    expect(validation!.undefinedKeys).toEqual({
      precision: 'nothing flagged',
      recall: 'no anomalous window',
      fnr: 'no anomalous window',
      f1: 'no anomalous window and nothing flagged',
      rocAuc: 'no anomalous window',
      averagePrecision: 'no anomalous window'
    })
    expect(test!.undefinedKeys).toEqual({})
    // False alarms on a split without anomalies: precision and F1 are 0 (every flag wrong), recall undefined.
    expect(undefinedMetrics({ tn: 30, fp: 6, fn: 0, tp: 0 })).toEqual({ recall: 'no anomalous window', fnr: 'no anomalous window', rocAuc: 'no anomalous window', averagePrecision: 'no anomalous window' })
    expect(undefinedMetrics({ tn: 0, fp: 0, fn: 2, tp: 8 })).toMatchObject({ fpr: 'no normal window', specificity: 'no normal window', rocAuc: 'no normal window' })
  })

  it('a deep run of today (train null) has validation and test only', () => {
    const cols = metricColumns({ modelKind: 'lstm-classifier', metrics: metrics(0.5), validationMetrics: metrics(0.4), trainMetrics: null, datasets: [] })
    expect(cols.map((c) => c.split)).toEqual(['validation', 'test'])
  })

  it('a split whose rows are unlabelled reads "n/a: unlabelled"; validation carved from an unlabelled training version is unlabelled too', () => {
    const cols = metricColumns({ modelKind: 'iforest', metrics: metrics(0.5), validationMetrics: metrics(0), trainMetrics: metrics(0), datasets: [ds('train', true), ds('test')] })
    expect(Object.fromEntries(cols.map((c) => [c.split, c.na]))).toEqual({ validation: 'n/a: unlabelled', test: null, train: 'n/a: unlabelled' })
    // A third version validates: its own state counts.
    expect(unlabelledParts([ds('train', true), ds('validation'), ds('test')])).toEqual({ train: true, validation: false, test: false })
    expect(unlabelledParts([ds('train'), ds('test', true)])).toEqual({ train: false, validation: false, test: true })
  })
})

describe('split sizes and the point-wise rule', () => {
  it('part sizes are the split rows with their shares; older runs have none', () => {
    expect(partSizes({ train: 34, validation: 6, test: 80 })).toEqual([
      { part: 'train', rows: 34, share: 34 / 120 },
      { part: 'validation', rows: 6, share: 6 / 120 },
      { part: 'test', rows: 80, share: 80 / 120 }
    ])
    expect(partSizes(null)).toBeNull()
  })

  it('validation comes from its own version, the training rows, or each segment', () => {
    expect(validationSource([ds('train'), ds('validation'), ds('test')], false)).toBe('its own dataset version')
    expect(validationSource([ds('train'), ds('test')], false)).toMatch(/training part/)
    expect(validationSource([ds('train'), ds('test')], true)).toMatch(/each segment/)
  })

  it('the rule line names the rule and counts the rows left without a score', () => {
    expect(pointRuleLine({ rule: 'last', rows: 1000, unscored: 59 })).toBe(
      'Each row takes the score of the window that ends on it (rule “last”); 59 of 1,000 rows get no score by this rule and are left out of these counts.'
    )
    expect(pointRuleLine({ rule: 'max', rows: 480, unscored: 0 })).toMatch(/highest score .* every one of the 480 rows gets a score/)
  })
})

describe('per-segment table', () => {
  type Seg = NonNullable<RunDetail['perSegment']>[number]
  const seg = (segment: string, confusion: Seg['confusion'], f1: number, threshold = 0.6): Seg => ({
    segment,
    rows: { train: 34, validation: 6, test: 80 },
    threshold,
    confusion,
    metrics: { precision: 0.5, recall: 0.5, f1, fpr: 0.1 },
    validationMetrics: null
  })

  it('a metric whose denominator is 0 on the segment is undefined (null), not 0', () => {
    const [noAnomaly, nothingFlagged] = segmentRows([seg('a/0', { tn: 80, fp: 0, fn: 0, tp: 0 }, 0), seg('a/1', { tn: 70, fp: 0, fn: 10, tp: 0 }, 0)])
    expect(noAnomaly).toMatchObject({ recall: null, precision: null, f1: null, fpr: 0.1, anomalous: 0, normal: 80 })
    expect(nothingFlagged).toMatchObject({ recall: 0.5, precision: null, f1: 0, anomalous: 10 })
  })

  it('sorts names naturally, numbers by value, and undefined metrics last in either direction', () => {
    const rows = segmentRows([
      seg('v/10', { tn: 60, fp: 5, fn: 5, tp: 10 }, 0.6),
      seg('v/9', { tn: 60, fp: 5, fn: 5, tp: 10 }, 0.9),
      seg('v/2', { tn: 80, fp: 0, fn: 0, tp: 0 }, 0),
      seg('v/1', { tn: 60, fp: 5, fn: 5, tp: 10 }, 0.3)
    ])
    expect(sortSegments(rows, 'segment', 'asc').map((r) => r.segment)).toEqual(['v/1', 'v/2', 'v/9', 'v/10'])
    expect(sortSegments(rows, 'f1', 'desc').map((r) => r.segment)).toEqual(['v/9', 'v/10', 'v/1', 'v/2'])
    expect(sortSegments(rows, 'f1', 'asc').map((r) => r.segment)).toEqual(['v/1', 'v/10', 'v/9', 'v/2'])
  })

  it('a run is per-segment by its results or by its spec', () => {
    expect(isPerSegment({ perSegment: [], spec: null })).toBe(true)
    expect(isPerSegment({ perSegment: null, spec: { split: { kind: 'per-segment', train: { firstRows: 40 } } } })).toBe(true)
    expect(isPerSegment({ perSegment: null, spec: { split: { kind: 'time', trainFraction: 0.7 } } })).toBe(false)
  })
})

describe('how the detector decided', () => {
  it('reads training mode, threshold rule and post-processing from the params', () => {
    const w = decisionWords('lstm-autoencoder', {
      trainingMode: 'normal-only',
      thresholdRule: { kind: 'train-quantile', quantile: 0.99, factor: 1.1 },
      postprocess: { kind: 'consecutive', k: 3 }
    })
    expect(w.training).toBe('normal only: training windows labelled anomalous are dropped before fitting')
    expect(w.threshold).toBe('the 0.99 quantile of the training scores (normal ones) × 1.1')
    expect(w.postprocess).toMatch(/after 3 consecutive windows/)
  })

  it("without a rule, the model's default: the forest's contamination, the autoencoder's percentile", () => {
    expect(decisionWords('iforest', { trainingMode: 'unsupervised', contamination: 0.05, postprocess: { kind: 'none' } })).toEqual({
      training: 'unsupervised: fitted on every training row, labels unused',
      threshold: "flags the top 5.00% of the training scores (contamination 0.05, the forest's default rule)",
      postprocess: 'none: each window flagged on its own score'
    })
    expect(decisionWords('iforest', { trainingMode: 'unsupervised', contamination: 'auto' }).threshold).toMatch(/'auto'/)
    expect(decisionWords('lstm-autoencoder', { trainingMode: 'unsupervised', thresholdPercentile: 95 }).threshold).toMatch(/95th percentile of the validation reconstruction errors \(all of them/)
  })

  it('a classifier is supervised; its threshold is fixed or best F1 on validation', () => {
    expect(decisionWords('lstm-classifier', { threshold: 0.5 })).toMatchObject({ training: 'supervised: the model learns from the labels', threshold: 'fixed at 0.5 on the predicted probability', postprocess: null })
    expect(decisionWords('lstm-classifier', { threshold: 'best-f1' }).threshold).toBe('the best F1 on the validation windows')
  })

  it("keeps the run log's threshold lines (one per segment for a per-segment run)", () => {
    const lines = thresholdLogLines([
      { message: 'fitting 100 trees' },
      { message: '[a/0] threshold 0.612345: top 5.00 % of 34 training scores' },
      { message: 'best epoch 3 of 4 (val loss 0.1); reconstruction threshold 1.2e-3: p95 of 40 validation scores' }
    ])
    expect(lines).toHaveLength(2)
  })
})

describe('a window opened from a link', () => {
  const win: Pick<RunWindow, 'index' | 'score' | 'label' | 'type' | 'windowStart' | 'windowEnd' | 'from' | 'timestamps' | 'segment'> = {
    index: 7,
    score: 0.42,
    label: 1,
    type: 'spike',
    windowStart: 120,
    windowEnd: 129,
    from: 100,
    timestamps: Float64Array.from({ length: 50 }, (_, i) => (100 + i) * 1000),
    segment: { index: 1, id: 'b/0', start: 100, end: 200 }
  }

  it('becomes the item the detail shows: its rows, times, segment and distance from the threshold', () => {
    const item = windowItem(win, 0.5)
    expect(item).toMatchObject({ index: 7, score: 0.42, label: 1, type: 'spike', firstRow: 120, lastRow: 129, firstTime: 120_000, lastTime: 129_000, segment: 'b/0', episode: null })
    expect(item.margin).toBeCloseTo(0.08, 12)
    expect(windowItem({ ...win, score: NaN }, 0.5)).toMatchObject({ score: null, margin: null })
  })

  it('is told apart as missed, caught, false alarm or correct at the threshold', () => {
    expect(windowOutcome(1, 0.42, 0.5).outcome).toBe('fn')
    expect(windowOutcome(1, 0.5, 0.5).outcome).toBe('tp')
    expect(windowOutcome(0, 0.9, 0.5).outcome).toBe('fp')
    expect(windowOutcome(0, null, 0.5).outcome).toBe('tn')
  })

  it('cannot be opened when the run stored no such split or no such index, and says which exist', () => {
    const splits = [
      { split: 'validation', count: 36 },
      { split: 'test', count: 80 }
    ]
    expect(windowLinkProblem({ split: 'test', index: 79 }, splits)).toBeNull()
    expect(windowLinkProblem({ split: 'test', index: 80 }, splits)).toBe('test window 80 does not exist: the split stored 80 windows (0 to 79)')
    expect(windowLinkProblem({ split: 'train', index: 0 }, splits)).toBe('this run stored no train scores (stored: validation, test), so train window 0 cannot be opened')
  })

  it('the route names the split and the window (test by default)', () => {
    expect(parseHash('#/runs/4?split=validation&window=12')).toEqual({ name: 'run', id: 4, window: { split: 'validation', index: 12 } })
    expect(parseHash('#/runs/4?window=3')).toEqual({ name: 'run', id: 4, window: { split: 'test', index: 3 } })
  })
})
