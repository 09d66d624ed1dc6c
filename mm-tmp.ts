import * as tf from '@tensorflow/tfjs'
import { initTfjs } from './src-main/core/models/deep/tfjs-runtime'
const n = Number(process.env.T)
const r = await initTfjs({ prefer: 'wasm', wasmThreads: n })
const size = Number(process.env.S ?? 1024)
const a = tf.randomNormal([size, size], 0, 1, 'float32', 1)
tf.matMul(a, a).dispose()
const c0 = process.cpuUsage(); const t0 = performance.now()
const reps = Number(process.env.R ?? 10)
for (let i = 0; i < reps; i++) tf.matMul(a, a).dispose()
const wall = performance.now() - t0; const c = process.cpuUsage(c0)
console.log(JSON.stringify({ threads: r.details?.threads, size, gflopPerWallS: (2 * size ** 3 * reps / wall / 1e6).toFixed(2), gflopPerCpuS: (2 * size ** 3 * reps / ((c.user + c.system) / 1000) / 1e6).toFixed(2) }))
