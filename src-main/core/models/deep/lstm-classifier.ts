/**
 * Seed 000's LSTM classifier on sliding windows: by default
 * LSTM(128, seq) - Dropout(.3) - BN - LSTM(64) - Dropout(.3) - BN - Dense(32, relu) - Dropout(.2)
 * - Dense(1, sigmoid), binary cross-entropy (optionally class-weighted). Sizes are params.
 */
import * as tf from '@tensorflow/tfjs'
import { dropoutLayer } from './fused-dropout'
import type { LstmClassifierParams } from './params'
import { lstmLayer, type LstmChoice } from './sequence-lstm'

export { lstmClassifierParamsSchema, type LstmClassifierParams } from './params'

/** Distinct, reproducible initializer seeds per layer. */
export function seededInit(seed: number, layer: number) {
  const s = (seed * 1000 + layer * 7 + 1) >>> 0
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed: s }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: s + 3, gain: 1 })
  }
}

export function buildLstmClassifier(p: Pick<LstmClassifierParams, 'window' | 'units' | 'dropout' | 'batchNorm' | 'denseUnits' | 'denseDropout' | 'seed'> & LstmChoice, features: number): tf.Sequential {
  const m = tf.sequential({ name: 'lstm_classifier' })
  p.units.forEach((units, i) => {
    const last = i === p.units.length - 1
    m.add(
      lstmLayer(p, {
        units,
        returnSequences: !last,
        ...(i === 0 ? { inputShape: [p.window, features] } : {}),
        ...seededInit(p.seed, i)
      })
    )
    if (p.dropout > 0) m.add(dropoutLayer({ rate: p.dropout }))
    if (p.batchNorm) m.add(tf.layers.batchNormalization())
  })
  if (p.denseUnits > 0) {
    m.add(tf.layers.dense({ units: p.denseUnits, activation: 'relu', kernelInitializer: seededInit(p.seed, 10).kernelInitializer }))
    if (p.denseDropout > 0) m.add(dropoutLayer({ rate: p.denseDropout }))
  }
  m.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: seededInit(p.seed, 11).kernelInitializer }))
  return m
}

/** Class weights as numbers from the param and the train labels. */
export function resolveClassWeight(cw: LstmClassifierParams['classWeight'], labels: Uint8Array): { w0: number; w1: number } | null {
  if (cw == null) return null
  if (cw !== 'balanced') return { w0: cw['0'], w1: cw['1'] }
  let pos = 0
  for (let i = 0; i < labels.length; i++) pos += labels[i] ? 1 : 0
  const n = labels.length
  if (pos === 0 || pos === n) return null
  return { w0: n / (2 * (n - pos)), w1: n / (2 * pos) }
}

/**
 * Binary cross-entropy on probabilities (Keras's: clipped to [eps, 1 - eps]), each example
 * weighted by its class weight (Keras's class_weight: mean of weighted terms).
 */
export function bceLoss(classWeight: { w0: number; w1: number } | null) {
  const eps = 1e-7
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const p = tf.clipByValue(yPred, eps, 1 - eps)
      const terms = tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))))
      if (!classWeight) return tf.mean(terms) as tf.Scalar
      const w = tf.add(tf.mul(yTrue, classWeight.w1), tf.mul(tf.sub(1, yTrue), classWeight.w0))
      return tf.mean(tf.mul(terms, w)) as tf.Scalar
    })
}
