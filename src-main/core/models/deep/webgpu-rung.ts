/**
 * The WebGPU rung of the tfjs ladder (DESIGN.md section 2), between native TensorFlow and wasm:
 * `@tensorflow/tfjs-backend-webgpu` 4.22 on Dawn through the `webgpu` npm package, both optional
 * dependencies. Whether it can run here, and why not, is `../webgpu-probe.ts`.
 *
 * Initialisation (`initWebgpu`) checks the rung's numbers before trusting it: a small two-layer
 * network's loss and gradients on 'webgpu' against the 'cpu' backend (`webgpuParity`). A WebGPU
 * validation error does not throw — a failed pipeline just leaves zeros (observed: a device
 * created without tfjs's workgroup limits trains with loss 0) — so uncaptured device errors are
 * collected and fail the check too.
 */
import * as tf from '@tensorflow/tfjs'
import { PARITY_TOLERANCE } from '../../export/onnx/parity-tolerance'
import { cpuAdapterReason, adapterName, webgpuEntryUrl, type WebgpuAdapterInfo, type WebgpuRungOptions } from '../webgpu-probe'

/** The slice of the WebGPU API the rung touches (core/ compiles without DOM or @webgpu/types). */
interface GpuDevice {
  lost: Promise<{ reason: string; message: string }>
  addEventListener(type: 'uncapturederror', listener: (e: { error: { message: string } }) => void): void
}
interface GpuAdapter {
  info: WebgpuAdapterInfo
  limits: Record<string, number>
  features: Set<string>
  requestDevice(desc: { requiredFeatures: string[]; requiredLimits: Record<string, number> }): Promise<GpuDevice>
}
interface Gpu {
  requestAdapter(opts: { powerPreference: 'high-performance'; featureLevel: string }): Promise<GpuAdapter | null>
}
interface DawnModule {
  create(options: string[]): Gpu
  globals: Record<string, unknown>
}

// tfjs's own backend factory (tfjs-backend-webgpu/dist/base.js) asks for these adapter limits:
// the defaults are lower (compatibility mode: 128 invocations), and tfjs's shaders exceed them.
// The workgroup sizes Y and Z are added for compatibility-mode adapters, whose defaults are lower still.
const DEVICE_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeInvocationsPerWorkgroup'
]

/** Device errors since the device was created: a failed pipeline writes nothing and throws nothing. */
const deviceErrors: string[] = []
/** How many of them came before the rung passed its check (those failed initialisation). */
let faultsFrom = Infinity

/**
 * The first WebGPU device error (validation, out of memory, device lost) since the rung started,
 * or null. The train loop checks it after every batch: tfjs never sees these errors, and the
 * numbers computed after one are zeros or garbage.
 */
export function webgpuFault(): string | null {
  return deviceErrors.length > faultsFrom ? deviceErrors[faultsFrom] : null
}

/** Registers and selects tfjs's 'webgpu' backend on the adapter Dawn gives this process. */
async function startBackend(opts: WebgpuRungOptions): Promise<WebgpuAdapterInfo> {
  const dawn = (await import(webgpuEntryUrl())) as DawnModule
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu')
  // GPUBufferUsage, GPUMapMode, GPUTextureUsage: tfjs reads them as browser globals.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) Object.assign(globalThis, { [k]: v })
  const gpu = dawn.create(opts.dawn ?? [])
  // tfjs's WebGPUBackend refuses to start unless navigator.gpu exists (Node 21+ has a navigator).
  const nav = (globalThis as { navigator?: object }).navigator ?? {}
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true })
  if (!(globalThis as { navigator?: object }).navigator) Object.assign(globalThis, { navigator: nav })
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: opts.featureLevel ?? 'core' })
  if (!adapter) throw new Error('Dawn found no WebGPU adapter in this process')
  const cpu = cpuAdapterReason(adapter.info)
  if (cpu && !opts.allowCpuAdapter) throw new Error(cpu)
  const requiredLimits = Object.fromEntries(DEVICE_LIMITS.filter((k) => k in adapter.limits).map((k) => [k, adapter.limits[k]]))
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : []
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits })
  device.addEventListener('uncapturederror', (e) => deviceErrors.push(e.error.message.split('\n')[0]))
  void device.lost.then((l) => deviceErrors.push(`device lost (${l.reason}): ${l.message}`))
  // Importing the package registered its own factory if navigator.gpu existed then; ours uses this device.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu')
  tf.registerBackend('webgpu', () => new WebGPUBackend(device as never, adapter.info as never))
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed")
  return adapter.info
}

