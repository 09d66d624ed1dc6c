/**
 * The sequence-level LSTM (sequence-lstm.ts) against tfjs's stock `tf.layers.lstm`, same weights:
 * outputs and gradients w.r.t. the input, kernel, recurrent kernel, bias and a given initial
 * state, returnSequences on and off, hardSigmoid and sigmoid gates, on the cpu and wasm backends.
 * Asserted within 1e-5; the observed maxima are logged.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { SequenceLSTM, sequenceLstmAvailable, type FusedGateActivation } from '../../src-main/core/models/deep/sequence-lstm'
import { loadModelFiles, saveModelFiles } from '../../src-main/core/models/deep/train-loop'
import { bceLoss, buildLstmClassifier, lstmClassifierParamsSchema } from '../../src-main/core/models/deep/lstm-classifier'
import { randomInput } from '../../src-main/core/export/onnx/random-weights'
import { wasmMemory, type WasmBackendView } from '../../src-main/core/models/deep/lstm-step-simd'

const TOL = 1e-5
const observed: Record<string, number> = {}

beforeAll(async () => {
  const r = await initTfjs({ prefer: 'wasm' })
  expect(r.name).toBe('wasm')
})
afterAll(() => {
  console.log('sequence LSTM vs tf.layers.lstm (max |diff|):', JSON.stringify(observed, null, 1))
})

const B = 3
const T = 7
const F = 5
/** Units of the small cases: 6 runs the JavaScript step kernels on wasm (not whole f32x4 lanes), 8 the SIMD ones. */
const U = 6
const U_SIMD = 8

function seeded(shape: number[], seed: number, spread: number): tf.Tensor {
  return tf.tensor(randomInput(shape.reduce((a, b) => a * b, 1), seed, 0, spread), shape)
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape)
  const x = a.dataSync()
  const y = b.dataSync()
  let m = 0
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]))
  return m
}

interface Case {
  units?: number
  returnSequences: boolean
  gates: FusedGateActivation
  initialState: boolean
  goBackwards?: boolean
}

type Layer = ReturnType<typeof tf.layers.lstm>

/** Output and gradients (x, h0, c0, kernel, recurrent kernel, bias) of `layer` for fixed inputs. */
function run(layer: Layer, c: Case) {
  const u = c.units ?? U
  return tf.tidy(() => {
    const x = tf.variable(seeded([B, T, F], 3, 2))
    const h0 = tf.variable(seeded([B, u], 4, 0.8))
    const c0 = tf.variable(seeded([B, u], 5, 0.8))
    const apply = () => layer.apply(x, c.initialState ? { initialState: [h0, c0] } : {}) as tf.Tensor
    const out = apply()
    // A weighted sum, so every output element carries its own gradient.
    const weights = seeded(out.shape, 6, 1)
    const cell = layer.cell as unknown as { kernel: tf.LayerVariable; recurrentKernel: tf.LayerVariable; bias: tf.LayerVariable }
    const vars = [x, ...(c.initialState ? [h0, c0] : []), cell.kernel.read(), cell.recurrentKernel.read(), cell.bias.read()] as tf.Variable[]
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(apply(), weights)) as tf.Scalar, vars)
    const names = ['dx', ...(c.initialState ? ['dh0', 'dc0'] : []), 'dkernel', 'drecurrent', 'dbias']
    const byName: Record<string, tf.Tensor> = { out }
    vars.forEach((v, i) => (byName[names[i]] = grads[v.name]))
    for (const v of [x, h0, c0]) v.dispose()
    return byName
  })
}

/** The stock layer and ours with the same (seeded, bias included) weights, built for [B, T, F]. */
function pair(c: Case): [Layer, SequenceLSTM] {
  const u = c.units ?? U
  const args = { units: u, returnSequences: c.returnSequences, recurrentActivation: c.gates, goBackwards: c.goBackwards ?? false }
  const stock = tf.layers.lstm(args)
  const ours = new SequenceLSTM(args)
  // Applying builds the weights (RNN.build alone leaves the layer unbuilt).
  tf.tidy(() => [stock, ours].forEach((l) => l.apply(tf.zeros([B, T, F]))))
  // Spread 0.9: many hardSigmoid pre-activations fall outside [-2.5, 2.5] (the clipped parts).
  const w = [seeded([F, 4 * u], 7, 0.9), seeded([u, 4 * u], 8, 0.9), seeded([4 * u], 9, 0.9)]
  stock.setWeights(w)
  ours.setWeights(w)
  tf.dispose(w)
  return [stock, ours]
}

