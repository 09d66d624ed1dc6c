/**
 * Isolation Forest -> ONNX (DESIGN.md section 6, checked against ONNX Runtime 1.30).
 *
 *   input  [N, F] RAW features (float32)
 *   -> scaler folded: Cast(double) - Sub(mean) - Div(scale) - Cast(float)   (see scaler.ts)
 *   -> ONE ai.onnx.ml TreeEnsembleRegressor, aggregate SUM, trees told apart by nodes_treeids,
 *      leaf value = depth + c(leaf size)                                    -> path-length sum [N, 1]
 *   -> Div(n_trees * c(psi)) -> Neg -> Pow(2, .)                           -> score [N, 1] in (0, 1]
 *   -> optional `label` [N, 1] float: 1 where score >= threshold
 *
 * Our trees send `x < threshold` left: BRANCH_LT with the left child as the true branch matches it
 * exactly (thresholds are float32 already, the comparison ORT makes). NaN: `NaN < t` is false in
 * both, so both go right (nodes_missing_value_tracks_true = 0).
 * `nodes_hitrates` must be floats (ORT rejects ints there).
 */
import { averagePathLength, type IsolationForestModel } from '../../models/iforest'
import { readForest } from '../../models/iforest-codec'
import { DataType, GraphBuilder, ML_DOMAIN, attr } from './graph'
import { foldScaler, type ScalerLike } from './scaler'

export interface IForestExportOptions {
  /** Also output `label` = (score >= threshold) as float; threshold defaults to the model's. */
  labelOutput?: boolean
  threshold?: number
  /** Written to the model's metadata_props (threshold, feature names ... as strings). */
  metadata?: Record<string, string>
  producerVersion?: string
}

/** The TreeEnsembleRegressor attributes of a forest (one ensemble holding every tree). */
export function treeEnsembleAttributes(model: IsolationForestModel) {
  const treeIds: number[] = []
  const nodeIds: number[] = []
  const featureIds: number[] = []
  const values: number[] = []
  const modes: string[] = []
  const trueIds: number[] = []
  const falseIds: number[] = []
  const targetTree: number[] = []
  const targetNode: number[] = []
  const targetWeight: number[] = []
  model.trees.forEach((tree, t) => {
    const n = tree.left.length
    for (let i = 0; i < n; i++) {
      treeIds.push(t)
      nodeIds.push(i)
      const leaf = tree.left[i] < 0
      if (leaf) {
        // A single-node tree (root is a leaf) is just this: one LEAF node with its value.
        featureIds.push(0)
        values.push(0)
        modes.push('LEAF')
        trueIds.push(0)
        falseIds.push(0)
        targetTree.push(t)
        targetNode.push(i)
        // c(size) extends a path ending in a leaf that still holds several training points.
        targetWeight.push(tree.depth[i] + averagePathLength(tree.size[i]))
      } else {
        featureIds.push(tree.feature[i])
        values.push(tree.threshold[i])
        modes.push('BRANCH_LT')
        trueIds.push(tree.left[i])
        falseIds.push(tree.right[i])
      }
    }
  })
  return {
    aggregate_function: attr.string('SUM'),
    n_targets: attr.int(1),
    post_transform: attr.string('NONE'),
    nodes_treeids: attr.ints(treeIds),
    nodes_nodeids: attr.ints(nodeIds),
    nodes_featureids: attr.ints(featureIds),
    nodes_values: attr.floats(values),
    nodes_modes: attr.strings(modes),
    nodes_truenodeids: attr.ints(trueIds),
    nodes_falsenodeids: attr.ints(falseIds),
    nodes_hitrates: attr.floats(new Float32Array(treeIds.length).fill(1)),
    nodes_missing_value_tracks_true: attr.ints(new Int32Array(treeIds.length)),
    target_ids: attr.ints(new Int32Array(targetTree.length)),
    target_treeids: attr.ints(targetTree),
    target_nodeids: attr.ints(targetNode),
    target_weights: attr.floats(targetWeight)
  }
}

/**
 * `modelJson`: the forest as stored in a run (`results.model.forest`: compact or JSON, see
 * iforest-codec.ts `readForest`) or an IsolationForestModel. `scaler`: the run's StandardScaler (the forest was fitted on scaled rows).
 */
export function exportIsolationForest(modelJson: unknown, scaler: ScalerLike, opts: IForestExportOptions = {}): Uint8Array {
  const model = readForest(modelJson)
  const F = model.nFeatures
  if (model.trees.length === 0) throw new Error('the forest has no trees')
  const g = new GraphBuilder({ graphName: 'isolation_forest', producerVersion: opts.producerVersion })
  const x = g.addInput('input', DataType.FLOAT, ['batch', F])
  const scaled = foldScaler(g, x, scaler)
  const pathSum = g.node('TreeEnsembleRegressor', [scaled], treeEnsembleAttributes(model), { domain: ML_DOMAIN, name: 'path_length_sum' })
  // onnx's shape inference has no type for this v1 ml op's output: declare it (strict checkers).
  g.annotate(pathSum, DataType.FLOAT, ['batch', 1])
  // E[h(x)] / c(psi) = sum / (n_trees * c(psi)); score = 2^(-that), as scoreSamples computes it.
  const norm = model.trees.length * averagePathLength(model.psi)
  const ratio = g.node('Div', [pathSum, g.scalar('norm', norm)])
  const score = g.node('Pow', [g.scalar('two', 2), g.node('Neg', [ratio])], {}, { name: 'score_value' })
  g.addOutput('score', score, DataType.FLOAT, ['batch', 1])
  const threshold = opts.threshold ?? model.threshold
  if (opts.labelOutput) {
    const flag = g.node('GreaterOrEqual', [score, g.scalar('threshold', threshold)])
    g.addOutput('label', g.node('Cast', [flag], { to: DataType.FLOAT }), DataType.FLOAT, ['batch', 1])
  }
  g.setMetadata('model_kind', 'iforest')
  g.setMetadata('threshold', String(threshold))
  g.setMetadata('n_trees', String(model.trees.length))
  g.setMetadata('max_samples', String(model.psi))
  for (const [k, v] of Object.entries(opts.metadata ?? {})) g.setMetadata(k, v)
  return g.encode()
}
