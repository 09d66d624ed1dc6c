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
  epochs: z.number().int().min(1).max(1000).default(20).describe('Passes over the training windows at most.'),
  batchSize: z.number().int().min(1).max(4096).default(128).describe('Windows per gradient step.'),
  learningRate: z.number().gt(0).max(1).default(1e-3).describe("Adam's step size."),
  /** Gradient clipping by global norm; null = off. */
  clipNorm: z.number().gt(0).nullable().default(null).describe('Clip gradients by global norm; null = off.'),
  /** Epochs without val-loss improvement before stopping (best weights are restored); null = off. */
  earlyStoppingPatience: z.number().int().min(1).nullable().default(5).describe('Epochs without val-loss improvement before stopping (best weights restored); null = off.'),
  /** Reduce-LR-on-plateau: epochs without improvement, factor, floor; patience null = off. */
  reduceLrPatience: z.number().int().min(1).nullable().default(3).describe('Epochs without improvement before the learning rate is cut; null = off.'),
  reduceLrFactor: z.number().gt(0).lt(1).default(0.5).describe('Factor the learning rate is multiplied by on a plateau.'),
  minLr: z.number().min(0).default(1e-6).describe('Floor of the learning rate.'),
  /** Seeds weight initialisation and the shuffle order. */
  seed: z.number().int().default(42).describe('Seeds weight initialisation and the shuffle order.')
}
/** The values of `deepTrainingParams` once a model's params are parsed. */
export type DeepTrainingParams = z.output<z.ZodObject<typeof deepTrainingParams>>

/** LSTM options every LSTM model shares (sequence-lstm.ts). */
const lstmParams = {
  /**
   * The gates' activation: tfjs's default 'hard_sigmoid' (clip(0.2 x + 0.5, 0, 1), what every run
   * before this option used) or the standard 'sigmoid' (Keras 2.x+ and PyTorch). ONNX export emits either.
   */
  recurrentActivation: z.enum(['hard_sigmoid', 'sigmoid']).default('hard_sigmoid').describe("The LSTM gates' activation: tfjs's 'hard_sigmoid' or the standard 'sigmoid'."),
  /**
   * The sequence-level LSTM (one input-projection matmul for all steps, fused gates, hand-written
   * backward through time); false: tfjs's per-time-step LSTM layer. The same function and weights,
   * equal to float32 rounding (test/unit/lstm-sequence.test.ts); the sequence path is the faster.
   */
  fusedLstm: z.boolean().default(true).describe("Sequence-level LSTM (faster, same result); false: tfjs's per-step LSTM layer.")
}

/** Window options every windowed model shares. */
export const windowParams = {
  /** Window length in rows (seed 000: 60 minutes). */
  window: z.number().int().min(2).max(1000).default(60).describe('Window length in rows.'),
  /** Stride between scored windows (validation and test); 1 = every window. */
  stride: z.number().int().min(1).default(1).describe('Stride between scored windows (validation and test); 1 = every window.'),
  /** Stride between training windows: > 1 subsamples the (heavily overlapping) train windows. */
  trainStride: z.number().int().min(1).default(1).describe('Stride between training windows: > 1 subsamples them.'),
  /** How a window's label follows from its points' labels. */
  labelRule: labelRuleSchema.default({ kind: 'any' }).describe("How a window's label follows from its rows' labels (any, last, fraction).")
}

export const lstmClassifierParamsSchema = z
  .object({
    ...windowParams,
    /** LSTM layer sizes; every layer but the last returns sequences. */
    units: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([128, 64]).describe('LSTM layer sizes; every layer but the last returns sequences.'),
    ...lstmParams,
    /** Dropout after each LSTM layer. */
    dropout: z.number().min(0).lt(1).default(0.3).describe('Dropout after each LSTM layer.'),
    /** BatchNormalization after each LSTM's dropout. */
    batchNorm: z.boolean().default(true).describe("BatchNormalization after each LSTM's dropout."),
    /** Hidden dense layer size (0 = none). */
    denseUnits: z.number().int().min(0).max(1024).default(32).describe('Hidden dense layer size (0 = none).'),
    denseDropout: z.number().min(0).lt(1).default(0.2).describe('Dropout after the hidden dense layer.'),
    /** Loss weights per class: 'balanced' = n / (2 n_c) as sklearn computes them; null = none. */
    classWeight: z
      .union([z.literal('balanced'), z.object({ '0': z.number().gt(0), '1': z.number().gt(0) }).strict()])
      .nullable()
      .default(null).describe("Loss weights per class: 'balanced' (sklearn's n / 2n_c), an object with a weight for 0 and 1, or null."),
    /** Decision threshold on the probability: fixed, or the validation F1 maximiser. */
    threshold: z.union([z.number().gt(0).lt(1), z.literal('best-f1')]).default(0.5).describe("Decision threshold on the probability, or 'best-f1' on validation."),
    ...deepTrainingParams
  })
  .strict()
export type LstmClassifierParams = z.infer<typeof lstmClassifierParamsSchema>


