/**
 * Seed 004's model: LSTM encoder + multi-head self-attention + pooling + one risk head per horizon.
 *
 *   input [batch, window (12), features (20)]
 *   -> LSTM(128, returnSequences) -> Dropout -> LSTM(128, returnSequences) -> Dropout
 *   -> MultiHeadSelfAttention(4 heads x keyDim 32) -> GlobalAveragePooling1D -> Dropout
 *   -> Dense(horizons, sigmoid)                       output [batch, horizons] = P(default within h)
 *
 * The heads: one Dense(horizons.length, sigmoid) is exactly `horizons.length` independent
 * Dense(1, sigmoid) heads on the pooled features, concatenated (column j of the kernel is head j;
 * nothing is shared between columns). One [batch, 3] output was chosen over three outputs
 * because the train loop then handles a single y tensor and a single loss, and the ONNX graph
 * ends in one MatMul + Add + Sigmoid with one output `[batch, 3]` (column order = `horizons`).
 *
 * Attention has no residual connection: the seed stacks LSTM -> attention -> pooling, and
 * pooling an attention output over the window is already a learned weighting of the months.
 */
import * as tf from '@tensorflow/tfjs'
import { dropoutLayer } from './fused-dropout'
import { MultiHeadSelfAttention } from './attention-layer'
import { lstmLayer, type LstmChoice } from './sequence-lstm'

export { lstmAttentionParamsSchema, type LstmAttentionParams } from './params'


export interface LstmAttentionShape extends LstmChoice {
  window: number
  features: number
  horizons: number
  lstmUnits: number[]
  heads: number
  keyDim: number
  dropout: number
  seed?: number
}

export const ATTENTION_LAYER_NAME = 'attention'

export function buildLstmAttention(s: LstmAttentionShape): tf.LayersModel {
  const seed = s.seed
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed === undefined ? undefined : seed * 101 + k })
  const orth = (k: number) => tf.initializers.orthogonal({ seed: seed === undefined ? undefined : seed * 101 + 50 + k })
  const input = tf.input({ shape: [s.window, s.features], name: 'window' })
  let x: tf.SymbolicTensor = input
  s.lstmUnits.forEach((units, i) => {
    x = lstmLayer(s, { units, returnSequences: true, kernelInitializer: init(i), recurrentInitializer: orth(i), name: `lstm_${i + 1}` }).apply(x) as tf.SymbolicTensor
    if (s.dropout > 0) x = dropoutLayer({ rate: s.dropout, name: `dropout_${i + 1}` }).apply(x) as tf.SymbolicTensor
  })
  x = new MultiHeadSelfAttention({
    numHeads: s.heads,
    keyDim: s.keyDim,
    dropout: s.dropout,
    seed: seed === undefined ? undefined : seed * 101 + 80,
    name: ATTENTION_LAYER_NAME
  }).apply(x) as tf.SymbolicTensor
  x = tf.layers.globalAveragePooling1d({ name: 'pool' }).apply(x) as tf.SymbolicTensor
  if (s.dropout > 0) x = dropoutLayer({ rate: s.dropout, name: 'dropout_head' }).apply(x) as tf.SymbolicTensor
  const out = tf.layers
    .dense({ units: s.horizons, activation: 'sigmoid', kernelInitializer: init(90), name: 'risk_heads' })
    .apply(x) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: out, name: 'lstm_attention' })
}

/** A model from the input to the attention layer's input (for `attentionScores`). */
export function attentionInputModel(model: tf.LayersModel): { encoder: tf.LayersModel; attention: MultiHeadSelfAttention } {
  const attention = model.getLayer(ATTENTION_LAYER_NAME) as MultiHeadSelfAttention
  const encoder = tf.model({ inputs: model.inputs, outputs: attention.input as tf.SymbolicTensor })
  return { encoder, attention }
}

/** Mean attention each month receives (averaged over heads and query months): [batch, window]. */
export function monthImportance(model: tf.LayersModel, x: tf.Tensor3D): tf.Tensor2D {
  const { encoder, attention } = attentionInputModel(model)
  return tf.tidy(() => {
    const h = encoder.predict(x) as tf.Tensor3D
    return tf.mean(attention.attentionScores(h), [1, 2]) as tf.Tensor2D
  })
}
