/**
 * Whether the WebGPU rung of the tfjs ladder can run here (DESIGN.md section 2): the packages,
 * a GPU device, and the adapter Dawn offers. The rung itself (tfjs-backend-webgpu on Dawn, its
 * parity check) is `deep/webgpu-rung.ts`; this file loads neither tfjs nor Dawn, so `doctor` stays
 * quick.
 *
 * `webgpu` (dawn.node, Chromium's WebGPU implementation) ships prebuilt for linux-x64/arm64, darwin
 * and win32 inside its npm tarball (its install step only clears macOS's quarantine attribute), so
 * it installs offline from the npm registry alone. What Dawn needs at run time: on Linux the
 * Vulkan loader (libvulkan.so.1) and a Vulkan driver for the GPU — for NVIDIA the driver's Vulkan
 * ICD (nvidia_icd.json), which CUDA-only server installs often lack; Dawn then finds no adapter
 * and the probe says so.
 *
 * A CPU adapter is "no GPU": Mesa's lavapipe / llvmpipe and SwiftShader run WebGPU on the CPU and
 * are slower than the wasm rung, so the probe never lets one win. Dawn does not flag all of them:
 * llvmpipe through Dawn's OpenGL backend reports isFallbackAdapter = false, so the adapter's names
 * are checked too.
 *
 * The adapter query runs in a child process: Dawn prints its discovery warnings straight to stderr
 * (the user's terminal, when a worker starts) and a GPU driver fault must not take the caller down.
 * The child's warnings become the reason the rung was skipped. On Linux a machine with no GPU
 * device node (/dev/dri/renderD*, /dev/nvidia0) is answered without starting Dawn at all.
 */
import { createRequire } from 'node:module'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const nodeRequire = createRequire(import.meta.url)

const PACKAGES = ['webgpu', '@tensorflow/tfjs-backend-webgpu'] as const

/** How the rung asks Dawn for an adapter. Tests use Dawn's OpenGL backend on Mesa's llvmpipe. */
export interface WebgpuRungOptions {
  /** dawn.node options, e.g. 'backend=opengl' (see the webgpu package's README). */
  dawn?: string[]
  /** 'compatibility' admits Dawn's OpenGL adapters; a real GPU gives a 'core' one. */
  featureLevel?: 'core' | 'compatibility'
  /** Accept a CPU adapter (tests and benches of the rung's mechanics only). */
  allowCpuAdapter?: boolean
  /** Ask Dawn even where no GPU device node exists (tests only). */
  skipDeviceNodeCheck?: boolean
}

/** The fields of WebGPU's GPUAdapterInfo the rung reads. */
export interface WebgpuAdapterInfo {
  vendor: string
  architecture: string
  device: string
  description: string
  isFallbackAdapter: boolean
}

export interface WebgpuProbe {
  available: boolean
  reason: string
  adapter: WebgpuAdapterInfo | null
}

// Software WebGPU / Vulkan / GL implementations, as their drivers name themselves; Dawn's 'null'
// backend computes nothing at all.
const CPU_ADAPTER = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render|\bwarp\b|null-backend/i

export function adapterName(info: WebgpuAdapterInfo): string {
  return [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' / ') || 'unnamed adapter'
}

/** Why an adapter is not a GPU, or null when it is one. */
export function cpuAdapterReason(info: WebgpuAdapterInfo): string | null {
  if (info.isFallbackAdapter) return `the only WebGPU adapter is a fallback (CPU) adapter: ${adapterName(info)}`
  const match = CPU_ADAPTER.exec(`${info.device} ${info.description} ${info.vendor}`)
  if (match) return `the only WebGPU adapter runs on the CPU (${match[0]}: ${adapterName(info)}), which is slower than wasm`
  return null
}

function missingPackage(): string | null {
  for (const pkg of PACKAGES) {
    try {
      nodeRequire.resolve(pkg)
    } catch {
      return pkg
    }
  }
  return null
}

