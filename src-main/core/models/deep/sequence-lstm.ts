/**
 * A sequence-level LSTM: the tfjs `LSTM` layer (same class name, config and weights: kernel
 * [in, 4u], recurrent_kernel [u, 4u], bias [4u], gates i, f, c, o) whose forward and backward
 * passes run over the whole sequence instead of tfjs's per-time-step kernels.
 *
 * Forward (`sequenceLstm`):
 *   XW = x (time-major, [T*B, in]) x kernel                     one matmul for every step
 *   for t: z = XW[t] + h W_rec + bias; gates; c, h               one matmul + one fused kernel
 * Backward through time (tf.customGrad): per step one fused kernel (gate derivatives) + one
 * matmul (dh_{t-1} = dz_t W_rec^T); then each weight gradient is one matmul over all steps,
 *   d kernel = X^T DZ, d recurrent_kernel = H_prev^T DZ, d bias = column sums of DZ,   and dx = DZ kernel^T.
 *
 * The fused kernels (`WorkbenchLstmStep`, `WorkbenchLstmStepGrad`) are registered for the 'cpu'
 * and 'wasm' backends and work on the backends' float32 storage in place: a step reads its rows
 * of XW (and of dy) by offset, so nothing slices, unstacks or copies the sequence per step
 * (tfjs's `rnn()` unstacks the whole input, and the wasm Slice kernel copies its whole input on
 * every call: tfjs-backend-wasm/dist/kernels/Slice.js, `backend.readSync(x.dataId)`). One training
 * step of the seed-000 classifier runs ~1,250 kernels instead of ~17,400, and trains ~3x as many
 * windows per CPU-second on wasm (bench/deep-models.bench.ts). On wasm with SIMD (units a multiple
 * of 4) the steps go further: every step of a pass runs inside one kernel (`WorkbenchLstmSequence`,
 * `WorkbenchLstmSequenceGrad`), on batch-major [B, T, width] blocks read and written by stride.
 *
 * The layer registers itself under tfjs's own class name 'LSTM', so a saved model's topology is
 * the stock one (any tfjs can load it, the ONNX exporter reads it as before), and every LSTM
 * loaded in this process (old checkpoints included) runs the sequence path. Whatever the fused
 * path does not cover falls back to the stock per-step code (`super.call`): other backends
 * (tfjs-node, webgl), masks, goBackwards, stateful, returnState, cell dropout, activations other
 * than tanh, recurrent activations other than hardSigmoid / sigmoid, non-float32 input.
 *
 * Numerics: gate pre-activations and c are rounded to float32 in tfjs's order, and hardSigmoid is
 * tfjs's clip(0.2 z + 0.5, 0, 1) to the bit; sigmoid is 1 / (1 + exp(-z)) in float64, tanh is
 * Eigen's float32 rational approximation (within 2.4e-7 of Math.tanh). Sums run in other orders
 * (one big input-projection matmul, the weight gradients as one matmul): results equal the stock
 * layer's to float32 rounding (test/unit/lstm-sequence.test.ts: outputs and gradients within
 * 1e-5, observed <= 5e-7). One measure-zero difference: where 0.2 z + 0.5 is exactly 0 or 1,
 * tfjs's clipByValue gradient passes (inclusive bounds) and ours is 0.
 */
import * as tf from '@tensorflow/tfjs'
import { stockLayerClass } from './stock-layer'
import { simdBackward, simdForward, simdStepApplies } from './lstm-step-simd'
import { HS_SLOPE as HS_SLOPE_DECIMAL, TANH_CLAMP, TANH_LINEAR, TANH_P, TANH_Q } from './lstm-activation-constants'
import { gemm, type Heap } from './wasm-gemm'
import { heapOf, type HeapBackend } from './wasm-kernels'
import type { WasmMemory } from './wasm-simd-module'

/** The recurrent (gate) activations the fused path implements, by tfjs's serialised names. */
export type FusedGateActivation = 'hardSigmoid' | 'sigmoid'

