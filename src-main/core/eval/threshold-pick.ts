/**
 * "Pick for targets": choose a threshold on the VALIDATION split, then report the TEST split at
 * it (DESIGN §7: choose on validation, report on test; never choose on test).
 *
 * Candidates are the cuts of the validation sweep: flag nothing, or flag every window whose score
 * is >= one of the distinct validation scores. Each cut is stated as the midpoint between its
 * score and the next lower one (as horizon-targets' bestThreshold does), so a test score a hair
 * off a validation score (ONNX vs tfjs, MC-dropout's mean) lands on the side the validation data
 * put it. Cost: O(distinct validation scores x targets).
 */
import { checkTargets, targetSchema, TARGET_METRICS, type Target, type TargetResult } from './targets'
import { rates } from './metrics'
import { ThresholdSweep, type SweepReport } from './threshold-sweep'

export interface PickOptions {
  /** As experiment specs write them ("precision >= 95.3%") or parsed. */
  targets: (string | Target)[]
  /** The spec's objective; its metric may use any spelling targets accept (f1_score, auc, ...). */
  objective: { metric: string; direction: 'maximize' | 'minimize' }
}

export interface ThresholdPick {
  threshold: number
  /**
   * `targets`: this threshold meets every target on validation (and is the best by the objective
   * among those that do); `objective`: no threshold meets every target (or none was given), so it
   * is the best by the objective alone.
   */
  rule: 'targets' | 'objective'
  objective: { metric: string; direction: 'maximize' | 'minimize'; value: number }
  /** Every validation metric at the threshold. */
  validation: SweepReport
  /** The targets checked on validation at the threshold. */
  validationTargets: TargetResult[]
  /** Thresholds tried, and how many of them met every target. */
  candidates: number
  meetingTargets: number
}

export interface PickReport {
  pick: ThresholdPick
  /** The test split at the picked threshold: the numbers to report. */
  test: SweepReport
  testTargets: TargetResult[]
}

/**
 * The threshold meeting every target on validation with the best objective, else the best
 * objective. Ties keep the strictest threshold (fewest alerts). A target on a metric the sweep
 * lacks (a per-horizon one) reads as NaN and is never met; an objective on one is refused.
 */
export function pickThreshold(validation: ThresholdSweep, opts: PickOptions): ThresholdPick {
  if (validation.cuts <= 1) throw new Error('pick threshold: the validation split has no scored window')
  const targets = opts.targets.map((t) => targetSchema.parse(t))
  const metric = canonicalObjective(opts.objective.metric)
  const sign = opts.objective.direction === 'maximize' ? 1 : -1
  const better = (v: number, best: number) => !Number.isNaN(v) && (Number.isNaN(best) || sign * v > sign * best)

  const report: Record<string, number> = { rocAuc: validation.rocAuc, averagePrecision: validation.averagePrecision }
  Object.assign(report, rates(validation.confusionAtCut(0)), { balancedAccuracy: 0 })
  // Per-horizon names parse as metrics but a single-score sweep has none of them.
  if (!(metric in report)) throw new Error(`objective: '${metric}' is not a metric of one score per window (have: ${Object.keys(report).join(', ')})`)

  let bestAny = { cut: -1, value: NaN }
  let bestMet = { cut: -1, value: NaN }
  let meeting = 0
  let candidates = 0
  for (let k = 0; k < validation.cuts; k++) {
    // Scores of +Infinity cannot be left unflagged by any number: there is no "flag nothing" cut.
    if (k === 0 && validation.distinctScore(1) === Infinity) continue
    candidates++
    const r = rates(validation.confusionAtCut(k))
    Object.assign(report, r, { balancedAccuracy: (r.recall + r.specificity) / 2 })
    const value = report[metric]
    if (bestAny.cut < 0 || better(value, bestAny.value)) bestAny = { cut: k, value }
    if (targets.length > 0 && checkTargets(report, targets).every((c) => c.met)) {
      meeting++
      if (bestMet.cut < 0 || better(value, bestMet.value)) bestMet = { cut: k, value }
    }
  }
  const rule = bestMet.cut >= 0 ? 'targets' : 'objective'
  const chosen = rule === 'targets' ? bestMet : bestAny
  const threshold = cutThreshold(validation, chosen.cut)
  const at = validation.at(threshold)
  return {
    threshold,
    rule,
    objective: { metric, direction: opts.objective.direction, value: chosen.value },
    validation: at,
    validationTargets: checkTargets(at, targets),
    candidates,
    meetingTargets: meeting
  }
}

/** Picks on `validation`, then evaluates `test` once at that threshold. */
export function pickAndReport(validation: ThresholdSweep, test: ThresholdSweep, opts: PickOptions): PickReport {
  const pick = pickThreshold(validation, opts)
  const at = test.at(pick.threshold)
  return { pick, test: at, testTargets: checkTargets(at, opts.targets) }
}

/** A number t with `score >= t` flagging exactly the validation windows of cut k. */
function cutThreshold(sweep: ThresholdSweep, k: number): number {
  const D = sweep.cuts - 1
  if (k === 0) return nextUp(sweep.distinctScore(1))
  const hi = sweep.distinctScore(k)
  if (k === D) return hi
  const lo = sweep.distinctScore(k + 1)
  const mid = hi / 2 + lo / 2
  // Adjacent doubles (or infinities) have no number strictly between them: take the score itself.
  return mid > lo && mid <= hi && Number.isFinite(mid) ? mid : hi
}

/** The least double above x (x finite). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE
  const buf = new DataView(new ArrayBuffer(8))
  buf.setFloat64(0, x)
  const bits = buf.getBigUint64(0)
  buf.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n)
  return buf.getFloat64(0)
}

/** The objective's canonical metric name (targets.ts owns the spellings). */
function canonicalObjective(name: string): string {
  try {
    return targetSchema.parse({ metric: name, op: '>=', value: 0 }).metric
  } catch {
    throw new Error(`objective: unknown metric '${name}' (known: ${TARGET_METRICS.join(', ')})`)
  }
}
