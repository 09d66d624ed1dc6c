/**
 * Re-registered tfjs-backend-wasm kernels that copy through views of the wasm heap.
 *
 * tfjs-backend-wasm 4.22's Slice (and Unpack and SplitV, which call it) starts with
 * `backend.readSync(x.dataId)`, a copy of the whole input out of the heap, on every call: one
 * step's slice of a [B, T, u] sequence copies all T steps (kernels/Slice.js). Its Tile runs a
 * C++ loop that computes every output element's source index (~60 ns per element in the
 * seed-000 classifier, where the BatchNormalization gradient tiles [1, 1, 1, C] to [B, T, C]).
 * The versions here read the input through `typedArrayFromHeap` (a view, no copy) and move whole
 * contiguous runs (`TypedArray.set` / `copyWithin`). Same values, bit for bit; strings go to the
 * original kernels.
 */
import * as tf from '@tensorflow/tfjs'
import { gemm, type Heap } from './wasm-gemm'
import { wasmMemory, type WasmBackendView } from './lstm-step-simd'

type TypedArray = Float32Array | Int32Array | Uint8Array

/** What the kernels here use of BackendWasm (backend_wasm.js): the heap, its allocator, outputs. */
export interface HeapBackend extends WasmBackendView {
  wasm: WasmBackendView['wasm'] & { _malloc(bytes: number): number; _free(ptr: number): void }
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray
}

/**
 * Copies the block `begin` + `size` of x (shape `shape`) into `out` (row-major, packed): one
 * `set` per contiguous run, the run being the innermost dimensions the block spans fully.
 */
function copyBlock(x: TypedArray, shape: number[], begin: number[], size: number[], out: TypedArray): void {
  const rank = shape.length
  if (size.some((s) => s === 0)) return
  const strides = tf.util.computeStrides(shape)
  // The run starts at dimension d: every dimension after it is taken whole.
  let d = rank - 1
  while (d > 0 && begin[d] === 0 && size[d] === shape[d]) d--
  const run = size.slice(d).reduce((a, b) => a * b, 1)
  const at = [...begin]
  const stride = (i: number) => (i < rank - 1 ? strides[i] : 1)
  let o = 0
  for (;;) {
    let src = 0
    for (let i = 0; i < rank; i++) src += at[i] * stride(i)
    out.set(x.subarray(src, src + run), o)
    o += run
    // Odometer over the dimensions before d.
    let i = d - 1
    for (; i >= 0; i--) {
      if (++at[i] < begin[i] + size[i]) break
      at[i] = begin[i]
    }
    if (i < 0) return
  }
}

/** Tiles x (shape `shape`) by `reps` into `out`: each dimension's first copy is built, then duplicated. */
function tileInto(x: TypedArray, shape: number[], reps: number[], out: TypedArray): void {
  const rank = shape.length
  if (rank === 0) {
    out.set(x)
    return
  }
  const xStrides = [...tf.util.computeStrides(shape), 1]
  const oStrides = [...tf.util.computeStrides(shape.map((s, i) => s * reps[i])), 1]
  const fill = (d: number, xo: number, oo: number): void => {
    if (d === rank - 1) out.set(x.subarray(xo, xo + shape[d]), oo)
    else for (let i = 0; i < shape[d]; i++) fill(d + 1, xo + i * xStrides[d], oo + i * oStrides[d])
    const block = shape[d] * oStrides[d]
    for (let r = 1; r < reps[d]; r++) out.copyWithin(oo + r * block, oo, oo + block)
  }
  fill(0, 0, 0)
}

/** Slice on the heap; `orig` takes strings. */
function sliceOnHeap(be: HeapBackend, x: tf.TensorInfo, begin: number | number[], size: number | number[] | undefined): tf.TensorInfo {
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size)
  const out = be.makeOutput(s, x.dtype)
  // Views after the allocation: growing the heap detaches older ones.
  copyBlock(be.typedArrayFromHeap(x), x.shape, b, s, be.typedArrayFromHeap(out))
  return out
}

