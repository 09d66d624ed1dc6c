import { describe, it, expect, beforeAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { clipByGlobalNorm, evaluateLoss, loadModelFiles, trainLoop, type BatchSource, type LossFn } from '../../src-main/core/models/deep/train-loop'
import { createRng } from '../../src-main/core/data/rng'
import { CancelledError } from '../../src-main/core/cancelled'

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
})

/** n examples of 4 features; y = 1 when x0 + x1 > 0 (flipped: the opposite, for a val set that disagrees). */
function source(n: number, seed: number, flip = false): { src: BatchSource; labels: Uint8Array } {
  const rng = createRng(seed)
  const x = Float32Array.from({ length: n * 4 }, () => rng.normal())
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) labels[i] = (x[i * 4] + x[i * 4 + 1] > 0) !== flip ? 1 : 0
  return {
    labels,
    src: {
      size: n,
      take(idx) {
        const xb = new Float32Array(idx.length * 4)
        const yb = new Float32Array(idx.length)
        idx.forEach((k, i) => {
          xb.set(x.subarray(k * 4, k * 4 + 4), i * 4)
          yb[i] = labels[k]
        })
        return { x: tf.tensor2d(xb, [idx.length, 4]), y: tf.tensor2d(yb, [idx.length, 1]) }
      }
    }
  }
}

function tinyModel(seed = 1): tf.Sequential {
  const m = tf.sequential()
  m.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4], kernelInitializer: tf.initializers.glorotUniform({ seed }) }))
  m.add(tf.layers.batchNormalization())
  m.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }))
  return m
}

const bce: LossFn = (y, p) => tf.losses.logLoss(y, p) as tf.Scalar

describe('train loop', () => {
  it('early stopping restores the best weights (their val loss is the best one)', async () => {
    const train = source(256, 1)
    const val = source(128, 2, true) // learning the train rule makes val worse
    const model = tinyModel()
    const r = await trainLoop({
      model, loss: bce, train: train.src, val: val.src, valLabels: val.labels,
      epochs: 30, batchSize: 32, learningRate: 0.05, earlyStopping: { patience: 2 }, seed: 3
    })
    expect(r.stoppedEarly).toBe(true)
    expect(r.history.length).toBeLessThan(30)
    expect(r.bestEpoch).toBeLessThan(r.history.length)
    const best = Math.min(...r.history.map((h) => h.metrics.valLoss))
    expect(r.bestMonitored).toBe(best)
    const again = await evaluateLoss(model, val.src, bce, 32)
    expect(again.loss).toBeCloseTo(best, 6)
    model.dispose()
  })

  it('reduces the learning rate on a plateau, down to minLr', async () => {
    const train = source(128, 4)
    const val = source(64, 5, true)
    const model = tinyModel(7)
    const r = await trainLoop({
      model, loss: bce, train: train.src, val: val.src,
      epochs: 6, batchSize: 32, learningRate: 0.05, reduceLrOnPlateau: { factor: 0.5, patience: 1, minLr: 0.01 }, seed: 1
    })
    const lrs = r.history.map((h) => h.metrics.lr)
    expect(lrs[0]).toBe(0.05)
    expect(Math.min(...lrs)).toBeLessThan(0.05)
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(0.01)
    expect(r.finalLr).toBeLessThan(0.05)
    model.dispose()
  })

  it('clipping by global norm bounds the update', async () => {
    tf.tidy(() => {
      const { grads, norm } = clipByGlobalNorm({ a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) }, 1)
      expect(norm.dataSync()[0]).toBeCloseTo(5, 6)
      expect(Array.from(grads.a.dataSync())).toEqual([expect.closeTo(0.6, 6), 0])
      expect(grads.b.dataSync()[0]).toBeCloseTo(0.8, 6)
      const small = clipByGlobalNorm({ a: tf.tensor1d([0.3, 0.4]) }, 1)
      expect(Array.from(small.grads.a.dataSync())).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)])
    })
    // Plain SGD, lr 1, one batch: the weights move by exactly the clipped gradient.
    const train = source(32, 6)
    const model = tinyModel(9)
    const before = model.getWeights().map((w) => w.dataSync().slice())
    await trainLoop({ model, loss: bce, train: train.src, val: null, epochs: 1, batchSize: 32, learningRate: 1, optimizer: 'sgd', clipNorm: 0.01, shuffle: false })
    const trainable = new Set(model.trainableWeights.map((w) => w.name))
    let sq = 0
    model.weights.forEach((w, k) => {
      if (!trainable.has(w.name)) return
      const after = model.getWeights()[k].dataSync()
      for (let i = 0; i < after.length; i++) sq += (after[i] - before[k][i]) ** 2
    })
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(0.01 + 1e-6)
    expect(Math.sqrt(sq)).toBeGreaterThan(0.005)
    model.dispose()
  })

  it('a cancel stops within one batch', async () => {
    const train = source(320, 7)
    const model = tinyModel()
    let batches = 0
    let stop = false
    const run = trainLoop({
      model, loss: bce, train: train.src, val: null, epochs: 5, batchSize: 32, learningRate: 0.01,
      shouldStop: () => stop,
      onBatch: () => {
        batches++
        if (batches === 3) stop = true
      }
    })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(batches).toBe(3)
    model.dispose()
  })

  it('keeps the tensor count flat across epochs and frees everything it made', async () => {
    const train = source(128, 8)
    const val = source(64, 9)
    const model = tinyModel()
    const start = tf.memory().numTensors
    const counts: number[] = []
    await trainLoop({
      model, loss: bce, train: train.src, val: val.src, valLabels: val.labels, epochs: 5, batchSize: 32, learningRate: 0.01,
      clipNorm: 1, reduceLrOnPlateau: { factor: 0.5, patience: 1, minLr: 1e-4 },
      onEpoch: () => counts.push(tf.memory().numTensors)
    })
    // Epoch 1 creates the optimizer's slots; from then on the count must not move.
    expect(new Set(counts.slice(1)).size).toBe(1)
    expect(tf.memory().numTensors).toBe(start)
    model.dispose()
  })

  it('writes a loadable best-weights checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-ckpt-'))
    try {
      const train = source(128, 10)
      const val = source(64, 11)
      const model = tinyModel()
      const r = await trainLoop({ model, loss: bce, train: train.src, val: val.src, epochs: 3, batchSize: 32, learningRate: 0.01, checkpointDir: dir })
      expect(r.checkpointFile).toBe(join(dir, 'model.json'))
      expect(existsSync(join(dir, 'weights.bin'))).toBe(true)
      const loaded = await loadModelFiles(r.checkpointFile!)
      const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3)
      const a = model.predict(x) as tf.Tensor
      const b = loaded.predict(x) as tf.Tensor
      // The checkpoint holds the best epoch's weights, which the model holds after the restore.
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()))
      tf.dispose([x, a, b])
      loaded.dispose()
      model.dispose()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
