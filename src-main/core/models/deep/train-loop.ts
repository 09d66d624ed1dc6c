/**
 * The training loop every deep model shares (LSTM classifier, LSTM autoencoder, LSTM attention).
 *
 * A model supplies:
 * - `model`: a tf.LayersModel (built, not compiled: the loop owns the optimizer);
 * - `loss(yTrue, yPred)`: a scalar tensor (class weights etc. live inside it);
 * - `train` / `val`: BatchSources that build input/target tensors lazily for a list of example
 *   indices (nothing is materialised beyond one batch);
 * - optionally `score(predictor, source)`: per-example anomaly scores (higher = more anomalous) of
 *   `scoreSource` (default `val`) for the validation metrics. Without it, the model outputs of the
 *   validation-loss pass are the scores (one value per example: a classifier's probability).
 * - Validation passes (loss and scores) run on a predictor opened per epoch over its weights
 *   (predictor.ts): ONNX Runtime over an in-memory ONNX export when the passes are large enough
 *   and the model exports, else tfjs. Training steps are always tfjs.
 *
 * Usage (see lstm-classifier-trainer.ts for a full example):
 *
 *   const r = await trainLoop({
 *     model, loss: (y, p) => tf.losses.sigmoidCrossEntropy... ,
 *     train: trainSource, val: valSource, valLabels,
 *     epochs: 20, batchSize: 128, learningRate: 1e-3, clipNorm: 1,
 *     earlyStopping: { patience: 5 }, reduceLrOnPlateau: { factor: 0.5, patience: 2, minLr: 1e-5 },
 *     seed: 42, threshold: 0.5, checkpointDir: hooks.artifactsDir,
 *     shouldStop: hooks.shouldStop, onBatch: (p) => ..., onEpoch: (e) => hooks.onEpoch?.(e)
 *   })
 *   // r.model holds the best weights; r.bestValScores are the val scores at the best epoch.
 *
 * Semantics (Keras's, so seed scripts translate directly):
 * - Monitored quantity: val loss (train loss when there is no `val`). An epoch improves when it
 *   beats the best by more than `minDelta`.
 * - Early stopping: stop after `patience` epochs without improvement; the best weights (all of
 *   them, BatchNorm moving statistics included) are restored at the end either way.
 * - Reduce LR on plateau: after `patience` epochs without improvement, lr = max(lr * factor,
 *   minLr), and the wait restarts.
 * - Gradient clipping by global norm (tf.clip_by_global_norm): g *= clipNorm / max(norm, clipNorm).
 * - Cancellation: `shouldStop()` is read before every batch; between batches the loop yields to
 *   the event loop (setImmediate) so a worker's cancel message can arrive. A cancel throws a
 *   CancelledError (core/cancelled.ts) within one batch.
 * - Seeds: the shuffle order of each epoch comes from `seed`; weight init seeds are the model
 *   builder's business (pass `seed` to initializers). Dropout masks are not seeded (a fixed
 *   dropout seed would reuse one mask for every batch).
 * - Threads: with `dataParallel`, every batch is split over worker threads (data-parallel.ts);
 *   the step's gradient is the same mean, summed in another order.
 * - Tensors: every step runs in tf.tidy; the best weights are the only tensors kept between
 *   epochs (replaced, old ones disposed), so tf.memory().numTensors is flat across epochs.
 */
import * as tf from '@tensorflow/tfjs'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRng } from '../../data/rng'
import { averagePrecision, confusionMatrix, predictAtThreshold, rocAuc, scoreHistogram } from '../../eval/metrics'
import type { Epoch, TrainingStep } from '../../store/run-schemas'
import { stopIfAsked } from '../../cancelled'
import { tfjsPredictor, withPredictor, type Predictor, type PredictorOptions } from './predictor'
import { webgpuFault } from './webgpu-rung'
import { loadResumeCheckpoint, saveResumeCheckpoint, type NamedTensor, type ResumeCheckpoint } from './resume-checkpoint'
// Registers the sequence-level LSTM under tfjs's 'LSTM' class name: checkpoints load into it.
import './sequence-lstm'
import { adam } from './fused-adam'
import { GradientReplicas, MIN_PART, REPLICA_BACKENDS } from './data-parallel'
import type { LossSpec } from './loss-spec'

