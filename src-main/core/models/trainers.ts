/**
 * The trainer of each model kind (trainer.ts says what one is): `runTrial` dispatches here;
 * adding a model kind = one entry. Trainers load on first use: an Isolation Forest worker never
 * pays for loading TensorFlow.js, which the deep trainers import.
 */
import type { ExperimentSpec } from '../search/spec'
import type { BackendReport, HistoryAxis } from '../store/run-schemas'
import type { Trainer } from './trainer'

export type ModelKind = ExperimentSpec['model']['kind']

const loaders: Record<ModelKind, () => Promise<Trainer>> = {
  iforest: async () => (await import('./iforest-trainer')).iforestTrainer,
  'lstm-classifier': async () => (await import('./deep/lstm-classifier-trainer')).lstmClassifierTrainer,
  'lstm-autoencoder': async () => (await import('./deep/lstm-autoencoder-trainer')).lstmAutoencoderTrainer,
  'lstm-attention': async () => (await import('./deep/lstm-attention-trainer')).lstmAttentionTrainer
}

/** What each kind's history points count: a forest records checkpoints of its growing ensemble, not epochs. */
const historyAxes: Record<ModelKind, HistoryAxis> = {
  iforest: 'trees',
  'lstm-classifier': 'epoch',
  'lstm-autoencoder': 'epoch',
  'lstm-attention': 'epoch'
}

export function loadTrainer(kind: ModelKind): Promise<Trainer> {
  return loaders[kind]()
}

export async function backendFor(kind: ModelKind): Promise<BackendReport> {
  return (await loadTrainer(kind)).backend()
}

/** The history axis of a stored run's model kind (`epoch` for a kind this version does not know). */
export function historyAxisOf(modelKind: string): HistoryAxis {
  return Object.hasOwn(historyAxes, modelKind) ? historyAxes[modelKind as ModelKind] : 'epoch'
}
