/**
 * Dropout with the mask drawn in one wasm kernel (fused-dropout.ts): the multiplier is tfjs's
 * floor(u + keep) / keep, so every element is 0 or 1 / keep (odd sizes included: the last lanes
 * drawn into scratch), about `keep` of them kept, a fresh mask per call; the gradient is the
 * multiplier; the layer is tfjs's Dropout outside training, with a seed, and when saved.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { dropout, dropoutLayer, FusedDropout } from '../../src-main/core/models/deep/fused-dropout'

beforeAll(async () => {
  const r = await initTfjs({ prefer: 'wasm' })
  expect(r.name).toBe('wasm')
})

/** Counts of each distinct value of t. */
function tally(t: tf.Tensor): Map<number, number> {
  const m = new Map<number, number>()
  for (const v of t.dataSync()) m.set(v, (m.get(v) ?? 0) + 1)
  return m
}

describe('fused dropout on wasm', () => {
  for (const [size, rate] of [
    [1, 0.3],
    [7, 0.5],
    [4099, 0.3],
    [200_003, 0.1]
  ]) {
    it(`keeps each element at 1 / keep or drops it: ${size} elements, rate ${rate}`, () => {
      const keep = Math.fround(1 - rate)
      const scale = Math.fround(1 / keep)
      const y = dropout(tf.ones([size]), rate)
      const counts = tally(y)
      expect([...counts.keys()].every((v) => v === 0 || v === scale)).toBe(true)
      if (size > 1000) {
        // Binomial(size, keep): 6 standard deviations.
        const kept = (counts.get(scale) ?? 0) / size
        expect(Math.abs(kept - keep)).toBeLessThan(6 * Math.sqrt((keep * (1 - keep)) / size))
      }
      y.dispose()
    })
  }

  it('draws a new mask on every call, without lanes repeating one another', () => {
    const x = tf.ones([64, 12, 128])
    const [a, b] = [dropout(x, 0.3), dropout(x, 0.3)]
    const [da, db] = [a.dataSync(), b.dataSync()]
    expect(da.some((v, i) => v !== db[i])).toBe(true)
    // Neighbouring elements come from different lanes: they agree about as often as chance says (0.58).
    let same = 0
    for (let i = 1; i < da.length; i++) if (da[i] === da[i - 1]) same++
    expect(same / (da.length - 1)).toBeGreaterThan(0.55)
    expect(same / (da.length - 1)).toBeLessThan(0.61)
    tf.dispose([x, a, b])
  })

  it('multiplies x by the mask, and its gradient is the mask', () => {
    const x = tf.range(1, 1001).reshape([10, 100])
    let y: tf.Tensor | null = null
    const g = tf.grad((t: tf.Tensor) => {
      y = tf.keep(dropout(t, 0.4))
      return tf.sum(tf.mul(y, 2))
    })(x)
    const [xv, yv, gv] = [x.dataSync(), y!.dataSync(), g.dataSync()]
    const scale = Math.fround(1 / Math.fround(0.6))
    for (let i = 0; i < xv.length; i++) {
      const kept = yv[i] !== 0
      expect(yv[i]).toBe(kept ? Math.fround(xv[i] * scale) : 0)
      expect(gv[i]).toBe(kept ? Math.fround(2 * scale) : 0)
    }
    tf.dispose([x, y!, g])
  })
})

describe('FusedDropout layer', () => {
  it('is the identity outside training and drops in training', () => {
    const layer = dropoutLayer({ rate: 0.5 })
    const x = tf.ones([8, 16])
    const infer = layer.apply(x) as tf.Tensor
    const train = layer.apply(x, { training: true }) as tf.Tensor
    expect(Array.from(infer.dataSync())).toEqual(Array.from(x.dataSync()))
    expect([...tally(train).keys()].sort()).toEqual([0, 2])
    tf.dispose([x, infer, train])
  })

  it("given a seed, drops exactly as tfjs's Dropout with that seed", () => {
    const x = tf.ones([4, 32])
    const ours = dropoutLayer({ rate: 0.3, seed: 7 }).apply(x, { training: true }) as tf.Tensor
    const stock = tf.layers.dropout({ rate: 0.3, seed: 7 }).apply(x, { training: true }) as tf.Tensor
    expect(Array.from(ours.dataSync())).toEqual(Array.from(stock.dataSync()))
    tf.dispose([x, ours, stock])
  })

  it("saves as tfjs's 'Dropout' and loads as this layer", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3] }), dropoutLayer({ rate: 0.2 })] })
    const saved = model.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } }
    expect(saved.config.layers.map((l) => l.class_name)).toEqual(['Dense', 'Dropout'])
    let artifacts: tf.io.ModelArtifacts | null = null
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })))
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!))
    expect(loaded.layers[1]).toBeInstanceOf(FusedDropout)
    model.dispose()
    loaded.dispose()
  })
})
