/**
 * The shapes the evaluation produces and everything downstream keeps (a run's results and epochs,
 * the worker protocol, the store, the contract), declared once as zod schemas; the TS types are
 * derived from them. Apart from metrics.ts so that the math (which the renderer imports too)
 * loads no zod: metrics.ts imports these types only.
 */
import { z } from 'zod'

const count = z.number().int().min(0)

/**
 * A measured value: any number, NaN and ±Infinity included (zod's `number` refuses them). NaN is
 * how the engine says n/a (ROC AUC with one class, recall without a labelled anomaly); JSON
 * stores and sends both as null.
 */
export const measuredNumber = z.custom<number>((v) => typeof v === 'number', 'a number')
/** Named measurements (metrics, an epoch's losses and rates). */
export const measurements = z.record(z.string(), measuredNumber)

/** Counts of a binary decision against the labels. */
export const confusionSchema = z.object({ tn: count, fp: count, fn: count, tp: count })
export type Confusion = z.infer<typeof confusionSchema>

/** Scores binned over `edges` (bins + 1 of them), counted separately for normal and anomalous labels. */
export const scoreHistogramSchema = z.object({ edges: z.array(measuredNumber), normal: z.array(z.number()), anomalous: z.array(z.number()) })
export type ScoreHistogram = z.infer<typeof scoreHistogramSchema>

/** Recall over the labelled windows (or rows) of one anomaly type. */
export const typeRecallSchema = z.object({ total: z.number().int(), detected: z.number().int(), recall: measuredNumber })
export type TypeRecall = z.infer<typeof typeRecallSchema>

/** A bundle evaluated on a local dataset version, as stored; the contract's `BundleEvaluation` adds the version's name. */
export const bundleEvaluationRecordSchema = z.object({
  id: z.number().int(),
  datasetId: z.string(),
  threshold: z.number(),
  windows: z.number().int(),
  metrics: z.record(z.string(), z.number()),
  confusion: confusionSchema,
  createdAt: z.string()
})
export type BundleEvaluationRecord = z.infer<typeof bundleEvaluationRecordSchema>
