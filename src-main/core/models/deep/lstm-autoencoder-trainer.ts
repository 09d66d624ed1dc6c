/**
 * Seeds 001 / 003 as a trainer: the autoencoder learns to reconstruct NORMAL train windows (label
 * 0 under the label rule; `trainingMode: 'unsupervised'` trains on every window, labels unused);
 * val loss is on the same kind of validation windows; the error threshold comes from the spec's
 * rule (default: the `thresholdPercentile` of the validation windows' errors), after the errors
 * are smoothed over time when the spec asks; scores are mapped to [0, 1] (see
 * lstm-autoencoder.ts) and the run's threshold is 0.7 on the score.
 */
import * as tf from '@tensorflow/tfjs'
import { parseModelParams } from './params'
import type { Trainer } from '../trainer'
import { initTfjs } from './tfjs-runtime'
import type { LabelledSeries } from '../../data/series'
import { describePostprocess, postprocessScores, thresholdByRule, type ThresholdRule } from '../../eval/detector-rules'
import { forEachBatch, trainLoop, type BatchSource, type Scorer } from './train-loop'
import { withPredictor } from './predictor'
import { assembleResults, beginWindowedTrial, scoreSource, sharedTrainLoopOptions, subsetWindows, windowSource, type WindowSet } from './deep-trial'
import {
  buildLstmAutoencoder,
  encoderUnits,
  errorsToScores,
  lstmAutoencoderParamsSchema,
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
  model: Scorer,
  set: WindowSet,
  source: BatchSource,
  batchSize: number,
  shouldStop?: () => boolean
): Promise<{ errors: Float32Array; perFeature: { all: number[]; normal: number[]; anomalous: number[] } }> {
  const f = set.columns.length
  const errors = new Float32Array(source.size)
  const sums = { all: new Float64Array(f), normal: new Float64Array(f), anomalous: new Float64Array(f) }
  const counts = { all: 0, normal: 0, anomalous: 0 }
  await forEachBatch(
    model,
    source,
    batchSize,
    (yPred, _y, from, to, x) => {
      const sq = tf.squaredDifference(x, yPred)
      errors.set(tf.mean(sq, [1, 2]).dataSync(), from)
      const fd = tf.mean(sq, 1).dataSync()
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
    },
    shouldStop
  )
  const mean = (s: Float64Array, n: number) => Array.from(s, (v) => (n > 0 ? v / n : NaN))
  return { errors, perFeature: { all: mean(sums.all, counts.all), normal: mean(sums.normal, counts.normal), anomalous: mean(sums.anomalous, counts.anomalous) } }
}

