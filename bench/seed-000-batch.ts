/**
 * The benches' training batch for the seed-000 LSTM classifier: windows of 60 x 8 standard-normal
 * values with ~10 % positive labels (fixed seeds), and the classifier's loss.
 */
import * as tf from '@tensorflow/tfjs'
import { bceLoss } from '../src-main/core/models/deep/lstm-classifier'

export function seed000Batch(batch: number): { x: tf.Tensor; y: tf.Tensor; loss: ReturnType<typeof bceLoss> } {
  const x = tf.randomNormal([batch, 60, 8], 0, 1, 'float32', 1)
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, 1], 0, 1, 'float32', 2), 0.9), 'float32'))
  return { x, y, loss: bceLoss(null) }
}
