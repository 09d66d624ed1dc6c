/**
 * Error analysis over a run's stored scores (issue 10 parts 2 and 3): metrics at any threshold,
 * "pick for targets" (chosen on validation, reported on test), threshold decisions saved with the
 * run, and the lists of missed windows (FN) and false alarms (FP).
 *
 * `api.ts` gathers `analysisMethods` into its `methods` and re-exports these schemas. This module
 * imports only `run-schemas.ts` (importing `api.ts` would be a cycle: zod schemas build at load).
 *
 * Conventions (as `core/eval/threshold-sweep.ts`): a window is flagged when `score >= threshold`;
 * a NaN score is never flagged. Metrics undefined on the data (ROC AUC with one class, a NaN
 * score) are null here, never NaN, so every transport carries the same value.
 */
import { z } from 'zod'
import { confusionRatesSchema, confusionSchema, scoreSplitSchema, targetResultSchema, typeRecallSchema } from './run-schemas'

const runId = z.number().int().positive()
/** A threshold a user may type: any finite number (zod's numbers refuse NaN and infinities). */
const thresholdValue = z.number()

/** Event-level recall: a labelled episode (a run of labelled rows) is caught if any window over it is flagged. */
export const eventRecallSchema = z.object({
  /** Labelled episodes within the rows this split's windows cover. */
  episodes: z.number().int(),
  caught: z.number().int(),
  recall: z.number(),
  /** Mean over caught episodes of (first flagged window's last row - episode's first row); null when none is caught. */
  meanDelayRows: z.number().nullable(),
  /** The same in time, at the dataset's nominal sampling interval. */
  meanDelayMs: z.number().nullable(),
  /** Episodes in the split's rows that no scored window lies over (never caught, counted in `episodes`). */
  withoutWindow: z.number().int()
})
export type EventRecallInfo = z.infer<typeof eventRecallSchema>

/** Every threshold-dependent metric of one split at one threshold (fractions in [0, 1]). */
export const splitMetricsSchema = z.object({
  threshold: z.number(),
  confusion: confusionSchema,
  ...confusionRatesSchema.shape,
  balancedAccuracy: z.number(),
  /** Threshold-free; null when undefined (one class only). */
  rocAuc: z.number().nullable(),
  averagePrecision: z.number().nullable(),
  support: z.object({ normal: z.number().int(), anomalous: z.number().int() }),
  /** Windows with score >= threshold. */
  flagged: z.number().int(),
  /** Windows with a NaN score: never flagged, counted in the confusion matrix. */
  unscored: z.number().int(),
  /** Recall per anomaly type present in the dataset version (total 0: the type has no window in this split). */
  perType: z.record(z.string(), typeRecallSchema),
  /** Null when the scores are not traced to rows (runs stored before tracing): see `eventsNote`. */
  events: eventRecallSchema.nullable()
})
export type SplitMetrics = z.infer<typeof splitMetricsSchema>

/** One stored split's metrics at the threshold. */
export const splitAtThresholdSchema = z.object({
  split: scoreSplitSchema,
  datasetId: z.string().nullable(),
  windows: z.number().int(),
  /** Whether the split's windows are traced to rows (event metrics and error lists need it). */
  traced: z.boolean(),
  metrics: splitMetricsSchema,
  /** Why `metrics.events` is null, when it is. */
  eventsNote: z.string().nullable()
})
export type SplitAtThreshold = z.infer<typeof splitAtThresholdSchema>

export const thresholdSourceSchema = z.enum(['manual', 'pick-targets', 'pick-objective'])
export type ThresholdSource = z.infer<typeof thresholdSourceSchema>

/**
 * A threshold decision saved with a run (not a retrain): the threshold, how it was chosen, and
 * the validation and test metrics at it. `source: 'trained'` records going back to the trained
 * threshold.
 */
