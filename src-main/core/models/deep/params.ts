/**
 * The deep models' params schemas, free of TensorFlow.js: specs are validated wherever they are
 * read (the host, the CLI, the UI's front doors) and loading tfjs there would cost half a second
 * for nothing. The model modules re-export them.
 */
import { z } from 'zod'
import { detectorParams } from '../../eval/detector-rules'

const labelRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('any') }).strict(),
  z.object({ kind: z.literal('last') }).strict(),
  z.object({ kind: z.literal('fraction'), min: z.number().gt(0).max(1) }).strict()
])

/** Training options every deep model shares (the attention model may reuse this block). */
export const deepTrainingParams = {
  epochs: z.number().int().min(1).max(1000).default(20),
  batchSize: z.number().int().min(1).max(4096).default(128),
  learningRate: z.number().gt(0).max(1).default(1e-3),
  /** Gradient clipping by global norm; null = off. */
  clipNorm: z.number().gt(0).nullable().default(null),
  /** Epochs without val-loss improvement before stopping (best weights are restored); null = off. */
  earlyStoppingPatience: z.number().int().min(1).nullable().default(5),
  /** Reduce-LR-on-plateau: epochs without improvement, factor, floor; patience null = off. */
  reduceLrPatience: z.number().int().min(1).nullable().default(3),
  reduceLrFactor: z.number().gt(0).lt(1).default(0.5),
  minLr: z.number().min(0).default(1e-6),
  /** Seeds weight initialisation and the shuffle order. */
  seed: z.number().int().default(42)
}
/** The values of `deepTrainingParams` once a model's params are parsed. */
export type DeepTrainingParams = z.output<z.ZodObject<typeof deepTrainingParams>>

/** LSTM options every LSTM model shares (sequence-lstm.ts). */
const lstmParams = {
  /**
   * The gates' activation: tfjs's default 'hard_sigmoid' (clip(0.2 x + 0.5, 0, 1), what every run
   * before this option used) or the standard 'sigmoid' (Keras 2.x+ and PyTorch). ONNX export emits either.
   */
  recurrentActivation: z.enum(['hard_sigmoid', 'sigmoid']).default('hard_sigmoid'),
  /**
   * The sequence-level LSTM (one input-projection matmul for all steps, fused gates, hand-written
   * backward through time); false: tfjs's per-time-step LSTM layer. The same function and weights,
   * equal to float32 rounding (test/unit/lstm-sequence.test.ts); the sequence path is the faster.
   */
  fusedLstm: z.boolean().default(true)
}

/** Window options every windowed model shares. */
export const windowParams = {
  /** Window length in rows (seed 000: 60 minutes). */
  window: z.number().int().min(2).max(1000).default(60),
  /** Stride between scored windows (validation and test); 1 = every window. */
  stride: z.number().int().min(1).default(1),
  /** Stride between training windows: > 1 subsamples the (heavily overlapping) train windows. */
  trainStride: z.number().int().min(1).default(1),
  /** How a window's label follows from its points' labels. */
  labelRule: labelRuleSchema.default({ kind: 'any' })
}

export const lstmClassifierParamsSchema = z
  .object({
    ...windowParams,
    /** LSTM layer sizes; every layer but the last returns sequences. */
    units: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([128, 64]),
    ...lstmParams,
    /** Dropout after each LSTM layer. */
    dropout: z.number().min(0).lt(1).default(0.3),
    /** BatchNormalization after each LSTM's dropout. */
    batchNorm: z.boolean().default(true),
    /** Hidden dense layer size (0 = none). */
    denseUnits: z.number().int().min(0).max(1024).default(32),
    denseDropout: z.number().min(0).lt(1).default(0.2),
    /** Loss weights per class: 'balanced' = n / (2 n_c) as sklearn computes them; null = none. */
    classWeight: z
      .union([z.literal('balanced'), z.object({ '0': z.number().gt(0), '1': z.number().gt(0) }).strict()])
      .nullable()
      .default(null),
    /** Decision threshold on the probability: fixed, or the validation F1 maximiser. */
    threshold: z.union([z.number().gt(0).lt(1), z.literal('best-f1')]).default(0.5),
    ...deepTrainingParams
  })
  .strict()
export type LstmClassifierParams = z.infer<typeof lstmClassifierParamsSchema>


export const lstmAutoencoderParamsSchema = z
  .object({
    ...windowParams,
    /** Encoder LSTM sizes (the decoder mirrors them); the last is the bottleneck. */
    units: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([128, 64, 32]),
    ...lstmParams,
    /** Overrides the last encoder size (seed 003's `--encoding-dim`). */
    encodingDim: z.number().int().min(1).max(1024).optional(),
    /** Dropout after every LSTM but the bottleneck (seed 001: 0.2). */
    dropout: z.number().min(0).lt(1).default(0.2),
    /** Threshold = this percentile of the normal validation windows' reconstruction error (the default rule). */
    thresholdPercentile: z.number().gt(0).lt(100).default(95),
    // Seed 001 trains on normal windows; `unsupervised` trains on all of them (labels unused).
    ...detectorParams('normal-only'),
    ...deepTrainingParams,
    batchSize: z.number().int().min(1).max(4096).default(64),
    epochs: z.number().int().min(1).max(1000).default(50)
  })
  .strict()
export type LstmAutoencoderParams = z.infer<typeof lstmAutoencoderParamsSchema>


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
    ...lstmParams,
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


/** Validated, defaulted params of a model kind; the error names every bad field. */
export function parseModelParams<S extends z.ZodType>(kind: string, schema: S, params: unknown): z.output<S> {
  const r = schema.safeParse(params ?? {})
  if (!r.success) throw new Error(`invalid ${kind} params: ${r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`)
  return r.data
}
