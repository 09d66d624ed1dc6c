/**
 * In-training scoring through ONNX Runtime (models/deep/predictor.ts): each deep model trained
 * for a few epochs with its validation passes in ONNX Runtime; the loop's best-epoch scores
 * (computed in ORT) and ORT scoring of the final weights must equal tfjs scoring of the same
 * weights within the export's parity tolerance (1e-4 absolute). Also: when 'auto' picks tfjs, the
 * fallback for a model the exporter lacks, and the parity guard.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { trainLoop, type BatchSource, type LossFn, type Scorer } from '../../src-main/core/models/deep/train-loop'
import { scoreSource } from '../../src-main/core/models/deep/deep-trial'
import { bceLoss, buildLstmClassifier, lstmClassifierParamsSchema } from '../../src-main/core/models/deep/lstm-classifier'
import { buildLstmAutoencoder, lstmAutoencoderParamsSchema, mseLoss, windowErrors } from '../../src-main/core/models/deep/lstm-autoencoder'
import { buildLstmAttention } from '../../src-main/core/models/deep/lstm-attention'
import { column, predictAll } from '../../src-main/core/models/deep/lstm-attention-trainer'
import { onnxPredictor, openPredictor, ORT_MIN_WINDOWS, parityGap, type PredictorOptions } from '../../src-main/core/models/deep/predictor'
import { createRng } from '../../src-main/core/data/rng'

const TOL = 1e-4
const observed: Record<string, Record<string, number>> = {}

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
})
afterAll(() => {
  console.log('in-training scoring, ONNX Runtime vs tfjs (max |diff|):', JSON.stringify(observed, null, 1))
})

/** n windows [T, F] of seeded noise; label h of a window: its feature-h mean (mod F) is above 0. */
function windows(n: number, T: number, F: number, H: number, seed: number): BatchSource & { labels: Uint8Array } {
  const rng = createRng(seed)
  const x = Float32Array.from({ length: n * T * F }, () => rng.normal())
  const y = new Float32Array(n * H)
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < H; h++) {
      let s = 0
      for (let t = 0; t < T; t++) s += x[(i * T + t) * F + (h % F)]
      y[i * H + h] = s > 0 ? 1 : 0
    }
  }
  return {
    size: n,
    labels: Uint8Array.from({ length: n }, (_, i) => y[i * H]),
    take(idx) {
      const xb = new Float32Array(idx.length * T * F)
      const yb = new Float32Array(idx.length * H)
      idx.forEach((k, j) => {
        xb.set(x.subarray(k * T * F, (k + 1) * T * F), j * T * F)
        yb.set(y.subarray(k * H, (k + 1) * H), j * H)
      })
      return { x: tf.tensor3d(xb, [idx.length, T, F]), y: tf.tensor2d(yb, [idx.length, H]) }
    }
  }
}

const maxAbs = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

/**
 * Trains `model` 3 epochs with the validation passes forced into ONNX Runtime, then compares
 * (1) the loop's best-epoch scores (ORT) with tfjs scores of the restored best weights and
 * (2) ORT vs tfjs outputs of the final weights on held-out windows.
 */
async function trainAndCompare(
  label: string,
  model: tf.LayersModel,
  loss: LossFn,
  data: { train: BatchSource; val: BatchSource & { labels: Uint8Array }; test: BatchSource },
  score: (m: Scorer, s: BatchSource) => Promise<Float32Array>,
  outputs: (m: Scorer, s: BatchSource) => Promise<Float32Array>
) {
  const logs: string[] = []
  const r = await trainLoop({
    model,
    loss,
    train: data.train,
    val: data.val,
    valLabels: data.val.labels,
    score,
    epochs: 3,
    batchSize: 32,
    learningRate: 0.01,
    seed: 3,
    inference: { engine: 'onnxruntime' },
    onLog: (_, m) => logs.push(m)
  })
  expect(logs).toContain(`validation passes in onnxruntime (${2 * data.val.size} windows per epoch)`)
  const inLoop = maxAbs(r.bestValScores!, await score(model, data.val))
  const ort = await onnxPredictor(model)
  const final = maxAbs(await outputs(ort, data.test), await outputs(model, data.test))
  await ort.release()
  observed[label] = { bestEpochValScores: inLoop, finalTestOutputs: final }
  expect(inLoop).toBeLessThanOrEqual(TOL)
  expect(final).toBeLessThanOrEqual(TOL)
  // ONNX Runtime scored every pass: no parity fallback to tfjs (which would compare tfjs with itself).
  expect(logs.filter((m) => m.includes('scoring in tfjs'))).toEqual([])
  // The model moved during training: the comparison is not of two untrained models.
  expect(r.history.length).toBe(3)
  expect(r.history[2].metrics.loss).not.toBe(r.history[0].metrics.loss)
  model.dispose()
}

const probability = (m: Scorer, s: BatchSource) => scoreSource(m, s, 64, (y) => tf.reshape(y, [-1]))

