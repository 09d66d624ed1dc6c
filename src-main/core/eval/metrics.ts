/**
 * Evaluation of anomaly scores against point labels, matching scikit-learn's definitions so the
 * numbers can be compared with the seeds' Python reports.
 *
 * Conventions:
 * - A point is predicted anomalous when `score >= threshold` (higher score = more anomalous).
 * - Ratios whose denominator is 0 (e.g. precision with nothing flagged) are reported as 0, not
 *   NaN, so reports stay JSON-safe and "no evidence" never looks like success.
 * - ROC AUC is undefined when only one class is present: it is NaN (sklearn raises). Average
 *   precision with no positive label is 0 (as sklearn returns, with a warning).
 */

import type { Confusion, ScoreHistogram, TypeRecall } from './result-schemas'

export type { Confusion, ScoreHistogram, TypeRecall } from './result-schemas'

export interface Rates {
  accuracy: number
  precision: number
  recall: number
  f1: number
  fpr: number
  specificity: number
  fnr: number
}

export type Scores = Float64Array | Float32Array

export interface EvalReport extends Rates {
  threshold: number
  confusion: Confusion
  rocAuc: number
  averagePrecision: number
  support: { normal: number; anomalous: number }
}

export interface Curve {
  thresholds: number[]
}

export interface RocCurve extends Curve {
  fpr: number[]
  tpr: number[]
}

export interface PrCurve extends Curve {
  precision: number[]
  recall: number[]
}

function checkLengths(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: lengths differ (${a.length} vs ${b.length})`)
}

function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den
}

export function confusionMatrix(labels: Uint8Array, predicted: Uint8Array): Confusion {
  checkLengths(labels, predicted, 'confusionMatrix')
  let tn = 0
  let fp = 0
  let fn = 0
  let tp = 0
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] !== 0
    const p = predicted[i] !== 0
    if (y) {
      if (p) tp++
      else fn++
    } else if (p) fp++
    else tn++
  }
  return { tn, fp, fn, tp }
}

export function rates(cm: Confusion): Rates {
  const { tn, fp, fn, tp } = cm
  const precision = ratio(tp, tp + fp)
  const recall = ratio(tp, tp + fn)
  return {
    accuracy: ratio(tp + tn, tn + fp + fn + tp),
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    fpr: ratio(fp, fp + tn),
    specificity: ratio(tn, tn + fp),
    fnr: ratio(fn, fn + tp)
  }
}

/**
 * Cumulative true / false positives at each distinct score, from the highest score down
 * (sklearn's _binary_clf_curve): entry k counts the points with score >= thresholds[k].
 */
function binaryCurve(
  labels: Uint8Array,
  scores: Scores
): { tps: Float64Array; fps: Float64Array; thresholds: Float64Array; positives: number; negatives: number } {
  checkLengths(labels, scores, 'score curve')
  const n = labels.length
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => scores[b] - scores[a])
  const tps: number[] = []
  const fps: number[] = []
  const thresholds: number[] = []
  let tp = 0
  let fp = 0
  for (let k = 0; k < n; k++) {
    const i = order[k]
    if (labels[i] !== 0) tp++
    else fp++
    // Close a group only where the next score differs: tied points move together.
    if (k === n - 1 || scores[order[k + 1]] !== scores[i]) {
      tps.push(tp)
      fps.push(fp)
      thresholds.push(scores[i])
    }
  }
  return {
    tps: Float64Array.from(tps),
    fps: Float64Array.from(fps),
    thresholds: Float64Array.from(thresholds),
    positives: tp,
    negatives: fp
  }
}

/** Area under the ROC curve by the trapezoid rule over distinct thresholds (ties handled). */
export function rocAuc(labels: Uint8Array, scores: Scores): number {
  const c = binaryCurve(labels, scores)
  if (c.positives === 0 || c.negatives === 0) return NaN
  let area = 0
  let prevX = 0
  let prevY = 0
  for (let k = 0; k < c.tps.length; k++) {
    const x = c.fps[k] / c.negatives
    const y = c.tps[k] / c.positives
    area += ((x - prevX) * (y + prevY)) / 2
    prevX = x
    prevY = y
  }
  return area
}

/** Evenly spaced indices into [0, m) keeping the first and the last. */
function keepIndices(m: number, maxPoints: number): number[] {
  if (m <= maxPoints || maxPoints < 2) return Array.from({ length: m }, (_, i) => i)
  const out: number[] = []
  let last = -1
  for (let k = 0; k < maxPoints; k++) {
    const i = Math.round((k * (m - 1)) / (maxPoints - 1))
    if (i !== last) out.push(i)
    last = i
  }
  return out
}

/**
 * ROC points from the strictest threshold down, starting at (0, 0) with threshold +Infinity
 * (as sklearn >= 1.3 does), downsampled to at most maxPoints.
 */
export function rocCurve(labels: Uint8Array, scores: Scores, maxPoints = 200): RocCurve {
  const c = binaryCurve(labels, scores)
  const fpr = [0]
  const tpr = [0]
  const thresholds = [Infinity]
  for (let k = 0; k < c.tps.length; k++) {
    fpr.push(ratio(c.fps[k], c.negatives))
    tpr.push(ratio(c.tps[k], c.positives))
    thresholds.push(c.thresholds[k])
  }
  const keep = keepIndices(fpr.length, maxPoints)
  return {
    fpr: keep.map((i) => fpr[i]),
    tpr: keep.map((i) => tpr[i]),
    thresholds: keep.map((i) => thresholds[i])
  }
}

/** sklearn's average precision: sum over distinct thresholds of (R_n - R_{n-1}) * P_n. */
export function averagePrecision(labels: Uint8Array, scores: Scores): number {
  const c = binaryCurve(labels, scores)
  if (c.positives === 0) return 0
  let ap = 0
  let prevR = 0
  for (let k = 0; k < c.tps.length; k++) {
    const r = c.tps[k] / c.positives
    const p = c.tps[k] / (c.tps[k] + c.fps[k])
    ap += (r - prevR) * p
    prevR = r
  }
  return ap
}

/**
 * Precision-recall points from the strictest threshold down, starting at (recall 0,
 * precision 1) with threshold +Infinity, downsampled to at most maxPoints.
 */
export function prCurve(labels: Uint8Array, scores: Scores, maxPoints = 200): PrCurve {
  const c = binaryCurve(labels, scores)
  const precision = [1]
  const recall = [0]
  const thresholds = [Infinity]
  for (let k = 0; k < c.tps.length; k++) {
    precision.push(ratio(c.tps[k], c.tps[k] + c.fps[k]))
    recall.push(ratio(c.tps[k], c.positives))
    thresholds.push(c.thresholds[k])
  }
  const keep = keepIndices(precision.length, maxPoints)
  return {
    precision: keep.map((i) => precision[i]),
    recall: keep.map((i) => recall[i]),
    thresholds: keep.map((i) => thresholds[i])
  }
}

/** The curves every run stores of its test scores: ROC, PR and the score histogram by label. */
export function testScoreCurves(labels: Uint8Array, scores: Scores) {
  const roc = rocCurve(labels, scores)
  const pr = prCurve(labels, scores)
  return { roc: { fpr: roc.fpr, tpr: roc.tpr }, pr: { recall: pr.recall, precision: pr.precision }, histogram: scoreHistogram(labels, scores) }
}

/**
 * Score counts per class over `bins` equal bins (numpy's rule: half-open bins, the last one
 * closed; scores outside `range` are left out). Default range is [min, max] of the scores,
 * widened by 0.5 each side when all scores are equal.
 */
export function scoreHistogram(
  labels: Uint8Array,
  scores: Scores,
  bins = 40,
  range?: [number, number]
): ScoreHistogram {
  checkLengths(labels, scores, 'scoreHistogram')
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer, got ${bins}`)
  let lo: number
  let hi: number
  if (range) {
    ;[lo, hi] = range
    if (!(hi > lo)) throw new Error(`histogram range must have max > min, got [${lo}, ${hi}]`)
  } else {
    lo = Infinity
    hi = -Infinity
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < lo) lo = scores[i]
      if (scores[i] > hi) hi = scores[i]
    }
    if (!Number.isFinite(lo)) {
      lo = 0
      hi = 1
    } else if (lo === hi) {
      lo -= 0.5
      hi += 0.5
    }
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => lo + ((hi - lo) * k) / bins)
  edges[bins] = hi
  const normal = new Array<number>(bins).fill(0)
  const anomalous = new Array<number>(bins).fill(0)
  const width = (hi - lo) / bins
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]
    if (!(s >= lo && s <= hi)) continue
    const b = s === hi ? bins - 1 : Math.min(bins - 1, Math.floor((s - lo) / width))
    if (labels[i] !== 0) anomalous[b]++
    else normal[b]++
  }
  return { edges, normal, anomalous }
}