const STEP = 'WorkbenchLstmStep'
const STEP_GRAD = 'WorkbenchLstmStepGrad'
const FUSED_BACKENDS = ['cpu', 'wasm'] as const

// --- the maths of one step, on float32 arrays ------------------------------------------------------

const HS_SLOPE = Math.fround(HS_SLOPE_DECIMAL)
const f32 = Math.fround

/**
 * tanh as Eigen computes it for float32 (the rational approximation TensorFlow's CPU kernels use),
 * in float64: within 2.4e-7 of Math.tanh after rounding to float32, and 2-3x faster in V8.
 */
function tanh(x: number): number {
  const v = x > TANH_CLAMP ? TANH_CLAMP : x < -TANH_CLAMP ? -TANH_CLAMP : x
  if (v < TANH_LINEAR && v > -TANH_LINEAR) return v
  const v2 = v * v
  let p: number = TANH_P[0]
  for (let i = 1; i < TANH_P.length; i++) p = v2 * p + TANH_P[i]
  let q: number = TANH_Q[0]
  for (let i = 1; i < TANH_Q.length; i++) q = v2 * q + TANH_Q[i]
  return (v * p) / q
}

/** The gate activation: tfjs's hardSigmoid (float32 rounding included) or the logistic sigmoid. */
function gate(z: number, hard: boolean): number {
  if (!hard) return 1 / (1 + Math.exp(-z))
  const y = f32(f32(HS_SLOPE * z) + 0.5)
  return y < 0 ? 0 : y > 1 ? 1 : y
}

/** The gate activation's derivative, from its value s. */
function gateDerivative(s: number, hard: boolean): number {
  if (!hard) return s * (1 - s)
  return s > 0 && s < 1 ? HS_SLOPE : 0
}

interface StepAttrs {
  step: number
  batch: number
  units: number
  hard: boolean
}

type Views = Record<string, Float32Array | undefined>

/**
 * Forward step t. In: xw [T*B, 4u] (time-major rows), hr [B, 4u] = h_{t-1} W_rec (absent: h = 0),
 * bias [4u], c [B, u] (absent: 0). Out: h [B, u], c [B, u], aux [B, 5u] = i, f, g, o, tanh(c).
 */
function forwardStep(ins: Views, [hOut, cOut, aux]: Float32Array[], { step, batch, units: u, hard }: StepAttrs): void {
  const xw = ins.xw!
  const { hr, bias, c: cPrev } = ins
  const G = 4 * u
  for (let b = 0; b < batch; b++) {
    const xo = (step * batch + b) * G
    const ro = b * G
    const so = b * u
    const ao = b * 5 * u
    for (let j = 0; j < u; j++) {
      // tfjs: z = (x W + h W_rec) + bias, each sum rounded to float32.
      let zi = xw[xo + j]
      let zf = xw[xo + u + j]
      let zg = xw[xo + 2 * u + j]
      let zo = xw[xo + 3 * u + j]
      if (hr) {
        zi = f32(zi + hr[ro + j])
        zf = f32(zf + hr[ro + u + j])
        zg = f32(zg + hr[ro + 2 * u + j])
        zo = f32(zo + hr[ro + 3 * u + j])
      }
      if (bias) {
        zi = f32(zi + bias[j])
        zf = f32(zf + bias[u + j])
        zg = f32(zg + bias[2 * u + j])
        zo = f32(zo + bias[3 * u + j])
      }
      const i = gate(zi, hard)
      const f = gate(zf, hard)
      const g = f32(tanh(zg))
      const o = gate(zo, hard)
      const c = f32(f32(f * (cPrev ? cPrev[so + j] : 0)) + f32(i * g))
      const tc = f32(tanh(c))
      cOut[so + j] = c
      hOut[so + j] = o * tc
      aux[ao + j] = i
      aux[ao + u + j] = f
      aux[ao + 2 * u + j] = g
      aux[ao + 3 * u + j] = o
      aux[ao + 4 * u + j] = tc
    }
  }
}

