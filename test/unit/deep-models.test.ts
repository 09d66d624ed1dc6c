import { describe, it, expect, beforeAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs, isBatchMatMulPatched, patchWasmBatchMatMul, unpatchWasmBatchMatMul } from '../../src-main/core/models/deep/tfjs-runtime'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../../src-main/core/models/deep/lstm-classifier'
import {
  buildLstmAutoencoder,
  errorToScore,
  errorsToScores,
  lstmAutoencoderParamsSchema,
  percentile,
  scoreK
} from '../../src-main/core/models/deep/lstm-autoencoder'
import { bestF1Threshold } from '../../src-main/core/models/deep/deep-trial'
import { runTrial } from '../../src-main/core/search/run-trial'
import type { RunProgress } from '../../src-main/core/store/run-schemas'
import { parseSpec } from '../../src-main/core/search/spec'

/** Keras's LSTM parameter count: 4 gates x (kernel + recurrent kernel + bias). */
const lstmParams = (input: number, units: number) => 4 * (units * (input + units) + units)

beforeAll(async () => {
  const r = await initTfjs({ prefer: 'wasm' })
  expect(r.name).toBe('wasm')
})

describe('wasm BatchMatMul patch', () => {
  it("gives the original kernel's results (to float rounding) for every transpose combination", () => {
    expect(isBatchMatMulPatched()).toBe(true)
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false],
      [[7, 5], [7, 3], true, false],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [3, 7], true, true],
      [[4, 9, 6], [4, 9, 2], true, false],
      [[4, 6, 9], [1, 2, 9], false, true],
      [[1, 64, 33], [1, 17, 64], true, true]
    ]
    for (const [sa, sb, ta, tb] of cases) {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 11)
      const b = tf.randomNormal(sb, 0, 1, 'float32', 12)
      patchWasmBatchMatMul()
      const before = tf.memory().numTensors
      const patched = tf.matMul(a, b, ta, tb)
      // Only the output is new: the transposed copies were freed inside the kernel.
      expect(tf.memory().numTensors).toBe(before + 1)
      unpatchWasmBatchMatMul()
      const original = tf.matMul(a, b, ta, tb)
      patchWasmBatchMatMul()
      expect(patched.shape).toEqual(original.shape)
      // Same products, but XNNPACK sums in another order than the transposed path: equal to
      // float32 rounding (relative 1e-6 of the row's magnitude), not bit for bit.
      const p = patched.dataSync()
      const o = original.dataSync()
      const scale = Math.sqrt(sa[sa.length - (ta ? 2 : 1)])
      for (let i = 0; i < o.length; i++) expect(Math.abs(p[i] - o[i])).toBeLessThan(1e-5 * scale * Math.max(1, Math.abs(o[i])))
      tf.dispose([a, b, patched, original])
    }
    expect(isBatchMatMulPatched()).toBe(true)
  }, 30_000)
})

describe('model architectures', () => {
  it('the seed-000 classifier has the Keras parameter count', () => {
    const p = lstmClassifierParamsSchema.parse({})
    const m = buildLstmClassifier(p, 8)
    // LSTM 128 + BN(128) + LSTM 64 + BN(64) + Dense 32 + Dense 1 (BN: gamma, beta, moving mean, moving var).
    const expected = lstmParams(8, 128) + 4 * 128 + lstmParams(128, 64) + 4 * 64 + (64 * 32 + 32) + (32 + 1)
    expect(m.countParams()).toBe(expected)
    expect(expected).toBe(122_433)
    expect(m.outputs[0].shape).toEqual([null, 1])
    m.dispose()
  }, 30_000)

  it('the seed-001 autoencoder mirrors 128-64-32 and reconstructs [window, features]', () => {
    const p = lstmAutoencoderParamsSchema.parse({})
    const m = buildLstmAutoencoder(p, 7)
    const enc = lstmParams(7, 128) + lstmParams(128, 64) + lstmParams(64, 32)
    const dec = lstmParams(32, 32) + lstmParams(32, 64) + lstmParams(64, 128)
    expect(m.countParams()).toBe(enc + dec + 128 * 7 + 7)
    expect(m.outputs[0].shape).toEqual([null, 60, 7])
    m.dispose()
    const small = buildLstmAutoencoder(lstmAutoencoderParamsSchema.parse({ window: 10, units: [64, 48], encodingDim: 32 }), 7)
    expect(small.outputs[0].shape).toEqual([null, 10, 7])
    expect(small.layers.filter((l) => l.getClassName() === 'LSTM').map((l) => (l.getConfig() as { units: number }).units)).toEqual([64, 32, 32, 64])
    small.dispose()
  }, 30_000)
})

