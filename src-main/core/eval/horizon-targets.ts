/**
 * Per-horizon metrics and targets for multi-horizon models (seed 004: "accuracy >= 88 / 86 / 85 %
 * at 6 / 9 / 12 months").
 *
 * targets.ts parses per-horizon targets itself (`accuracy_6m >= 0.88`, `balanced_accuracy_12m
 * >= 85%`): the canonical key is `<canonical metric>_<horizon>` (`accuracy_6m`, `rocAuc_9m`,
 * `balancedAccuracy_12m`), the keys the LSTM-attention trainer writes into its metrics.
 *
 * Here: those keys, balanced accuracy and the threshold search used per horizon.
 */
import { confusionMatrix, predictAtThreshold, rates, rocAuc, averagePrecision, type Confusion, type Scores } from './metrics'

/** Canonical per-horizon metric key: `accuracy` + `risk_6m` -> `accuracy_6m`. */
export function horizonKey(metric: string, horizon: string): string {
  return `${metric}_${horizonSuffix(horizon)}`
}

/** `risk_6m` -> `6m` (the part after the last underscore; a bare `6m` stays). */
export function horizonSuffix(horizon: string): string {
  const i = horizon.lastIndexOf('_')
  return i >= 0 ? horizon.slice(i + 1) : horizon
}

export type ThresholdMetric = 'balancedAccuracy' | 'f1' | 'accuracy'

/**
 * The score threshold (predict 1 where score >= t) maximising `metric` on (scores, labels):
 * one sort, then a sweep where tied scores are flagged together. Returns the midpoint between
 * the best cut's score and the next lower score, so a slightly different score (the ONNX run,
 * MC-dropout's mean) does not flip a window sitting exactly on the cut. With a single class it
 * returns 0.5.
 */
export function bestThreshold(scores: Scores, labels: Uint8Array, metric: ThresholdMetric): number {
  const n = scores.length
  let P = 0
  for (let i = 0; i < n; i++) P += labels[i] ? 1 : 0
  const N = n - P
  if (P === 0 || N === 0) return 0.5
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a])
  let tp = 0
  let fp = 0
  let best = -Infinity
  let bestK = -1
  for (let k = 0; k < n; k++) {
    if (labels[order[k]]) tp++
    else fp++
    if (k < n - 1 && scores[order[k + 1]] === scores[order[k]]) continue
    const v =
      metric === 'balancedAccuracy' ? (tp / P + (N - fp) / N) / 2 : metric === 'f1' ? (2 * tp) / (tp + fp + P) : (tp + N - fp) / n
    if (v > best) {
      best = v
      bestK = k
    }
  }
  const hi = scores[order[bestK]]
  const lo = bestK + 1 < n ? scores[order[bestK + 1]] : hi - 1e-6
  return (hi + lo) / 2
}

export interface HorizonReport {
  horizon: string
  threshold: number
  confusion: Confusion
  accuracy: number
  balancedAccuracy: number
  precision: number
  recall: number
  f1: number
  specificity: number
  rocAuc: number
  averagePrecision: number
  positives: number
  windows: number
}

export function horizonReport(horizon: string, labels: Uint8Array, scores: Scores, threshold: number): HorizonReport {
  const confusion = confusionMatrix(labels, predictAtThreshold(scores, threshold))
  const r = rates(confusion)
  return {
    horizon,
    threshold,
    confusion,
    accuracy: r.accuracy,
    balancedAccuracy: (r.recall + r.specificity) / 2,
    precision: r.precision,
    recall: r.recall,
    f1: r.f1,
    specificity: r.specificity,
    rocAuc: rocAuc(labels, scores),
    averagePrecision: averagePrecision(labels, scores),
    positives: confusion.tp + confusion.fn,
    windows: labels.length
  }
}

/** `accuracy_6m`, `balancedAccuracy_6m`, `rocAuc_6m`, ... for a list of horizon reports. */
export function horizonMetricKeys(reports: HorizonReport[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of reports) {
    for (const k of ['accuracy', 'balancedAccuracy', 'precision', 'recall', 'f1', 'rocAuc', 'averagePrecision'] as const) {
      out[horizonKey(k, r.horizon)] = r[k]
    }
  }
  return out
}