export const lstmAutoencoderParamsSchema = z
  .object({
    ...windowParams,
    /** Encoder LSTM sizes (the decoder mirrors them); the last is the bottleneck. */
    units: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([128, 64, 32]).describe('Encoder LSTM sizes (the decoder mirrors them); the last is the bottleneck.'),
    ...lstmParams,
    /** Overrides the last encoder size (seed 003's `--encoding-dim`). */
    encodingDim: z.number().int().min(1).max(1024).optional().describe('Overrides the last encoder size (the bottleneck).'),
    /** Dropout after every LSTM but the bottleneck (seed 001: 0.2). */
    dropout: z.number().min(0).lt(1).default(0.2).describe('Dropout after every LSTM but the bottleneck.'),
    /** Threshold = this percentile of the normal validation windows' reconstruction error (the default rule). */
    thresholdPercentile: z.number().gt(0).lt(100).default(95).describe('Threshold = this percentile of the normal validation windows reconstruction error.'),
    // Seed 001 trains on normal windows; `unsupervised` trains on all of them (labels unused).
    ...detectorParams('normal-only'),
    ...deepTrainingParams,
    batchSize: z.number().int().min(1).max(4096).default(64).describe('Windows per gradient step.'),
    epochs: z.number().int().min(1).max(1000).default(50).describe('Passes over the training windows at most.')
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
    window: z.number().int().min(2).max(120).default(12).describe('Months per window.'),
    /** Target columns predicted, nearest horizon first; the first is the primary one. */
    horizons: z.array(z.string().min(1)).min(1).max(8).default([...RISK_HORIZONS]).describe('Target columns predicted, nearest horizon first; the first is the primary one.'),
    lstmUnits: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([128, 128]).describe('Sizes of the stacked LSTM layers.'),
    ...lstmParams,
    heads: z.number().int().min(1).max(16).default(4).describe('Attention heads.'),
    keyDim: z.number().int().min(1).max(256).default(32).describe('Size of each attention head.'),
    dropout: z.number().min(0).lt(1).default(0.3).describe('Dropout rate (also what MC-dropout samples).'),
    epochs: z.number().int().min(1).max(1000).default(30).describe('Passes over the training windows at most.'),
    batchSize: z.number().int().min(1).max(4096).default(64).describe('Windows per gradient step.'),
    learningRate: z.number().gt(0).max(1).default(1e-3).describe("Adam's step size."),
    /** Early-stopping patience in epochs (the seed's 15). */
    patience: z.number().int().min(1).max(1000).default(15).describe('Early-stopping patience in epochs.'),
    /** Reduce-LR-on-plateau: epochs without val-loss improvement before lr *= factor; null = off. */
    reduceLrPatience: z.number().int().min(1).nullable().default(5).describe('Epochs without val-loss improvement before the learning rate is cut; null = off.'),
    reduceLrFactor: z.number().gt(0).lt(1).default(0.5).describe('Factor the learning rate is multiplied by on a plateau.'),
    minLr: z.number().min(0).default(1e-5).describe('Floor of the learning rate.'),
    /** Global gradient-norm clip. */
    clipNorm: z.number().gt(0).default(1.0).describe('Global gradient-norm clip.'),
    /** Cross-validation folds over training entities; 0 or 1 skips CV. */
    folds: z.number().int().min(0).max(20).default(5).describe('Cross-validation folds over training entities; 0 or 1 skips CV.'),
    /** Epoch cap for each CV fold (defaults to `epochs`). */
    cvEpochs: z.number().int().min(1).max(1000).optional().describe('Epoch cap for each CV fold (default: epochs).'),
    /** Fraction of training entities held out for early stopping of the final model. */
    validationFraction: z.number().gt(0).lt(0.9).default(0.15).describe('Fraction of training entities held out for early stopping of the final model.'),
    /** Stochastic forward passes for MC-dropout uncertainty. */
    mcSamples: z.number().int().min(2).max(500).default(30).describe('Stochastic forward passes for MC-dropout uncertainty.'),
    /** Test windows (seeded subsample) MC-dropout runs on: N passes each cost a forward pass. 0 = all. */
    mcMaxWindows: z.number().int().min(0).default(2048).describe('Test windows MC-dropout runs on (seeded subsample); 0 = all.'),
    /** Extra weight on missed positives of the nearest horizon (see risk-loss.ts). */
    riskWeight: z.number().min(0).max(100).default(2).describe('Extra weight on missed positives of the nearest horizon.'),
    /** Also scale positives by negatives/positives of the training windows, per horizon. */
    balanceClasses: z.boolean().default(true).describe('Scale positives by negatives/positives of the training windows, per horizon.'),
    /** How the decision threshold of each horizon is picked on validation windows. */
    thresholdMetric: z.enum(['balancedAccuracy', 'f1', 'accuracy', 'fixed']).default('balancedAccuracy').describe("How each horizon's threshold is picked on validation windows."),
    /** Threshold used when `thresholdMetric` is 'fixed'. */
    threshold: z.number().gt(0).lt(1).default(0.5).describe("Threshold used when thresholdMetric is 'fixed'."),
    /** Keep every k-th window end within a business for training (1 = all). */
    windowStride: z.number().int().min(1).max(120).default(1).describe('Keep every k-th window end within a business for training (1 = all).'),
    /** Cap on training windows per fit (random subsample by entity-seeded rng; 0 = no cap). */
    maxTrainWindows: z.number().int().min(0).default(0).describe('Cap on training windows per fit (0 = no cap).'),
    seed: z.number().int().default(4).describe('Seeds weight initialisation, folds and sampling.')
  })
  .strict()
export type LstmAttentionParams = z.infer<typeof lstmAttentionParamsSchema>


/** Validated, defaulted params of a model kind; the error names every bad field. */
export function parseModelParams<S extends z.ZodType>(kind: string, schema: S, params: unknown): z.output<S> {
  const r = schema.safeParse(params ?? {})
  if (!r.success) throw new Error(`invalid ${kind} params: ${r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`)
  return r.data
}