interface GradAttrs extends StepAttrs {
  /** dy is the whole [B, T, u] output gradient (read at `step`); false: dy is [B, u]. */
  dySequence: boolean
  steps: number
}

/**
 * Backward step t. In: aux [B, 5u] of step t, cPrev [B, u] (absent: 0), dy (see GradAttrs;
 * absent: 0), dh [B, u] = dz_{t+1} W_rec^T, dc [B, u] from step t+1 (absent: 0).
 * Out: dz [B, 4u] (gradient of the pre-activations), dcPrev [B, u].
 */
function backwardStep(ins: Views, [dz, dcPrev]: Float32Array[], { step, batch, units: u, hard, dySequence, steps }: GradAttrs): void {
  const aux = ins.aux!
  const { cPrev, dy, dh: dhRec, dc: dcNext } = ins
  for (let b = 0; b < batch; b++) {
    const so = b * u
    const ao = b * 5 * u
    const zo = b * 4 * u
    const yo = dySequence ? (b * steps + step) * u : so
    for (let j = 0; j < u; j++) {
      const i = aux[ao + j]
      const f = aux[ao + u + j]
      const g = aux[ao + 2 * u + j]
      const o = aux[ao + 3 * u + j]
      const tc = aux[ao + 4 * u + j]
      const dh = (dy ? dy[yo + j] : 0) + (dhRec ? dhRec[so + j] : 0)
      const dc = (dcNext ? dcNext[so + j] : 0) + dh * o * (1 - tc * tc)
      dz[zo + j] = dc * g * gateDerivative(i, hard)
      dz[zo + u + j] = cPrev ? dc * cPrev[so + j] * gateDerivative(f, hard) : 0
      dz[zo + 2 * u + j] = dc * i * (1 - g * g)
      dz[zo + 3 * u + j] = dh * tc * gateDerivative(o, hard)
      dcPrev[so + j] = dc * f
    }
  }
}

// --- kernels: the steps above on a backend's own storage -------------------------------------------

/** What the kernels use of tfjs-backend-cpu's MathBackendCPU. */
interface CpuStorage {
  data: { get(dataId: object): { values?: unknown } }
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo
}

/** What the kernels use of tfjs-backend-wasm's BackendWasm (backend_wasm.js: makeOutput, typedArrayFromHeap). */
interface WasmStorage extends HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array
}

/**
 * The wasm backend's SIMD version of a step (lstm-step-simd.ts), given the heap, the inputs' and
 * the outputs' byte offsets (0: absent); false where it does not apply (then the JavaScript runs).
 */
type SimdStep<A> = (memory: WasmMemory, at: (input: string) => number, outs: number[], a: A) => boolean

function kernelFunc<A>(backendName: (typeof FUSED_BACKENDS)[number], outShapes: (a: A) => number[][], compute: (ins: Views, outs: Float32Array[], a: A) => void, simd: SimdStep<A>): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as A
    const shapes = outShapes(a)
    let outs: tf.TensorInfo[]
    let view: (t: tf.TensorInfo) => Float32Array
    if (backendName === 'wasm') {
      const be = backend as unknown as WasmStorage
      outs = shapes.map((s) => be.makeOutput(s, 'float32'))
      const heap = heapOf(be)
      const offset = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset
      if (heap && simd(heap.memory, (name) => (inputs[name] ? offset(inputs[name]) : 0), outs.map(offset), a)) return outs
      view = (t) => be.typedArrayFromHeap(t)
    } else {
      const be = backend as unknown as CpuStorage
      outs = shapes.map((s) => be.makeTensorInfo(s, 'float32', new Float32Array(s.reduce((x, y) => x * y, 1))))
      view = (t) => be.data.get(t.dataId).values as Float32Array
    }
    // Views only after every allocation: a wasm allocation may grow the heap and detach older views.
    const ins: Views = {}
    for (const [k, t] of Object.entries(inputs)) if (t) ins[k] = view(t)
    compute(ins, outs.map(view), a)
    return outs
  }
}

