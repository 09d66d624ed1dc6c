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
import { batchedGemm, batchedGemmApplies } from './wasm-batched-gemm'
import { columnSum, columnSumApplies } from './wasm-column-sum'
import { swapAxes, swapOf } from './wasm-transpose'
import { wasmMemory, type WasmBackendView } from './lstm-step-simd'

type TypedArray = Float32Array | Int32Array | Uint8Array

/** What the kernels here use of BackendWasm (backend_wasm.js): the heap, its allocator, outputs. */
export interface HeapBackend extends WasmBackendView {
  wasm: WasmBackendView['wasm'] & { _malloc(bytes: number): number; _free(ptr: number): void }
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
  incRef(dataId: object): void
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

/**
 * Concatenation along `axis` of numeric tensors (at least two non-empty): each run of each
 * input is moved with `copyWithin` on one view of the heap. tfjs's wasm Concat does a `subarray`
 * + `set` per run, a new view each time: 768 x 3 of them for an LSTM's [x | h | 1] rows.
 */
function concatOnHeap(be: HeapBackend, inputs: tf.TensorInfo[], axis: number): tf.TensorInfo {
  const shapes = inputs.map((t) => t.shape)
  tf.backend_util.assertParamsConsistent(shapes, axis)
  const out = be.makeOutput(tf.backend_util.computeOutShape(shapes, axis), inputs[0].dtype)
  const nonEmpty = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0)
  const outer = tf.util.sizeFromShape(nonEmpty[0].shape.slice(0, axis))
  const inner = nonEmpty.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)))
  // One view of the heap in the element type, made after the allocation (which may grow the heap).
  const heap = be.typedArrayFromHeap(out)
  const view = new (heap.constructor as Float32ArrayConstructor)(heap.buffer)
  const at = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset / view.BYTES_PER_ELEMENT
  const starts = nonEmpty.map(at)
  let dst = at(out)
  for (let r = 0; r < outer; r++) {
    for (let i = 0; i < nonEmpty.length; i++) {
      const src = starts[i] + r * inner[i]
      view.copyWithin(dst, src, src + inner[i])
      dst += inner[i]
    }
  }
  return out
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
  // tfjs's wasm Concat copies each row of each input with `subarray` + `set`: a new view per run,
  // 768 x 3 of them for an LSTM's [x | h | 1] rows. Runs are moved with `copyWithin` on one view
  // of the heap instead (Pack, i.e. tf.stack, ends here too).
  Concat: (orig) => (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[]
    if (inputs[0].dtype === 'string' || inputs[0].dtype === 'bool' || inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0).length < 2) return orig.kernelFunc(args)
    const axis = tf.util.parseAxisParam((args.attrs as unknown as tf.ConcatAttrs).axis, inputs[0].shape)[0]
    return concatOnHeap(args.backend as unknown as HeapBackend, inputs, axis)
  },
  // tfjs's wasm Pack (tf.stack) is its Concat of the inputs with a new axis of 1.
  Pack: (orig) => (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[]
    if (inputs.length < 2 || inputs[0].dtype === 'string' || inputs[0].dtype === 'bool' || tf.util.sizeFromShape(inputs[0].shape) === 0) return orig.kernelFunc(args)
    const shape = inputs[0].shape
    for (const t of inputs) {
      tf.util.assertShapesMatch(shape, t.shape, 'All tensors passed to stack must have matching shapes')
      tf.util.assert(t.dtype === inputs[0].dtype, () => 'All tensors passed to stack must have matching dtypes')
    }
    const { axis: a } = args.attrs as unknown as tf.PackAttrs
    const axis = a < 0 ? a + shape.length + 1 : a
    const expanded = inputs.map((t) => ({ ...t, shape: [...shape.slice(0, axis), 1, ...shape.slice(axis)] }))
    return concatOnHeap(args.backend as unknown as HeapBackend, expanded, axis)
  },
  // tfjs's wasm Identity copies its input; the cpu backend's (and wasm's own Reshape) share the
  // data and count a reference. The engine clones every tensor a custom gradient saves and every
  // gradient it hands back, so the copies are a training step's [B, T, u] blocks, many times over.
  Identity: (orig) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    if (x.dtype === 'string') return orig.kernelFunc(args)
    ;(args.backend as unknown as HeapBackend).incRef(x.dataId)
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
  },
  // tfjs's wasm Sum transposes the input so the reduced axes are innermost, then sums: a whole
  // copy of [B * T, d] for every bias gradient (a Sum over axis 0). A sum over leading axes is a
  // column sum here, straight from the heap (wasm-column-sum.ts).
  Sum: (orig) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs
    const be = args.backend as unknown as HeapBackend
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q)
    const heap = heapOf(be)
    const leading = axes.length > 0 && axes.every((d, i) => d === i)
    const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1)
    const width = x.shape.slice(axes.length).reduce((p, q) => p * q, 1)
    if (x.dtype !== 'float32' || !heap || !leading || !columnSumApplies(rows, width)) return orig.kernelFunc(args)
    const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length)
    const out = be.makeOutput(outShape, 'float32')
    const offset = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset
    columnSum(heap.memory, offset(x), offset(out), rows, width)
    return out
  },
  // Transposes that keep the innermost axis (the attention heads' split and merge): runs moved
  // whole in wasm SIMD (wasm-transpose.ts); other permutations go to tfjs's kernel.
  Transpose: (orig) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const { perm } = args.attrs as unknown as tf.TransposeAttrs
    const be = args.backend as unknown as HeapBackend
    const heap = heapOf(be)
    const swap = x.dtype === 'float32' || x.dtype === 'int32' ? swapOf(x.shape, perm, 4) : null
    if (!heap || !swap) return orig.kernelFunc(args)
    const out = be.makeOutput(
      perm.map((p) => x.shape[p]),
      x.dtype
    )
    swapAxes(heap.memory, be.dataIdMap.get(x.dataId)!.memoryOffset, be.dataIdMap.get(out.dataId)!.memoryOffset, swap, 4)
    return out
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

