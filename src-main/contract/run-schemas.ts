/**
 * The schemas of a run that several contract modules share (the runs list, run detail, the
 * leaderboard, history and compare). They live apart from `api.ts` because the contract modules
 * that `api.ts` gathers into `methods` (e.g. `history.ts`) build on them: importing them from
 * `api.ts` itself would be an import cycle, and zod schemas are built eagerly at load.
 * `api.ts` re-exports everything here.
 */
import { z } from 'zod'

export const runStatusSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'])
export type RunStatus = z.infer<typeof runStatusSchema>

export const confusionSchema = z.object({
  tn: z.number().int(),
  fp: z.number().int(),
  fn: z.number().int(),
  tp: z.number().int()
})
export type Confusion = z.infer<typeof confusionSchema>

/** Test-set (or train-set) metrics of a run; fractions in [0, 1]. */
export const metricsSchema = z.object({
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  fpr: z.number(),
  specificity: z.number(),
  fnr: z.number(),
  rocAuc: z.number(),
  averagePrecision: z.number()
})
export type Metrics = z.infer<typeof metricsSchema>

export const targetResultSchema = z.object({
  text: z.string(),
  metric: z.string(),
  op: z.enum(['>=', '>', '<=', '<']),
  value: z.number(),
  actual: z.number().nullable(),
  met: z.boolean()
})
export type TargetResult = z.infer<typeof targetResultSchema>

/** The parts of a run's data that stored per-window scores (threshold studio, error lists, windows). */
export const scoreSplitSchema = z.enum(['train', 'validation', 'test'])
export type ScoreSplit = z.infer<typeof scoreSplitSchema>

export const runProgressSchema = z.object({
  stage: z.string(),
  /** 0..1 within the whole run. */
  fraction: z.number(),
  message: z.string(),
  /** Estimated milliseconds left, when the worker can tell. */
  etaMs: z.number().nullable()
})
export type RunProgress = z.infer<typeof runProgressSchema>

export const runSummarySchema = z.object({
  id: z.number().int(),
  experimentId: z.number().int(),
  experimentName: z.string(),
  modelKind: z.string(),
  params: z.record(z.string(), z.unknown()),
  status: runStatusSchema,
  /** Why a run failed, was cancelled or interrupted (null otherwise). */
  statusReason: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  /** Test metrics once the run is done. */
  metrics: metricsSchema.nullable(),
  targets: z.array(targetResultSchema),
  /** True when every target is met, false when one is not, null before results or with no targets. */
  targetsMet: z.boolean().nullable(),
  /** Live progress while running (null otherwise). */
  progress: runProgressSchema.nullable()
})
export type RunSummary = z.infer<typeof runSummarySchema>
