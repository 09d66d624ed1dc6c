/**
 * Seed 004 as a trainer: multi-horizon default risk from monthly business panels.
 *
 * Data
 * - Windows: the last `window` months ending at each row of a business where a full window
 *   exists (never across businesses); labels per horizon = the series target (`risk_6m` ...) at
 *   the window's last row. `windowStride` k keeps every k-th end row counted back from a
 *   business's last row (the most recent window, where most positives sit, is always kept); it
 *   applies to training windows only; validation and test use every window.
 * - Scaler: per-column StandardScaler fitted on the train part's rows.
 * Procedure
 * 1. k-fold cross-validation BY ENTITY over the train part's businesses (`folds`, seeded
 *    assignment): each fold trains a fresh model on k-1 folds, early-stops on the held-out fold
 *    and reports per-horizon accuracy / balanced accuracy / AUC there (held-out windows at the
 *    training `windowStride`, to keep CV affordable). Fold thresholds are picked
 *    on the held-out fold itself, so fold accuracies are slightly optimistic; AUC is not affected.
 *    The summary (mean and sd over folds) goes to the logs and to `results.model.cv`.
 * 2. Final model: trained on the train businesses minus a validation slice (the split's
 *    validation part when it has one, else `validationFraction` of the train businesses), with
 *    early stopping, reduce-LR-on-plateau and gradient clipping (the shared train loop). Its
 *    epochs are the run's history (per-epoch validation metrics of the primary horizon, plus
 *    `valRocAuc_<h>` for every horizon).
 * 3. Thresholds: per horizon, the one maximising `thresholdMetric` on the validation windows.
 * 4. Test: per-horizon metrics on the test businesses' windows; MC-dropout (mean std per horizon)
 *    on a seeded subsample; single-window latency (p50 / p95 of `model.predict`).
 * results.metrics: the standard keys on the primary (first, nearest) horizon, plus
 * `balancedAccuracy`, per-horizon `accuracy_6m`, `balancedAccuracy_6m`, `rocAuc_6m`, ... and
 * `latencyP95Ms`. Targets may name a horizon (`accuracy_6m >= 0.88`, targets.ts).
 * TrialScores: the primary horizon's scores of the validation and test windows.
 */
import * as tf from '@tensorflow/tfjs'
import { parseModelParams } from './params'
import type { Trainer, TrainerContext, TrialOutput } from '../trainer'
import type { LabelledSeries } from '../../data/series'
import { segmentsOf } from '../../data/series'
import { createRng } from '../../data/rng'
import type { StandardScaler } from '../../data/scaler'
import { fillBatchIndexed } from '../../data/windows'
import { rocCurve } from '../../eval/metrics'
import {
  bestThreshold,
  horizonKey,
  horizonMetricKeys,
  horizonReport,
  horizonSuffix,
  type HorizonReport
} from '../../eval/horizon-targets'
import { initTfjs } from './tfjs-runtime'
import { stopIfAsked } from '../../cancelled'
import { trainLoop, trainingStep, type BatchProgress, type BatchSource, type EpochRecord, type Scorer } from './train-loop'
import { assembleScoredResults, fitColumnScaler, scaleColumns, scoreSource, startDeepTrial, type ScoredWindows } from './deep-trial'
import { buildLstmAttention, lstmAttentionParamsSchema, type LstmAttentionParams } from './lstm-attention'
import { horizonMonths, riskLossWeights } from './risk-loss'
import { lossFromSpec, type LossSpec } from './loss-spec'
import { mcDropoutPredict, meanStdPerOutput } from './mc-dropout'
import { withPredictor } from './predictor'

export { lstmAttentionParamsSchema } from './lstm-attention'

export function parseLstmAttentionParams(params: unknown): LstmAttentionParams {
  return parseModelParams('lstm-attention', lstmAttentionParamsSchema, params)
}

// --- windows over a panel ----------------------------------------------------------------------

