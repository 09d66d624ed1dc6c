/**
 * tfjs's Adam with each variable's update in one wasm kernel instead of ~13.
 *
 * tf.train.adam updates a variable with mul, mul, add, square, mul, mul, add, div, div, sqrt,
 * add, div, mul, add (plus a scalar tensor made for every JavaScript constant): ~13 kernels and
 * ~6 scalar uploads per variable per step, each paying the engine's bookkeeping. In the seed-004
 * attention model (16 variables) that is ~210 of a step's ~600 kernels. `FusedAdam` computes
 * the same update in one kernel per variable, `WorkbenchAdamUpdate`, on tfjs-backend-wasm's heap
 * in WebAssembly SIMD: the same float32 operations in the same order (IEEE mul, add, div and sqrt
 * round the same in every engine), so weights and moments equal tf.train.adam's to the bit
 * (test/unit/fused-adam.test.ts). On other backends it is tf.train.adam.
 *
 * Per element, with tfjs's constants rounded to float32 as its scalar tensors are:
 *   m' = m b1 + g (1 - b1);  v' = v b2 + g^2 (1 - b2)
 *   w' = (m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps) (-lr) + w
 */
import * as tf from '@tensorflow/tfjs'
import { CompiledFunctions, FunctionBuilder, type CompiledFunction, type WasmMemory } from './wasm-simd-module'
import { heapOf, type HeapBackend } from './wasm-kernels'

const KERNEL = 'WorkbenchAdamUpdate'

interface AdamAttrs {
  beta1: number
  beta2: number
  learningRate: number
  epsilon: number
}

/** The float32 constants of one update, as tfjs's scalar tensors hold them. */
function constants(a: AdamAttrs) {
  const f = Math.fround
  return { b1: f(a.beta1), c1: f(1 - a.beta1), b2: f(a.beta2), c2: f(1 - a.beta2), eps: f(a.epsilon), nlr: f(-a.learningRate) }
}

/**
 * run(W, M, V, G, A1, A2, W', M', V', end): elements from W up to `end` (bytes, whole f32x4),
 * A1 and A2 the addresses of the scalars 1 - b1^t and 1 - b2^t.
 */
function updateFunction(a: AdamAttrs): FunctionBuilder {
  const k = constants(a)
  const f = new FunctionBuilder(10)
  const [W, M, V, G, A1, A2, WO, MO, VO, END] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  const [g, m, v, a1, a2] = [f.v128(), f.v128(), f.v128(), f.v128(), f.v128()]
  f.get(A1).loadSplat(0).set(a1)
  f.get(A2).loadSplat(0).set(a2)
  f.doWhile(
    () => {
      f.get(G).load(0).set(g)
      // m' = m b1 + g (1 - b1)
      f.get(M).load(0).splat(k.b1).f32x4('mul').get(g).splat(k.c1).f32x4('mul').f32x4('add').set(m)
      // v' = v b2 + (g g)(1 - b2)
      f.get(V).load(0).splat(k.b2).f32x4('mul').get(g).get(g).f32x4('mul').splat(k.c2).f32x4('mul').f32x4('add').set(v)
      f.get(MO).get(m).store(0)
      f.get(VO).get(v).store(0)
      // w' = ((m' / a1) / (sqrt(v' / a2) + eps)) (-lr) + w
      f.get(WO)
      f.get(m).get(a1).f32x4('div')
      f.get(v).get(a2).f32x4('div').sqrt().splat(k.eps).f32x4('add')
      f.f32x4('div').splat(k.nlr).f32x4('mul').get(W).load(0).f32x4('add')
      f.store(0)
      for (const p of [W, M, V, G, WO, MO, VO]) f.addTo(p, 16)
    },
    () => f.get(W).get(END).i32LtU()
  )
  return f
}

const compiled = new CompiledFunctions()

function updateFn(memory: WasmMemory, a: AdamAttrs): CompiledFunction {
  return compiled.get(memory, `${a.beta1},${a.beta2},${a.learningRate},${a.epsilon}`, () => updateFunction(a))
}

/** The same update for elements [from, to) in JavaScript, every operation rounded to float32. */
function updateTail(h: Float32Array, at: Record<'w' | 'm' | 'v' | 'g' | 'wo' | 'mo' | 'vo', number>, a1: number, a2: number, a: AdamAttrs, from: number, to: number): void {
  const f = Math.fround
  const k = constants(a)
  for (let i = from; i < to; i++) {
    const g = h[at.g + i]
    const m = f(f(h[at.m + i] * k.b1) + f(g * k.c1))
    const v = f(f(h[at.v + i] * k.b2) + f(f(g * g) * k.c2))
    h[at.mo + i] = m
    h[at.vo + i] = v
    h[at.wo + i] = f(f(f(f(m / a1) / f(f(Math.sqrt(f(v / a2))) + k.eps)) * k.nlr) + h[at.w + i])
  }
}

if (!tf.getKernel(KERNEL, 'wasm')) {
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as unknown as HeapBackend
      const { value, m, v, g, a1, a2 } = inputs as Record<string, tf.TensorInfo>
      const a = attrs as unknown as AdamAttrs
      const outs = [value, m, v].map((t) => be.makeOutput(t.shape, 'float32'))
      const heap = heapOf(be)!
      const byte = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset
      const size = tf.util.sizeFromShape(value.shape)
      const whole = size - (size % 4)
      const [w0, m0, v0, g0, wo, mo, vo] = [value, m, v, g, ...outs].map(byte)
      if (whole > 0) updateFn(heap.memory, a)(w0, m0, v0, g0, byte(a1), byte(a2), wo, mo, vo, w0 + whole * 4)
      if (whole < size) {
        const h = new Float32Array(heap.memory.buffer)
        const el = (b: number) => b / 4
        updateTail(h, { w: el(w0), m: el(m0), v: el(v0), g: el(g0), wo: el(wo), mo: el(mo), vo: el(vo) }, h[el(byte(a1))], h[el(byte(a2))], a, whole, size)
      }
      return outs
    }
  })
}

/** What FusedAdam reads of tfjs's AdamOptimizer (private there; adam_optimizer.js). */
interface AdamState {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  accBeta1: tf.Variable
  accBeta2: tf.Variable
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[]
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[]
}

/** tf.train.adam with the one-kernel update on wasm (see the header); same class name, weights and config. */
export class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const heapBacked = tf.getBackend() === 'wasm' && heapOf(tf.backend() as unknown as HeapBackend) !== null
    if (!heapBacked) return super.applyGradients(variableGradients)
    const s = this as unknown as AdamState
    const list: { name: string; tensor: tf.Tensor | null }[] = Array.isArray(variableGradients) ? variableGradients : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }))
    tf.tidy(() => {
      const a1 = tf.sub(1, s.accBeta1)
      const a2 = tf.sub(1, s.accBeta2)
      const attrs: AdamAttrs = { beta1: s.beta1, beta2: s.beta2, learningRate: s.learningRate, epsilon: s.epsilon }
      list.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name]
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }
        if (gradient == null) return
        const m = s.accumulatedFirstMoment[i].variable
        const v = s.accumulatedSecondMoment[i].variable
        const inputs = { value, m, v, g: gradient, a1, a2 }
        const [w1, m1, v1] = tf.engine().runKernel(KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[]
        m.assign(m1)
        v.assign(v1)
        value.assign(w1)
      })
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1))
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2))
    })
    this.incrementIterations()
  }
}

/** The optimizer of training loops and benches: tf.train.adam(learningRate)'s settings, FusedAdam's update. */
export function adam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdam(learningRate, 0.9, 0.999)
}
