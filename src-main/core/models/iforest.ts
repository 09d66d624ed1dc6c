/**
 * Isolation Forest (Liu, Ting & Zhou, ICDM 2008) over row-major Float32 matrices, following
 * scikit-learn's IsolationForest where the paper leaves a choice open (max_samples 'auto',
 * max_features, bootstrap, contamination -> threshold).
 *
 * Trees are flat typed arrays (one slot per node) so that scoring is a tight loop and the ONNX
 * exporter can emit TreeEnsembleRegressor nodes directly: split rule `x < threshold` goes left
 * (BRANCH_LT), leaves have left = right = -1 and value depth + c(size).
 */

import { detectorParams, quantile } from '../eval/detector-rules'
import { z } from 'zod'
import { CancelledError } from '../cancelled'
import { createRng, type Rng } from '../data/rng'
import type { Matrix } from '../data/matrix'

const EULER_GAMMA = 0.5772156649

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n points,
 * used both to normalise scores and to extend a path that ends in a leaf holding several points.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0
  if (n === 2) return 1
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n
}

/**
 * A fraction in (0, 1] or an integer count > 1. Plain JS numbers cannot tell 1 from 1.0, so 1
 * always means "all of them" (sklearn's float 1.0); a count of one is not useful to either knob.
 */
function fractionOrCount(what: string) {
  return z
    .number({ error: `${what} must be a number or 'auto'` })
    .positive({ error: `${what} must be > 0` })
    .refine((v) => v <= 1 || Number.isInteger(v), {
      error: `${what} must be a fraction in (0, 1] or an integer count > 1`
    })
}

/** What the forest itself is made of (what the model stores and the exporter reads). */
export const forestParamsSchema = z
  .object({
    nEstimators: z.number().int().min(1).max(100_000).default(100).describe('Trees in the forest (sklearn n_estimators).'),
    maxSamples: z
      .union([z.literal('auto'), fractionOrCount('maxSamples')])
      .default('auto')
      .describe("Rows each tree is grown on: 'auto' = min(256, rows), a fraction of the rows, or a count."),
    contamination: z
      .union([
        z.literal('auto'),
        z
          .number()
          .gt(0, { error: 'contamination must be > 0' })
          .lte(0.5, { error: 'contamination must be <= 0.5' })
      ])
      .default('auto')
      .describe("Expected share of anomalies; sets the default threshold ('auto': sklearn's offset, score 0.5)."),
    maxFeatures: fractionOrCount('maxFeatures').default(1).describe('Features each tree may split on: a fraction of them, or a count.'),
    bootstrap: z.boolean().default(false).describe("Draw each tree's rows with replacement."),
    seed: z.number().int().default(0).describe('Seeds the subsampling and the random splits.')
  })
  .strict()

/**
 * A trial's params: the forest's, and how it decides. The forest is unsupervised by nature: it
 * fits every training row unless told to drop the labelled ones; its default threshold comes from
 * `contamination`.
 */
export const iforestParamsSchema = forestParamsSchema.extend(detectorParams('unsupervised')).strict()

/** The forest's params, resolved with defaults (what a fitted model records). */
export type IForestParams = z.output<typeof forestParamsSchema>

export interface IsolationTree {
  /** Features this tree may split on (sklearn's per-estimator feature subset). */
  features: Int32Array
  /** Split feature per node, -1 at leaves. */
  feature: Int32Array
  /** Split threshold per node (`x < threshold` goes left), 0 at leaves. */
  threshold: Float32Array
  left: Int32Array
  right: Int32Array
  /** Training samples that reached the node. */
  size: Int32Array
  depth: Int32Array
}

export interface IsolationForestModel {
  kind: 'iforest'
  params: IForestParams
  nFeatures: number
  /** The subsample size each tree was grown on (after resolving maxSamples against n). */
  psi: number
  /** Features each tree could split on (after resolving maxFeatures). */
  maxFeaturesUsed: number
  heightLimit: number
  /** Scores >= threshold are flagged anomalous. */
  threshold: number
  trees: IsolationTree[]
}