/** Windows of a panel: start rows, owning segment, and H labels per window (row-major). */
export interface PanelWindows {
  columns: Float32Array[]
  length: number
  starts: Int32Array
  /** Index (into the series' segments) of each window's business. */
  segment: Int32Array
  /** [windows x horizons] 0/1, row-major. */
  y: Uint8Array
  horizons: number
  /** Anomaly type code at the window's last row (per-type recall). */
  types: Uint8Array
}

export function panelWindows(series: LabelledSeries, columns: Float32Array[], horizons: string[], length: number, stride: number, keepSegment?: (s: number) => boolean): PanelWindows {
  const targets = horizons.map((h) => {
    const t = series.targets?.[h]
    if (!t) throw new Error(`dataset '${series.name}' has no target column '${h}' (has: ${Object.keys(series.targets ?? {}).join(', ') || 'none'}); lstm-attention needs per-horizon targets`)
    return t
  })
  const starts: number[] = []
  const segment: number[] = []
  segmentsOf(series).forEach((s, k) => {
    if (keepSegment && !keepSegment(k)) return
    // Window ends from the last row backwards every `stride` rows; kept in row order.
    const ends: number[] = []
    for (let end = s.end - 1; end - length + 1 >= s.start; end -= stride) ends.push(end)
    for (let j = ends.length - 1; j >= 0; j--) {
      starts.push(ends[j] - length + 1)
      segment.push(k)
    }
  })
  const H = horizons.length
  const y = new Uint8Array(starts.length * H)
  const types = new Uint8Array(starts.length)
  starts.forEach((st, i) => {
    const last = st + length - 1
    for (let h = 0; h < H; h++) y[i * H + h] = targets[h][last] ? 1 : 0
    types[i] = series.anomalyType[last]
  })
  return { columns, length, starts: Int32Array.from(starts), segment: Int32Array.from(segment), y, horizons: H, types }
}

/** A subset of windows (indices into `w`), sharing the columns. */
export function pickWindows(w: PanelWindows, idx: ArrayLike<number>): PanelWindows {
  const H = w.horizons
  const n = idx.length
  const out: PanelWindows = { ...w, starts: new Int32Array(n), segment: new Int32Array(n), y: new Uint8Array(n * H), types: new Uint8Array(n) }
  for (let j = 0; j < n; j++) {
    const i = idx[j]
    out.starts[j] = w.starts[i]
    out.segment[j] = w.segment[i]
    out.types[j] = w.types[i]
    for (let h = 0; h < H; h++) out.y[j * H + h] = w.y[i * H + h]
  }
  return out
}

/** Labels of horizon h as their own array. */
export function horizonLabels(w: PanelWindows, h: number): Uint8Array {
  const out = new Uint8Array(w.starts.length)
  for (let i = 0; i < out.length; i++) out[i] = w.y[i * w.horizons + h]
  return out
}

/** Positive rate per horizon. */
export function prevalence(w: PanelWindows): number[] {
  const n = w.starts.length
  return Array.from({ length: w.horizons }, (_, h) => {
    let p = 0
    for (let i = 0; i < n; i++) p += w.y[i * w.horizons + h]
    return n > 0 ? p / n : 0
  })
}

/** BatchSource: x [b, length, features], y [b, horizons]. */
export function panelSource(w: PanelWindows): BatchSource {
  const f = w.columns.length
  const L = w.length
  const H = w.horizons
  return {
    size: w.starts.length,
    take(indices) {
      const b = indices.length
      // A fresh buffer per batch: the cpu backend keeps a reference to the array it was given.
      const buf = new Float32Array(b * L * f)
      fillBatchIndexed(w.columns, w.starts, indices, 0, b, L, buf)
      const y = new Float32Array(b * H)
      for (let i = 0; i < b; i++) for (let h = 0; h < H; h++) y[i * H + h] = w.y[indices[i] * H + h]
      return { x: tf.tensor3d(buf, [b, L, f]), y: tf.tensor2d(y, [b, H]) }
    }
  }
}

/** Deterministic outputs [n x H] (row-major) of the model (or a predictor) over a source: every horizon's probability. */
export function predictAll(model: Scorer, source: BatchSource, batchSize: number, shouldStop?: () => boolean): Promise<Float32Array> {
  return scoreSource(model, source, batchSize, (y) => y, shouldStop)
}

