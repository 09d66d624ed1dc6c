import { describe, it, expect } from 'vitest'
import { ensembleHistory } from '../../src-main/core/models/iforest-history'
import { fitIsolationForest, scoreSamples, contaminationThreshold } from '../../src-main/core/models/iforest'
import { generateScenario } from '../../src-main/core/data/scenarios'
import { fromColumns } from '../../src-main/core/data/matrix'
import { fitStandardScaler, applyScaler } from '../../src-main/core/data/scaler'
import { rocAuc } from '../../src-main/core/eval/metrics'

describe('Isolation Forest ensemble-size history', () => {
  const series = generateScenario('helios-detection', { days: 3, seed: 7 })
  const raw = fromColumns(series.values)
  const X = applyScaler(raw, fitStandardScaler(raw))
  const model = fitIsolationForest(X, { nEstimators: 50, contamination: 0.05, seed: 3 })
  const history = ensembleHistory(model, X, series.labels, 5)

  it('has one checkpoint per requested step, ending at the whole forest', () => {
    expect(history.map((h) => h.epoch)).toEqual([10, 20, 30, 40, 50])
  })

  it('the last checkpoint equals scoring with the whole forest', () => {
    const full = scoreSamples(model, X)
    const last = history[history.length - 1]
    expect(last.metrics.rocAuc).toBeCloseTo(rocAuc(series.labels, full), 12)
    expect(last.metrics.threshold).toBeCloseTo(contaminationThreshold(full, 0.05), 12)
    const flagged = Array.from(full).filter((s) => s >= last.metrics.threshold).length
    expect(last.confusion.tp + last.confusion.fp).toBe(flagged)
  })

  it('an intermediate checkpoint equals a forest of the first k trees', () => {
    const partial = scoreSamples({ ...model, trees: model.trees.slice(0, 20) }, X)
    expect(history[1].metrics.rocAuc).toBeCloseTo(rocAuc(series.labels, partial), 12)
  })
})