/** A two-layer network's loss and gradients on the current backend (deterministic inputs). */
async function paritySample(): Promise<Float32Array[]> {
  // Sizes past one workgroup (256 invocations) and tfjs's shared-memory matmul tile, so the
  // programs whose limits a misconfigured device rejects are among those checked.
  const [n, d, h, o] = [96, 40, 48, 8]
  const fill = (len: number, k: number): Float32Array => Float32Array.from({ length: len }, (_, i) => Math.sin(i * k + k) * 0.5)
  const x = tf.tensor2d(fill(n * d, 0.37), [n, d])
  const y = tf.tensor2d(fill(n * o, 0.11), [n, o])
  const w1 = tf.variable(tf.tensor2d(fill(d * h, 0.53), [d, h]))
  const b1 = tf.variable(tf.tensor1d(fill(h, 0.71)))
  const w2 = tf.variable(tf.tensor2d(fill(h * o, 0.29), [h, o]))
  try {
    const { value, grads } = tf.variableGrads(() => {
      const hidden = tf.tanh(tf.add(tf.matMul(x, w1), b1))
      const out = tf.sigmoid(tf.matMul(hidden, w2))
      return tf.mean(tf.squaredDifference(out, y)) as tf.Scalar
    }, [w1, b1, w2])
    const all = [value, grads[w1.name], grads[b1.name], grads[w2.name]]
    const data = await Promise.all(all.map((t) => t.data() as Promise<Float32Array>))
    tf.dispose(all)
    return data
  } finally {
    tf.dispose([x, y, w1, b1, w2])
  }
}

/**
 * Loss and gradients of the parity sample on 'webgpu' against 'cpu': the largest difference
 * relative to the largest magnitude of each output. Leaves 'webgpu' selected.
 */
async function webgpuParity(): Promise<{ maxRelDiff: number; ok: boolean; errors: string[] }> {
  if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed")
  const ref = await paritySample()
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed")
  const got = await paritySample()
  let maxRelDiff = 0
  ref.forEach((r, j) => {
    const scale = Math.max(...r.map(Math.abs), 1e-30)
    for (let i = 0; i < r.length; i++) maxRelDiff = Math.max(maxRelDiff, Math.abs(r[i] - got[j][i]) / scale)
  })
  const errors = [...deviceErrors]
  return { maxRelDiff, ok: errors.length === 0 && maxRelDiff <= PARITY_TOLERANCE, errors }
}

/** Starts the rung and checks its numbers; throws (with the reason) where it must not be used. */
export async function initWebgpu(opts: WebgpuRungOptions = {}): Promise<Record<string, string | number | boolean>> {
  const info = await startBackend(opts)
  const parity = await webgpuParity()
  if (!parity.ok) {
    throw new Error(
      parity.errors.length ? `WebGPU device error during the parity check: ${parity.errors[0]}` : `parity check failed: loss / gradients differ from the cpu backend by ${parity.maxRelDiff.toExponential(2)} (relative)`
    )
  }
  faultsFrom = deviceErrors.length
  return { adapter: adapterName(info), cpuAdapter: cpuAdapterReason(info) !== null, parityMaxRelDiff: Number(parity.maxRelDiff.toPrecision(3)) }
}
