/**
 * The one API contract: every method and event the workbench exposes, with zod schemas.
 *
 * The host (`src-main/host`) implements it, and its one gate (`host/dispatch.ts`) validates every
 * call's input against `methods` whichever front door it came through (Electron IPC, WebSocket,
 * CLI); outputs and events are built from these schemas' types, not parsed again. The renderer
 * imports the types (and the wire codec), never re-validating what the host checked. Adding a
 * method = one entry in `methods`, one handler in the host.
 */
import { z } from 'zod'
import {
  importOptionsSchema,
  columnRoleSchema,
  columnRoleEntrySchema,
  labelLikeColumnSchema,
  importPreviewSchema
} from '../core/data/import/options'
import { MISSING_RULES } from '../core/data/missing-values'
import { columnHistogramSchema } from '../core/data/column-stats'
import { datasetIdSchema } from '../core/data/dataset-id'
import { bundleEvaluationRecordSchema } from '../core/eval/result-schemas'
// Typed arrays cross every front door as typed arrays (wire.ts encodes them for JSON transports).
import { float32Array, float64Array, uint8Array, int32Array } from './typed-arrays'
import { analysisMethods, runThresholdsSchema } from './analysis'
import { predictionMethods, pointMetricsSchema } from './predictions'
import { historyMethods, historyEvents } from './history'
import { remoteMethods, remoteEvents } from './remote'
import { explainMethods, featureImportanceSchema, featureImportanceStateSchema } from './explain'
import { specBuilderMethods } from './spec-builder'
import {
  confusionSchema,
  metricsSchema,
  targetResultSchema,
  runProgressSchema,
  runSummarySchema,
  scoreSplitSchema,
  scoreHistogramSchema,
  typeRecallSchema,
  backendReportSchema,
  epochSchema,
  runLogSchema,
  historyAxisSchema,
  partRowsSchema,
  perSegmentResultSchema,
  trialStatusSchema,
  experimentStatusSchema
} from './run-schemas'

export * from './run-schemas'
export * from './analysis'
export * from './history'
export * from './explain'
export * from './predictions'
export * from './remote'
export * from './spec-builder'

/**
 * Error codes every front door reports the same way. `forbidden`: a path outside the folders the
 * workbench may use (the UI offers to allow its folder, see `paths.allow`).
 */
export const apiErrorCodeSchema = z.enum(['bad_input', 'not_found', 'conflict', 'forbidden', 'internal'])
export type ApiErrorCode = z.infer<typeof apiErrorCodeSchema>

export const datasetRefSchema = z.object({
  /** 'validation' only when a third dataset validated (else validation rows are train rows). */
  role: z.enum(['train', 'validation', 'test']),
  /** Content hash of the dataset version. */
  id: z.string(),
  name: z.string(),
  rows: z.number().int(),
  columns: z.array(z.string()),
  anomalyRate: z.number(),
  typeCounts: z.record(z.string(), z.number()),
  /** The version came without labels: a run on it trained without labels and measured nothing on it. */
  unlabelled: z.boolean()
})
export type DatasetRef = z.infer<typeof datasetRefSchema>

export const curvesSchema = z.object({
  roc: z.object({ fpr: z.array(z.number()), tpr: z.array(z.number()) }),
  pr: z.object({ recall: z.array(z.number()), precision: z.array(z.number()) }),
  histogram: scoreHistogramSchema,
  /** What the scores are when they are not the model's own (a per-segment run stores margins to each segment's threshold). */
  scoreIs: z.string().optional()
})
export type Curves = z.infer<typeof curvesSchema>


/** A split a run stored per-window scores for. */
export const scoreSplitInfoSchema = z.object({
  split: scoreSplitSchema,
  count: z.number().int(),
  /** The dataset version the windows are rows of. */
  datasetId: z.string().nullable(),
  /** Whether each window's rows are known (runs stored before scores were traced: false). */
  traced: z.boolean()
})


/**
 * A split's stored per-window scores, each window traced to its rows: window i covers rows
 * `starts[i] .. starts[i] + windowLength - 1` of dataset version `datasetId`.
 */
