/**
 * FusedAdam (fused-adam.ts: one wasm kernel per variable) against tf.train.adam on wasm: the
 * same weights and moments, bit for bit, over several steps, for sizes with and without a tail
 * beyond whole f32x4 lanes, after a learning-rate change, and with a variable left without a
 * gradient; and one kernel per variable instead of ~13.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { adam } from '../../src-main/core/models/deep/fused-adam'

beforeAll(async () => {
  const r = await initTfjs({ prefer: 'wasm' })
  expect(r.name).toBe('wasm')
})

const shapes = [[3], [7], [128, 3], [16, 16], [5, 9]]

/** Trains fresh variables with `opt` for `steps` steps on a fixed quadratic-plus-sine loss; returns every value and moment. */
async function train(opt: tf.Optimizer, steps: number, lrAfter?: number): Promise<number[][]> {
  const vars = shapes.map((s, i) => tf.variable(tf.sin(tf.mul(tf.range(0, tf.util.sizeFromShape(s)).reshape(s), 0.7 + i)), true, `w${i}_${Math.random()}`))
  for (let step = 0; step < steps; step++) {
    if (lrAfter !== undefined && step === 2) (opt as unknown as { learningRate: number }).learningRate = lrAfter
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(v), tf.cos(tf.mul(v, i + step)))))) as tf.Scalar, vars.slice(0, step % 3 === 2 ? -1 : undefined))
      opt.applyGradients(grads)
    })
  }
  const state = await opt.getWeights()
  const out = [...vars.map((v) => Array.from(v.dataSync())), ...state.slice(1).map((w) => Array.from(w.tensor.dataSync()))]
  tf.dispose(vars)
  opt.dispose()
  return out
}

describe('FusedAdam on wasm', () => {
  it('gives tf.train.adam weights and moments to the bit over 6 steps', async () => {
    const ours = await train(adam(0.01), 6)
    const stock = await train(tf.train.adam(0.01), 6)
    expect(ours).toEqual(stock)
  })

  it('follows a learning-rate change (as ReduceLROnPlateau makes) to the bit', async () => {
    const ours = await train(adam(0.05), 5, 0.002)
    const stock = await train(tf.train.adam(0.05), 5, 0.002)
    expect(ours).toEqual(stock)
  })

  it('runs one kernel per variable', async () => {
    const v = [tf.variable(tf.ones([6, 4])), tf.variable(tf.ones([5]))]
    const opt = adam(0.1)
    const grads = { [v[0].name]: tf.fill([6, 4], 0.5), [v[1].name]: tf.fill([5], -1) } as tf.NamedTensorMap as unknown as Record<string, tf.Variable>
    const info = await tf.profile(() => opt.applyGradients(grads))
    expect(info.kernels.filter((k) => k.name === 'WorkbenchAdamUpdate').length).toBe(2)
    expect(info.kernels.filter((k) => ['Sqrt', 'RealDiv', 'Square'].includes(k.name)).length).toBe(0)
    expect(Array.from(v[1].dataSync()).every((x) => x > 1)).toBe(true)
    tf.dispose([...v, ...Object.values(grads)])
    opt.dispose()
  })
})
