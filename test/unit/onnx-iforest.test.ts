import { describe, it, expect } from 'vitest'
import { fitIsolationForest, scoreSamples, toJSON, type IsolationForestModel } from '../../src-main/core/models/iforest'
import { applyScaler, fitStandardScaler } from '../../src-main/core/data/scaler'
import { createRng } from '../../src-main/core/data/rng'
import { exportIsolationForest } from '../../src-main/core/export/onnx/iforest-onnx'
import { checkParity, runOnnx } from '../../src-main/core/export/onnx/parity'
import { graphIO, readMetadata, decodeModel } from '../../src-main/core/export/onnx/graph'

function randomRaw(rows: number, cols: number, seed: number): Float32Array {
  const rng = createRng(seed)
  const x = new Float32Array(rows * cols)
  // Features on different scales and offsets so the folded scaler matters.
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[i * cols + j] = (j + 1) * 10 + (j + 1) * 3 * (rng.uniform() * 2 - 1) + (i % 50 === 0 ? 40 : 0)
  return x
}

const reference = (model: IsolationForestModel, scaler: { mean: number[]; scale: number[] }) => async (inputs: Float32Array, n: number) => [
  Float32Array.from(scoreSamples(model, applyScaler({ data: inputs, rows: n, cols: model.nFeatures }, scaler)))
]

describe('Isolation Forest -> ONNX', () => {
  it('matches scoreSamples (scaler folded, leaves of size > 1) on train and fresh rows', async () => {
    const F = 12
    const train = { data: randomRaw(2000, F, 1), rows: 2000, cols: F }
    const scaler = fitStandardScaler(train)
    const model = fitIsolationForest(applyScaler(train, scaler), { nEstimators: 100, seed: 3, contamination: 0.05 })
    // Leaves at the height limit still hold several points: c(size) must be applied.
    expect(model.trees.some((t) => t.size.some((s, i) => t.left[i] < 0 && s > 1))).toBe(true)
    const onnx = exportIsolationForest(toJSON(model), scaler, { labelOutput: true, metadata: { feature_names: JSON.stringify(Array.from({ length: F }, (_, j) => `f${j}`)) } })
    const io = graphIO(onnx)
    expect(io.inputs[0]).toMatchObject({ name: 'input', shape: ['batch', F] })
    expect(io.outputs.map((o) => o.name)).toEqual(['score', 'label'])
    const m = decodeModel(onnx)
    expect(Number(m.irVersion)).toBe(8)
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 15], ['ai.onnx.ml', 2]])
    expect(readMetadata(onnx).threshold).toBe(String(model.threshold))

    for (const [x, n] of [[train.data.subarray(0, 500 * F), 500], [randomRaw(777, F, 9), 777]] as const) {
      const ref = reference(model, scaler)
      const r = await checkParity(onnx, async (i, k) => {
        const [s] = await ref(i, k)
        return [s, Float32Array.from(s, (v) => (v >= model.threshold ? 1 : 0))]
      }, x, n, 1e-6)
      expect(r.problems).toEqual([])
      console.log(`iforest parity (${n} rows): max |diff| score ${r.maxAbsDiff.score}, label ${r.maxAbsDiff.label}`)
      expect(r.maxAbsDiff.score).toBeLessThan(1e-6)
      const [score] = r.outputs
      expect(score.every((v) => v > 0 && v <= 1)).toBe(true)
    }
  }, 60_000)

  it('handles single-node trees (constant data) and a tiny forest', async () => {
    const F = 3
    const constant = { data: new Float32Array(40 * F).fill(5), rows: 40, cols: F }
    const scaler = { mean: [5, 5, 5], scale: [1, 1, 1] }
    const model = fitIsolationForest(applyScaler(constant, scaler), { nEstimators: 4, seed: 1 })
    expect(model.trees.every((t) => t.left.length === 1)).toBe(true)
    const onnx = exportIsolationForest(model, scaler)
    const x = randomRaw(10, F, 4)
    const r = await checkParity(onnx, reference(model, scaler), x, 10, 1e-6)
    expect(r.ok).toBe(true)
    // c(psi) over c(psi) -> 2^-1.
    expect(r.outputs[0][0]).toBeCloseTo(0.5, 6)
  })

  it('handles NaN inputs the way scoreSamples does (NaN < t is false: right branch)', async () => {
    const F = 4
    const train = { data: randomRaw(300, F, 5), rows: 300, cols: F }
    const scaler = fitStandardScaler(train)
    const model = fitIsolationForest(applyScaler(train, scaler), { nEstimators: 20, seed: 2 })
    const onnx = exportIsolationForest(model, scaler)
    const x = randomRaw(20, F, 6)
    for (let i = 0; i < 20; i++) x[i * F + (i % F)] = NaN
    const [got] = await runOnnx(onnx, x, 20)
    const [want] = await reference(model, scaler)(x, 20)
    for (let i = 0; i < 20; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-6)
  })
})