/** Linux only: a GPU Vulkan driver needs a DRM render node or the NVIDIA device. */
function gpuDeviceNodes(): string[] {
  const dri = existsSync('/dev/dri') ? readdirSync('/dev/dri').filter((f) => f.startsWith('renderD')).map((f) => `/dev/dri/${f}`) : []
  return [...dri, ...(existsSync('/dev/nvidia0') ? ['/dev/nvidia0'] : [])]
}

// Run by the probe's child process: argv = [dawn.node entry URL, options JSON]; prints the adapter.
const ADAPTER_SCRIPT = `
const [url, json] = process.argv.slice(1)
const opts = JSON.parse(json)
const { create } = await import(url)
let gpu = create(opts.dawn)
const a = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: opts.featureLevel })
const i = a && a.info
process.stdout.write(JSON.stringify(i && { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: Boolean(i.isFallbackAdapter || a.isFallbackAdapter) }))
gpu = null
process.exit(0)
`

const PROBE_TIMEOUT_MS = 30_000

export function webgpuEntryUrl(): string {
  return pathToFileURL(nodeRequire.resolve('webgpu')).href
}

/** Dawn's first warning line, e.g. "Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file". */
function dawnWarning(stderr: string): string | null {
  const line = stderr.split('\n').find((l) => /^(Warning|Error):/.test(l.trim()))
  return line ? line.trim().replace(/^(Warning|Error):\s*/, '') : null
}

function askDawn(opts: WebgpuRungOptions): Promise<{ adapter: WebgpuAdapterInfo | null; stderr: string }> {
  const args = ['--input-type=module', '-e', ADAPTER_SCRIPT, webgpuEntryUrl(), JSON.stringify({ dawn: opts.dawn ?? [], featureLevel: opts.featureLevel ?? 'core' })]
  // In Electron's processes execPath is Electron itself: ELECTRON_RUN_AS_NODE makes it a plain Node.
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' }
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = dawnWarning(stderr) ?? stderr.trim().split('\n').pop() ?? err.message
        reject(new Error(err.killed ? `Dawn's adapter query did not answer within ${PROBE_TIMEOUT_MS / 1000} s` : `Dawn's adapter query failed: ${why}`))
        return
      }
      try {
        resolve({ adapter: JSON.parse(stdout) as WebgpuAdapterInfo | null, stderr })
      } catch {
        reject(new Error(`Dawn's adapter query printed no adapter description: ${stdout.slice(0, 200)}`))
      }
    })
  })
}

/** Whether the WebGPU rung can run here, and why not. */
export async function probeWebgpu(opts: WebgpuRungOptions = {}): Promise<WebgpuProbe> {
  const missing = missingPackage()
  if (missing) return { available: false, reason: `${missing} is not installed (an optional dependency)`, adapter: null }
  if (process.platform === 'linux' && !opts.skipDeviceNodeCheck && gpuDeviceNodes().length === 0) {
    return { available: false, reason: 'no GPU device on this machine (no /dev/dri/renderD* or /dev/nvidia0): Dawn would find at most a CPU adapter', adapter: null }
  }
  let answer: Awaited<ReturnType<typeof askDawn>>
  try {
    answer = await askDawn(opts)
  } catch (err) {
    return { available: false, reason: (err as Error).message, adapter: null }
  }
  const { adapter, stderr } = answer
  if (!adapter) {
    const why = dawnWarning(stderr)
    return { available: false, reason: `Dawn found no WebGPU adapter${why ? `: ${why}` : ' (no GPU driver with Vulkan support?)'}`, adapter: null }
  }
  const cpu = cpuAdapterReason(adapter)
  if (cpu && !opts.allowCpuAdapter) return { available: false, reason: cpu, adapter }
  return { available: true, reason: `WebGPU adapter: ${adapterName(adapter)}${cpu ? ' (a CPU adapter, allowed by this run)' : ''}`, adapter }
}
