/**
 * Batched float32 matrix products on tfjs-backend-wasm's heap, for many small matrices:
 * C[b] = op(A[b]) op(B[b]) for b < batches, op = identity or transpose, every matrix packed
 * row-major one after another. The attention layer's products are of this kind (seed 004:
 * 256 products of [12, 32] x [32, 12] and [12, 12] x [12, 32] per call, forward and backward).
 *
 * Why not tfjs's wasm BatchMatMul or wasm-gemm.ts per matrix: tfjs's kernel takes a scalar loop
 * for transposed operands (or, patched, a materialised Transpose first) and ~2 ms per such call;
 * wasm-gemm.ts packs B and looks up its function per product, microseconds that 256 products of
 * ~4,600 multiply-adds cannot carry. Here one emitted function loops over the batch: op(A)'s
 * element is read in place (splat), a transposed B is first transposed into a scratch block of
 * k x n floats, and each row of C is summed as up to 8 f32x4 accumulators over k, in order, in
 * float32 (results equal the cpu backend's to float32 rounding: test/unit/wasm-kernels.test.ts).
 *
 * Shapes are immediates (a function per m, k, n and transposes, cached per wasm memory);
 * n must be a multiple of 4 (`batchedGemmApplies`), other products go to tfjs's kernel.
 */
import { CompiledFunctions, FunctionBuilder } from './wasm-simd-module'
import type { Heap } from './wasm-gemm'

/** f32x4 accumulators per pass over k (columns of C: 4 each). */
const VB = 8

export interface BatchedShape {
  m: number
  k: number
  n: number
  transposeA: boolean
  transposeB: boolean
}

/** Whether `batchedGemm` computes this shape (n in whole f32x4 lanes). */
export function batchedGemmApplies(s: BatchedShape): boolean {
  return s.n % 4 === 0 && s.m > 0 && s.k > 0 && s.n > 0
}

/** run(A, B, C, S, batches): C[b] = op(A[b]) op(B[b]); S is k x n floats of scratch (used when B is transposed). */
function batchedFunction({ m, k, n, transposeA, transposeB }: BatchedShape): FunctionBuilder {
  const f = new FunctionBuilder(5)
  const [A, B, C, S, BATCHES] = [0, 1, 2, 3, 4]
  const [cEnd, src, dst, end, i, pa, pb, pc, kEnd, j] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32()]
  const acc = Array.from({ length: Math.min(VB, n / 4) }, () => f.v128())
  const a = f.v128()
  // Bytes from one row of op(A) to the next and from one k to the next, read in place.
  const [aRow, aK] = transposeA ? [4, m * 4] : [k * 4, 4]
  f.get(C).get(BATCHES).i32Const(m * n * 4).i32Mul().i32Add().set(cEnd)
  f.doWhile(
    () => {
      let bRows = B
      if (transposeB) {
        // B[b] is [n, k]: S[kk, j] = B[j, kk], column by column of S.
        f.get(B).set(src)
        f.i32Const(0).set(j)
        f.doWhile(
          () => {
            f.get(S).get(j).i32Const(4).i32Mul().i32Add().set(dst)
            f.get(src).i32Const(k * 4).i32Add().set(end)
            f.doWhile(
              () => {
                f.get(dst).get(src).loadF32(0).storeF32(0)
                f.addTo(src, 4).addTo(dst, n * 4)
              },
              () => f.get(src).get(end).i32LtU()
            )
            f.addTo(j, 1)
          },
          () => f.get(j).i32Const(n).i32LtU()
        )
        bRows = S
      }
      f.i32Const(0).set(i)
      f.doWhile(
        () => {
          for (let v0 = 0; v0 < n / 4; v0 += VB) {
            const vs = Math.min(VB, n / 4 - v0)
            for (let v = 0; v < vs; v++) f.splat(0).set(acc[v])
            f.get(A).get(i).i32Const(aRow).i32Mul().i32Add().set(pa)
            f.get(bRows).i32Const(v0 * 16).i32Add().set(pb)
            f.get(pa).i32Const(k * aK).i32Add().set(kEnd)
            f.doWhile(
              () => {
                f.get(pa).loadSplat(0).set(a)
                for (let v = 0; v < vs; v++) f.get(a).get(pb).load(v * 16).f32x4('mul').get(acc[v]).f32x4('add').set(acc[v])
                f.addTo(pa, aK).addTo(pb, n * 4)
              },
              () => f.get(pa).get(kEnd).i32LtU()
            )
            f.get(C).get(i).i32Const(n * 4).i32Mul().i32Add().set(pc)
            for (let v = 0; v < vs; v++) f.get(pc).get(acc[v]).store((v0 + v) * 16)
          }
          f.addTo(i, 1)
        },
        () => f.get(i).i32Const(m).i32LtU()
      )
      f.addTo(A, m * k * 4).addTo(B, k * n * 4).addTo(C, m * n * 4)
    },
    () => f.get(C).get(cEnd).i32LtU()
  )
  return f
}

const compiled = new CompiledFunctions()

/** C = op(A) op(B) for `batches` products of shape `s` (byte offsets on the heap; see the header). */
export function batchedGemm(heap: Heap, o: { a: number; b: number; c: number; batches: number }, s: BatchedShape): void {
  if (!batchedGemmApplies(s)) throw new Error(`batchedGemm: n (${s.n}) must be a positive multiple of 4`)
  if (o.batches === 0) return
  const run = compiled.get(heap.memory, `${s.m},${s.k},${s.n},${+s.transposeA},${+s.transposeB}`, () => batchedFunction(s))
  const scratch = s.transposeB ? heap.malloc(s.k * s.n * 4) : 0
  try {
    run(o.a, o.b, o.c, scratch, o.batches)
  } finally {
    if (scratch) heap.free(scratch)
  }
}
