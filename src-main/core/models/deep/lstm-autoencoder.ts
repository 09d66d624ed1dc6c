/**
 * Seeds 001 / 003: an LSTM autoencoder trained on normal windows only; a window's anomaly
 * evidence is its reconstruction error (MSE over time and features).
 *
 * Architecture (seed 001): encoder LSTM(128, seq) + Dropout(.2), LSTM(64, seq) + Dropout(.2),
 * LSTM(32) [bottleneck = encodingDim]; RepeatVector(window); decoder LSTM(32, seq) + Dropout,
 * LSTM(64, seq) + Dropout, LSTM(128, seq) + Dropout; TimeDistributed(Dense(features)).
 *
 * Score mapping (seed 001's bands: < 0.3 normal, 0.3-0.7 borderline, >= 0.7 alert):
 *   score = 1 - exp(-k * err),  k = ln(1 / 0.3) / thresholdError
 * so err = 0 -> 0, err = thresholdError -> exactly 0.7 (the alert band starts at the seed's
 * percentile threshold), err = 0.296 x thresholdError -> 0.3, and the score tends to 1. It is
 * monotonic, so ROC / PR are those of the raw error, and the run's threshold is 0.7 on the score.
 */
import * as tf from '@tensorflow/tfjs'
import { dropoutLayer } from './fused-dropout'
import { seededInit } from './lstm-classifier'
import type { LstmAutoencoderParams } from './params'
import { lstmLayer, type LstmChoice } from './sequence-lstm'
import { quantile } from '../../eval/detector-rules'

export { lstmAutoencoderParamsSchema, type LstmAutoencoderParams } from './params'

export const SCORE_AT_THRESHOLD = 0.7
export const SCORE_BANDS = { normal: [0, 0.3], borderline: [0.3, 0.7], alert: [0.7, 1] } as const

export function encoderUnits(p: Pick<LstmAutoencoderParams, 'units' | 'encodingDim'>): number[] {
  const u = [...p.units]
  if (p.encodingDim !== undefined) u[u.length - 1] = p.encodingDim
  return u
}

export function buildLstmAutoencoder(p: Pick<LstmAutoencoderParams, 'window' | 'units' | 'encodingDim' | 'dropout' | 'seed'> & LstmChoice, features: number): tf.Sequential {
  const units = encoderUnits(p)
  const m = tf.sequential({ name: 'lstm_autoencoder' })
  let layer = 0
  units.forEach((u, i) => {
    const last = i === units.length - 1
    m.add(lstmLayer(p, { units: u, returnSequences: !last, ...(i === 0 ? { inputShape: [p.window, features] } : {}), ...seededInit(p.seed, layer++) }))
    if (!last && p.dropout > 0) m.add(dropoutLayer({ rate: p.dropout }))
  })
  m.add(tf.layers.repeatVector({ n: p.window }))
  for (const u of [...units].reverse()) {
    m.add(lstmLayer(p, { units: u, returnSequences: true, ...seededInit(p.seed, layer++) }))
    if (p.dropout > 0) m.add(dropoutLayer({ rate: p.dropout }))
  }
  m.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: features, kernelInitializer: seededInit(p.seed, layer++).kernelInitializer }) }))
  return m
}

/** MSE over batch, time and features (Keras's 'mse' on [b, T, F]). */
export function mseLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(yTrue, yPred)) as tf.Scalar)
}

/** Per-window reconstruction error [b]: mean over time and features. */
export function windowErrors(x: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.mean(tf.squaredDifference(x, yPred), [1, 2])
}

/** k of the score mapping: error == thresholdError maps to SCORE_AT_THRESHOLD. */
export function scoreK(thresholdError: number): number {
  // A zero threshold (a constant series reconstructed exactly) would make k infinite.
  return Math.log(1 / (1 - SCORE_AT_THRESHOLD)) / Math.max(thresholdError, 1e-12)
}

export function errorToScore(err: number, k: number): number {
  return 1 - Math.exp(-k * err)
}

export function errorsToScores(errors: Float32Array, thresholdError: number): Float32Array {
  const k = scoreK(thresholdError)
  const out = new Float32Array(errors.length)
  for (let i = 0; i < errors.length; i++) out[i] = errorToScore(errors[i], k)
  return out
}

/** numpy.percentile's default (linear interpolation between closest ranks). */
export function percentile(values: ArrayLike<number>, q: number): number {
  return quantile(values, q / 100)
}
