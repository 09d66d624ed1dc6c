/**
 * ONNX export figures per model kind: file size, ONNX Runtime (CPU, onnxruntime-node) latency of
 * one window (p50 / p95 over 1,000 calls, warm session) and batch throughput (windows/s at batch
 * 256). Models are built with our builders at the seeds' sizes with seeded random weights
 * (latency does not depend on training). Also prints the parity of each export with its model.
 * Run: `npx tsx bench/onnx.bench.ts` (or `npm run bench onnx`).
 */
import * as ort from 'onnxruntime-node'
import * as os from 'node:os'
import type * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../src-main/core/models/deep/tfjs-runtime'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../src-main/core/models/deep/lstm-classifier'
import { buildLstmAutoencoder, lstmAutoencoderParamsSchema, scoreK } from '../src-main/core/models/deep/lstm-autoencoder'
import { buildLstmAttention } from '../src-main/core/models/deep/lstm-attention'
import { fitIsolationForest } from '../src-main/core/models/iforest'
import { applyScaler, fitStandardScaler } from '../src-main/core/data/scaler'
import { exportIsolationForest } from '../src-main/core/export/onnx/iforest-onnx'
import { exportTfjsModel, type TfjsHead } from '../src-main/core/export/onnx/tfjs-onnx'
import { iforestReference, tfjsReference } from '../src-main/core/export/onnx/reference'
import { checkParity, type Reference } from '../src-main/core/export/onnx/parity'
import { graphIO } from '../src-main/core/export/onnx/graph'
import { randomInput, randomiseWeights } from '../src-main/core/export/onnx/random-weights'

const CALLS = 1000
const BATCH = 256

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

async function measure(label: string, onnx: Uint8Array, perWindow: number, reference: Reference, makeInput: (n: number) => Float32Array) {
  const io = graphIO(onnx)
  const dims = (n: number) => [n, ...io.inputs[0].shape.slice(1).map(Number)]
  const session = await ort.InferenceSession.create(onnx)
  const feed = (n: number) => ({ [io.inputs[0].name]: new ort.Tensor('float32', makeInput(n), dims(n)) })
  const one = feed(1)
  for (let i = 0; i < 20; i++) await session.run(one)
  const times: number[] = []
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now()
    await session.run(one)
    times.push(performance.now() - t0)
  }
  const batch = feed(BATCH)
  await session.run(batch)
  // Median time per batch over >= 10 batches (and >= 2 s): robust to a busy machine's spikes.
  const batchTimes: number[] = []
  const t0 = performance.now()
  while (batchTimes.length < 10 || performance.now() - t0 < 2000) {
    const t = performance.now()
    await session.run(batch)
    batchTimes.push(performance.now() - t)
  }
  const throughput = BATCH / (quantile(batchTimes, 0.5) / 1000)
  await session.release()
  const parity = await checkParity(onnx, reference, makeInput(8), 8)
  const diffs = Object.entries(parity.maxAbsDiff)
    .map(([k, v]) => `${k} ${v.toExponential(1)}`)
    .join(', ')
  console.log(
    `${label.padEnd(34)} ${(onnx.byteLength / 1024).toFixed(0).padStart(6)} KiB | 1 window p50 ${quantile(times, 0.5).toFixed(3)} ms, p95 ${quantile(times, 0.95).toFixed(3)} ms | ` +
      `batch ${BATCH}: ${throughput.toFixed(0)} windows/s | parity ${parity.ok ? 'ok' : 'FAILED'} (${diffs}) | ${perWindow} values/window`
  )
}

function scalerFor(F: number) {
  return { mean: Array.from({ length: F }, (_, j) => 10 * j), scale: Array.from({ length: F }, (_, j) => 1 + j) }
}

async function deep(label: string, model: tf.LayersModel, T: number, F: number, head: TfjsHead = { kind: 'direct' }) {
  randomiseWeights(model, 1, 0.15)
  const scaler = scalerFor(F)
  const onnx = exportTfjsModel(model, { scaler, head })
  let seed = 100
  const makeInput = (n: number) => Float32Array.from(randomInput(n * T * F, seed++, 0, 2), (v, i) => scaler.mean[i % F] + v * scaler.scale[i % F])
  await measure(label, onnx, T * F, tfjsReference(model, scaler, head), makeInput)
  model.dispose()
}

async function main(): Promise<void> {
  const backend = await initTfjs({ prefer: 'wasm' })
  console.log(`onnxruntime-node ${ort.env.versions.node ?? ''} CPU; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}); tfjs reference backend ${backend.name}`)

  // Seed 002: 2,016 rows x 12 features, 100 trees, max_samples auto (256).
  const F = 12
  const rows = 2016
  const data = randomInput(rows * F, 1, 50, 30)
  const scaler = fitStandardScaler({ data, rows, cols: F })
  const forest = fitIsolationForest(applyScaler({ data, rows, cols: F }, scaler), { nEstimators: 100, contamination: 0.05, seed: 42 })
  let seed = 200
  await measure('iforest (seed 002: 100 trees, 12 f)', exportIsolationForest(forest, scaler), F, iforestReference(forest, scaler), (n) => randomInput(n * F, seed++, 50, 40))

  await deep('lstm-classifier (seed 000: 60 x 8)', buildLstmClassifier(lstmClassifierParamsSchema.parse({}), 8), 60, 8)
  const ae = lstmAutoencoderParamsSchema.parse({ window: 60 })
  await deep('lstm-autoencoder (seed 001: 60 x 7)', buildLstmAutoencoder(ae, 7), 60, 7, { kind: 'reconstruction', k: scoreK(0.5) })
  await deep('lstm-autoencoder (seed 003: 10 x 7)', buildLstmAutoencoder(lstmAutoencoderParamsSchema.parse({ window: 10 }), 7), 10, 7, { kind: 'reconstruction', k: scoreK(0.5) })
  await deep(
    'lstm-attention (seed 004: 12 x 20)',
    buildLstmAttention({ window: 12, features: 20, horizons: 3, lstmUnits: [128, 128], heads: 4, keyDim: 32, dropout: 0.3, seed: 4 }),
    12,
    20
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
