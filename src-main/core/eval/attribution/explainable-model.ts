/**
 * A finished run's model as the explanation code sees it: its features, window, scaler and a
 * scorer over RAW windows (the scaler is the model's business), plus what a method needs beyond
 * scores — the forest's trees, the autoencoder's reconstruction. Platform-free: the forest is
 * read here from what the run stored (iforest-codec.ts); the deep kinds are opened over ONNX Runtime by
 * `core/export/onnx/explainable-run.ts`.
 */
import { applyScaler, type StandardScaler } from '../../data/scaler'
import { scoreSamples, type IsolationForestModel } from '../../models/iforest'
import { readForest } from '../../models/iforest-codec'
import type { BatchScorer } from './batch-scorer'

interface Common {
  featureNames: string[]
  scaler: StandardScaler
  /** Rows per window (1 for per-row models). */
  length: number
  /** Scores `count` RAW windows [count, length, features] row-major (the stored scores' scale). */
  score: BatchScorer
  /** How the run's stored scores differ from `score` (post-processing over time), null when they are the model's own. */
  storedScoresNote: string | null
  /** Frees what the model holds (an ONNX Runtime session). */
  dispose(): Promise<void>
}

export type ExplainableModel =
  | (Common & { kind: 'iforest'; forest: IsolationForestModel })
  | (Common & {
      kind: 'lstm-autoencoder'
      /** The reconstruction of `count` RAW windows, in the model's scaled units, [count, length, features]. */
      reconstruct: (raw: Float32Array, count: number) => Promise<Float32Array>
      /** The score mapping's k: score = 1 - exp(-k x reconstruction error). */
      scoreK: number
    })
  | (Common & { kind: 'lstm-classifier' | 'lstm-attention' })

/** Scales `count` raw windows [count, length, F] as training did (float64 then float32, applyScaler). */
export function scaleWindows(raw: Float32Array, features: number, scaler: StandardScaler): Float32Array {
  return applyScaler({ data: raw, rows: raw.length / features, cols: features }, scaler).data
}

/** The stored Isolation Forest of a run (`{ kind: 'iforest', featureNames, scaler, forest }`). */
export function iforestExplainable(runModel: { featureNames: string[]; scaler: StandardScaler; forest: unknown }, storedScoresNote: string | null = null): ExplainableModel {
  const forest = readForest(runModel.forest)
  const F = forest.nFeatures
  if (runModel.featureNames.length !== F) throw new Error(`the run names ${runModel.featureNames.length} features for a forest of ${F}`)
  return {
    kind: 'iforest',
    featureNames: runModel.featureNames,
    scaler: runModel.scaler,
    length: 1,
    forest,
    storedScoresNote,
    score: async (batch, count) => scoreSamples(forest, { data: scaleWindows(batch.subarray(0, count * F), F, runModel.scaler), rows: count, cols: F }),
    dispose: async () => {}
  }
}
