/**
 * Global feature importance of any model by permutation (Breiman, 2001; sklearn's
 * permutation_importance): shuffle one feature across the windows of a split (the validation
 * one: never the split the numbers are reported on), rescore, and measure how much a ranking
 * metric drops. For windows a feature is permuted as a whole sub-sequence: window i gets window
 * π(i)'s series of that feature, so its shape over time stays realistic and only its link to the
 * other features and to the label is broken.
 *
 * Cost: (1 + features x repeats) passes over the windows, in batches (nothing but one batch is
 * materialised, as in windows.ts).
 */
import type { Rng } from '../../data/rng'
import { fillBatchIndexed } from '../../data/windows'
import type { Scores } from '../metrics'
import type { WindowSet } from '../../models/deep/deep-trial'
import { scoreInBatches, type BatchScorer } from './batch-scorer'
import { rankDescending } from './ranking'

export interface PermutationImportance {
  /** The metric on the windows as they are. */
  baseline: number
  /** Mean over repeats of (baseline - metric with the feature permuted): > 0 means the model relies on it. */
  importance: Float64Array
  /** Standard deviation over repeats (population, as sklearn's importances_std). */
  std: Float64Array
  repeats: number
  /** Features from the most important down. */
  ranking: number[]
}

export interface PermutationOptions {
  /** Shuffles per feature (default 5, sklearn's n_repeats). */
  repeats?: number
  batchSize?: number
}

/**
 * `windows`: the split's scaled columns and window starts (a deep trainer's WindowSet; for row
 * models, length 1 and one start per row). `metric(labels, scores)`: higher is better, e.g.
 * metrics.ts's rocAuc or averagePrecision.
 */
export async function permutationImportance(
  scorer: BatchScorer,
  windows: Pick<WindowSet, 'columns' | 'starts' | 'length'>,
  labels: Uint8Array,
  metric: (labels: Uint8Array, scores: Scores) => number,
  rng: Rng,
  opts: PermutationOptions = {}
): Promise<PermutationImportance> {
  const { columns, starts, length: L } = windows
  const F = columns.length
  const n = starts.length
  const repeats = opts.repeats ?? 5
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${repeats}`)
  if (labels.length !== n) throw new Error(`permutation importance: ${n} windows but ${labels.length} labels`)
  const shape = { length: L, features: F }
  const identity = Int32Array.from({ length: n }, (_, i) => i)

  const scoreWith = (feature: number, perm: Int32Array | null) =>
    scoreInBatches(
      scorer,
      shape,
      n,
      (from, to, out) => {
        fillBatchIndexed(columns, starts, identity, from, to, L, out)
        if (!perm) return
        const col = columns[feature]
        for (let i = from; i < to; i++) {
          const src = starts[perm[i]]
          const o = (i - from) * L * F + feature
          for (let t = 0; t < L; t++) out[o + t * F] = col[src + t]
        }
      },
      opts.batchSize
    )

  const baseline = metric(labels, await scoreWith(-1, null))
  if (!Number.isFinite(baseline)) throw new Error(`the metric is ${baseline} on these windows (a single class?): nothing to measure a drop from`)
  const importance = new Float64Array(F)
  const std = new Float64Array(F)
  const order = Array.from(identity)
  for (let f = 0; f < F; f++) {
    const drops: number[] = []
    for (let r = 0; r < repeats; r++) {
      const perm = Int32Array.from(rng.shuffle(order))
      drops.push(baseline - metric(labels, await scoreWith(f, perm)))
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats
    importance[f] = mean
    std[f] = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats)
  }
  return { baseline, importance, std, repeats, ranking: rankDescending(importance) }
}
