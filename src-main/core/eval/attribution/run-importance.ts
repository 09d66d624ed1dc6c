/**
 * Global feature importance of a finished run, on the windows of one split (the validation one
 * when the run stored it: never the split its metrics are reported on):
 * - Isolation Forest: from the trees — the mean |path-length attribution| of the rows
 *   (iforestFeatureImportance): how far, on average, splits on a feature move a row's isolation;
 * - deep models: permutation importance (permutation.ts) — the drop of ROC AUC when a feature's
 *   series is shuffled across windows. ROC AUC because it does not depend on the share of
 *   anomalous windows, which the cap below changes.
 *
 * Permutation costs (1 + features x repeats) passes over the windows, so the windows are capped:
 * every anomalous window up to half the cap, the rest normal ones, both evenly spaced through the
 * split (deterministic). The forest's rows are capped too (much higher), evenly spaced. The result
 * says how many were used.
 */
import { rocAuc } from '../metrics'
import { createRng } from '../../data/rng'
import { fillBatch } from '../../data/windows'
import { iforestFeatureImportance } from './iforest-attribution'
import { permutationImportance } from './permutation'
import { rankDescending } from './ranking'
import { scaleWindows, type ExplainableModel } from './explainable-model'
import type { RunImportance } from './schemas'

/** Windows a deep model's permutation importance is measured on at most. */
export const PERMUTATION_MAX_WINDOWS = 1000
/** Shuffles per feature (sklearn's default is 5; 3 keeps a seed-sized run under a minute on one core). */
export const PERMUTATION_REPEATS = 3
/** Rows the forest's importance is read from at most (a pass over the trees per row: ~1 s per 100,000). */
export const FOREST_MAX_ROWS = 100_000

export interface ImportanceWindows {
  /** RAW columns of the dataset version, in the model's feature order. */
  columns: Float32Array[]
  /** First row of each window of the split in those columns. */
  starts: Int32Array
  /** Each window's label (the run's label rule). */
  labels: Uint8Array
}

export type { RunImportance } from './schemas'

export interface RunImportanceOptions {
  maxWindows?: number
  repeats?: number
  seed?: number
}

/** `k` of the indices `list` evenly spaced (all of them when k >= their number). */
function evenly(list: number[], k: number): number[] {
  if (k >= list.length) return list
  return Array.from({ length: k }, (_, i) => list[Math.floor((i * list.length) / k)])
}

/** Indices of the windows to use: all when few, else anomalous ones up to half the cap and normal ones for the rest. */
export function capWindows(labels: Uint8Array, max: number): Int32Array {
  if (labels.length <= max) return Int32Array.from({ length: labels.length }, (_, i) => i)
  const pos: number[] = []
  const neg: number[] = []
  for (let i = 0; i < labels.length; i++) (labels[i] ? pos : neg).push(i)
  const p = evenly(pos, Math.min(pos.length, Math.floor(max / 2)))
  const n = evenly(neg, max - p.length)
  return Int32Array.from([...p, ...n].sort((a, b) => a - b))
}

export async function runFeatureImportance(model: ExplainableModel, w: ImportanceWindows, opts: RunImportanceOptions = {}): Promise<RunImportance> {
  const r = await measure(model, w, opts)
  return model.storedScoresNote ? { ...r, note: `${r.note}; measured on the model's own scores (${model.storedScoresNote.replace(/; this explains.*$/, '')})` } : r
}

async function measure(model: ExplainableModel, w: ImportanceWindows, opts: RunImportanceOptions): Promise<RunImportance> {
  const F = model.featureNames.length
  if (w.columns.length !== F) throw new Error(`${w.columns.length} columns for a model of ${F} features`)
  if (w.labels.length !== w.starts.length) throw new Error(`${w.starts.length} windows but ${w.labels.length} labels`)
  const total = w.starts.length
  if (total === 0) throw new Error('the split has no windows to measure importance on')

  if (model.kind === 'iforest') {
    // Evenly spaced, not stratified: the mean is over the split's rows as they are.
    const all = Array.from({ length: total }, (_, i) => i)
    const keep = evenly(all, Math.min(total, opts.maxWindows ?? FOREST_MAX_ROWS))
    const starts = Int32Array.from(keep, (i) => w.starts[i])
    const raw = new Float32Array(starts.length * F)
    fillBatch(w.columns, starts, 0, starts.length, 1, raw)
    const imp = iforestFeatureImportance(model.forest, { data: scaleWindows(raw, F, model.scaler), rows: starts.length, cols: F })
    return {
      method: 'path-length',
      metric: 'mean |path-length attribution| over the rows (steps of path length)',
      windowsUsed: starts.length,
      windowsTotal: total,
      repeats: null,
      features: rankDescending(imp.meanAbs).map((f) => ({ name: model.featureNames[f], importance: imp.meanAbs[f], std: null })),
      note: `read from the ${model.forest.trees.length} trees over ${starts.length.toLocaleString('en-US')} rows${starts.length < total ? ` (capped from ${total.toLocaleString('en-US')})` : ''}`
    }
  }

  const keep = capWindows(w.labels, opts.maxWindows ?? PERMUTATION_MAX_WINDOWS)
  const starts = Int32Array.from(keep, (i) => w.starts[i])
  const labels = Uint8Array.from(keep, (i) => w.labels[i])
  let anomalous = 0
  for (let i = 0; i < labels.length; i++) anomalous += labels[i]
  if (anomalous === 0 || anomalous === labels.length) {
    throw new Error(`the windows hold only ${anomalous === 0 ? 'normal' : 'anomalous'} ones: permutation importance measures a drop of ROC AUC, which needs both classes`)
  }
  const repeats = opts.repeats ?? PERMUTATION_REPEATS
  const p = await permutationImportance(model.score, { columns: w.columns, starts, length: model.length }, labels, rocAuc, createRng(opts.seed ?? 0), { repeats })
  return {
    method: 'permutation',
    metric: 'drop of ROC AUC when the feature is shuffled across windows',
    windowsUsed: starts.length,
    windowsTotal: total,
    repeats,
    features: p.ranking.map((f) => ({ name: model.featureNames[f], importance: p.importance[f], std: p.std[f] })),
    note:
      `ROC AUC ${p.baseline.toFixed(4)} on ${starts.length.toLocaleString('en-US')} windows (${anomalous} anomalous)` +
      (starts.length < total ? `, capped from ${total.toLocaleString('en-US')}: every anomalous window up to half the cap, normal ones evenly spaced for the rest` : '') +
      `; ${repeats} shuffles per feature`
  }
}
