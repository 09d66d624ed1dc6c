/**
 * Run history and comparison (issue 10 part 5): the runs list filtered, sorted and paged on the
 * host (and as CSV), tags and a note per run, what a run page links to, and the compare page of
 * 2-4 runs with its disagreement list (windows one run flags and another does not).
 *
 * `api.ts` gathers `historyMethods` into its `methods` and re-exports these schemas. This module
 * imports only leaf contract modules (importing `api.ts` would be a cycle: zod schemas build at
 * load).
 */
import { z } from 'zod'
import { confusionSchema, historyAxisSchema, runStatusSchema, runSummarySchema, targetResultSchema, typeRecallSchema } from './run-schemas'
import { splitMetricsSchema } from './analysis'
import { datasetIdSchema } from '../core/data/dataset-id'
// Declared with the engine that produces them (core never imports the contract).
import { targetsVerdictSchema } from '../core/eval/targets'
import { KIND_NAMES } from '../core/eval/disagreements'
import { paramDiffSchema } from '../core/history/param-diff'

const runId = z.number().int().positive()

// ---------------------------------------------------------------------------------------------
// Tags and notes.

/** Longest tag and note a run may carry (a note is a paragraph, not a document). */
export const TAG_MAX_LENGTH = 40
export const NOTE_MAX_LENGTH = 4000
export const TAGS_PER_RUN_MAX = 20

/**
 * A tag: 1-40 letters, digits, spaces and `_ . : / + -`, starting with a letter or digit; trimmed,
 * compared as typed (`Baseline` and `baseline` are two tags).
 */
export const tagSchema = z
  .string()
  .trim()
  .min(1, 'a tag cannot be empty')
  .max(TAG_MAX_LENGTH, `a tag has at most ${TAG_MAX_LENGTH} characters`)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.:/+-]*$/u, 'a tag is letters, digits, spaces and _ . : / + - (starting with a letter or digit)')

export const runAnnotationSchema = z.object({
  runId: z.number().int(),
  /** Sorted, distinct. */
  tags: z.array(z.string()),
  note: z.string().nullable()
})
export type RunAnnotation = z.infer<typeof runAnnotationSchema>

// ---------------------------------------------------------------------------------------------
// The runs list: filter, sort, page.

export const runFilterSchema = z
  .object({
    experimentIds: z.array(runId).max(200).optional(),
    modelKinds: z.array(z.string().min(1).max(100)).max(20).optional(),
    statuses: z.array(runStatusSchema).max(6).optional(),
    /** A dataset version the run trained or tested on: the hex content hash or a prefix of at least 4 digits. */
    datasetId: datasetIdSchema.optional(),
    targets: targetsVerdictSchema.optional(),
    /** Runs carrying every one of these tags. */
    tags: z.array(tagSchema).max(TAGS_PER_RUN_MAX).optional(),
    /** Case-insensitive text in the experiment name, model kind, params, note or tags. */
    text: z.string().max(200).optional()
  })
  .strict()
export type RunFilter = z.infer<typeof runFilterSchema>

/** The fixed sortable columns; any metric or param sorts as `metric:<name>` / `param:<name>`. */
/** `params` sorts by the params as written (their text, as a spreadsheet would); `tags` by the tags in order, then the note. */
export const FIXED_SORT_KEYS = ['id', 'experiment', 'modelKind', 'params', 'status', 'createdAt', 'finishedAt', 'durationMs', 'targets', 'tags'] as const
export const runSortKeySchema = z.union([
  z.enum(FIXED_SORT_KEYS),
  z.string().regex(/^(metric|param):[\w.:-]{1,100}$/, 'sort by a fixed column, `metric:<name>` or `param:<name>` (letters, digits, _ . : -)')
])
export const runSortSchema = z
  .object({ key: runSortKeySchema.default('id'), dir: z.enum(['asc', 'desc']).default('desc') })
  .strict()
export type RunSort = z.infer<typeof runSortSchema>

/** Rows per page at most. */
export const RUNS_PAGE_MAX = 500

/** A run's annotation, data versions and trial, as both the runs list and the compare page show them. */
const runContextShape = {
  tags: z.array(z.string()),
  note: z.string().nullable(),
  trainDatasetId: z.string().nullable(),
  testDatasetId: z.string().nullable(),
  /** The trial of its experiment's search this run ran, by number in the search (not the run id). */
  trial: z.object({ id: z.number().int(), ordinal: z.number().int() }).nullable()
}

/** One row of the runs list: the summary, with its annotation and data versions (never curves or models). */
export const runListRowSchema = runSummarySchema.extend({
  /** Every metric the run stored, not only the standard ones (e.g. per-horizon accuracy). */
  metrics: z.record(z.string(), z.number()).nullable(),
  ...runContextShape
})
export type RunListRow = z.infer<typeof runListRowSchema>

const facetSchema = z.object({ value: z.string(), count: z.number().int() })

