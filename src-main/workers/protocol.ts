/**
 * The worker protocol: messages between the host and a worker process. The same messages travel
 * over Electron's MessagePort (utilityProcess) and Node's IPC channel (child_process with
 * `serialization: 'advanced'`), both structured clone, so typed arrays cross without copying to JSON.
 *
 * What a worker sends is declared as zod schemas and parsed in the host (`parsedMessages`, used by
 * both launchers): a malformed message ends the worker and reaches the host as that worker's
 * `error`, which fails its run or job with the reason, instead of being cast and trusted. What the
 * host sends is typed only: the host built it. Typed arrays are checked by type (`z.custom`), never
 * walked or copied.
 */
import { z } from 'zod'
import type { ExperimentSpec } from '../core/search/spec'
import type { ResumeFrom } from '../core/models/trainer'
import type { ReadOptions } from '../core/data/import/detect'
import { columnRoleEntrySchema } from '../core/data/import/options'
import { fillReportSchema } from '../core/data/missing-values'
import { columnHistogramSchema } from '../core/data/column-stats'
import { seriesArraySchema, seriesHeaderSchema } from '../core/data/series-arrays'
import { type ScoreSplit, backendReportSchema, dataRoleSchema, epochSchema, logLevelSchema, runProgressSchema, trialOutputSchema } from '../core/store/run-schemas'
import { manifestSchema } from '../core/export/bundle'
import type { ExportableRun } from '../core/export/build-bundle'
import { runImportanceSchema, windowExplanationSchema } from '../core/eval/attribution/schemas'
import { measuredNumber, measurements } from '../core/eval/result-schemas'
import { float32Array, float64Array, int32Array, uint8Array } from '../core/typed-array-schemas'

// ---------------------------------------------------------------------------------------------
// What every worker says: it is up, it failed.

const ready = z.object({ type: z.literal('ready'), pid: z.number().int() })
const failed = z.object({ type: z.literal('error'), message: z.string(), stack: z.string().optional() })
const cancelled = z.object({ type: z.literal('cancelled'), reason: z.string() })
/** The last message of a job that did not finish: it failed, or it was cancelled. */
export type JobFailure = z.infer<typeof failed> | z.infer<typeof cancelled>
/** Progress of a data or inference job (a trial reports run progress instead). */
const jobProgress = z.object({ type: z.literal('progress'), fraction: z.number(), message: z.string() })

// ---------------------------------------------------------------------------------------------
// Training worker: trials one after another, for as long as the host keeps the process
// (host/training-workers.ts): a warm worker serves the next trial without a process start.

export interface TrainingJob {
  runId: number
  spec: ExperimentSpec
  /** The workspace database, opened read-only by the worker to load dataset versions. */
  dbFile: string
  /** This run's artifact folder (checkpoints, trained weights); the worker writes only here. */
  artifactsDir: string
  /**
   * Cores the trial may use (host/compute-threads.ts): a deep trial splits its batches over
   * that many threads (core/models/deep/data-parallel.ts), started for the trial and ended with it.
   */
  threads: number
  /**
   * The resume checkpoint an earlier, interrupted run of this trial left (its folder and run id):
   * a deep trial continues after its last completed epoch (train-loop.ts). Absent: from scratch.
   */
  resumeFrom?: ResumeFrom | null
}

/**
 * Host → training worker: run a trial (only when the last one ended), stop the trial of `runId`
 * (a cancel that arrives after it ended is ignored), end the process (an idle worker retired).
 */
export type ToWorker = { type: 'start'; job: TrainingJob } | { type: 'cancel'; runId: number; reason: string } | { type: 'exit' }

