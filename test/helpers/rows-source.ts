/**
 * A train-loop BatchSource over examples held in memory: `x` and `y` are flat float32 arrays of
 * equal-sized rows (`xRow` and `yRow` give one example's shape), taken in the order asked.
 * Tests and benches feed the loop with it; a trial's own sources cut windows lazily (deep-trial.ts).
 */
import * as tf from '@tensorflow/tfjs'
import type { BatchSource } from '../../src-main/core/models/deep/train-loop'

export function rowsSource(x: Float32Array, xRow: number[], y: Float32Array, yRow: number[]): BatchSource {
  const perX = xRow.reduce((a, b) => a * b, 1)
  const perY = yRow.reduce((a, b) => a * b, 1)
  return {
    size: x.length / perX,
    take(indices) {
      const xs = new Float32Array(indices.length * perX)
      const ys = new Float32Array(indices.length * perY)
      indices.forEach((k, i) => {
        xs.set(x.subarray(k * perX, (k + 1) * perX), i * perX)
        ys.set(y.subarray(k * perY, (k + 1) * perY), i * perY)
      })
      return { x: tf.tensor(xs, [indices.length, ...xRow]), y: tf.tensor(ys, [indices.length, ...yRow]) }
    }
  }
}
