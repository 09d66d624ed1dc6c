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
 * `latencyP95Ms`. Targets are checked with horizon-targets.ts (`accuracy_6m >= 0.88`).
 * TrialScores: the primary horizon's scores of the validation and test windows.
 */
import * as tf from '@tensorflow/tfjs'
import { parseModelParams } from './params'
import type { Trainer, TrainerContext } from '../../search/trainers'
import type { TrialOutput, TrialScores } from '../../search/run-trial'
import type { RunResults } from '../../store/runs-repo'
import type { LabelledSeries } from '../../data/series'
import { segmentsOf, sourceRows } from '../../data/series'
import { createRng } from '../../data/rng'
import type { StandardScaler } from '../../data/scaler'
import { fillBatchIndexed } from '../../data/windows'
import { evaluateScores, prCurve, predictAtThreshold, recallByType, rocCurve, scoreHistogram } from '../../eval/metrics'
import { pickMetrics } from '../../eval/pick-metrics'
import {
  bestThreshold,
  checkHorizonTargets,
  horizonKey,
  horizonMetricKeys,
  horizonReport,
  horizonSuffix,
  type HorizonReport
} from '../../eval/horizon-targets'
import { initTfjs } from './tfjs-runtime'
import { trainLoop, type BatchSource, type EpochRecord } from './train-loop'
import { fitColumnScaler, scaleColumns } from './deep-trial'
import { buildLstmAttention, lstmAttentionParamsSchema, type LstmAttentionParams } from './lstm-attention'
import { horizonMonths, riskAwareLoss, riskLossWeights } from './risk-loss'
import { mcDropoutPredict, meanStdPerOutput } from './mc-dropout'

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

/** Deterministic outputs [n x H] (row-major) of the model over a source. */
export async function predictAll(model: tf.LayersModel, source: BatchSource, batchSize: number, shouldStop?: () => boolean): Promise<Float32Array> {
  let out: Float32Array | null = null
  const idx = new Int32Array(source.size)
  for (let i = 0; i < idx.length; i++) idx[i] = i
  for (let from = 0; from < source.size; from += batchSize) {
    if (shouldStop?.()) {
      const e = new Error('trial cancelled while scoring')
      e.name = 'CancelledError'
      throw e
    }
    const to = Math.min(source.size, from + batchSize)
    const p = tf.tidy(() => model.apply(source.take(idx.subarray(from, to)).x, { training: false }) as tf.Tensor)
    const flat = (await p.data()) as Float32Array
    p.dispose()
    const per = flat.length / (to - from)
    out ??= new Float32Array(source.size * per)
    out.set(flat, from * per)
    await new Promise<void>((r) => setImmediate(r))
  }
  return out ?? new Float32Array(0)
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
  onBatch?: (b: { epoch: number; epochs: number; batch: number; batches: number; loss: number }) => void
  onEpoch?: (e: EpochRecord) => void
  onLog?: (level: 'info' | 'warn', m: string) => void
  checkpointDir?: string | null
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
  const baseLoss = riskAwareLoss({
    horizonMonths: p.horizons.map(horizonMonths),
    riskWeight: p.riskWeight,
    prevalence: prevalence(train),
    balanceClasses: p.balanceClasses
  })
  const model = buildLstmAttention({ window: p.window, features: o.features, horizons: H, lstmUnits: p.lstmUnits, heads: p.heads, keyDim: p.keyDim, dropout: p.dropout, seed: o.seed })
  const n = o.val.starts.length
  // The validation outputs are captured from the loop's own val-loss pass instead of running
  // the model over the validation windows again for scores (that pass was ~1/3 of a run):
  // `take` on the val source marks the batch, and the loss, called next with that batch's
  // predictions (train-loop's forEachBatch: take -> apply -> loss), copies them. Train batches
  // clear the mark. If the capture is incomplete (a loop that calls differently), `score` falls
  // back to a separate prediction pass.
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
            e.metrics = { ...e.metrics, [horizonKey('valRocAuc', p.horizons[h])]: rep.rocAuc } as EpochRecord['metrics']
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
    const valOutputs = bestVal ?? (await predictAll(model, baseVal, p.batchSize * 4, o.shouldStop))
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
  return (b: { epoch: number; epochs: number; batch: number; batches: number; loss: number }) => {
    const done = ((b.epoch - 1) * b.batches + b.batch) / (b.epochs * b.batches)
    const fraction = span[0] + (span[1] - span[0]) * done
    const elapsed = Date.now() - ctx.started
    ctx.hooks.onProgress({
      stage,
      fraction,
      message: `${stage}: epoch ${b.epoch}/${b.epochs}, batch ${b.batch}/${b.batches}, loss ${b.loss.toFixed(4)}`,
      // Early stopping usually ends sooner: the ETA is an upper bound.
      etaMs: Date.now() - started > 2000 && fraction > 0.05 ? (elapsed / fraction) * (1 - fraction) : null
    })
  }
}

