/**
 * Each seed architecture whole, built with our builders (seeded random weights: parity does not
 * need training), exported with the scaler folded, vs tfjs inference; plus size and, through
 * exportRunModel, the checkpoint route a real run takes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { mkdtempSync, rmSync, renameSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../../src-main/core/models/deep/lstm-classifier'
import { buildLstmAutoencoder, lstmAutoencoderParamsSchema, scoreK } from '../../src-main/core/models/deep/lstm-autoencoder'
import { buildLstmAttention } from '../../src-main/core/models/deep/lstm-attention'
import { saveModelFiles } from '../../src-main/core/models/deep/train-loop'
import { fitIsolationForest, toJSON } from '../../src-main/core/models/iforest'
import { applyScaler, fitStandardScaler } from '../../src-main/core/data/scaler'
import { exportTfjsModel, type TfjsHead } from '../../src-main/core/export/onnx/tfjs-onnx'
import { exportRunModel } from '../../src-main/core/export/onnx/export-run'
import { tfjsReference } from '../../src-main/core/export/onnx/reference'
import { checkParity } from '../../src-main/core/export/onnx/parity'
import { decodeModel, graphIO, readMetadata } from '../../src-main/core/export/onnx/graph'
import { randomInput, randomiseWeights } from '../../src-main/core/export/onnx/random-weights'

const TOL = 1e-4
const observed: Record<string, unknown> = {}
let dir: string

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
  dir = mkdtempSync(join(tmpdir(), 'onnx-arch-'))
}, 60_000)
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  console.log('ONNX architecture parity:', JSON.stringify(observed, null, 1))
})

function scalerFor(F: number) {
  return { mean: Array.from({ length: F }, (_, j) => 10 * j - 20), scale: Array.from({ length: F }, (_, j) => 0.5 + j) }
}

function rawWindows(n: number, T: number, F: number, seed: number, scaler: { mean: number[]; scale: number[] }) {
  const z = randomInput(n * T * F, seed, 0, 2)
  return Float32Array.from(z, (v, i) => scaler.mean[i % F] + v * scaler.scale[i % F])
}

async function wholeParity(label: string, model: tf.LayersModel, T: number, F: number, head: TfjsHead = { kind: 'direct' }, n = 6) {
  randomiseWeights(model, 11, 0.15)
  const scaler = scalerFor(F)
  const onnx = exportTfjsModel(model, { scaler, head, metadata: { model_kind: label, window: String(T) } })
  const r = await checkParity(onnx, tfjsReference(model, scaler, head), rawWindows(n, T, F, 3, scaler), n, TOL)
  observed[label] = { ...r.maxAbsDiff, bytes: onnx.byteLength }
  expect(r.problems).toEqual([])
  return { onnx, r }
}

// Seed-sized models: a few seconds each when idle, many more on a loaded 2-core machine.
describe('seed architectures -> ONNX', { timeout: 120_000 }, () => {
  it('lstm-classifier, seed 000 sizes (60 x 8, LSTM128-Drop-BN-LSTM64-Drop-BN-Dense32relu-Drop-Dense1sigmoid): parity, scores in [0, 1], < 50 MB', async () => {
    const p = lstmClassifierParamsSchema.parse({})
    expect([p.window, ...p.units, p.denseUnits]).toEqual([60, 128, 64, 32])
    const model = buildLstmClassifier(p, 8)
    const { onnx, r } = await wholeParity('lstm-classifier 60x8', model, 60, 8)
    expect(graphIO(onnx).inputs[0].shape).toEqual(['batch', 60, 8])
    expect(graphIO(onnx).outputs[0].shape).toEqual(['batch', 1])
    expect(onnx.byteLength).toBeLessThan(50 * 1024 * 1024)
    expect(r.outputs[0].every((v) => v >= 0 && v <= 1)).toBe(true)
    // Seed 000's other target, inference < 100 ms per window on CPU, is a time: bench/onnx.bench.ts
    // measures it (p50 / p95 over 1,000 calls); a unit test on a loaded machine cannot.
    model.dispose()
  })

  for (const recurrentActivation of ['hard_sigmoid', 'sigmoid'] as const) {
    it(`lstm-classifier with ${recurrentActivation} gates (the sequence-level LSTM): the LSTM nodes say so, parity`, async () => {
      const p = lstmClassifierParamsSchema.parse({ window: 20, units: [32, 16], denseUnits: 8, recurrentActivation })
      expect(p.fusedLstm).toBe(true)
      const model = buildLstmClassifier(p, 8)
      const { onnx } = await wholeParity(`lstm-classifier 20x8 ${recurrentActivation}`, model, 20, 8)
      const lstms = decodeModel(onnx).graph!.node!.filter((nd) => nd.opType === 'LSTM')
      const acts = lstms.map((nd) => nd.attribute!.find((a) => a.name === 'activations')!.strings!.map((b) => new TextDecoder().decode(b)))
      const gate = recurrentActivation === 'sigmoid' ? 'Sigmoid' : 'HardSigmoid'
      expect(acts).toEqual([
        [gate, 'Tanh', 'Tanh'],
        [gate, 'Tanh', 'Tanh']
      ])
      model.dispose()
    })
  }

  for (const T of [60, 10]) {
    it(`lstm-autoencoder 128-64-32 / 32-64-128, window ${T} x 7: score and reconstruction_error`, async () => {
      const p = lstmAutoencoderParamsSchema.parse({ window: T })
      const model = buildLstmAutoencoder(p, 7)
      const { onnx, r } = await wholeParity(`lstm-autoencoder ${T}x7`, model, T, 7, { kind: 'reconstruction', k: scoreK(0.8) })
      expect(graphIO(onnx).outputs.map((o) => [o.name, o.shape])).toEqual([
        ['score', ['batch', 1]],
        ['reconstruction_error', ['batch', 1]]
      ])
      expect(r.outputs[0].every((v) => v >= 0 && v <= 1)).toBe(true)
      model.dispose()
    })
  }

  it('lstm-attention, seed 004 sizes (12 x 20, 2 x LSTM128, MHA 4 heads, 3 heads out)', async () => {
    const model = buildLstmAttention({ window: 12, features: 20, horizons: 3, lstmUnits: [128, 128], heads: 4, keyDim: 32, dropout: 0.3, seed: 4 })
    const { onnx } = await wholeParity('lstm-attention 12x20', model, 12, 20)
    expect(graphIO(onnx).outputs[0].shape).toEqual(['batch', 3])
    model.dispose()
  })
})

describe('exportRunModel', { timeout: 120_000 }, () => {
  it('iforest run model: metadata, shapes and parity', async () => {
    const F = 5
    const data = randomInput(400 * F, 2, 50, 20)
    const scaler = fitStandardScaler({ data, rows: 400, cols: F })
    const forest = fitIsolationForest(applyScaler({ data, rows: 400, cols: F }, scaler), { nEstimators: 30, seed: 1, contamination: 0.1 })
    const names = ['a', 'b', 'c', 'd', 'e']
    const e = await exportRunModel({ kind: 'iforest', featureNames: names, scaler, forest: toJSON(forest) }, { metadata: { name: 'demo' } })
    expect(e.inputShape).toEqual(['batch', F])
    expect(e.outputNames).toEqual(['score'])
    const md = readMetadata(e.onnx)
    expect(JSON.parse(md.feature_names)).toEqual(names)
    expect(Number(md.threshold)).toBe(forest.threshold)
    expect(md.name).toBe('demo')
    const r = await checkParity(e.onnx, e.reference, data.subarray(0, 50 * F), 50)
    observed['exportRunModel iforest'] = r.maxAbsDiff
    expect(r.ok).toBe(true)
  })

  it('deep run models load their checkpoint (weightsFile, or artifactsDir when moved) and match', async () => {
    const F = 7
    const p = lstmAutoencoderParamsSchema.parse({ window: 10 })
    const model = buildLstmAutoencoder(p, F)
    randomiseWeights(model, 3, 0.15)
    const runDir = join(dir, 'run-ae')
    const weightsFile = await saveModelFiles(model, runDir)
    model.dispose()
    const scaler = scalerFor(F)
    const runModel = {
      kind: 'lstm-autoencoder',
      params: p,
      scaler,
      featureNames: Array.from({ length: F }, (_, j) => `m${j}`),
      window: { length: 10, stride: 1 },
      threshold: Math.fround(0.7),
      thresholdError: 0.4,
      scoreMapping: { k: scoreK(0.4) },
      weightsFile
    }
    const e = await exportRunModel(runModel)
    expect(e.outputNames).toEqual(['score', 'reconstruction_error'])
    expect(e.inputShape).toEqual(['batch', 10, F])
    expect(readMetadata(e.onnx).threshold_error).toBe('0.4')
    const x = rawWindows(4, 10, F, 9, scaler)
    const r = await checkParity(e.onnx, e.reference, x, 4)
    observed['exportRunModel lstm-autoencoder 10x7'] = r.maxAbsDiff
    expect(r.ok).toBe(true)
    e.dispose()

    // The workspace moved: weightsFile is stale, the artifacts folder is given.
    const moved = join(dir, 'moved')
    mkdirSync(moved)
    renameSync(runDir, join(moved, 'run-ae'))
    const e2 = await exportRunModel(runModel, { artifactsDir: join(moved, 'run-ae') })
    expect((await checkParity(e2.onnx, e2.reference, x, 4)).ok).toBe(true)
    e2.dispose()
    await expect(exportRunModel(runModel)).rejects.toThrow(/no saved weights/)
  })

  it('attention and classifier run models', async () => {
    const att = buildLstmAttention({ window: 12, features: 6, horizons: 3, lstmUnits: [16, 16], heads: 2, keyDim: 4, dropout: 0.3, seed: 1 })
    randomiseWeights(att, 5)
    const attFile = await saveModelFiles(att, join(dir, 'run-att'))
    att.dispose()
    const horizons = ['risk_6m', 'risk_9m', 'risk_12m']
    const e = await exportRunModel({
      kind: 'lstm-attention',
      scaler: scalerFor(6),
      featureNames: ['a', 'b', 'c', 'd', 'e', 'f'],
      window: { length: 12, stride: 1 },
      horizons,
      thresholds: { risk_6m: 0.4, risk_9m: 0.5, risk_12m: 0.6 },
      weightsFile: attFile
    })
    expect(JSON.parse(readMetadata(e.onnx).horizons)).toEqual(horizons)
    const r = await checkParity(e.onnx, e.reference, rawWindows(3, 12, 6, 1, scalerFor(6)), 3)
    expect(r.ok).toBe(true)
    expect(r.outputs[0].length).toBe(9)
    e.dispose()

    const cls = buildLstmClassifier({ window: 8, units: [12, 6], dropout: 0.3, batchNorm: true, denseUnits: 4, denseDropout: 0.2, seed: 1 }, 3)
    randomiseWeights(cls, 6)
    const clsFile = await saveModelFiles(cls, join(dir, 'run-cls'))
    cls.dispose()
    const c = await exportRunModel({ kind: 'lstm-classifier', scaler: scalerFor(3), featureNames: ['x', 'y', 'z'], window: { length: 8 }, threshold: 0.42, weightsFile: clsFile })
    expect(readMetadata(c.onnx).threshold).toBe('0.42')
    expect((await checkParity(c.onnx, c.reference, rawWindows(5, 8, 3, 2, scalerFor(3)), 5)).ok).toBe(true)
    c.dispose()
  })

  it('rejects unknown kinds and runs without a model', async () => {
    await expect(exportRunModel({ kind: 'prophet' })).rejects.toThrow(/'prophet' is not supported/)
    await expect(exportRunModel(undefined)).rejects.toThrow(/no model/)
  })
})