describe('in-training scoring in ONNX Runtime equals tfjs', { timeout: 120_000 }, () => {
  it('lstm-classifier (LSTM-Drop-BN x2, Dense relu, Dense sigmoid): best-epoch validation scores and final test scores', async () => {
    const p = lstmClassifierParamsSchema.parse({ window: 16, units: [12, 8], denseUnits: 6, seed: 1 })
    const data = { train: windows(192, 16, 4, 1, 1), val: windows(96, 16, 4, 1, 2), test: windows(80, 16, 4, 1, 3) }
    await trainAndCompare('lstm-classifier 16x4', buildLstmClassifier(p, 4), bceLoss(null), data, probability, probability)
  })

  it('lstm-autoencoder (8-4 / 4-8, TimeDistributed Dense): reconstruction errors and reconstructions', async () => {
    const p = lstmAutoencoderParamsSchema.parse({ window: 10, units: [8, 4], seed: 2 })
    const data = { train: windows(192, 10, 3, 1, 4), val: windows(96, 10, 3, 1, 5), test: windows(80, 10, 3, 1, 6) }
    const errors = (m: Scorer, s: BatchSource) => scoreSource(m, s, 64, (y, x) => windowErrors(x, y))
    const reconstructions = (m: Scorer, s: BatchSource) => scoreSource(m, s, 64, (y) => y)
    // The autoencoder's target is its input.
    const asInput = <S extends BatchSource>(s: S): S => ({
      ...s,
      take(idx: Int32Array) {
        const { x, y } = s.take(idx)
        y.dispose()
        return { x, y: x }
      }
    })
    const ae = { train: asInput(data.train), val: asInput(data.val), test: asInput(data.test) }
    await trainAndCompare('lstm-autoencoder 10x3', buildLstmAutoencoder(p, 3), mseLoss, ae, errors, reconstructions)
  })

  it('lstm-attention (2 x LSTM, multi-head self-attention, pooling, 3 horizon heads): every horizon', async () => {
    const model = buildLstmAttention({ window: 12, features: 5, horizons: 3, lstmUnits: [12, 12], heads: 2, keyDim: 4, dropout: 0.3, seed: 5 })
    const data = { train: windows(192, 12, 5, 3, 7), val: windows(96, 12, 5, 3, 8), test: windows(80, 12, 5, 3, 9) }
    const primary = async (m: Scorer, s: BatchSource) => column(await predictAll(m, s, 64), 3, 0)
    const all = (m: Scorer, s: BatchSource) => predictAll(m, s, 64)
    await trainAndCompare('lstm-attention 12x5 (3 horizons)', model, bceLoss(null), data, primary, all)
  })
})

/**
 * A predictor opened on a small classifier whose weights then change: the export is a snapshot,
 * so ONNX Runtime (old weights) and tfjs (new ones) disagree on `x`.
 */
async function staleExport(o: PredictorOptions) {
  const model = buildLstmClassifier(lstmClassifierParamsSchema.parse({ window: 8, units: [4], denseUnits: 0, batchNorm: false, seed: 1 }), 2)
  const ort = await openPredictor(model, 1000, o)
  const scaled = model.getWeights().map((w) => tf.mul(w, 3))
  model.setWeights(scaled)
  tf.dispose(scaled)
  return { model, ort, x: tf.randomNormal([16, 8, 2], 0, 1, 'float32', 4) }
}

describe('which engine scores', () => {
  it("'auto' keeps small passes in tfjs and sends larger ones to ONNX Runtime", async () => {
    const model = buildLstmClassifier(lstmClassifierParamsSchema.parse({ window: 8, units: [4], denseUnits: 0, seed: 1 }), 2)
    const small = await openPredictor(model, ORT_MIN_WINDOWS - 1)
    const large = await openPredictor(model, ORT_MIN_WINDOWS)
    expect([small.engine, large.engine]).toEqual(['tfjs', 'onnxruntime'])
    expect((await openPredictor(model, 10_000, { engine: 'tfjs' })).engine).toBe('tfjs')
    await large.release()
    model.dispose()
  })

  it('a model the exporter lacks is scored in tfjs, said once; forcing ONNX Runtime throws', async () => {
    const model = tf.sequential({ layers: [tf.layers.conv1d({ inputShape: [8, 2], filters: 2, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 1 })] })
    const logs: string[] = []
    const onLog = (_: string, m: string) => logs.push(m)
    expect((await openPredictor(model, 1000, { onLog })).engine).toBe('tfjs')
    expect((await openPredictor(model, 1000, { onLog })).engine).toBe('tfjs')
    expect(logs).toEqual([expect.stringMatching(/^scoring in tfjs \(the model is not scored in ONNX Runtime: .*Conv1D/)])
    await expect(openPredictor(model, 1000, { engine: 'onnxruntime' })).rejects.toThrow(/Conv1D/)
    model.dispose()
  })

  it('the parity guard: an export that disagrees with tfjs on its first batch hands the model back to tfjs for good', async () => {
    const logs: string[] = []
    const { model, ort, x } = await staleExport({ onLog: (_, m) => logs.push(m) })
    expect(ort.engine).toBe('onnxruntime')
    const got = await ort.predict(x)
    const want = model.predict(x) as tf.Tensor
    expect(parityGap(got.dataSync(), want.dataSync())).toBe(0)
    expect(logs).toEqual([expect.stringMatching(/^scoring in tfjs from now on: its ONNX export differs from tfjs by /)])
    expect((await openPredictor(model, 1000)).engine).toBe('tfjs')
    tf.dispose([x, got, want])
    await ort.release()
    model.dispose()
  })

  it("engine 'onnxruntime' refuses a mismatch instead of falling back to tfjs", async () => {
    const { model, ort, x } = await staleExport({ engine: 'onnxruntime' })
    await expect(ort.predict(x)).rejects.toThrow(/ONNX export of .* differs from tfjs by .* on its first rows/)
    x.dispose()
    await ort.release()
    model.dispose()
  })
})
