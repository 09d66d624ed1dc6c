/**
 * tfjs LayersModel -> ONNX, layer by layer (no npm package converts tfjs models to ONNX: DESIGN.md
 * section 6). Covers the layers our builders use (lstm-classifier, lstm-autoencoder,
 * lstm-attention) plus a few cheap neighbours; anything else fails with the layer's class name.
 *
 * Graph: input `input` [batch, window, features] (or [batch, features]) RAW features -> the scaler
 * folded as the first nodes (scaler.ts) -> the layers -> outputs:
 * - head 'direct': the model output(s), named `score` by default (classifier [N, 1], attention
 *   model [N, horizons]);
 * - head 'reconstruction' (autoencoder): `score` [N, 1] = 1 - exp(-k * err) (the trainer's
 *   mapping, lstm-autoencoder.ts) and `reconstruction_error` [N, 1] = mean over time and features
 *   of (scaled window - reconstruction)^2.
 *
 * Layout: the ONNX LSTM is time-major only (ORT's CPU LSTM rejects layout=1), so each value
 * carries a `timeMajor` flag; LSTM outputs stay time-major while the next consumer is another
 * LSTM, a last-axis op (Dense, BN, Dropout) or RepeatVector, and are transposed [1, 0, 2] only
 * where a batch-major tensor is needed. Stacked LSTMs therefore cost no Transpose in between.
 */
import * as tf from '@tensorflow/tfjs'
// Imported for its side effect too: registers the custom layer class for deserialisation.
import { MultiHeadSelfAttention } from '../../models/deep/attention-layer'
import { DataType, GraphBuilder, type Dim, attr } from './graph'
import { foldScaler, type ScalerLike } from './scaler'

export type TfjsHead = { kind: 'direct'; outputNames?: string[] } | { kind: 'reconstruction'; k: number }

export interface TfjsExportOptions {
  /** Folded in front of the model (the model was trained on scaled windows); none: input as is. */
  scaler?: ScalerLike | null
  head?: TfjsHead
  metadata?: Record<string, string>
  producerVersion?: string
  graphName?: string
}

/** A tensor in the graph: name, rank, and whether axes 0 and 1 are (time, batch). */
interface Val {
  name: string
  rank: number
  timeMajor: boolean
}

type Layer = tf.layers.Layer

interface SymTensor {
  id: number
  shape: (number | null)[]
  sourceLayer: Layer
  nodeIndex: number
  tensorIndex: number
}

interface InboundNode {
  inputTensors: SymTensor[]
}

/** Layers that are the identity at inference. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout'])

export class UnsupportedLayerError extends Error {
  constructor(className: string, layerName: string, why?: string) {
    super(`ONNX export: layer '${layerName}' of class ${className} is not supported${why ? ` (${why})` : ''}`)
    this.name = 'UnsupportedLayerError'
  }
}

// --- weights ------------------------------------------------------------------------------------

/** A layer's weights by short name ('kernel', 'recurrent_kernel', 'gamma', ...) as float32 + shape. */
function weightsOf(layer: Layer): Map<string, { values: Float32Array; shape: number[] }> {
  const out = new Map<string, { values: Float32Array; shape: number[] }>()
  for (const w of layer.weights) {
    // 'lstm_1/kernel' -> 'kernel'; a uniquifying suffix ('kernel_1') is dropped.
    const short = (w.originalName ?? w.name).split('/').pop()!.replace(/_\d+$/, '')
    const t = w.read()
    out.set(short, { values: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] })
  }
  return out
}

function need(ws: Map<string, { values: Float32Array; shape: number[] }>, name: string, layer: Layer) {
  const w = ws.get(name)
  if (!w) throw new Error(`ONNX export: layer '${layer.name}' (${layer.getClassName()}) has no weight '${name}' (has: ${[...ws.keys()].join(', ')})`)
  return w
}

// --- layout helpers -----------------------------------------------------------------------------