/**
 * Recall per anomaly type: of the labelled points of each type, how many were flagged. A point
 * counts only while its label is 1 (a type left behind by a label edit is ignored). Types with
 * no point report recall 0.
 */
export function recallByType(
  labels: Uint8Array,
  predicted: Uint8Array,
  anomalyType: Uint8Array,
  typeNames: string[]
): Record<string, TypeRecall> {
  checkLengths(labels, predicted, 'recallByType')
  checkLengths(labels, anomalyType, 'recallByType')
  const total = new Array<number>(typeNames.length).fill(0)
  const detected = new Array<number>(typeNames.length).fill(0)
  for (let i = 0; i < labels.length; i++) {
    const k = anomalyType[i]
    if (k === 0 || labels[i] === 0 || k > typeNames.length) continue
    total[k - 1]++
    if (predicted[i] !== 0) detected[k - 1]++
  }
  const out: Record<string, TypeRecall> = {}
  typeNames.forEach((name, j) => {
    out[name] = { total: total[j], detected: detected[j], recall: ratio(detected[j], total[j]) }
  })
  return out
}

/** 1 where score >= threshold. */
export function predictAtThreshold(scores: Scores, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length)
  for (let i = 0; i < scores.length; i++) out[i] = scores[i] >= threshold ? 1 : 0
  return out
}

export interface EvaluateOptions {
  /** Skip ROC AUC and average precision (both sort the scores); they are reported as NaN. */
  skipRanking?: boolean
}

/** Every threshold-dependent and ranking metric in one report; predicted = score >= threshold. */
export function evaluateScores(
  labels: Uint8Array,
  scores: Scores,
  threshold: number,
  opts: EvaluateOptions = {}
): EvalReport {
  checkLengths(labels, scores, 'evaluateScores')
  const confusion = confusionMatrix(labels, predictAtThreshold(scores, threshold))
  return {
    threshold,
    confusion,
    ...rates(confusion),
    rocAuc: opts.skipRanking ? NaN : rocAuc(labels, scores),
    averagePrecision: opts.skipRanking ? NaN : averagePrecision(labels, scores),
    support: { normal: confusion.tn + confusion.fp, anomalous: confusion.tp + confusion.fn }
  }
}