/** Examples addressed by index; the loop asks for one batch at a time and disposes it. */
export interface BatchSource {
  /** Number of examples. */
  readonly size: number
  /** Input and target tensors of the examples `indices` (in that order). */
  take(indices: Int32Array): { x: tf.Tensor; y: tf.Tensor }
}

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar
/** Scores of a source; `model` is the epoch's predictor (predictor.ts: ONNX Runtime or tfjs over the current weights). */
export type ScoreFn = (model: Predictor, source: BatchSource) => Promise<Float32Array>

/** A run's epoch (store/run-schemas.ts) with the metrics every deep model's loop reports. */
export type EpochRecord = Epoch & { metrics: DeepEpochMetrics }

export interface DeepEpochMetrics {
  loss: number
  valLoss: number
  lr: number
  valRocAuc: number
  valAveragePrecision: number
  windowsPerSec: number
  epochMs: number
  threshold: number
  valPrecision: number
  valRecall: number
  valF1: number
  /** Labelled anomalies among the validation windows (0: the rates above are n/a). */
  valPositives: number
  /** Per-horizon and other model-specific additions (e.g. `valRocAuc_6m`). */
  [extra: string]: number
}

export interface BatchProgress extends TrainingStep {
  /** Mean train loss so far in this epoch. */
  loss: number
}

/** Where a batch stands, as run progress carries it (without the loss). */
export function trainingStep(p: TrainingStep): TrainingStep {
  return { epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches }
}

export interface TrainLoopOptions {
  model: tf.LayersModel
  loss: LossFn
  train: BatchSource
  /** Validation examples for the monitored loss; null: monitor the train loss. */
  val: BatchSource | null
  /** Per-example labels of `scoreSource` (or `val`), for AUC / AP / confusion. */
  valLabels?: Uint8Array
  /** Examples to score for the validation metrics (default `val`). */
  scoreSource?: BatchSource
  score?: ScoreFn
  epochs: number
  batchSize: number
  learningRate: number
  /**
   * Split every batch over this many threads (data-parallel.ts): this one and threads - 1 gradient
   * replicas, which rebuild the loss from `loss` (the same function as `loss` above). Only on the
   * wasm and cpu backends; 1 or absent: one thread.
   */
  dataParallel?: { threads: number; loss: LossSpec } | null
  /** 'adam' (default) or plain 'sgd' (tests: its update is lr * gradient, easy to bound). */
  optimizer?: 'adam' | 'sgd'
  clipNorm?: number | null
  earlyStopping?: { patience: number; minDelta?: number } | null
  reduceLrOnPlateau?: { factor: number; patience: number; minLr: number; minDelta?: number } | null
  seed?: number
  shuffle?: boolean
  /** Threshold on the scores for the confusion matrix: fixed, or chosen from (scores, labels). */
  threshold?: number | ((scores: Float32Array, labels: Uint8Array) => number)
  /** Folder for the best-weights checkpoint (model.json + weights.bin); none when absent. */
  checkpointDir?: string | null
  shouldStop?: () => boolean
  /** How the validation passes run (predictor.ts; default: ONNX Runtime when worth it, else tfjs). */
  inference?: Omit<PredictorOptions, 'onLog'>
  /** Resume checkpoints (resume-checkpoint.ts): one written after every epoch, and an earlier run's to continue. */
  resume?: ResumeOptions | null
  onBatch?: (p: BatchProgress) => void
  onEpoch?: (e: EpochRecord) => void
  onLog?: (level: 'info' | 'warn', message: string) => void
}

export interface ResumeOptions {
  /** Folder this run's checkpoint is written to at the end of every epoch (replaced atomically). */
  dir: string
  /** A checkpoint an earlier, interrupted run of the same trial left, and its name in the log ("run 12"). */
  from?: { dir: string; label: string } | null
  /**
   * What is being trained (model kind and params, data versions, seed): a checkpoint written for
   * another fingerprint is refused. The loop adds its own settings and the example counts.
   */
  fingerprint: Record<string, unknown>
}

export interface TrainLoopResult {
  model: tf.LayersModel
  history: EpochRecord[]
  /** 1-based epoch whose weights the model holds at the end. */
  bestEpoch: number
  bestMonitored: number
  stoppedEarly: boolean
  /** Scores of the score source at the best epoch (null without validation labels). */
  bestValScores: Float32Array | null
  /** Path of the checkpoint's model.json, when a checkpointDir was given. */
  checkpointFile: string | null
  finalLr: number
}

