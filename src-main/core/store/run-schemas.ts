/**
 * What a run records, declared once as zod schemas with the TS types derived from them: its and
 * its trial's status, the backend it ran on, its progress, logs, history (epochs) and results.
 * The trainers produce these, the training worker sends them (workers/protocol.ts parses them in
 * the host), the store keeps them (runs-repo.ts) and the contract serves them
 * (contract/run-schemas.ts re-exports them): core never imports the contract, so they live here.
 */
import { z } from 'zod'
import { confusionSchema, measuredNumber, measurements, scoreHistogramSchema, typeRecallSchema } from '../eval/result-schemas'
import { targetResultSchema } from '../eval/targets'
import { float32Array, int32Array, uint8Array } from '../typed-array-schemas'

export const runStatusSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'])
export type RunStatus = z.infer<typeof runStatusSchema>
/** A run in one of these has ended and never changes status again. */
export const FINAL_STATUSES: readonly RunStatus[] = ['done', 'failed', 'cancelled', 'interrupted']

/** A trial's status: its run's, except `skipped` (a search stopped early left it unrun). */
export const trialStatusSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'skipped'])
export type TrialStatus = z.infer<typeof trialStatusSchema>

/** A search's status as the user set it (whether its trials are all ended is read from their counts). */
export const experimentStatusSchema = z.enum(['active', 'paused', 'cancelled'])
export type ExperimentStatus = z.infer<typeof experimentStatusSchema>

/** The parts of a run's data that stored per-window scores (threshold studio, error lists, windows). */
export const scoreSplitSchema = z.enum(['train', 'validation', 'test'])
export type ScoreSplit = z.infer<typeof scoreSplitSchema>

/** Which dataset version a split's rows belong to: 'both' = one version split into train and test. */
export const dataRoleSchema = z.enum(['train', 'validation', 'test', 'both'])
export type DataRole = z.infer<typeof dataRoleSchema>

/** The compute backend a run used (e.g. `typed-arrays` for Isolation Forest, `tfjs-wasm`) and why better ones were skipped. */
export const backendReportSchema = z.object({
  name: z.string(),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  /** Facts about the rung in use (tfjs wasm: `simd`, `threads`, `batchMatMulPatch`, `threadsError`). */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional()
})
export type BackendReport = z.infer<typeof backendReportSchema>

/** Where an epoch-based stage stands: epoch `epoch` of `epochs`, batch `batch` of `batches` in it (1-based). */
export const trainingStepSchema = z.object({
  epoch: z.number().int().min(1),
  epochs: z.number().int().min(1),
  batch: z.number().int().min(1),
  batches: z.number().int().min(1)
})
export type TrainingStep = z.infer<typeof trainingStepSchema>

export const runProgressSchema = z.object({
  stage: z.string(),
  /** 0..1 within the whole run. */
  fraction: z.number(),
  message: z.string(),
  /** Estimated milliseconds left, when the worker can tell. */
  etaMs: z.number().nullable(),
  /** Set while a stage trains epochs (deep models): the numbers the message speaks of, for a client to show. */
  training: trainingStepSchema.optional()
})
export type RunProgress = z.infer<typeof runProgressSchema>

export const logLevelSchema = z.enum(['info', 'warn', 'error'])
export type LogLevel = z.infer<typeof logLevelSchema>

export const runLogSchema = z.object({
  runId: z.number().int(),
  at: z.string(),
  level: logLevelSchema,
  message: z.string()
})
export type RunLog = z.infer<typeof runLogSchema>

/**
 * What `Epoch.epoch` counts: training epochs (deep models) or, for Isolation Forest, the number
 * of trees of a checkpoint of the growing ensemble. The run's history is stored and sent as
 * "epochs" either way (table `run_epochs`, `RunDetail.epochs`); this axis says how to read them.
 */
export const historyAxisSchema = z.enum(['epoch', 'trees'])
export type HistoryAxis = z.infer<typeof historyAxisSchema>

/** One point of a run's history: an epoch, or a checkpoint over the ensemble size (see HistoryAxis). */
export const epochSchema = z.object({
  /** The position on the run's history axis: epoch number, or trees in the ensemble. */
  epoch: z.number().int(),
  /** Losses, learning rate, validation ROC AUC / AP, throughput… (numbers only; NaN: n/a). */
  metrics: measurements,
  /** Validation confusion matrix at that point's threshold. */
  confusion: confusionSchema.nullable(),
  /** Validation score histogram of that point, when the model reports one. */
  histogram: scoreHistogramSchema.nullable().optional()
})
export type Epoch = z.infer<typeof epochSchema>

/** Rows in each part the split made (not the whole version's). */
export const partRowsSchema = z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() })
export type PartRows = z.infer<typeof partRowsSchema>

/** One segment of a per-segment run: its model's threshold, rows and metrics (test, validation). */
export const perSegmentResultSchema = z.object({
  segment: z.string(),
  rows: partRowsSchema,
  threshold: measuredNumber,
  confusion: confusionSchema,
  metrics: measurements,
  validationMetrics: measurements.nullable()
})
export type PerSegmentResult = z.infer<typeof perSegmentResultSchema>

/**
 * What a finished trial measured. Metric values may be NaN in memory (n/a: e.g. recall without a
 * labelled anomaly); the store writes them as JSON, where they become null.
 */
export const runResultsSchema = z.object({
  threshold: measuredNumber,
  /** Test metrics at the threshold: reported, never chosen on. */
  metrics: measurements,
  /** Metrics on the training rows (models that score them: Isolation Forest), else null. */
  trainMetrics: measurements.nullable(),
  /** Metrics on the validation part at the threshold: what thresholds and a search's winner are chosen on. */
  validationMetrics: measurements.nullable(),
  /** A per-segment protocol's segments, each with its own model, threshold and metrics. */
  perSegment: z.array(perSegmentResultSchema).nullable().optional(),
  partRows: partRowsSchema.nullable().optional(),
  confusion: confusionSchema,
  targets: z.array(targetResultSchema),
  /** ROC / PR / histogram of the test scores (contract `curvesSchema`), plus model-specific extras. */
  curves: z.unknown(),
  recallByType: z.record(z.string(), typeRecallSchema),
  /** The trained model (kind, params, scaler, weights file…; typed arrays such as a forest's trees are stored as blobs): what exports and explanations load. */
  model: z.unknown()
})
export type RunResults = z.infer<typeof runResultsSchema>

/** A split's per-window scores as a trainer produced them, each window traced to its rows. */
export const trialScoresSchema = z.object({
  split: scoreSplitSchema,
  /** Which dataset version the windows are rows of (set by runTrial from where the split came from). */
  role: scoreSplitSchema,
  scores: float32Array,
  labels: uint8Array,
  types: uint8Array.nullable(),
  /** Each window's first row in that dataset version (`sourceRows`): errors trace back to rows. */
  starts: int32Array,
  /** Rows per window (1: one score per row). */
  windowLength: z.number().int().min(1)
})
export type TrialScores = z.infer<typeof trialScoresSchema>

/** What a trial gives back: its results and the per-window scores they came from. */
export const trialOutputSchema = z.object({ results: runResultsSchema, scores: z.array(trialScoresSchema) })
export type TrialOutput = z.infer<typeof trialOutputSchema>
