/**
 * The tfjs compute backend of a worker, chosen once at worker start along the ladder of
 * DESIGN.md section 2: tensorflow-gpu (tfjs-node-gpu) > tensorflow (tfjs-node) > webgpu (Dawn, a GPU
 * only: `webgpu-rung.ts`) > wasm > cpu.
 * The result (`{ name, skipped }`) goes into the run record so a slow run says why it is slow.
 *
 * wasm specifics:
 * - The .wasm binaries are read from the package's own dist folder (resolved with createRequire,
 *   so it works from sources, from the bundled main process and offline); SIMD is used when the
 *   engine validates a SIMD module (Node 24 does).
 * - Threads: `initTfjs({ wasmThreads: n })` with n >= 2 starts the package's multi-threaded SIMD
 *   build with n threads (wasm-threads.ts says what it takes under Node); 1, the default, is the
 *   single-threaded SIMD build. The report's `details.threads` is the count XNNPACK actually runs.
 *   If the threaded build fails to start, the single-threaded one is used and `details.threadsError`
 *   says why. The host picks n (host/compute-threads.ts).
 * - BatchMatMul patch: the backward pass of every Dense / LSTM matmul multiplies with a
 *   transposed operand, and the wasm kernel sends transposed operands down a slow non-XNNPACK
 *   path (70 % of kernel time in the seed-000 profile). `patchWasmBatchMatMul` re-registers the
 *   kernel so a transposed operand is first materialised by the wasm Transpose kernel and the
 *   original kernel then runs untransposed (XNNPACK). The products are the same, but XNNPACK sums
 *   them in another order: results equal the unpatched kernel's to float32 rounding, not bit for
 *   bit (test/unit/deep-models.test.ts, "wasm BatchMatMul patch", every transpose combination).
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { probeTfjsBackends, wasmSimdSupported, TFJS_LADDER, type TfjsRung } from '../tfjs-backends'
import { initWebgpu } from './webgpu-rung'
import type { WebgpuRungOptions } from '../webgpu-probe'
import type { BackendReport } from '../../store/run-schemas'
import { registerThreadedWasm } from './wasm-threads'
import { gemmOnHeap, patchWasmHeapKernels, type HeapBackend } from './wasm-kernels'
import './reduce-gradients'

const nodeRequire = createRequire(import.meta.url)


/**
 * Silences tfjs's console notes in a worker, whose stderr is the user's terminal: without it the
 * cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js…" on first use (an
 * ONNX export, an explanation). What it says is reported properly instead: the backend a run used
 * and why better ones were skipped are in the run record and `workbench doctor`. tfjs reads the
 * PROD flag only to decide whether to log (tfjs-core log.ts, environment.ts): nothing computed changes.
 */
export function quietTfjsNotes(): void {
  tf.env().set('PROD', true)
  dropOrthogonalNote()
}

/**
 * tfjs-layers' Orthogonal initializer (every LSTM's recurrent kernel) calls console.warn directly,
 * ignoring PROD, for any matrix over 2,000 elements — every LSTM of 23 units or more — warning of
 * "slowness" from one QR decomposition at model build. It would reach the user's terminal once per
 * trial; the one message is dropped, every other warning passes.
 */
const ORTHOGONAL_NOTE = /^Orthogonal initializer is being called on a matrix with more than \d+ \(\d+\) elements/
let orthogonalNoteDropped = false
function dropOrthogonalNote(): void {
  if (orthogonalNoteDropped) return
  orthogonalNoteDropped = true
  const warn = console.warn.bind(console)
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && ORTHOGONAL_NOTE.test(args[0])) return
    warn(...args)
  }
}

export interface InitOptions {
  /** Restrict the ladder (tests pin 'cpu' or 'wasm'); default: the whole ladder. */
  prefer?: TfjsRung
  /** How the webgpu rung asks Dawn for an adapter (tests: a CPU adapter through Dawn's OpenGL backend). */
  webgpu?: WebgpuRungOptions
  /** Threads of the wasm backend (default 1: the single-threaded build; see the header). */
  wasmThreads?: number
  /** Apply the BatchMatMul re-registration on wasm (default true). */
  patchBatchMatMul?: boolean
}

let current: Promise<BackendReport> | null = null

/** The package folder holding the .wasm binaries, with a trailing slash (setWasmPaths wants one). */
export function wasmDistDir(): string {
  return dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm')) + '/'
}

/**
 * Initialises the backend once per process; later calls return the same report. Worker
 * processes call this from `Trainer.backend()`.
 */
export function initTfjs(opts: InitOptions = {}): Promise<BackendReport> {
  quietTfjsNotes()
  current ??= pick(opts)
  return current
}

