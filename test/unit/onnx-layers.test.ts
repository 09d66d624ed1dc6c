/**
 * Each layer kind alone (a small tfjs model per kind, seeded random weights) exported to ONNX and
 * run in ONNX Runtime vs tfjs inference. Asserted tolerance 1e-4; observed diffs are logged.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { MultiHeadSelfAttention } from '../../src-main/core/models/deep/attention-layer'
import { SequenceLSTM } from '../../src-main/core/models/deep/sequence-lstm'
import { exportTfjsModel, type TfjsHead } from '../../src-main/core/export/onnx/tfjs-onnx'
import { tfjsReference } from '../../src-main/core/export/onnx/reference'
import { checkParity } from '../../src-main/core/export/onnx/parity'
import { graphIO, decodeModel } from '../../src-main/core/export/onnx/graph'
import { randomInput, randomiseWeights } from '../../src-main/core/export/onnx/random-weights'

const TOL = 1e-4
const observed: Record<string, number> = {}

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
})
afterAll(() => {
  console.log('ONNX layer parity (max |diff|):', JSON.stringify(observed, null, 1))
})

async function parity(label: string, model: tf.LayersModel, opts: { n?: number; scaler?: { mean: number[]; scale: number[] }; head?: TfjsHead; seed?: number; offset?: number; spread?: number } = {}) {
  randomiseWeights(model, opts.seed ?? 7)
  const n = opts.n ?? 5
  const per = (model.inputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1)
  const x = randomInput(n * per, (opts.seed ?? 7) + 1, opts.offset ?? 0, opts.spread ?? 1)
  const onnx = exportTfjsModel(model, { scaler: opts.scaler ?? null, head: opts.head })
  const r = await checkParity(onnx, tfjsReference(model, opts.scaler ?? null, opts.head), x, n, TOL)
  for (const [k, v] of Object.entries(r.maxAbsDiff)) observed[`${label}${k === 'score' ? '' : `:${k}`}`] = v
  expect(r.problems).toEqual([])
  model.dispose()
  return { onnx, r }
}

const seq = (layers: tf.layers.Layer[]) => {
  const m = tf.sequential()
  layers.forEach((l) => m.add(l))
  return m
}

describe('tfjs layer -> ONNX parity', () => {
  it('LSTM returnSequences (default hardSigmoid gates)', async () => {
    const { onnx } = await parity('lstm-seq', seq([tf.layers.lstm({ units: 16, returnSequences: true, inputShape: [9, 5] })]))
    expect(graphIO(onnx).outputs[0].shape).toEqual(['batch', 9, 16])
    const lstm = decodeModel(onnx).graph!.node!.find((nd) => nd.opType === 'LSTM')!
    const acts = lstm.attribute!.find((a) => a.name === 'activations')!.strings!.map((s) => new TextDecoder().decode(s))
    expect(acts).toEqual(['HardSigmoid', 'Tanh', 'Tanh'])
  })

  it('LSTM last state only', async () => {
    await parity('lstm-last', seq([tf.layers.lstm({ units: 12, inputShape: [7, 4] })]))
  })

  it('stacked LSTMs (seq -> seq -> last) with no transpose in between', async () => {
    const { onnx } = await parity('lstm-stacked', seq([tf.layers.lstm({ units: 10, returnSequences: true, inputShape: [6, 3] }), tf.layers.lstm({ units: 8, returnSequences: true }), tf.layers.lstm({ units: 6 })]))
    const ops = decodeModel(onnx).graph!.node!.map((nd) => nd.opType)
    expect(ops.filter((o) => o === 'Transpose').length).toBe(1)
  })

  it('LSTM with sigmoid gates and relu activation, no bias', async () => {
    await parity('lstm-sigmoid-relu-nobias', seq([tf.layers.lstm({ units: 8, recurrentActivation: 'sigmoid', activation: 'relu', useBias: false, returnSequences: true, inputShape: [5, 3] })]))
  })

  for (const [recurrentActivation, gate] of [
    ['sigmoid', 'Sigmoid'],
    ['hardSigmoid', 'HardSigmoid']
  ] as const) {
    it(`the sequence-level LSTM layer with ${recurrentActivation} gates exports as an LSTM`, async () => {
      const { onnx } = await parity(`sequence-lstm-${recurrentActivation}`, seq([new SequenceLSTM({ units: 16, returnSequences: true, recurrentActivation, inputShape: [9, 5] })]), { spread: 2 })
      const lstm = decodeModel(onnx).graph!.node!.find((nd) => nd.opType === 'LSTM')!
      expect(lstm.attribute!.find((a) => a.name === 'activations')!.strings!.map((s) => new TextDecoder().decode(s))).toEqual([gate, 'Tanh', 'Tanh'])
    })
  }

  for (const activation of ['linear', 'relu', 'sigmoid', 'tanh'] as const) {
    it(`Dense ${activation}`, async () => {
      await parity(`dense-${activation}`, seq([tf.layers.dense({ units: 6, activation, inputShape: [11] })]), { n: 9, spread: 3 })
    })
  }

  it('BatchNormalization folded (2-D and after an LSTM, time-major)', async () => {
    await parity('bn-2d', seq([tf.layers.batchNormalization({ inputShape: [7] })]), { spread: 4 })
    await parity('bn-after-lstm', seq([tf.layers.lstm({ units: 8, returnSequences: true, inputShape: [5, 3] }), tf.layers.batchNormalization()]))
  })

  it('Dropout disappears', async () => {
    const { onnx } = await parity('dropout', seq([tf.layers.dense({ units: 4, inputShape: [3] }), tf.layers.dropout({ rate: 0.5 })]))
    expect(decodeModel(onnx).graph!.node!.some((nd) => nd.opType === 'Dropout')).toBe(false)
  })

  it('RepeatVector', async () => {
    await parity('repeat-vector', seq([tf.layers.repeatVector({ n: 6, inputShape: [5] })]))
  })

  it('TimeDistributed(Dense) (batch-major input and after an LSTM)', async () => {
    await parity('time-distributed', seq([tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 4 }), inputShape: [6, 5] })]))
    await parity('lstm-time-distributed', seq([tf.layers.lstm({ units: 8, returnSequences: true, inputShape: [6, 5] }), tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 5, activation: 'tanh' }) })]))
  })

  it('MultiHeadSelfAttention (our custom layer)', async () => {
    await parity('attention', seq([new MultiHeadSelfAttention({ numHeads: 4, keyDim: 8, dropout: 0.3, inputShape: [12, 16] })]), { n: 4, spread: 2 })
  })

  it('GlobalAveragePooling1D (batch-major and time-major input)', async () => {
    await parity('gap1d', seq([tf.layers.globalAveragePooling1d({ inputShape: [8, 5] })]))
    await parity('lstm-gap1d', seq([tf.layers.lstm({ units: 6, returnSequences: true, inputShape: [8, 5] }), tf.layers.globalAveragePooling1d({})]))
  })

  it('Concatenate of sigmoid heads (functional model)', async () => {
    const input = tf.input({ shape: [8, 5] })
    const pooled = tf.layers.globalAveragePooling1d({}).apply(input) as tf.SymbolicTensor
    const heads = [0, 1, 2].map((i) => tf.layers.dense({ units: 1, activation: 'sigmoid', name: `head_${i}` }).apply(pooled) as tf.SymbolicTensor)
    const out = tf.layers.concatenate({}).apply(heads) as tf.SymbolicTensor
    const { onnx } = await parity('concat-heads', tf.model({ inputs: input, outputs: out }), { spread: 3 })
    expect(graphIO(onnx).outputs[0].shape).toEqual(['batch', 3])
  })

  it('scaler folded as the first nodes (raw inputs far from 0)', async () => {
    const scaler = { mean: [100, -3, 0.5, 2000], scale: [15, 0.25, 1, 300] }
    await parity('scaler-dense', seq([tf.layers.dense({ units: 3, activation: 'tanh', inputShape: [4] })]), { scaler, offset: 100, spread: 200 })
    await parity('scaler-lstm', seq([tf.layers.lstm({ units: 5, inputShape: [6, 4] })]), { scaler, offset: 50, spread: 100 })
  })

  it('reconstruction head: score = 1 - exp(-k err) and the raw error', async () => {
    const m = seq([tf.layers.lstm({ units: 6, returnSequences: true, inputShape: [5, 3] }), tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3 }) })])
    const { onnx } = await parity('reconstruction-head', m, { head: { kind: 'reconstruction', k: 2.5 } })
    expect(graphIO(onnx).outputs.map((o) => o.name)).toEqual(['score', 'reconstruction_error'])
  })

  it('names the class of an unsupported layer', () => {
    const m = seq([tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [6, 3] })])
    expect(() => exportTfjsModel(m)).toThrow(/Conv1D/)
    m.dispose()
  })
})
