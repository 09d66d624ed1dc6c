/**
 * Why a classifier scored a window as it did: occlusion (Zeiler & Fergus, 2014). Replace one
 * feature by a baseline (its training mean: 0 after the standard scaler) over the whole window,
 * or at a single step, and see how much the score drops. Works with any model behind a
 * BatchScorer; costs 1 + features (+ length x features for the per-step map) window scores, in
 * batches.
 */
import { scoreInBatches, type BatchScorer, type WindowShape } from './batch-scorer'
import { rankDescending } from './ranking'

export interface OcclusionAttribution {
  /** The window's own score. */
  score: number
  /** score - score with feature f at the baseline over the whole window (> 0: f raised the score). */
  perFeature: Float64Array
  /** score - score with only cell (step t, feature f) at the baseline, [length, features] row-major; null when not asked for. */
  perCell: Float64Array | null
  /** Features from the largest drop down. */
  ranking: number[]
}

export interface OcclusionOptions {
  /** Also occlude each (step, feature) cell alone (default true). */
  perCell?: boolean
  batchSize?: number
}

/**
 * `window`: [length, features] row-major, in the model's units. `baseline`: one value per feature
 * (the training mean), or a whole [length, features] window to occlude with.
 */
export async function occlusionAttribution(
  scorer: BatchScorer,
  window: Float32Array,
  baseline: ArrayLike<number>,
  shape: WindowShape,
  opts: OcclusionOptions = {}
): Promise<OcclusionAttribution> {
  const { length: T, features: F } = shape
  const size = T * F
  if (window.length !== size) throw new Error(`window has ${window.length} values, a ${T} x ${F} window has ${size}`)
  if (baseline.length !== F && baseline.length !== size) {
    throw new Error(`baseline has ${baseline.length} values: give one per feature (${F}) or a whole window (${size})`)
  }
  const base = (t: number, f: number) => (baseline.length === F ? baseline[f] : baseline[t * F + f])
  const cells = opts.perCell ?? true
  // Variant 0: the window itself; 1..F: feature f occluded throughout; then cell (t, f) alone.
  const count = 1 + F + (cells ? size : 0)
  const scores = await scoreInBatches(
    scorer,
    shape,
    count,
    (from, to, out) => {
      for (let v = from; v < to; v++) {
        const o = (v - from) * size
        out.set(window, o)
        if (v === 0) continue
        if (v <= F) {
          const f = v - 1
          for (let t = 0; t < T; t++) out[o + t * F + f] = base(t, f)
        } else {
          const k = v - 1 - F
          out[o + k] = base(Math.floor(k / F), k % F)
        }
      }
    },
    opts.batchSize
  )
  const score = scores[0]
  const perFeature = Float64Array.from({ length: F }, (_, f) => score - scores[1 + f])
  const perCell = cells ? Float64Array.from({ length: size }, (_, k) => score - scores[1 + F + k]) : null
  return { score, perFeature, perCell, ranking: rankDescending(perFeature) }
}
