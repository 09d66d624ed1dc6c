/**
 * Why an Isolation Forest scored a row as it did, per feature, read from the trees.
 *
 * Path-length attribution, in the family of DIFFI (Carletti et al., "Interpretable anomaly
 * detection with DIFFI: depth-based feature importance of Isolation Forest", 2023), which credits
 * the features split on along a row's path with weights that grow the earlier the path isolates
 * it. Here the weight of each split is the path length it saved: a node holding n training
 * samples leaves an expected c(n) steps to isolate a point (c as in iforest.ts), so a split that
 * sends the row to a child holding m samples saves c(n) - 1 - c(m) steps — much when the row is
 * cut off from most samples at once, about 0.4 for an even split, below 0 when the row goes with
 * nearly all of them. Per tree the savings telescope to c(ψ) - h(x), h(x) = leaf depth + c(leaf
 * size) being the path length the score uses, so over the forest
 *
 *   Σ_f attribution_f = c(ψ) - E[h(x)]   and   score = 2^(-1 + Σ_f attribution_f / c(ψ)):
 *
 * the attributions split the score's exponent exactly among the features (positive: pushed the
 * row towards anomalous). Unlike DIFFI's plain depth weights they need no separate inlier /
 * outlier pass and they add up to the score. A row pushed out of range in one feature credits
 * that feature first (a test checks every feature); a row unusual in two shares the credit.
 */
import { averagePathLength, type IsolationForestModel, type IsolationTree } from '../../models/iforest'
import type { Matrix } from '../../data/matrix'

export interface PathAttribution {
  /** Mean over trees of the path length saved by splits on each feature (length nFeatures). */
  perFeature: Float64Array
  /** c(ψ) - E[h(x)] = Σ perFeature: above 0 for rows isolated faster than an average point. */
  total: number
  /** The forest's score of the row, 2^(-1 + total / c(ψ)). */
  score: number
}

export interface ForestImportance {
  /** Mean over rows of |attribution| per feature. */
  meanAbs: Float64Array
  /** Mean over rows of the signed attribution per feature. */
  mean: Float64Array
  rows: number
}

/** Per node (not the root): c(parent size) - 1 - c(node size). Cached per tree object. */
const savingsCache = new WeakMap<IsolationTree, Float64Array>()

function savingsOf(tree: IsolationTree): Float64Array {
  let s = savingsCache.get(tree)
  if (s) return s
  s = new Float64Array(tree.left.length)
  for (let node = 0; node < tree.left.length; node++) {
    const l = tree.left[node]
    if (l < 0) continue
    const c = averagePathLength(tree.size[node]) - 1
    s[l] = c - averagePathLength(tree.size[l])
    s[tree.right[node]] = c - averagePathLength(tree.size[tree.right[node]])
  }
  savingsCache.set(tree, s)
  return s
}

/** Adds row `data[base .. base + nFeatures)`'s per-feature savings, summed over trees, into `out`. */
function accumulate(model: IsolationForestModel, data: Float32Array, base: number, out: Float64Array): void {
  for (const tree of model.trees) {
    const { feature, threshold, left, right } = tree
    const savings = savingsOf(tree)
    let node = 0
    while (left[node] >= 0) {
      const f = feature[node]
      // The split rule of iforest.ts: x < threshold goes left.
      const next = data[base + f] < threshold[node] ? left[node] : right[node]
      out[f] += savings[next]
      node = next
    }
  }
}

export function iforestPathAttribution(model: IsolationForestModel, row: ArrayLike<number>): PathAttribution {
  if (row.length !== model.nFeatures) throw new Error(`model was trained on ${model.nFeatures} features, got a row of ${row.length}`)
  const perFeature = new Float64Array(model.nFeatures)
  // As float32, the values scoreSamples compares against the float32 thresholds.
  accumulate(model, Float32Array.from(row), 0, perFeature)
  let total = 0
  for (let f = 0; f < perFeature.length; f++) {
    perFeature[f] /= model.trees.length
    total += perFeature[f]
  }
  return { perFeature, total, score: Math.pow(2, -1 + total / averagePathLength(model.psi)) }
}

/**
 * Global importance over `rows` (e.g. the validation split): the mean absolute attribution per
 * feature (how much each feature moves scores either way) and the mean signed one.
 */
export function iforestFeatureImportance(model: IsolationForestModel, rows: Matrix): ForestImportance {
  if (rows.cols !== model.nFeatures) throw new Error(`model was trained on ${model.nFeatures} features, got ${rows.cols}`)
  const d = model.nFeatures
  const meanAbs = new Float64Array(d)
  const mean = new Float64Array(d)
  const one = new Float64Array(d)
  const scale = rows.rows * model.trees.length
  for (let i = 0; i < rows.rows; i++) {
    one.fill(0)
    accumulate(model, rows.data, i * d, one)
    for (let f = 0; f < d; f++) {
      meanAbs[f] += Math.abs(one[f]) / scale
      mean[f] += one[f] / scale
    }
  }
  return { meanAbs, mean, rows: rows.rows }
}
