/**
 * Why a window scored as it did (issue 10 parts 3 and 4): the raw rows of a stored window with
 * context, the per-feature reasons of its score, and each finished run's feature importance.
 *
 * `api.ts` gathers `explainMethods` into its `methods` and re-exports these schemas. This module
 * imports only leaf contract modules (importing `api.ts` would be a cycle: zod schemas build at
 * load). Large arrays are typed arrays (typed-arrays.ts), never JSON number lists.
 */
import { z } from 'zod'
import { scoreSplitSchema } from './run-schemas'
import { float32Array, float64Array, uint8Array } from './typed-arrays'
import { explainMethodSchema, featureContributionSchema, runImportanceSchema } from '../core/eval/attribution/schemas'

const runId = z.number().int().positive()

/** Rows either side of a window at most (a window of 60 rows with 10,000 each side is ~0.7 MB per column). */
export const WINDOW_CONTEXT_MAX = 10_000

/** A series of one column over rows `from .. to - 1`, in raw (dataset) units. */
export const columnValuesSchema = z.object({ name: z.string(), values: float32Array })

/**
 * The raw rows of one stored window and its context: every column of the dataset version over
 * rows `from .. to - 1` (global row indices of the version), the window itself being rows
 * `windowStart .. windowEnd` (inclusive). Context never crosses the window's segment.
 */
export const runWindowSchema = z.object({
  runId: z.number().int(),
  split: scoreSplitSchema,
  /** Position of the window among the split's stored scores (as `runs.scores` and `runs.errors` number them). */
  index: z.number().int(),
  datasetId: z.string(),
  windowLength: z.number().int(),
  /** First and last row of the window (inclusive), global rows of the version. */
  windowStart: z.number().int(),
  windowEnd: z.number().int(),
  /** Rows sent: `from` inclusive, `to` exclusive (the window plus context, capped to the segment). */
  from: z.number().int(),
  to: z.number().int(),
  /** The segment (entity or file) holding the window; index into the version's segments. */
  segment: z.object({ index: z.number().int(), id: z.string(), start: z.number().int(), end: z.number().int() }),
  /** Epoch milliseconds of each row sent. */
  timestamps: float64Array,
  /** Every feature column of the version, in its column order. */
  columns: z.array(columnValuesSchema),
  /** Point labels (0/1) of the rows sent. */
  labels: uint8Array,
  /** Anomaly-type code of each row sent: 0 none, k > 0 = typeNames[k - 1]. */
  types: uint8Array,
  typeNames: z.array(z.string()),
  /** The window's stored score, label (by the run's label rule) and dominant anomaly type. */
  score: z.number(),
  label: z.number().int(),
  type: z.string().nullable(),
  /** The threshold the run was trained with (score >= threshold flags a window). */
  trainedThreshold: z.number().nullable()
})
export type RunWindow = z.infer<typeof runWindowSchema>

/** Why a window scored as it did, by the method that suits its model kind. */
export const explanationSchema = z.object({
  runId: z.number().int(),
  split: scoreSplitSchema,
  index: z.number().int(),
  modelKind: z.string(),
  method: explainMethodSchema,
  /** How to read the numbers (method, units, baseline), in a sentence or two. */
  methodNote: z.string(),
  /** The model's score of the window, recomputed now from the raw rows. */
  score: z.number(),
  /** The score stored when the run finished; `score` agrees with it unless the model changed since. */
  storedScore: z.number(),
  trainedThreshold: z.number().nullable(),
  /** Every feature of the model, largest contribution first. */
  features: z.array(featureContributionSchema),
  /**
   * Per step and feature (reconstruction-error: squared error in scaled units; occlusion: the
   * score's drop with that one cell at its training mean), `[length, features]` row-major with
   * features in `featureOrder`; null for per-row models.
   */
  steps: z.object({ length: z.number().int(), featureOrder: z.array(z.string()), values: float32Array }).nullable(),
  /** The autoencoder's reconstruction of the window in raw units, rows `windowStart ..`; null for other kinds. */
  reconstruction: z.object({ from: z.number().int(), columns: z.array(columnValuesSchema) }).nullable(),
  /** One plain-language line, e.g. "latency_p95 carries 64 % of the reconstruction error". */
  summary: z.string(),
  /** Milliseconds the inference worker took, and whether the run's model was already loaded there. */
  computeMs: z.number(),
  warm: z.boolean()
})
export type Explanation = z.infer<typeof explanationSchema>

/**
 * Global feature importance of a finished run: Isolation Forest from the trees (mean |path-length
 * attribution| over a split's rows), deep models by permutation (drop of ROC AUC when a feature is
 * shuffled across the validation windows).
 */
export const featureImportanceSchema = runImportanceSchema.extend({
  split: scoreSplitSchema,
  computedAt: z.string(),
  computeMs: z.number()
})
export type FeatureImportance = z.infer<typeof featureImportanceSchema>

/**
 * Where a run's feature importance stands: `ready` (stored), `computing` (in an inference worker
 * now, or queued for one), `missing` (a finished run without it, e.g. an older run: ask
 * `runs.featureImportance`), `failed` (`message` says why), `unavailable` (the run is not done).
 */
export const featureImportanceStateSchema = z.object({
  state: z.enum(['ready', 'computing', 'missing', 'failed', 'unavailable']),
  message: z.string().nullable()
})
export type FeatureImportanceState = z.infer<typeof featureImportanceStateSchema>

export const explainMethods = {
  /** The raw rows of a stored window, every feature, with `context` rows either side (default one window length). */
  'runs.window': {
    input: z
      .object({
        id: runId,
        split: scoreSplitSchema.default('test'),
        index: z.number().int().min(0),
        context: z.number().int().min(0).max(WINDOW_CONTEXT_MAX).optional()
      })
      .strict(),
    output: runWindowSchema
  },
  /** Why the window scored as it did (computed in an inference worker; the run's model stays loaded there a few minutes). */
  'runs.explain': {
    input: z.object({ id: runId, split: scoreSplitSchema.default('test'), index: z.number().int().min(0) }).strict(),
    output: explanationSchema
  },
  /**
   * The run's feature importance, computed now (in an inference worker) when it is not stored yet;
   * `recompute` computes it again (e.g. after a failure).
   */
  'runs.featureImportance': {
    input: z.object({ id: runId, recompute: z.boolean().default(false) }).strict(),
    output: featureImportanceSchema
  }
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>