/** Column h of an [n x H] row-major array. */
export function column(a: Float32Array, H: number, h: number): Float32Array {
  const n = a.length / H
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = a[i * H + h]
  return out
}

// --- one fit ------------------------------------------------------------------------------------

interface FitResult {
  model: tf.LayersModel
  history: EpochRecord[]
  bestEpoch: number
  stoppedEarly: boolean
  checkpointFile: string | null
  /** Validation outputs [n x H] with the restored best weights. */
  valOutputs: Float32Array
}

interface FitOptions {
  p: LstmAttentionParams
  features: number
  train: PanelWindows
  val: PanelWindows
  seed: number
  epochs: number
  shouldStop?: () => boolean
  onBatch?: (b: BatchProgress) => void
  onEpoch?: (e: EpochRecord) => void
  onLog?: (level: 'info' | 'warn', m: string) => void
  checkpointDir?: string | null
  /** Cores the trial may use: batches split over them (data-parallel.ts). */
  threads?: number
}

function thresholdFor(p: LstmAttentionParams) {
  return (scores: Float32Array, labels: Uint8Array) => (p.thresholdMetric === 'fixed' ? p.threshold : bestThreshold(scores, labels, p.thresholdMetric))
}

/** Caps the training windows at `maxTrainWindows` (seeded subsample, kept in row order). */
function capWindows(w: PanelWindows, max: number, seed: number): PanelWindows {
  if (max <= 0 || w.starts.length <= max) return w
  const idx = Array.from(createRng(seed).sampleWithoutReplacement(w.starts.length, max)).sort((a, b) => a - b)
  return pickWindows(w, idx)
}

