/**
 * Risk-aware loss for multi-horizon default prediction (seed 004: "penalises high-risk misses").
 *
 * For a batch of B windows and H horizons, labels y[b,h] in {0,1}, predictions p[b,h] (sigmoid
 * outputs, clipped to [eps, 1 - eps] so log stays finite):
 *
 *   l[b,h] = - wPos[h] * y * log p  -  (1 - y) * log(1 - p)
 *   L      = (1/H) * sum_h  ( (1/B) * sum_b l[b,h] ) / Z[h]
 *
 *   wPos[h] = balance[h] * (1 + riskWeight * urgency[h])
 *   urgency[h] = (nearest horizon's months) / (horizon h's months)   6m: 1, 9m: 2/3, 12m: 1/2
 *   balance[h] = negatives / positives of horizon h in the training windows (clamped to
 *                [1, 100]) when class balancing is on, else 1
 *   Z[h] = prevalence[h] * wPos[h] + (1 - prevalence[h])   (1 without a known prevalence)
 *
 * Why:
 * - Only the positive term is up-weighted: a missed default (false negative) costs a lender the
 *   exposure, a false alarm costs a review. So a positive predicted at p costs wPos * -log p,
 *   more than a negative predicted at 1 - p.
 * - Nearer horizons weigh more (urgency): a default within 6 months that the model misses leaves
 *   no time to act, while a 12-month miss can still be caught at the next monthly re-score.
 * - Positives are rare (1-7 % of windows per horizon); `balance` stops the optimiser from
 *   settling on "never defaults", which already scores ~95 % plain accuracy.
 * - Z[h] is the expected weight of a window, so each horizon's term stays on the scale of a plain
 *   BCE (~0.69 at chance) whatever the weights: horizons contribute comparably, the learning
 *   rate and gradient clipping mean the same thing for any riskWeight, and batches are not
 *   renormalised by their own (noisy) positive counts.
 */
import * as tf from '@tensorflow/tfjs'

export const LOSS_EPSILON = 1e-7

export interface RiskLossOptions {
  /** Horizon lengths in months, in output column order (e.g. [6, 9, 12]). */
  horizonMonths: number[]
  /** Extra weight on missed positives of the nearest horizon (0 = plain weighted BCE). */
  riskWeight: number
  /** Positive rate of each horizon in the training windows; enables balance and Z. */
  prevalence?: number[]
  /** Weight positives by negatives / positives (needs prevalence). */
  balanceClasses?: boolean
}

export interface RiskLossWeights {
  /** Weight of a positive's log-loss per horizon. */
  positive: number[]
  /** Normaliser per horizon (expected weight of a window). */
  normaliser: number[]
  urgency: number[]
}

/** Months of a horizon name such as `risk_6m` (the first integer in it). */
export function horizonMonths(name: string): number {
  const m = /(\d+)/.exec(name)
  if (!m || Number(m[1]) <= 0) throw new Error(`cannot read a horizon length in months from '${name}' (expected e.g. risk_6m)`)
  return Number(m[1])
}

export function riskLossWeights(o: RiskLossOptions): RiskLossWeights {
  const H = o.horizonMonths.length
  if (H === 0) throw new Error('risk loss needs at least one horizon')
  if (!(o.riskWeight >= 0)) throw new Error(`riskWeight must be >= 0, got ${o.riskWeight}`)
  if (o.prevalence && o.prevalence.length !== H) throw new Error(`prevalence has ${o.prevalence.length} values for ${H} horizons`)
  const nearest = Math.min(...o.horizonMonths)
  const urgency = o.horizonMonths.map((m) => nearest / m)
  const positive: number[] = []
  const normaliser: number[] = []
  for (let h = 0; h < H; h++) {
    const pi = o.prevalence?.[h]
    const balance = o.balanceClasses && pi !== undefined && pi > 0 ? Math.min(100, Math.max(1, (1 - pi) / pi)) : 1
    const w = balance * (1 + o.riskWeight * urgency[h])
    positive.push(w)
    normaliser.push(pi === undefined ? 1 : pi * w + (1 - pi))
  }
  return { positive, normaliser, urgency }
}