/** Global-norm clipping of a gradient map (new tensors; call inside tf.tidy). */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): { grads: tf.NamedTensorMap; norm: tf.Scalar } {
  const names = Object.keys(grads)
  const sq = names.map((n) => tf.sum(tf.square(grads[n])))
  const norm = tf.sqrt(sq.length > 0 ? tf.addN(sq) : tf.scalar(0)) as tf.Scalar
  // clipNorm / max(norm, clipNorm): 1 when under the limit, so small gradients pass untouched.
  const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm))
  const out: tf.NamedTensorMap = {}
  for (const n of names) out[n] = tf.mul(grads[n], scale)
  return { grads: out, norm }
}

function setLr(opt: tf.Optimizer, lr: number): void {
  // Adam and SGD read `learningRate` at every applyGradients call.
  ;(opt as unknown as { learningRate: number }).learningRate = lr
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve))

/** The model itself (scored in tfjs) or a predictor (predictor.ts: tfjs or ONNX Runtime). */
export type Scorer = tf.LayersModel | Predictor

function asPredictor(m: Scorer): Predictor {
  return m instanceof tf.LayersModel ? tfjsPredictor(m) : m
}

/**
 * Runs the model over a source in order, in batches (inference mode); calls `each` with a batch's
 * outputs, targets, window range and inputs (inside tf.tidy: tensors it makes are freed).
 */
export async function forEachBatch(
  model: Scorer,
  source: BatchSource,
  batchSize: number,
  each: (yPred: tf.Tensor, y: tf.Tensor, from: number, to: number, x: tf.Tensor) => void,
  shouldStop?: () => boolean
): Promise<void> {
  const predictor = asPredictor(model)
  const idx = new Int32Array(source.size)
  for (let i = 0; i < idx.length; i++) idx[i] = i
  for (let from = 0; from < source.size; from += batchSize) {
    stopIfAsked(shouldStop, 'while scoring')
    const to = Math.min(source.size, from + batchSize)
    const { x, y } = source.take(idx.subarray(from, to))
    try {
      const p = await predictor.predict(x)
      try {
        tf.tidy(() => each(p, y, from, to, x))
      } finally {
        p.dispose()
      }
    } finally {
      tf.dispose([x, y])
    }
    await nextTick()
  }
}

/** Mean loss over a source (each batch's scalar weighted by its size) and its raw outputs. */
export async function evaluateLoss(
  model: Scorer,
  source: BatchSource,
  loss: LossFn,
  batchSize: number,
  shouldStop?: () => boolean
): Promise<{ loss: number; outputs: Float32Array }> {
  let sum = 0
  let outputs: Float32Array | null = null
  await forEachBatch(
    model,
    source,
    batchSize,
    (p, y, from, to) => {
      sum += (loss(y, p).dataSync()[0] as number) * (to - from)
      const flat = p.dataSync() as Float32Array
      const per = flat.length / (to - from)
      outputs ??= new Float32Array(source.size * per)
      outputs.set(flat, from * per)
    },
    shouldStop
  )
  return { loss: source.size > 0 ? sum / source.size : NaN, outputs: outputs ?? new Float32Array(0) }
}

/** Saves topology + weights as model.json + weights.bin (tfjs layers format) in `dir`. */
export async function saveModelFiles(model: tf.LayersModel, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'model.json')
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData
      const bytes = data == null ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data
      const json = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }]
      }
      // Temporary names then rename: a reader never sees half a checkpoint.
      writeFileSync(join(dir, 'weights.bin.tmp'), new Uint8Array(bytes))
      writeFileSync(join(dir, 'model.json.tmp'), JSON.stringify(json))
      renameSync(join(dir, 'weights.bin.tmp'), join(dir, 'weights.bin'))
      renameSync(join(dir, 'model.json.tmp'), file)
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } }
    })
  )
  return file
}

/** Loads a model written by saveModelFiles (plain tfjs has no file:// loader in Node). */
export async function loadModelFiles(modelJsonFile: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(modelJsonFile, 'utf8')) as {
    modelTopology: object
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
  }
  const dir = join(modelJsonFile, '..')
  const specs = json.weightsManifest.flatMap((g) => g.weights)
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))))
  const all = Buffer.concat(buffers)
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }))
}