async function fit(o: FitOptions): Promise<FitResult> {
  const { p } = o
  const H = p.horizons.length
  const train = capWindows(o.train, p.maxTrainWindows, o.seed + 7)
  const lossSpec: LossSpec = {
    kind: 'risk',
    options: { horizonMonths: p.horizons.map(horizonMonths), riskWeight: p.riskWeight, prevalence: prevalence(train), balanceClasses: p.balanceClasses }
  }
  const baseLoss = lossFromSpec(lossSpec)
  const model = buildLstmAttention({
    window: p.window,
    features: o.features,
    horizons: H,
    lstmUnits: p.lstmUnits,
    heads: p.heads,
    keyDim: p.keyDim,
    dropout: p.dropout,
    seed: o.seed,
    recurrentActivation: p.recurrentActivation,
    fusedLstm: p.fusedLstm
  })
  const n = o.val.starts.length
  // The validation outputs are captured from the loop's own val-loss pass instead of running
  // the model over the validation windows again for scores (that pass was ~1/3 of a run):
  // `take` on the val source marks the batch, and the loss, called next with that batch's
  // predictions (train-loop's forEachBatch: take -> predict -> loss, in ONNX Runtime or tfjs),
  // copies them. Train batches clear the mark. If the capture is incomplete (a loop that calls
  // differently), `score` falls back to a separate prediction pass.
  let mark: Int32Array | null = null
  let captured = new Float32Array(n * H)
  let capturedRows = 0
  const baseVal = panelSource(o.val)
  const valSource: BatchSource = {
    size: n,
    take(indices) {
      mark = indices.slice()
      return baseVal.take(indices)
    }
  }
  const trainSource = panelSource(train)
  const trainMarked: BatchSource = {
    size: trainSource.size,
    take(indices) {
      mark = null
      return trainSource.take(indices)
    }
  }
  const loss: typeof baseLoss = (y, pred) => {
    if (mark && pred.shape[0] === mark.length) {
      const v = pred.dataSync()
      for (let i = 0; i < mark.length; i++) for (let h = 0; h < H; h++) captured[mark[i] * H + h] = v[i * H + h]
      capturedRows += mark.length
      mark = null
    }
    return baseLoss(y, pred)
  }
  const valPrimary = horizonLabels(o.val, 0)
  // Outputs of the epoch being scored, and of the best epoch so far (same rule as the loop:
  // strictly lower val loss), so the best weights' outputs need no extra pass either.
  let lastVal: Float32Array | null = null
  let bestVal: Float32Array | null = null
  let bestLoss = Infinity
  try {
    const r = await trainLoop({
      model,
      loss,
      dataParallel: { threads: o.threads ?? 1, loss: lossSpec },
      train: trainMarked,
      val: valSource,
      valLabels: valPrimary,
      score: async (m) => {
        if (capturedRows === n) lastVal = captured
        else lastVal = await predictAll(m, baseVal, p.batchSize * 4, o.shouldStop)
        captured = new Float32Array(n * H)
        capturedRows = 0
        return column(lastVal, H, 0)
      },
      epochs: o.epochs,
      batchSize: p.batchSize,
      learningRate: p.learningRate,
      clipNorm: p.clipNorm,
      earlyStopping: { patience: p.patience },
      reduceLrOnPlateau: p.reduceLrPatience ? { patience: p.reduceLrPatience, factor: p.reduceLrFactor, minLr: p.minLr } : null,
      seed: o.seed,
      threshold: thresholdFor(p),
      checkpointDir: o.checkpointDir ?? null,
      shouldStop: o.shouldStop,
      onBatch: o.onBatch,
      onEpoch: (e) => {
        if (lastVal) {
          for (let h = 0; h < H; h++) {
            const rep = horizonReport(p.horizons[h], horizonLabels(o.val, h), column(lastVal, H, h), 0.5)
            e.metrics = { ...e.metrics, [horizonKey('valRocAuc', p.horizons[h])]: rep.rocAuc }
          }
          if (e.metrics.valLoss < bestLoss) {
            bestLoss = e.metrics.valLoss
            bestVal = lastVal
          }
        }
        o.onEpoch?.(e)
      },
      onLog: o.onLog
    })
    // Outputs of the restored best weights (captured at the best epoch, else one more pass).
    const valOutputs = bestVal ?? (await withPredictor(model, n, { onLog: o.onLog }, (final) => predictAll(final, baseVal, p.batchSize * 4, o.shouldStop)))
    return { model, history: r.history, bestEpoch: r.bestEpoch, stoppedEarly: r.stoppedEarly, checkpointFile: r.checkpointFile, valOutputs }
  } catch (err) {
    model.dispose()
    throw err
  }
}

/** Per-horizon reports at thresholds chosen on (chooseOn) and applied to (outputs, w). */
function reportsAt(p: LstmAttentionParams, w: PanelWindows, outputs: Float32Array, thresholds: number[]): HorizonReport[] {
  const H = p.horizons.length
  return p.horizons.map((name, h) => horizonReport(name, horizonLabels(w, h), column(outputs, H, h), thresholds[h]))
}

function chooseThresholds(p: LstmAttentionParams, w: PanelWindows, outputs: Float32Array): number[] {
  const H = p.horizons.length
  const pick = thresholdFor(p)
  return p.horizons.map((_, h) => pick(column(outputs, H, h), horizonLabels(w, h)))
}

// --- cross-validation ----------------------------------------------------------------------------

export interface CvSummary {
  folds: number
  perFold: { fold: number; trainWindows: number; valWindows: number; bestEpoch: number; metrics: Record<string, number> }[]
  mean: Record<string, number>
  sd: Record<string, number>
}

/** Assigns each of `n` entities to one of k folds (seeded shuffle, sizes differ by at most 1). */
export function entityFolds(n: number, k: number, seed: number): Int32Array {
  const order = createRng(seed).shuffle(Array.from({ length: n }, (_, i) => i))
  const fold = new Int32Array(n)
  order.forEach((entity, j) => (fold[entity] = j % k))
  return fold
}

function summarise(perFold: CvSummary['perFold']): { mean: Record<string, number>; sd: Record<string, number> } {
  const mean: Record<string, number> = {}
  const sd: Record<string, number> = {}
  const keys = Object.keys(perFold[0]?.metrics ?? {})
  for (const k of keys) {
    const v = perFold.map((f) => f.metrics[k]).filter(Number.isFinite)
    const m = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length)
    mean[k] = v.length ? m : NaN
    sd[k] = v.length ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) : NaN
  }
  return { mean, sd }
}

