/**
 * The TensorFlow.js backend ladder of DESIGN.md section 2: tfjs-node-gpu (CUDA) > tfjs-node
 * (native CPU) > webgpu (Dawn: a GPU without native TensorFlow) > tfjs-backend-wasm > cpu. The native
 * packages are optional dependencies whose install downloads libtensorflow, so on an offline
 * machine they are simply absent: the probe says which rung would be used and why each better one
 * is not.
 *
 * WebGPU is the GPU rung for machines without native TensorFlow (issue 13): native TensorFlow,
 * where installed, stays ahead of it — tfjs's WebGPU kernels dispatch one shader per op, and the
 * workbench's LSTMs run many small ops per time step, where native CPU kernels have no dispatch
 * cost to amortise. It is only ever available on a GPU: a CPU adapter (lavapipe, llvmpipe,
 * SwiftShader) is reported as unavailable (`webgpu-probe.ts`), so it never wins over wasm. Its correctness is checked at initialisation against the cpu backend
 * (`deep/webgpu-rung.ts`); where the check fails the ladder goes on down.
 */
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { probeWebgpu, type WebgpuRungOptions } from './webgpu-probe'

const nodeRequire = createRequire(import.meta.url)

/** The ladder's rungs, best first. */
export const TFJS_LADDER = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const
export type TfjsRung = (typeof TFJS_LADDER)[number]

export interface BackendCandidate {
  name: TfjsRung
  pkg: string | null
  available: boolean
  reason: string
}

// The smallest module using a SIMD instruction (i8x16.splat): valid only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11
])

function resolves(pkg: string): string | null {
  try {
    return nodeRequire.resolve(pkg)
  } catch {
    return null
  }
}

function probeNative(pkg: string, what: string, load: boolean): Omit<BackendCandidate, 'name'> {
  if (!resolves(pkg)) {
    return {
      pkg,
      available: false,
      reason: `${pkg} is not installed: it is an optional dependency whose install step downloads libtensorflow (${what}), which failed or was skipped on this machine`
    }
  }
  if (!load) return { pkg, available: true, reason: 'installed (not loaded by this probe)' }
  try {
    nodeRequire(pkg)
    return { pkg, available: true, reason: `loaded ${pkg}` }
  } catch (err) {
    return { pkg, available: false, reason: `${pkg} is installed but failed to load: ${(err as Error).message.split('\n')[0]}` }
  }
}

export function wasmSimdSupported(): boolean {
  // core/ compiles without DOM typings, where the WebAssembly global is not declared.
  const wasm = (globalThis as unknown as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly
  return wasm ? wasm.validate(SIMD_PROBE) : false
}

export interface ProbeOptions {
  /** Actually load the native bindings (slow, seconds) — workers do, `doctor` does too. */
  loadNative?: boolean
  /** The best rung a run will try (its `prefer`); the rungs above it are not probed. Default: the top. */
  from?: TfjsRung
  /** Options of the WebGPU rung (tests: Dawn's OpenGL backend, CPU adapters allowed). */
  webgpu?: WebgpuRungOptions
}

const rank = (r: TfjsRung): number => TFJS_LADDER.indexOf(r)

/** The webgpu rung's probe, unless a run skips it or a native rung above it (tried by the run) will train. */
async function probeWebgpuRung(opts: ProbeOptions, natives: Omit<BackendCandidate, 'name'>[]): Promise<{ available: boolean; reason: string }> {
  const from = rank(opts.from ?? TFJS_LADDER[0])
  if (from > rank('webgpu')) return { available: false, reason: `not probed: this run starts at the ${opts.from} rung` }
  // Starting Dawn is wasted where a rung above it will train.
  const above = (['tensorflow-gpu', 'tensorflow'] as const).find((r, i) => rank(r) >= from && natives[i].available)
  if (above) return { available: false, reason: `not probed: the ${above} rung above it is available` }
  return probeWebgpu(opts.webgpu)
}

/** Probes every rung, so `doctor`'s answer is the truth rather than a guess. */
export async function probeTfjsBackends(opts: ProbeOptions = {}): Promise<BackendCandidate[]> {
  const load = opts.loadNative ?? true
  const gpu = probeNative('@tensorflow/tfjs-node-gpu', 'CUDA build', load)
  if (gpu.available && !existsSync('/dev/nvidiactl') && process.platform === 'linux') {
    gpu.available = false
    gpu.reason = 'tfjs-node-gpu is installed but no NVIDIA device is present (/dev/nvidiactl missing)'
  }
  const native = probeNative('@tensorflow/tfjs-node', 'CPU build', load)
  const webgpu = await probeWebgpuRung(opts, [gpu, native])
  const wasmPkg = resolves('@tensorflow/tfjs-backend-wasm')
  const simd = wasmSimdSupported()
  return [
    { name: 'tensorflow-gpu', ...gpu },
    { name: 'tensorflow', ...native },
    { name: 'webgpu', pkg: '@tensorflow/tfjs-backend-webgpu', available: webgpu.available, reason: webgpu.reason },
    {
      name: 'wasm',
      pkg: '@tensorflow/tfjs-backend-wasm',
      available: wasmPkg !== null,
      reason: wasmPkg
        ? `ships in the npm package; WebAssembly SIMD ${simd ? 'supported' : 'not supported'}`
        : '@tensorflow/tfjs-backend-wasm is not installed'
    },
    { name: 'cpu', pkg: null, available: true, reason: 'plain JavaScript kernels: always available, slowest' }
  ]
}

/** The first available rung and the reasons the better ones were skipped. */
export function chooseTfjsBackend(candidates: BackendCandidate[]): { name: string; skipped: { name: string; reason: string }[] } {
  const skipped: { name: string; reason: string }[] = []
  for (const c of candidates) {
    if (c.available) return { name: c.name, skipped }
    skipped.push({ name: c.name, reason: c.reason })
  }
  return { name: 'cpu', skipped }
}
