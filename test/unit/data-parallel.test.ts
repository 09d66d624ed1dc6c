import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../../src-main/core/models/deep/lstm-classifier'
import { buildLstmAutoencoder, lstmAutoencoderParamsSchema } from '../../src-main/core/models/deep/lstm-autoencoder'
import { buildLstmAttention } from '../../src-main/core/models/deep/lstm-attention'
import { GradientReplicas, endIdleReplicas, partSizes, replicaThreadsStarted } from '../../src-main/core/models/deep/data-parallel'
import { lossFromSpec, type LossSpec } from '../../src-main/core/models/deep/loss-spec'
import { trainLoop, type BatchSource } from '../../src-main/core/models/deep/train-loop'
import { rowsSource } from '../helpers/rows-source'
import { withSeededMathRandom } from '../../src-main/core/data/rng'

const BCE: LossSpec = { kind: 'bce', classWeight: { w0: 0.6, w1: 2.5 } }

/** n windows of 20 x 4 normal values and targets (fixed seeds), served by index: labels [n, outputs] (~30 % positive), or the windows themselves. */
function fixedSource(n = 96, target: { outputs: number } | 'input' = { outputs: 1 }): BatchSource {
  const x = tf.randomNormal([n, 20, 4], 0, 1, 'float32', 11).dataSync() as Float32Array
  const per = target === 'input' ? 80 : target.outputs
  const y =
    target === 'input' ? x : tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([n, per], 0, 1, 'float32', 12), 0.7), 'float32').dataSync() as Float32Array)
  return rowsSource(x, [20, 4], y, target === 'input' ? [20, 4] : [per])
}

/** A small classifier; without dropout and BatchNorm a part's gradient does not depend on the rest of its batch. */
function model(p: { dropout?: number; batchNorm?: boolean } = {}) {
  return buildLstmClassifier(lstmClassifierParamsSchema.parse({ window: 20, units: [16, 8], denseUnits: 8, dropout: 0, denseDropout: 0, batchNorm: false, seed: 5, ...p }), 4)
}

/** Equal to float32 rounding, relative to the largest magnitude of `b` (sums run in another order). */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length)
  let scale = 0
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]))
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * Math.max(scale, 1e-3))
}

