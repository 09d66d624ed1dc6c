/**
 * What the deep trainers share: column-wise scaling fitted on train, lazy window sets for train /
 * validation / test, tfjs batch sources over them, batched scoring, progress with ETA, and the
 * assembly of RunResults + TrialScores (the iforest trainer's shape).
 *
 * Validation: the split's validation part when it has one; otherwise the last 15 % of the train
 * windows in row order (chronological within a segment; for several segments, the tail of the
 * last ones). Train windows that would overlap the first validation window are dropped so no
 * row is seen by both.
 */
import { lossFromSpec, type LossSpec } from './loss-spec'
import * as tf from '@tensorflow/tfjs'
import { sourceRows, type LabelledSeries } from '../../data/series'
import { fitStandardScaler, applyScaler, type StandardScaler } from '../../data/scaler'
import { fillBatchIndexed, windowLabels, windowStarts, windowTypes, type LabelRule } from '../../data/windows'
import { evaluateScores, predictAtThreshold, recallByType, testScoreCurves } from '../../eval/metrics'
import { pickMetrics } from '../../eval/pick-metrics'
import { checkTargets } from '../../eval/targets'
import type { TrainerContext, TrialOutput } from '../trainer'
import type { BackendReport, RunResults } from '../../store/run-schemas'
import { forEachBatch, trainingStep, type BatchProgress, type BatchSource, type EpochRecord, type Scorer, type TrainLoopOptions } from './train-loop'
import type { DeepTrainingParams } from './params'
import { initTfjs } from './tfjs-runtime'
import { resumeDir } from './resume-files'

/** Share of the validation fallback taken from the end of the train windows. */
export const VALIDATION_TAIL = 0.15

/** StandardScaler fitted per column on the train rows (each column viewed as a 1-column matrix: no copy). */
export function fitColumnScaler(values: Float32Array[]): StandardScaler {
  const mean: number[] = []
  const scale: number[] = []
  for (const col of values) {
    const s = fitStandardScaler({ data: col, rows: col.length, cols: 1 })
    mean.push(s.mean[0])
    scale.push(s.scale[0])
  }
  return { mean, scale }
}

/** One scaled copy per column (the only full-size copy a trial makes). */
export function scaleColumns(values: Float32Array[], scaler: StandardScaler): Float32Array[] {
  return values.map((col, j) => applyScaler({ data: col, rows: col.length, cols: 1 }, { mean: [scaler.mean[j]], scale: [scaler.scale[j]] }).data)
}

export interface WindowSet {
  columns: Float32Array[]
  starts: Int32Array
  labels: Uint8Array
  types: Uint8Array
  length: number
}

export function makeWindowSet(series: LabelledSeries, columns: Float32Array[], length: number, stride: number, rule: LabelRule): WindowSet {
  const starts = windowStarts(series, { length, stride })
  return { columns, starts, labels: windowLabels(series, starts, length, rule), types: windowTypes(series, starts, length), length }
}

/** Windows `keep` of a set (indices into it), as a new set sharing the columns. */
export function subsetWindows(set: WindowSet, keep: (i: number) => boolean): WindowSet {
  const idx: number[] = []
  for (let i = 0; i < set.starts.length; i++) if (keep(i)) idx.push(i)
  const pick = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
    const out = make(idx.length)
    idx.forEach((k, j) => (out[j] = a[k]))
    return out
  }
  return {
    columns: set.columns,
    length: set.length,
    starts: pick(set.starts, (n) => new Int32Array(n)),
    labels: pick(set.labels, (n) => new Uint8Array(n)),
    types: pick(set.types, (n) => new Uint8Array(n))
  }
}

/**
 * A BatchSource over a window set. `target`: 'label' gives y = [b, 1] window labels (classifier),
 * 'input' gives y = x (autoencoder reconstruction).
 */
