/**
 * Why an autoencoder flagged a window: which features it failed to reconstruct, and where.
 *
 * The window's error is the mean over steps and features of the squared difference (what
 * lstm-autoencoder.ts's windowErrors computes and the score maps from), so the per-feature means
 * below average back to it exactly: each feature's share of the evidence.
 */
import { rankDescending } from './ranking'

export interface ReconstructionErrors {
  /** Mean over steps of the squared error, per feature. */
  perFeature: Float64Array
  /** Squared error per step and feature, [window, features] row-major (for a heat strip under the chart). */
  perStep: Float64Array
  /** The window's reconstruction error: the mean of perFeature. */
  error: number
  /** Each feature's share of the error (sums to 1; all 0 for a perfect reconstruction). */
  share: Float64Array
  /** Features from the largest error down. */
  ranking: number[]
}

/**
 * `input` and `reconstruction` are one window each, [window, features] row-major (the layout
 * fillBatch writes and the model returns), in the model's (scaled) units.
 */
export function autoencoderFeatureErrors(input: ArrayLike<number>, reconstruction: ArrayLike<number>, window: number, features: number): ReconstructionErrors {
  if (!Number.isInteger(window) || window < 1 || !Number.isInteger(features) || features < 1) {
    throw new Error(`window and features must be positive integers, got ${window} x ${features}`)
  }
  const n = window * features
  if (input.length !== n) throw new Error(`input has ${input.length} values, a ${window} x ${features} window has ${n}`)
  if (reconstruction.length !== n) throw new Error(`reconstruction has ${reconstruction.length} values, a ${window} x ${features} window has ${n}`)
  const perStep = new Float64Array(n)
  const perFeature = new Float64Array(features)
  for (let t = 0; t < window; t++) {
    for (let f = 0; f < features; f++) {
      const k = t * features + f
      const d = input[k] - reconstruction[k]
      perStep[k] = d * d
      perFeature[f] += d * d
    }
  }
  let sum = 0
  for (let f = 0; f < features; f++) {
    sum += perFeature[f]
    perFeature[f] /= window
  }
  const share = perFeature.map((v) => (sum > 0 ? (v * window) / sum : 0))
  return { perFeature, perStep, error: sum / n, share, ranking: rankDescending(perFeature) }
}