/** What the filters can choose from, over every run of the workspace (not only the filtered ones). */
export const runFacetsSchema = z.object({
  experiments: z.array(z.object({ id: z.number().int(), name: z.string(), count: z.number().int() })),
  modelKinds: z.array(facetSchema),
  statuses: z.array(facetSchema),
  datasets: z.array(z.object({ id: z.string(), name: z.string(), count: z.number().int() })),
  tags: z.array(facetSchema),
  /** Every param and metric name a run stored (sortable columns, CSV columns). */
  paramKeys: z.array(z.string()),
  metricKeys: z.array(z.string())
})
export type RunFacets = z.infer<typeof runFacetsSchema>

export const runQueryInputSchema = z
  .object({
    filter: runFilterSchema.default({}),
    sort: runSortSchema.default({ key: 'id', dir: 'desc' }),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(RUNS_PAGE_MAX).default(50),
    /**
     * false: the page without the facets. An export paging through every match asks for none:
     * they are a pass over every run's JSON, and while runs train they change with each page.
     */
    facets: z.boolean().default(true)
  })
  .strict()

export const runQueryResultSchema = z.object({
  /** Runs matching the filter (all pages). */
  total: z.number().int(),
  offset: z.number().int(),
  rows: z.array(runListRowSchema),
  /** Null when the query asked for none (`facets: false`). */
  facets: runFacetsSchema.nullable()
})
export type RunQueryResult = z.infer<typeof runQueryResultSchema>

export const runsCsvSchema = z.object({
  /** RFC 4180 text with a header row: every filtered run in the list's order, params and metrics as columns. */
  csv: z.string(),
  rows: z.number().int(),
  columns: z.array(z.string())
})

// ---------------------------------------------------------------------------------------------
// What a run page links to.

export const runLinksSchema = z.object({
  runId: z.number().int(),
  experiment: z.object({ id: z.number().int(), name: z.string() }),
  /** The trial (of the experiment's search) this run ran; `ordinal` is its number in the search, not a run id. */
  trial: z.object({ id: z.number().int(), ordinal: z.number().int(), trials: z.number().int() }).nullable(),
  datasets: z.array(z.object({ role: z.enum(['train', 'test']), id: z.string(), name: z.string() })),
  /** Bundles in the library or shared folder exported from this run (same run id and dataset version). */
  bundles: z.array(z.object({ folder: z.string(), dir: z.string(), name: z.string().nullable(), version: z.string().nullable(), location: z.enum(['local', 'shared']) })),
  tags: z.array(z.string()),
  note: z.string().nullable()
})
export type RunLinks = z.infer<typeof runLinksSchema>

// ---------------------------------------------------------------------------------------------
// Compare.

/** Runs a compare page shows at once. */
export const COMPARE_MIN = 2
export const COMPARE_MAX = 4
/** Disagreement rows per page at most. */
export const DISAGREEMENTS_PAGE_MAX = 1000

/** `anomaly`: every run labels the window anomalous (one catches it, another misses it); `normal`: one raises a false alarm another does not; `mixed`: the runs' windows see different labels (windows of different lengths). */
export const disagreementKindSchema = z.enum(KIND_NAMES)
export type DisagreementKind = z.infer<typeof disagreementKindSchema>

export const compareInputSchema = z
  .object({
    ids: z
      .array(runId)
      .min(COMPARE_MIN, `compare takes ${COMPARE_MIN} to ${COMPARE_MAX} runs`)
      .max(COMPARE_MAX, `compare takes ${COMPARE_MIN} to ${COMPARE_MAX} runs`)
      .refine((ids) => new Set(ids).size === ids.length, 'each run once'),
    disagreements: z
      .object({
        kind: z.union([disagreementKindSchema, z.literal('all')]).default('all'),
        /** Only windows this run flags (and, with `notFlaggedBy`, another does not). */
        flaggedBy: runId.optional(),
        notFlaggedBy: runId.optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(DISAGREEMENTS_PAGE_MAX).default(100)
      })
      .strict()
      .default({ kind: 'all', offset: 0, limit: 100 })
  })
  .strict()

