/**
 * Training and inference windows/s of the seed-000 LSTM classifier (batch 128, window 60 x 8) on
 * the backend the ladder picks, with and without the wasm BatchMatMul patch.
 * `npm run bench deep-models`; BENCH_STEPS (default 4) timed training steps per variant.
 */
import * as tf from '@tensorflow/tfjs'
import { initTfjs, isBatchMatMulPatched, patchWasmBatchMatMul, unpatchWasmBatchMatMul } from '../src-main/core/models/deep/tfjs-runtime'
import { buildLstmClassifier, lstmClassifierParamsSchema, bceLoss } from '../src-main/core/models/deep/lstm-classifier'

const STEPS = Number(process.env.BENCH_STEPS ?? 4)
const BATCH = 128

const backend = await initTfjs({ wasmThreads: process.env.BENCH_WASM_THREADS === '1' })
console.log(`backend: ${backend.name} ${JSON.stringify(backend.details ?? {})}`)
for (const s of backend.skipped) console.log(`  skipped ${s.name}: ${s.reason}`)

const p = lstmClassifierParamsSchema.parse({})
const model = buildLstmClassifier(p, 8)
console.log(`seed-000 model: ${model.countParams()} parameters`)
const x = tf.randomNormal([BATCH, 60, 8], 0, 1, 'float32', 1)
const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([BATCH, 1], 0, 1, 'float32', 2), 0.9), 'float32'))
const loss = bceLoss(null)
const opt = tf.train.adam(1e-3)
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)

function trainStep(): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), vars)
    opt.applyGradients(grads as unknown as { [name: string]: tf.Variable })
  })
}

async function time(label: string, fn: () => void, steps: number): Promise<number> {
  fn() // warm-up: kernel setup, optimizer slots
  await tf.ready()
  const t0 = performance.now()
  for (let i = 0; i < steps; i++) fn()
  const ms = (performance.now() - t0) / steps
  const wps = (BATCH * 1000) / ms
  console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms/batch  ${wps.toFixed(0).padStart(6)} windows/s`)
  return wps
}

const infer = () => tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync())
const variants = backend.name === 'wasm' ? [true, false] : [isBatchMatMulPatched()]
const results: Record<string, number> = {}
for (const patched of variants) {
  if (backend.name === 'wasm') {
    if (patched) patchWasmBatchMatMul()
    else unpatchWasmBatchMatMul()
  }
  const tag = backend.name === 'wasm' ? (patched ? 'patched' : 'unpatched') : 'native'
  results[`train ${tag}`] = await time(`train (${tag})`, trainStep, STEPS)
  results[`infer ${tag}`] = await time(`inference (${tag})`, infer, STEPS * 2)
}
if (backend.name === 'wasm') {
  console.log(`speed-up from the BatchMatMul patch: training x${(results['train patched'] / results['train unpatched']).toFixed(2)}, inference x${(results['infer patched'] / results['infer unpatched']).toFixed(2)}`)
  patchWasmBatchMatMul()
}
tf.dispose([x, y])
opt.dispose()
model.dispose()