// --- latency ------------------------------------------------------------------------------------

/** p50 / p95 milliseconds of scoring one window (one business) with model.predict. */
export function singleWindowLatency(model: tf.LayersModel, w: PanelWindows, runs = 50): { p50: number; p95: number; runs: number } {
  const source = panelSource(w)
  const times: number[] = []
  const n = Math.min(runs + 5, Math.max(1, w.starts.length) + 5)
  for (let r = 0; r < n; r++) {
    const x = source.take(Int32Array.of(r % Math.max(1, w.starts.length)))
    const t0 = performance.now()
    const y = model.predict(x.x) as tf.Tensor
    y.dataSync()
    const dt = performance.now() - t0
    tf.dispose([x.x, x.y, y])
    // The first calls compile kernels / warm caches: not what a served request sees.
    if (r >= 5) times.push(dt)
  }
  times.sort((a, b) => a - b)
  const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))]
  return { p50: q(0.5), p95: q(0.95), runs: times.length }
}

// --- the trainer ----------------------------------------------------------------------------------

function fmtReports(rs: HorizonReport[]): string {
  return rs.map((r) => `${horizonSuffix(r.horizon)} acc ${r.accuracy.toFixed(3)} bacc ${r.balancedAccuracy.toFixed(3)} auc ${r.rocAuc.toFixed(3)}`).join('; ')
}

function stageProgress(ctx: TrainerContext, span: [number, number], stage: string) {
  const started = Date.now()
  return (b: BatchProgress) => {
    const done = ((b.epoch - 1) * b.batches + b.batch) / (b.epochs * b.batches)
    const fraction = span[0] + (span[1] - span[0]) * done
    const elapsed = Date.now() - ctx.started
    ctx.hooks.onProgress({
      stage,
      fraction,
      message: `${stage}: epoch ${b.epoch}/${b.epochs}, batch ${b.batch}/${b.batches}, loss ${b.loss.toFixed(4)}`,
      // Early stopping usually ends sooner: the ETA is an upper bound.
      etaMs: Date.now() - started > 2000 && fraction > 0.05 ? (elapsed / fraction) * (1 - fraction) : null,
      training: trainingStep(b)
    })
  }
}

/** The panel's windows per part, on columns scaled with the train part's scaler. */
interface PanelData {
  scaler: StandardScaler
  /** Train windows at the training stride. */
  train: PanelWindows
  /** Train windows at stride 1 (a validation slice of train businesses uses every window). */
  trainEvery: PanelWindows
  test: PanelWindows
  /** The split's validation part, when it has one with a complete window. */
  splitValidation: PanelWindows | null
  /** Businesses in the train part. */
  entities: number
}

function panelData(ctx: TrainerContext, p: LstmAttentionParams): PanelData {
  const scaler = fitColumnScaler(ctx.train.values)
  const trainCols = scaleColumns(ctx.train.values, scaler)
  const train = panelWindows(ctx.train, trainCols, p.horizons, p.window, p.windowStride)
  const trainEvery = p.windowStride === 1 ? train : panelWindows(ctx.train, trainCols, p.horizons, p.window, 1)
  const test = panelWindows(ctx.test, scaleColumns(ctx.test.values, scaler), p.horizons, p.window, 1)
  if (train.starts.length === 0) throw new Error(`the train part has no complete window of ${p.window} months`)
  if (test.starts.length === 0) throw new Error(`the test part has no complete window of ${p.window} months`)
  const split = ctx.validation ? panelWindows(ctx.validation, scaleColumns(ctx.validation.values, scaler), p.horizons, p.window, 1) : null
  return { scaler, train, trainEvery, test, splitValidation: split && split.starts.length > 0 ? split : null, entities: segmentsOf(ctx.train).length }
}