/** Re-registers Slice, Unpack, SplitV, Tile, Concat, Pack, Identity, Sum and Transpose on 'wasm' with the versions above. Idempotent. */
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


const heaps = new WeakMap<HeapBackend, Heap | null>()

/**
 * The backend's heap for wasm-gemm.ts, or null where its memory is not reachable. Kept per
 * backend (every kernel asks): a backend's Memory object stays the same as the heap grows.
 */
export function heapOf(be: HeapBackend): Heap | null {
  let heap = heaps.get(be)
  if (heap === undefined) {
    const memory = wasmMemory(be)
    heap = memory && { memory, malloc: (bytes) => be.wasm._malloc(bytes), free: (ptr) => be.wasm._free(ptr) }
    heaps.set(be, heap)
  }
  return heap
}

/**
 * A float32 BatchMatMul on the heap, or null where tfjs's kernel should run: one matrix by one
 * matrix (every batch dimension 1, nothing empty) by wasm-gemm.ts; a batch of products (batch
 * dimensions equal on both sides, no broadcasting, n a multiple of 4) by wasm-batched-gemm.ts.
 */
export function gemmOnHeap(be: HeapBackend, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null
  const heap = heapOf(be)
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
  if (!heap) return null
  const [ar, br] = [a.shape.length, b.shape.length]
  const m = transposeA ? a.shape[ar - 1] : a.shape[ar - 2]
  const k = transposeA ? a.shape[ar - 2] : a.shape[ar - 1]
  const n = transposeB ? b.shape[br - 2] : b.shape[br - 1]
  const kb = transposeB ? b.shape[br - 1] : b.shape[br - 2]
  if (k !== kb) throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`)
  if (m === 0 || k === 0 || n === 0) return null
  const offset = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset
  if (outer.every((d) => d === 1)) {
    const out = be.makeOutput([...outer, m, n], 'float32')
    gemm(heap, { a: offset(a), b: offset(b), bId: b.dataId, c: offset(out), m, k, n, transposeA, transposeB })
    return out
  }
  const shape = { m, k, n, transposeA, transposeB }
  const same = ar === br && a.shape.slice(0, -2).every((d, i) => d === b.shape[i])
  if (!same || !batchedGemmApplies(shape)) return null
  const out = be.makeOutput([...outer, m, n], 'float32')
  const batches = outer.reduce((x, y) => x * y, 1)
  if (batches > 0) batchedGemm(heap, { a: offset(a), b: offset(b), c: offset(out), batches }, shape)
  return out
}
