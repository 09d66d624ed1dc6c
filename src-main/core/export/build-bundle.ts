/**
 * A finished run → bundle contents: export the trained model to ONNX, pick golden inputs from
 * the run's test data, check parity between the trained model and ONNX Runtime (any difference
 * above 1e-4 fails the export), and write the config, metrics and model card around it.
 */
import { postprocessSchema } from '../eval/detector-rules'
import type { LabelledSeries } from '../data/series'
import { windowStarts, fillBatch } from '../data/windows'
import { exportRunModel } from './onnx/export-run'
import { checkParity } from './onnx/parity'
import type { BundleContents, ModelConfig, Preprocessing } from './bundle'
import { modelCard } from './model-card'
import { DEFAULT_MISSING_RULE, type MissingValuesRecord } from '../data/missing-values'
import { checkTargets } from '../eval/targets'
import { horizonSuffix } from '../eval/horizon-targets'
import { PARITY_TOLERANCE } from './onnx/parity-tolerance'

const GOLDEN_COUNT = 8

export interface ExportableRun {
  id: number
  experimentName: string
  modelKind: string
  params: Record<string, unknown>
  metrics: Record<string, number> | null
  trainMetrics: Record<string, number> | null
  confusion: { tn: number; fp: number; fn: number; tp: number } | null
  targets: { text: string; actual: number | null; met: boolean }[]
  threshold: number | null
  backend: string | null
  workbenchVersion: string
  /** The trained model as the run stored it (results.model). */
  model: Record<string, unknown>
  /**
   * A threshold chosen after training (a saved decision): the bundle carries it instead of the
   * trained one, with the test metrics at it. Absent or null: the trained threshold.
   */
  thresholdChoice?: ThresholdChoice | null
}

/** Metrics of one split at a threshold, as a decision stored them (fractions; the confusion matrix). */
export interface MetricsAtThreshold {
  confusion: { tn: number; fp: number; fn: number; tp: number }
  accuracy: number
  precision: number
  recall: number
  f1: number
  fpr: number
  specificity: number
  fnr: number
  balancedAccuracy: number
}

export interface ThresholdChoice {
  trained: number | null
  chosen: number
  source: 'manual' | 'pick-targets' | 'pick-objective'
  /** How it was chosen, in words. */
  basis: string
  note: string | null
  decidedAt: string
  validation: MetricsAtThreshold | null
  test: MetricsAtThreshold | null
}

/** The metrics that move with the threshold (ROC AUC and average precision do not). */
const THRESHOLD_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'fpr', 'specificity', 'fnr', 'balancedAccuracy'] as const

/**
 * The run as the bundle describes it: at its chosen threshold when one was saved (test metrics,
 * confusion matrix and targets at it; for a multi-horizon model its first horizon's suffixed
 * keys too, as the stored scores are that horizon's), else as trained.
 */
export function runAtChosenThreshold(run: ExportableRun): ExportableRun {
  const choice = run.thresholdChoice
  if (!choice) return run
  if (!choice.test) return { ...run, threshold: choice.chosen, metrics: null, confusion: null, targets: run.targets.map((t) => ({ ...t, actual: null, met: false })) }
  const horizons = run.params.horizons
  const suffix = Array.isArray(horizons) && typeof horizons[0] === 'string' ? horizonSuffix(horizons[0]) : null
  const metrics: Record<string, number> = { ...(run.metrics ?? {}) }
  for (const k of THRESHOLD_METRICS) {
    metrics[k] = choice.test[k]
    if (suffix !== null && `${k}_${suffix}` in metrics) metrics[`${k}_${suffix}`] = choice.test[k]
  }
  const targets = checkTargets(metrics, run.targets.map((t) => t.text)).map((c) => ({ text: c.text, actual: c.actual, met: c.met }))
  return { ...run, threshold: choice.chosen, metrics, confusion: choice.test.confusion, targets }
}

export interface BuildBundleInput {
  run: ExportableRun
  /** The run's test data: golden inputs come from it (raw features, as a user would pass them). */
  test: LabelledSeries
  dataset: { id: string | null; name: string | null; rows: number | null; anomalyRate: number | null }
  train?: { id: string | null; name: string | null; rows: number | null } | null
  artifactsDir: string
  name: string
  version: string
  /**
   * How the training data's missing cells were filled (its version's import params, see
   * missingValuesRecord); the scorer fills a scored file's the same way. Absent: the default rule.
   */
  missingValues?: MissingValuesRecord
}

/** Window length of a run model (1 for per-row models such as Isolation Forest). */
export function modelWindow(model: Record<string, unknown>): { length: number; stride: number } {
  const w = model.window as { length?: number; stride?: number } | undefined
  return { length: w?.length ?? 1, stride: w?.stride ?? 1 }
}

/** Golden inputs: evenly spaced windows plus a few that hold anomalies, raw feature values. */
export function goldenInputs(test: LabelledSeries, length: number, count = GOLDEN_COUNT): { data: Float32Array; count: number } {
  const starts = windowStarts(test, { length, stride: 1 })
  if (starts.length === 0) throw new Error(`the test data has no full window of ${length} rows for golden inputs`)
  const picks = new Set<number>()
  const anomalous: number[] = []
  for (let i = 0; i < starts.length && anomalous.length < count / 2; i++) if (test.labels[starts[i] + length - 1]) anomalous.push(i)
  for (const i of anomalous) picks.add(i)
  for (let k = 0; picks.size < Math.min(count, starts.length); k++) picks.add(Math.floor((k * (starts.length - 1)) / Math.max(1, count - 1)) % starts.length)
  const chosen = Int32Array.from([...picks].sort((a, b) => a - b).map((i) => starts[i]))
  const data = new Float32Array(chosen.length * length * test.columns.length)
  fillBatch(test.values, chosen, 0, chosen.length, length, data)
  return { data, count: chosen.length }
}

