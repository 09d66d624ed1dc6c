/**
 * Isolation Forest as a trainer: fit (on every training row, or on the normal ones), score the
 * train, validation and test parts, smooth the scores over time when asked, set the threshold by
 * the spec's rule (default: `contamination`, as sklearn does), and report history and results.
 */
import type { Trainer, TrialScores } from './trainer'
import { pickMetrics } from '../eval/pick-metrics'
import type { RunResults } from '../store/run-schemas'
import { runIForestTrial } from './iforest-trial'
import { iforestParamsSchema, scoreSamples, type IsolationForestModel } from './iforest'
import { encodeForest } from './iforest-codec'
import { sourceRows, type LabelledSeries } from '../data/series'
import { ensembleHistory } from './iforest-history'
import { applyScaler, type StandardScaler } from '../data/scaler'
import { fromColumns } from '../data/matrix'
import { selectRanges } from '../data/splits'
import { checkTargets } from '../eval/targets'
import { evaluateScores, predictAtThreshold, recallByType, testScoreCurves } from '../eval/metrics'
import { describePostprocess, postprocessScores, thresholdByRule, type ThresholdRule } from '../eval/detector-rules'

// Stage weights for one overall fraction: fitting dominates, scoring second.
const WEIGHTS: Record<string, [number, number]> = {
  scaling: [0.05, 0.07],
  fitting: [0.07, 0.6],
  scoring: [0.6, 0.95],
  evaluating: [0.95, 1]
}

/** The rows of `series` labelled normal, as a series (one segment per run of kept rows). */
function normalRows(series: LabelledSeries): LabelledSeries {
  const ranges: { id: string; start: number; end: number }[] = []
  let from = -1
  for (let i = 0; i <= series.labels.length; i++) {
    const keep = i < series.labels.length && series.labels[i] === 0
    if (keep && from < 0) from = i
    if (!keep && from >= 0) {
      ranges.push({ id: `${from}`, start: from, end: i })
      from = -1
    }
  }
  if (ranges.length === 0) throw new Error('normal-only training: every training row is labelled anomalous')
  return selectRanges(series, ranges, `${series.name} [normal]`)
}

const rowIndex = (n: number) => Int32Array.from({ length: n }, (_, i) => i)

export const iforestTrainer: Trainer = {
  // Our own typed-array code: no tfjs backend is involved, so none is skipped.
  backend: async () => ({ name: 'typed-arrays (Isolation Forest, no tfjs)', skipped: [] }),

  async run({ spec, train, validation, test, hooks, started }) {
    const params = iforestParamsSchema.parse(spec.model.params ?? {})
    const fitOn = params.trainingMode === 'normal-only' ? normalRows(train) : train
    const r = runIForestTrial({
      train: fitOn,
      test,
      params,
      shouldStop: hooks.shouldStop,
      onProgress: (p) => {
        const [a, b] = WEIGHTS[p.stage] ?? [0, 1]
        const fraction = a + (b - a) * p.fraction
        const elapsed = Date.now() - started
        hooks.onProgress({ stage: p.stage, fraction, message: p.message, etaMs: fraction > 0.1 ? (elapsed / fraction) * (1 - fraction) : null })
      }
    })
    hooks.onParams?.(params as unknown as Record<string, unknown>)
    if (params.trainingMode === 'normal-only') hooks.onLog?.('info', `normal-only: fitted on ${fitOn.timestamps.length} of ${train.timestamps.length} training rows (labelled anomalies dropped)`)
    // Learning curve over the ensemble size, on the training rows (labels never steer the fit).
    for (const e of ensembleHistory(r.model, applyScaler(fromColumns(train.values), r.scaler), train.labels)) hooks.onEpoch?.(e)

    // Every part scored (smoothed over time when the spec asks), then the threshold by the rule.
    const score = (series: LabelledSeries, raw = rawScores(r.model, r.scaler, series)) => postprocessScores(raw, rowIndex(series.timestamps.length), series, params.postprocess)
    // Fitted on every training row: the trial scored them already.
    const trainS = score(train, fitOn === train ? r.trainScores : undefined)
    const valS = validation && validation.timestamps.length > 0 ? score(validation) : null
    const testS = params.postprocess.kind === 'none' ? Float32Array.from(r.testScores) : score(test)
    const smoothed = params.postprocess.kind !== 'none'
    const rule: ThresholdRule | null = params.thresholdRule ?? (smoothed && params.contamination !== 'auto' ? { kind: 'contamination', rate: params.contamination } : null)
    const decided = rule
      ? thresholdByRule(rule, { mode: params.trainingMode, train: { scores: trainS, labels: train.labels }, validation: valS && { scores: valS, labels: validation!.labels } })
      : { threshold: r.model.threshold, how: params.contamination === 'auto' ? "contamination 'auto' (sklearn's offset: score 0.5)" : `contamination ${params.contamination} of the training scores` }
    const threshold = decided.threshold
    hooks.onLog?.('info', `threshold ${threshold.toPrecision(6)}: ${decided.how}${smoothed ? `; scores smoothed: ${describePostprocess(params.postprocess)}` : ''}`)

    const testReport = evaluateScores(test.labels, testS, threshold)
    const metrics = pickMetrics(testReport)
    const results: RunResults = {
      threshold,
      metrics,
      trainMetrics: pickMetrics(evaluateScores(train.labels, trainS, threshold)),
      // The split's validation part: thresholds and a search's winner are chosen there.
      validationMetrics: valS ? pickMetrics(evaluateScores(validation!.labels, valS, threshold)) : null,
      confusion: testReport.confusion,
      targets: checkTargets(metrics, spec.targets),
      curves: testScoreCurves(test.labels, testS),
      recallByType: recallByType(test.labels, predictAtThreshold(testS, threshold), test.anomalyType, test.anomalyTypeNames),
      model: { kind: 'iforest', featureNames: r.featureNames, scaler: r.scaler, forest: encodeForest({ ...r.model, threshold }), thresholdRule: decided.how, postprocess: params.postprocess }
    }
    hooks.onLog?.(
      'info',
      `fit ${r.timings.fitMs.toFixed(0)} ms, score ${r.timings.scoreMs.toFixed(0)} ms; test precision ${metrics.precision.toFixed(4)} recall ${metrics.recall.toFixed(4)} fpr ${metrics.fpr.toFixed(4)}`
    )
    const rowsOf = (series: LabelledSeries) => sourceRows(series, rowIndex(series.timestamps.length))
    const scores: TrialScores[] = [
      { split: 'train', role: 'train', scores: trainS, labels: train.labels, types: train.anomalyType, starts: rowsOf(train), windowLength: 1 },
      { split: 'test', role: 'test', scores: testS, labels: test.labels, types: test.anomalyType, starts: rowsOf(test), windowLength: 1 }
    ]
    if (valS) scores.splice(1, 0, { split: 'validation', role: 'train', scores: valS, labels: validation!.labels, types: validation!.anomalyType, starts: rowsOf(validation!), windowLength: 1 })
    return { results, scores }
  }
}

function rawScores(model: IsolationForestModel, scaler: StandardScaler, series: LabelledSeries): Float64Array {
  return scoreSamples(model, applyScaler(fromColumns(series.values), scaler))
}