/** A forest's fields beside its trees: what every stored form (JSON, compact) carries as is. */
export type ForestHeader = Pick<IsolationForestModel, 'params' | 'nFeatures' | 'psi' | 'maxFeaturesUsed' | 'heightLimit' | 'threshold'>

export function forestHeader(f: ForestHeader): ForestHeader {
  return { params: { ...f.params }, nFeatures: f.nFeatures, psi: f.psi, maxFeaturesUsed: f.maxFeaturesUsed, heightLimit: f.heightLimit, threshold: f.threshold }
}

export function resolveMaxSamples(maxSamples: IForestParams['maxSamples'], n: number): number {
  let psi: number
  if (maxSamples === 'auto') psi = Math.min(256, n)
  else if (maxSamples <= 1) psi = Math.floor(maxSamples * n)
  else psi = Math.min(maxSamples, n) // sklearn warns and uses n
  if (psi < 2) throw new Error(`maxSamples=${maxSamples} resolves to ${psi} of ${n} rows; need at least 2`)
  return psi
}

export function resolveMaxFeatures(maxFeatures: number, nFeatures: number): number {
  if (maxFeatures <= 1) return Math.max(1, Math.floor(maxFeatures * nFeatures))
  if (maxFeatures > nFeatures) {
    throw new Error(`maxFeatures=${maxFeatures} exceeds the ${nFeatures} features of the data`)
  }
  return maxFeatures
}

/**
 * The score above which a `contamination` fraction of `scores` lies: the (1 - contamination)
 * quantile with numpy's linear interpolation, which is what sklearn's offset_ amounts to.
 */
export function contaminationThreshold(scores: ArrayLike<number>, contamination: number): number {
  if (scores.length === 0) throw new Error('no scores to take a contamination threshold from')
  return quantile(scores, 1 - contamination)
}

function buildTree(
  X: Float32Array,
  cols: number,
  idx: Int32Array,
  features: Int32Array,
  heightLimit: number,
  rng: Rng
): IsolationTree {
  const psi = idx.length
  const cap = 2 * psi - 1
  const feature = new Int32Array(cap).fill(-1)
  const threshold = new Float32Array(cap)
  const left = new Int32Array(cap).fill(-1)
  const right = new Int32Array(cap).fill(-1)
  const size = new Int32Array(cap)
  const depth = new Int32Array(cap)
  const order = Int32Array.from(features)
  const nf = order.length

  // Explicit stack of (node, start, end) ranges into idx, partitioned in place.
  const stack: number[] = [0, 0, psi]
  let nodes = 1
  while (stack.length > 0) {
    const end = stack.pop() as number
    const start = stack.pop() as number
    const node = stack.pop() as number
    const count = end - start
    size[node] = count
    if (depth[node] >= heightLimit || count <= 1) continue

    // Draw features without replacement until one is not constant on this node (as sklearn's
    // random splitter does); if all are constant the node cannot be split and stays a leaf.
    let f = -1
    let lo = 0
    let hi = 0
    for (let k = 0; k < nf; k++) {
      const j = k + Math.floor(rng.uniform() * (nf - k))
      const cand = order[j]
      order[j] = order[k]
      order[k] = cand
      let mn = Infinity
      let mx = -Infinity
      for (let s = start; s < end; s++) {
        const v = X[idx[s] * cols + cand]
        if (v < mn) mn = v
        if (v > mx) mx = v
      }
      if (mx > mn) {
        f = cand
        lo = mn
        hi = mx
        break
      }
    }
    if (f < 0) continue

    // Threshold in (lo, hi] as a float32, so both children get at least one sample under
    // `x < t` and the comparison is the same one ONNX Runtime makes in float32.
    let t = Math.fround(lo + rng.uniform() * (hi - lo))
    if (!(t > lo)) t = hi

    let i = start
    let j = end - 1
    while (i <= j) {
      if (X[idx[i] * cols + f] < t) i++
      else {
        const tmp = idx[i]
        idx[i] = idx[j]
        idx[j] = tmp
        j--
      }
    }
    const l = nodes++
    const r = nodes++
    feature[node] = f
    threshold[node] = t
    left[node] = l
    right[node] = r
    depth[l] = depth[node] + 1
    depth[r] = depth[node] + 1
    stack.push(r, i, end, l, start, i)
  }

  return {
    features: Int32Array.from(features).sort(),
    feature: feature.slice(0, nodes),
    threshold: threshold.slice(0, nodes),
    left: left.slice(0, nodes),
    right: right.slice(0, nodes),
    size: size.slice(0, nodes),
    depth: depth.slice(0, nodes)
  }
}