/**
 * Per-element loss l[b,h] / Z[h] as a [B, H] tensor (before averaging). Exposed for tests and
 * for per-horizon loss reporting.
 */
export function riskLossElements(yTrue: tf.Tensor, yPred: tf.Tensor, w: RiskLossWeights): tf.Tensor2D {
  return tf.tidy(() => {
    const H = w.positive.length
    if (yPred.rank !== 2 || yPred.shape[1] !== H) throw new Error(`risk loss expects predictions [batch, ${H}], got [${yPred.shape.join(', ')}]`)
    const y = tf.cast(yTrue, 'float32')
    const p = tf.clipByValue(yPred, LOSS_EPSILON, 1 - LOSS_EPSILON)
    const pos = tf.mul(tf.mul(y, tf.log(p)), tf.tensor1d(w.positive))
    const neg = tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))
    return tf.div(tf.neg(tf.add(pos, neg)), tf.tensor1d(w.normaliser)) as tf.Tensor2D
  })
}

/** The backends whose tensors `fusedRiskLoss` reads without a device round trip (their data lives in this process's memory). */
const HOST_BACKENDS = new Set(['cpu', 'wasm'])

/**
 * The mean of `riskLossElements` and its gradient in one custom op, evaluated in JavaScript on
 * the [B, H] values. As tensor ops the loss is ~12 kernels forward and ~20 backward, each a few
 * hundred numbers: on cpu and wasm the engine's bookkeeping per kernel, not the arithmetic, was
 * their cost. Same formula, in float64 then rounded to float32 (the ops round every step): the two
 * agree to float32 rounding (test/unit/risk-loss.test.ts). The gradient is clipByValue's: zero
 * where p lies outside [eps, 1 - eps], bounds included as in tfjs.
 */
function fusedRiskLoss(yTrue: tf.Tensor, yPred: tf.Tensor, w: RiskLossWeights): tf.Scalar {
  const H = w.positive.length
  if (yPred.rank !== 2 || yPred.shape[1] !== H) throw new Error(`risk loss expects predictions [batch, ${H}], got [${yPred.shape.join(', ')}]`)
  tf.util.assertShapesMatch(yTrue.shape, yPred.shape, 'risk loss labels and predictions')
  const y = yTrue.dataSync()
  const lo = Math.fround(LOSS_EPSILON)
  const hi = Math.fround(1 - LOSS_EPSILON)
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const pred = args[0] as tf.Tensor
    const p = pred.dataSync()
    const n = p.length
    const grad = new Float32Array(n)
    let sum = 0
    for (let i = 0; i < n; i++) {
      const h = i % H
      const q = p[i] < lo ? lo : p[i] > hi ? hi : p[i]
      const pos = y[i] * w.positive[h]
      const neg = 1 - y[i]
      sum += -(pos * Math.log(q) + neg * Math.log(1 - q)) / w.normaliser[h]
      grad[i] = p[i] >= lo && p[i] <= hi ? (-pos / q + neg / (1 - q)) / w.normaliser[h] / n : 0
    }
    return { value: tf.scalar(sum / n), gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor(grad, pred.shape)) }
  })
  return op(yPred) as tf.Scalar
}

/** The loss as a function (yTrue, yPred) -> scalar, for the train loop: `fusedRiskLoss` on cpu and wasm, tensor ops elsewhere. */
export function riskAwareLoss(o: RiskLossOptions): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  const w = riskLossWeights(o)
  return (yTrue, yPred) => (HOST_BACKENDS.has(tf.getBackend()) ? fusedRiskLoss(yTrue, yPred, w) : tf.tidy(() => tf.mean(riskLossElements(yTrue, yPred, w)) as tf.Scalar))
}