export const lstmAutoencoderTrainer: Trainer = {
  backend: () => initTfjs(),

  async run(ctx) {
    const { spec, hooks } = ctx
    const p = parseAutoencoderParams(spec.model.params)
    const { backend, data } = await beginWindowedTrial(ctx, p)
    const normalOnly = p.trainingMode === 'normal-only'
    const trainNormal = normalOnly ? subsetWindows(data.train, (i) => data.train.labels[i] === 0) : data.train
    const valNormal = normalOnly ? subsetWindows(data.validation, (i) => data.validation.labels[i] === 0) : data.validation
    if (trainNormal.starts.length === 0) throw new Error("no normal training window: every train window contains an anomaly (shorten the window, change the label rule, or train with trainingMode 'unsupervised')")
    if (valNormal.starts.length === 0) throw new Error("no normal validation window to stop early and set the threshold on (train with trainingMode 'unsupervised')")
    const rule: ThresholdRule = p.thresholdRule ?? { kind: 'validation-percentile', percentile: p.thresholdPercentile }
    // Errors smoothed over time within segments, as the spec asks (the same rule the bundle applies).
    const smooth = (errors: Float32Array, set: WindowSet, series: LabelledSeries) => postprocessScores(errors, set.starts, series, p.postprocess)
    const valSeries = data.validationFrom === 'split' ? ctx.validation! : ctx.train
    hooks.onLog?.(
      'info',
      `backend ${backend.name}; ${normalOnly ? 'normal-only' : 'unsupervised'} windows: train ${trainNormal.starts.length} of ${data.train.starts.length}, validation ${valNormal.starts.length} of ${data.validation.starts.length} (${data.validationFrom}); test ${data.test.starts.length}; encoder ${encoderUnits(p).join('-')}`
    )

    const model = buildLstmAutoencoder(p, data.featureNames.length)
    const rawErrors = (yPred: tf.Tensor, x: tf.Tensor) => windowErrors(x, yPred)
    try {
      const r = await trainLoop({
        model,
        train: windowSource(trainNormal, 'input'),
        val: windowSource(valNormal, 'input'),
        // Epoch metrics score every validation window (normal and anomalous) by raw error; the
        // confusion matrix uses that epoch's percentile threshold.
        scoreSource: windowSource(data.validation, 'input'),
        score: (m, source) => scoreSource(m, source, p.batchSize * 4, rawErrors, hooks.shouldStop),
        valLabels: data.validation.labels,
        // The live confusion matrix: the run's rule where validation errors alone give it, else p95.
        threshold: (errors, labels) => {
          const s = smooth(errors, data.validation, valSeries)
          const live: ThresholdRule = rule.kind === 'train-quantile' || rule.kind === 'contamination' ? { kind: 'validation-percentile', percentile: 95 } : rule
          try {
            return thresholdByRule(live, { mode: p.trainingMode, train: null, validation: { scores: s, labels } }).threshold
          } catch {
            return percentile(normalOnly ? normalErrors(s, labels) : s, 95)
          }
        },
        ...sharedTrainLoopOptions(ctx, p, { kind: 'mse' })
      })
      // Training errors only when the rule reads them (one more pass over the training windows).
      const readsTrain = rule.kind === 'train-quantile' || rule.kind === 'contamination'
      // The final passes (best weights restored) share one predictor: ONNX Runtime when worth it.
      const windows = (r.bestValScores ? 0 : data.validation.starts.length) + (readsTrain ? data.train.starts.length : 0) + data.test.starts.length
      const { valErrors, trainErrors, test } = await withPredictor(model, windows, { onLog: hooks.onLog }, async (final) => {
        const errorsOf = (set: WindowSet) => scoreSource(final, windowSource(set, 'input'), p.batchSize * 4, rawErrors, hooks.shouldStop)
        const valErrors = smooth(r.bestValScores ?? (await errorsOf(data.validation)), data.validation, valSeries)
        const trainErrors = readsTrain ? smooth(await errorsOf(data.train), data.train, ctx.train) : null
        hooks.onProgress({ stage: 'scoring', fraction: 0.93, message: `scoring ${data.test.starts.length} test windows`, etaMs: null })
        const test = await errorsWithFeatures(final, data.test, windowSource(data.test, 'input'), p.batchSize * 4, hooks.shouldStop)
        return { valErrors, trainErrors, test }
      })
      const decided = thresholdByRule(rule, {
        mode: p.trainingMode,
        train: trainErrors && { scores: trainErrors, labels: data.train.labels },
        validation: { scores: valErrors, labels: data.validation.labels }
      })
      const thresholdError = decided.threshold
      const testErrors = smooth(test.errors, data.test, ctx.test)
      // Scores are stored as float32: the run's threshold is 0.7 rounded the same way, so a window
      // whose error equals the error threshold is flagged however it is re-evaluated later.
      const threshold = Math.fround(SCORE_AT_THRESHOLD)
      hooks.onLog?.(
        'info',
        `best epoch ${r.bestEpoch} of ${r.history.length} (val loss ${r.bestMonitored.toPrecision(5)}); reconstruction threshold ${thresholdError.toPrecision(5)}: ${decided.how}` +
          (p.postprocess.kind !== 'none' ? `; errors smoothed: ${describePostprocess(p.postprocess)}` : '')
      )
      const out = assembleResults({
        ctx,
        data,
        threshold,
        valScores: errorsToScores(valErrors, thresholdError),
        testScores: errorsToScores(testErrors, thresholdError),
        model: {
          kind: 'lstm-autoencoder',
          params: p,
          scaler: data.scaler,
          featureNames: data.featureNames,
          window: { length: p.window, stride: p.stride, trainStride: p.trainStride, labelRule: p.labelRule },
          threshold,
          thresholdError,
          thresholdPercentile: p.thresholdPercentile,
          thresholdRule: decided.how,
          trainingMode: p.trainingMode,
          postprocess: p.postprocess,
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
