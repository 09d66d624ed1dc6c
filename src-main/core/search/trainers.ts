/**
 * One trainer per model kind: what backend it computes on and how it runs a trial on already
 * resolved data. `runTrial` dispatches here; adding a model kind = one entry.
 */
import type { ExperimentSpec } from './spec'
import type { LabelledSeries } from '../data/series'
import type { TrialHooks, TrialOutput } from './run-trial'
import { iforestTrainer } from '../models/iforest-trainer'
import { lstmClassifierTrainer } from '../models/deep/lstm-classifier-trainer'
import { lstmAutoencoderTrainer } from '../models/deep/lstm-autoencoder-trainer'
import { lstmAttentionTrainer } from '../models/deep/lstm-attention-trainer'

export interface BackendReport {
  name: string
  skipped: { name: string; reason: string }[]
}

export interface TrainerContext {
  spec: ExperimentSpec
  train: LabelledSeries
  /** Present when the split carves one (deep models early-stop on it). */
  validation: LabelledSeries | null
  test: LabelledSeries
  /** onProgress here is the run's overall progress (0..1 over the whole trial). */
  hooks: TrialHooks & { onProgress: NonNullable<TrialHooks['onProgress']> }
  /** Date.now() when the trial started (for ETAs). */
  started: number
}

export interface Trainer {
  /** Prepares the compute backend (e.g. picks the tfjs rung) and says which and why. */
  backend(): Promise<BackendReport>
  run(ctx: TrainerContext): Promise<TrialOutput>
}

export const trainers: Record<ExperimentSpec['model']['kind'], Trainer> = {
  iforest: iforestTrainer,
  'lstm-classifier': lstmClassifierTrainer,
  'lstm-autoencoder': lstmAutoencoderTrainer,
  'lstm-attention': lstmAttentionTrainer
}

export function backendFor(kind: ExperimentSpec['model']['kind']): Promise<BackendReport> {
  return trainers[kind].backend()
}
