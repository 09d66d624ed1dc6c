/**
 * In-training scoring speed of the seed-000 LSTM classifier (60 x 8, LSTM 128-64, BN, Dense 32):
 * the trainers' scoring pass (deep-trial.ts scoreSource over a window source, batch 512 = the
 * trainers' batchSize x 4) in tfjs (the ladder's backend: wasm here) against ONNX Runtime over an
 * in-memory export of the current weights (models/deep/predictor.ts), which the train loop opens
 * once per epoch. Reports, per engine, windows per wall-second of the steady pass, and for ORT
 * the fixed cost per epoch (export + session creation) and the effective rate of a whole epoch's
 * pass at BENCH_WINDOWS windows (export and session included). Rounds alternate the order.
 *
 * `npm run bench training-scoring`. BENCH_WINDOWS (default 1024), BENCH_ROUNDS (default 2),
 * BENCH_ORT_THREADS (default "1"; e.g. "1,2" compares intra-op thread counts).
 */
import * as tf from '@tensorflow/tfjs'
import { loadavg } from 'node:os'
import { initTfjs } from '../src-main/core/models/deep/tfjs-runtime'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../src-main/core/models/deep/lstm-classifier'
import { scoreSource, windowSource, type WindowSet } from '../src-main/core/models/deep/deep-trial'
import { onnxPredictor, tfjsPredictor, type Predictor } from '../src-main/core/models/deep/predictor'
import { exportTfjsModel } from '../src-main/core/export/onnx/tfjs-onnx'
import { randomiseWeights } from '../src-main/core/export/onnx/random-weights'
import { createRng } from '../src-main/core/data/rng'

const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 1024)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const THREADS = (process.env.BENCH_ORT_THREADS ?? '1').split(',').map(Number)
const T = 60
const F = 8
const SCORE_BATCH = 512

const backend = await initTfjs()
const loadNow = () => loadavg().map((l) => l.toFixed(2)).join(' ')
console.log(`tfjs backend ${backend.name}; load average at start ${loadNow()}`)

// A series of WINDOWS + T - 1 rows, every window of it: what a trainer's validation part is.
const rng = createRng(1)
const rows = WINDOWS + T - 1
const set: WindowSet = {
  columns: Array.from({ length: F }, () => Float32Array.from({ length: rows }, () => rng.normal())),
  starts: Int32Array.from({ length: WINDOWS }, (_, i) => i),
  labels: new Uint8Array(WINDOWS),
  types: new Uint8Array(WINDOWS),
  length: T
}
const source = windowSource(set, 'label')
const model = buildLstmClassifier(lstmClassifierParamsSchema.parse({}), F)
randomiseWeights(model, 3, 0.15)
const probability = (y: tf.Tensor) => tf.reshape(y, [-1])
console.log(`seed-000 classifier: ${model.countParams()} parameters; ${WINDOWS} windows per pass, batch ${SCORE_BATCH}; ${ROUNDS} rounds`)

const totals = new Map<string, { windows: number; ms: number }>()
const add = (label: string, windows: number, ms: number) => {
  const t = totals.get(label) ?? { windows: 0, ms: 0 }
  totals.set(label, { windows: t.windows + windows, ms: t.ms + ms })
}
const rate = (windows: number, ms: number) => ((windows * 1000) / ms).toFixed(0).padStart(6)

async function pass(p: Predictor): Promise<{ ms: number; scores: Float32Array }> {
  const t0 = performance.now()
  const scores = await scoreSource(p, source, SCORE_BATCH, probability)
  return { ms: performance.now() - t0, scores }
}

// Warm-up (kernels, ORT's first session): not counted.
await pass(tfjsPredictor(model))
const warm = await onnxPredictor(model)
await warm.release()

let worstDiff = 0
for (let r = 0; r < ROUNDS; r++) {
  const runTfjs = async () => {
    const t = await pass(tfjsPredictor(model))
    add('tfjs', WINDOWS, t.ms)
    console.log(`round ${r + 1}  tfjs                      ${rate(WINDOWS, t.ms)} windows/s`)
    return t.scores
  }
  const runOrt = async (threads: number) => {
    const t0 = performance.now()
    exportTfjsModel(model, { head: { kind: 'direct' } })
    const exportMs = performance.now() - t0
    const t1 = performance.now()
    const p = await onnxPredictor(model, { threads })
    // onnxPredictor exports again then opens the session: its time less one export is the session.
    const sessionMs = performance.now() - t1 - exportMs
    const t = await pass(p)
    await p.release()
    const label = `onnxruntime, ${threads} thread${threads > 1 ? 's' : ''}`
    add(label, WINDOWS, t.ms)
    add(`${label}, epoch incl. export + session`, WINDOWS, t.ms + exportMs + Math.max(0, sessionMs))
    add(`${label}: export ms`, 1, exportMs)
    add(`${label}: session ms`, 1, Math.max(0, sessionMs))
    console.log(`round ${r + 1}  ${label.padEnd(24)} ${rate(WINDOWS, t.ms)} windows/s (export ${exportMs.toFixed(0)} ms, session ${sessionMs.toFixed(0)} ms)`)
    return t.scores
  }
  const engines = [runTfjs, ...THREADS.map((n) => () => runOrt(n))]
  const results: Float32Array[] = []
  for (const run of r % 2 === 0 ? engines : [...engines].reverse()) results.push(await run())
  for (const s of results.slice(1)) for (let i = 0; i < s.length; i++) worstDiff = Math.max(worstDiff, Math.abs(s[i] - results[0][i]))
}

console.log(`\nload average at end ${loadNow()}`)
for (const [label, t] of totals) {
  if (label.endsWith(' ms')) console.log(`${label.padEnd(52)} ${(t.ms / t.windows).toFixed(1)} ms per epoch`)
  else console.log(`${label.padEnd(52)} ${rate(t.windows, t.ms)} windows/s`)
}
const tfjsRate = totals.get('tfjs')!
for (const n of THREADS) {
  const label = `onnxruntime, ${n} thread${n > 1 ? 's' : ''}`
  const o = totals.get(label)!
  const fixed = totals.get(`${label}: export ms`)!.ms / ROUNDS + totals.get(`${label}: session ms`)!.ms / ROUNDS
  // Windows at which tfjs's time equals ORT's fixed cost plus its time: below it, tfjs is cheaper.
  const perTfjs = tfjsRate.ms / tfjsRate.windows
  const perOrt = o.ms / o.windows
  console.log(`${label}: x${(perTfjs / perOrt).toFixed(1)} tfjs's rate; break-even pass ${Math.ceil(fixed / (perTfjs - perOrt))} windows`)
}
console.log(`max |ORT - tfjs| over every score: ${worstDiff.toExponential(2)}`)
model.dispose()
