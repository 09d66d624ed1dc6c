/**
 * What the explanations produce, declared once as zod schemas: a window's explanation
 * (explain-window.ts) and a run's feature importance (run-importance.ts). The inference worker
 * sends them (the host parses them, workers/protocol.ts) and the contract builds its answers on
 * them (contract/explain.ts). A leaf module: the contract imports it without the engine.
 */
import { z } from 'zod'
import { float32Array } from '../../typed-array-schemas'
import { measuredNumber } from '../result-schemas'

export const explainMethodSchema = z.enum(['path-length', 'reconstruction-error', 'occlusion'])
export type ExplainMethodName = z.infer<typeof explainMethodSchema>

/** One feature's part in a window's score. */
export const featureContributionSchema = z.object({
  name: z.string(),
  /**
   * In the method's units: path length saved by splits on the feature (path-length; > 0 pushed
   * the row towards anomalous), mean squared reconstruction error over the window in scaled
   * units (reconstruction-error), or the score's drop when the feature is replaced by its
   * training mean (occlusion; > 0 raised the score).
   */
  contribution: measuredNumber,
  /** The feature's part of the positive contributions (they sum to 1 when any is positive). */
  share: measuredNumber
})
export type FeatureContribution = z.infer<typeof featureContributionSchema>

export const windowExplanationSchema = z.object({
  method: explainMethodSchema,
  methodNote: z.string(),
  /** The model's score of the window. */
  score: measuredNumber,
  /** Features largest contribution first, with their share of the positive contributions. */
  features: z.array(featureContributionSchema),
  /** [length, features] row-major in the model's feature order; null for per-row models. */
  steps: float32Array.nullable(),
  /** Autoencoder: the reconstruction in raw units, one array per feature (model order); else null. */
  reconstruction: z.array(float32Array).nullable(),
  summary: z.string()
})
export type WindowExplanation = z.infer<typeof windowExplanationSchema>

/**
 * Global feature importance of a finished run: Isolation Forest from the trees (mean |path-length
 * attribution| over a split's rows), deep models by permutation (drop of ROC AUC when a feature is
 * shuffled across the validation windows).
 */
export const runImportanceSchema = z.object({
  method: z.enum(['path-length', 'permutation']),
  /** What `importance` measures, in words (e.g. "ROC AUC drop when the feature is permuted"). */
  metric: z.string(),
  /** Windows (rows for per-row models) the importance was measured on, of `windowsTotal` in the split. */
  windowsUsed: z.number().int().min(0),
  windowsTotal: z.number().int().min(0),
  /** Shuffles per feature (permutation); null for the forest's read of the trees. */
  repeats: z.number().int().nullable(),
  /** Largest importance first. `std`: over the repeats (permutation); null for the forest. */
  features: z.array(z.object({ name: z.string(), importance: measuredNumber, std: measuredNumber.nullable() })),
  /** What a reader should know: caps applied, the metric's baseline. */
  note: z.string()
})
export type RunImportance = z.infer<typeof runImportanceSchema>