const simdForwardStep: SimdStep<StepAttrs> = (memory, at, [h, cOut, aux], { step, batch, units, hard }) => {
  if (!simdStepApplies(units, batch)) return false
  simdForward(memory, { units, hard }, { xw: at('xw') + step * batch * 16 * units, hr: at('hr'), bias: at('bias'), c: at('c'), h, cOut, aux, batch })
  return true
}

const simdBackwardStep: SimdStep<GradAttrs> = (memory, at, [dz, dcPrev], { step, batch, units, hard, dySequence, steps }) => {
  if (!simdStepApplies(units, batch)) return false
  const dy = at('dy') && at('dy') + (dySequence ? step * units * 4 : 0)
  simdBackward(memory, { units, hard }, (dySequence ? steps : 1) * units * 4, { aux: at('aux'), cPrev: at('cPrev'), dy, dh: at('dh'), dc: at('dc'), dz, dcPrev, batch })
  return true
}

for (const backendName of FUSED_BACKENDS) {
  if (!tf.getKernel(STEP, backendName)) {
    tf.registerKernel({
      kernelName: STEP,
      backendName,
      kernelFunc: kernelFunc<StepAttrs>(
        backendName,
        (a) => [[a.batch, a.units], [a.batch, a.units], [a.batch, 5 * a.units]],
        forwardStep,
        simdForwardStep
      )
    })
  }
  if (!tf.getKernel(STEP_GRAD, backendName)) {
    tf.registerKernel({
      kernelName: STEP_GRAD,
      backendName,
      kernelFunc: kernelFunc<GradAttrs>(backendName, (a) => [[a.batch, 4 * a.units], [a.batch, a.units]], backwardStep, simdBackwardStep)
    })
  }
}

// --- wasm SIMD: the whole sequence in one kernel each way ---------------------------------------

/**
 * On wasm with SIMD every step runs inside one kernel per pass (`WorkbenchLstmSequence`,
 * `WorkbenchLstmSequenceGrad`): the recurrent products by wasm-gemm.ts and the step maths by
 * lstm-step-simd.ts, reading and writing [B, T, width] blocks by row strides. A step kernel per
 * time step cost the engine's bookkeeping T times per pass, plus copies around them: the input
 * made time-major (a Transpose) and back for dx, the outputs stacked, the step states saved one
 * by one, the per-step gate gradients concatenated.
 */
const SEQ = 'WorkbenchLstmSequence'
const SEQ_GRAD = 'WorkbenchLstmSequenceGrad'

interface SequenceAttrs extends StepAttrs {
  steps: number
}

interface SequenceGradAttrs extends SequenceAttrs {
  dySequence: boolean
  /** An initial state was given: d h0 and d c0 are outputs too. */
  initialState: boolean
}

/** The heap, an input's byte offset (0: absent), its dataId (wasm-gemm's cache key), the outputs' offsets. */
interface HeapCall {
  heap: Heap
  at(input: string): number
  id(input: string): object
  outs: number[]
}

function heapKernel<A>(outShapes: (a: A) => number[][], run: (call: HeapCall, a: A) => void): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = backend as unknown as WasmStorage
    const a = attrs as unknown as A
    const outs = outShapes(a).map((s) => be.makeOutput(s, 'float32'))
    const offset = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset
    run({ heap: heapOf(be)!, at: (name) => (inputs[name] ? offset(inputs[name]) : 0), id: (name) => inputs[name]!.dataId, outs: outs.map(offset) }, a)
    return outs
  }
}

/**
 * In: xw [B*T, 4u] (batch-major rows: x W), r (W_rec), bias, h0, c0 (absent: zeros).
 * Out: h [B, T, u], hPrev [B, T, u] (h one step later: hPrev[b, t] = h[b, t - 1], h0 at t = 0),
 * c [B, T, u], aux [B, T, 5u].
 */
