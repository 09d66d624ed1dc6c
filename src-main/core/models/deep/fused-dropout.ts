/**
 * Dropout with its mask drawn on tfjs-backend-wasm's heap in one WebAssembly SIMD kernel.
 *
 * tf.dropout (and the Dropout layer, which calls it) draws its uniform numbers in JavaScript
 * (tfjs-core's seedrandom alea, one call per element), uploads them, then runs Add, Floor,
 * RealDiv and Mul: in the seed-004 attention model that is ~240,000 numbers and 16 kernels per
 * training step, ~4 % of the step in the random numbers alone. Here the multiplier
 * floor(u + keep) / keep is made by one kernel, `WorkbenchDropoutMask`, from a xorshift128
 * generator per f32x4 lane (u: the top 24 bits of a draw, uniform on [0, 1) in steps of 2^-24),
 * and x is multiplied by it with tfjs's Mul (whose gradient, dy times the multiplier, is the
 * dropout's). The formula is tfjs's, float32 operation for float32 operation; only the stream of
 * u differs. tfjs's stream cannot be reproduced here (alea in float64 arithmetic), and nothing
 * relies on it. Like an unseeded tf.dropout, which seeds alea from Math.random() on every call,
 * each mask's generator state is drawn from Math.random(): a trial runs with Math.random seeded
 * by its own seed (core/data/rng.ts withSeededMathRandom), so one seeded spec draws the same masks
 * every time, in a fresh worker or a warm one. A Dropout layer given a `seed` or a `noiseShape`
 * keeps tfjs's own path, as does every backend but wasm.
 *
 * `FusedDropout` is tfjs's Dropout layer with this path in training; it registers under tfjs's
 * class name 'Dropout' (like SequenceLSTM under 'LSTM'), so saved models, loading and the ONNX
 * export (where Dropout is the identity) see the stock layer.
 */
import * as tf from '@tensorflow/tfjs'
import { stockLayerClass } from './stock-layer'
import { CompiledFunctions, FunctionBuilder, type WasmMemory } from './wasm-simd-module'
import { heapOf, type HeapBackend } from './wasm-kernels'
import type { Heap } from './wasm-gemm'

const KERNEL = 'WorkbenchDropoutMask'

interface MaskAttrs {
  shape: number[]
  rate: number
}

/** Bytes of generator state: xorshift128's four 32-bit words for each of the four lanes. */
const STATE_BYTES = 64

/**
 * run(M, S, END): multipliers from M up to END (bytes, whole f32x4) with the state at S, which
 * is read at the start and written back at the end.
 */
function maskFunction(rate: number): FunctionBuilder {
  // tfjs: keepProb = 1 - rate, a float32 scalar tensor; the multiplier is floor(u + keepProb) / keepProb.
  const keep = Math.fround(1 - rate)
  const f = new FunctionBuilder(3)
  const [M, S, END] = [0, 1, 2]
  const s = [f.v128(), f.v128(), f.v128(), f.v128()]
  const t = f.v128()
  s.forEach((w, i) => f.get(S).load(16 * i).set(w))
  f.doWhile(
    () => {
      // xorshift128 (Marsaglia 2003), lane-wise: t = s0 ^ (s0 << 11); s3' = s3 ^ (s3 >>> 19) ^ t ^ (t >>> 8).
      f.get(s[0]).get(s[0]).shift('shl', 11).xor().set(t)
      f.get(s[1]).set(s[0])
      f.get(s[2]).set(s[1])
      f.get(s[3]).set(s[2])
      f.get(s[3]).get(s[3]).shift('shrU', 19).xor().get(t).xor().get(t).shift('shrU', 8).xor().set(s[3])
      f.get(M)
      f.get(s[3]).shift('shrU', 8).toF32().splat(2 ** -24).f32x4('mul')
      f.splat(keep).f32x4('add').floor().splat(keep).f32x4('div')
      f.store(0)
      f.addTo(M, 16)
    },
    () => f.get(M).get(END).i32LtU()
  )
  s.forEach((w, i) => f.get(S).get(w).store(16 * i))
  return f
}

const compiled = new CompiledFunctions<number>()

/**
 * The generator state's place on each heap: 64 bytes allocated once and kept for the heap's life.
 * Its contents are drawn afresh for every mask by `seedState`.
 */