export const compareRunSchema = z.object({
  id: z.number().int(),
  experimentId: z.number().int(),
  experimentName: z.string(),
  modelKind: z.string(),
  status: runStatusSchema,
  statusReason: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  ...runContextShape,
  /** The threshold the compare uses: the chosen one where the run has one, else the trained one. */
  threshold: z.object({ trained: z.number().nullable(), current: z.number().nullable(), source: z.enum(['trained', 'chosen']) }),
  /** Test metrics at `threshold.current` from the stored test scores (null: none stored). */
  test: splitMetricsSchema.nullable(),
  /** Validation metrics at `threshold.current` where validation scores were stored (null otherwise). */
  validation: splitMetricsSchema.nullable(),
  /** What training recorded, at the trained threshold (every metric it stored, e.g. per-horizon ones). */
  recorded: z.object({
    metrics: z.record(z.string(), z.number()).nullable(),
    confusion: confusionSchema.nullable(),
    recallByType: z.record(z.string(), typeRecallSchema)
  }),
  /** Targets as checked at training, on test at the trained threshold. */
  targets: z.array(targetResultSchema),
  targetsMet: z.boolean().nullable(),
  /** Training history: per epoch (deep models) or over the ensemble size (Isolation Forest: `trees`). */
  history: z.object({
    axis: historyAxisSchema,
    epochs: z.array(z.object({ epoch: z.number().int(), metrics: z.record(z.string(), z.number()) }))
  }),
  /** The stored test scores: how many windows, of how many rows each, traced to rows or not. */
  testScores: z.object({ count: z.number().int(), windowLength: z.number().int().nullable(), traced: z.boolean() }).nullable()
})
export type CompareRun = z.infer<typeof compareRunSchema>

export const disagreementWindowSchema = z.object({
  runId: z.number().int(),
  /** The window's position among the run's stored test scores (what `runs.scores` and the run page number). */
  index: z.number().int(),
  /** First row of the window in the dataset version, and its length in rows. */
  start: z.number().int(),
  length: z.number().int(),
  score: z.number().nullable(),
  label: z.number().int(),
  flagged: z.boolean()
})

export const disagreementSchema = z.object({
  /** The row of the dataset version every compared window ends on. */
  endRow: z.number().int(),
  kind: disagreementKindSchema,
  /** Anomaly type of the window (from the first run that knows one); null for normal windows or untyped data. */
  type: z.string().nullable(),
  /** One window per run, in the runs' order. */
  windows: z.array(disagreementWindowSchema)
})
export type Disagreement = z.infer<typeof disagreementSchema>

export const disagreementsSchema = z.object({
  /** False when the runs cannot be matched window by window; `reason` says why. */
  available: z.boolean(),
  reason: z.string().nullable(),
  split: z.literal('test'),
  datasetId: z.string().nullable(),
  /** `same-rows`: every run's windows cover the same rows; `end-row`: windows of different lengths, matched by the row they end on. */
  matchedBy: z.enum(['same-rows', 'end-row']).nullable(),
  /** How the windows were matched, in words. */
  note: z.string().nullable(),
  /** Windows every run scored (the rows compared). */
  compared: z.number().int(),
  counts: z.object({ all: z.number().int(), anomaly: z.number().int(), normal: z.number().int(), mixed: z.number().int() }),
  /** For every ordered pair of runs: windows the first flags and the second does not, by kind. */
  pairs: z.array(z.object({ flaggedBy: z.number().int(), notFlaggedBy: z.number().int(), anomaly: z.number().int(), normal: z.number().int(), mixed: z.number().int() })),
  /** Disagreements matching the request's kind and runs (all pages), in row order. */
  total: z.number().int(),
  offset: z.number().int(),
  rows: z.array(disagreementSchema)
})
export type Disagreements = z.infer<typeof disagreementsSchema>

export const compareResultSchema = z.object({
  runs: z.array(compareRunSchema),
  /** Every param of any run, the differing ones first. */
  params: z.array(paramDiffSchema),
  disagreements: disagreementsSchema
})
export type CompareResult = z.infer<typeof compareResultSchema>

/** Every history method: merged into `methods` by `api.ts`. */
export const historyMethods = {
  /** The runs list, filtered, sorted by any column (metrics and params too) and paged, with what the filters can choose from. */
  'runs.query': { input: runQueryInputSchema, output: runQueryResultSchema },
  /** Every run the filter matches, in the sort's order, as CSV (params and metrics as columns). */
  'runs.csv': {
    input: z.object({ filter: runFilterSchema.default({}), sort: runSortSchema.default({ key: 'id', dir: 'desc' }) }).strict(),
    output: runsCsvSchema
  },
  /** Sets a run's tags (all of them) and/or its note (null or empty clears it). */
  'runs.annotate': {
    input: z
      .object({
        id: runId,
        tags: z.array(tagSchema).max(TAGS_PER_RUN_MAX, `a run has at most ${TAGS_PER_RUN_MAX} tags`).optional(),
        note: z.string().max(NOTE_MAX_LENGTH, `a note has at most ${NOTE_MAX_LENGTH} characters`).nullable().optional()
      })
      .strict(),
    output: runAnnotationSchema
  },
  /** What a run page links to: experiment, trial number, dataset versions, bundles; its tags and note. */
  'runs.links': { input: z.object({ id: runId }).strict(), output: runLinksSchema },
  /** 2-4 runs side by side, with the windows they disagree on (a page of them). */
  'runs.compare': { input: compareInputSchema, output: compareResultSchema }
} as const

/** History events: merged into `events` by `api.ts`. */
export const historyEvents = {
  /** A run's tags or note changed. */
  'run.annotated': runAnnotationSchema
} as const
