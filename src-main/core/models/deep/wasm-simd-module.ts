/**
 * A small WebAssembly emitter for SIMD loops over an imported memory: enough of the binary format
 * (one memory import, i32 arithmetic, blocks and loops, f32x4 arithmetic, loads and stores) to
 * write elementwise kernels that run on tfjs-backend-wasm's own heap (lstm-step-simd.ts).
 *
 * Why emit bytes here rather than ship a .wasm file or use a toolchain: the kernels are built at
 * run time for the shapes in use (units, flags), so every offset is an immediate; nothing built
 * is committed; and the repository has no WebAssembly toolchain (wabt, binaryen, emscripten).
 * Opcodes are those of the WebAssembly 2.0 specification (core and fixed-width SIMD, section 5.4).
 */

/**
 * The parts of the WebAssembly JavaScript API used here and in wasm-threads.ts (lib.dom declares
 * them; core/ compiles with the ES lib only, where the global is not declared).
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
  validate(bytes: Uint8Array): boolean
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object; module: object }>
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

export function isWasmMemory(x: unknown): x is WasmMemory {
  return x instanceof wasmApi.Memory
}

const I32 = 0x7f
const V128 = 0x7b

/**
 * Whether the engine has relaxed SIMD (V8 11.4+: Node 20.6+, Electron 26+): a module of one
 * function `(v128, v128, v128) -> v128` of f32x4.relaxed_madd validates.
 */
export const relaxedSimd: boolean = wasmApi.validate(
  new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, V128, V128, V128, 0x01, V128, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b])
)

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

/** Signed LEB128 (32-bit). */
function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

const utf8 = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)]
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]

/** A local variable: an index into the function's parameters, then its declared locals. */
export type Local = number

/** The f32x4 binary operations used, by their SIMD opcode. */
const F32X4 = { add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, min: 0xe8, max: 0xe9, lt: 0x43, gt: 0x44 } as const

/** The i32x4 shifts used (v128, i32 count -> v128), by their SIMD opcode. */
const I32X4_SHIFT = { shl: 0xab, shrU: 0xad } as const

/**
 * One function's body, written as a stack machine. Parameters are all i32 (pointers and counts);
 * `i32()` and `v128()` declare further locals.
 */
export class FunctionBuilder {
  readonly code: number[] = []
  private readonly locals: number[] = []

  constructor(readonly params: number) {}

  i32(): Local {
    this.locals.push(I32)
    return this.params + this.locals.length - 1
  }

  v128(): Local {
    this.locals.push(V128)
    return this.params + this.locals.length - 1
  }

  get(l: Local): this {
    return this.op(0x20, ...uleb(l))
  }

  set(l: Local): this {
    return this.op(0x21, ...uleb(l))
  }

  tee(l: Local): this {
    return this.op(0x22, ...uleb(l))
  }

  i32Const(n: number): this {
    return this.op(0x41, ...sleb(n))
  }

  i32Add(): this {
    return this.op(0x6a)
  }

  i32Mul(): this {
    return this.op(0x6c)
  }

  i32LtU(): this {
    return this.op(0x49)
  }

  /** local += n (i32). */
  addTo(l: Local, n: number): this {
    return this.get(l).i32Const(n).i32Add().set(l)
  }

  /** f32x4 with every lane `x` (rounded to float32). */
  splat(x: number): this {
    const b = new Uint8Array(new Float32Array([x, x, x, x]).buffer)
    return this.simd(0x0c, ...b)
  }

  /** v128 load from the address on the stack + `offset` bytes (alignment hint: 4 bytes). */
  load(offset: number): this {
    return this.simd(0x00, 2, ...uleb(offset))
  }

  /** One float32 from the address on the stack + `offset` bytes, in every lane (v128.load32_splat). */
  loadSplat(offset: number): this {
    return this.simd(0x09, 2, ...uleb(offset))
  }

  /** One float32 from the address on the stack + `offset` bytes (f32.load). */
  loadF32(offset: number): this {
    return this.op(0x2a, 2, ...uleb(offset))
  }

  /** f32 store of the top value at the address below it + `offset` bytes (f32.store). */
  storeF32(offset: number): this {
    return this.op(0x38, 2, ...uleb(offset))
  }

  /** v128 store of the top value at the address below it + `offset` bytes. */
  store(offset: number): this {
    return this.simd(0x0b, 2, ...uleb(offset))
  }

