import { describe, it, expect } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import * as wasm from '@tensorflow/tfjs-backend-wasm'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { heapOf, type HeapBackend } from '../../src-main/core/models/deep/wasm-kernels'
import { bceLoss, buildLstmClassifier, lstmClassifierParamsSchema } from '../../src-main/core/models/deep/lstm-classifier'

/** The classifier's outputs and the loss gradients of every weight, on fixed data, as plain arrays. */
function outputsAndGradients(weights: Float32Array[] | null): { weights: Float32Array[]; out: Float32Array; grads: Float32Array[] } {
  const model = buildLstmClassifier(lstmClassifierParamsSchema.parse({ window: 20, units: [32, 16], denseUnits: 16 }), 8)
  if (weights) model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)))
  const x = tf.randomNormal([64, 20, 8], 0, 1, 'float32', 5)
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([64, 1], 0, 1, 'float32', 6), 0.7), 'float32'))
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const out = tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array)
  const { value, grads } = tf.variableGrads(() => bceLoss(null)(y, model.apply(x, { training: false }) as tf.Tensor), vars)
  const result = {
    weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    out,
    grads: vars.map((v) => grads[v.name].dataSync() as Float32Array)
  }
  tf.dispose([x, y, value, ...Object.values(grads)])
  model.dispose()
  return result
}

/** Equal to float32 rounding, relative to the largest magnitude of the array (sums run in another order). */
function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length)
  let scale = 0
  for (const v of b) scale = Math.max(scale, Math.abs(v))
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-3))
}

describe('wasm threads', () => {
  it("the threaded build runs 2 threads and gives the single-threaded build's outputs and gradients", async (ctx) => {
    // The package's own factory: the single-threaded build, put back below for the reference.
    const singleThreaded = tf.findBackendFactory('wasm')!
    const r = await initTfjs({ prefer: 'wasm', wasmThreads: 2 })
    expect(r.name).toBe('wasm')
    if (r.details?.threadsError) return ctx.skip(`the threaded wasm build cannot start here: ${r.details.threadsError}`)
    expect(r.details?.threads).toBe(2)
    expect(wasm.getThreadsCount()).toBe(2)
    // The SIMD step kernels and our GEMM need the heap's Memory, which the threaded build only
    // imports (shared); without it every step would silently run the JavaScript kernels.
    const heap = heapOf(tf.backend() as unknown as HeapBackend)
    expect(heap).not.toBeNull()
    expect(heap!.memory.buffer).toBeInstanceOf(SharedArrayBuffer)
    const threaded = outputsAndGradients(null)

    tf.removeBackend('wasm')
    tf.registerBackend('wasm', singleThreaded)
    expect(await tf.setBackend('wasm')).toBe(true)
    expect(wasm.getThreadsCount()).toBe(1)
    expect(heapOf(tf.backend() as unknown as HeapBackend)).not.toBeNull()
    const single = outputsAndGradients(threaded.weights)

    expectClose(threaded.out, single.out)
    expect(threaded.grads.length).toBe(single.grads.length)
    threaded.grads.forEach((g, i) => expectClose(g, single.grads[i]))
  }, 60_000)
})
