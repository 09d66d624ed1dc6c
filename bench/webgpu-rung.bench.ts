/**
 * Training speed of the seed-000 LSTM classifier (batch 128, window 60 x 8, Adam) on the webgpu
 * rung against the wasm rung. On a machine without a GPU, webgpu runs on Mesa's llvmpipe through
 * Dawn's OpenGL backend (a CPU adapter, which the ladder itself never picks): that figure says
 * what the rung's mechanics cost, not what a GPU would give.
 *
 * Each rung trains in its own child process (a process initialises one ladder rung), the rungs
 * alternating (wasm, webgpu, webgpu, wasm, ...) so a machine's changing load falls on both alike.
 * Windows per CPU-second count every thread of the child (llvmpipe computes on worker threads).
 * Each timed step waits for its loss to be read back, so the GPU's queued work is inside the step.
 *
 * `npm run bench webgpu-rung`. BENCH_ROUNDS (default 3) child processes per rung, BENCH_STEPS
 * (default 2) timed training steps in each, after one untimed warm-up step.
 */
import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { initTfjs } from '../src-main/core/models/deep/tfjs-runtime'
import { probeWebgpu } from '../src-main/core/models/webgpu-probe'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../src-main/core/models/deep/lstm-classifier'
import { seed000Batch } from './seed-000-batch'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const STEPS = Number(process.env.BENCH_STEPS ?? 2)
const BATCH = 128
// Mesa's EGL without a display server, for Dawn's OpenGL backend (inherited by the children).
process.env.EGL_PLATFORM ??= 'surfaceless'
/** Dawn's OpenGL backend on Mesa's llvmpipe, where no GPU adapter exists. */
const LLVMPIPE = { skipDeviceNodeCheck: true, dawn: ['backend=opengl'], featureLevel: 'compatibility' as const, allowCpuAdapter: true }

interface ChildResult {
  backend: string
  details: unknown
  windowsPerCpuSecond: number
  windowsPerWallSecond: number
}

async function child(rung: 'wasm' | 'webgpu', webgpu: typeof LLVMPIPE | undefined): Promise<ChildResult> {
  const report = await initTfjs({ prefer: rung, webgpu })
  if (report.name !== rung) throw new Error(`asked for ${rung}, got ${report.name}: ${JSON.stringify(report.skipped)}`)
  const { x, y, loss } = seed000Batch(BATCH)
  const model = buildLstmClassifier(lstmClassifierParamsSchema.parse({}), 8)
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const opt = tf.train.adam(1e-3)
  const step = async (): Promise<void> => {
    const value = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), vars)
      opt.applyGradients(grads as unknown as { [name: string]: tf.Variable })
      return value
    })
    await value.data()
    value.dispose()
  }
  await step()
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < STEPS; i++) await step()
  const wallMs = performance.now() - t0
  const c = process.cpuUsage(c0)
  const windows = STEPS * BATCH
  return { backend: report.name, details: report.details, windowsPerCpuSecond: (windows * 1e6) / (c.user + c.system), windowsPerWallSecond: (windows * 1000) / wallMs }
}

if (process.env.BENCH_CHILD) {
  const webgpu = process.env.BENCH_LLVMPIPE === '1' ? LLVMPIPE : undefined
  process.stdout.write(`\n${JSON.stringify(await child(process.env.BENCH_CHILD as 'wasm' | 'webgpu', webgpu))}\n`)
  process.exit(0)
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')
const gpu = await probeWebgpu()
const llvmpipe = gpu.available ? null : await probeWebgpu(LLVMPIPE)
if (!gpu.available && !llvmpipe?.available) {
  console.log(`no WebGPU adapter: ${gpu.reason}; llvmpipe through OpenGL: ${llvmpipe?.reason}`)
  process.exit(0)
}
console.log(`webgpu adapter: ${(gpu.available ? gpu : llvmpipe)!.reason}`)
console.log(`load average at start: ${load()}`)
const results: Record<string, ChildResult[]> = { wasm: [], webgpu: [] }
for (let r = 0; r < ROUNDS; r++) {
  for (const rung of r % 2 === 0 ? (['wasm', 'webgpu'] as const) : (['webgpu', 'wasm'] as const)) {
    const env = { ...process.env, BENCH_CHILD: rung, BENCH_LLVMPIPE: gpu.available ? '0' : '1' }
    const p = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    const line = p.stdout.trim().split('\n').pop() ?? ''
    if (p.status !== 0 || !line.startsWith('{')) throw new Error(`the ${rung} child failed (status ${p.status}): ${p.stdout.slice(-500)}`)
    const res = JSON.parse(line) as ChildResult
    results[rung].push(res)
    console.log(`round ${r + 1}  ${rung.padEnd(6)} ${res.windowsPerCpuSecond.toFixed(1).padStart(8)} windows/CPU-s ${res.windowsPerWallSecond.toFixed(1).padStart(8)} windows/wall-s  ${JSON.stringify(res.details)}`)
  }
}
const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1))
  return `${mean.toFixed(1)} ± ${sd.toFixed(1)}`
}
console.log(`\nload average at end: ${load()}`)
console.log(`training, seed-000 classifier, batch ${BATCH}, ${ROUNDS} x ${STEPS} steps (mean ± sd over processes):`)
for (const [rung, rs] of Object.entries(results)) {
  console.log(`  ${rung.padEnd(6)} ${stats(rs.map((r) => r.windowsPerCpuSecond))} windows/CPU-s   ${stats(rs.map((r) => r.windowsPerWallSecond))} windows/wall-s`)
}
