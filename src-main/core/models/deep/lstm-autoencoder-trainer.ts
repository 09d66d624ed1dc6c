/**
 * Seeds 001 / 003 as a trainer: the autoencoder learns to reconstruct NORMAL train windows (label
 * 0 under the label rule); val loss is on normal validation windows; the error threshold is the
 * `thresholdPercentile` of the normal validation windows' errors; scores are mapped to [0, 1]
 * (see lstm-autoencoder.ts) and the run's threshold is 0.7 on the score.
 */
import * as tf from '@tensorflow/tfjs'
import { parseModelParams } from './params'
import type { Trainer } from '../../search/trainers'
import { initTfjs } from './tfjs-runtime'
import { trainLoop, type BatchSource } from './train-loop'
import { assembleResults, beginWindowedTrial, progressOver, scoreSource, subsetWindows, windowSource, type WindowSet } from './deep-trial'
import {
  buildLstmAutoencoder,
  encoderUnits,
  errorsToScores,
  lstmAutoencoderParamsSchema,
  mseLoss,
  percentile,
  scoreK,
  SCORE_AT_THRESHOLD,
  SCORE_BANDS,
  windowErrors,
  type LstmAutoencoderParams
} from './lstm-autoencoder'

export function parseAutoencoderParams(params: unknown): LstmAutoencoderParams {
  return parseModelParams('lstm-autoencoder', lstmAutoencoderParamsSchema, params)
}

/** Errors of normal windows only (label 0). */
function normalErrors(errors: Float32Array, labels: Uint8Array): Float32Array {
  const out: number[] = []
  for (let i = 0; i < errors.length; i++) if (labels[i] === 0) out.push(errors[i])
  return Float32Array.from(out)
}

/**
 * Per-window errors and per-feature mean errors (over time and windows) of a whole set, split
 * by window label: what the results keep for inspection ("which metric broke").
 */
async function errorsWithFeatures(
  model: tf.LayersModel,
  set: WindowSet,
  source: BatchSource,
  batchSize: number,
  shouldStop?: () => boolean
): Promise<{ errors: Float32Array; perFeature: { all: number[]; normal: number[]; anomalous: number[] } }> {
  const f = set.columns.length
  const errors = new Float32Array(source.size)
  const sums = { all: new Float64Array(f), normal: new Float64Array(f), anomalous: new Float64Array(f) }
  const counts = { all: 0, normal: 0, anomalous: 0 }
  const idx = new Int32Array(source.size)
  for (let i = 0; i < idx.length; i++) idx[i] = i
  for (let from = 0; from < source.size; from += batchSize) {
    if (shouldStop?.()) {
      const e = new Error('trial cancelled while scoring')
      e.name = 'CancelledError'
      throw e
    }
    const to = Math.min(source.size, from + batchSize)
    const [err, feat] = tf.tidy(() => {
      const { x } = source.take(idx.subarray(from, to))
      const sq = tf.squaredDifference(x, model.apply(x, { training: false }) as tf.Tensor)
      return [tf.mean(sq, [1, 2]), tf.mean(sq, 1)]
    })
    errors.set(await err.data(), from)
    const fd = await feat.data()
    tf.dispose([err, feat])
    for (let i = from; i < to; i++) {
      const group = set.labels[i] ? sums.anomalous : sums.normal
      for (let j = 0; j < f; j++) {
        const v = fd[(i - from) * f + j]
        group[j] += v
        sums.all[j] += v
      }
      counts.all++
      if (set.labels[i]) counts.anomalous++
      else counts.normal++
    }
    await new Promise<void>((r) => setImmediate(r))
  }
  const mean = (s: Float64Array, n: number) => Array.from(s, (v) => (n > 0 ? v / n : NaN))
  return { errors, perFeature: { all: mean(sums.all, counts.all), normal: mean(sums.normal, counts.normal), anomalous: mean(sums.anomalous, counts.anomalous) } }
}