export function fitIsolationForest(
  X: Matrix,
  params: unknown,
  onProgress?: (treesDone: number, total: number) => void,
  shouldStop?: () => boolean
): IsolationForestModel {
  // A trial's params also say how it decides; the forest keeps only what it is made of.
  const { trainingMode: _mode, thresholdRule: _rule, postprocess: _post, ...p } = iforestParamsSchema.parse(params ?? {})
  const { rows: n, cols: d, data } = X
  if (n < 2) throw new Error(`isolation forest needs at least 2 rows, got ${n}`)
  if (d < 1) throw new Error('isolation forest needs at least 1 feature')
  const psi = resolveMaxSamples(p.maxSamples, n)
  const kFeatures = resolveMaxFeatures(p.maxFeatures, d)
  const heightLimit = Math.ceil(Math.log2(Math.max(psi, 2)))

  // One seed per tree drawn up front: tree t depends only on (seed, t), which keeps results
  // identical if trees are ever built in parallel or in chunks.
  const master = createRng(p.seed)
  const treeSeeds = new Uint32Array(p.nEstimators)
  for (let t = 0; t < p.nEstimators; t++) treeSeeds[t] = Math.floor(master.uniform() * 4294967296)

  const trees: IsolationTree[] = []
  for (let t = 0; t < p.nEstimators; t++) {
    if (shouldStop?.()) throw new CancelledError(`isolation forest cancelled after ${t} trees`)
    const rng = createRng(treeSeeds[t])
    const features =
      kFeatures === d
        ? Int32Array.from({ length: d }, (_, j) => j)
        : rng.sampleWithoutReplacement(d, kFeatures)
    let idx: Int32Array
    if (p.bootstrap) {
      idx = new Int32Array(psi)
      for (let s = 0; s < psi; s++) idx[s] = Math.floor(rng.uniform() * n)
    } else {
      idx = rng.sampleWithoutReplacement(n, psi)
    }
    trees.push(buildTree(data, d, idx, features, heightLimit, rng))
    onProgress?.(t + 1, p.nEstimators)
  }

  const model: IsolationForestModel = {
    kind: 'iforest',
    params: p,
    nFeatures: d,
    psi,
    maxFeaturesUsed: kFeatures,
    heightLimit,
    threshold: 0.5,
    trees
  }
  if (p.contamination !== 'auto') {
    model.threshold = contaminationThreshold(scoreSamples(model, X), p.contamination)
  }
  return model
}

/** Per-leaf path length depth + c(size); internal nodes get 0 (never read). */
export function leafValues(tree: IsolationTree): Float64Array {
  const v = new Float64Array(tree.left.length)
  for (let i = 0; i < v.length; i++) {
    if (tree.left[i] < 0) v[i] = tree.depth[i] + averagePathLength(tree.size[i])
  }
  return v
}

/** True when every split node's right child directly follows its left child (and leaves have feature -1). */
function siblingsAdjacent(tree: IsolationTree): boolean {
  const { feature, left, right } = tree
  for (let i = 0; i < left.length; i++) {
    if (left[i] >= 0 ? right[i] !== left[i] + 1 || feature[i] < 0 : feature[i] >= 0) return false
  }
  return true
}