const kernels: Record<string, (orig: tf.KernelConfig) => tf.KernelFunc> = {
  Slice: (orig) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    if (x.dtype === 'string') return orig.kernelFunc(args)
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs
    return sliceOnHeap(args.backend as unknown as HeapBackend, x, begin, size)
  },
  Unpack: (orig) => (args) => {
    const { value } = args.inputs as { value: tf.TensorInfo }
    if (value.dtype === 'string') return orig.kernelFunc(args)
    const { axis: a } = args.attrs as unknown as tf.UnpackAttrs
    const axis = a < 0 ? a + value.shape.length : a
    const outShape = value.shape.filter((_, i) => i !== axis)
    const size = value.shape.map((s, i) => (i === axis ? 1 : s))
    return Array.from({ length: value.shape[axis] }, (_, k) => {
      const begin = value.shape.map((_, i) => (i === axis ? k : 0))
      const t = sliceOnHeap(args.backend as unknown as HeapBackend, value, begin, size)
      return { ...t, shape: outShape }
    })
  },
  SplitV: (orig) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    if (x.dtype === 'string') return orig.kernelFunc(args)
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax)
    let at = 0
    return sizes.map((s) => {
      const begin = x.shape.map((_, i) => (i === ax ? at : 0))
      at += s
      return sliceOnHeap(args.backend as unknown as HeapBackend, x, begin, x.shape.map((d, i) => (i === ax ? s : d)))
    })
  },
  Tile: (orig) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    if (x.dtype === 'string') return orig.kernelFunc(args)
    const { reps } = args.attrs as unknown as tf.TileAttrs
    const be = args.backend as unknown as HeapBackend
    const out = be.makeOutput(
      x.shape.map((s, i) => s * reps[i]),
      x.dtype
    )
    if (out.shape.every((s) => s > 0)) tileInto(be.typedArrayFromHeap(x), x.shape, reps, be.typedArrayFromHeap(out))
    return out
  }
}

const originals = new Map<string, tf.KernelConfig>()

/** Re-registers Slice, Unpack, SplitV and Tile on 'wasm' with the heap-view versions. Idempotent. */
export function patchWasmHeapKernels(): void {
  for (const [name, make] of Object.entries(kernels)) {
    if (originals.has(name)) continue
    const orig = tf.getKernel(name, 'wasm')
    if (!orig) throw new Error(`the wasm backend kernel ${name} is not registered (import @tensorflow/tfjs-backend-wasm first)`)
    originals.set(name, orig)
    tf.unregisterKernel(name, 'wasm')
    tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: orig.setupFunc, kernelFunc: make(orig) })
  }
}


/** The backend's heap for wasm-gemm.ts, or null where its memory is not reachable. */
export function heapOf(be: HeapBackend): Heap | null {
  const memory = wasmMemory(be)
  return memory && { memory, malloc: (bytes) => be.wasm._malloc(bytes), free: (ptr) => be.wasm._free(ptr) }
}

/**
 * A BatchMatMul of one matrix by one matrix (every batch dimension 1, float32, nothing empty) by
 * wasm-gemm.ts, or null for anything else (then tfjs's kernel runs).
 */
export function gemmOnHeap(be: HeapBackend, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null
  const heap = heapOf(be)
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
  if (!heap || outer.some((d) => d !== 1)) return null
  const [ar, br] = [a.shape.length, b.shape.length]
  const m = transposeA ? a.shape[ar - 1] : a.shape[ar - 2]
  const k = transposeA ? a.shape[ar - 2] : a.shape[ar - 1]
  const n = transposeB ? b.shape[br - 2] : b.shape[br - 1]
  const kb = transposeB ? b.shape[br - 1] : b.shape[br - 2]
  if (k !== kb) throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`)
  if (m === 0 || k === 0 || n === 0) return null
  const out = be.makeOutput([...outer, m, n], 'float32')
  const offset = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset
  gemm(heap, { a: offset(a), b: offset(b), bId: b.dataId, c: offset(out), m, k, n, transposeA, transposeB })
  return out
}