describe('autoencoder score mapping', () => {
  it('maps the threshold error to 0.7, zero to 0, and is monotonic', () => {
    for (const thr of [0.0058, 0.3, 12]) {
      const k = scoreK(thr)
      expect(errorToScore(thr, k)).toBeCloseTo(0.7, 12)
      expect(errorToScore(0, k)).toBe(0)
      expect(errorToScore(thr * 10, k)).toBeGreaterThan(0.99)
      // Stored as float32 the threshold error still clears the float32 run threshold.
      expect(errorsToScores(Float32Array.of(thr), thr)[0]).toBeGreaterThanOrEqual(Math.fround(0.7))
      expect(errorToScore(thr * 0.9, k)).toBeLessThan(0.7)
    }
  })

  it('percentile matches numpy (linear interpolation)', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5)
    expect(percentile([3, 1, 2, 4, 5], 95)).toBeCloseTo(4.8, 12)
    expect(percentile([7], 95)).toBe(7)
  })

  it('best-F1 threshold picks the cut with the highest F1', () => {
    const scores = Float32Array.of(0.9, 0.8, 0.7, 0.4, 0.3, 0.1)
    const labels = Uint8Array.of(1, 1, 0, 1, 0, 0)
    // Cuts: 0.9 -> F1 .5, 0.8 -> .8, 0.7 -> .667, 0.4 -> .857, 0.3 -> .75
    expect(bestF1Threshold(scores, labels)).toBeCloseTo(0.4, 6)
  })
})

describe('tiny deep trials', () => {
  it('the classifier learns helios-events at scale 0.01 (val AUC > 0.7)', async () => {
    const spec = parseSpec({
      name: 'tiny-classifier',
      dataset: { generator: 'helios-events', params: { scale: 0.01 } },
      split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
      model: {
        kind: 'lstm-classifier',
        params: { window: 30, trainStride: 3, units: [16], dropout: 0, denseDropout: 0, denseUnits: 8, epochs: 5, learningRate: 0.01, classWeight: 'balanced', threshold: 'best-f1', seed: 42 }
      }
    })
    const epochs: { epoch: number; metrics: Record<string, number> }[] = []
    const progress: RunProgress[] = []
    const out = await runTrial(spec, { onEpoch: (e) => epochs.push(e), onProgress: (p) => progress.push(p) })
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5])
    // Training progress says where it stands as numbers, not only in its message.
    const steps = progress.filter((p) => p.stage === 'training')
    expect(steps.length).toBeGreaterThan(0)
    for (const p of steps) {
      expect(p.training).toMatchObject({ epochs: 5 })
      expect(p.message.startsWith(`epoch ${p.training!.epoch}/5, batch ${p.training!.batch}/${p.training!.batches}`)).toBe(true)
    }
    expect(new Set(steps.map((p) => p.training!.epoch))).toEqual(new Set([1, 2, 3, 4, 5]))
    expect(progress.filter((p) => p.stage !== 'training').every((p) => p.training === undefined)).toBe(true)
    expect(Math.max(...epochs.map((e) => e.metrics.valRocAuc))).toBeGreaterThan(0.7)
    // (The test part of a 100-hour series holds one or two episodes: its AUC is not asserted.)
    expect(Number.isFinite(out.results.metrics.rocAuc)).toBe(true)
    const splits = out.scores.map((s) => s.split)
    expect(splits).toEqual(['validation', 'test'])
    const test = out.scores[1]
    expect(test.scores.length).toBe(900 - 30 + 1)
    const model = out.results.model as { kind: string; window: { length: number }; threshold: number; weightsFile: string | null }
    expect(model.kind).toBe('lstm-classifier')
    expect(model.window.length).toBe(30)
    expect(model.weightsFile).toBeNull() // no artifactsDir in-process
  }, 180_000)

  it('the autoencoder trains on normal windows and reports its threshold and per-feature errors', async () => {
    const spec = parseSpec({
      name: 'tiny-autoencoder',
      dataset: { generator: 'health-wearable', params: { scale: 0.1 } },
      split: { kind: 'time', trainFraction: 0.7 },
      model: { kind: 'lstm-autoencoder', params: { window: 10, trainStride: 2, units: [8, 4], epochs: 2, learningRate: 0.01 } }
    })
    const out = await runTrial(spec)
    const model = out.results.model as { thresholdError: number; scoreMapping: { k: number }; perFeatureTestError: { all: number[]; features: string[] } }
    expect(out.results.threshold).toBeCloseTo(0.7, 6)
    expect(model.thresholdError).toBeGreaterThan(0)
    expect(errorToScore(model.thresholdError, model.scoreMapping.k)).toBeCloseTo(0.7, 10)
    expect(model.perFeatureTestError.all).toHaveLength(7)
    expect(model.perFeatureTestError.features).toHaveLength(7)
    // Without a validation split, the last 15 % of train windows validate; ~5 % of them exceed p95.
    const val = out.scores[0]
    let over = 0
    let normal = 0
    for (let i = 0; i < val.scores.length; i++) {
      if (val.labels[i] === 0) {
        normal++
        if (val.scores[i] >= out.results.threshold) over++
      }
    }
    expect(over / normal).toBeGreaterThan(0.02)
    expect(over / normal).toBeLessThan(0.08)
    for (const s of out.scores) for (const v of s.scores) expect(v >= 0 && v <= 1).toBe(true)
  }, 60_000)
})