/** Training worker → host. */
export const fromTrainingWorkerSchema = z.discriminatedUnion('type', [
  ready,
  z.object({ type: z.literal('started'), backend: backendReportSchema }),
  /** The stored version a trial's data comes from (generated data is stored by the host before a trial starts). */
  z.object({ type: z.literal('datasetRef'), role: dataRoleSchema, id: z.string() }),
  z.object({ type: z.literal('params'), params: z.record(z.string(), z.unknown()) }),
  runProgressSchema.extend({ type: z.literal('progress') }),
  z.object({ type: z.literal('log'), level: logLevelSchema, message: z.string() }),
  /** One point of the run's history (store/run-schemas.ts `epochSchema`). */
  epochSchema.extend({ type: z.literal('epoch') }),
  /** Sent right before a trial's last message: the process's memory then, to retire a worker that grew. */
  z.object({ type: z.literal('usage'), rssBytes: z.number().min(0) }),
  trialOutputSchema.extend({ type: z.literal('done') }),
  cancelled,
  failed
])
export type FromWorker = z.infer<typeof fromTrainingWorkerSchema>
/** The last message of a trial: the worker is free for the next one after it. */
export type TrialEnd = Extract<FromWorker, { type: 'done' | 'cancelled' | 'error' }>

// ---------------------------------------------------------------------------------------------
// Data worker: generating a scenario or importing files, off the host's thread; and the
// editor's heavy reads of a stored version (histograms), off the host's event loop.

export type DataJob = { kind: 'generate'; scenario: string; params: Record<string, unknown> } | { kind: 'import'; files: string[]; options: ReadOptions }

/** A read of a stored version: the worker opens the workspace database read-only. */
export type DataQuery = { kind: 'histograms'; dbFile: string; datasetId: string; bins: number }

export type ToDataWorker =
  | { type: 'start'; job: DataJob }
  | { type: 'query'; query: DataQuery }
  | { type: 'cancel'; reason: string }
  /** The host stored array `name`: the worker may send the next one (one array in flight). */
  | { type: 'stored'; name: string }

/**
 * A finished series travels as `begin` (everything but the arrays, and what the import had to
 * say), one `array` message per array in canonical order (series-arrays.ts), each sent only once
 * the host has stored the one before, then `done`: neither process ever holds a second copy.
 */
export const fromDataWorkerSchema = z.discriminatedUnion('type', [
  ready,
  jobProgress,
  z.object({
    type: z.literal('begin'),
    header: seriesHeaderSchema,
    warnings: z.array(z.string()),
    filled: fillReportSchema.nullable(),
    /** An import's column roles and its files as the dataset names them (null for generated data). */
    roles: z.array(columnRoleEntrySchema).nullable(),
    sources: z.array(z.string()).nullable()
  }),
  z.object({ type: z.literal('array'), array: seriesArraySchema }),
  z.object({ type: z.literal('done') }),
  z.object({ type: z.literal('answer'), histograms: z.array(columnHistogramSchema) }),
  cancelled,
  failed
])
export type FromDataWorker = z.infer<typeof fromDataWorkerSchema>

// ---------------------------------------------------------------------------------------------
// Inference worker: ONNX Runtime sessions (export with parity, verify, score), off the host.

export type InferenceJob =
  | {
      kind: 'export'
      run: ExportableRun
      testDatasetId: string
      dbFile: string
      artifactsDir: string
      dataset: { id: string | null; name: string | null; rows: number | null; anomalyRate: number | null }
      train: { id: string | null; name: string | null; rows: number | null } | null
      name: string
      version: string
      /** Folder the bundle folder is created in (the local library or the shared folder). */
      parent: string
    }
  | { kind: 'verify'; dir: string }
  /** Scores a CSV/Parquet file, or a stored dataset version, with a bundle. */
  | { kind: 'score'; dir: string; file?: string; datasetId?: string; dbFile?: string }

const diffs = measurements

export const inferenceResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('export'), dir: z.string(), manifest: manifestSchema, parity: diffs, onnxBytes: z.number().int().min(0) }),
  z.object({ kind: z.literal('verify'), ok: z.boolean(), manifest: manifestSchema, maxAbsDiff: diffs }),
  z.object({
    kind: z.literal('score'),
    threshold: measuredNumber,
    windowLength: z.number().int().min(1),
    starts: int32Array,
    times: float64Array,
    scores: float32Array,
    labels: uint8Array,
    types: uint8Array,
    typeNames: z.array(z.string()),
    hasLabels: z.boolean(),
    /** Missing cells filled before scoring, by the bundle's rule (null: none were missing). */
    filled: fillReportSchema.nullable()
  })
])
export type InferenceResult = z.infer<typeof inferenceResultSchema>