/** Step 1: k-fold cross-validation by business over the train part (null when skipped), logged fold by fold. */
async function crossValidate(ctx: TrainerContext, p: LstmAttentionParams, data: PanelData, span: [number, number]): Promise<CvSummary | null> {
  const log = (level: 'info' | 'warn', m: string) => ctx.hooks.onLog?.(level, m)
  if (p.folds < 2) return null
  if (data.entities < p.folds) {
    log('warn', `cross-validation skipped: ${data.entities} training businesses for ${p.folds} folds`)
    return null
  }
  const all = data.train
  const fold = entityFolds(data.entities, p.folds, p.seed + 1)
  const perFold: CvSummary['perFold'] = []
  for (let k = 0; k < p.folds; k++) {
    const tr: number[] = []
    const va: number[] = []
    all.segment.forEach((s, i) => (fold[s] === k ? va : tr).push(i))
    const foldSpan: [number, number] = [span[0] + ((span[1] - span[0]) * k) / p.folds, span[0] + ((span[1] - span[0]) * (k + 1)) / p.folds]
    const val = pickWindows(all, va)
    const r = await fit({
      p,
      features: ctx.train.columns.length,
      train: pickWindows(all, tr),
      val,
      seed: p.seed + 1000 * (k + 1),
      epochs: p.cvEpochs ?? p.epochs,
      shouldStop: ctx.hooks.shouldStop,
      threads: ctx.hooks.threads,
      onBatch: stageProgress(ctx, foldSpan, `cv fold ${k + 1}/${p.folds}`)
    })
    r.model.dispose()
    const reports = reportsAt(p, val, r.valOutputs, chooseThresholds(p, val, r.valOutputs))
    perFold.push({ fold: k + 1, trainWindows: tr.length, valWindows: va.length, bestEpoch: r.bestEpoch, metrics: horizonMetricKeys(reports) })
    log('info', `cv fold ${k + 1}/${p.folds}: train ${tr.length} windows, held out ${va.length}; best epoch ${r.bestEpoch}; ${fmtReports(reports)}`)
  }
  const cv: CvSummary = { folds: p.folds, perFold, ...summarise(perFold) }
  const line = p.horizons
    .map((h) => {
      const f = (m: string) => `${cv.mean[horizonKey(m, h)].toFixed(3)}±${cv.sd[horizonKey(m, h)].toFixed(3)}`
      return `${horizonSuffix(h)} acc ${f('accuracy')} bacc ${f('balancedAccuracy')} auc ${f('rocAuc')}`
    })
    .join('; ')
  log('info', `cv summary (${p.folds} folds by business): ${line}`)
  return cv
}

/** Step 2's data: the final model's train and validation windows (the split's validation part, else a seeded slice of the train businesses). */
function finalWindows(p: LstmAttentionParams, data: PanelData): { train: PanelWindows; validation: PanelWindows; validationFrom: 'split' | 'train-entities' } {
  if (data.splitValidation) return { train: data.train, validation: data.splitValidation, validationFrom: 'split' }
  const n = data.entities
  if (n < 2) throw new Error('lstm-attention needs at least 2 training businesses (one to validate on)')
  const nVal = Math.min(n - 1, Math.max(1, Math.round(n * p.validationFraction)))
  const order = createRng(p.seed + 2).shuffle(Array.from({ length: n }, (_, i) => i))
  const isVal = new Uint8Array(n)
  for (let j = 0; j < nVal; j++) isVal[order[j]] = 1
  const where = (w: PanelWindows, val: boolean) => w.segment.reduce<number[]>((a, s, i) => (Boolean(isVal[s]) === val ? (a.push(i), a) : a), [])
  return { train: pickWindows(data.train, where(data.train, false)), validation: pickWindows(data.trainEvery, where(data.trainEvery, true)), validationFrom: 'train-entities' }
}