function sequenceForward({ heap, at, id, outs: [h, hPrev, c, aux] }: HeapCall, { batch: B, steps: T, units: u, hard }: SequenceAttrs): void {
  const U = 4 * u // bytes of one example's step row
  const hr = heap.malloc(B * 4 * U)
  try {
    for (let t = 0; t < T; t++) {
      // h_{t-1} W_rec, h_{t-1} read in place from the output's rows (or from h0).
      const hIn = t > 0 ? { a: h + (t - 1) * U, lda: T * U } : at('h0') ? { a: at('h0'), lda: U } : null
      if (hIn) gemm(heap, { ...hIn, b: at('r'), bId: id('r'), c: hr, m: B, k: u, n: 4 * u, transposeA: false, transposeB: false })
      const cIn = t > 0 ? { c: c + (t - 1) * U, stride: T * U } : { c: at('c0'), stride: U }
      simdForward(
        heap.memory,
        { units: u, hard },
        { xw: at('xw') + t * 4 * U, hr: hIn ? hr : 0, bias: at('bias'), c: cIn.c, h: h + t * U, cOut: c + t * U, aux: aux + t * 5 * U, batch: B },
        { xw: T * 4 * U, c: cIn.stride, h: T * U, cOut: T * U, aux: T * 5 * U }
      )
    }
  } finally {
    heap.free(hr)
  }
  const f = new Float32Array(heap.memory.buffer)
  for (let b = 0; b < B; b++) {
    const row = (hPrev + b * T * U) / 4
    if (at('h0')) f.copyWithin(row, (at('h0') + b * U) / 4, (at('h0') + (b + 1) * U) / 4)
    else f.fill(0, row, row + u)
    f.copyWithin(row + u, (h + b * T * U) / 4, (h + b * T * U) / 4 + (T - 1) * u)
  }
}

/**
 * In: aux [B, T, 5u], c [B, T, u], c0 (absent: zeros), dy ([B, T, u] or, for the last step only,
 * [B, u]), r (W_rec). Out: dz [B, T, 4u] (the gate pre-activations' gradient), then d h0 and
 * d c0 ([B, u] each) when an initial state was given.
 */
function sequenceBackward({ heap, at, id, outs: [dz, dh0, dc0] }: HeapCall, { batch: B, steps: T, units: u, hard, dySequence, initialState }: SequenceGradAttrs): void {
  const U = 4 * u
  // dh_t and dc_t of the step after the current one; dc is updated in place.
  const dh = heap.malloc(B * U)
  const dc = heap.malloc(B * U)
  try {
    for (let t = T - 1; t >= 0; t--) {
      const last = t === T - 1
      const cPrev = t > 0 ? { c: at('c') + (t - 1) * U, stride: T * U } : { c: at('c0'), stride: U }
      const dy = dySequence ? at('dy') + t * U : last ? at('dy') : 0
      simdBackward(
        heap.memory,
        { units: u, hard },
        dySequence ? T * U : U,
        { aux: at('aux') + t * 5 * U, cPrev: cPrev.c, dy, dh: last ? 0 : dh, dc: last ? 0 : dc, dz: dz + t * 4 * U, dcPrev: t === 0 && initialState ? dc0 : dc, batch: B },
        { aux: T * 5 * U, cPrev: cPrev.stride, dz: T * 4 * U }
      )
      // dh_{t-1} = dz_t W_rec^T (before step 0: d h0, wanted only for a given initial state).
      if (t > 0 || initialState) gemm(heap, { a: dz + t * 4 * U, lda: T * 4 * U, b: at('r'), bId: id('r'), c: t > 0 ? dh : dh0, m: B, k: 4 * u, n: u, transposeA: false, transposeB: true })
    }
  } finally {
    heap.free(dh)
    heap.free(dc)
  }
}