function compare(label: string, c: Case): void {
  const before = tf.memory().numTensors
  const [stock, ours] = pair(c)
  const want = run(stock, c)
  const got = run(ours, c)
  for (const k of Object.keys(want)) {
    const d = maxAbsDiff(got[k], want[k])
    observed[`${label} ${k}`] = d
    expect(d, `${label} ${k}`).toBeLessThan(TOL)
  }
  tf.dispose([...Object.values(want), ...Object.values(got)])
  stock.dispose()
  ours.dispose()
  // Nothing left behind: the per-step tensors, the saved ones and the gradients' are all freed.
  expect(tf.memory().numTensors).toBe(before)
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`on the ${backend} backend`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true)
      expect(sequenceLstmAvailable()).toBe(true)
    })
    afterAll(async () => {
      await tf.setBackend('wasm')
    })

    for (const units of backend === 'wasm' ? [U, U_SIMD] : [U]) {
      for (const gates of ['hardSigmoid', 'sigmoid'] as const) {
        for (const returnSequences of [true, false]) {
          for (const initialState of [false, true]) {
            const label = `${backend} u${units} ${gates} ${returnSequences ? 'seq' : 'last'}${initialState ? ' h0c0' : ''}`
            it(`matches tf.layers.lstm: ${label}`, () => compare(label, { units, gates, returnSequences, initialState }))
          }
        }
      }
    }

    it('exercises the clipped parts of hardSigmoid', () => {
      // z = x W + b at step 0 for the fixed inputs: some gates are saturated (|z| > 2.5).
      const z = tf.tidy(() => tf.add(tf.matMul(tf.reshape(seeded([B, T, F], 3, 2), [B * T, F]), seeded([F, 4 * U], 7, 0.9)), seeded([4 * U], 9, 0.9)))
      const v = z.dataSync()
      expect(v.filter((x) => Math.abs(x) > 2.5).length).toBeGreaterThan(v.length / 20)
      expect(v.filter((x) => Math.abs(x) < 2.5).length).toBeGreaterThan(v.length / 4)
      z.dispose()
    })

    it('falls back to the stock path where the fused one does not apply (goBackwards)', () => {
      compare(`${backend} goBackwards (stock path)`, { gates: 'hardSigmoid', returnSequences: true, initialState: false, goBackwards: true })
    })

    it('runs one matmul and one fused kernel per step, slices no sequence, and leaks no tensor', async () => {
      const c = { gates: 'hardSigmoid', returnSequences: true, initialState: false } as const
      const [stock, ours] = pair(c)
      const before = tf.memory().numTensors
      const kernels = async (l: Layer) => (await tf.profile(() => tf.dispose(run(l, c)))).kernels
      const fused = await kernels(ours)
      const perStep = await kernels(stock)
      expect(tf.memory().numTensors).toBe(before)
      const count = (n: string) => fused.filter((k) => k.name === n).length
      // Two forward passes (the output, then inside variableGrads) and one backward pass.
      expect(count('WorkbenchLstmStep')).toBe(2 * T)
      expect(count('WorkbenchLstmStepGrad')).toBe(T)
      expect(count('BatchMatMul')).toBeLessThan(2 * 2 * T + 8)
      // Nothing is sliced: steps read the sequence by offset, weight gradients are separate products.
      const slicing = fused.filter((k) => ['Unpack', 'Slice', 'SplitV', 'StridedSlice'].includes(k.name))
      expect(slicing.map((k) => k.inputShapes[0])).toEqual([])
      expect(fused.length).toBeLessThan(perStep.length / 3)
      observed[`${backend} kernels per forward+forward+backward (stock / fused)`] = perStep.length / fused.length
      stock.dispose()
      ours.dispose()
    })
  })
}

