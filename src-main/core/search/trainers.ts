/**
 * One trainer per model kind: what backend it computes on and how it runs a trial on already
 * resolved data. `runTrial` dispatches here; adding a model kind = one entry.
 */
import type { ExperimentSpec } from './spec'
import type { LabelledSeries } from '../data/series'
import type { TrialHooks, TrialOutput } from './run-trial'

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

/**
 * Trainers load on first use: an Isolation Forest worker never pays for loading TensorFlow.js,
 * which the deep trainers import.
 */
const loaders: Record<ExperimentSpec['model']['kind'], () => Promise<Trainer>> = {
  iforest: async () => (await import('../models/iforest-trainer')).iforestTrainer,
  'lstm-classifier': async () => (await import('../models/deep/lstm-classifier-trainer')).lstmClassifierTrainer,
  'lstm-autoencoder': async () => (await import('../models/deep/lstm-autoencoder-trainer')).lstmAutoencoderTrainer,
  'lstm-attention': async () => (await import('../models/deep/lstm-attention-trainer')).lstmAttentionTrainer
}

export function loadTrainer(kind: ExperimentSpec['model']['kind']): Promise<Trainer> {
  return loaders[kind]()
}

export async function backendFor(kind: ExperimentSpec['model']['kind']): Promise<BackendReport> {
  return (await loadTrainer(kind)).backend()
}