async function pick(opts: InitOptions): Promise<BackendReport> {
  const from = TFJS_LADDER.indexOf(opts.prefer ?? TFJS_LADDER[0])
  // Only load native bindings when they would be tried: loading takes seconds.
  const candidates = await probeTfjsBackends({ loadNative: from <= 1, from: opts.prefer, webgpu: opts.webgpu })
  const skipped: { name: string; reason: string }[] = []
  for (const c of candidates) {
    if (TFJS_LADDER.indexOf(c.name) < from) {
      skipped.push({ name: c.name, reason: `not tried: this run asked for '${opts.prefer}'` })
      continue
    }
    if (!c.available) {
      skipped.push({ name: c.name, reason: c.reason })
      continue
    }
    try {
      if (c.name === 'tensorflow-gpu' || c.name === 'tensorflow') {
        // Loading the package registers the 'tensorflow' backend on the shared tfjs-core.
        nodeRequire(c.pkg!)
        if (!(await tf.setBackend('tensorflow'))) throw new Error(`tf.setBackend('tensorflow') failed after loading ${c.pkg}`)
        return { name: c.name, skipped }
      }
      if (c.name === 'webgpu') {
        const details = await initWebgpu(opts.webgpu)
        return { name: 'webgpu', skipped, details }
      }
      if (c.name === 'wasm') {
        const details = await initWasm(opts)
        return { name: 'wasm', skipped, details }
      }
      if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed")
      return { name: 'cpu', skipped }
    } catch (err) {
      skipped.push({ name: c.name, reason: `failed to initialise: ${(err as Error).message.split('\n')[0]}` })
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`)
}

async function initWasm(opts: InitOptions): Promise<Record<string, string | number | boolean>> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  const simd = wasmSimdSupported()
  tf.env().set('WASM_HAS_SIMD_SUPPORT', simd)
  wasm.setWasmPaths(wasmDistDir())
  // Register the patch before the backend starts so its setupFunc runs at initialisation.
  const patched = opts.patchBatchMatMul ?? true
  if (patched) patchWasmBatchMatMul()
  const wanted = opts.wasmThreads ?? 1
  let threadsError: string | null = null
  let started = false
  // The threaded build is SIMD-only: without SIMD there is nothing to thread.
  if (wanted > 1 && simd) {
    const threaded = await registerThreadedWasm(wanted)
    started = await tf.setBackend('wasm')
    if (!started) {
      threadsError = threaded.error() ?? "tf.setBackend('wasm') failed"
      threaded.restore()
    }
  }
  if (!started && !(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed")
  await tf.ready()
  const details: Record<string, string | number | boolean> = { simd, threads: wasm.getThreadsCount(), batchMatMulPatch: patched }
  if (threadsError) details.threadsError = `the threaded build did not start (${threadsError}): running on one thread`
  return details
}

/** The original wasm BatchMatMul config, kept so the patch can be undone (benches compare). */
let originalBatchMatMul: tf.KernelConfig | null = null

export function isBatchMatMulPatched(): boolean {
  return originalBatchMatMul !== null
}

/**
 * Re-registers 'BatchMatMul' on 'wasm': single matrix products (no batch, float32) run in
 * wasm-gemm.ts; batched ones with a transposed operand have it materialised with the Transpose
 * kernel, then the original kernel multiplies untransposed. Idempotent.
 * It also installs the heap-view Slice / Unpack / SplitV / Tile (wasm-kernels.ts), so that
 * initWasm, which calls this before the backend starts, applies every kernel patch; unlike this
 * one those stay (they compute the same values, bit for bit).
 */
export function patchWasmBatchMatMul(): void {
  patchWasmHeapKernels()
  if (originalBatchMatMul) return
  const orig = tf.getKernel('BatchMatMul', 'wasm')
  const transpose = tf.getKernel('Transpose', 'wasm')
  if (!orig || !transpose) throw new Error('the wasm backend kernels are not registered (import @tensorflow/tfjs-backend-wasm first)')
  originalBatchMatMul = orig
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean }
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
    const product = gemmOnHeap(backend as unknown as HeapBackend, a, b, transposeA, transposeB)
    if (product) return product
    if (!transposeA && !transposeB) return orig.kernelFunc({ inputs, backend, attrs })
    const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
      const r = t.shape.length
      const perm = Array.from({ length: r }, (_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i))
      return transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo
    }
    const at = transposeA ? swapLast(a) : a
    const bt = transposeB ? swapLast(b) : b
    try {
      return orig.kernelFunc({ inputs: { a: at, b: bt }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } })
    } finally {
      // The transposed copies are kernel-internal: the engine never sees them, so free them here.
      const be = backend as { disposeData(id: unknown): void }
      if (at !== a) be.disposeData(at.dataId)
      if (bt !== b) be.disposeData(bt.dataId)
    }
  }
  tf.unregisterKernel('BatchMatMul', 'wasm')
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', setupFunc: orig.setupFunc, kernelFunc })
}

/** Puts the original wasm BatchMatMul back (benches and the equality test). */
export function unpatchWasmBatchMatMul(): void {
  if (!originalBatchMatMul) return
  tf.unregisterKernel('BatchMatMul', 'wasm')
  tf.registerKernel(originalBatchMatMul)
  originalBatchMatMul = null
}

