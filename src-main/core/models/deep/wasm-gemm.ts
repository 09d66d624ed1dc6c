/**
 * A float32 matrix product on tfjs-backend-wasm's heap, in WebAssembly SIMD emitted at run time
 * (wasm-simd-module.ts): C[M, N] = op(A)[M, K] op(B)[K, N], op = identity or transpose.
 *
 * Why not tfjs's own wasm BatchMatMul: it runs XNNPACK only for untransposed operands (transposed
 * ones take a scalar loop, hence the Transpose patch in tfjs-runtime.ts), repacks B whenever B is
 * a new tensor, and its kernels reach ~9-14 GMAC/s per thread on the LSTM's shapes; this one
 * reaches ~20-24 on [128, 128] x [128, 512] (bench/deep-models.bench.ts, see the report).
 *
 * Layout: B is packed in panels of 8 columns ([N/8][K][8], zero-padded), so the inner loop reads
 * two f32x4 of B and splats one float of each of MR (6, or 4 without relaxed SIMD) rows of A:
 * 2 MR accumulators, MR x 8 outputs per pass, each a fused multiply-add where the engine has one.
 * Long K is cut into chunks so that a chunk of B stays in cache while the rows of A pass.
 * A packed B is cached per tensor (its dataId, which tfjs never reuses, and heap offset): a
 * weight matrix multiplied at every time step is packed once. Products are summed over k in
 * order, in float32 (fused multiply-adds round once per step where relaxed SIMD runs them fused,
 * as XNNPACK's and the native TensorFlow kernels do): results differ from XNNPACK's and the cpu
 * backend's by float32 rounding only.
 */
import { CompiledFunctions, FunctionBuilder, relaxedSimd, type WasmMemory } from './wasm-simd-module'

/** The heap and allocator of tfjs-backend-wasm (emscripten's Module: _malloc, _free). */
export interface Heap {
  memory: WasmMemory
  malloc(bytes: number): number
  free(ptr: number): void
}

/**
 * Rows of A per pass, columns of B per panel. With fused multiply-adds the 6 x 8 block's 12
 * accumulators, 2 of B and 1 of A fill the 15 vector registers V8 allocates on x64; without,
 * each product needs a temporary register too and 4 x 8 is the most that does not spill.
 */
const MR = relaxedSimd ? 6 : 4
const NR = 8
/** K is processed in chunks of this many when longer than KC_MAX. */
const KC = 256
const KC_MAX = 512
/** Packed operands up to this many floats are kept for reuse (weights, not activations). */
const CACHE_FLOATS = 1 << 20
const CACHE_ENTRIES = 6

interface GemmShape {
  /**
   * k of this chunk; bytes from one row of op(A) to the next and from one k to the next (A
   * transposed is read in place: rows 4 bytes apart, k a stored row apart); bytes between rows
   * of C and between B panels.
   */
  k: number
  aRow: number
  aK: number
  ldc: number
  panelStride: number
  rows: number
  accumulate: boolean
}

