/**
 * Seed 000 as a trainer: scale on train, window lazily, train the LSTM classifier with the shared
 * loop (early stopping on val loss, LR plateau, best-weights checkpoint), pick the threshold
 * (0.5 or the validation F1 maximiser), score validation and test windows, evaluate.
 */
import * as tf from '@tensorflow/tfjs'
import { parseModelParams } from './params'
import type { Trainer } from '../trainer'
import { initTfjs } from './tfjs-runtime'
import { trainLoop } from './train-loop'
import { withPredictor } from './predictor'
import { bestF1Threshold, beginWindowedTrial, scoreSource, sharedTrainLoopOptions, windowSource, assembleResults } from './deep-trial'
import { buildLstmClassifier, lstmClassifierParamsSchema, resolveClassWeight, type LstmClassifierParams } from './lstm-classifier'

export function parseClassifierParams(params: unknown): LstmClassifierParams {
  return parseModelParams('lstm-classifier', lstmClassifierParamsSchema, params)
}

export const lstmClassifierTrainer: Trainer = {
  backend: () => initTfjs(),

  async run(ctx) {
    const { spec, hooks } = ctx
    const p = parseClassifierParams(spec.model.params)
    const { backend, data } = await beginWindowedTrial(ctx, p)
    const cw = resolveClassWeight(p.classWeight, data.train.labels)
    hooks.onLog?.(
      'info',
      `backend ${backend.name}; windows: train ${data.train.starts.length} (stride ${p.trainStride}), validation ${data.validation.starts.length} (${data.validationFrom}), test ${data.test.starts.length}; ` +
        `class weights ${cw ? `${cw.w0.toFixed(3)}/${cw.w1.toFixed(3)}` : 'none'}`
    )

    const model = buildLstmClassifier(p, data.featureNames.length)
    try {
      const chooseThreshold = p.threshold === 'best-f1' ? bestF1Threshold : p.threshold
      const r = await trainLoop({
        model,
        train: windowSource(data.train, 'label'),
        val: windowSource(data.validation, 'label'),
        valLabels: data.validation.labels,
        threshold: chooseThreshold,
        ...sharedTrainLoopOptions(ctx, p, { kind: 'bce', classWeight: cw })
      })
      hooks.onProgress({ stage: 'scoring', fraction: 0.93, message: `scoring ${data.test.starts.length} test windows`, etaMs: null })
      // The model is a probability already: the score of a window is its output.
      const probability = (yPred: tf.Tensor) => tf.reshape(yPred, [-1])
      // Best weights restored: one predictor (ONNX Runtime when worth it) for the final passes.
      const windows = (r.bestValScores ? 0 : data.validation.starts.length) + data.test.starts.length
      const { valScores, testScores } = await withPredictor(model, windows, { onLog: hooks.onLog }, async (final) => ({
        valScores: r.bestValScores ?? (await scoreSource(final, windowSource(data.validation, 'label'), p.batchSize * 4, probability, hooks.shouldStop)),
        testScores: await scoreSource(final, windowSource(data.test, 'label'), p.batchSize * 4, probability, hooks.shouldStop)
      }))
      const threshold = typeof chooseThreshold === 'number' ? chooseThreshold : chooseThreshold(valScores, data.validation.labels)
      hooks.onLog?.('info', `best epoch ${r.bestEpoch} of ${r.history.length} (val loss ${r.bestMonitored.toPrecision(5)}); threshold ${threshold.toPrecision(4)}`)
      const out = assembleResults({
        ctx,
        data,
        threshold,
        valScores,
        testScores,
        model: {
          kind: 'lstm-classifier',
          params: p,
          scaler: data.scaler,
          featureNames: data.featureNames,
          window: { length: p.window, stride: p.stride, trainStride: p.trainStride, labelRule: p.labelRule },
          threshold,
          weightsFile: r.checkpointFile,
          backend: backend.name,
          bestEpoch: r.bestEpoch,
          validationFrom: data.validationFrom,
          classWeight: cw
        }
      })
      hooks.onProgress({ stage: 'evaluating', fraction: 1, message: 'done', etaMs: 0 })
      return out
    } finally {
      model.dispose()
    }
  }
}