if (!tf.getKernel(SEQ, 'wasm')) {
  tf.registerKernel({
    kernelName: SEQ,
    backendName: 'wasm',
    kernelFunc: heapKernel<SequenceAttrs>((a) => [...Array<number[]>(3).fill([a.batch, a.steps, a.units]), [a.batch, a.steps, 5 * a.units]], sequenceForward)
  })
  tf.registerKernel({
    kernelName: SEQ_GRAD,
    backendName: 'wasm',
    kernelFunc: heapKernel<SequenceGradAttrs>((a) => [[a.batch, a.steps, 4 * a.units], ...(a.initialState ? [[a.batch, a.units], [a.batch, a.units]] : [])], sequenceBackward)
  })
}

/** Whether `sequenceLstm` runs the sequence kernels (wasm with SIMD, whole lanes). */
function sequenceKernels(batch: number, units: number): boolean {
  return tf.getBackend() === 'wasm' && heapOf(tf.backend() as unknown as HeapBackend) !== null && simdStepApplies(units, batch)
}

/** Whether the fused kernels run on the current backend. */
export function sequenceLstmAvailable(): boolean {
  const name = tf.getBackend()
  return tf.getKernel(STEP, name) != null && tf.getKernel(STEP_GRAD, name) != null
}

// --- the op --------------------------------------------------------------------------------------

export interface SequenceLstmOptions {
  returnSequences: boolean
  recurrentActivation: FusedGateActivation
}

/**
 * The LSTM over a whole sequence, differentiable w.r.t. every input: x [B, T, in], kernel
 * [in, 4u], recurrentKernel [u, 4u], bias [4u] or null, initial state [h0, c0] ([B, u] each) or
 * null (zeros). Returns [B, T, u] (returnSequences) or [B, u]. Needs `sequenceLstmAvailable()`.
 */