describe('data-parallel training', () => {
  beforeAll(async () => {
    await initTfjs({ prefer: 'wasm' })
  })
  afterAll(async () => {
    await endIdleReplicas()
  })

  it('splits a batch into parts as even as can be, the smaller first', () => {
    expect(partSizes(128, 2)).toEqual([64, 64])
    expect(partSizes(97, 2)).toEqual([48, 49])
    expect(partSizes(10, 3)).toEqual([3, 3, 4])
    expect(partSizes(1, 2)).toEqual([0, 1])
  })

  /** One thread's loss and gradients of `m` on a shuffled batch against the same split over this thread and 2 replicas. */
  async function expectSplitMatches(m: tf.LayersModel, spec: LossSpec, source: BatchSource): Promise<void> {
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable)
    const loss = lossFromSpec(spec)
    const indices = Int32Array.from({ length: source.size }, (_, i) => (i * 37) % source.size)
    const one = tf.tidy(() => {
      const { x, y } = source.take(indices)
      const { value, grads } = tf.variableGrads(() => loss(y, m.apply(x, { training: true }) as tf.Tensor), vars)
      return { value: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync().slice()) }
    })
    const replicas = await GradientReplicas.start(m, spec, 2, 1)
    try {
      expect(replicas.threads).toBe(3)
      const split = await replicas.gradients(m, vars, loss, source, indices)
      expect(split.value).toBeCloseTo(one.value, 5)
      split.grads.forEach((g, i) => expectClose(g.dataSync(), one.grads[i]))
      tf.dispose(split.grads)
    } finally {
      await replicas.end()
      m.dispose()
    }
  }

  it("a batch split over this thread and 2 replicas gives one thread's loss and gradients, to float32 rounding", async () => {
    await expectSplitMatches(model(), BCE, fixedSource())
  })

  it('the LSTM autoencoder (squared error) and the attention model (risk loss) rebuild in a replica, their split gradients those of one thread', async () => {
    const ae = buildLstmAutoencoder(lstmAutoencoderParamsSchema.parse({ window: 20, units: [8], encodingDim: 4, dropout: 0, seed: 2 }), 4)
    await expectSplitMatches(ae, { kind: 'mse' }, fixedSource(96, 'input'))
    const attention = buildLstmAttention({ window: 20, features: 4, horizons: 3, lstmUnits: [8], heads: 2, keyDim: 4, dropout: 0, seed: 2 })
    const risk: LossSpec = { kind: 'risk', options: { horizonMonths: [6, 9, 12], riskWeight: 2, prevalence: [0.3, 0.3, 0.3], balanceClasses: true } }
    await expectSplitMatches(attention, risk, fixedSource(96, { outputs: 3 }))
  })

  it('a training loop over 2 threads is reproducible, follows one thread, and reuses its replica threads', async () => {
    const source = fixedSource()
    const fit = async (threads: number, p: { dropout?: number } = {}) => {
      const m = model(p)
      try {
        const logs: string[] = []
        const r = await trainLoop({
          model: m,
          loss: lossFromSpec(BCE),
          dataParallel: { threads, loss: BCE },
          train: source,
          val: null,
          epochs: 2,
          batchSize: 64,
          learningRate: 0.01,
          clipNorm: 1,
          seed: 3,
          onLog: (_, message) => logs.push(message)
        })
        return { losses: r.history.map((e) => e.metrics.loss), weights: m.getWeights().map((w) => Array.from(w.dataSync())), logs }
      } finally {
        m.dispose()
      }
    }
    const startedBefore = replicaThreadsStarted()
    const one = await fit(1)
    const two = await fit(2)
    expect(one.logs.join('\n')).not.toMatch(/split over/)
    expect(two.logs).toContain('data-parallel training: every batch is split over 2 threads')
    // Four steps of Adam: the same weights to float32 rounding, carried through the updates.
    expectClose(two.losses, one.losses, 1e-4)
    two.weights.forEach((w, i) => expectClose(w, one.weights[i], 1e-3))
    // Dropout on: each replica's masks come from its own seeded stream, the same on every run
    // (the second run's replica is the first's thread, from the pool, seeded anew); this thread's
    // from Math.random, seeded per trial as runTrial does.
    const a = await withSeededMathRandom(9, () => fit(2, { dropout: 0.3 }))
    const b = await withSeededMathRandom(9, () => fit(2, { dropout: 0.3 }))
    expect(b.losses).toEqual(a.losses)
    expect(b.weights).toEqual(a.weights)
    // Three loops on 2 threads: one replica thread at most was started (none if an earlier test left one idle).
    expect(replicaThreadsStarted() - startedBefore).toBeLessThanOrEqual(1)
  })

  it('a batch too small to split runs on one thread', async () => {
    const m = model()
    try {
      const logs: string[] = []
      await trainLoop({ model: m, loss: lossFromSpec(BCE), dataParallel: { threads: 2, loss: BCE }, train: fixedSource(), val: null, epochs: 1, batchSize: 32, learningRate: 0.01, onLog: (_, s) => logs.push(s) })
      expect(logs.join('\n')).not.toMatch(/split over/)
    } finally {
      m.dispose()
    }
  })

  it('a replica that cannot build the trial says why; a loop whose replicas do not start trains on one thread and says why', async () => {
    const m = model()
    try {
      const bad = { kind: 'no-such-loss' } as unknown as LossSpec
      await expect(GradientReplicas.start(m, bad, 1, 0)).rejects.toThrow(/gradient replica could not build the model: unknown loss 'no-such-loss'/)
      const logs: { level: string; message: string }[] = []
      const r = await trainLoop({ model: m, loss: lossFromSpec(BCE), dataParallel: { threads: 2, loss: bad }, train: fixedSource(), val: null, epochs: 1, batchSize: 64, learningRate: 0.01, onLog: (level, message) => logs.push({ level, message }) })
      expect(r.history).toHaveLength(1)
      expect(logs).toContainEqual({ level: 'warn', message: "data-parallel training did not start (gradient replica could not build the model: unknown loss 'no-such-loss'): training on one thread" })
      // The thread itself is sound: it serves the next trial.
      const replicas = await GradientReplicas.start(m, BCE, 1, 0)
      await replicas.end()
    } finally {
      m.dispose()
    }
  })
})
