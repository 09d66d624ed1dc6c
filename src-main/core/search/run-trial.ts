/**
 * One trial end to end, independent of where it runs: resolve the spec's data (generate and
 * split), train the model kind, evaluate on test, check the targets. The training worker wires
 * the hooks to its parent channel; tests and benches call it in-process.
 */
import type { ExperimentSpec, DatasetSpec } from './spec'
import { isGenerated } from './spec'
import type { LabelledSeries } from '../data/series'
import { generateScenario } from '../data/scenarios'
import { splitSeries } from '../data/splits'
import { runIForestTrial } from '../models/iforest-trial'
import { toJSON as iforestToJSON } from '../models/iforest'
import { ensembleHistory } from '../models/iforest-history'
import { applyScaler } from '../data/scaler'
import { fromColumns } from '../data/matrix'
import { checkTargets } from '../eval/targets'
import type { RunResults } from '../store/runs-repo'

/** Where a trial's data came from: a generated series (to be stored) or a stored version. */
export type DataSource =
  | { role: 'train' | 'test' | 'both'; kind: 'generated'; series: LabelledSeries; generator: string; params: Record<string, unknown> }
  | { role: 'train' | 'test' | 'both'; kind: 'version'; id: string }

export interface TrialHooks {
  /** Loads a stored dataset version (the worker reads the workspace database). */
  loadVersion?: (idOrPrefix: string) => { id: string; series: LabelledSeries }
  onDataset?: (source: DataSource) => void
  onParams?: (params: Record<string, unknown>) => void
  onProgress?: (p: { stage: string; fraction: number; message: string; etaMs: number | null }) => void
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void
  /** One point of the run's history (an epoch; for Isolation Forest, an ensemble size). */
  onEpoch?: (e: { epoch: number; metrics: Record<string, number>; confusion: { tn: number; fp: number; fn: number; tp: number } | null }) => void
  shouldStop?: () => boolean
}

export interface TrialScores {
  split: 'train' | 'test'
  role: 'train' | 'test'
  scores: Float32Array
  labels: Uint8Array
  types: Uint8Array | null
}

export interface TrialOutput {
  results: RunResults
  scores: TrialScores[]
}

/** The compute backend a model kind trains on, and why better ones were skipped. */
export function backendFor(kind: ExperimentSpec['model']['kind']): { name: string; skipped: { name: string; reason: string }[] } {
  switch (kind) {
    case 'iforest':
      // Our own typed-array code: no tfjs backend is involved, so none is skipped.
      return { name: 'typed-arrays (Isolation Forest, no tfjs)', skipped: [] }
  }
}

const METRIC_KEYS = ['accuracy', 'precision', 'recall', 'f1', 'fpr', 'specificity', 'fnr', 'rocAuc', 'averagePrecision'] as const

export function pickMetrics(report: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const k of METRIC_KEYS) out[k] = Number(report[k])
  return out
}

/** Train and test series for a spec: a second dataset, or a split of one version. */
export function resolveData(
  spec: ExperimentSpec,
  loadVersion?: TrialHooks['loadVersion']
): { train: LabelledSeries; validation: LabelledSeries | null; test: LabelledSeries; sources: DataSource[] } {
  const sources: DataSource[] = []
  const load = (ds: DatasetSpec, role: 'train' | 'test' | 'both'): LabelledSeries => {
    if (isGenerated(ds)) {
      const series = generateScenario(ds.generator, ds.params)
      sources.push({ role, kind: 'generated', series, generator: ds.generator, params: ds.params })
      return series
    }
    if (!loadVersion) throw new Error(`dataset version ${ds.version} needs a workspace to load it from`)
    const { id, series } = loadVersion(ds.version)
    sources.push({ role, kind: 'version', id })
    return series
  }
  if (spec.split.kind === 'separate-test') {
    const train = load(spec.dataset, 'train')
    const test = load(spec.split.test, 'test')
    return { train, validation: null, test, sources }
  }
  const full = load(spec.dataset, 'both')
  const { train, validation, test } = splitSeries(full, spec.split)
  return { train, validation, test, sources }
}

export async function runTrial(spec: ExperimentSpec, hooks: TrialHooks = {}): Promise<TrialOutput> {
  const progress = hooks.onProgress ?? (() => {})
  const started = Date.now()
  progress({ stage: 'data', fraction: 0, message: 'preparing data', etaMs: null })
  const { train, test, sources } = resolveData(spec, hooks.loadVersion)
  for (const source of sources) hooks.onDataset?.(source)
  hooks.onLog?.('info', `data: train ${train.timestamps.length} rows, test ${test.timestamps.length} rows, ${train.columns.length} features`)
  progress({ stage: 'data', fraction: 0.05, message: 'data ready', etaMs: null })

  switch (spec.model.kind) {
    case 'iforest': {
      // Stage weights for one overall fraction: fitting dominates, scoring second.
      const weights: Record<string, [number, number]> = {
        scaling: [0.05, 0.07],
        fitting: [0.07, 0.6],
        scoring: [0.6, 0.95],
        evaluating: [0.95, 1]
      }
      const r = runIForestTrial({
        train,
        test,
        params: spec.model.params,
        shouldStop: hooks.shouldStop,
        onProgress: (p) => {
          const [a, b] = weights[p.stage] ?? [0, 1]
          const fraction = a + (b - a) * p.fraction
          const elapsed = Date.now() - started
          progress({
            stage: p.stage,
            fraction,
            message: p.message,
            etaMs: fraction > 0.1 ? (elapsed / fraction) * (1 - fraction) : null
          })
        }
      })
      hooks.onParams?.(r.params as unknown as Record<string, unknown>)
      // Learning curve over the ensemble size, on the training rows (labels never steer the fit).
      for (const e of ensembleHistory(r.model, applyScaler(fromColumns(train.values), r.scaler), train.labels)) hooks.onEpoch?.(e)
      const metrics = pickMetrics(r.test as unknown as Record<string, unknown>)
      const results: RunResults = {
        threshold: r.threshold,
        metrics,
        trainMetrics: pickMetrics(r.train as unknown as Record<string, unknown>),
        confusion: r.test.confusion,
        targets: checkTargets(metrics, spec.targets),
        curves: {
          roc: { fpr: r.rocCurve.fpr, tpr: r.rocCurve.tpr },
          pr: { recall: r.prCurve.recall, precision: r.prCurve.precision },
          histogram: r.histogram
        },
        recallByType: r.recallByType,
        model: { kind: 'iforest', featureNames: r.featureNames, scaler: r.scaler, forest: iforestToJSON(r.model) }
      }
      hooks.onLog?.(
        'info',
        `fit ${r.timings.fitMs.toFixed(0)} ms, score ${r.timings.scoreMs.toFixed(0)} ms; test precision ${metrics.precision.toFixed(4)} recall ${metrics.recall.toFixed(4)} fpr ${metrics.fpr.toFixed(4)}`
      )
      return {
        results,
        scores: [
          { split: 'train', role: 'train', scores: Float32Array.from(r.trainScores), labels: train.labels, types: train.anomalyType },
          { split: 'test', role: 'test', scores: Float32Array.from(r.testScores), labels: test.labels, types: test.anomalyType }
        ]
      }
    }
  }
}
