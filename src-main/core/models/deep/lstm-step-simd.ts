/**
 * The LSTM step kernels of sequence-lstm.ts as WebAssembly SIMD code running on tfjs-backend-wasm's
 * own heap: four lanes at a time, float32 arithmetic, no copy in or out. The JavaScript versions
 * (sequence-lstm.ts `forwardStep` / `backwardStep`) spend ~55 ns per unit and example on the
 * forward step, most of it in two scalar tanh evaluations; these run ~10x faster.
 *
 * A module is emitted per shape (units, which inputs are present, gate activation, dy's row
 * stride), so every offset is an immediate; modules are cached per wasm memory.
 *
 * Numerics, against the JavaScript kernels (which evaluate in float64 and round where tfjs rounds):
 * - gate pre-activations, hardSigmoid and c are the same float32 operations: equal to the bit;
 * - tanh is the same Eigen rational approximation, evaluated in float32 as Eigen does;
 * - the sigmoid gate is 0.5 tanh(z / 2) + 0.5 through that tanh (no exp in WebAssembly), within
 *   ~1e-7 of the logistic function;
 * - the backward step's products are rounded to float32 as they go.
 * test/unit/lstm-sequence.test.ts holds both kernels to the stock layer (1e-5).
 */
import { CompiledFunctions, FunctionBuilder, isWasmMemory, type Local, type WasmMemory } from './wasm-simd-module'
import { HS_SLOPE, TANH_CLAMP, TANH_LINEAR, TANH_P, TANH_Q } from './lstm-activation-constants'

/** What the kernels use of tfjs-backend-wasm's BackendWasm (backend_wasm.js). */
export interface WasmBackendView {
  wasm: { asm?: { memory?: unknown }; wasmMemory?: unknown; HEAPU8: Uint8Array }
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined }
}

export interface StepShape {
  units: number
  hard: boolean
}

export interface ForwardPresence {
  hr: boolean
  bias: boolean
  c: boolean
}

export interface BackwardPresence {
  cPrev: boolean
  dy: boolean
  dh: boolean
  dc: boolean
  /** Bytes from one example's dy row to the next's (dy is [B, T, u] or [B, u]). */
  dyRowBytes: number
}

type Kernel = (...pointers: number[]) => void

interface Scratch {
  v: Local
  v2: Local
  t: Local
}

/** Pushes tanh(x) for the v128 in local `x`. */
function tanh(f: FunctionBuilder, x: Local, s: Scratch): void {
  f.get(x) // kept where |x| < TANH_LINEAR (the select's first operand)
  f.get(x).splat(TANH_CLAMP).f32x4('min').splat(-TANH_CLAMP).f32x4('max').set(s.v)
  f.get(s.v).get(s.v).f32x4('mul').set(s.v2)
  f.splat(TANH_P[0])
  for (const a of TANH_P.slice(1)) f.get(s.v2).f32x4('mul').splat(a).f32x4('add')
  f.get(s.v).f32x4('mul')
  f.splat(TANH_Q[0])
  for (const b of TANH_Q.slice(1)) f.get(s.v2).f32x4('mul').splat(b).f32x4('add')
  f.f32x4('div')
  f.get(x).abs().splat(TANH_LINEAR).f32x4('lt').select()
}

/** Replaces the pre-activation on the stack by the gate activation. */
function gate(f: FunctionBuilder, hard: boolean, s: Scratch): void {
  if (hard) {
    f.splat(HS_SLOPE).f32x4('mul').splat(0.5).f32x4('add').splat(0).f32x4('max').splat(1).f32x4('min')
    return
  }
  f.splat(0.5).f32x4('mul').set(s.t)
  tanh(f, s.t, s)
  f.splat(0.5).f32x4('mul').splat(0.5).f32x4('add')
}

/** Pushes the gate's derivative from its value in local `g`. */
function gateDerivative(f: FunctionBuilder, hard: boolean, g: Local): void {
  if (hard) {
    // 0.2 where 0 < g < 1 (the unclipped part), else 0.
    f.splat(HS_SLOPE).splat(0)
    f.get(g).splat(0).f32x4('gt').get(g).splat(1).f32x4('lt').and()
    f.select()
    return
  }
  f.get(g).splat(1).get(g).f32x4('sub').f32x4('mul')
}

/** Pushes the v128 at pointer `p` + the lane offset `j` + `offset` bytes. */
function load(f: FunctionBuilder, p: Local, j: Local, offset: number): void {
  f.get(p).get(j).i32Add().load(offset)
}

/** Adds the v128 at pointer `p` + `j` + `offset` bytes to the one on the stack. */
function addLoad(f: FunctionBuilder, p: Local, j: Local, offset: number): void {
  load(f, p, j, offset)
  f.f32x4('add')
}