export const lstmAttentionTrainer: Trainer = {
  backend: () => initTfjs(),

  async run(ctx): Promise<TrialOutput> {
    const { spec, hooks } = ctx
    const p = parseLstmAttentionParams(spec.model.params)
    hooks.onParams?.(p as unknown as Record<string, unknown>)
    const backend = await initTfjs()
    const H = p.horizons.length
    const features = ctx.train.columns.length
    const log = (level: 'info' | 'warn', m: string) => hooks.onLog?.(level, m)

    // Scaler on train rows; windows per part.
    hooks.onProgress({ stage: 'windows', fraction: 0.03, message: `windowing (length ${p.window})`, etaMs: null })
    const scaler: StandardScaler = fitColumnScaler(ctx.train.values)
    const trainCols = scaleColumns(ctx.train.values, scaler)
    const nEntities = segmentsOf(ctx.train).length
    const allTrain = panelWindows(ctx.train, trainCols, p.horizons, p.window, p.windowStride)
    const allTrainFull = p.windowStride === 1 ? allTrain : panelWindows(ctx.train, trainCols, p.horizons, p.window, 1)
    const test = panelWindows(ctx.test, scaleColumns(ctx.test.values, scaler), p.horizons, p.window, 1)
    if (allTrain.starts.length === 0) throw new Error(`the train part has no complete window of ${p.window} months`)
    if (test.starts.length === 0) throw new Error(`the test part has no complete window of ${p.window} months`)

    // 1. Cross-validation by entity.
    let cv: CvSummary | null = null
    const doCv = p.folds >= 2 && nEntities >= p.folds
    const cvSpan: [number, number] = doCv ? [0.05, 0.5] : [0.05, 0.05]
    if (doCv) {
      const fold = entityFolds(nEntities, p.folds, p.seed + 1)
      const perFold: CvSummary['perFold'] = []
      for (let k = 0; k < p.folds; k++) {
        const tr: number[] = []
        const va: number[] = []
        allTrain.segment.forEach((s, i) => fold[s] !== k && tr.push(i))
        allTrain.segment.forEach((s, i) => fold[s] === k && va.push(i))
        const span: [number, number] = [cvSpan[0] + ((cvSpan[1] - cvSpan[0]) * k) / p.folds, cvSpan[0] + ((cvSpan[1] - cvSpan[0]) * (k + 1)) / p.folds]
        const val = pickWindows(allTrain, va)
        const r = await fit({
          p,
          features,
          train: pickWindows(allTrain, tr),
          val,
          seed: p.seed + 1000 * (k + 1),
          epochs: p.cvEpochs ?? p.epochs,
          shouldStop: hooks.shouldStop,
          onBatch: stageProgress(ctx, span, `cv fold ${k + 1}/${p.folds}`)
        })
        r.model.dispose()
        const reports = reportsAt(p, val, r.valOutputs, chooseThresholds(p, val, r.valOutputs))
        perFold.push({ fold: k + 1, trainWindows: tr.length, valWindows: va.length, bestEpoch: r.bestEpoch, metrics: horizonMetricKeys(reports) })
        log('info', `cv fold ${k + 1}/${p.folds}: train ${tr.length} windows, held out ${va.length}; best epoch ${r.bestEpoch}; ${fmtReports(reports)}`)
      }
      cv = { folds: p.folds, perFold, ...summarise(perFold) }
      const s = p.horizons
        .map((h) => {
          const f = (m: string) => `${cv!.mean[horizonKey(m, h)].toFixed(3)}±${cv!.sd[horizonKey(m, h)].toFixed(3)}`
          return `${horizonSuffix(h)} acc ${f('accuracy')} bacc ${f('balancedAccuracy')} auc ${f('rocAuc')}`
        })
        .join('; ')
      log('info', `cv summary (${p.folds} folds by business): ${s}`)
    } else if (p.folds >= 2) {
      log('warn', `cross-validation skipped: ${nEntities} training businesses for ${p.folds} folds`)
    }

    // 2. Final model: train businesses minus a validation slice.
    let trainW: PanelWindows
    let valW: PanelWindows
    let validationFrom: 'split' | 'train-entities'
    const splitVal = ctx.validation ? panelWindows(ctx.validation, scaleColumns(ctx.validation.values, scaler), p.horizons, p.window, 1) : null
    if (splitVal && splitVal.starts.length > 0) {
      trainW = allTrain
      valW = splitVal
      validationFrom = 'split'
    } else {
      if (nEntities < 2) throw new Error('lstm-attention needs at least 2 training businesses (one to validate on)')
      const nVal = Math.min(nEntities - 1, Math.max(1, Math.round(nEntities * p.validationFraction)))
      const order = createRng(p.seed + 2).shuffle(Array.from({ length: nEntities }, (_, i) => i))
      const isVal = new Uint8Array(nEntities)
      for (let j = 0; j < nVal; j++) isVal[order[j]] = 1
      trainW = pickWindows(allTrain, allTrain.segment.reduce<number[]>((a, s, i) => (isVal[s] ? a : (a.push(i), a)), []))
      valW = pickWindows(allTrainFull, allTrainFull.segment.reduce<number[]>((a, s, i) => (isVal[s] ? (a.push(i), a) : a), []))
      validationFrom = 'train-entities'
    }
    const prev = prevalence(trainW)
    const w = riskLossWeights({ horizonMonths: p.horizons.map(horizonMonths), riskWeight: p.riskWeight, prevalence: prev, balanceClasses: p.balanceClasses })
    log(
      'info',
      `backend ${backend.name}; windows: train ${trainW.starts.length} (stride ${p.windowStride}${p.maxTrainWindows ? `, cap ${p.maxTrainWindows}` : ''}), validation ${valW.starts.length} (${validationFrom}), test ${test.starts.length}; ` +
        `positive rate ${prev.map((v, h) => `${horizonSuffix(p.horizons[h])} ${(100 * v).toFixed(1)}%`).join(', ')}; positive weights ${w.positive.map((v) => v.toFixed(2)).join('/')}`
    )
    const t0 = Date.now()
    const r = await fit({
      p,
      features,
      train: trainW,
      val: valW,
      seed: p.seed,
      epochs: p.epochs,
      shouldStop: hooks.shouldStop,
      onBatch: stageProgress(ctx, [cvSpan[1], 0.9], 'training'),
      onEpoch: (e) => hooks.onEpoch?.(e),
      onLog: log,
      checkpointDir: hooks.artifactsDir ?? null
    })
    const model = r.model
    try {
      const trainMs = Date.now() - t0
      // 3. Thresholds on validation; 4. test.
      const thresholds = chooseThresholds(p, valW, r.valOutputs)
      hooks.onProgress({ stage: 'scoring', fraction: 0.9, message: `scoring ${test.starts.length} test windows`, etaMs: null })
      const testOut = await predictAll(model, panelSource(test), p.batchSize * 4, hooks.shouldStop)
      const testReports = reportsAt(p, test, testOut, thresholds)
      const valReports = reportsAt(p, valW, r.valOutputs, thresholds)
      log('info', `best epoch ${r.bestEpoch} of ${r.history.length}; thresholds ${thresholds.map((t) => t.toFixed(3)).join('/')}; test: ${fmtReports(testReports)}`)

      hooks.onProgress({ stage: 'uncertainty', fraction: 0.94, message: `MC-dropout (${p.mcSamples} passes)`, etaMs: null })
      const mcIdx =
        p.mcMaxWindows > 0 && test.starts.length > p.mcMaxWindows
          ? Array.from(createRng(p.seed + 3).sampleWithoutReplacement(test.starts.length, p.mcMaxWindows)).sort((a, b) => a - b)
          : Array.from({ length: test.starts.length }, (_, i) => i)
      const mcSet = pickWindows(test, mcIdx)
      const mcT0 = performance.now()
      const mcX = panelSource(mcSet).take(Int32Array.from({ length: mcSet.starts.length }, (_, i) => i))
      const mc = mcDropoutPredict(model, mcX.x, { samples: p.mcSamples, maxBatch: 4096, onChunk: () => {
        if (hooks.shouldStop?.()) {
          const e = new Error('trial cancelled during MC-dropout')
          e.name = 'CancelledError'
          throw e
        }
      } })
      tf.dispose([mcX.x, mcX.y])
      const mcMs = performance.now() - mcT0
      const meanStd = meanStdPerOutput(mc)
      const stdBy = (h: number, label: 0 | 1) => {
        let s = 0
        let n = 0
        for (let i = 0; i < mc.rows; i++) if (mcSet.y[i * H + h] === label) (s += mc.std[i * H + h]), n++
        return n > 0 ? s / n : NaN
      }
      const uncertainty = {
        samples: p.mcSamples,
        windows: mc.rows,
        ms: mcMs,
        meanStd: Object.fromEntries(p.horizons.map((h, j) => [h, meanStd[j]])),
        meanStdPositives: Object.fromEntries(p.horizons.map((h, j) => [h, stdBy(j, 1)])),
        meanStdNegatives: Object.fromEntries(p.horizons.map((h, j) => [h, stdBy(j, 0)])),
        /** AUC of the MC mean on the subsample, per horizon (vs the deterministic model's). */
        meanRocAuc: Object.fromEntries(p.horizons.map((h, j) => [h, horizonReport(h, horizonLabels(mcSet, j), column(mc.mean, H, j), 0.5).rocAuc]))
      }
      log('info', `MC-dropout on ${mc.rows} test windows x ${p.mcSamples}: mean std ${meanStd.map((v, j) => `${horizonSuffix(p.horizons[j])} ${v.toFixed(4)}`).join(', ')} (${mcMs.toFixed(0)} ms)`)
      const latency = singleWindowLatency(model, test)
      log('info', `single-window latency: p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms (${backend.name})`)

      // Results: primary horizon in the standard keys, every horizon in suffixed keys.
      const primaryLabels = horizonLabels(test, 0)
      const primaryScores = column(testOut, H, 0)
      const primary = evaluateScores(primaryLabels, primaryScores, thresholds[0])
      const metrics: Record<string, number> = {
        ...pickMetrics(primary as unknown as Record<string, unknown>),
        balancedAccuracy: testReports[0].balancedAccuracy,
        ...horizonMetricKeys(testReports),
        latencyP95Ms: latency.p95
      }
      const valPrimary = evaluateScores(horizonLabels(valW, 0), column(r.valOutputs, H, 0), thresholds[0])
      const validationMetrics = { ...pickMetrics(valPrimary as unknown as Record<string, unknown>), balancedAccuracy: valReports[0].balancedAccuracy, ...horizonMetricKeys(valReports) }
      const roc = rocCurve(primaryLabels, primaryScores)
      const pr = prCurve(primaryLabels, primaryScores)
      const results: RunResults = {
        threshold: thresholds[0],
        metrics,
        // As the other deep trainers: no train-window metrics; validation is what it chose on.
        trainMetrics: null,
        validationMetrics,
        confusion: primary.confusion,
        targets: checkHorizonTargets(metrics, spec.targets),
        curves: {
          roc: { fpr: roc.fpr, tpr: roc.tpr },
          pr: { recall: pr.recall, precision: pr.precision },
          histogram: scoreHistogram(primaryLabels, primaryScores),
          horizons: Object.fromEntries(
            p.horizons.map((h, j) => {
              const c = rocCurve(horizonLabels(test, j), column(testOut, H, j))
              return [h, { roc: { fpr: c.fpr, tpr: c.tpr } }]
            })
          )
        },
        recallByType: recallByType(primaryLabels, predictAtThreshold(primaryScores, thresholds[0]), test.types, ctx.test.anomalyTypeNames),
        model: {
          kind: 'lstm-attention',
          params: p,
          scaler,
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
      }
      hooks.onProgress({ stage: 'evaluating', fraction: 1, message: 'done', etaMs: 0 })
      const valSeries = validationFrom === 'split' ? ctx.validation! : ctx.train
      return {
        results,
        scores: [
          { split: 'validation', role: 'train', scores: column(r.valOutputs, H, 0), labels: horizonLabels(valW, 0), types: valW.types, starts: sourceRows(valSeries, valW.starts), windowLength: p.window },
          { split: 'test', role: 'test', scores: primaryScores, labels: primaryLabels, types: test.types, starts: sourceRows(ctx.test, test.starts), windowLength: p.window }
        ]
      }
    } finally {
      model.dispose()
    }
  }
}
