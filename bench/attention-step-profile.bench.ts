/**
 * Where one training step of the seed-004 attention model goes on wasm (one thread): CPU time per
 * kernel name (each kernel's call wrapped in process.cpuUsage; kernels called inside another
 * count toward the outer one) and the rest of the step outside kernels (tfjs's engine and tape,
 * the layers' JavaScript, garbage collection). The wrapping adds a few microseconds per call.
 *
 * `npm run bench attention-step-profile`; BENCH_STEPS (default 20) steps are profiled after
 * warm-up, BENCH_TOP (default 20) kernels are listed. Same model, shapes and step as
 * bench/deep-models.bench.ts (new path).
 */
import * as tf from '@tensorflow/tfjs'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { initTfjs } from '../src-main/core/models/deep/tfjs-runtime'
import { buildLstmAttention, lstmAttentionParamsSchema } from '../src-main/core/models/deep/lstm-attention'
import { horizonMonths, riskAwareLoss } from '../src-main/core/models/deep/risk-loss'
import { adam } from '../src-main/core/models/deep/fused-adam'
import { trainStepOf } from './train-step'

const STEPS = Number(process.env.BENCH_STEPS ?? 20)
const TOP = Number(process.env.BENCH_TOP ?? 20)
const root = join(import.meta.dirname, '..')

await initTfjs({ wasmThreads: 1 })
const p = lstmAttentionParamsSchema.parse(JSON.parse(readFileSync(join(root, 'experiments', 'business-risk-lstm-attention.json'), 'utf8')).model.params)
const features = 20
const horizons = p.horizons.map(horizonMonths)
const model = buildLstmAttention({ window: p.window, features, horizons: horizons.length, lstmUnits: p.lstmUnits, heads: p.heads, keyDim: p.keyDim, dropout: p.dropout, seed: p.seed })
const loss = riskAwareLoss({ horizonMonths: horizons, riskWeight: p.riskWeight })
const x = tf.randomNormal([p.batchSize, p.window, features], 0, 1, 'float32', 5)
const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([p.batchSize, horizons.length], 0, 1, 'float32', 6), 0.9), 'float32'))
const step = trainStepOf(model, loss, x, y, adam(1e-3))
for (let i = 0; i < 3; i++) step()

const perKernel = new Map<string, { ms: number; calls: number }>()
let depth = 0
for (const k of tf.getKernelsForBackend('wasm')) {
  const inner = k.kernelFunc
  ;(k as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
    if (depth > 0) return inner(args)
    depth++
    const c0 = process.cpuUsage()
    try {
      return inner(args)
    } finally {
      depth--
      const c = process.cpuUsage(c0)
      const e = perKernel.get(k.kernelName) ?? { ms: 0, calls: 0 }
      e.ms += (c.user + c.system) / 1000
      e.calls++
      perKernel.set(k.kernelName, e)
    }
  }
}
step()
perKernel.clear()
const c0 = process.cpuUsage()
for (let i = 0; i < STEPS; i++) step()
const c = process.cpuUsage(c0)
const stepMs = (c.user + c.system) / 1000 / STEPS
const rows = [...perKernel].map(([name, e]) => ({ name, ms: e.ms / STEPS, calls: e.calls / STEPS })).sort((a, b) => b.ms - a.ms)
const kernelMs = rows.reduce((s, r) => s + r.ms, 0)
console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(`one step (batch ${p.batchSize}): ${stepMs.toFixed(1)} ms CPU, ${((p.batchSize * 1000) / stepMs).toFixed(0)} windows/CPU-s`)
console.log(`kernels ${kernelMs.toFixed(1)} ms in ${rows.reduce((s, r) => s + r.calls, 0)} calls; outside kernels ${(stepMs - kernelMs).toFixed(1)} ms`)
for (const r of rows.slice(0, TOP)) console.log(`${r.name.padEnd(28)} ${r.ms.toFixed(2).padStart(7)} ms ${String(r.calls).padStart(5)} calls ${((r.ms / r.calls) * 1000).toFixed(0).padStart(6)} us/call`)