export const thresholdDecisionSchema = z.object({
  id: z.number().int(),
  runId: z.number().int(),
  threshold: z.number(),
  source: z.enum([...thresholdSourceSchema.options, 'trained']),
  /** How it was chosen, in words, e.g. "chosen on validation: meets every target, best f1 (0.91) among 12 of 480 thresholds". */
  basis: z.string(),
  note: z.string().nullable(),
  createdAt: z.string(),
  /** Metrics at the threshold on the validation split (null: the run stored none). */
  validation: splitMetricsSchema.nullable(),
  test: splitMetricsSchema.nullable()
})
export type ThresholdDecision = z.infer<typeof thresholdDecisionSchema>

/** A run's thresholds: the one it trained with, the one chosen since (if any), and every decision. */
export const runThresholdsSchema = z.object({
  trained: z.number().nullable(),
  /** The current decision; null while the trained threshold applies. */
  chosen: thresholdDecisionSchema.nullable(),
  /** What applies now (bundles exported now carry it): the chosen one, else the trained one. */
  effective: z.number().nullable(),
  /** Every decision, oldest first. */
  history: z.array(thresholdDecisionSchema)
})
export type RunThresholds = z.infer<typeof runThresholdsSchema>

/** `runs.threshold`: the run's thresholds and every stored split's metrics at one threshold. */
export const thresholdReportSchema = z.object({
  runId: z.number().int(),
  threshold: z.number(),
  /** Where `threshold` came from: the request, the chosen decision, or training. */
  thresholdFrom: z.enum(['request', 'chosen', 'trained']),
  thresholds: runThresholdsSchema,
  /** Stored splits in train, validation, test order. */
  splits: z.array(splitAtThresholdSchema)
})
export type ThresholdReport = z.infer<typeof thresholdReportSchema>

export const pickRuleSchema = z.enum(['targets', 'objective'])

const splitPartSchema = <S extends 'validation' | 'test'>(split: S) =>
  z.object({
    split: z.literal(split),
    datasetId: z.string().nullable(),
    windows: z.number().int(),
    metrics: splitMetricsSchema,
    /** The run's targets checked on this split at the threshold. */
    targets: z.array(targetResultSchema),
    eventsNote: z.string().nullable()
  })

/** `runs.pickThreshold`: chosen on validation, then test reported once at it. Never chosen on test. */
export const thresholdPickSchema = z.object({
  runId: z.number().int(),
  /** The rule asked for. */
  rule: pickRuleSchema,
  /**
   * What decided: `targets` = the threshold meets every target on validation (best objective
   * among those that do); `objective` = best objective alone (asked for, or no threshold met
   * every target, or the run has no targets).
   */
  decidedBy: pickRuleSchema,
  threshold: z.number(),
  chosenOn: z.literal('validation'),
  reportedOn: z.literal('test'),
  objective: z.object({ metric: z.string(), direction: z.enum(['maximize', 'minimize']), value: z.number().nullable() }),
  /** Thresholds tried on validation, and how many met every target there. */
  candidates: z.number().int(),
  meetingTargets: z.number().int(),
  /** The same decision in words (saved with it, printed on the model card). */
  basis: z.string(),
  trainedThreshold: z.number().nullable(),
  /** The metrics the threshold was chosen on. */
  validation: splitPartSchema('validation'),
  /** The test split at the chosen threshold (null: the run stored no test scores). */
  test: splitPartSchema('test').nullable()
})
export type ThresholdPick = z.infer<typeof thresholdPickSchema>

export const errorKindSchema = z.enum(['fn', 'fp'])
export type ErrorKind = z.infer<typeof errorKindSchema>
export const errorSortSchema = z.enum(['score', 'margin', 'type', 'time'])
export type ErrorSort = z.infer<typeof errorSortSchema>

/** Most items one `runs.errors` page holds. */
export const ERRORS_PAGE_MAX = 5000