/** gemm(A, Bp, C, m, panels): C (+)= A Bp over m rows (a multiple of `rows`). */
function gemmFunction(s: GemmShape): FunctionBuilder {
  const f = new FunctionBuilder(5)
  const [A, Bp, C, M, P] = [0, 1, 2, 3, 4]
  const [i, jp, pa, pb, pc] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32()]
  const acc = Array.from({ length: 2 * s.rows }, () => f.v128())
  const [b0, b1, a] = [f.v128(), f.v128(), f.v128()]
  f.i32Const(0).set(i)
  f.doWhile(
    () => {
      f.i32Const(0).set(jp)
      f.doWhile(
        () => {
          for (const l of acc) f.splat(0).set(l)
          f.get(A).get(i).i32Const(s.aRow).i32Mul().i32Add().set(pa)
          f.get(Bp).get(jp).i32Const(s.panelStride).i32Mul().i32Add().set(pb)
          const end = f.i32()
          f.get(pb).i32Const(s.k * NR * 4).i32Add().set(end)
          f.doWhile(
            () => {
              // (Unrolling this loop measured slower in V8: 0.6-0.8 ms against 0.4 for [128, 128] x [128, 512].)
              f.get(pb).load(0).set(b0)
              f.get(pb).load(16).set(b1)
              for (let r = 0; r < s.rows; r++) {
                f.get(pa).loadSplat(r * s.aRow).set(a)
                f.get(a).get(b0).mulAdd(acc[2 * r]).set(acc[2 * r])
                f.get(a).get(b1).mulAdd(acc[2 * r + 1]).set(acc[2 * r + 1])
              }
              f.addTo(pa, s.aK).addTo(pb, 32)
            },
            () => f.get(pb).get(end).i32LtU()
          )
          f.get(C).get(i).i32Const(s.ldc).i32Mul().i32Add().get(jp).i32Const(NR * 4).i32Mul().i32Add().set(pc)
          for (let r = 0; r < s.rows; r++) {
            for (const half of [0, 1]) {
              const off = r * s.ldc + half * 16
              f.get(pc)
              if (s.accumulate) f.get(pc).load(off).get(acc[2 * r + half]).f32x4('add')
              else f.get(acc[2 * r + half])
              f.store(off)
            }
          }
          f.addTo(jp, 1)
        },
        () => f.get(jp).get(P).i32LtU()
      )
      f.addTo(i, s.rows)
    },
    () => f.get(i).get(M).i32LtU()
  )
  return f
}

/** pack(B, Bp, k): B [k, n] row-major (n a multiple of 8) into panels [n/8][k][8]. */
function packFunction(n: number): FunctionBuilder {
  const f = new FunctionBuilder(3)
  const [B, Bp, K] = [0, 1, 2]
  const [jp, k, src] = [f.i32(), f.i32(), f.i32()]
  f.i32Const(0).set(jp)
  f.doWhile(
    () => {
      f.get(B).get(jp).i32Const(NR * 4).i32Mul().i32Add().set(src)
      f.i32Const(0).set(k)
      f.doWhile(
        () => {
          f.get(Bp).get(src).load(0).store(0)
          f.get(Bp).get(src).load(16).store(16)
          f.addTo(Bp, 32).addTo(src, n * 4).addTo(k, 1)
        },
        () => f.get(k).get(K).i32LtU()
      )
      f.addTo(jp, 1)
    },
    () => f.get(jp).i32Const(n / NR).i32LtU()
  )
  return f
}

/**
 * packT(B, Bp, panels): B given transposed ([n, k] row-major, n = 8 panels) into panels
 * [n/8][k][8]: for each k, one float from each of the panel's 8 rows of B (offsets immediate).
 */
function packTransposedFunction(k: number): FunctionBuilder {
  const f = new FunctionBuilder(3)
  const [B, Bp, P] = [0, 1, 2]
  const [src, end, panelEnd] = [f.i32(), f.i32(), f.i32()]
  f.get(B).get(P).i32Const(NR * k * 4).i32Mul().i32Add().set(panelEnd)
  f.doWhile(
    () => {
      f.get(B).set(src)
      f.get(B).i32Const(k * 4).i32Add().set(end)
      f.doWhile(
        () => {
          for (let c = 0; c < NR; c++) f.get(Bp).get(src).loadF32(c * k * 4).storeF32(c * 4)
          f.addTo(Bp, NR * 4).addTo(src, 4)
        },
        () => f.get(src).get(end).i32LtU()
      )
      f.addTo(B, NR * k * 4)
    },
    () => f.get(B).get(panelEnd).i32LtU()
  )
  return f
}

const compiledFns = new CompiledFunctions()
const fn = (memory: WasmMemory, key: string, build: () => FunctionBuilder) => compiledFns.get(memory, key, build)

const f32 = (heap: Heap) => new Float32Array(heap.memory.buffer)

/** Packs op(B) ([k, n]) into zero-padded panels at `dst`. */
function packB(heap: Heap, b: number, dst: number, k: number, n: number, transposeB: boolean): void {
  if (!transposeB && n % NR === 0) {
    fn(heap.memory, `pack${n}`, () => packFunction(n))(b, dst, k)
    return
  }
  if (transposeB && n % NR === 0) {
    fn(heap.memory, `packT${k}`, () => packTransposedFunction(k))(b, dst, n / NR)
    return
  }
  // Ragged n: element by element, padding with zeros.
  const h = f32(heap)
  const src = b >> 2
  let o = dst >> 2
  for (let jp = 0; jp < n; jp += NR) {
    for (let kk = 0; kk < k; kk++) {
      for (let c = 0; c < NR; c++) {
        const col = jp + c
        h[o++] = col >= n ? 0 : transposeB ? h[src + col * k + kk] : h[src + kk * n + col]
      }
    }
  }
}