export function windowSource(set: WindowSet, target: 'label' | 'input'): BatchSource {
  const f = set.columns.length
  const L = set.length
  let buf = new Float32Array(0)
  // wasm copies tensor data into its heap at creation, so one buffer serves every batch; the
  // cpu backend keeps a reference to the array, so there each batch gets its own.
  const reuse = tf.getBackend() === 'wasm'
  return {
    size: set.starts.length,
    take(indices) {
      const b = indices.length
      const need = b * L * f
      if (!reuse || buf.length < need) buf = new Float32Array(need)
      fillBatchIndexed(set.columns, set.starts, indices, 0, b, L, buf)
      const x = tf.tensor3d(buf.subarray(0, need), [b, L, f])
      if (target === 'input') return { x, y: x }
      const y = new Float32Array(b)
      for (let i = 0; i < b; i++) y[i] = set.labels[indices[i]]
      return { x, y: tf.tensor2d(y, [b, 1]) }
    }
  }
}

export interface DeepData {
  scaler: StandardScaler
  featureNames: string[]
  /** Training windows at the training stride (before any model-specific filter). */
  train: WindowSet
  validation: WindowSet
  test: WindowSet
  validationFrom: 'split' | 'train-tail'
}

function checkSameColumns(a: LabelledSeries, b: LabelledSeries, what: string): void {
  if (a.columns.length !== b.columns.length || a.columns.some((c, i) => c !== b.columns[i])) {
    throw new Error(`train and ${what} columns differ: [${a.columns.join(', ')}] vs [${b.columns.join(', ')}]`)
  }
}

/** The start every deep trainer shares: record the resolved params, bring up the tfjs backend, say windowing starts. */
export async function startDeepTrial(ctx: TrainerContext, p: { window: number }): Promise<BackendReport> {
  ctx.hooks.onParams?.(p as unknown as Record<string, unknown>)
  const backend = await initTfjs()
  ctx.hooks.onProgress({ stage: 'windows', fraction: 0.05, message: `windowing (length ${p.window})`, etaMs: null })
  return backend
}

/** `startDeepTrial`, then scale and window the data (lazily: window starts, not window copies). */
export async function beginWindowedTrial<P extends { window: number; stride: number; trainStride: number; labelRule: LabelRule }>(
  ctx: TrainerContext,
  p: P
): Promise<{ backend: BackendReport; data: DeepData }> {
  const backend = await startDeepTrial(ctx, p)
  const data = prepareDeepData(ctx, { length: p.window, stride: p.stride, trainStride: p.trainStride, labelRule: p.labelRule })
  return { backend, data }
}

export function prepareDeepData(
  ctx: Pick<TrainerContext, 'train' | 'validation' | 'test'>,
  w: { length: number; stride: number; trainStride: number; labelRule: LabelRule }
): DeepData {
  const { train, validation, test } = ctx
  checkSameColumns(train, test, 'test')
  if (validation) checkSameColumns(train, validation, 'validation')
  const scaler = fitColumnScaler(train.values)
  const trainCols = scaleColumns(train.values, scaler)
  const testSet = makeWindowSet(test, scaleColumns(test.values, scaler), w.length, w.stride, w.labelRule)
  let trainSet = makeWindowSet(train, trainCols, w.length, w.trainStride, w.labelRule)
  let valSet: WindowSet
  let validationFrom: DeepData['validationFrom'] = 'split'
  if (validation && windowStarts(validation, { length: w.length, stride: w.stride }).length > 0) {
    valSet = makeWindowSet(validation, scaleColumns(validation.values, scaler), w.length, w.stride, w.labelRule)
  } else {
    validationFrom = 'train-tail'
    const all = makeWindowSet(train, trainCols, w.length, w.stride, w.labelRule)
    const cut = Math.floor(all.starts.length * (1 - VALIDATION_TAIL))
    if (cut >= all.starts.length || cut <= 0) throw new Error(`too few train windows (${all.starts.length}) to carve a validation tail`)
    valSet = subsetWindows(all, (i) => i >= cut)
    const firstVal = valSet.starts[0]
    trainSet = subsetWindows(trainSet, (i) => trainSet.starts[i] + w.length <= firstVal)
  }
  if (testSet.starts.length === 0) throw new Error(`the test part has no complete window of length ${w.length}`)
  if (trainSet.starts.length === 0) throw new Error(`the train part has no complete window of length ${w.length}`)
  return { scaler, featureNames: [...train.columns], train: trainSet, validation: valSet, test: testSet, validationFrom }
}

