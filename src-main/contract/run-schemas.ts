/**
 * The schemas of a run that several contract modules share (the runs list, run detail, the
 * leaderboard, history and compare). They live apart from `api.ts` because the contract modules
 * that `api.ts` gathers into `methods` (e.g. `history.ts`) build on them: importing them from
 * `api.ts` itself would be an import cycle, and zod schemas are built eagerly at load.
 * `api.ts` re-exports everything here.
 */
import { z } from 'zod'
import { runStatusSchema, runProgressSchema } from '../core/store/run-schemas'
import { targetResultSchema } from '../core/eval/targets'

// Declared once in core (the engine records them; core never imports the contract), served as they are.
export { confusionSchema, scoreHistogramSchema, typeRecallSchema, type Confusion, type ScoreHistogram, type TypeRecall } from '../core/eval/result-schemas'
export { targetResultSchema, type TargetResult } from '../core/eval/targets'
export {
  runStatusSchema,
  trialStatusSchema,
  experimentStatusSchema,
  scoreSplitSchema,
  backendReportSchema,
  runProgressSchema,
  runLogSchema,
  historyAxisSchema,
  epochSchema,
  partRowsSchema,
  perSegmentResultSchema,
  type RunStatus,
  type TrialStatus,
  type ScoreSplit,
  type RunProgress,
  type RunLog,
  type HistoryAxis,
  type Epoch,
  type PartRows,
  type PerSegmentResult
} from '../core/store/run-schemas'

/**
 * The rates read off a confusion matrix at one threshold (fractions in [0, 1]): declared once for
 * a run's stored metrics (below) and the threshold studio's metrics at any threshold (analysis.ts).
 */
export const confusionRatesSchema = z.object({
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  fpr: z.number(),
  specificity: z.number(),
  fnr: z.number()
})

/** Test-set (or train-set) metrics of a run; fractions in [0, 1]. */
export const metricsSchema = confusionRatesSchema.extend({
  rocAuc: z.number(),
  averagePrecision: z.number()
})
export type Metrics = z.infer<typeof metricsSchema>

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
  /** The workbench agent (another machine, through Redis) that ran it; null when it ran on the host's own workers. */
  agent: z.string().nullable(),
  /** Test metrics once the run is done. */
  metrics: metricsSchema.nullable(),
  targets: z.array(targetResultSchema),
  /** True when every target is met, false when one is not, null before results or with no targets. */
  targetsMet: z.boolean().nullable(),
  /** Live progress while running (null otherwise). */
  progress: runProgressSchema.nullable()
})
export type RunSummary = z.infer<typeof runSummarySchema>