interface Packed {
  id: object
  offset: number
  transposeB: boolean
  k: number
  n: number
  ptr: number
}

// One cache per heap: its pointers belong to that heap's allocator, and a process may re-create
// the wasm backend (threaded, then single-threaded) — freeing an old heap's pointer into a new
// heap would corrupt it.
const packedCaches = new WeakMap<WasmMemory, Packed[]>()

function packedB(heap: Heap, b: { id: object; offset: number }, k: number, n: number, transposeB: boolean): { ptr: number; owned: boolean } {
  let packedCache = packedCaches.get(heap.memory)
  if (!packedCache) packedCaches.set(heap.memory, (packedCache = []))
  const hit = packedCache.findIndex((p) => p.id === b.id && p.offset === b.offset && p.transposeB === transposeB && p.k === k && p.n === n)
  if (hit >= 0) {
    const [p] = packedCache.splice(hit, 1)
    packedCache.unshift(p)
    return { ptr: p.ptr, owned: false }
  }
  const floats = Math.ceil(n / NR) * NR * k
  const ptr = heap.malloc(floats * 4)
  packB(heap, b.offset, ptr, k, n, transposeB)
  if (floats > CACHE_FLOATS) return { ptr, owned: true }
  packedCache.unshift({ id: b.id, offset: b.offset, transposeB, k, n, ptr })
  while (packedCache.length > CACHE_ENTRIES) heap.free(packedCache.pop()!.ptr)
  return { ptr, owned: false }
}

export interface GemmOperands {
  /** Heap byte offsets of A, B and C; `bId` identifies B's contents (a tfjs dataId). */
  a: number
  /** Bytes from one row of A to the next when A is not transposed (default: k floats, packed rows). */
  lda?: number
  b: number
  bId: object
  c: number
  m: number
  k: number
  n: number
  transposeA: boolean
  transposeB: boolean
}

/** C = op(A) op(B) on the heap (see the header). m, k, n > 0. */
export function gemm(heap: Heap, o: GemmOperands): void {
  const { m, k, n } = o
  const n8 = Math.ceil(n / NR) * NR
  const panels = n8 / NR
  const scratch: number[] = []
  const alloc = (bytes: number) => {
    const p = heap.malloc(bytes)
    scratch.push(p)
    return p
  }
  try {
    const bp = packedB(heap, { id: o.bId, offset: o.b }, k, n, o.transposeB)
    if (bp.owned) scratch.push(bp.ptr)
    const [aRow, aK] = o.transposeA ? [4, m * 4] : [o.lda ?? k * 4, 4]
    const c = n === n8 ? o.c : alloc(m * n8 * 4)
    const chunk = k > KC_MAX ? KC : k
    const mMain = m - (m % MR)
    for (let k0 = 0; k0 < k; k0 += chunk) {
      const kc = Math.min(chunk, k - k0)
      for (const [row0, rows, count] of [
        [0, MR, mMain],
        [mMain, m - mMain, m - mMain]
      ]) {
        if (count === 0) continue
        const shape: GemmShape = { k: kc, aRow, aK, ldc: n8 * 4, panelStride: k * NR * 4, rows, accumulate: k0 > 0 }
        const key = `g${shape.k},${aRow},${aK},${shape.ldc},${shape.panelStride},${rows},${+shape.accumulate}`
        fn(heap.memory, key, () => gemmFunction(shape))(o.a + row0 * aRow + k0 * aK, bp.ptr + k0 * NR * 4, c + row0 * n8 * 4, count, panels)
      }
    }
    if (c !== o.c) {
      const h = f32(heap)
      for (let r = 0; r < m; r++) h.copyWithin((o.c >> 2) + r * n, (c >> 2) + r * n8, (c >> 2) + r * n8 + n)
    }
  } finally {
    for (const p of scratch) heap.free(p)
  }
}
