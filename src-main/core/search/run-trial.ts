/**
 * One trial end to end, independent of where it runs: resolve the spec's data (generate and
 * split), train the model kind, evaluate on test, check the targets. The training worker wires
 * the hooks to its parent channel; tests and benches call it in-process.
 */
import type { ExperimentSpec, GeneratedDatasetSpec } from './spec'
import type { LabelledSeries } from '../data/series'
import { sliceSeries } from '../data/series'
import { generateScenario } from '../data/scenarios'
import { runIForestTrial } from '../models/iforest-trial'
import { toJSON as iforestToJSON } from '../models/iforest'
import { ensembleHistory } from '../models/iforest-history'
import { applyScaler } from '../data/scaler'
import { fromColumns } from '../data/matrix'
import { checkTargets } from '../eval/targets'
import type { RunResults } from '../store/runs-repo'

export interface TrialHooks {
  onDataset?: (role: 'train' | 'test', series: LabelledSeries, source: GeneratedDatasetSpec) => void
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

/** Train and test series for a spec: a second generated dataset, or a chronological split. */
export function resolveData(spec: ExperimentSpec): { train: LabelledSeries; test: LabelledSeries; testSource: GeneratedDatasetSpec } {
  const full = generateScenario(spec.dataset.generator, spec.dataset.params)
  if (spec.split.kind === 'separate-test') {
    return { train: full, test: generateScenario(spec.split.test.generator, spec.split.test.params), testSource: spec.split.test }
  }
  const n = full.timestamps.length
  const cut = Math.round(n * spec.split.trainFraction)
  if (cut < 2 || n - cut < 2) throw new Error(`split.trainFraction ${spec.split.trainFraction} leaves too few rows (${n} in all)`)
  return {
    train: sliceSeries(full, 0, cut, `${full.name} [train 0:${cut}]`),
    test: sliceSeries(full, cut, n, `${full.name} [test ${cut}:${n}]`),
    testSource: spec.dataset
  }
}

export async function runTrial(spec: ExperimentSpec, hooks: TrialHooks = {}): Promise<TrialOutput> {
  const progress = hooks.onProgress ?? (() => {})
  const started = Date.now()
  progress({ stage: 'data', fraction: 0, message: `generating ${spec.dataset.generator}`, etaMs: null })
  const { train, test, testSource } = resolveData(spec)
  hooks.onDataset?.('train', train, spec.dataset)
  hooks.onDataset?.('test', test, testSource)
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
