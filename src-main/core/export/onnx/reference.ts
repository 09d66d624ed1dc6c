/**
 * The trained model's own outputs, computed the way training and evaluation compute them, for
 * parity checks against the exported graph (parity.ts) and for golden.json.
 */
import * as tf from '@tensorflow/tfjs'
import { scoreSamples, type IsolationForestModel } from '../../models/iforest'
import { applyScaler } from '../../data/scaler'
import { errorToScore } from '../../models/deep/lstm-autoencoder'
import type { Reference } from './parity'
import type { ScalerLike } from './scaler'
import type { TfjsHead } from './tfjs-onnx'

/** [score] = scoreSamples on the scaled rows (inputs: n rows of RAW features). */
export function iforestReference(model: IsolationForestModel, scaler: ScalerLike, opts: { labelThreshold?: number } = {}): Reference {
  return async (inputs, n) => {
    const s = scoreSamples(model, applyScaler({ data: inputs, rows: n, cols: model.nFeatures }, scaler))
    const out = [Float32Array.from(s)]
    if (opts.labelThreshold !== undefined) out.push(Float32Array.from(s, (v) => (v >= opts.labelThreshold! ? 1 : 0)))
    return out
  }
}

/**
 * tfjs inference (training: false) on the scaled windows. 'direct': the model output(s);
 * 'reconstruction': [score, reconstruction_error] with the autoencoder trainer's mapping.
 */
export function tfjsReference(model: tf.LayersModel, scaler: ScalerLike | null, head: TfjsHead = { kind: 'direct' }): Reference {
  return async (inputs, n) => {
    const F = scaler?.mean.length ?? (model.inputs[0].shape[model.inputs[0].shape.length - 1] as number)
    const rows = inputs.length / F
    // The same float64-then-float32 scaling the trainers use (deep-trial.ts scaleColumns -> applyScaler).
    const scaled = scaler ? applyScaler({ data: inputs, rows, cols: F }, scaler).data : inputs
    const shape = [n, ...(model.inputs[0].shape.slice(1) as number[])]
    const x = tf.tensor(scaled, shape, 'float32')
    try {
      if (head.kind === 'direct') {
        const y = model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[]
        const ys = Array.isArray(y) ? y : [y]
        const out = await Promise.all(ys.map(async (t) => Float32Array.from((await t.data()) as Float32Array)))
        tf.dispose(ys)
        return out
      }
      const errT = tf.tidy(() => tf.mean(tf.squaredDifference(x, model.apply(x, { training: false }) as tf.Tensor), [1, 2]))
      const err = Float32Array.from((await errT.data()) as Float32Array)
      errT.dispose()
      return [Float32Array.from(err, (e) => errorToScore(e, head.k)), err]
    } finally {
      x.dispose()
    }
  }
}