/**
 * The model's scores of a whole source, in batches (inference mode). `toScores` maps one batch's
 * outputs to its scores: one per window ([b]), or several ([b, k]: a multi-horizon model's
 * outputs), returned row-major ([windows x k]). `model`: the model (tfjs) or a predictor
 * (predictor.ts: `openPredictor` picks ONNX Runtime for large passes).
 */
export async function scoreSource(
  model: Scorer,
  source: BatchSource,
  batchSize: number,
  toScores: (yPred: tf.Tensor, x: tf.Tensor) => tf.Tensor,
  shouldStop?: () => boolean
): Promise<Float32Array> {
  let out: Float32Array | null = null
  await forEachBatch(
    model,
    source,
    batchSize,
    (yPred, _y, from, to, x) => {
      const values = toScores(yPred, x).dataSync() as Float32Array
      const per = values.length / (to - from)
      out ??= new Float32Array(source.size * per)
      out.set(values, from * per)
    },
    shouldStop
  )
  return out ?? new Float32Array(0)
}

/**
 * The training-loop options the windowed trainers set alike: the shared deep training params
 * (params.ts) and the run's hooks (stop, progress, epochs, log lines, checkpoint folder).
 */
export function sharedTrainLoopOptions(ctx: TrainerContext, p: DeepTrainingParams, loss: LossSpec) {
  const { hooks } = ctx
  return {
    loss: lossFromSpec(loss),
    // The trial's cores: every batch split over them (data-parallel.ts), the loss rebuilt in each replica.
    dataParallel: { threads: hooks.threads ?? 1, loss },
    epochs: p.epochs,
    batchSize: p.batchSize,
    learningRate: p.learningRate,
    clipNorm: p.clipNorm,
    earlyStopping: p.earlyStoppingPatience ? { patience: p.earlyStoppingPatience } : null,
    reduceLrOnPlateau: p.reduceLrPatience ? { patience: p.reduceLrPatience, factor: p.reduceLrFactor, minLr: p.minLr } : null,
    seed: p.seed,
    checkpointDir: hooks.artifactsDir ?? null,
    // A resume checkpoint after every epoch in the run's folder; an interrupted run's is continued.
    resume: hooks.artifactsDir
      ? {
          dir: resumeDir(hooks.artifactsDir),
          from: hooks.resumeFrom ? { dir: resumeDir(hooks.resumeFrom.artifactsDir), label: `run ${hooks.resumeFrom.runId}` } : null,
          fingerprint: { kind: ctx.spec.model.kind, params: p, data: hooks.dataIdentity ?? null, split: ctx.spec.split }
        }
      : null,
    shouldStop: hooks.shouldStop,
    onBatch: progressOver(ctx),
    onEpoch: (e: EpochRecord) => hooks.onEpoch?.(e),
    onLog: (level: 'info' | 'warn', m: string) => hooks.onLog?.(level, m)
  } satisfies Partial<TrainLoopOptions>
}

/** The trial's overall progress over epochs x batches, with an ETA from the elapsed training time. */
export function progressOver(ctx: TrainerContext, span: [number, number] = [0.08, 0.92]) {
  let trainStart = 0
  return (p: BatchProgress) => {
    if (trainStart === 0) trainStart = Date.now()
    const done = ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches)
    const fraction = span[0] + (span[1] - span[0]) * done
    const elapsed = Date.now() - trainStart
    // Remaining training at the observed pace, plus the evaluation tail scaled the same way.
    const etaMs = done > 0.01 ? (elapsed / done) * (1 - done) + (elapsed / done) * (1 - span[1]) : null
    ctx.hooks.onProgress({
      stage: 'training',
      fraction,
      message: `epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}`,
      etaMs,
      training: trainingStep(p)
    })
  }
}