function validationMetrics(scores: Float32Array, labels: Uint8Array, threshold: number) {
  const auc = rocAuc(labels, scores)
  const ap = averagePrecision(labels, scores)
  const confusion = confusionMatrix(labels, predictAtThreshold(scores, threshold))
  const { tp, fp, fn } = confusion
  // A validation part without a labelled anomaly has no recall, precision or F1 to speak of:
  // NaN (stored as null, shown as n/a) rather than a 0 that reads as a failure.
  if (tp + fn === 0) return { auc: NaN, ap: NaN, confusion, precision: NaN, recall: NaN, f1: NaN, histogram: scoreHistogram(labels, scores, 30) }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp)
  const recall = tp / (tp + fn)
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return { auc, ap, confusion, precision, recall, f1, histogram: scoreHistogram(labels, scores, 30) }
}

/** Adam's running powers of beta1/beta2: setWeights recomputes them with pow, the steps keep a running product; the saved values are put back so the next step does not hinge on the two rounding alike. */
type AdamBetas = { accBeta1?: tf.Variable; accBeta2?: tf.Variable }
const ADAM_BETAS = ['accBeta1', 'accBeta2'] as const

/** The optimizer's state as named tensors (the iteration count is a new tensor: `owned`, the caller disposes it). */
async function optimizerState(opt: tf.Optimizer): Promise<{ named: NamedTensor[]; owned: tf.Tensor[] }> {
  const named = await opt.getWeights()
  const owned = named.filter((w) => w.name === 'iter').map((w) => w.tensor)
  const betas = opt as unknown as AdamBetas
  for (const b of ADAM_BETAS) {
    const v = betas[b]
    if (v) named.push({ name: `adam/${b}`, tensor: v })
  }
  return { named, owned }
}

async function restoreOptimizer(opt: tf.Optimizer, saved: NamedTensor[]): Promise<void> {
  await opt.setWeights(saved.filter((w) => !w.name.startsWith('adam/')))
  const betas = opt as unknown as AdamBetas
  for (const w of saved) {
    const b = ADAM_BETAS.find((n) => w.name === `adam/${n}`)
    if (b) betas[b]?.assign(w.tensor)
  }
}

/** One epoch's seeded Fisher-Yates over the example indices, in place: the same seed gives the same batches. */
function shuffleOrder(order: Int32Array, rng: ReturnType<typeof createRng>): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i)
    const t = order[i]
    order[i] = order[j]
    order[j] = t
  }
}