/** One missed window (FN) or false alarm (FP). */
export const errorItemSchema = z.object({
  /** The window's index in the split's stored scores (`runs.scores`). */
  index: z.number().int(),
  /** Null for a NaN score (never flagged). */
  score: z.number().nullable(),
  /**
   * How far the score is from flipping, >= 0: FN `threshold - score` (how much lower the
   * threshold must go to catch it), FP `score - threshold`. Null for a NaN score.
   */
  margin: z.number().nullable(),
  label: z.number().int(),
  /** Anomaly type of the window (null: none, or the data has no types). */
  type: z.string().nullable(),
  firstRow: z.number().int(),
  lastRow: z.number().int(),
  /** Epoch ms of the first and last row. */
  firstTime: z.number(),
  lastTime: z.number(),
  /** The entity or file the rows belong to. */
  segment: z.string(),
  /** The episode (index into the split's episodes, see `episodes`) the window belongs to; FP: always null. */
  episode: z.number().int().nullable()
})
export type ErrorItem = z.infer<typeof errorItemSchema>

/** A labelled episode of the split: a maximal run of labelled rows of one type in one segment. */
export const errorEpisodeSchema = z.object({
  id: z.number().int(),
  firstRow: z.number().int(),
  lastRow: z.number().int(),
  firstTime: z.number(),
  lastTime: z.number(),
  type: z.string().nullable(),
  segment: z.string(),
  /** Windows over the episode, and how many of them are flagged at the threshold. */
  windows: z.number().int(),
  flagged: z.number().int(),
  /** Errors of the listed kind assigned to this episode, over all pages. */
  errors: z.number().int(),
  /** At least one window over it is flagged. */
  caught: z.boolean(),
  /** First flagged window's last row - the episode's first row (null: not caught). */
  delayRows: z.number().int().nullable()
})
export type ErrorEpisode = z.infer<typeof errorEpisodeSchema>

/** `runs.errors`: one page of errors at a threshold, with the episodes its items belong to. */
export const errorListSchema = z.object({
  runId: z.number().int(),
  split: scoreSplitSchema,
  kind: errorKindSchema,
  threshold: z.number(),
  thresholdFrom: z.enum(['request', 'chosen', 'trained']),
  /** Errors of this kind at the threshold (every page). */
  total: z.number().int(),
  offset: z.number().int(),
  windowLength: z.number().int(),
  datasetId: z.string(),
  items: z.array(errorItemSchema),
  /** The episodes this page's items belong to, by id. */
  episodes: z.array(errorEpisodeSchema)
})
export type ErrorList = z.infer<typeof errorListSchema>

export const analysisMethods = {
  /** The run's thresholds and every stored split's metrics at `threshold` (default: the chosen, else the trained one). */
  'runs.threshold': {
    input: z.object({ id: runId, threshold: thresholdValue.optional() }).strict(),
    output: thresholdReportSchema
  },
  /** Chooses a threshold on the validation split (targets, else objective) and reports test at it. Saves nothing. */
  'runs.pickThreshold': {
    input: z.object({ id: runId, rule: pickRuleSchema.default('targets') }).strict(),
    output: thresholdPickSchema
  },
  /**
   * Saves a threshold decision with the run (bundles exported afterwards carry it). A `pick-*`
   * source must be the threshold that pick chooses on validation now.
   */
  'runs.setThreshold': {
    input: z.object({ id: runId, threshold: thresholdValue, source: thresholdSourceSchema, note: z.string().max(2000).optional() }).strict(),
    output: runThresholdsSchema
  },
  /** Goes back to the trained threshold (recorded in the history as a decision of source `trained`). */
  'runs.resetThreshold': {
    input: z.object({ id: runId, note: z.string().max(2000).optional() }).strict(),
    output: runThresholdsSchema
  },
  /** A page of the split's missed windows (`fn`) or false alarms (`fp`) at `threshold` (default: the chosen, else the trained one). */
  'runs.errors': {
    input: z
      .object({
        id: runId,
        split: scoreSplitSchema.default('test'),
        kind: errorKindSchema,
        threshold: thresholdValue.optional(),
        /** `margin`: nearest to flipping first (ascending); `score`, `type`, `time` as named. */
        sort: errorSortSchema.default('margin'),
        order: z.enum(['asc', 'desc']).default('asc'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(ERRORS_PAGE_MAX).default(100)
      })
      .strict(),
    output: errorListSchema
  }
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>