export const runScoresSchema = z.object({
  runId: z.number().int(),
  split: scoreSplitSchema,
  datasetId: z.string().nullable(),
  count: z.number().int(),
  scores: float32Array,
  /** The window's label (0/1) by the run's label rule. */
  labels: uint8Array,
  /** Anomaly-type code per window: 0 normal, k > 0 = typeNames[k - 1]; null when the data has no types. */
  types: uint8Array.nullable(),
  typeNames: z.array(z.string()),
  /** First row of each window in the dataset version; null for runs stored before scores were traced. */
  starts: int32Array.nullable(),
  windowLength: z.number().int().nullable(),
  /** The threshold the run was trained with (score >= threshold flags a window). */
  trainedThreshold: z.number().nullable(),
  /**
   * When asked for (`episodes: true`) and the scores are traced: which windows lie over each
   * labelled episode of the split (core/eval/episode-windows.ts, CSR), so a client's
   * ThresholdSweep computes event recall and detection delay on every threshold move.
   */
  episodes: z.object({ firstRow: int32Array, offsets: int32Array, windows: int32Array, windowEndRow: int32Array }).nullable().optional()
})
export type RunScores = z.infer<typeof runScoresSchema>

export const runDetailSchema = runSummarySchema.extend({
  spec: z.unknown(),
  backend: backendReportSchema.nullable(),
  threshold: z.number().nullable(),
  confusion: confusionSchema.nullable(),
  /** Metrics on the training rows (Isolation Forest scores them; deep models do not: null). */
  trainMetrics: metricsSchema.nullable(),
  /** Metrics on the validation part at the threshold: what a search's winner is chosen on. */
  validationMetrics: metricsSchema.nullable(),
  datasets: z.array(datasetRefSchema),
  /** Per-epoch history (deep models), or checkpoints over the ensemble size (Isolation Forest): see `historyAxis`. */
  epochs: z.array(epochSchema),
  /** What `epochs[].epoch` counts: `epoch`, or `trees` for Isolation Forest. */
  historyAxis: historyAxisSchema,
  curves: curvesSchema.nullable(),
  recallByType: z.record(z.string(), typeRecallSchema),
  logs: z.array(runLogSchema),
  /** The splits whose per-window scores were stored (threshold studio, error lists). */
  scoreSplits: z.array(scoreSplitInfoSchema),
  /** Trained threshold (`threshold`, at which `metrics` and `confusion` are), the chosen one and every decision. */
  thresholds: runThresholdsSchema,
  /** Global feature importance once computed (explain.ts), and where its computation stands. */
  featureImportance: featureImportanceSchema.nullable(),
  featureImportanceState: featureImportanceStateSchema,
  /**
   * Point-wise test metrics at the effective threshold (window scores assigned to rows by the
   * `last` rule), beside the window-wise ones; null when the scores cannot be traced to rows.
   */
  pointMetrics: pointMetricsSchema.nullable(),
  /** Rows in each part the split made (train, validation, test), not the whole version's; null for older runs. */
  partRows: partRowsSchema.nullable(),
  /** A per-segment run's segments: each model's threshold, rows and metrics (pooled ones are `metrics`). */
  perSegment: z.array(perSegmentResultSchema).nullable()
})
export type RunDetail = z.infer<typeof runDetailSchema>

export const experimentFileSchema = z.object({
  /** Path relative to the experiments folder. */
  file: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  modelKind: z.string().nullable(),
  targets: z.array(z.string()),
  /** Why the file cannot be used (parse or schema error with the field path), null when valid. */
  error: z.string().nullable(),
  /** Trials the spec expands to (1 without a search). */
  trials: z.number().int()
})
export type ExperimentFile = z.infer<typeof experimentFileSchema>

export const doctorReportSchema = z.object({
  workbenchVersion: z.string(),
  node: z.object({ version: z.string(), ok: z.boolean(), required: z.string() }),
  tfjs: z.object({
    version: z.string(),
    backend: z.string(),
    candidates: z.array(z.object({ name: z.string(), available: z.boolean(), reason: z.string() }))
  }),
  onnxRuntime: z.object({ version: z.string().nullable(), error: z.string().nullable() }),
  sqlite: z.object({ version: z.string() }),
  electron: z.object({ version: z.string().nullable(), binaryPresent: z.boolean(), detail: z.string() }),
  cpus: z.number().int(),
  workspace: z.string(),
  /**
   * How the host's code runs: 'bundle' (out/main on plain Node, what users run) or 'sources' (the
   * TypeScript through tsx, development), and how it starts each worker: the entry and Node flags.
   */
  code: z.object({
    from: z.enum(['bundle', 'sources']),
    workers: z.record(z.string(), z.object({ entry: z.string(), execArgv: z.array(z.string()) }))
  })
})
export type DoctorReport = z.infer<typeof doctorReportSchema>