export async function buildBundleContents(input: BuildBundleInput): Promise<{ contents: BundleContents; parity: Record<string, number> }> {
  const trained = input.run
  const run = runAtChosenThreshold(trained)
  const choice = trained.thresholdChoice ?? null
  const exported = await exportRunModel(run.model, { artifactsDir: input.artifactsDir })
  const window = modelWindow(run.model)
  const golden = goldenInputs(input.test, window.length)
  const parity = await checkParity(exported.onnx, exported.reference, golden.data, golden.count, PARITY_TOLERANCE)
  if (!parity.ok) {
    const worst = Object.entries(parity.maxAbsDiff).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')
    throw new Error(`export refused: ONNX Runtime and the trained model differ by more than ${PARITY_TOLERANCE} on the golden inputs (${worst})`)
  }
  const outputs = await exported.reference(golden.data, golden.count)
  const scaler = run.model.scaler as { mean: number[]; scale: number[] }
  const featureNames = run.model.featureNames as string[]
  const threshold = run.threshold ?? Number(run.model.threshold ?? 0.5)
  const bands =
    run.modelKind === 'lstm-autoencoder'
      ? [
          { name: 'normal', from: 0 },
          { name: 'borderline', from: 0.3 },
          { name: 'alert', from: 0.7 }
        ]
      : null
  // Every output is [batch, 1] but the attention model's score: one column per horizon.
  const outputShape = (name: string): (number | string)[] => (name === 'score' && run.modelKind === 'lstm-attention' ? ['batch', 3] : ['batch', 1])
  const modelConfig: ModelConfig = {
    kind: run.modelKind,
    params: run.params,
    threshold,
    ...(choice ? { thresholdDecision: { trained: choice.trained, chosen: choice.chosen, source: choice.source, basis: choice.basis, decidedAt: choice.decidedAt } } : {}),
    scoreBands: bands,
    outputs: exported.outputNames.map((name: string) => ({
      name,
      shape: outputShape(name),
      description:
        name === 'score'
          ? run.modelKind === 'lstm-attention'
            ? 'probability of default within each horizon (columns: risk_6m, risk_9m, risk_12m)'
            : 'anomaly score in [0, 1], higher is more anomalous'
          : name === 'reconstruction_error'
            ? 'raw reconstruction error (MSE over the scaled window)'
            : name
    })),
    trainedOn: { backend: run.backend ?? 'unknown', workbenchVersion: run.workbenchVersion, datasetId: input.dataset.id, datasetName: input.dataset.name }
  }
  const preprocessing: Preprocessing = {
    features: featureNames,
    featureRecipe: String(run.model.featureRecipe ?? 'the columns of the training data as they are (generated scenarios compute their engineered features causally from past and current samples)'),
    scaler: { kind: 'standard', mean: scaler.mean, scale: scaler.scale, foldedIntoModel: true },
    window,
    input: { name: exported.inputName, shape: exported.inputShape },
    missingValues: input.missingValues ?? { rule: DEFAULT_MISSING_RULE, trainingCellsFilled: 0 },
    // Scores smoothed over time before the threshold, as the run did (detectors' `postprocess`).
    postprocess: postprocessSchema.catch({ kind: 'none' }).parse(run.params.postprocess ?? { kind: 'none' })
  }
  const metrics = {
    test: run.metrics,
    validationOrTrain: choice ? (choice.validation ? metricsOf(choice.validation) : null) : run.trainMetrics,
    confusion: run.confusion,
    threshold,
    targets: run.targets,
    targetsMet: run.targets.length ? run.targets.every((t) => t.met) : null,
    // The run as trained, beside the decision, so nothing about the choice is hidden.
    ...(choice
      ? {
          thresholdDecision: { trained: choice.trained, chosen: choice.chosen, source: choice.source, basis: choice.basis, note: choice.note, decidedAt: choice.decidedAt },
          atTrainedThreshold: { threshold: trained.threshold, test: trained.metrics, validationOrTrain: trained.trainMetrics, confusion: trained.confusion, targets: trained.targets }
        }
      : {})
  }
  const onnx = exported.onnx
  const readme = modelCard({
    name: input.name,
    version: input.version,
    runId: run.id,
    experiment: run.experimentName,
    dataset: input.dataset,
    train: input.train ?? null,
    config: modelConfig,
    preprocessing,
    metrics: run.metrics,
    confusion: run.confusion,
    targets: run.targets,
    thresholdChoice: choice,
    onnxBytes: onnx.byteLength,
    parity: parity.maxAbsDiff
  })
  return {
    contents: {
      onnx,
      preprocessing,
      modelConfig,
      metrics,
      golden: {
        count: golden.count,
        shape: exported.inputShape.map((d) => (typeof d === 'number' ? d : golden.count)),
        inputs: Array.from(golden.data),
        outputs: Object.fromEntries(exported.outputNames.map((n, i) => [n, Array.from(outputs[i])])),
        tolerance: PARITY_TOLERANCE
      },
      readme
    },
    parity: parity.maxAbsDiff
  }
}

/** A decision's metrics as metrics.json lists them (name → value), the confusion matrix apart. */
function metricsOf(m: MetricsAtThreshold): Record<string, number> {
  return Object.fromEntries(THRESHOLD_METRICS.map((k) => [k, m[k]]))
}
