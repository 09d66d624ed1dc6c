/**
 * The gradients of Mean and Sum without a tensor of ones.
 *
 * tfjs's gradient of a reduction broadcasts dy back to x's shape as dy * ones(x.shape) (divided by
 * the reduced count for Mean): the ones are made element by element in JavaScript and uploaded,
 * then multiplied. In the seed-004 attention model that is GlobalAveragePooling1D's [64, 12, 128]
 * on every training step. Here dy (divided first, for Mean) is broadcast by tf.broadcastTo (a Tile:
 * on wasm the block copies of wasm-kernels.ts). Multiplying by one is exact and dividing before
 * or after the broadcast divides the same numbers, so the gradients equal tfjs's bit for bit
 * (test/unit/wasm-kernels.test.ts). Registered once, for every backend, when this module loads.
 */
import * as tf from '@tensorflow/tfjs'

interface ReductionAttrs {
  axis: number | number[]
}

/** dy of a reduction of x over `axis`, reshaped to x's rank and broadcast to x's shape, divided first by the reduced count for Mean. */
function broadcastBack(dy: tf.Tensor, x: tf.Tensor, axis: number | number[], mean: boolean): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape)
  const expanded = tf.reshape(
    dy,
    x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
  )
  const count = axes.reduce((n, a) => n * x.shape[a], 1)
  // tfjs's dy * ones(x.shape, 'float32') is float32 whatever dy's dtype.
  const float = expanded.dtype === 'float32' ? expanded : tf.cast(expanded, 'float32')
  return tf.broadcastTo(mean ? tf.div(float, count) : float, x.shape)
}

for (const [kernelName, mean] of [
  ['Mean', true],
  ['Sum', false]
] as const) {
  tf.registerGradient({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved
      return { x: () => broadcastBack(dy as tf.Tensor, x, (attrs as unknown as ReductionAttrs).axis, mean) }
    }
  })
}
