/** Isolation Forest as a trainer: fit on train, score train and test, report history and results. */
import type { Trainer } from '../search/trainers'
import { pickMetrics } from '../eval/pick-metrics'
import type { RunResults } from '../store/runs-repo'
import { runIForestTrial } from './iforest-trial'
import { toJSON as iforestToJSON, scoreSamples } from './iforest'
import { sourceRows, type LabelledSeries } from '../data/series'
import type { TrialScores } from '../search/run-trial'
import { ensembleHistory } from './iforest-history'
import { applyScaler } from '../data/scaler'
import { fromColumns } from '../data/matrix'
import { checkTargets } from '../eval/targets'

// Stage weights for one overall fraction: fitting dominates, scoring second.
const WEIGHTS: Record<string, [number, number]> = {
  scaling: [0.05, 0.07],
  fitting: [0.07, 0.6],
  scoring: [0.6, 0.95],
  evaluating: [0.95, 1]
}

export const iforestTrainer: Trainer = {
  // Our own typed-array code: no tfjs backend is involved, so none is skipped.
  backend: async () => ({ name: 'typed-arrays (Isolation Forest, no tfjs)', skipped: [] }),

  async run({ spec, train, validation, test, hooks, started }) {
    const r = runIForestTrial({
      train,
      test,
      params: spec.model.params,
      shouldStop: hooks.shouldStop,
      onProgress: (p) => {
        const [a, b] = WEIGHTS[p.stage] ?? [0, 1]
        const fraction = a + (b - a) * p.fraction
        const elapsed = Date.now() - started
        hooks.onProgress({ stage: p.stage, fraction, message: p.message, etaMs: fraction > 0.1 ? (elapsed / fraction) * (1 - fraction) : null })
      }
    })
    hooks.onParams?.(r.params as unknown as Record<string, unknown>)
    // Learning curve over the ensemble size, on the training rows (labels never steer the fit).
    for (const e of ensembleHistory(r.model, applyScaler(fromColumns(train.values), r.scaler), train.labels)) hooks.onEpoch?.(e)
    const metrics = pickMetrics(r.test as unknown as Record<string, unknown>)
    const results: RunResults = {
      threshold: r.threshold,
      metrics,
      trainMetrics: pickMetrics(r.train as unknown as Record<string, unknown>),
      confusion: r.test.confusion,
      targets: checkTargets(metrics, spec.targets),
      curves: {
        roc: { fpr: r.rocCurve.fpr, tpr: r.rocCurve.tpr },
        pr: { recall: r.prCurve.recall, precision: r.prCurve.precision },
        histogram: r.histogram
      },
      recallByType: r.recallByType,
      model: { kind: 'iforest', featureNames: r.featureNames, scaler: r.scaler, forest: iforestToJSON(r.model) }
    }
    hooks.onLog?.(
      'info',
      `fit ${r.timings.fitMs.toFixed(0)} ms, score ${r.timings.scoreMs.toFixed(0)} ms; test precision ${metrics.precision.toFixed(4)} recall ${metrics.recall.toFixed(4)} fpr ${metrics.fpr.toFixed(4)}`
    )
    const rowsOf = (series: LabelledSeries) => sourceRows(series, Int32Array.from({ length: series.timestamps.length }, (_, i) => i))
    const scores: TrialScores[] = [
      { split: 'train', role: 'train', scores: Float32Array.from(r.trainScores), labels: train.labels, types: train.anomalyType, starts: rowsOf(train), windowLength: 1 },
      { split: 'test', role: 'test', scores: Float32Array.from(r.testScores), labels: test.labels, types: test.anomalyType, starts: rowsOf(test), windowLength: 1 }
    ]
    // The split's validation part, scored too: thresholds are chosen there, never on test.
    if (validation && validation.timestamps.length > 0) {
      const x = applyScaler(fromColumns(validation.values), r.scaler)
      scores.splice(1, 0, { split: 'validation', role: 'train', scores: Float32Array.from(scoreSamples(r.model, x)), labels: validation.labels, types: validation.anomalyType, starts: rowsOf(validation), windowLength: 1 })
    }
    return { results, scores }
  }
}