export interface DeepResultsInput {
  ctx: TrainerContext
  data: DeepData
  threshold: number
  valScores: Float32Array
  testScores: Float32Array
  model: Record<string, unknown>
  /** Extra fields for the results' `model` entry or curves (e.g. per-feature errors). */
  extraCurves?: Record<string, unknown>
}

/** RunResults + TrialScores (validation and test) of a windowed trainer, from the scores at the run's threshold. */
export function assembleResults(r: DeepResultsInput): TrialOutput {
  const { ctx, data } = r
  // Validation windows are rows of the split's validation part, or of the train part's tail.
  const valSeries = data.validationFrom === 'split' ? ctx.validation! : ctx.train
  return assembleScoredResults({
    ctx,
    threshold: r.threshold,
    windowLength: data.test.length,
    validation: { scores: r.valScores, labels: data.validation.labels, types: data.validation.types, starts: data.validation.starts, series: valSeries },
    test: { scores: r.testScores, labels: data.test.labels, types: data.test.types, starts: data.test.starts, series: ctx.test },
    model: r.model,
    extraCurves: r.extraCurves
  })
}

/** A part's windows with the model's score of each, and the part their rows belong to. */
export interface ScoredWindows {
  scores: Float32Array
  labels: Uint8Array
  types: Uint8Array
  /** First row of each window in `series`. */
  starts: Int32Array
  series: LabelledSeries
}

export interface ScoredResultsInput {
  ctx: TrainerContext
  threshold: number
  windowLength: number
  validation: ScoredWindows
  test: ScoredWindows
  model: Record<string, unknown>
  /** Curves beside ROC, PR and the histogram (e.g. per-horizon ROC, per-feature errors). */
  extraCurves?: Record<string, unknown>
  /** Metrics beside the standard ones (e.g. per horizon, latency); targets are checked on all of them. */
  extraMetrics?: { test: Record<string, number>; validation: Record<string, number> }
}

/**
 * What every deep trainer reports, from its validation and test scores at the run's threshold:
 * test metrics (reported) and validation metrics (chosen on), the targets, ROC / PR / histogram
 * of the test scores, recall per anomaly type, and both splits' scores traced to their rows.
 */
export function assembleScoredResults(r: ScoredResultsInput): TrialOutput {
  const { ctx, threshold, validation, test } = r
  const testReport = evaluateScores(test.labels, test.scores, threshold)
  const valReport = evaluateScores(validation.labels, validation.scores, threshold)
  const metrics = { ...pickMetrics(testReport), ...r.extraMetrics?.test }
  const results: RunResults = {
    threshold,
    metrics,
    // Deep models do not score their training windows; validation is what they chose on.
    trainMetrics: null,
    validationMetrics: { ...pickMetrics(valReport), ...r.extraMetrics?.validation },
    confusion: testReport.confusion,
    targets: checkTargets(metrics, ctx.spec.targets),
    curves: { ...testScoreCurves(test.labels, test.scores), ...r.extraCurves },
    recallByType: recallByType(test.labels, predictAtThreshold(test.scores, threshold), test.types, ctx.test.anomalyTypeNames),
    model: r.model
  }
  const traced = (split: 'validation' | 'test', w: ScoredWindows) => ({
    split,
    // Which version the rows belong to is runTrial's to say (it knows where each part came from).
    role: split === 'validation' ? ('train' as const) : split,
    scores: w.scores,
    labels: w.labels,
    types: w.types,
    starts: sourceRows(w.series, w.starts),
    windowLength: r.windowLength
  })
  return { results, scores: [traced('validation', validation), traced('test', test)] }
}

export { bestF1Threshold } from '../../eval/best-threshold'