function batchMajor(g: GraphBuilder, v: Val): Val {
  if (!v.timeMajor) return v
  return { name: g.node('Transpose', [v.name], { perm: attr.ints([1, 0, 2]) }, { name: 'to_batch_major' }), rank: v.rank, timeMajor: false }
}

function timeMajor(g: GraphBuilder, v: Val): Val {
  if (v.timeMajor) return v
  if (v.rank !== 3) throw new Error(`a recurrent layer needs a [batch, time, features] input, got rank ${v.rank}`)
  return { name: g.node('Transpose', [v.name], { perm: attr.ints([1, 0, 2]) }, { name: 'to_time_major' }), rank: 3, timeMajor: true }
}

// --- activations --------------------------------------------------------------------------------

function activationName(a: unknown): string {
  // getConfig() gives the serialised name ('tanh', 'hardSigmoid', 'linear', ...).
  if (typeof a === 'string') return a
  if (a && typeof a === 'object' && 'getClassName' in a) return (a as { getClassName(): string }).getClassName()
  return String(a)
}

/** Applies a Keras/tfjs activation as ONNX ops. */
function applyActivation(g: GraphBuilder, x: string, activation: string, where: string): string {
  switch (activation) {
    case 'linear':
    case 'identity':
      return x
    case 'relu':
      return g.node('Relu', [x])
    case 'sigmoid':
      return g.node('Sigmoid', [x])
    case 'tanh':
      return g.node('Tanh', [x])
    case 'softmax':
      // Opset 13+ Softmax normalises along `axis` only (as tfjs does on the last axis).
      return g.node('Softmax', [x], { axis: -1 })
    case 'hardSigmoid':
    case 'hard_sigmoid':
      // tfjs: clip(0.2 x + 0.5, 0, 1) (tfjs_backend.js hardSigmoid) = ONNX HardSigmoid's defaults.
      return g.node('HardSigmoid', [x], { alpha: attr.float(0.2), beta: attr.float(0.5) })
    case 'elu':
      return g.node('Elu', [x], { alpha: attr.float(1) })
    case 'selu':
      return g.node('Selu', [x])
    case 'softplus':
      return g.node('Softplus', [x])
    case 'softsign':
      return g.node('Softsign', [x])
    default:
      throw new Error(`ONNX export: activation '${activation}' of ${where} is not supported`)
  }
}

/**
 * LSTM's f/g/h activations as ONNX names, with the alpha/beta lists: ORT consumes
 * activation_alpha / activation_beta in order, one entry per activation that takes one
 * (HardSigmoid takes both), as the ONNX spec words it ("consumed in the order of activation
 * functions").
 */
function rnnActivation(name: string, where: string): { op: string; alpha?: number; beta?: number } {
  switch (name) {
    case 'tanh':
      return { op: 'Tanh' }
    case 'sigmoid':
      return { op: 'Sigmoid' }
    case 'relu':
      return { op: 'Relu' }
    case 'hardSigmoid':
    case 'hard_sigmoid':
      return { op: 'HardSigmoid', alpha: 0.2, beta: 0.5 }
    default:
      throw new Error(`ONNX export: LSTM activation '${name}' of ${where} is not supported`)
  }
}

// --- layers -------------------------------------------------------------------------------------

/** tfjs gates i,f,c,o -> ONNX i,o,f,c (DESIGN.md section 6): ONNX block b takes tfjs block ORDER[b]. */
const GATE_ORDER = [0, 3, 1, 2]

/** [rows, 4H] (tfjs, gates along columns) -> [4H, rows] (ONNX, gates along rows, reordered). */
function lstmMatrix(src: Float32Array, rows: number, H: number): Float32Array {
  const out = new Float32Array(4 * H * rows)
  for (let b = 0; b < 4; b++) {
    const from = GATE_ORDER[b] * H
    for (let h = 0; h < H; h++) {
      const o = (b * H + h) * rows
      for (let r = 0; r < rows; r++) out[o + r] = src[r * 4 * H + from + h]
    }
  }
  return out
}