/** Anomaly score 2^(-E[h(x)] / c(psi)) per row, in (0, 1]; higher is more anomalous. */
export function scoreSamples(model: IsolationForestModel, X: Matrix): Float64Array {
  if (X.cols !== model.nFeatures) {
    throw new Error(`model was trained on ${model.nFeatures} features, got ${X.cols}`)
  }
  const { rows, cols, data } = X
  const total = new Float64Array(rows)
  for (let t = 0; t < model.trees.length; t++) {
    const tree = model.trees[t]
    const { feature, threshold, left, right } = tree
    const value = leafValues(tree)
    if (siblingsAdjacent(tree)) {
      // right = left + 1 (as buildTree lays nodes out): the comparison becomes an index offset,
      // one array load fewer per step. Imported trees laid out otherwise take the general walk.
      for (let i = 0; i < rows; i++) {
        const base = i * cols
        let node = 0
        let f = feature[0]
        while (f >= 0) {
          node = left[node] + (data[base + f] < threshold[node] ? 0 : 1)
          f = feature[node]
        }
        total[i] += value[node]
      }
    } else {
      for (let i = 0; i < rows; i++) {
        const base = i * cols
        let node = 0
        let l = left[0]
        while (l >= 0) {
          node = data[base + feature[node]] < threshold[node] ? l : right[node]
          l = left[node]
        }
        total[i] += value[node]
      }
    }
  }
  const norm = model.trees.length * averagePathLength(model.psi)
  for (let i = 0; i < rows; i++) total[i] = Math.pow(2, -total[i] / norm)
  return total
}

// --- serialisation -----------------------------------------------------------------------------

const treeJsonSchema = z.object({
  features: z.array(z.number().int()),
  feature: z.array(z.number().int()),
  threshold: z.array(z.number()),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  size: z.array(z.number().int()),
  depth: z.array(z.number().int())
})

/** What a stored forest says besides its trees (every storage format: see also iforest-codec.ts). */
export const forestHeaderSchema = z.object({
  params: forestParamsSchema,
  nFeatures: z.number().int().positive(),
  psi: z.number().int().min(2),
  maxFeaturesUsed: z.number().int().positive(),
  heightLimit: z.number().int().min(0),
  threshold: z.number()
})

const modelJsonSchema = forestHeaderSchema.extend({
  format: z.literal('workbench-iforest/1'),
  kind: z.literal('iforest'),
  trees: z.array(treeJsonSchema)
})

export type IsolationForestJSON = z.infer<typeof modelJsonSchema>

/** Plain JSON (number arrays). Float32 thresholds print exactly as doubles, so this round-trips. */
export function toJSON(model: IsolationForestModel): IsolationForestJSON {
  return {
    format: 'workbench-iforest/1',
    kind: 'iforest',
    ...forestHeader(model),
    trees: model.trees.map((t) => ({
      features: Array.from(t.features),
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold),
      left: Array.from(t.left),
      right: Array.from(t.right),
      size: Array.from(t.size),
      depth: Array.from(t.depth)
    }))
  }
}

export function fromJSON(json: unknown): IsolationForestModel {
  const j = modelJsonSchema.parse(json)
  const trees = j.trees.map((t, k) => {
    const n = t.feature.length
    for (const [name, arr] of Object.entries(t)) {
      if (name !== 'features' && arr.length !== n) {
        throw new Error(`tree ${k}: '${name}' has ${arr.length} nodes, 'feature' has ${n}`)
      }
    }
    return {
      features: Int32Array.from(t.features),
      feature: Int32Array.from(t.feature),
      threshold: Float32Array.from(t.threshold),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      size: Int32Array.from(t.size),
      depth: Int32Array.from(t.depth)
    }
  })
  return {
    kind: 'iforest',
    ...forestHeader(j),
    trees
  }
}