describe('the wasm sequence kernels (SIMD units)', () => {
  it('run one kernel per pass, transpose, stack, concatenate and slice nothing, and leak no tensor', async () => {
    await tf.setBackend('wasm')
    for (const returnSequences of [true, false]) {
      const c = { units: U_SIMD, gates: 'sigmoid', returnSequences, initialState: true } as const
      const [stock, ours] = pair(c)
      const before = tf.memory().numTensors
      const kernels = (await tf.profile(() => tf.dispose(run(ours, c)))).kernels.map((k) => k.name)
      expect(tf.memory().numTensors).toBe(before)
      const count = (n: string) => kernels.filter((k) => k === n).length
      // Two forward passes (the output, then inside variableGrads) and one backward pass.
      expect([count('WorkbenchLstmSequence'), count('WorkbenchLstmSequenceGrad'), count('WorkbenchLstmStep'), count('WorkbenchLstmStepGrad')]).toEqual([2, 1, 0, 0])
      // The last step's output alone (returnSequences false) is the one slice, once per forward pass.
      expect(kernels.filter((k) => ['Transpose', 'Pack', 'Concat', 'Unpack', 'SplitV'].includes(k))).toEqual([])
      expect(count('Slice')).toBe(returnSequences ? 0 : 2)
      stock.dispose()
      ours.dispose()
    }
  })
})

describe('the seed-000 classifier (60 x 8, LSTM 128 - 64) on wasm', () => {
  it('has the same initial weights, loss and gradients with either LSTM (relative 1e-4)', () => {
    const build = (fusedLstm: boolean) => buildLstmClassifier(lstmClassifierParamsSchema.parse({ dropout: 0, denseDropout: 0, fusedLstm, seed: 7 }), 8)
    const [stock, ours] = [build(false), build(true)]
    expect(stock.layers.some((l) => l instanceof SequenceLSTM)).toBe(false)
    expect(ours.layers.filter((l) => l instanceof SequenceLSTM).length).toBe(2)
    const [w0, w1] = [stock.getWeights(), ours.getWeights()]
    expect(w1.map((w, i) => maxAbsDiff(w, w0[i]))).toEqual(w0.map(() => 0))
    const x = seeded([32, 60, 8], 11, 2)
    const y = tf.tidy(() => tf.cast(tf.greater(seeded([32, 1], 12, 1), 0.6), 'float32'))
    const lossAndGrads = (m: tf.Sequential) =>
      tf.variableGrads(() => bceLoss(null)(y, m.apply(x, { training: true }) as tf.Tensor), m.trainableWeights.map((w) => w.read() as tf.Variable))
    const a = lossAndGrads(stock)
    const b = lossAndGrads(ours)
    expect(Math.abs(a.value.dataSync()[0] - b.value.dataSync()[0])).toBeLessThan(1e-6)
    const wa = stock.trainableWeights.map((w) => (w.read() as tf.Variable).name)
    const wb = ours.trainableWeights.map((w) => (w.read() as tf.Variable).name)
    let worst = 0
    wa.forEach((name, i) => {
      const scale = tf.tidy(() => tf.max(tf.abs(a.grads[name])).dataSync()[0])
      const rel = maxAbsDiff(b.grads[wb[i]], a.grads[name]) / Math.max(scale, 1e-12)
      worst = Math.max(worst, rel)
      expect(rel, name).toBeLessThan(1e-4)
    })
    observed['seed-000 classifier: worst gradient |diff| / max |gradient|'] = worst
    tf.dispose([x, y, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)])
    stock.dispose()
    ours.dispose()
  }, 120_000)
})