export const appInfoSchema = z.object({
  version: z.string(),
  workspace: z.string(),
  experimentsDir: z.string(),
  /** Which front door the caller is talking through: the desktop app, a browser (`serve`), or the command line. */
  frontDoor: z.enum(['electron', 'web', 'cli']),
  /** Trials this host runs at once (its scheduler's slots; a search's own `concurrency` may be lower). */
  concurrency: z.number().int().positive()
})
export type AppInfo = z.infer<typeof appInfoSchema>

// ---------------------------------------------------------------------------------------------
// Datasets: immutable, content-hashed versions with lineage (label edits make a child version).

export const segmentSchema = z.object({ id: z.string(), start: z.number().int(), end: z.number().int() })
export type SegmentInfo = z.infer<typeof segmentSchema>

export const datasetSummarySchema = z.object({
  /** Content hash (sha256 hex): the version's identity. */
  id: z.string(),
  name: z.string(),
  source: z.enum(['generated', 'imported', 'edited']),
  /** Scenario id for generated data. */
  generator: z.string().nullable(),
  /** Generator params or import options. */
  params: z.record(z.string(), z.unknown()),
  parentId: z.string().nullable(),
  rows: z.number().int(),
  columns: z.array(z.string()),
  intervalMs: z.number(),
  anomalyRate: z.number(),
  labelCount: z.number().int(),
  typeNames: z.array(z.string()),
  typeCounts: z.record(z.string(), z.number()),
  /** Entities or files (1 for a single series). */
  segmentCount: z.number().int(),
  targetNames: z.array(z.string()),
  note: z.string().nullable(),
  /**
   * The data came without labels (no label column at import): `anomalyRate` and `labelCount`
   * are 0 because nothing is known, not because every row is normal. Show "unlabelled".
   */
  unlabelled: z.boolean(),
  /**
   * Where the times come from: a timestamp column, a declared sampling interval (row k at
   * k x intervalMs), or row numbers (no timestamp column, no interval: intervalMs is 1).
   */
  timeAxis: z.enum(['timestamps', 'interval', 'row-index']),
  createdAt: z.string()
})
export type DatasetSummary = z.infer<typeof datasetSummarySchema>

export const columnStatsSchema = z.object({
  column: z.string(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  std: z.number(),
  /** Mean over normal points and over anomalous points (NaN-free: null when there are none). */
  meanNormal: z.number().nullable(),
  meanAnomalous: z.number().nullable(),
  /** Non-finite cells (NaN, ±Infinity) in the column. */
  missing: z.number().int()
})
export type ColumnStats = z.infer<typeof columnStatsSchema>

export const datasetDetailSchema = datasetSummarySchema.extend({
  /** Ancestors, nearest first. */
  lineage: z.array(datasetSummarySchema),
  children: z.array(datasetSummarySchema),
  segments: z.array(segmentSchema),
  stats: z.array(columnStatsSchema),
  /** Runs that used this exact version (train or test). */
  runIds: z.array(z.number().int()),
  /** Every column and its role, in the files' order (derived from the stored arrays when not recorded). */
  roles: z.array(columnRoleEntrySchema),
  /** False when the roles were not recorded at import (generated data, older imports) but derived. */
  rolesRecorded: z.boolean(),
  /** Feature columns that look like a label (import/label-like.ts), with how to fix each. */
  labelLike: z.array(labelLikeColumnSchema)
})
export type DatasetDetail = z.infer<typeof datasetDetailSchema>

/**
 * A window of a dataset downsampled for drawing: rows [from, to) of one segment cut into at most
 * `buckets` buckets; per column the min and max of each bucket (min/max decimation keeps spikes
 * visible at any zoom). When the window holds no more rows than buckets, every row is its own
 * bucket (min = max = the value).
 */
export const seriesWindowSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  /** Row index where each bucket starts (global row index). */
  start: z.array(z.number().int()),
  /** Timestamp (epoch ms) of each bucket's first row. */
  time: z.array(z.number()),
  columns: z.array(z.object({ name: z.string(), min: z.array(z.number()), max: z.array(z.number()) })),
  /** Fraction of anomalous rows in each bucket. */
  anomalous: z.array(z.number()),
  /** Most frequent anomaly type code in each bucket (0 = none): 1 + index into typeNames. */
  type: z.array(z.number().int()),
  typeNames: z.array(z.string())
})
export type SeriesWindow = z.infer<typeof seriesWindowSchema>