export function sequenceLstm(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D | null,
  initialState: [tf.Tensor2D, tf.Tensor2D] | null,
  o: SequenceLstmOptions
): tf.Tensor {
  const [B, T, F] = x.shape
  const u = recurrentKernel.shape[0]
  const hard = o.recurrentActivation === 'hardSigmoid'
  const args: tf.Tensor[] = [x, kernel, recurrentKernel, ...(bias ? [bias] : []), ...(initialState ?? [])]
  const run = (name: string, inputs: Record<string, tf.Tensor | null | undefined>, attrs: object) => {
    const present: tf.NamedTensorMap = {}
    for (const [k, t] of Object.entries(inputs)) if (t) present[k] = t
    return tf.engine().runKernel(name, present, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[]
  }
  /** Each weight gradient is one matmul over all steps (rows of X, H_prev and DZ in the same order); d bias is DZ summed over the rows (on wasm a column sum, wasm-column-sum.ts). */
  const weightGradients = (x2: tf.Tensor2D, hPrev2: tf.Tensor2D, dZ: tf.Tensor2D) => [tf.matMul(x2, dZ, true, false), tf.matMul(hPrev2, dZ, true, false), ...(bias ? [tf.sum(dZ, 0)] : [])]

  const op = tf.customGrad((...a: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = a[a.length - 1] as tf.GradSaveFunc
    const w = a[1] as tf.Tensor2D
    const r = a[2] as tf.Tensor2D
    const b = bias ? (a[3] as tf.Tensor1D) : null
    const h0 = initialState ? (a[args.length - 2] as tf.Tensor2D) : null
    const c0 = initialState ? (a[args.length - 1] as tf.Tensor2D) : null

    if (sequenceKernels(B, u)) {
      // Batch-major rows (b, t) throughout: no transposes, the kernels step through them by stride.
      const x2 = tf.reshape(a[0] as tf.Tensor3D, [B * T, F])
      const [h, hPrev, c, aux] = run(SEQ, { xw: tf.matMul(x2, w), r, bias: b, h0, c0 }, { batch: B, steps: T, units: u, hard })
      const value = o.returnSequences ? h : tf.reshape(tf.slice(h, [0, T - 1, 0], [B, 1, u]), [B, u])
      save([x2, tf.reshape(hPrev, [B * T, u]), w, r, c, aux, ...(c0 ? [c0] : [])])
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
        tf.tidy(() => {
          const [sx2, shPrev, sw, sr, sc, saux, sc0] = saved as tf.Tensor2D[]
          const attrs = { batch: B, steps: T, units: u, hard, dySequence: o.returnSequences, initialState: initialState !== null }
          const [dz, dh0, dc0] = run(SEQ_GRAD, { aux: saux, c: sc, c0: sc0, dy, r: sr }, attrs)
          const dZ = tf.reshape(dz, [B * T, 4 * u]) as tf.Tensor2D
          const dx = tf.reshape(tf.matMul(dZ, sw, false, true), [B, T, F])
          return [dx, ...weightGradients(sx2, shPrev, dZ), ...(initialState ? [dh0, dc0] : [])]
        })
      return { value, gradFunc }
    }

    // Time-major rows, so step t's rows of XW are one contiguous block.
    const xt = tf.reshape(tf.transpose(a[0] as tf.Tensor3D, [1, 0, 2]), [T * B, F])
    const xw = tf.matMul(xt, w)
    const hs: tf.Tensor[] = []
    const cs: tf.Tensor[] = []
    const auxs: tf.Tensor[] = []
    let h = h0 as tf.Tensor | null
    let c = c0 as tf.Tensor | null
    for (let t = 0; t < T; t++) {
      const hr = h ? tf.matMul(h as tf.Tensor2D, r) : null
      const [hn, cn, aux] = run(STEP, { xw, hr, bias: b, c }, { step: t, batch: B, units: u, hard })
      hr?.dispose()
      hs.push(hn)
      cs.push(cn)
      auxs.push(aux)
      h = hn
      c = cn
    }
    // Row t*B + b: h_{t-1} of example b, time-major like xt (the weight gradients are
    // xt^T DZ and hPrev^T DZ, one matmul each over all steps).
    const hPrev = tf.concat([h0 ?? tf.zeros([B, u]), ...hs.slice(0, T - 1)], 0)
    const value = o.returnSequences ? tf.stack(hs, 1) : hs[T - 1]
    save([xt, hPrev, w, r, ...cs, ...auxs, ...(c0 ? [c0] : [])])

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const [sxt, shPrev, sw, sr] = saved as tf.Tensor2D[]
        const sc = saved.slice(4, 4 + T)
        const saux = saved.slice(4 + T, 4 + 2 * T)
        const sc0 = c0 ? saved[4 + 2 * T] : null
        const rT = tf.transpose(sr)
        const dzs: tf.Tensor[] = new Array(T)
        let dh: tf.Tensor | null = null
        let dc: tf.Tensor | null = null
        for (let t = T - 1; t >= 0; t--) {
          const stepDy = o.returnSequences || t === T - 1 ? dy : null
          const attrs = { step: t, batch: B, units: u, hard, dySequence: o.returnSequences, steps: T }
          const [dz, dcPrev] = run(STEP_GRAD, { aux: saux[t], cPrev: t > 0 ? sc[t - 1] : sc0, dy: stepDy, dh, dc }, attrs)
          dzs[t] = dz
          // Step t+1's state gradients are spent (d h0 and d c0 are the last ones: kept).
          dh?.dispose()
          dc?.dispose()
          // dh_{t-1}; before step 0 it is d h0, needed only for a given initial state.
          dh = t > 0 || initialState !== null ? tf.matMul(dz, rT) : null
          dc = dcPrev
        }
        const dZ = tf.concat(dzs, 0) as tf.Tensor2D // [T*B, 4u], time-major like xt
        const dx = tf.transpose(tf.reshape(tf.matMul(dZ, sw, false, true), [T, B, F]), [1, 0, 2])
        return [dx, ...weightGradients(sxt, shPrev, dZ), ...(initialState ? [dh!, dc!] : [])]
      })
    return { value, gradFunc }
  })
  return op(...args)
}