describe('the wasm SIMD step kernels', () => {
  // The step kernels alone, wasm (SIMD, on the heap) against cpu (the JavaScript float64 code),
  // for every combination of absent inputs: 5 examples, 32 units, step 2 of 3.
  const [b, u, steps, step] = [5, 32, 3, 2]
  const inputs = (names: string[], shapes: Record<string, number[]>) => Object.fromEntries(names.map((n, i) => [n, seeded(shapes[n], 20 + i, 1.5)]))
  const subsets = (names: string[]) => names.reduce<string[][]>((acc, n) => [...acc, ...acc.map((s) => [...s, n])], [[]])
  const onBoth = async (kernel: string, ins: Record<string, tf.Tensor>, attrs: object) => {
    const outs: Record<string, Float32Array[]> = {}
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend)
      const res = tf.engine().runKernel(kernel, ins, attrs as tf.NamedAttrMap) as tf.Tensor[]
      outs[backend] = res.map((t) => t.dataSync() as Float32Array)
      tf.dispose(res)
    }
    return outs
  }
  const worst = (outs: Record<string, Float32Array[]>) => Math.max(...outs.cpu.map((a, k) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - outs.wasm[k][i])), 0)))

  afterAll(async () => {
    await tf.setBackend('wasm')
  })

  it('run on the wasm heap (its memory is reachable)', async () => {
    await tf.setBackend('wasm')
    expect(wasmMemory(tf.backend() as unknown as WasmBackendView)).not.toBeNull()
  })

  for (const hard of [true, false]) {
    it(`forward step equals the JavaScript kernel within 1e-6 (${hard ? 'hardSigmoid' : 'sigmoid'})`, async () => {
      const shapes = { xw: [steps * b, 4 * u], hr: [b, 4 * u], bias: [4 * u], c: [b, u] }
      for (const present of subsets(['hr', 'bias', 'c'])) {
        const ins = inputs(['xw', ...present], shapes)
        const d = worst(await onBoth('WorkbenchLstmStep', ins, { step, batch: b, units: u, hard }))
        observed[`simd forward ${hard ? 'hard' : 'sigmoid'} [${present}]`] = d
        expect(d, present.join('+')).toBeLessThan(1e-6)
        tf.dispose(Object.values(ins))
      }
    })

    it(`backward step equals the JavaScript kernel within 1e-6 (${hard ? 'hardSigmoid' : 'sigmoid'})`, async () => {
      for (const dySequence of [true, false]) {
        const shapes = { aux: [b, 5 * u], cPrev: [b, u], dy: dySequence ? [b, steps, u] : [b, u], dh: [b, u], dc: [b, u] }
        for (const present of subsets(['cPrev', 'dy', 'dh', 'dc'])) {
          const ins = inputs(['aux', ...present], shapes)
          // Gate values in [0, 1], some at the clipped ends where hardSigmoid's derivative is 0.
          const raw = ins.aux
          ins.aux = tf.tidy(() => tf.clipByValue(tf.add(tf.mul(raw, 0.5), 0.5), 0, 1))
          raw.dispose()
          const d = worst(await onBoth('WorkbenchLstmStepGrad', ins, { step, batch: b, units: u, hard, dySequence, steps }))
          observed[`simd backward ${hard ? 'hard' : 'sigmoid'} ${dySequence ? 'seq' : 'last'} [${present}]`] = d
          expect(d, `${dySequence} ${present.join('+')}`).toBeLessThan(1e-6)
          tf.dispose(Object.values(ins))
        }
      }
    })
  }
})

describe('saved models', () => {
  it("save as a stock 'LSTM' and load back into the sequence layer with the same outputs", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seq-lstm-'))
    try {
      const m = tf.sequential()
      m.add(new SequenceLSTM({ units: U, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [T, F] }))
      m.add(new SequenceLSTM({ units: 4 }))
      const file = await saveModelFiles(m, dir)
      const topology = JSON.parse(readFileSync(file, 'utf8')).modelTopology
      const layers = (topology.config.layers as { class_name: string; config: { recurrent_activation: string } }[]).map((l) => [l.class_name, l.config.recurrent_activation])
      expect(layers).toEqual([
        ['LSTM', 'sigmoid'],
        ['LSTM', 'hard_sigmoid']
      ])
      const loaded = await loadModelFiles(file)
      expect(loaded.layers.every((l) => l instanceof SequenceLSTM)).toBe(true)
      const x = seeded([B, T, F], 1, 1)
      const [a, b] = [loaded.predict(x) as tf.Tensor, m.predict(x) as tf.Tensor]
      expect(maxAbsDiff(a, b)).toBe(0)
      tf.dispose([a, b])
      tf.dispose(x)
      m.dispose()
      loaded.dispose()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
