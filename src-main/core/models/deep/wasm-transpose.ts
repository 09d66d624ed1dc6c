/**
 * Transposes that keep the innermost axis in place, on tfjs-backend-wasm's heap in WebAssembly
 * SIMD: after merging the leading and trailing axes that stay where they are, x [A, B, C, D] ->
 * [A, C, B, D], every run of D elements moved whole as f32x4 loads and stores. The attention
 * layer's head split ([b, t, heads, k] -> [b, heads, t, k]) and merge are of this kind (and the
 * per-step LSTM's time-major [T, B, F]), as are their gradients. tfjs's wasm Transpose computes
 * each element's source index (~90 us for the attention's [64, 12, 4, 32], 8 calls a step).
 * Elements are copied, not computed: results equal tfjs's bit for bit.
 */
import { CompiledFunctions, FunctionBuilder, type WasmMemory } from './wasm-simd-module'

/** [A, B, C, D]: x is [A, B, C, D] (elements), the result [A, C, B, D]. */
export type SwapShape = [number, number, number, number]

/** Runs longer than this many f32x4 go to tfjs's kernel (the copy is unrolled). */
const MAX_RUN_VECTORS = 64

/**
 * The [A, B, C, D] swap that `perm` on `shape` is, or null where it is not one this kernel takes:
 * the last axis (with any trailing axes left in place) must stay, D a whole number of f32x4, and
 * the moved axes must be two blocks exchanged ([l..m) and [m..t) become [m..t), [l..m)).
 */
export function swapOf(shape: number[], perm: number[], elementBytes: number): SwapShape | null {
  const r = shape.length
  let t = r
  while (t > 0 && perm[t - 1] === t - 1) t--
  let l = 0
  while (l < t && perm[l] === l) l++
  if (l === t) return null
  const m = perm[l]
  const rotated = Array.from({ length: t - l }, (_, i) => (i < t - m ? m + i : l + i - (t - m)))
  if (m <= l || rotated.some((p, i) => perm[l + i] !== p)) return null
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1)
  const swap: SwapShape = [size(0, l), size(l, m), size(m, t), size(t, r)]
  const [, , , d] = swap
  const ok = (d * elementBytes) % 16 === 0 && d > 0 && (d * elementBytes) / 16 <= MAX_RUN_VECTORS && swap.every((s) => s > 0) && size(0, r) * elementBytes < 2 ** 31
  return ok ? swap : null
}

/** run(X, Y): Y = X [A, B, C, D] as [A, C, B, D]; D given in bytes as `runBytes`. */
function swapFunction([a, b, c]: SwapShape, runBytes: number): FunctionBuilder {
  const f = new FunctionBuilder(2)
  const [X, Y] = [0, 1]
  const [pa, pc, ps, aEnd, cEnd, bEnd] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32()]
  const [bStride, aStride] = [c * runBytes, b * c * runBytes]
  f.get(X).set(pa)
  f.get(X).i32Const(a * aStride).i32Add().set(aEnd)
  f.doWhile(
    () => {
      f.get(pa).set(pc)
      f.get(pa).i32Const(c * runBytes).i32Add().set(cEnd)
      f.doWhile(
        () => {
          f.get(pc).set(ps)
          f.get(pc).i32Const(b * bStride).i32Add().set(bEnd)
          f.doWhile(
            () => {
              for (let v = 0; v < runBytes / 16; v++) f.get(Y).get(ps).load(v * 16).store(v * 16)
              f.addTo(Y, runBytes).addTo(ps, bStride)
            },
            () => f.get(ps).get(bEnd).i32LtU()
          )
          f.addTo(pc, runBytes)
        },
        () => f.get(pc).get(cEnd).i32LtU()
      )
      f.addTo(pa, aStride)
    },
    () => f.get(pa).get(aEnd).i32LtU()
  )
  return f
}

const compiled = new CompiledFunctions()

/** Writes x (byte offset `x`) transposed by `swap` to byte offset `y`; elements of `elementBytes`. */
export function swapAxes(memory: WasmMemory, x: number, y: number, swap: SwapShape, elementBytes: number): void {
  const runBytes = swap[3] * elementBytes
  compiled.get(memory, `${swap.slice(0, 3)},${runBytes}`, () => swapFunction(swap, runBytes))(x, y)
}
