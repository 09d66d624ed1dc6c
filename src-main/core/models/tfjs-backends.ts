/**
 * The TensorFlow.js backend ladder of DESIGN.md section 2: tfjs-node-gpu (CUDA) > tfjs-node
 * (native CPU) > tfjs-backend-wasm > cpu. The native packages are optional dependencies whose
 * install downloads libtensorflow, so on an offline machine they are simply absent: the probe says
 * which rung would be used and why each better one is not.
 */
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'

const nodeRequire = createRequire(import.meta.url)

export interface BackendCandidate {
  name: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'
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

/**
 * Probes every rung. `loadNative` actually loads the native bindings (slow, seconds) — workers
 * do, `doctor` does too so its answer is the truth rather than a guess.
 */
export function probeTfjsBackends(opts: { loadNative?: boolean } = {}): BackendCandidate[] {
  const load = opts.loadNative ?? true
  const gpu = probeNative('@tensorflow/tfjs-node-gpu', 'CUDA build', load)
  if (gpu.available && !existsSync('/dev/nvidiactl') && process.platform === 'linux') {
    gpu.available = false
    gpu.reason = 'tfjs-node-gpu is installed but no NVIDIA device is present (/dev/nvidiactl missing)'
  }
  const native = probeNative('@tensorflow/tfjs-node', 'CPU build', load)
  const wasmPkg = resolves('@tensorflow/tfjs-backend-wasm')
  const simd = wasmSimdSupported()
  return [
    { name: 'tensorflow-gpu', ...gpu },
    { name: 'tensorflow', ...native },
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
