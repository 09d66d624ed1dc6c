/**
 * Row-level results: window scores assigned to rows by a documented rule (`core/eval/pointwise.ts`),
 * point-wise metrics beside the window-wise ones, and per-row predictions written to a file.
 * `api.ts` gathers `predictionMethods` into `methods`; this module imports only `run-schemas.ts`.
 */
import { z } from 'zod'
import { confusionSchema, scoreSplitSchema } from './run-schemas'

export const pointRuleSchema = z.enum(['last', 'max'])

export const pointMetricsSchema = z.object({
  /** How window scores reach rows: the window ending on the row (`last`) or the highest covering one (`max`). */
  rule: pointRuleSchema,
  threshold: z.number(),
  /** Rows of the evaluated part; `unscored` of them got no score by the rule and are not counted. */
  rows: z.number().int(),
  scored: z.number().int(),
  unscored: z.number().int(),
  confusion: confusionSchema,
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  fpr: z.number(),
  accuracy: z.number(),
  missedAlarmRate: z.number(),
  falseAlarmRate: z.number(),
  events: z.object({ episodes: z.number().int(), caught: z.number().int(), recall: z.number().nullable() })
})
export type PointMetricsInfo = z.infer<typeof pointMetricsSchema>

const runId = z.number().int().positive()

export const predictionMethods = {
  /** Point-wise metrics of a split at a threshold (default: the run's effective one). */
  'runs.pointwise': {
    input: z.object({ id: runId, split: scoreSplitSchema.default('test'), rule: pointRuleSchema.default('last'), threshold: z.number().optional() }).strict(),
    output: pointMetricsSchema.extend({ runId, split: scoreSplitSchema })
  },
  /**
   * Writes a split's per-row predictions (row, timestamp, segment, label, score, flag) to a CSV or
   * Parquet file on the host (by extension); rows without a score are written with an empty score.
   */
  'runs.predictions': {
    input: z
      .object({ id: runId, split: scoreSplitSchema.default('test'), rule: pointRuleSchema.default('last'), threshold: z.number().optional(), path: z.string().min(1) })
      .strict(),
    output: z.object({ path: z.string(), format: z.enum(['csv', 'parquet']), rows: z.number().int(), scored: z.number().int(), bytes: z.number().int() })
  }
} as const