/**
 * Runs `lanes` over j = 0, 16, ... < 4u bytes for each of `batch` rows, then advances each
 * pointer by its row stride. `batch` is the last parameter; it must be at least 1.
 */
function rows(f: FunctionBuilder, u: number, strides: [Local, number][], lanes: (j: Local) => void): void {
  const b = f.i32()
  const j = f.i32()
  const batch = f.params - 1
  f.doWhile(
    () => {
      f.i32Const(0).set(j)
      f.doWhile(
        () => {
          lanes(j)
          f.addTo(j, 16)
        },
        () => f.get(j).i32Const(4 * u).i32LtU()
      )
      for (const [p, stride] of strides) if (stride) f.addTo(p, stride)
      f.addTo(b, 1)
    },
    () => f.get(b).get(batch).i32LtU()
  )
}

/**
 * Bytes from one example's row to the next, per operand: by default the rows of one step's
 * [B, width] blocks; the sequence kernels (sequence-lstm.ts) pass those of [B, T, width] blocks.
 */
export type ForwardStrides = Record<'xw' | 'c' | 'h' | 'cOut' | 'aux', number>
export type BackwardStrides = Record<'aux' | 'cPrev' | 'dz', number>

const forwardStrides = (u: number): ForwardStrides => ({ xw: 16 * u, c: 4 * u, h: 4 * u, cOut: 4 * u, aux: 20 * u })
const backwardStrides = (u: number): BackwardStrides => ({ aux: 20 * u, cPrev: 4 * u, dz: 16 * u })

/** fwd(xw, hr, bias, c, h, cOut, aux, batch): see sequence-lstm.ts `forwardStep` (xw at step t's rows). */
function forwardFunction({ units: u, hard }: StepShape, has: ForwardPresence, rowBytes: ForwardStrides): FunctionBuilder {
  const f = new FunctionBuilder(8)
  const [xw, hr, bias, c, h, cOut, aux] = [0, 1, 2, 3, 4, 5, 6]
  const s: Scratch = { v: f.v128(), v2: f.v128(), t: f.v128() }
  const [gi, gf, gg, go, cv, tc, zg] = [f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128()]
  const U = 4 * u // bytes per gate block
  const strides: [Local, number][] = [[xw, rowBytes.xw], [hr, has.hr ? 4 * U : 0], [c, has.c ? rowBytes.c : 0], [h, rowBytes.h], [cOut, rowBytes.cOut], [aux, rowBytes.aux]]
  rows(f, u, strides, (j) => {
    // z = (x W + h W_rec) + bias per gate, each sum rounded to float32 (tfjs's order).
    ;[gi, gf, zg, go].forEach((dest, k) => {
      load(f, xw, j, k * U)
      if (has.hr) addLoad(f, hr, j, k * U)
      if (has.bias) addLoad(f, bias, j, k * U)
      if (dest === zg) {
        f.set(zg)
        tanh(f, zg, s)
      } else gate(f, hard, s)
      f.set(dest === zg ? gg : dest)
    })
    f.get(gi).get(gg).f32x4('mul')
    if (has.c) {
      load(f, c, j, 0)
      f.get(gf).f32x4('mul').f32x4('add')
    }
    f.set(cv)
    tanh(f, cv, s)
    f.set(tc)
    f.get(cOut).get(j).i32Add().get(cv).store(0)
    f.get(h).get(j).i32Add().get(go).get(tc).f32x4('mul').store(0)
    ;[gi, gf, gg, go, tc].forEach((v, k) => f.get(aux).get(j).i32Add().get(v).store(k * U))
  })
  return f
}

