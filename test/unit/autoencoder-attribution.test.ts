import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { autoencoderFeatureErrors } from '../../src-main/core/eval/attribution/reconstruction-errors'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { buildLstmAutoencoder, windowErrors } from '../../src-main/core/models/deep/lstm-autoencoder'
import { createRng } from '../../src-main/core/data/rng'

const T = 10
const F = 4

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
})

/** A normal series: four metrics, each at its own level with a slow daily-like swing and a little noise (scaled units). */
function normalSeries(rows: number, seed: number): Float32Array[] {
  const rng = createRng(seed)
  return Array.from({ length: F }, (_, f) => Float32Array.from({ length: rows }, (_, r) => f - 1.5 + 0.3 * Math.sin((2 * Math.PI * r) / 60 + f) + 0.05 * rng.normal()))
}

/** Windows [count, T, F] row-major, starting at every row. */
function windows(cols: Float32Array[], count: number): Float32Array {
  const out = new Float32Array(count * T * F)
  for (let w = 0; w < count; w++) for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) out[(w * T + t) * F + f] = cols[f][w + t]
  return out
}

describe('autoencoder per-feature reconstruction errors', () => {
  it("average back to the window's error as lstm-autoencoder's windowErrors computes it", () => {
    const rng = createRng(1)
    const x = Float32Array.from({ length: T * F }, () => rng.normal())
    const y = Float32Array.from({ length: T * F }, () => rng.normal())
    const r = autoencoderFeatureErrors(x, y, T, F)
    const expected = tf.tidy(() => windowErrors(tf.tensor3d(x, [1, T, F]), tf.tensor3d(y, [1, T, F])).dataSync()[0])
    expect(r.error).toBeCloseTo(expected, 5)
    expect(r.perFeature.reduce((a, b) => a + b, 0) / F).toBeCloseTo(r.error, 12)
    expect(r.share.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    // Brute force per feature and per cell.
    for (let f = 0; f < F; f++) {
      let s = 0
      for (let t = 0; t < T; t++) {
        const d = x[t * F + f] - y[t * F + f]
        expect(r.perStep[t * F + f]).toBeCloseTo(d * d, 12)
        s += d * d
      }
      expect(r.perFeature[f]).toBeCloseTo(s / T, 12)
    }
    expect(r.ranking.map((f) => r.perFeature[f])).toEqual([...r.perFeature].sort((a, b) => b - a))
  })

  it('a perfect reconstruction has zero error and zero shares', () => {
    const x = Float32Array.from({ length: T * F }, (_, i) => i)
    const r = autoencoderFeatureErrors(x, x, T, F)
    expect(r.error).toBe(0)
    expect(Array.from(r.share)).toEqual([0, 0, 0, 0])
  })

  it('refuses arrays that are not one window of the given shape', () => {
    expect(() => autoencoderFeatureErrors(new Float32Array(39), new Float32Array(40), T, F)).toThrow(/input has 39 values, a 10 x 4 window has 40/)
    expect(() => autoencoderFeatureErrors(new Float32Array(40), new Float32Array(41), T, F)).toThrow(/reconstruction has 41 values/)
    expect(() => autoencoderFeatureErrors([], [], 0, F)).toThrow(/positive integers/)
  })

  it('rank first the one feature perturbed in a window, with a trained LSTM autoencoder', async () => {
    const train = windows(normalSeries(250, 2), 240)
    const model = buildLstmAutoencoder({ window: T, units: [16, 8], dropout: 0, seed: 3 }, F)
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' })
    const x = tf.tensor3d(train, [240, T, F])
    const h = await model.fit(x, x, { epochs: 6, batchSize: 16, shuffle: false, verbose: 0 })
    // It learned the normal levels: the last loss is a fraction of the first.
    expect(h.history.loss.at(-1)! as number).toBeLessThan((h.history.loss[0] as number) / 3)
    x.dispose()

    const test = windows(normalSeries(T + 5, 9), 5)
    const reconstruct = async (w: Float32Array) => {
      const out = model.predict(tf.tensor3d(w, [1, T, F])) as tf.Tensor
      const y = (await out.data()) as Float32Array
      out.dispose()
      return y
    }
    for (let k = 0; k < 5; k++) {
      const base = test.slice(k * T * F, (k + 1) * T * F)
      const clean = autoencoderFeatureErrors(base, await reconstruct(base), T, F)
      for (let j = 0; j < F; j++) {
        const w = base.slice()
        // A level shift over three steps in feature j only.
        for (const t of [4, 5, 6]) w[t * F + j] += 2
        const r = autoencoderFeatureErrors(w, await reconstruct(w), T, F)
        expect(r.ranking[0], `window ${k}, feature ${j}: ${Array.from(r.perFeature, (v) => v.toFixed(4))}`).toBe(j)
        expect(r.error).toBeGreaterThan(clean.error)
      }
    }
    model.dispose()
  }, 120_000)
})