const states = new WeakMap<WasmMemory, number>()
function stateOf(heap: Heap): number {
  let at = states.get(heap.memory)
  if (at === undefined) {
    at = heap.malloc(STATE_BYTES)
    states.set(heap.memory, at)
  }
  return at
}

/**
 * Seeds the generator for one mask from Math.random(), as tf.dropout seeds its own (so a trial's
 * seed decides the masks; see the header): 16 words, none of the four lanes all zeros (xorshift's
 * one fixed point).
 */
function seedState(heap: Heap, at: number): void {
  const seed = Uint32Array.from({ length: STATE_BYTES / 4 }, () => Math.floor(Math.random() * 2 ** 32))
  for (let lane = 0; lane < 4; lane++) if ([0, 1, 2, 3].every((w) => seed[4 * w + lane] === 0)) seed[lane] = 1
  new Uint32Array(heap.memory.buffer, at, STATE_BYTES / 4).set(seed)
}

if (!tf.getKernel(KERNEL, 'wasm')) {
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ backend, attrs }) => {
      const be = backend as unknown as HeapBackend
      const { shape, rate } = attrs as unknown as MaskAttrs
      const out = be.makeOutput(shape, 'float32')
      const heap = heapOf(be)!
      const size = tf.util.sizeFromShape(shape)
      const whole = size - (size % 4)
      const state = stateOf(heap)
      seedState(heap, state)
      const run = compiled.get(heap.memory, rate, () => maskFunction(rate))
      const at = be.dataIdMap.get(out.dataId)!.memoryOffset
      if (whole > 0) run(at, state, at + whole * 4)
      if (whole < size) {
        // The last 1-3 multipliers: one f32x4 drawn into scratch, its first lanes copied out.
        const scratch = heap.malloc(16)
        run(scratch, state, scratch + 16)
        const h = new Float32Array(heap.memory.buffer)
        h.copyWithin(at / 4 + whole, scratch / 4, scratch / 4 + size - whole)
        heap.free(scratch)
      }
      return out
    }
  })
}

/** Whether `dropout` draws its mask on the wasm heap for x (else it is tf.dropout). */
function fusedApplies(x: tf.Tensor, rate: number): boolean {
  return rate > 0 && rate < 1 && x.dtype === 'float32' && tf.getBackend() === 'wasm' && heapOf(tf.backend() as unknown as HeapBackend) !== null
}

/** tf.dropout(x, rate) (no noise shape, no seed) with the mask of one wasm kernel where it applies. */
export function dropout(x: tf.Tensor, rate: number): tf.Tensor {
  if (!fusedApplies(x, rate)) return tf.dropout(x, rate)
  return tf.tidy(() => tf.mul(x, tf.engine().runKernel(KERNEL, {}, { shape: x.shape, rate } as unknown as tf.NamedAttrMap) as tf.Tensor))
}

type DropoutArgs = Parameters<typeof tf.layers.dropout>[0]
type StockDropoutLayer = ReturnType<typeof tf.layers.dropout>
type DropoutConstructor = (new (args: DropoutArgs) => StockDropoutLayer) & { workbenchStock?: DropoutConstructor } & Pick<tf.serialization.SerializableConstructor<StockDropoutLayer>, 'fromConfig'>

/** What the fused path reads of tfjs's Dropout layer (private there: tfjs-layers/dist/layers/core.d.ts). */
interface DropoutView {
  rate: number
  noiseShape?: unknown
  seed?: number
}

type Kwargs = Record<string, unknown>

const StockDropout = stockLayerClass<DropoutConstructor>('Dropout')

/** tfjs's Dropout layer whose training pass is `dropout` above where it applies (see the header). */
export class FusedDropout extends StockDropout {
  static className = 'Dropout'
  static override workbenchStock = StockDropout

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs
    const { rate, noiseShape, seed } = this as unknown as DropoutView
    if (kwargs?.training !== true || noiseShape != null || seed != null || !fusedApplies(x, rate)) return super.call(inputs, kwargs)
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs)
      return dropout(x, rate)
    })
  }
}

tf.serialization.registerClass(FusedDropout)

/** A Dropout layer for the model builders (tf.layers.dropout's arguments). */
export function dropoutLayer(args: DropoutArgs): StockDropoutLayer {
  return new FusedDropout(args)
}