export async function trainLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  const { model, loss, train, val } = o
  if (train.size === 0) throw new Error('no training examples (check window length, stride and the split)')
  const batchSize = Math.max(1, Math.floor(o.batchSize))
  const optimizer = o.optimizer === 'sgd' ? tf.train.sgd(o.learningRate) : adam(o.learningRate)
  const rng = createRng(o.seed ?? 0)
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const scoreSource = o.scoreSource ?? val
  const batches = Math.ceil(train.size / batchSize)
  const order = new Int32Array(train.size)
  for (let i = 0; i < order.length; i++) order[i] = i

  let lr = o.learningRate
  let best = Infinity
  let bestEpoch = 0
  let bestWeights: tf.Tensor[] | null = null
  let bestValScores: Float32Array | null = null
  let esWait = 0
  let lrWait = 0
  let stoppedEarly = false
  let checkpointFile: string | null = null
  let history: EpochRecord[] = []
  const shuffle = o.shuffle ?? true
  const fingerprint = o.resume
    ? { ...o.resume.fingerprint, loop: { optimizer: o.optimizer ?? 'adam', batchSize, shuffle, seed: o.seed ?? 0, train: train.size, val: val?.size ?? null, scored: scoreSource?.size ?? null } }
    : null
  let startEpoch = 1
  let replicas: GradientReplicas | null = null

  try {
    const dp = o.dataParallel
    // Parts of at least MIN_PART examples: a small batch is not worth the messages.
    const threads = Math.min(dp?.threads ?? 1, Math.floor(batchSize / MIN_PART))
    if (dp && threads > 1 && REPLICA_BACKENDS.includes(tf.getBackend())) {
      try {
        replicas = await GradientReplicas.start(model, dp.loss, threads - 1, o.seed ?? 0)
        o.onLog?.('info', `data-parallel training: every batch is split over ${replicas.threads} threads`)
      } catch (err) {
        // Training on one thread beats no training: said, not hidden.
        o.onLog?.('warn', `data-parallel training did not start (${(err as Error).message}): training on one thread`)
      }
    }
    const from = o.resume?.from
    if (from && fingerprint) {
      const loaded = await loadResumeCheckpoint(from.dir, fingerprint)
      if (!loaded.ok) o.onLog?.('warn', `could not resume from ${from.label}: ${loaded.reason}; training starts over at epoch 1`)
      else {
        const c = loaded.checkpoint
        ;({ lr, best, bestEpoch, esWait, lrWait, stoppedEarly, history } = c)
        bestWeights = c.tensors.best
        bestValScores = c.tensors.bestValScores
        // This run's folder gets the best-weights checkpoint too (the trainers report it as the model file).
        if (o.checkpointDir && bestWeights) {
          model.setWeights(bestWeights)
          checkpointFile = await saveModelFiles(model, o.checkpointDir)
        }
        model.setWeights(c.tensors.current)
        tf.dispose(c.tensors.current)
        await restoreOptimizer(optimizer, c.tensors.optimizer)
        tf.dispose(c.tensors.optimizer.map((w) => w.tensor))
        setLr(optimizer, lr)
        // The shuffle RNG has no state to save: replaying the done epochs' draws gives epoch N+1 its order.
        if (shuffle) for (let e = 1; e <= c.epoch; e++) shuffleOrder(order, rng)
        startEpoch = stoppedEarly ? o.epochs + 1 : c.epoch + 1
        o.onLog?.('info', `resumed from epoch ${c.epoch} of ${from.label} (best epoch ${bestEpoch}${stoppedEarly ? ', it had stopped early' : ''})`)
        // The new run's history shows every epoch: the done ones are replayed as they were.
        for (const e of history) o.onEpoch?.(e)
      }
    }
    for (let epoch = startEpoch; epoch <= o.epochs; epoch++) {
      if (shuffle) shuffleOrder(order, rng)
      const t0 = performance.now()
      let lossSum = 0
      for (let b = 0; b < batches; b++) {
        stopIfAsked(o.shouldStop, `in epoch ${epoch}, batch ${b + 1}/${batches}`)
        const from = b * batchSize
        const to = Math.min(train.size, from + batchSize)
        const indices = order.subarray(from, to)
        const apply = (grads: tf.NamedTensorMap) => {
          const g = o.clipNorm ? clipByGlobalNorm(grads, o.clipNorm).grads : grads
          // The optimizers only read gradient values; the Variable-typed map is a typing quirk.
          optimizer.applyGradients(g as unknown as { [name: string]: tf.Variable })
        }
        let v: number
        if (replicas) {
          const step = await replicas.gradients(model, vars, loss, train, indices)
          tf.tidy(() => apply(Object.fromEntries(vars.map((w, i) => [w.name, step.grads[i]]))))
          tf.dispose(step.grads)
          v = step.value
        } else {
          const value = tf.tidy(() => {
            const { x, y } = train.take(indices)
            const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), vars)
            apply(grads)
            return value
          })
          v = (await value.data())[0]
          value.dispose()
        }
        const fault = webgpuFault()
        if (fault) throw new Error(`the GPU (webgpu rung) reported an error in epoch ${epoch}, batch ${b + 1}: ${fault}`)
        if (!Number.isFinite(v)) throw new Error(`training diverged: loss ${v} in epoch ${epoch}, batch ${b + 1} (try a lower learning rate or clipNorm)`)
        lossSum += v * (to - from)
        o.onBatch?.({ epoch, epochs: o.epochs, batch: b + 1, batches, loss: lossSum / to })
        // Let the worker's message handler run (a cancel arrives between batches).
        await nextTick()
      }
      const trainMs = performance.now() - t0
      const trainLoss = lossSum / train.size

      // Validation: loss on `val`, scores on the score source (the same outputs by default).
      // One predictor over this epoch's weights serves both passes (ONNX Runtime when they are
      // large enough and the model exports: predictor.ts).
      let valLoss = NaN
      let scores: Float32Array | null = null
      const scored = o.score ? scoreSource : null
      if (val || scored) {
        const windows = (val?.size ?? 0) + (scored?.size ?? 0)
        const r = await withPredictor(model, windows, { onLog: o.onLog, ...o.inference }, async (predictor) => {
          if (epoch === 1) o.onLog?.('info', `validation passes in ${predictor.engine} (${windows} windows per epoch)`)
          const v = val ? await evaluateLoss(predictor, val, loss, batchSize, o.shouldStop) : null
          return { loss: v?.loss ?? NaN, scores: o.score && scored ? await o.score(predictor, scored) : scoreSource === val ? (v?.outputs ?? null) : null }
        })
        valLoss = r.loss
        scores = r.scores
      }
      const labels = o.valLabels
      let thr = typeof o.threshold === 'number' ? o.threshold : 0.5
      let vm: ReturnType<typeof validationMetrics> | null = null
      if (scores && labels) {
        if (scores.length !== labels.length) throw new Error(`validation scores (${scores.length}) and labels (${labels.length}) differ in length`)
        if (typeof o.threshold === 'function') thr = o.threshold(scores, labels)
        vm = validationMetrics(scores, labels, thr)
      }

      const monitored = val ? valLoss : trainLoss
      const improved = monitored < best - (o.earlyStopping?.minDelta ?? 0)
      const record: EpochRecord = {
        epoch,
        metrics: {
          loss: trainLoss,
          valLoss,
          lr,
          valRocAuc: vm?.auc ?? NaN,
          valAveragePrecision: vm?.ap ?? NaN,
          windowsPerSec: train.size / (trainMs / 1000),
          epochMs: performance.now() - t0,
          threshold: thr,
          valPrecision: vm?.precision ?? NaN,
          valRecall: vm?.recall ?? NaN,
          valF1: vm?.f1 ?? NaN,
          // Labelled anomalies among the validation windows: 0 says why the rates above are n/a.
          valPositives: vm ? vm.confusion.tp + vm.confusion.fn : NaN
        },
        confusion: vm?.confusion ?? null,
        histogram: vm?.histogram
      }
      history.push(record)

      // The decisions first, then the resume checkpoint, then the epoch goes out: when the host
      // hears of epoch N, a rerun can continue after it.
      const notes: string[] = []
      if (improved) {
        best = monitored
        bestEpoch = epoch
        esWait = 0
        lrWait = 0
        bestWeights?.forEach((t) => t.dispose())
        // getWeights() returns the variables themselves: clone to keep a snapshot.
        bestWeights = model.getWeights().map((w) => w.clone())
        bestValScores = scores
        if (o.checkpointDir) checkpointFile = await saveModelFiles(model, o.checkpointDir)
      } else {
        esWait++
        lrWait++
        const p = o.reduceLrOnPlateau
        if (p && lrWait >= p.patience && lr > p.minLr) {
          const next = Math.max(lr * p.factor, p.minLr)
          notes.push(`epoch ${epoch}: val loss has not improved for ${lrWait} epochs, learning rate ${lr.toExponential(2)} -> ${next.toExponential(2)}`)
          lr = next
          setLr(optimizer, lr)
          lrWait = 0
        }
        if (o.earlyStopping && esWait >= o.earlyStopping.patience) {
          stoppedEarly = true
          notes.push(`early stopping after epoch ${epoch}: best val loss ${best.toPrecision(5)} at epoch ${bestEpoch}`)
        }
      }
      if (o.resume && fingerprint) {
        const state: ResumeCheckpoint = { epoch, lr, best, bestEpoch, esWait, lrWait, stoppedEarly, history, tensors: { current: model.getWeights(), best: bestWeights, bestValScores, optimizer: [] } }
        const opt = await optimizerState(optimizer)
        try {
          await saveResumeCheckpoint(o.resume.dir, fingerprint, { ...state, tensors: { ...state.tensors, optimizer: opt.named } })
        } finally {
          tf.dispose(opt.owned)
        }
      }
      o.onEpoch?.(record)
      for (const n of notes) o.onLog?.('info', n)
      if (stoppedEarly) break
    }
    if (bestWeights) model.setWeights(bestWeights)
  } finally {
    bestWeights?.forEach((t) => t.dispose())
    optimizer.dispose()
    await replicas?.end()
  }
  return { model, history, bestEpoch, bestMonitored: best, stoppedEarly, bestValScores, checkpointFile, finalLr: lr }
}
