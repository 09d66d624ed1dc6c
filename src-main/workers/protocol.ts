/**
 * The worker protocol: typed messages between the host and a worker process. The same messages
 * travel over Electron's MessagePort (utilityProcess) and Node's IPC channel (child_process with
 * `serialization: 'advanced'`), both structured clone, so typed arrays cross without copying to JSON.
 */
import type { ExperimentSpec } from '../core/search/spec'
import type { LabelledSeries } from '../core/data/series'
import type { SeriesArray, SeriesHeader } from '../core/data/series-arrays'
import type { ImportOptions } from '../core/data/import/detect'
import type { ColumnRoleEntry } from '../core/data/import/options'
import type { FillReport } from '../core/data/missing-values'
import type { ColumnHistogram } from '../core/data/column-stats'
import type { RunResults, ConfusionCounts } from '../core/store/runs-repo'

export interface TrainingJob {
  runId: number
  spec: ExperimentSpec
  /** The workspace database, opened read-only by the worker to load dataset versions. */
  dbFile: string
  /** This run's artifact folder (checkpoints, trained weights); the worker writes only here. */
  artifactsDir: string
}

/** Host → training worker. */
export type ToWorker = { type: 'start'; job: TrainingJob } | { type: 'cancel'; reason: string }

export interface BackendReport {
  name: string
  skipped: { name: string; reason: string }[]
}

/** A split's per-window scores, as the trainer produced them (run-trial.ts TrialScores). */
export type ScoresPayload = import('../core/search/run-trial').TrialScores

/** Worker → host. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'started'; backend: BackendReport }
  /** A generated source dataset, to be stored as a version ('both': train and test split it). */
  | {
      type: 'dataset'
      role: import('../core/search/run-trial').DataRole
      series: LabelledSeries
      generator: string
      params: Record<string, unknown>
    }
  /** A stored version the trial uses as it is. */
  | { type: 'datasetRef'; role: import('../core/search/run-trial').DataRole; id: string }
  | { type: 'params'; params: Record<string, unknown> }
  | { type: 'progress'; stage: string; fraction: number; message: string; etaMs: number | null }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | {
      type: 'epoch'
      epoch: number
      /** Losses, learning rate, validation ROC AUC / AP, throughput… (numbers only). */
      metrics: Record<string, number>
      /** Validation confusion matrix at the current threshold. */
      confusion: ConfusionCounts | null
      /** Validation score histogram (normal vs anomalous). */
      histogram?: { edges: number[]; normal: number[]; anomalous: number[] }
    }
  | { type: 'done'; results: RunResults; scores: ScoresPayload[] }
  | { type: 'cancelled'; reason: string }
  | { type: 'error'; message: string; stack?: string }

// ---------------------------------------------------------------------------------------------
// Data worker: generating a scenario or importing files, off the host's thread; and the
// editor's heavy reads of a stored version (histograms), off the host's event loop.

export type DataJob =
  | { kind: 'generate'; scenario: string; params: Record<string, unknown> }
  | { kind: 'import'; files: string[]; options: ImportOptions }

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
export type FromDataWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; fraction: number; message: string }
  | {
      type: 'begin'
      header: SeriesHeader
      warnings: string[]
      filled: FillReport | null
      /** An import's column roles and its files as the dataset names them (null for generated data). */
      roles: ColumnRoleEntry[] | null
      sources: string[] | null
    }
  | { type: 'array'; array: SeriesArray }
  | { type: 'done' }
  | { type: 'answer'; histograms: ColumnHistogram[] }
  | { type: 'cancelled'; reason: string }
  | { type: 'error'; message: string; stack?: string }

// ---------------------------------------------------------------------------------------------
// Inference worker: ONNX Runtime sessions (export with parity, verify, score), off the host.

export type InferenceJob =
  | {
      kind: 'export'
      run: import('../core/export/build-bundle').ExportableRun
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

export type InferenceResult =
  | { kind: 'export'; dir: string; manifest: import('../core/export/bundle').Manifest; parity: Record<string, number>; onnxBytes: number }
  | { kind: 'verify'; ok: boolean; manifest: import('../core/export/bundle').Manifest; maxAbsDiff: Record<string, number> }
  | {
      kind: 'score'
      threshold: number
      windowLength: number
      starts: Int32Array
      times: Float64Array
      scores: Float32Array
      labels: Uint8Array
      types: Uint8Array
      typeNames: string[]
      hasLabels: boolean
      /** Missing cells filled before scoring, by the bundle's rule (null: none were missing). */
      filled: FillReport | null
    }

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
      split: string
      datasetId: string
    }

export type InferenceReply =
  | { kind: 'explain'; explanation: import('../core/eval/attribution/explain-window').WindowExplanation; featureNames: string[]; computeMs: number; warm: boolean }
  | { kind: 'importance'; importance: import('../core/eval/attribution/run-importance').RunImportance; computeMs: number }

export type ToInferenceWorker = { type: 'start'; job: InferenceJob } | { type: 'request'; id: number; request: InferenceRequest }

export type FromInferenceWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; fraction: number; message: string }
  | { type: 'done'; result: InferenceResult }
  | { type: 'error'; message: string; stack?: string }
  | { type: 'reply'; id: number; ok: true; reply: InferenceReply }
  | { type: 'reply'; id: number; ok: false; message: string }

/** Which messages each worker kind takes and sends. */
export interface WorkerMessages {
  training: { in: ToWorker; out: FromWorker }
  data: { in: ToDataWorker; out: FromDataWorker }
  inference: { in: ToInferenceWorker; out: FromInferenceWorker }
}