/** A maximal run of consecutive anomalous rows of one type. */
export const labelRangeSchema = z.object({
  start: z.number().int(),
  /** Exclusive. */
  end: z.number().int(),
  startTime: z.number(),
  endTime: z.number(),
  type: z.string().nullable(),
  segment: z.string()
})
export type LabelRange = z.infer<typeof labelRangeSchema>

/** One page of a version's ranges (a version can hold millions: they are never sent at once). */
export const rangePageSchema = z.object({
  /** Ranges matching the type filter. */
  total: z.number().int(),
  offset: z.number().int(),
  /** Each range's index among all the version's ranges (stable across pages and filters). */
  indices: z.array(z.number().int()),
  ranges: z.array(labelRangeSchema),
  /** Ranges per anomaly type over the whole version (type null: no type). */
  types: z.array(z.object({ type: z.string().nullable(), count: z.number().int() }))
})
export type RangePage = z.infer<typeof rangePageSchema>

export const histogramSetSchema = z.array(columnHistogramSchema)
export type HistogramSet = z.infer<typeof histogramSetSchema>

/** One label edit: rows [start, end) become anomalous of `type` (label 1) or normal (label 0). */
export const labelEditSchema = z
  .object({
    start: z.number().int().min(0),
    end: z.number().int().min(1),
    label: z.union([z.literal(0), z.literal(1)]),
    /** Anomaly type name for label 1 (an existing or a new name); ignored for label 0. */
    type: z.string().min(1).optional()
  })
  .strict()
  .refine((e) => e.end > e.start, { message: 'end must be greater than start', path: ['end'] })
export type LabelEdit = z.infer<typeof labelEditSchema>

/** Import options, column roles and the preview are declared beside the importer (core/data/import/options.ts). */
export { importOptionsSchema, columnRoleSchema, columnRoleEntrySchema, labelLikeColumnSchema, importPreviewSchema }
export { IMPORTABLE_EXTENSIONS } from '../core/data/import/options'
export type { ColumnRole, ColumnRoleEntry, LabelLikeColumn, ImportPreview, ImportOptions } from '../core/data/import/options'

export const jobProgressSchema = z.object({
  jobId: z.string(),
  kind: z.enum(['generate', 'import']),
  fraction: z.number(),
  message: z.string(),
  /** Set once the job ended. */
  done: z.boolean(),
  datasetId: z.string().nullable(),
  error: z.string().nullable(),
  /** Why a failed job failed, as an error code: `bad_input` (the file or params are at fault), `internal` (a worker died, storing failed, cancelled). */
  errorCode: apiErrorCodeSchema.nullable().optional(),
  /** On the last event of a stored import: what the user should know (label-like columns, no labels, filled cells…). */
  warnings: z.array(z.string()).optional()
})
export type JobProgress = z.infer<typeof jobProgressSchema>

export const scenarioInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  seed: z.string(),
  description: z.string(),
  defaults: z.record(z.string(), z.unknown())
})
export type ScenarioInfo = z.infer<typeof scenarioInfoSchema>

// ---------------------------------------------------------------------------------------------
// The trial queue: experiments (searches) expanded into trials, run by the scheduler.

/** Trials of an experiment by status. */
export const trialCountsSchema = z.record(trialStatusSchema, z.number().int())

export const queuedExperimentSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  modelKind: z.string(),
  status: experimentStatusSchema,
  priority: z.number().int(),
  sourceFile: z.string().nullable(),
  search: z.enum(['single', 'grid', 'random']),
  counts: trialCountsSchema,
  total: z.number().int(),
  /** Estimated ms until the queued and running trials are done (null before the first finishes). */
  etaMs: z.number().nullable(),
  objective: z.object({ metric: z.string(), direction: z.enum(['maximize', 'minimize']) }),
  /** The best finished trial by the objective on validation (null until one has validation metrics), with its test value reported. */
  best: z.object({ trialId: z.number().int(), runId: z.number().int(), value: z.number(), split: z.literal('validation'), testValue: z.number().nullable() }).nullable(),
  /** Trials whose run met every target. */
  targetsMetBy: z.array(z.number().int()),
  concurrency: z.number().int().nullable(),
  stopWhenTargetsMet: z.boolean(),
  createdAt: z.string()
})
export type QueuedExperiment = z.infer<typeof queuedExperimentSchema>