function lstm(g: GraphBuilder, layer: Layer, x: Val): Val {
  const c = layer.getConfig() as Record<string, unknown>
  const where = `layer '${layer.name}'`
  if (c.goBackwards) throw new UnsupportedLayerError('LSTM', layer.name, 'goBackwards')
  if (c.stateful) throw new UnsupportedLayerError('LSTM', layer.name, 'stateful')
  if (c.returnState) throw new UnsupportedLayerError('LSTM', layer.name, 'returnState')
  const H = c.units as number
  const ws = weightsOf(layer)
  const kernel = need(ws, 'kernel', layer)
  const rec = need(ws, 'recurrent_kernel', layer)
  const inDim = kernel.shape[0]
  const W = g.float(`${layer.name}_W`, [1, 4 * H, inDim], lstmMatrix(kernel.values, inDim, H))
  const R = g.float(`${layer.name}_R`, [1, 4 * H, H], lstmMatrix(rec.values, H, H))
  // B = [Wb (tfjs bias, reordered), Rb (zeros)]: tfjs has one bias per gate, ONNX two that add.
  const bias = new Float32Array(8 * H)
  if (c.useBias !== false) {
    const b = need(ws, 'bias', layer).values
    for (let k = 0; k < 4; k++) bias.set(b.subarray(GATE_ORDER[k] * H, GATE_ORDER[k] * H + H), k * H)
  }
  const B = g.float(`${layer.name}_B`, [1, 8 * H], bias)
  // f = recurrentActivation (gates), g = h = activation. tfjs's default recurrentActivation is
  // hardSigmoid: omitting the attribute would silently give Sigmoid (error ~1e-2).
  const acts = [rnnActivation(activationName(c.recurrentActivation ?? 'hardSigmoid'), where), rnnActivation(activationName(c.activation ?? 'tanh'), where)]
  const fgh = [acts[0], acts[1], acts[1]]
  const attrs: Record<string, ReturnType<typeof attr.int>> = {
    hidden_size: attr.int(H),
    activations: attr.strings(fgh.map((a) => a.op))
  }
  const alphas = fgh.filter((a) => a.alpha !== undefined).map((a) => a.alpha!)
  const betas = fgh.filter((a) => a.beta !== undefined).map((a) => a.beta!)
  if (alphas.length) attrs.activation_alpha = attr.floats(alphas)
  if (betas.length) attrs.activation_beta = attr.floats(betas)
  const xt = timeMajor(g, x)
  const seq = c.returnSequences === true
  const [Y, Yh] = g.nodeN('LSTM', [xt.name, W, R, B], [seq, !seq], attrs, { name: layer.name })
  if (seq) {
    // Y [T, 1, B, H] -> [T, B, H], left time-major for the next layer.
    return { name: g.node('Squeeze', [Y, g.int64('axes', [1], [1])]), rank: 3, timeMajor: true }
  }
  // Y_h [1, B, H] -> [B, H]
  return { name: g.node('Squeeze', [Yh, g.int64('axes', [1], [0])]), rank: 2, timeMajor: false }
}

/** x W + b then the activation, on the last axis (rank 2 or 3, either layout). */
function dense(g: GraphBuilder, layer: Layer, x: Val): Val {
  const c = layer.getConfig() as Record<string, unknown>
  const ws = weightsOf(layer)
  const k = need(ws, 'kernel', layer)
  let y = g.node('MatMul', [x.name, g.float(`${layer.name}_kernel`, k.shape, k.values)])
  if (c.useBias !== false) {
    const b = need(ws, 'bias', layer)
    y = g.node('Add', [y, g.float(`${layer.name}_bias`, b.shape, b.values)])
  }
  return { name: applyActivation(g, y, activationName(c.activation ?? 'linear'), `layer '${layer.name}'`), rank: x.rank, timeMajor: x.timeMajor }
}

/**
 * Inference BatchNormalization folded into x * a + b on the last axis (tfjs normalises the last
 * axis with epsilon 1e-3 by default; ONNX's BN op works on axis 1, so folding is the simple, exact
 * route): a = gamma / sqrt(var + eps), b = beta - mean * a, computed in float64.
 */