// --- the layer -----------------------------------------------------------------------------------

type LstmArgs = Parameters<typeof tf.layers.lstm>[0]
type StockLstm = ReturnType<typeof tf.layers.lstm>
type LstmConstructor = (new (args: LstmArgs) => StockLstm) & { workbenchStock?: LstmConstructor } & Pick<tf.serialization.SerializableConstructor<StockLstm>, 'fromConfig'>

/** What the fused path reads of the layer's LSTMCell (tfjs-layers/dist/layers/recurrent.d.ts). */
interface CellView {
  useBias: boolean
  dropout: number
  recurrentDropout: number
  activation: { getClassName(): string }
  recurrentActivation: { getClassName(): string }
  kernel: tf.LayerVariable
  recurrentKernel: tf.LayerVariable
  bias: tf.LayerVariable | null
}

type Kwargs = Record<string, unknown>

const StockLSTM = stockLayerClass<LstmConstructor>('LSTM')

/**
 * tfjs's LSTM layer with the sequence-level path (see the header). Construct it with the
 * arguments of `tf.layers.lstm`; it saves, loads and exports to ONNX as an 'LSTM'.
 */
export class SequenceLSTM extends StockLSTM {
  static className = 'LSTM'
  static override workbenchStock = StockLSTM

  /** The gate activation when the fused path applies to this call, else null (stock path). */
  private fusedGates(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): FusedGateActivation | null {
    const cell = this.cell as unknown as CellView
    const x = Array.isArray(inputs) ? inputs : [inputs]
    const gates = cell.recurrentActivation.getClassName()
    if (gates !== 'hardSigmoid' && gates !== 'sigmoid') return null
    if (cell.activation.getClassName() !== 'tanh' || cell.dropout > 0 || cell.recurrentDropout > 0) return null
    if (this.goBackwards || this.stateful || this.returnState || kwargs?.mask != null) return null
    if (x.length !== 1 || x[0].rank !== 3 || x[0].dtype !== 'float32' || x[0].shape[1] === 0) return null
    return sequenceLstmAvailable() ? gates : null
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const gates = this.fusedGates(inputs, kwargs)
    if (!gates) return super.call(inputs, kwargs)
    const cell = this.cell as unknown as CellView
    const init = kwargs?.initialState as tf.Tensor[] | null | undefined
    return tf.tidy(() =>
      sequenceLstm(
        (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D,
        cell.kernel.read() as tf.Tensor2D,
        cell.recurrentKernel.read() as tf.Tensor2D,
        cell.useBias && cell.bias ? (cell.bias.read() as tf.Tensor1D) : null,
        init ? [init[0] as tf.Tensor2D, init[1] as tf.Tensor2D] : null,
        { returnSequences: this.returnSequences, recurrentActivation: gates }
      )
    )
  }
}

tf.serialization.registerClass(SequenceLSTM)

/** The LSTM params of a model (params.ts); absent: hard_sigmoid gates, the sequence-level layer. */
export interface LstmChoice {
  recurrentActivation?: 'hard_sigmoid' | 'sigmoid'
  fusedLstm?: boolean
}

/**
 * An LSTM layer for the model builders: the sequence-level layer, or tfjs's stock one
 * (`fusedLstm: false`). Both hold the same weights and compute the same function.
 */
export function lstmLayer(choice: LstmChoice, args: LstmArgs): StockLstm {
  const a: LstmArgs = { ...args, recurrentActivation: choice.recurrentActivation === 'sigmoid' ? 'sigmoid' : 'hardSigmoid' }
  return choice.fusedLstm === false ? tf.layers.lstm(a) : new SequenceLSTM(a)
}