/** Which split a leaderboard ranks trials on. Test only when asked: choosing on test is the classic leak. */
export const rankSplitSchema = z.enum(['validation', 'test'])
export type RankSplit = z.infer<typeof rankSplitSchema>

export const leaderboardRowSchema = z.object({
  trialId: z.number().int(),
  ordinal: z.number().int(),
  status: trialStatusSchema,
  attempts: z.number().int(),
  priority: z.number().int(),
  runId: z.number().int().nullable(),
  params: z.record(z.string(), z.unknown()),
  /** Test metrics: reported, not ranked on (unless the board is ranked on test, and says so). */
  metrics: z.record(z.string(), z.number()).nullable(),
  /** Validation metrics: what the board ranks on by default. */
  validationMetrics: z.record(z.string(), z.number()).nullable(),
  targets: z.array(targetResultSchema),
  targetsMet: z.boolean().nullable(),
  /** The objective on the split the board is ranked on (`rankedOn`). */
  objectiveValue: z.number().nullable(),
  /** 1 = best by the objective among finished trials; null for unfinished ones. */
  rank: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  progress: runProgressSchema.nullable()
})
export type LeaderboardRow = z.infer<typeof leaderboardRowSchema>

export const leaderboardSchema = z.object({
  experiment: queuedExperimentSchema,
  /** Params that vary across the trials (the search space), for columns and plots. */
  searchedParams: z.array(z.string()),
  /** The split `rank` and `objectiveValue` come from: validation unless asked otherwise. */
  rankedOn: rankSplitSchema,
  rows: z.array(leaderboardRowSchema)
})
export type Leaderboard = z.infer<typeof leaderboardSchema>

export const queueResultSchema = z.object({
  experimentId: z.number().int(),
  /** Trials in the search. */
  total: z.number().int(),
  /** Newly queued trials (the others were known: done, running, queued or failed). */
  added: z.number().int(),
  alreadyDone: z.number().int(),
  runIds: z.array(z.number().int()),
  /** Every trial of this spec (new and known), in search order. */
  trialIds: z.array(z.number().int())
})
export type QueueResult = z.infer<typeof queueResultSchema>

// ---------------------------------------------------------------------------------------------
// Bundles (workbench-bundle/1): exported runs in the local library and the shared folder.

export const bundleEvaluationSchema = bundleEvaluationRecordSchema.extend({ datasetName: z.string().nullable() })
export type BundleEvaluation = z.infer<typeof bundleEvaluationSchema>

export const bundleInfoSchema = z.object({
  dir: z.string(),
  folder: z.string(),
  location: z.enum(['local', 'shared']),
  /** False when the bundle fails its checks (checksums, format, paths); `problem` says why. */
  ok: z.boolean(),
  problem: z.string().nullable(),
  name: z.string().nullable(),
  version: z.string().nullable(),
  created: z.string().nullable(),
  runId: z.number().int().nullable(),
  /** The dataset version the bundle was tested on (the manifest's `datasetHash`: the bundle format keeps its name). */
  datasetId: z.string().nullable(),
  kind: z.string().nullable(),
  threshold: z.number().nullable(),
  onnxBytes: z.number().int().nullable(),
  metrics: z.record(z.string(), z.number()).nullable(),
  targetsMet: z.boolean().nullable(),
  evaluations: z.array(bundleEvaluationSchema),
  /** For a shared bundle: a copy is already in the local library. */
  imported: z.boolean()
})
export type BundleInfo = z.infer<typeof bundleInfoSchema>

export const settingsSchema = z.object({
  /** The folder colleagues exchange bundles through (watched), or null. */
  sharedDir: z.string().nullable(),
  /** The local bundle library. */
  bundlesDir: z.string(),
  /** Set for this session by `--shared` / `--bundles`: saving a new value takes effect next start. */
  overridden: z.object({ sharedDir: z.boolean(), bundlesDir: z.boolean() }),
  /** A search naming more trials than this is refused before anything is queued. */
  maxTrialsPerSearch: z.number().int().positive()
})
export type Settings = z.infer<typeof settingsSchema>

const empty = z.object({}).strict()
/** How `experiments.queue` serves what it queued. */
const queueOptions = {
  /**
   * This host then starts only this search's trials (other queued searches wait for another
   * process): a command-line run serves its own search, not whatever else the workspace holds.
   */
  focus: z.boolean().default(false)
}
const byId = z.object({ id: z.number().int().positive() }).strict()
/** A dataset version: the full content hash or a unique prefix (core/data/dataset-id.ts). */
const datasetId = z.object({ id: datasetIdSchema }).strict()