function batchNorm(g: GraphBuilder, layer: Layer, x: Val): Val {
  const c = layer.getConfig() as Record<string, unknown>
  const axis = (Array.isArray(c.axis) ? c.axis[0] : c.axis) as number
  if (axis !== -1 && axis !== x.rank - 1) throw new UnsupportedLayerError('BatchNormalization', layer.name, `axis ${axis}: only the last axis is folded`)
  const eps = (c.epsilon as number | undefined) ?? 1e-3
  const ws = weightsOf(layer)
  const mean = need(ws, 'moving_mean', layer).values
  const variance = need(ws, 'moving_variance', layer).values
  const n = mean.length
  const gamma = c.scale === false ? new Float32Array(n).fill(1) : need(ws, 'gamma', layer).values
  const beta = c.center === false ? new Float32Array(n) : need(ws, 'beta', layer).values
  const a = new Float32Array(n)
  const b = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const s = gamma[i] / Math.sqrt(variance[i] + eps)
    a[i] = s
    b[i] = beta[i] - mean[i] * s
  }
  const y = g.node('Add', [g.node('Mul', [x.name, g.float(`${layer.name}_a`, [n], a)]), g.float(`${layer.name}_b`, [n], b)], {}, { name: layer.name })
  return { name: y, rank: x.rank, timeMajor: x.timeMajor }
}

/** [B, H] -> [n, B, H], time-major (what a following LSTM wants): Unsqueeze + Expand. */
function repeatVector(g: GraphBuilder, layer: Layer, x: Val): Val {
  if (x.rank !== 2) throw new UnsupportedLayerError('RepeatVector', layer.name, `input rank ${x.rank}`)
  const n = (layer.getConfig() as { n: number }).n
  const u = g.node('Unsqueeze', [x.name, g.int64('axes', [1], [0])])
  const y = g.node('Expand', [u, g.int64(`${layer.name}_shape`, [3], [n, 1, 1])], {}, { name: layer.name })
  return { name: y, rank: 3, timeMajor: true }
}

function globalAveragePooling1D(g: GraphBuilder, layer: Layer, x: Val): Val {
  const c = layer.getConfig() as Record<string, unknown>
  if (c.dataFormat === 'channelsFirst') throw new UnsupportedLayerError('GlobalAveragePooling1D', layer.name, 'channelsFirst')
  // Mean over time: axis 1 batch-major, axis 0 time-major. ReduceMean's axes are an attribute at opset 15.
  const y = g.node('ReduceMean', [x.name], { axes: attr.ints([x.timeMajor ? 0 : 1]), keepdims: 0 }, { name: layer.name })
  return { name: y, rank: 2, timeMajor: false }
}

/**
 * Our MultiHeadSelfAttention (attention-layer.ts): projections are 2-D matrices by design, so each
 * is MatMul + Add; heads split with Reshape [0, 0, h, k] + Transpose; Q scaled by 1/sqrt(k) before
 * Q K^T (as the layer does); Softmax on the key axis; heads merged back; output projection.
 */
