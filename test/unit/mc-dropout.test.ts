/** MC-dropout: spread with dropout, none without; the mean tracks the deterministic prediction. */
import { describe, it, expect, beforeAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { buildLstmAttention } from '../../src-main/core/models/deep/lstm-attention'
import { mcDropoutPredict, meanStdPerOutput } from '../../src-main/core/models/deep/mc-dropout'

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
})

const shape = { window: 8, features: 6, horizons: 3, lstmUnits: [16, 16], heads: 2, keyDim: 8, seed: 3 }

describe('MC-dropout', () => {
  it('std > 0 with dropout, mean close to the deterministic prediction', () => {
    const m = buildLstmAttention({ ...shape, dropout: 0.2 })
    const x = tf.randomNormal([40, 8, 6], 0, 1, 'float32', 1)
    const det = (m.predict(x) as tf.Tensor).dataSync()
    // maxBatch 500 forces several chunks (500 / 200 samples = 2 rows per chunk).
    const r = mcDropoutPredict(m, x, { samples: 200, maxBatch: 500 })
    expect(r.rows).toBe(40)
    expect(r.outputs).toBe(3)
    for (const s of r.std) expect(s).toBeGreaterThan(0)
    let maxDiff = 0
    for (let i = 0; i < det.length; i++) maxDiff = Math.max(maxDiff, Math.abs(det[i] - r.mean[i]))
    // Dropout's inverted scaling keeps the expectation close (not equal: the net is non-linear).
    expect(maxDiff).toBeLessThan(0.05)
    expect(meanStdPerOutput(r).every((v) => v > 0)).toBe(true)
    x.dispose()
    m.dispose()
  }, 60_000)

  it('std = 0 and mean = prediction without dropout; no tensors leak', () => {
    const m = buildLstmAttention({ ...shape, dropout: 0 })
    const x = tf.randomNormal([10, 8, 6], 0, 1, 'float32', 2)
    const det = (m.predict(x) as tf.Tensor).dataSync()
    const before = tf.memory().numTensors
    const r = mcDropoutPredict(m, x, { samples: 5 })
    expect(tf.memory().numTensors).toBe(before)
    for (const s of r.std) expect(s).toBeLessThan(1e-6)
    for (let i = 0; i < det.length; i++) expect(Math.abs(det[i] - r.mean[i])).toBeLessThan(1e-5)
    x.dispose()
    m.dispose()
  })
})