/**
 * Requests a warm inference worker serves one after another for as long as the host keeps it
 * (host/inference-server.ts), keeping each run's model loaded between them: why a window scored
 * as it did, and a run's feature importance. The worker reads the run's model and data from the
 * workspace database itself, read-only.
 */
export type InferenceRequest =
  | {
      kind: 'explain'
      dbFile: string
      runId: number
      artifactsDir: string
      /** The window's RAW rows [length, columns] row-major (the host has the version loaded); the worker picks the model's features. */
      window: Float32Array
      /** The dataset version's columns, in the window's order. */
      columns: string[]
      /** For a per-segment run: the segment whose model scored the window. */
      segment?: string
    }
  | {
      kind: 'importance'
      dbFile: string
      runId: number
      artifactsDir: string
      /** The split measured on (validation when stored, else train) and its dataset version. */
      split: ScoreSplit
      datasetId: string
    }

export const inferenceReplySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('explain'), explanation: windowExplanationSchema, featureNames: z.array(z.string()), computeMs: z.number(), warm: z.boolean() }),
  z.object({ kind: z.literal('importance'), importance: runImportanceSchema, computeMs: z.number() })
])
export type InferenceReply = z.infer<typeof inferenceReplySchema>

export type ToInferenceWorker = { type: 'start'; job: InferenceJob } | { type: 'request'; id: number; request: InferenceRequest }

export const fromInferenceWorkerSchema = z.union([
  ready,
  jobProgress,
  z.object({ type: z.literal('done'), result: inferenceResultSchema }),
  failed,
  z.object({ type: z.literal('reply'), id: z.number().int(), ok: z.literal(true), reply: inferenceReplySchema }),
  z.object({ type: z.literal('reply'), id: z.number().int(), ok: z.literal(false), message: z.string() })
])
export type FromInferenceWorker = z.infer<typeof fromInferenceWorkerSchema>

// ---------------------------------------------------------------------------------------------

/** Which messages each worker kind takes and sends. */
export interface WorkerMessages {
  training: { in: ToWorker; out: FromWorker }
  data: { in: ToDataWorker; out: FromDataWorker }
  inference: { in: ToInferenceWorker; out: FromInferenceWorker }
}
export type WorkerKind = keyof WorkerMessages

const fromWorkerSchemas: { [K in WorkerKind]: z.ZodType<WorkerMessages[K]['out']> } = {
  training: fromTrainingWorkerSchema,
  data: fromDataWorkerSchema,
  inference: fromInferenceWorkerSchema
}

/** A message the schema refuses, said in a line: the first problems with their paths. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`)
    .join('; ')
}

/**
 * Parses what a worker of `kind` sent. A malformed message comes back as that worker's `error`
 * message naming the problem (every worker kind has one), so the host fails the run or job with
 * the reason through the path it already has.
 */
export function parseWorkerMessage<K extends WorkerKind>(kind: K, raw: unknown): { ok: true; message: WorkerMessages[K]['out'] } | { ok: false; message: WorkerMessages[K]['out'] } {
  const parsed = fromWorkerSchemas[kind].safeParse(raw)
  if (parsed.success) return { ok: true, message: parsed.data }
  const type = raw && typeof raw === 'object' && 'type' in raw && typeof raw.type === 'string' ? `'${raw.type}' ` : ''
  const error = { type: 'error' as const, message: `the ${kind} worker sent an unreadable ${type}message (${describeIssues(parsed.error)}); the worker was stopped` }
  return { ok: false, message: error as WorkerMessages[K]['out'] }
}

/**
 * A launcher's message listener: parses each message (`parseWorkerMessage`); a malformed one is
 * delivered as the worker's error, after which the worker is ended (`kill`) and its further
 * messages are dropped.
 */
export function parsedMessages<K extends WorkerKind>(kind: K, listener: (message: WorkerMessages[K]['out']) => void, kill: () => void): (raw: unknown) => void {
  let refused = false
  return (raw) => {
    if (refused) return
    const parsed = parseWorkerMessage(kind, raw)
    if (!parsed.ok) {
      refused = true
      kill()
    }
    listener(parsed.message)
  }
}