function multiHeadSelfAttention(g: GraphBuilder, layer: Layer, xIn: Val): Val {
  const mha = layer as MultiHeadSelfAttention
  const h = mha.numHeads
  const k = mha.keyDim
  const x = batchMajor(g, xIn)
  const ws = weightsOf(layer)
  const project = (v: string, which: string) => {
    const w = need(ws, `${which}_kernel`, layer)
    const b = need(ws, `${which}_bias`, layer)
    return g.node('Add', [g.node('MatMul', [v, g.float(`${layer.name}_${which}_kernel`, w.shape, w.values)]), g.float(`${layer.name}_${which}_bias`, b.shape, b.values)], {}, { name: `${layer.name}_${which}` })
  }
  const headsShape = g.int64(`${layer.name}_heads_shape`, [4], [0, 0, h, k])
  const split = (v: string, perm: number[]) => g.node('Transpose', [g.node('Reshape', [v, headsShape])], { perm: attr.ints(perm) })
  const q = split(g.node('Mul', [project(x.name, 'query'), g.scalar(`${layer.name}_inv_sqrt_k`, 1 / Math.sqrt(k))]), [0, 2, 1, 3]) // [B, h, T, k]
  const kt = split(project(x.name, 'key'), [0, 2, 3, 1]) // [B, h, k, T]
  const v = split(project(x.name, 'value'), [0, 2, 1, 3]) // [B, h, T, k]
  const probs = g.node('Softmax', [g.node('MatMul', [q, kt])], { axis: -1 }, { name: `${layer.name}_probs` }) // [B, h, T, T]
  const ctx = g.node('Transpose', [g.node('MatMul', [probs, v])], { perm: attr.ints([0, 2, 1, 3]) }) // [B, T, h, k]
  const merged = g.node('Reshape', [ctx, g.int64(`${layer.name}_merge_shape`, [3], [0, 0, h * k])])
  return { name: project(merged, 'output'), rank: 3, timeMajor: false }
}

function concatenate(g: GraphBuilder, layer: Layer, ins: Val[]): Val {
  const c = layer.getConfig() as { axis?: number }
  const vals = ins.map((v) => batchMajor(g, v))
  return { name: g.node('Concat', vals.map((v) => v.name), { axis: c.axis ?? -1 }, { name: layer.name }), rank: vals[0].rank, timeMajor: false }
}

function elementwise(g: GraphBuilder, layer: Layer, ins: Val[], op: 'Add' | 'Mul'): Val {
  const vals = ins.map((v) => batchMajor(g, v))
  let y = vals[0].name
  for (let i = 1; i < vals.length; i++) y = g.node(op, [y, vals[i].name])
  return { name: y, rank: vals[0].rank, timeMajor: false }
}

function convertLayer(g: GraphBuilder, layer: Layer, ins: Val[]): Val {
  const cls = layer.getClassName()
  if (INFERENCE_IDENTITY.has(cls)) return ins[0]
  const one = () => {
    if (ins.length !== 1) throw new UnsupportedLayerError(cls, layer.name, `${ins.length} inputs`)
    return ins[0]
  }
  switch (cls) {
    case 'LSTM':
      // tf.layers.lstm, and the sequence-level layer (models/deep/sequence-lstm.ts): same class
      // name, config and weights, so the same node.
      return lstm(g, layer, one())
    case 'Dense':
      return dense(g, layer, one())
    case 'TimeDistributed': {
      const inner = (layer as unknown as { layer: Layer }).layer
      if (inner.getClassName() !== 'Dense') throw new UnsupportedLayerError(`TimeDistributed(${inner.getClassName()})`, layer.name)
      // Dense on the last axis of [B, T, H] is already "per time step": MatMul + Add.
      return dense(g, inner, one())
    }
    case 'BatchNormalization':
      return batchNorm(g, layer, one())
    case 'RepeatVector':
      return repeatVector(g, layer, one())
    case 'GlobalAveragePooling1D':
      return globalAveragePooling1D(g, layer, one())
    case 'MultiHeadSelfAttention':
      return multiHeadSelfAttention(g, layer, one())
    case 'Concatenate':
      return concatenate(g, layer, ins)
    case 'Add':
      return elementwise(g, layer, ins, 'Add')
    case 'Multiply':
      return elementwise(g, layer, ins, 'Mul')
    case 'Activation': {
      const x = one()
      const a = activationName((layer.getConfig() as Record<string, unknown>).activation)
      return { ...x, name: applyActivation(g, x.name, a, `layer '${layer.name}'`) }
    }
    default:
      throw new UnsupportedLayerError(cls, layer.name)
  }
}

// --- model --------------------------------------------------------------------------------------

function dimsOf(shape: (number | null)[]): Dim[] {
  return shape.map((d, i) => (d == null ? (i === 0 ? 'batch' : `d${i}`) : d))
}

