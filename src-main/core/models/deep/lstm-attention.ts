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
import { z } from 'zod'
import { MultiHeadSelfAttention } from './attention-layer'

export const RISK_HORIZONS = ['risk_6m', 'risk_9m', 'risk_12m'] as const

/**
 * Defaults follow the seed's model_config (window 12, 2 x 128 LSTM, 4 heads, dropout 0.3, batch
 * 64, lr 1e-3, patience 15, 5 folds) except `epochs` (30 instead of 100: early stopping ends
 * the runs here well before, and CPU/wasm training is ~10x slower than PyTorch) and the
 * optional throughput knobs (`windowStride`, `maxTrainWindows`) which default to "all windows".
 */
export const lstmAttentionParamsSchema = z
  .object({
    /** Months per window (the seed's sequence_length). */
    window: z.number().int().min(2).max(120).default(12),
    /** Target columns predicted, nearest horizon first; the first is the primary one. */
    horizons: z.array(z.string().min(1)).min(1).max(8).default([...RISK_HORIZONS]),
    lstmUnits: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([128, 128]),
    heads: z.number().int().min(1).max(16).default(4),
    keyDim: z.number().int().min(1).max(256).default(32),
    dropout: z.number().min(0).lt(1).default(0.3),
    epochs: z.number().int().min(1).max(1000).default(30),
    batchSize: z.number().int().min(1).max(4096).default(64),
    learningRate: z.number().gt(0).max(1).default(1e-3),
    /** Early-stopping patience in epochs (the seed's 15). */
    patience: z.number().int().min(1).max(1000).default(15),
    /** Reduce-LR-on-plateau: epochs without val-loss improvement before lr *= factor; null = off. */
    reduceLrPatience: z.number().int().min(1).nullable().default(5),
    reduceLrFactor: z.number().gt(0).lt(1).default(0.5),
    minLr: z.number().min(0).default(1e-5),
    /** Global gradient-norm clip. */
    clipNorm: z.number().gt(0).default(1.0),
    /** Cross-validation folds over training entities; 0 or 1 skips CV. */
    folds: z.number().int().min(0).max(20).default(5),
    /** Epoch cap for each CV fold (defaults to `epochs`). */
    cvEpochs: z.number().int().min(1).max(1000).optional(),
    /** Fraction of training entities held out for early stopping of the final model. */
    validationFraction: z.number().gt(0).lt(0.9).default(0.15),
    /** Stochastic forward passes for MC-dropout uncertainty. */
    mcSamples: z.number().int().min(2).max(500).default(30),
    /** Test windows (seeded subsample) MC-dropout runs on: N passes each cost a forward pass. 0 = all. */
    mcMaxWindows: z.number().int().min(0).default(2048),
    /** Extra weight on missed positives of the nearest horizon (see risk-loss.ts). */
    riskWeight: z.number().min(0).max(100).default(2),
    /** Also scale positives by negatives/positives of the training windows, per horizon. */
    balanceClasses: z.boolean().default(true),
    /** How the decision threshold of each horizon is picked on validation windows. */
    thresholdMetric: z.enum(['balancedAccuracy', 'f1', 'accuracy', 'fixed']).default('balancedAccuracy'),
    /** Threshold used when `thresholdMetric` is 'fixed'. */
    threshold: z.number().gt(0).lt(1).default(0.5),
    /** Keep every k-th window end within a business for training (1 = all). */
    windowStride: z.number().int().min(1).max(120).default(1),
    /** Cap on training windows per fit (random subsample by entity-seeded rng; 0 = no cap). */
    maxTrainWindows: z.number().int().min(0).default(0),
    seed: z.number().int().default(4)
  })
  .strict()
export type LstmAttentionParams = z.infer<typeof lstmAttentionParamsSchema>

export interface LstmAttentionShape {
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
    x = tf.layers
      .lstm({ units, returnSequences: true, kernelInitializer: init(i), recurrentInitializer: orth(i), name: `lstm_${i + 1}` })
      .apply(x) as tf.SymbolicTensor
    if (s.dropout > 0) x = tf.layers.dropout({ rate: s.dropout, name: `dropout_${i + 1}` }).apply(x) as tf.SymbolicTensor
  })
  x = new MultiHeadSelfAttention({
    numHeads: s.heads,
    keyDim: s.keyDim,
    dropout: s.dropout,
    seed: seed === undefined ? undefined : seed * 101 + 80,
    name: ATTENTION_LAYER_NAME
  }).apply(x) as tf.SymbolicTensor
  x = tf.layers.globalAveragePooling1d({ name: 'pool' }).apply(x) as tf.SymbolicTensor
  if (s.dropout > 0) x = tf.layers.dropout({ rate: s.dropout, name: 'dropout_head' }).apply(x) as tf.SymbolicTensor
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
