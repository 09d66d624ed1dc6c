/**
 * The worker protocol: typed messages between the host and a worker process. The same messages
 * travel over Electron's MessagePort (utilityProcess) and Node's IPC channel (child_process with
 * `serialization: 'advanced'`), both structured clone, so typed arrays cross without copying to JSON.
 */
import type { ExperimentSpec } from '../core/search/spec'
import type { LabelledSeries } from '../core/data/series'
import type { RunResults, ConfusionCounts } from '../core/store/runs-repo'

export interface TrainingJob {
  runId: number
  spec: ExperimentSpec
}

/** Host → worker. */
export type ToWorker = { type: 'start'; job: TrainingJob } | { type: 'cancel'; reason: string }

export interface BackendReport {
  name: string
  skipped: { name: string; reason: string }[]
}

export interface ScoresPayload {
  split: 'train' | 'validation' | 'test'
  role: 'train' | 'test'
  scores: Float32Array
  labels: Uint8Array
  types: Uint8Array | null
}

/** Worker → host. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'started'; backend: BackendReport }
  | {
      type: 'dataset'
      role: 'train' | 'test'
      series: LabelledSeries
      generator: string
      params: Record<string, unknown>
    }
  | { type: 'params'; params: Record<string, unknown> }
  | { type: 'progress'; stage: string; fraction: number; message: string; etaMs: number | null }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'epoch'; epoch: number; metrics: Record<string, number>; confusion: ConfusionCounts | null }
  | { type: 'done'; results: RunResults; scores: ScoresPayload[] }
  | { type: 'cancelled'; reason: string }
  | { type: 'error'; message: string; stack?: string }