/** Step 4's uncertainty: MC-dropout over a seeded subsample of the test windows, mean std per horizon and by label. */
function mcUncertainty(model: tf.LayersModel, p: LstmAttentionParams, test: PanelWindows, ctx: TrainerContext) {
  const H = p.horizons.length
  ctx.hooks.onProgress({ stage: 'uncertainty', fraction: 0.94, message: `MC-dropout (${p.mcSamples} passes)`, etaMs: null })
  const idx =
    p.mcMaxWindows > 0 && test.starts.length > p.mcMaxWindows
      ? Array.from(createRng(p.seed + 3).sampleWithoutReplacement(test.starts.length, p.mcMaxWindows)).sort((a, b) => a - b)
      : Array.from({ length: test.starts.length }, (_, i) => i)
  const set = pickWindows(test, idx)
  const t0 = performance.now()
  const x = panelSource(set).take(Int32Array.from({ length: set.starts.length }, (_, i) => i))
  const mc = mcDropoutPredict(model, x.x, { samples: p.mcSamples, maxBatch: 4096, onChunk: () => stopIfAsked(ctx.hooks.shouldStop, 'during MC-dropout') })
  tf.dispose([x.x, x.y])
  const ms = performance.now() - t0
  const meanStd = meanStdPerOutput(mc)
  const stdBy = (h: number, label: 0 | 1) => {
    let sum = 0
    let n = 0
    for (let i = 0; i < mc.rows; i++) {
      if (set.y[i * H + h] !== label) continue
      sum += mc.std[i * H + h]
      n++
    }
    return n > 0 ? sum / n : NaN
  }
  ctx.hooks.onLog?.('info', `MC-dropout on ${mc.rows} test windows x ${p.mcSamples}: mean std ${meanStd.map((v, j) => `${horizonSuffix(p.horizons[j])} ${v.toFixed(4)}`).join(', ')} (${ms.toFixed(0)} ms)`)
  return {
    samples: p.mcSamples,
    windows: mc.rows,
    ms,
    meanStd: Object.fromEntries(p.horizons.map((h, j) => [h, meanStd[j]])),
    meanStdPositives: Object.fromEntries(p.horizons.map((h, j) => [h, stdBy(j, 1)])),
    meanStdNegatives: Object.fromEntries(p.horizons.map((h, j) => [h, stdBy(j, 0)])),
    /** AUC of the MC mean on the subsample, per horizon (vs the deterministic model's). */
    meanRocAuc: Object.fromEntries(p.horizons.map((h, j) => [h, horizonReport(h, horizonLabels(set, j), column(mc.mean, H, j), 0.5).rocAuc]))
  }
}

/** The primary (first, nearest) horizon's scores of a part's windows: what the run stores and is measured on. */
function primaryScored(w: PanelWindows, outputs: Float32Array, H: number, series: LabelledSeries): ScoredWindows {
  return { scores: column(outputs, H, 0), labels: horizonLabels(w, 0), types: w.types, starts: w.starts, series }
}