/** Builds the layers of `model` on `x` (the already scaled input); returns its outputs, batch-major. */
export function emitLayers(g: GraphBuilder, model: tf.LayersModel, x: Val): Val[] {
  const inputs = model.inputs as unknown as SymTensor[]
  if (inputs.length !== 1) throw new Error(`ONNX export: models with ${inputs.length} inputs are not supported`)
  const memo = new Map<number, Val>([[inputs[0].id, x]])
  const visit = (t: SymTensor): Val => {
    const hit = memo.get(t.id)
    if (hit) return hit
    const layer = t.sourceLayer
    if (layer.getClassName() === 'InputLayer') throw new Error(`ONNX export: reached input layer '${layer.name}' that is not the model input`)
    if (t.tensorIndex !== 0) throw new UnsupportedLayerError(layer.getClassName(), layer.name, 'multiple outputs')
    const node = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes[t.nodeIndex]
    const ins = node.inputTensors.map(visit)
    const out = convertLayer(g, layer, ins)
    memo.set(t.id, out)
    return out
  }
  return (model.outputs as unknown as SymTensor[]).map((o) => batchMajor(g, visit(o)))
}

/** Exports a tfjs LayersModel built by our builders (weights as they are now) to ONNX bytes. */
export function exportTfjsModel(model: tf.LayersModel, opts: TfjsExportOptions = {}): Uint8Array {
  const inShape = (model.inputs[0] as unknown as SymTensor).shape
  if (inShape.length !== 2 && inShape.length !== 3) throw new Error(`ONNX export: input rank ${inShape.length} is not supported`)
  if (inShape.slice(1).some((d) => d == null)) throw new Error('ONNX export: the window length and feature count must be fixed')
  const g = new GraphBuilder({ graphName: opts.graphName ?? model.name, producerVersion: opts.producerVersion })
  const inDims = dimsOf(inShape)
  const input = g.addInput('input', DataType.FLOAT, inDims)
  const scaled = opts.scaler ? foldScaler(g, input, opts.scaler) : input
  const outs = emitLayers(g, model, { name: scaled, rank: inShape.length, timeMajor: false })
  const head = opts.head ?? { kind: 'direct' }
  const outShapes = (model.outputs as unknown as SymTensor[]).map((o) => dimsOf(o.shape))
  if (head.kind === 'direct') {
    const names = head.outputNames ?? (outs.length === 1 ? ['score'] : outs.map((_, i) => `score_${i}`))
    if (names.length !== outs.length) throw new Error(`${names.length} output names for ${outs.length} outputs`)
    outs.forEach((o, i) => g.addOutput(names[i], o.name, DataType.FLOAT, outShapes[i]))
  } else {
    if (outs.length !== 1 || inShape.length !== 3) throw new Error('reconstruction head: the model must map [batch, T, F] to one [batch, T, F] output')
    if (!(head.k > 0 && Number.isFinite(head.k))) throw new Error(`reconstruction head: k must be a positive number, got ${head.k}`)
    // err = mean over (time, features) of (scaled x - reconstruction)^2  -> [B, 1]
    const d = g.node('Sub', [scaled, outs[0].name])
    const mse = g.node('ReduceMean', [g.node('Mul', [d, d])], { axes: attr.ints([1, 2]), keepdims: 0 })
    const err = g.node('Unsqueeze', [mse, g.int64('axes', [1], [1])], {}, { name: 'reconstruction_error_value' })
    // score = 1 - exp(-k err): err = 0 -> 0, err = threshold error -> 0.7 (lstm-autoencoder.ts).
    const e = g.node('Exp', [g.node('Mul', [err, g.scalar('neg_k', -head.k)])])
    const score = g.node('Sub', [g.scalar('one', 1), e], {}, { name: 'score_value' })
    g.addOutput('score', score, DataType.FLOAT, ['batch', 1])
    g.addOutput('reconstruction_error', err, DataType.FLOAT, ['batch', 1])
  }
  for (const [k, v] of Object.entries(opts.metadata ?? {})) g.setMetadata(k, v)
  return g.encode()
}
