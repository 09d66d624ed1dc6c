/**
 * Missing and non-finite values past the import: the fill rules themselves, a trial refusing a
 * version that still holds NaN (one stored before imports filled them), and scoring with a real
 * ONNX bundle filling a file's missing cells by the bundle's rule (or refusing what cannot be
 * filled).
 */
import { describe, it, expect } from 'vitest'
import { fillColumn, fillSeries, nonFinite, missingValuesRecord, MissingValuesError } from '../../src-main/core/data/missing-values'
import type { LabelledSeries } from '../../src-main/core/data/series'
import { runTrial } from '../../src-main/core/search/run-trial'
import { parseSpec } from '../../src-main/core/search/spec'
import { generateScenario } from '../../src-main/core/data/scenarios'
import { fitIsolationForest } from '../../src-main/core/models/iforest'
import { applyScaler, fitStandardScaler } from '../../src-main/core/data/scaler'
import { exportIsolationForest } from '../../src-main/core/export/onnx/iforest-onnx'
import { scoreSeries } from '../../src-main/core/export/score-bundle'
import type { BundleContents } from '../../src-main/core/export/bundle'
import { createRng } from '../../src-main/core/data/rng'

function series(values: number[][], segments?: LabelledSeries['segments']): LabelledSeries {
  const n = values[0].length
  return {
    name: 't',
    intervalMs: 1000,
    timestamps: Float64Array.from({ length: n }, (_, i) => i * 1000),
    columns: values.map((_, j) => `c${j}`),
    values: values.map((v) => Float32Array.from(v)),
    labels: new Uint8Array(n),
    anomalyTypeNames: [],
    anomalyType: new Uint8Array(n),
    ...(segments ? { segments } : {})
  }
}

describe('fill rules', () => {
  it('forward-fill never carries a value across a segment boundary', () => {
    const s = series([[1, NaN, NaN, NaN, 5, NaN]], [
      { id: 'a', start: 0, end: 3 },
      { id: 'b', start: 3, end: 6 }
    ])
    expect(fillSeries(s, 'forward-fill')).toEqual({ rule: 'forward-fill', cells: 4, byColumn: { c0: 4 } })
    expect(Array.from(s.values[0])).toEqual([1, 1, 1, 5, 5, 5])
  })

  it('interpolate is linear in time, ends take the nearest value', () => {
    const s = series([[NaN, 2, NaN, NaN, 8, NaN]])
    fillSeries(s, 'interpolate')
    expect(Array.from(s.values[0])).toEqual([2, 2, 4, 6, 8, 8])
  })

  it('refuses a segment with no value, a column with none, and any missing cell under refuse', () => {
    const seg = series([[1, 2, NaN, NaN]], [
      { id: 'a', start: 0, end: 2 },
      { id: 'b', start: 2, end: 4 }
    ])
    expect(() => fillSeries(seg, 'forward-fill')).toThrow(/no value in segment 'b' \(rows 2-3\)/)
    expect(() => fillSeries(series([[NaN, NaN]]), 'interpolate')).toThrow(MissingValuesError)
    const s = series([[1, NaN, 3]])
    expect(() => fillColumn('c0', s.values[0], s.timestamps, [{ id: 't', start: 0, end: 3 }], 'refuse')).toThrow(/missing value at row 1/)
  })

  it('finds the first non-finite column, and infinities alone when asked', () => {
    const s = series([[1, 2], [NaN, Infinity]])
    expect(nonFinite(s)).toEqual({ column: 'c1', count: 2, row: 0, value: NaN })
    expect(nonFinite(s, 'infinite')).toEqual({ column: 'c1', count: 1, row: 1, value: Infinity })
    expect(nonFinite(series([[1, 2]]))).toBeNull()
  })

  it('the record a bundle keeps says the rule and the cells filled in training', () => {
    expect(missingValuesRecord({ missing: 'interpolate', missingFilled: { a: 3, b: 2 } })).toEqual({ rule: 'interpolate', trainingCellsFilled: 5 })
    // Generated data records no rule: the default, nothing filled.
    expect(missingValuesRecord({ days: 7 })).toEqual({ rule: 'forward-fill', trainingCellsFilled: 0 })
  })
})

