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
 * windows per CPU-second on wasm (bench/deep-models.bench.ts).
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
import { simdBackward, simdForward, simdStepApplies } from './lstm-step-simd'
import { HS_SLOPE as HS_SLOPE_DECIMAL, TANH_CLAMP, TANH_LINEAR, TANH_P, TANH_Q } from './lstm-activation-constants'
import { gemm, type Heap } from './wasm-gemm'
import { heapOf, type HeapBackend } from './wasm-kernels'

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
  /**
   * wasm SIMD only: the kernel is given h_{t-1} (`h`) and W_rec (`r`) and computes hr = h W_rec
   * itself (wasm-gemm.ts), one kernel per step instead of two (forward) and, for the backward
   * step, dh_{t-1} = dz W_rec^T as a third output when `dhOut`.
   */
  recurrent?: boolean
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
  dhOut?: boolean
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

/** An input's byte offset on the wasm heap (0: absent) and its dataId (for wasm-gemm's cache). */
interface HeapInputs {
  heap: Heap
  at(input: string): number
  id(input: string): object
}

/**
 * The wasm backend's SIMD version of a step (lstm-step-simd.ts), given the heap, the inputs and
 * the outputs' byte offsets; false where it does not apply (then the JavaScript runs).
 */
type SimdStep<A> = (ins: HeapInputs, outs: number[], a: A) => boolean

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
      const at = (name: string) => (inputs[name] ? offset(inputs[name]) : 0)
      if (heap && simd({ heap, at, id: (name) => inputs[name]!.dataId }, outs.map(offset), a)) return outs
      if ((a as StepAttrs).recurrent) throw new Error('the fused LSTM recurrence needs the wasm SIMD step kernels')
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

const simdForwardStep: SimdStep<StepAttrs> = ({ heap, at, id }, [h, cOut, aux], { step, batch, units, hard, recurrent }) => {
  if (!simdStepApplies(units, batch)) return false
  // hr = h_{t-1} W_rec into a scratch block (absent at step 0 without an initial state).
  const hr = recurrent && at('h') ? heap.malloc(batch * 16 * units) : 0
  try {
    if (hr) gemm(heap, { a: at('h'), b: at('r'), bId: id('r'), c: hr, m: batch, k: units, n: 4 * units, transposeA: false, transposeB: false })
    simdForward(heap.memory, { units, hard }, { xw: at('xw') + step * batch * 16 * units, hr: hr || at('hr'), bias: at('bias'), c: at('c'), h, cOut, aux, batch })
  } finally {
    if (hr) heap.free(hr)
  }
  return true
}

const simdBackwardStep: SimdStep<GradAttrs> = ({ heap, at, id }, [dz, dcPrev, dhPrev], { step, batch, units, hard, dySequence, steps, recurrent }) => {
  if (!simdStepApplies(units, batch)) return false
  const dy = at('dy') && at('dy') + (dySequence ? step * units * 4 : 0)
  simdBackward(heap.memory, { units, hard }, (dySequence ? steps : 1) * units * 4, { aux: at('aux'), cPrev: at('cPrev'), dy, dh: at('dh'), dc: at('dc'), dz, dcPrev, batch })
  if (recurrent && dhPrev) gemm(heap, { a: dz, b: at('r'), bId: id('r'), c: dhPrev, m: batch, k: 4 * units, n: units, transposeA: false, transposeB: true })
  return true
}