  f32x4(op: keyof typeof F32X4): this {
    return this.simd(...uleb(F32X4[op]))
  }

  /**
   * a b + acc for the two f32x4 a, b on the stack: f32x4.relaxed_madd where the engine has
   * relaxed SIMD, which x86 with FMA3 and ARM64 run as one fused multiply-add (one rounding
   * instead of two, one instruction and no temporary register); else mul, then add.
   */
  mulAdd(acc: Local): this {
    if (!relaxedSimd) return this.f32x4('mul').get(acc).f32x4('add')
    return this.get(acc).simd(...uleb(0x105))
  }

  /** f32x4.sqrt (IEEE, correctly rounded per lane). */
  sqrt(): this {
    return this.simd(...uleb(0xe3))
  }

  abs(): this {
    return this.simd(...uleb(0xe0))
  }

  /** v128.bitselect: lanes of the first value where the mask (top) is set, else of the second. */
  select(): this {
    return this.simd(0x52)
  }

  and(): this {
    return this.simd(0x4e)
  }

  xor(): this {
    return this.simd(0x51)
  }

  /** Shifts each i32 lane of the v128 on the stack by `bits`. */
  shift(op: keyof typeof I32X4_SHIFT, bits: number): this {
    return this.i32Const(bits).simd(...uleb(I32X4_SHIFT[op]))
  }

  /** f32x4.convert_i32x4_u: each lane's unsigned integer as the nearest float32. */
  toF32(): this {
    return this.simd(...uleb(0xfb))
  }

  /** f32x4.floor. */
  floor(): this {
    return this.simd(...uleb(0x68))
  }

  /** `do { body } while (condition)`: the body leaves nothing; `condition` pushes an i32. */
  doWhile(body: () => void, condition: () => void): this {
    this.op(0x03, 0x40)
    body()
    condition()
    return this.op(0x0d, 0, 0x0b)
  }

  /** The function's code entry (locals + body + end). */
  encode(): number[] {
    const groups = this.locals.map((t) => [1, t])
    const body = [...vec(groups), ...this.code, 0x0b]
    return [...uleb(body.length), ...body]
  }

  private simd(...bytes: number[]): this {
    return this.op(0xfd, ...bytes)
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b)
    return this
  }
}

/**
 * A module importing `env.memory` (shared when `memory` is, as the threaded tfjs build's is) and
 * exporting the given functions; their params are all i32, they return nothing.
 */
export function instantiate(memory: WasmMemory, fns: Record<string, FunctionBuilder>): Record<string, (...args: number[]) => void> {
  const names = Object.keys(fns)
  const builders = names.map((n) => fns[n])
  const types = builders.map((f) => [0x60, ...uleb(f.params), ...Array<number>(f.params).fill(I32), 0])
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer
  // Limits: minimum one page; a shared memory must declare a maximum (the most a wasm32 memory has).
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)]
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...utf8('env'), ...utf8('memory'), 0x02, ...limits]])),
    ...section(3, vec(builders.map((_, i) => uleb(i)))),
    ...section(7, vec(names.map((n, i) => [...utf8(n), 0x00, ...uleb(i)]))),
    ...section(10, vec(builders.map((f) => f.encode())))
  ]
  const instance = new wasmApi.Instance(new wasmApi.Module(new Uint8Array(bytes)), { env: { memory } })
  return instance.exports as Record<string, (...args: number[]) => void>
}

/** A compiled function: its params are i32 heap offsets and counts, it returns nothing. */
export type CompiledFunction = (...args: number[]) => void

/**
 * Functions compiled once per wasm heap and key: a module imports one Memory, so a backend made
 * again (a new heap) compiles its own. Each kernel family keeps its own instance (keys stay local).
 */
export class CompiledFunctions<K = string> {
  private readonly byMemory = new WeakMap<WasmMemory, Map<K, CompiledFunction>>()

  get(memory: WasmMemory, key: K, build: () => FunctionBuilder): CompiledFunction {
    let cache = this.byMemory.get(memory)
    if (!cache) this.byMemory.set(memory, (cache = new Map()))
    let f = cache.get(key)
    if (!f) {
      f = instantiate(memory, { run: build() }).run
      cache.set(key, f)
    }
    return f
  }
}