/** Every API method: name → input and output schema. */
export const methods = {
  'app.info': { input: empty, output: appInfoSchema },
  'doctor.report': { input: empty, output: doctorReportSchema },
  'experiments.list': { input: empty, output: z.array(experimentFileSchema) },
  'runs.list': { input: empty, output: z.array(runSummarySchema) },
  'runs.get': { input: byId, output: runDetailSchema },
  /** Start a run from a spec file (relative to the experiments folder) or an inline spec. */
  'runs.start': {
    input: z.union([z.object({ file: z.string().min(1) }).strict(), z.object({ spec: z.unknown() }).strict()]),
    output: z.object({ runId: z.number().int() })
  },
  'runs.cancel': { input: byId, output: z.object({ cancelled: z.boolean() }) },
  /** A split's stored per-window scores, traced to rows (typed arrays, not JSON lists). */
  'runs.scores': {
    input: z.object({ id: z.number().int().positive(), split: scoreSplitSchema.default('test'), episodes: z.boolean().default(false) }).strict(),
    output: runScoresSchema
  },
  /** Threshold studio and error lists (contract/analysis.ts). */
  ...analysisMethods,
  ...predictionMethods,
  /** Raw windows, why a window scored as it did, feature importance (contract/explain.ts). */
  ...explainMethods,
  /** Runs list (filter, sort, page, CSV), tags and notes, run links, compare (contract/history.ts). */
  ...historyMethods,
  ...remoteMethods,
  /** The search builder: field docs, draft checks, spec files read and written (contract/spec-builder.ts). */
  ...specBuilderMethods,

  /**
   * Queues a spec's whole search (new trials only: a trial is its params + data + version): a file
   * of the experiments folder, or a spec the caller read itself (`source` names where from, for
   * errors and the queue's listing; the host does not read it).
   */
  'experiments.queue': {
    input: z.union([
      z.object({ file: z.string().min(1), ...queueOptions }).strict(),
      z.object({ spec: z.unknown(), source: z.string().min(1).optional(), ...queueOptions }).strict()
    ]),
    output: queueResultSchema
  },
  /**
   * Resolves when the experiment has no queued or running trial left (or only queued ones of a
   * paused search), whichever process runs them; answers its summary then. While it waits,
   * `queue.changed` and `run.changed` tell the progress.
   */
  'queue.wait': { input: z.object({ experimentId: z.number().int().positive() }).strict(), output: queuedExperimentSchema },
  'queue.list': { input: empty, output: z.array(queuedExperimentSchema) },
  'queue.leaderboard': {
    input: z.object({ experimentId: z.number().int().positive(), rankBy: rankSplitSchema.default('validation') }).strict(),
    output: leaderboardSchema
  },
  /** No new trials of the experiment start (running ones finish). */
  'queue.pause': { input: z.object({ experimentId: z.number().int().positive() }).strict(), output: z.object({ ok: z.boolean() }) },
  'queue.resume': { input: z.object({ experimentId: z.number().int().positive() }).strict(), output: z.object({ ok: z.boolean() }) },
  /** Cancels the experiment's queued and running trials. */
  'queue.cancelExperiment': { input: z.object({ experimentId: z.number().int().positive() }).strict(), output: z.object({ cancelled: z.number().int() }) },
  'queue.cancelTrial': { input: z.object({ trialId: z.number().int().positive() }).strict(), output: z.object({ ok: z.boolean() }) },
  /** Failed trials (and cancelled ones with `includeCancelled`) back to the queue. */
  'queue.retry': {
    input: z.object({ experimentId: z.number().int().positive(), includeCancelled: z.boolean().default(false) }).strict(),
    output: z.object({ requeued: z.number().int() })
  },
  /** Higher priority runs first: set it on an experiment or on one trial. */
  'queue.setPriority': {
    input: z.union([
      z.object({ experimentId: z.number().int().positive(), priority: z.number().int() }).strict(),
      z.object({ trialId: z.number().int().positive(), priority: z.number().int() }).strict()
    ]),
    output: z.object({ ok: z.boolean() })
  },

  'settings.get': { input: empty, output: settingsSchema },
  'settings.set': {
    input: z
      .object({
        sharedDir: z.string().min(1).nullable().optional(),
        bundlesDir: z.string().min(1).nullable().optional(),
        /** Searches above this many trials are refused; null restores the default. */
        maxTrialsPerSearch: z.number().int().min(1).max(1_000_000).nullable().optional()
      })
      .strict(),
    output: settingsSchema
  },
  /**
   * Allows a folder outside the workspace, the bundle library and the shared folder for the rest
   * of the session (paths elsewhere are refused with code `forbidden`). The UI calls it only after
   * the user confirmed that very folder; the desktop app asks again in a native dialog.
   */
  'paths.allow': {
    input: z.object({ folder: z.string().min(1) }).strict(),
    output: z.object({ folder: z.string() })
  },
  /**
   * Desktop app only: the user picks files or a folder in a native dialog (opened by the main
   * process, so the page cannot fake it); what they picked is allowed, as with `paths.allow`.
   * Cancelled: no paths. Elsewhere: `bad_input` (type the path instead).
   */
  'paths.pick': {
    input: z
      .object({
        /** `files`: existing files to read; `folder`: a folder; `save`: a file to write (may not exist yet). */
        kind: z.enum(['files', 'folder', 'save']),
        title: z.string().max(200).optional(),
        /** Where the dialog opens, or the file name it suggests (save). */
        defaultPath: z.string().optional()
      })
      .strict(),
    output: z.object({ paths: z.array(z.string()) })
  },
  'bundles.list': { input: empty, output: z.array(bundleInfoSchema) },
  /**
   * Exports a finished run as a bundle (parity-checked in an inference worker), into the local
   * library, the shared folder, or a folder on the host machine (an absolute path the path policy
   * allows). Default: the shared folder when one is set, else the library. Progress comes as
   * `bundle.export` events.
   */
  'bundles.export': {
    input: z.object({ runId: z.number().int().positive(), to: z.union([z.enum(['local', 'shared']), z.string().min(1)]).optional(), name: z.string().optional() }).strict(),
    output: z.object({ dir: z.string(), name: z.string(), version: z.string(), onnxBytes: z.number().int(), parity: z.record(z.string(), z.number()), location: z.enum(['local', 'shared']) })
  },
  'bundles.verify': {
    input: z.object({ dir: z.string().min(1) }).strict(),
    output: z.object({
      ok: z.boolean(),
      problem: z.string().nullable(),
      maxAbsDiff: z.record(z.string(), z.number()),
      /** The bundle's manifest.json as checked (null when it could not be read or was refused). */
      manifest: z.record(z.string(), z.unknown()).nullable()
    })
  },
  /**
   * Scores a CSV or Parquet file (a path on the host machine) with a bundle in an inference
   * worker: per-window scores, each window's first row and end time, and the bundle's threshold.
   * A bundle or file the worker refuses is `bad_input` naming the file and field.
   */
  'bundles.score': {
    input: z.object({ dir: z.string().min(1), file: z.string().min(1) }).strict(),
    output: z.object({
      threshold: z.number(),
      windowLength: z.number().int(),
      scores: float32Array,
      starts: int32Array,
      /** End time of each window (ms since the epoch). */
      times: float64Array,
      /** Missing cells filled before scoring, by the bundle's rule (null: none were missing). */
      filled: z.object({ rule: z.enum(MISSING_RULES), cells: z.number().int(), byColumn: z.record(z.string(), z.number().int()) }).nullable()
    })
  },
  /** Copies a shared bundle into the local library after verifying it. */
  'bundles.import': { input: z.object({ dir: z.string().min(1) }).strict(), output: z.object({ dir: z.string() }) },
  /** Scores a local dataset version with a bundle in the inference worker; stores the metrics. */
  'bundles.evaluate': { input: z.object({ dir: z.string().min(1), datasetId: datasetIdSchema }).strict(), output: bundleEvaluationSchema },

  'scenarios.list': { input: empty, output: z.array(scenarioInfoSchema) },
  'datasets.list': { input: empty, output: z.array(datasetSummarySchema) },
  'datasets.get': { input: datasetId, output: datasetDetailSchema },
  /** Generates a scenario in a worker process; progress comes as `dataset.job` events. */
  'datasets.generate': {
    input: z.object({ scenario: z.string().min(1), params: z.record(z.string(), z.unknown()).default({}) }).strict(),
    output: z.object({ jobId: z.string() })
  },
  /**
   * Imports CSV or Parquet files, or folders of them (paths on the host machine), as one dataset
   * with one segment per file, in a worker process.
   */
  'datasets.import': {
    input: z.object({ files: z.array(z.string().min(1)).min(1), options: importOptionsSchema.default({}) }).strict(),
    output: z.object({ jobId: z.string() })
  },
  /**
   * What an import of these paths with these options would do, from the headers and first rows:
   * files and segment names, each column's role, kind and examples, warnings. Stores nothing.
   */
  'datasets.preview': {
    input: z.object({ files: z.array(z.string().min(1)).min(1), options: importOptionsSchema.default({}) }).strict(),
    output: importPreviewSchema
  },
  /** Changes column roles (column name → new role) and stores the result as a child version. */
  'datasets.saveRoles': {
    input: z.object({ id: datasetIdSchema, roles: z.record(z.string(), columnRoleSchema), note: z.string().optional() }).strict(),
    output: z.object({ id: z.string(), created: z.boolean() })
  },
  'datasets.window': {
    input: z
      .object({
        id: datasetIdSchema,
        /** Segment index (entity or file); default 0. */
        segment: z.number().int().min(0).default(0),
        /** Row range inside the segment, global row indices; default the whole segment. */
        from: z.number().int().min(0).optional(),
        to: z.number().int().min(1).optional(),
        buckets: z.number().int().min(10).max(20_000).default(1000),
        /** Columns to return (default all). */
        columns: z.array(z.string()).optional()
      })
      .strict(),
    output: seriesWindowSchema
  },
  /** A page of the version's labelled ranges, optionally of one type (null: ranges without a type). */
  'datasets.ranges': {
    input: z
      .object({
        id: datasetIdSchema,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
        type: z.string().nullable().optional()
      })
      .strict(),
    output: rangePageSchema
  },
  /** Per-column histograms; big versions are computed in a data worker, then kept per version. */
  'datasets.histograms': {
    input: z.object({ id: datasetIdSchema, bins: z.number().int().min(5).max(200).default(30) }).strict(),
    output: histogramSetSchema
  },
  /** Applies label edits to a version and stores the result as its child version. */
  'datasets.saveLabels': {
    input: z.object({ id: datasetIdSchema, edits: z.array(labelEditSchema).min(1), note: z.string().optional() }).strict(),
    output: z.object({ id: z.string(), created: z.boolean() })
  },
  /** Writes a version as CSV to a path on the host machine; `id` is the version's full id. */
  'datasets.export': {
    input: z.object({ id: datasetIdSchema, path: z.string().min(1) }).strict(),
    output: z.object({ id: z.string(), path: z.string(), rows: z.number().int(), bytes: z.number().int() })
  }
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>

/** Every event the host pushes: name → payload schema. */
export const events = {
  /** A run was created, changed status, or made progress (throttled to a few per second). */
  'run.changed': runSummarySchema,
  'run.log': runLogSchema,
  /** One finished epoch of a running trial (curves and the confusion matrix grow live from these). */
  'run.epoch': z.object({ runId: z.number().int(), epoch: epochSchema }),
  /** A spec file under experiments/ was added, changed or removed. */
  'experiments.changed': z.object({}),
  /** An experiment's queue changed (trials queued, started, finished; paused, resumed…). */
  'queue.changed': z.object({ experimentId: z.number().int() }),
  /** A bundle appeared, changed or went, locally or in the shared folder. */
  'bundles.changed': z.object({}),
  /** A dataset version was added (generated, imported, dropped in the watch folder, edited). */
  'datasets.changed': z.object({ id: z.string() }),
  /** Progress of a dataset job (generate / import); the last one has done = true. */
  'dataset.job': jobProgressSchema,
  /** Progress of a `bundles.export` of run `runId` (the call itself answers when it is done). */
  'bundle.export': z.object({ runId: z.number().int(), fraction: z.number(), message: z.string() }),
  ...historyEvents,
  ...remoteEvents
} as const satisfies Record<string, z.ZodType>

export type MethodName = keyof typeof methods
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<(typeof methods)[M]['output']>
export type EventName = keyof typeof events
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

export interface ApiErrorShape {
  code: ApiErrorCode
  message: string
  /** Field path for bad input, e.g. `model.params.nEstimators`. */
  path?: string
}

export class ApiError extends Error implements ApiErrorShape {
  readonly code: ApiErrorCode
  readonly path?: string
  constructor(code: ApiErrorCode, message: string, path?: string) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.path = path
  }
  toShape(): ApiErrorShape {
    return { code: this.code, message: this.message, ...(this.path ? { path: this.path } : {}) }
  }
}

/** What the renderer talks to, whatever the transport (preload IPC or WebSocket). */
export interface WorkbenchApi {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}
