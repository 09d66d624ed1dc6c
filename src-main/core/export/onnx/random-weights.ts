/**
 * Seeded random weights for exporter tests and benches: parity and latency do not need trained
 * weights, but init weights (zero biases, unit BN statistics) would leave paths untested.
 */
import * as tf from '@tensorflow/tfjs'
import { createRng } from '../../data/rng'

/** Replaces every weight with seeded uniform values in [-scale, scale]; BN variances and gammas stay positive. */
export function randomiseWeights(model: tf.LayersModel, seed: number, scale = 0.3): void {
  const rng = createRng(seed)
  for (const w of model.weights) {
    // Built models have fully known weight shapes.
    const shape = w.shape.map((d) => d as number)
    const n = shape.reduce((a, b) => a * b, 1)
    const v = new Float32Array(n)
    const isVar = /moving_variance/.test(w.name)
    const isGamma = /gamma/.test(w.name)
    for (let i = 0; i < n; i++) v[i] = isVar ? 0.2 + 2 * rng.uniform() : isGamma ? 0.5 + rng.uniform() : scale * (2 * rng.uniform() - 1)
    const t = tf.tensor(v, shape)
    w.write(t)
    t.dispose()
  }
}

/** n seeded values in [offset - spread, offset + spread]. */
export function randomInput(n: number, seed: number, offset = 0, spread = 1): Float32Array {
  const rng = createRng(seed)
  return Float32Array.from({ length: n }, () => offset + spread * (2 * rng.uniform() - 1))
}
