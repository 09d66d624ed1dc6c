/** MultiHeadSelfAttention against a plain-ops reference, save/load, shapes, seed architecture size. */
import { describe, it, expect, beforeAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { MultiHeadSelfAttention } from '../../src-main/core/models/deep/attention-layer'
import { buildLstmAttention, monthImportance } from '../../src-main/core/models/deep/lstm-attention'
import { saveModelFiles, loadModelFiles } from '../../src-main/core/models/deep/train-loop'

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
})

/** Reference: explicit per-head loops over plain 2-D matmuls, in float32 as the layer is. */
function reference(x: tf.Tensor3D, w: tf.Tensor[], heads: number, keyDim: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [wq, bq, wk, bk, wv, bv, wo, bo] = w
    const [B, T] = x.shape
    const outs: tf.Tensor2D[] = []
    for (let b = 0; b < B; b++) {
      const xb = tf.squeeze(tf.slice(x, [b, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D
      const q = tf.add(tf.matMul(xb, wq as tf.Tensor2D), bq)
      const k = tf.add(tf.matMul(xb, wk as tf.Tensor2D), bk)
      const v = tf.add(tf.matMul(xb, wv as tf.Tensor2D), bv)
      const ctx: tf.Tensor2D[] = []
      for (let h = 0; h < heads; h++) {
        const qh = tf.slice(q, [0, h * keyDim], [T, keyDim]) as tf.Tensor2D
        const kh = tf.slice(k, [0, h * keyDim], [T, keyDim]) as tf.Tensor2D
        const vh = tf.slice(v, [0, h * keyDim], [T, keyDim]) as tf.Tensor2D
        const logits = tf.div(tf.matMul(qh, tf.transpose(kh)), Math.sqrt(keyDim))
        const e = tf.exp(tf.sub(logits, tf.max(logits, 1, true)))
        ctx.push(tf.matMul(tf.div(e, tf.sum(e, 1, true)), vh) as tf.Tensor2D)
      }
      outs.push(tf.add(tf.matMul(tf.concat(ctx, 1), wo as tf.Tensor2D), bo) as tf.Tensor2D)
    }
    return tf.stack(outs) as tf.Tensor3D
  })
}

describe('MultiHeadSelfAttention', () => {
  it('matches the reference computation (max abs diff < 1e-5)', () => {
    const layer = new MultiHeadSelfAttention({ numHeads: 4, keyDim: 8, dropout: 0.3, seed: 5 })
    const x = tf.randomNormal([3, 12, 20], 0, 1, 'float32', 7) as tf.Tensor3D
    layer.build(x.shape)
    // Non-zero biases so their handling is tested too.
    layer.setWeights(layer.getWeights().map((w, i) => (w.rank === 1 ? tf.randomNormal(w.shape, 0, 0.5, 'float32', 100 + i) : w)))
    const y = layer.apply(x) as tf.Tensor3D
    expect(y.shape).toEqual([3, 12, 20])
    const ref = reference(x, layer.getWeights(), 4, 8)
    const diff = tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]
    expect(diff).toBeLessThan(1e-5)
    // Inference ignores dropout: two calls agree exactly.
    const y2 = layer.apply(x) as tf.Tensor
    expect(tf.max(tf.abs(tf.sub(y, y2))).dataSync()[0]).toBe(0)
    // Training mode drops attention probabilities: outputs change.
    const yt = layer.apply(x, { training: true }) as tf.Tensor
    expect(tf.max(tf.abs(tf.sub(y, yt))).dataSync()[0]).toBeGreaterThan(0)
    tf.dispose([x, y, y2, yt, ref])
  })

  it('attention scores are row-stochastic [batch, heads, t, t]', () => {
    const layer = new MultiHeadSelfAttention({ numHeads: 2, keyDim: 4 })
    const x = tf.randomNormal([2, 6, 10]) as tf.Tensor3D
    const a = layer.attentionScores(x)
    expect(a.shape).toEqual([2, 2, 6, 6])
    const rowSums = tf.sum(a, -1).dataSync()
    for (const s of rowSums) expect(Math.abs(s - 1)).toBeLessThan(1e-5)
    tf.dispose([x, a])
  })

  it('rejects bad configs', () => {
    expect(() => new MultiHeadSelfAttention({ numHeads: 0, keyDim: 4 })).toThrow(/numHeads/)
    expect(() => new MultiHeadSelfAttention({ numHeads: 2, keyDim: 4, dropout: 1 })).toThrow(/dropout/)
  })
})

describe('LSTM + attention model', () => {
  it('has the seed architecture: 274,307 parameters, output [batch, 3]', () => {
    const m = buildLstmAttention({ window: 12, features: 20, horizons: 3, lstmUnits: [128, 128], heads: 4, keyDim: 32, dropout: 0.3, seed: 1 })
    // LSTM 1: 4*(128*(20+128)+128) = 76,288; LSTM 2: 4*(128*256+128) = 131,584;
    // attention: 4 * (128*128 + 128) = 66,048; heads: 128*3 + 3 = 387.
    expect(m.countParams()).toBe(274_307)
    expect(m.outputs[0].shape).toEqual([null, 3])
    const y = m.predict(tf.zeros([2, 12, 20])) as tf.Tensor
    expect(y.shape).toEqual([2, 3])
    const v = y.dataSync()
    for (const p of v) expect(p > 0 && p < 1).toBe(true)
    const imp = monthImportance(m, tf.randomNormal([2, 12, 20]) as tf.Tensor3D)
    expect(imp.shape).toEqual([2, 12])
    tf.dispose([y, imp])
    m.dispose()
  }, 60_000)

  it('saves and loads (custom layer registered): identical predictions', async () => {
    const m = buildLstmAttention({ window: 6, features: 5, horizons: 3, lstmUnits: [8, 8], heads: 2, keyDim: 4, dropout: 0.3, seed: 2 })
    const dir = mkdtempSync(join(tmpdir(), 'attn-'))
    try {
      const file = await saveModelFiles(m, dir)
      const loaded = await loadModelFiles(file)
      const x = tf.randomNormal([4, 6, 5])
      const a = m.predict(x) as tf.Tensor
      const b = loaded.predict(x) as tf.Tensor
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0)
      const layer = loaded.getLayer('attention') as MultiHeadSelfAttention
      expect(layer).toBeInstanceOf(MultiHeadSelfAttention)
      expect(layer.numHeads).toBe(2)
      expect(layer.keyDim).toBe(4)
      expect(layer.dropoutRate).toBe(0.3)
      tf.dispose([x, a, b])
      loaded.dispose()
    } finally {
      rmSync(dir, { recursive: true, force: true })
      m.dispose()
    }
  })
})