describe('a trial on a version holding NaN', () => {
  it('is refused with the version, column, count and the way out', async () => {
    const data = generateScenario('helios-detection', { days: 2, seed: 3 })
    const col = data.values[2]
    for (const i of [10, 200, 300, 400, 500]) col[i] = NaN
    const spec = parseSpec({
      name: 'nan-version',
      dataset: { version: 'abcdef0123456789' },
      split: { kind: 'time', trainFraction: 0.6 },
      model: { kind: 'iforest', params: { nEstimators: 20 } }
    })
    const trial = runTrial(spec, { loadVersion: () => ({ id: 'abcdef0123456789abcdef', series: data }) })
    await expect(trial).rejects.toThrow(
      `dataset version abcdef012345: column '${data.columns[2]}' holds 5 non-finite values (NaN at row 10 first); a model would learn from them silently. Import the data again with a missing-value rule (forward-fill or interpolate)`
    )
  })
})

describe('scoring a series with a bundle', () => {
  const F = 3
  const rng = createRng(4)
  const trainRows = 400
  const train = { data: Float32Array.from({ length: trainRows * F }, () => rng.uniform() * 10), rows: trainRows, cols: F }
  const scaler = fitStandardScaler(train)
  const forest = fitIsolationForest(applyScaler(train, scaler), { nEstimators: 30, seed: 1 })
  const onnx = exportIsolationForest(forest, scaler)
  const bundle = (rule?: string): BundleContents =>
    ({
      onnx,
      preprocessing: {
        features: ['c0', 'c1', 'c2'],
        featureRecipe: 'raw',
        scaler: { kind: 'standard', mean: scaler.mean, scale: scaler.scale, foldedIntoModel: true },
        window: { length: 1, stride: 1 },
        input: { name: 'input', shape: ['batch', F] },
        ...(rule ? { missingValues: { rule, trainingCellsFilled: 0 } } : {})
      },
      modelConfig: { kind: 'iforest', params: {}, threshold: forest.threshold, scoreBands: null, outputs: [], trainedOn: { backend: 'typed-arrays', workbenchVersion: 'test', datasetId: null, datasetName: null } },
      metrics: {},
      golden: { count: 0, shape: [0, F], inputs: [], outputs: {}, tolerance: 1e-4 },
      readme: ''
    }) as unknown as BundleContents
  const rows = 60
  const cols = () => Array.from({ length: F }, (_, j) => Array.from({ length: rows }, (_, i) => ((i * (j + 3)) % 17) / 1.7))

  it("fills 5 missing cells by the bundle's rule, scores as the filled data would, and leaves the caller's series alone", async () => {
    for (const rule of ['forward-fill', 'interpolate'] as const) {
      const raw = cols()
      for (const [j, i] of [[0, 5], [0, 6], [1, 20], [2, 40], [2, 59]]) raw[j][i] = NaN
      const withGaps = series(raw)
      const filled = series(raw)
      fillSeries(filled, rule)
      const got = await scoreSeries(bundle(rule), withGaps, { bundleDir: '/bundles/b' })
      const want = await scoreSeries(bundle(rule), filled, { bundleDir: '/bundles/b' })
      expect(got.filled).toEqual({ rule, cells: 5, byColumn: { c0: 2, c1: 1, c2: 2 } })
      expect(want.filled).toBeNull()
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores))
      expect(Number.isNaN(withGaps.values[0][5])).toBe(true)
    }
    // A bundle from before the field: the default rule.
    const raw = cols()
    raw[1][3] = NaN
    expect((await scoreSeries(bundle(), series(raw), { bundleDir: '/bundles/b' })).filled?.rule).toBe('forward-fill')
  })

  it('refuses an all-NaN column and infinite values with a clear error', async () => {
    const raw = cols()
    raw[1] = raw[1].map(() => NaN)
    await expect(scoreSeries(bundle('forward-fill'), series(raw), { bundleDir: '/bundles/b' })).rejects.toThrow(
      "cannot score: column 'c1': no value in any of its 60 rows (the bundle fills missing cells by forward-fill, the rule its training data was imported with)"
    )
    const inf = cols()
    inf[2][7] = -Infinity
    await expect(scoreSeries(bundle('forward-fill'), series(inf), { bundleDir: '/bundles/b' })).rejects.toThrow("cannot score: column 'c2' holds -Infinity at row 7 (1 infinite value)")
    const refused = cols()
    refused[0][9] = NaN
    await expect(scoreSeries(bundle('refuse'), series(refused), { bundleDir: '/bundles/b' })).rejects.toThrow(/column 'c0': missing value at row 9, and the missing-value rule is 'refuse'/)
  })
})
