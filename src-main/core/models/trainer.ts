/**
 * What a trainer is: one per model kind (the registry is trainers.ts), told its data and spec,
 * reporting through hooks, giving back results and per-window scores. The trainers import this
 * module; it imports none of them.
 */
import type { ExperimentSpec } from '../search/spec'
import type { LabelledSeries } from '../data/series'
import type { BackendReport, Epoch, LogLevel, RunProgress, TrialOutput } from '../store/run-schemas'

export type { TrialOutput, TrialScores } from '../store/run-schemas'

/** How a trainer reports while it runs (the training worker sends each to the host). */
/** An interrupted run that left a resume checkpoint: its artifact folder (the checkpoint is in `resume/` there) and id. */
export interface ResumeFrom {
  artifactsDir: string
  runId: number
}

export interface TrainerHooks {
  /** The params as resolved (defaults filled in), recorded with the run. */
  onParams?: (params: Record<string, unknown>) => void
  onProgress?: (p: RunProgress) => void
  onLog?: (level: LogLevel, message: string) => void
  /** One point of the run's history (an epoch; for Isolation Forest, an ensemble size). */
  onEpoch?: (e: Epoch) => void
  /** This run's artifact folder (checkpoints, weights); absent when trials run in-process. */
  artifactsDir?: string
  /** An interrupted earlier run's resume checkpoint (deep trials continue from it). */
  resumeFrom?: ResumeFrom | null
  /** The data the trial trains on (stored version ids, or a generator and its params), set by runTrial: part of a resume checkpoint's fingerprint. */
  dataIdentity?: string[]
  shouldStop?: () => boolean
  /**
   * Cores this trial may use (default 1; the host's cores over its trial slots:
   * host/compute-threads.ts). Deep trials on wasm or cpu split every batch over them
   * (data-parallel.ts).
   */
  threads?: number
}

export interface TrainerContext {
  spec: ExperimentSpec
  train: LabelledSeries
  /** Present when the split carves one (deep models early-stop on it). */
  validation: LabelledSeries | null
  test: LabelledSeries
  /** onProgress here is the run's overall progress (0..1 over the whole trial). */
  hooks: TrainerHooks & { onProgress: NonNullable<TrainerHooks['onProgress']> }
  /** Date.now() when the trial started (for ETAs). */
  started: number
}

export interface Trainer {
  /** Prepares the compute backend (e.g. picks the tfjs rung) and says which and why. */
  backend(): Promise<BackendReport>
  run(ctx: TrainerContext): Promise<TrialOutput>
}
