/**
 * Per-horizon metrics and targets for multi-horizon models (seed 004: "accuracy >= 88 / 86 / 85 %
 * at 6 / 9 / 12 months").
 *
 * targets.ts knows single metrics (`accuracy >= 0.88`) and refuses `accuracy_6m`; this module
 * extends it without changing it: a target may name `<metric>_<horizon>` where `<metric>` is
 * anything targets.ts accepts (or `balancedAccuracy` / `balanced_accuracy`) and `<horizon>` is
 * like `6m`. The canonical key is `<canonical metric>_<horizon>` (`accuracy_6m`, `rocAuc_9m`,
 * `balancedAccuracy_12m`), the keys the LSTM-attention trainer writes into its metrics.
 *
 * Also here: balanced accuracy and the threshold search used per horizon.
 */
import { parseTarget, TARGET_METRICS, type Target, type TargetCheck } from './targets'
import { confusionMatrix, predictAtThreshold, rates, rocAuc, averagePrecision, type ConfusionMatrix, type Scores } from './metrics'

const HORIZON_RE = /^\s*([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)*?)(?:_(\d+[a-z]+))?\s*(>=|<=|≥|≤|>|<)\s*(.+)$/
const BALANCED = new Set(['balancedaccuracy', 'balanced_accuracy', 'bacc'])

export const HORIZON_BASE_METRICS: string[] = [...TARGET_METRICS, 'balancedAccuracy']

/** Canonical per-horizon metric key: `accuracy` + `risk_6m` -> `accuracy_6m`. */
export function horizonKey(metric: string, horizon: string): string {
  return `${metric}_${horizonSuffix(horizon)}`
}

/** `risk_6m` -> `6m` (the part after the last underscore; a bare `6m` stays). */
export function horizonSuffix(horizon: string): string {
  const i = horizon.lastIndexOf('_')
  return i >= 0 ? horizon.slice(i + 1) : horizon
}

/**
 * Parses `accuracy_6m >= 0.88`, `balanced_accuracy_12m >= 85%`, and every plain target
 * targets.ts parses. The value rules (fractions, `%`) are targets.ts's.
 */
export function parseHorizonTarget(text: string): Target {
  const m = HORIZON_RE.exec(text)
  if (!m) return parseTarget(text)
  const [, base, horizon, op, rest] = m
  const balanced = BALANCED.has(base.toLowerCase())
  // Reuse targets.ts for the metric alias and value checks (balanced accuracy borrows accuracy's).
  const t = parseTarget(`${balanced ? 'accuracy' : base} ${op} ${rest}`)
  const metric = balanced ? 'balancedAccuracy' : t.metric
  return { ...t, metric: horizon ? `${metric}_${horizon}` : metric, text: text.trim() }
}

function compare(actual: number, op: Target['op'], value: number): boolean {
  return op === '>=' ? actual >= value : op === '>' ? actual > value : op === '<=' ? actual <= value : actual < value
}

/** checkTargets for per-horizon (and plain) targets; a metric missing from the report is not met. */
export function checkHorizonTargets(report: Record<string, number>, targets: (string | Target)[]): TargetCheck[] {
  return targets.map((t) => {
    const target = typeof t === 'string' ? parseHorizonTarget(t) : t
    const raw = report[target.metric]
    const actual = typeof raw === 'number' ? raw : NaN
    return { ...target, actual, met: compare(actual, target.op, target.value) }
  })
}

/** (TPR + TNR) / 2; a class with no example contributes 0 to its half (as rates() does). */
export function balancedAccuracy(cm: ConfusionMatrix): number {
  const r = rates(cm)
  return (r.recall + r.specificity) / 2
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
  confusion: ConfusionMatrix
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
