/**
 * Column sums of a row-major float32 [rows, width] block on tfjs-backend-wasm's heap, in
 * WebAssembly SIMD: out[j] = sum over r of x[r, j], each column summed over the rows in order, in
 * float32. This is a Sum over leading axes (every bias gradient: dY summed over batch and time),
 * which tfjs's wasm Sum computes only after transposing the whole input.
 */
import { CompiledFunctions, FunctionBuilder, type WasmMemory } from './wasm-simd-module'

/** f32x4 columns summed per pass over the rows (a divisor of width / 4, at most this). */
const MAX_VECTORS = 8

/** Whether `columnSum` takes this shape: at least one row, width in whole f32x4 lanes. */
export function columnSumApplies(rows: number, width: number): boolean {
  return rows > 0 && width > 0 && width % 4 === 0
}

/** run(X, OUT, rows) for one width. */
function columnSumFunction(width: number): FunctionBuilder {
  const f = new FunctionBuilder(3)
  const [X, OUT, ROWS] = [0, 1, 2]
  const [col, p, end] = [f.i32(), f.i32(), f.i32()]
  const lanes = width / 4
  let vs = MAX_VECTORS
  while (lanes % vs !== 0) vs /= 2
  const acc = Array.from({ length: vs }, () => f.v128())
  const rowBytes = width * 4
  f.i32Const(0).set(col)
  f.doWhile(
    () => {
      for (const a of acc) f.splat(0).set(a)
      f.get(X).get(col).i32Add().set(p)
      f.get(p).get(ROWS).i32Const(rowBytes).i32Mul().i32Add().set(end)
      f.doWhile(
        () => {
          acc.forEach((a, v) => f.get(p).load(v * 16).get(a).f32x4('add').set(a))
          f.addTo(p, rowBytes)
        },
        () => f.get(p).get(end).i32LtU()
      )
      acc.forEach((a, v) => f.get(OUT).get(col).i32Add().get(a).store(v * 16))
      f.addTo(col, vs * 16)
    },
    () => f.get(col).i32Const(rowBytes).i32LtU()
  )
  return f
}

const compiled = new CompiledFunctions<number>()

/** out (width floats at byte offset `out`) = column sums of x ([rows, width] at byte offset `x`). */
export function columnSum(memory: WasmMemory, x: number, out: number, rows: number, width: number): void {
  if (!columnSumApplies(rows, width)) throw new Error(`columnSum: needs rows >= 1 and width a positive multiple of 4, got [${rows}, ${width}]`)
  compiled.get(memory, width, () => columnSumFunction(width))(x, out, rows)
}