/** bwd(aux, cPrev, dy, dh, dc, dz, dcPrev, batch): see sequence-lstm.ts `backwardStep` (dy at step t). */
function backwardFunction({ units: u, hard }: StepShape, has: BackwardPresence, rowBytes: BackwardStrides): FunctionBuilder {
  const f = new FunctionBuilder(8)
  const [aux, cPrev, dy, dh, dc, dz, dcPrev] = [0, 1, 2, 3, 4, 5, 6]
  const [gi, gf, gg, go, tc, dhv, dcv] = [f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128()]
  const U = 4 * u
  // dc and dcPrev may be the same block: each lane's dc is read before its dcPrev is written.
  const strides: [Local, number][] = [[aux, rowBytes.aux], [cPrev, has.cPrev ? rowBytes.cPrev : 0], [dy, has.dy ? has.dyRowBytes : 0], [dh, has.dh ? U : 0], [dc, has.dc ? U : 0], [dz, rowBytes.dz], [dcPrev, U]]
  rows(f, u, strides, (j) => {
    ;[gi, gf, gg, go, tc].forEach((v, k) => {
      load(f, aux, j, k * U)
      f.set(v)
    })
    // dh = dy + dh_rec; dc = dc_next + dh o (1 - tanh(c)^2)
    if (has.dy) load(f, dy, j, 0)
    if (has.dh) load(f, dh, j, 0)
    if (has.dy && has.dh) f.f32x4('add')
    if (!has.dy && !has.dh) f.splat(0)
    f.set(dhv)
    f.get(dhv).get(go).f32x4('mul').splat(1).get(tc).get(tc).f32x4('mul').f32x4('sub').f32x4('mul')
    if (has.dc) addLoad(f, dc, j, 0)
    f.set(dcv)
    // dz_i, dz_f, dz_g, dz_o
    f.get(dz).get(j).i32Add().get(dcv).get(gg).f32x4('mul')
    gateDerivative(f, hard, gi)
    f.f32x4('mul').store(0)
    f.get(dz).get(j).i32Add()
    if (has.cPrev) {
      f.get(dcv)
      load(f, cPrev, j, 0)
      f.f32x4('mul')
      gateDerivative(f, hard, gf)
      f.f32x4('mul')
    } else f.splat(0)
    f.store(U)
    f.get(dz).get(j).i32Add().get(dcv).get(gi).f32x4('mul').splat(1).get(gg).get(gg).f32x4('mul').f32x4('sub').f32x4('mul').store(2 * U)
    f.get(dz).get(j).i32Add().get(dhv).get(tc).f32x4('mul')
    gateDerivative(f, hard, go)
    f.f32x4('mul').store(3 * U)
    f.get(dcPrev).get(j).i32Add().get(dcv).get(gf).f32x4('mul').store(0)
  })
  return f
}

const modules = new CompiledFunctions()

/**
 * The wasm heap's Memory object, or null where it is not exposed: the single-threaded build
 * exports it (Module.asm.memory); the threaded build imports a shared one and exports none, so
 * there it is only Module.wasmMemory.
 */
export function wasmMemory(backend: WasmBackendView): WasmMemory | null {
  const m = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory
  return isWasmMemory(m) && m.buffer === backend.wasm.HEAPU8.buffer ? m : null
}

const compiled = (memory: WasmMemory, key: string, build: () => FunctionBuilder): Kernel => modules.get(memory, key, build)

/** Whether the SIMD kernels handle this shape (whole f32x4 lanes per gate, at least one row). */
export function simdStepApplies(units: number, batch: number): boolean {
  return units % 4 === 0 && units > 0 && batch > 0
}

/** The forward step on byte offsets into the heap (0 for an absent input); see `forwardFunction`. */
export function simdForward(
  memory: WasmMemory,
  shape: StepShape,
  p: { xw: number; hr: number; bias: number; c: number; h: number; cOut: number; aux: number; batch: number },
  strides: Partial<ForwardStrides> = {}
): void {
  const has: ForwardPresence = { hr: p.hr !== 0, bias: p.bias !== 0, c: p.c !== 0 }
  const rowBytes = { ...forwardStrides(shape.units), ...strides }
  const key = `f${shape.units}${shape.hard ? 'h' : 's'}${+has.hr}${+has.bias}${+has.c}:${Object.values(rowBytes)}`
  compiled(memory, key, () => forwardFunction(shape, has, rowBytes))(p.xw, p.hr, p.bias, p.c, p.h, p.cOut, p.aux, p.batch)
}

/** The backward step on byte offsets into the heap (0 for an absent input); see `backwardFunction`. */
export function simdBackward(
  memory: WasmMemory,
  shape: StepShape,
  dyRowBytes: number,
  p: { aux: number; cPrev: number; dy: number; dh: number; dc: number; dz: number; dcPrev: number; batch: number },
  strides: Partial<BackwardStrides> = {}
): void {
  const has: BackwardPresence = { cPrev: p.cPrev !== 0, dy: p.dy !== 0, dh: p.dh !== 0, dc: p.dc !== 0, dyRowBytes }
  const rowBytes = { ...backwardStrides(shape.units), ...strides }
  const key = `b${shape.units}${shape.hard ? 'h' : 's'}${+has.cPrev}${+has.dy}${+has.dh}${+has.dc}r${dyRowBytes}:${Object.values(rowBytes)}`
  compiled(memory, key, () => backwardFunction(shape, has, rowBytes))(p.aux, p.cPrev, p.dy, p.dh, p.dc, p.dz, p.dcPrev, p.batch)
}