export const lstmAutoencoderTrainer: Trainer = {
  backend: () => initTfjs(),

  async run(ctx) {
    const { spec, hooks } = ctx
    const p = parseAutoencoderParams(spec.model.params)
    const { backend, data } = await beginWindowedTrial(ctx, p)
    const trainNormal = subsetWindows(data.train, (i) => data.train.labels[i] === 0)
    const valNormal = subsetWindows(data.validation, (i) => data.validation.labels[i] === 0)
    if (trainNormal.starts.length === 0) throw new Error('no normal training window: every train window contains an anomaly (shorten the window or change the label rule)')
    if (valNormal.starts.length === 0) throw new Error('no normal validation window to set the threshold on')
    hooks.onLog?.(
      'info',
      `backend ${backend.name}; normal windows: train ${trainNormal.starts.length} of ${data.train.starts.length}, validation ${valNormal.starts.length} of ${data.validation.starts.length} (${data.validationFrom}); test ${data.test.starts.length}; encoder ${encoderUnits(p).join('-')}`
    )

    const model = buildLstmAutoencoder(p, data.featureNames.length)
    const rawErrors = (yPred: tf.Tensor, x: tf.Tensor) => windowErrors(x, yPred)
    try {
      const r = await trainLoop({
        model,
        loss: mseLoss,
        train: windowSource(trainNormal, 'input'),
        val: windowSource(valNormal, 'input'),
        // Epoch metrics score every validation window (normal and anomalous) by raw error; the
        // confusion matrix uses that epoch's percentile threshold.
        scoreSource: windowSource(data.validation, 'input'),
        score: (m, source) => scoreSource(m, source, p.batchSize * 4, rawErrors, hooks.shouldStop),
        valLabels: data.validation.labels,
        threshold: (errors, labels) => percentile(normalErrors(errors, labels), p.thresholdPercentile),
        epochs: p.epochs,
        batchSize: p.batchSize,
        learningRate: p.learningRate,
        clipNorm: p.clipNorm,
        earlyStopping: p.earlyStoppingPatience ? { patience: p.earlyStoppingPatience } : null,
        reduceLrOnPlateau: p.reduceLrPatience ? { patience: p.reduceLrPatience, factor: p.reduceLrFactor, minLr: p.minLr } : null,
        seed: p.seed,
        checkpointDir: hooks.artifactsDir ?? null,
        shouldStop: hooks.shouldStop,
        onBatch: progressOver(ctx),
        onEpoch: (e) => hooks.onEpoch?.(e),
        onLog: (level, m) => hooks.onLog?.(level, m)
      })
      const valErrors = r.bestValScores ?? (await scoreSource(model, windowSource(data.validation, 'input'), p.batchSize * 4, rawErrors, hooks.shouldStop))
      const thresholdError = percentile(normalErrors(valErrors, data.validation.labels), p.thresholdPercentile)
      hooks.onProgress({ stage: 'scoring', fraction: 0.93, message: `scoring ${data.test.starts.length} test windows`, etaMs: null })
      const test = await errorsWithFeatures(model, data.test, windowSource(data.test, 'input'), p.batchSize * 4, hooks.shouldStop)
      // Scores are stored as float32: the run's threshold is 0.7 rounded the same way, so a window
      // whose error equals the error threshold is flagged however it is re-evaluated later.
      const threshold = Math.fround(SCORE_AT_THRESHOLD)
      hooks.onLog?.(
        'info',
        `best epoch ${r.bestEpoch} of ${r.history.length} (val loss ${r.bestMonitored.toPrecision(5)}); reconstruction threshold (p${p.thresholdPercentile} of normal validation errors) ${thresholdError.toPrecision(5)}`
      )
      const out = assembleResults({
        ctx,
        data,
        threshold,
        valScores: errorsToScores(valErrors, thresholdError),
        testScores: errorsToScores(test.errors, thresholdError),
        model: {
          kind: 'lstm-autoencoder',
          params: p,
          scaler: data.scaler,
          featureNames: data.featureNames,
          window: { length: p.window, stride: p.stride, trainStride: p.trainStride, labelRule: p.labelRule },
          threshold,
          thresholdError,
          thresholdPercentile: p.thresholdPercentile,
          scoreMapping: { formula: 'score = 1 - exp(-k * error)', k: scoreK(thresholdError), scoreAtThreshold: SCORE_AT_THRESHOLD, bands: SCORE_BANDS },
          perFeatureTestError: { features: data.featureNames, ...test.perFeature },
          weightsFile: r.checkpointFile,
          backend: backend.name,
          bestEpoch: r.bestEpoch,
          validationFrom: data.validationFrom
        },
        extraCurves: { perFeatureError: { features: data.featureNames, ...test.perFeature } }
      })
      hooks.onProgress({ stage: 'evaluating', fraction: 1, message: 'done', etaMs: 0 })
      return out
    } finally {
      model.dispose()
    }
  }
}