/** Whether `sequenceLstm` runs the recurrence inside the step kernels (wasm with SIMD, whole lanes). */
function fusedRecurrence(batch: number, units: number): boolean {
  return tf.getBackend() === 'wasm' && heapOf(tf.backend() as unknown as HeapBackend) !== null && simdStepApplies(units, batch)
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
      kernelFunc: kernelFunc<GradAttrs>(
        backendName,
        (a) => [[a.batch, 4 * a.units], [a.batch, a.units], ...(a.recurrent && a.dhOut ? [[a.batch, a.units]] : [])],
        backwardStep,
        simdBackwardStep
      )
    })
  }
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
  const run = (name: string, inputs: Record<string, tf.Tensor | null | undefined>, attrs: StepAttrs | GradAttrs) => {
    const present: tf.NamedTensorMap = {}
    for (const [k, t] of Object.entries(inputs)) if (t) present[k] = t
    return tf.engine().runKernel(name, present, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D[]
  }

  const op = tf.customGrad((...a: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = a[a.length - 1] as tf.GradSaveFunc
    const w = a[1] as tf.Tensor2D
    const r = a[2] as tf.Tensor2D
    const b = bias ? (a[3] as tf.Tensor1D) : null
    const h0 = initialState ? (a[args.length - 2] as tf.Tensor2D) : null
    const c0 = initialState ? (a[args.length - 1] as tf.Tensor2D) : null
    // Time-major rows, so step t's rows of XW are one contiguous block.
    const xt = tf.reshape(tf.transpose(a[0] as tf.Tensor3D, [1, 0, 2]), [T * B, F])
    const xw = tf.matMul(xt, w)
    const hs: tf.Tensor2D[] = []
    const cs: tf.Tensor2D[] = []
    const auxs: tf.Tensor2D[] = []
    let h = h0
    let c = c0
    const recurrent = fusedRecurrence(B, u)
    for (let t = 0; t < T; t++) {
      const attrs = { step: t, batch: B, units: u, hard, recurrent }
      const hr = h && !recurrent ? tf.matMul(h, r) : null
      const [hn, cn, aux] = recurrent ? run(STEP, { xw, h, r, bias: b, c }, attrs) : run(STEP, { xw, hr, bias: b, c }, attrs)
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
        const sc = saved.slice(4, 4 + T) as tf.Tensor2D[]
        const saux = saved.slice(4 + T, 4 + 2 * T) as tf.Tensor2D[]
        const sc0 = c0 ? (saved[4 + 2 * T] as tf.Tensor2D) : null
        const rT = recurrent ? null : tf.transpose(sr)
        const dzs: tf.Tensor2D[] = new Array(T)
        let dh: tf.Tensor2D | null = null
        let dc: tf.Tensor2D | null = null
        for (let t = T - 1; t >= 0; t--) {
          const stepDy = o.returnSequences || t === T - 1 ? dy : null
          // dh_{t-1}; before step 0 it is d h0, needed only for a given initial state.
          const dhOut = t > 0 || initialState !== null
          const attrs = { step: t, batch: B, units: u, hard, dySequence: o.returnSequences, steps: T, recurrent, dhOut }
          const [dz, dcPrev, dhPrev] = run(STEP_GRAD, { aux: saux[t], cPrev: t > 0 ? sc[t - 1] : sc0, dy: stepDy, dh, dc, ...(recurrent ? { r: sr } : {}) }, attrs)
          dzs[t] = dz
          // Step t+1's state gradients are spent (d h0 and d c0 are the last ones: kept).
          dh?.dispose()
          dc?.dispose()
          dh = recurrent ? (dhPrev ?? null) : dhOut ? tf.matMul(dz, rT!) : null
          dc = dcPrev
        }
        const dZ = tf.concat(dzs, 0) // [T*B, 4u], time-major like xh
        const dx = tf.transpose(tf.reshape(tf.matMul(dZ, sw, false, true), [T, B, F]), [1, 0, 2])
        // One matmul over all steps per weight gradient; d bias is DZ summed over the rows (on
        // wasm a column sum, wasm-column-sum.ts). Separate products rather than one of
        // [X | H_prev | 1]^T DZ: no [T*B, F + u + 1] concatenation to build and keep per layer.
        const dWeights = [tf.matMul(sxt, dZ, true, false), tf.matMul(shPrev, dZ, true, false), ...(bias ? [tf.sum(dZ, 0)] : [])]
        return [dx, ...dWeights, ...(initialState ? [dh!, dc!] : [])]
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

// tfjs exports the LSTM class as a type only: the value is the one registered for deserialisation
// (tfjs-layers registers it at load; a second load of this module finds its own class there).
const registered = tf.serialization.SerializationMap.getMap().classNameMap.LSTM[0] as unknown as LstmConstructor
const StockLSTM: LstmConstructor = registered.workbenchStock ?? registered

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