export const lstmAttentionTrainer: Trainer = {
  backend: () => initTfjs(),

  async run(ctx): Promise<TrialOutput> {
    const { hooks } = ctx
    const p = parseLstmAttentionParams(ctx.spec.model.params)
    const backend = await startDeepTrial(ctx, p)
    const H = p.horizons.length
    const log = (level: 'info' | 'warn', m: string) => hooks.onLog?.(level, m)
    const data = panelData(ctx, p)

    // 1. Cross-validation by entity.
    const doCv = p.folds >= 2 && data.entities >= p.folds
    const cvSpan: [number, number] = doCv ? [0.05, 0.5] : [0.05, 0.05]
    const cv = await crossValidate(ctx, p, data, cvSpan)

    // 2. Final model: train businesses minus a validation slice.
    const { train: trainW, validation: valW, validationFrom } = finalWindows(p, data)
    const prev = prevalence(trainW)
    const w = riskLossWeights({ horizonMonths: p.horizons.map(horizonMonths), riskWeight: p.riskWeight, prevalence: prev, balanceClasses: p.balanceClasses })
    log(
      'info',
      `backend ${backend.name}; windows: train ${trainW.starts.length} (stride ${p.windowStride}${p.maxTrainWindows ? `, cap ${p.maxTrainWindows}` : ''}), validation ${valW.starts.length} (${validationFrom}), test ${data.test.starts.length}; ` +
        `positive rate ${prev.map((v, h) => `${horizonSuffix(p.horizons[h])} ${(100 * v).toFixed(1)}%`).join(', ')}; positive weights ${w.positive.map((v) => v.toFixed(2)).join('/')}`
    )
    const t0 = Date.now()
    const r = await fit({
      p,
      features: ctx.train.columns.length,
      train: trainW,
      val: valW,
      seed: p.seed,
      epochs: p.epochs,
      shouldStop: hooks.shouldStop,
      onBatch: stageProgress(ctx, [cvSpan[1], 0.9], 'training'),
      onEpoch: (e) => hooks.onEpoch?.(e),
      onLog: log,
      checkpointDir: hooks.artifactsDir ?? null,
      threads: hooks.threads
    })
    const model = r.model
    try {
      const trainMs = Date.now() - t0
      // 3. Thresholds on validation; 4. test, uncertainty, latency.
      const thresholds = chooseThresholds(p, valW, r.valOutputs)
      hooks.onProgress({ stage: 'scoring', fraction: 0.9, message: `scoring ${data.test.starts.length} test windows`, etaMs: null })
      // ONNX Runtime when worth it (predictor.ts); MC-dropout and the latency below stay in tfjs.
      const testOut = await withPredictor(model, data.test.starts.length, { onLog: log }, (final) => predictAll(final, panelSource(data.test), p.batchSize * 4, hooks.shouldStop))
      const testReports = reportsAt(p, data.test, testOut, thresholds)
      const valReports = reportsAt(p, valW, r.valOutputs, thresholds)
      log('info', `best epoch ${r.bestEpoch} of ${r.history.length}; thresholds ${thresholds.map((t) => t.toFixed(3)).join('/')}; test: ${fmtReports(testReports)}`)
      const uncertainty = mcUncertainty(model, p, data.test, ctx)
      const latency = singleWindowLatency(model, data.test)
      log('info', `single-window latency: p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms (${backend.name})`)

      // Results: the primary horizon in the standard keys, every horizon in suffixed keys.
      const out = assembleScoredResults({
        ctx,
        threshold: thresholds[0],
        windowLength: p.window,
        validation: primaryScored(valW, r.valOutputs, H, validationFrom === 'split' ? ctx.validation! : ctx.train),
        test: primaryScored(data.test, testOut, H, ctx.test),
        extraMetrics: {
          test: { balancedAccuracy: testReports[0].balancedAccuracy, ...horizonMetricKeys(testReports), latencyP95Ms: latency.p95 },
          validation: { balancedAccuracy: valReports[0].balancedAccuracy, ...horizonMetricKeys(valReports) }
        },
        extraCurves: {
          horizons: Object.fromEntries(
            p.horizons.map((h, j) => {
              const c = rocCurve(horizonLabels(data.test, j), column(testOut, H, j))
              return [h, { roc: { fpr: c.fpr, tpr: c.tpr } }]
            })
          )
        },
        model: {
          kind: 'lstm-attention',
          params: p,
          scaler: data.scaler,
          featureNames: [...ctx.train.columns],
          window: { length: p.window, stride: 1, trainStride: p.windowStride },
          horizons: p.horizons,
          /** Output column j of the model is P(default within horizons[j]). */
          output: { shape: ['batch', H], columns: p.horizons },
          thresholds: Object.fromEntries(p.horizons.map((h, j) => [h, thresholds[j]])),
          perHorizon: { test: testReports, validation: valReports },
          cv,
          uncertainty,
          latency: { ...latency, backend: backend.name },
          lossWeights: { positive: w.positive, normaliser: w.normaliser, urgency: w.urgency, prevalence: prev },
          weightsFile: r.checkpointFile,
          backend: backend.name,
          bestEpoch: r.bestEpoch,
          epochsRun: r.history.length,
          stoppedEarly: r.stoppedEarly,
          trainMs,
          validationFrom,
          parameters: model.countParams()
        }
      })
      hooks.onProgress({ stage: 'evaluating', fraction: 1, message: 'done', etaMs: 0 })
      return out
    } finally {
      model.dispose()
    }
  }
}
