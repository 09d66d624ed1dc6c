/**
 * Training and inference speed of the seed-000 LSTM classifier (batch 128, window 60 x 8) on the
 * backend the ladder picks (wasm: one thread, SIMD, BatchMatMul patch): tfjs's per-time-step LSTM
 * layer (`fusedLstm: false`, the old path) against the sequence-level LSTM (sequence-lstm.ts, the
 * new path), same weights, measured interleaved (old, new, new, old, ...) so that a machine's
 * changing load falls on both alike. Reports windows per CPU-second (process.cpuUsage: user +
 * system of this single-threaded process) and per wall-second, and the ratio new / old.
 *
 * `npm run bench deep-models`. BENCH_ROUNDS (default 3) rounds of BENCH_STEPS (default 2) timed
 * training steps per variant; BENCH_UNPATCHED=1 adds both paths without the BatchMatMul patch.
 *
 * Threads (wasm, on a machine of 2 or more cores): the new path is then measured with 1 thread and
 * with every core (wasm-threads.ts), each round in a fresh process per thread count (a process's
 * wasm thread count is fixed when the backend starts), the orders alternating (1, n, n, 1, ...).
 * CPU time is the whole process's, every thread included, so windows per CPU-second falling as
 * threads rise is the price of the wall-time speed-up. BENCH_WASM_THREADS=n runs the comparison
 * above at n threads instead (and skips this one).
 */
import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { initTfjs, patchWasmBatchMatMul, unpatchWasmBatchMatMul } from '../src-main/core/models/deep/tfjs-runtime'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../src-main/core/models/deep/lstm-classifier'
import { seed000Batch } from './seed-000-batch'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const STEPS = Number(process.env.BENCH_STEPS ?? 2)
const BATCH = 128

/** Set when this bench runs itself to measure one thread count (see the header). */
const threadsChild = process.env.BENCH_THREADS_CHILD ? Number(process.env.BENCH_THREADS_CHILD) : null
const backend = await initTfjs({ wasmThreads: threadsChild ?? Number(process.env.BENCH_WASM_THREADS ?? 1) })
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')
if (threadsChild === null) {
  console.log(`backend: ${backend.name} ${JSON.stringify(backend.details ?? {})}`)
  for (const s of backend.skipped) console.log(`  skipped ${s.name}: ${s.reason}`)
  console.log(`load average at start: ${load()}`)
}

const { x, y, loss } = seed000Batch(BATCH)

interface Variant {
  label: string
  fused: boolean
  patched: boolean
  model: tf.Sequential
  opt: tf.Optimizer
  vars: tf.Variable[]
  train: { windows: number; cpuMs: number; wallMs: number }
  infer: { windows: number; cpuMs: number; wallMs: number }
}

const wasm = backend.name === 'wasm'
const combos = [
  ...(threadsChild === null ? [{ fused: false, patched: true }] : []),
  { fused: true, patched: true },
  ...(wasm && threadsChild === null && process.env.BENCH_UNPATCHED === '1'
    ? [
        { fused: false, patched: false },
        { fused: true, patched: false }
      ]
    : [])
]
const variants: Variant[] = combos.map(({ fused, patched }) => {
  const model = buildLstmClassifier(lstmClassifierParamsSchema.parse({ fusedLstm: fused }), 8)
  return {
    label: `${fused ? 'new: sequence LSTM' : 'old: per-step tf.layers.lstm'}${wasm && !patched ? ' (unpatched)' : ''}`,
    fused,
    patched,
    model,
    opt: tf.train.adam(1e-3),
    vars: model.trainableWeights.map((w) => w.read() as tf.Variable),
    train: { windows: 0, cpuMs: 0, wallMs: 0 },
    infer: { windows: 0, cpuMs: 0, wallMs: 0 }
  }
})
if (threadsChild === null) console.log(`seed-000 model: ${variants[0].model.countParams()} parameters, batch ${BATCH}; ${ROUNDS} rounds x ${STEPS} training steps per variant`)

function usePatch(v: Variant): void {
  if (!wasm) return
  if (v.patched) patchWasmBatchMatMul()
  else unpatchWasmBatchMatMul()
}

function trainStep(v: Variant): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => loss(y, v.model.apply(x, { training: true }) as tf.Tensor), v.vars)
    v.opt.applyGradients(grads as unknown as { [name: string]: tf.Variable })
  })
}

const inferStep = (v: Variant) => tf.tidy(() => (v.model.apply(x, { training: false }) as tf.Tensor).dataSync())

function measure(v: Variant, what: 'train' | 'infer', steps: number): { cpuMs: number; wallMs: number } {
  usePatch(v)
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < steps; i++) {
    if (what === 'train') trainStep(v)
    else inferStep(v)
  }
  const wallMs = performance.now() - t0
  const c = process.cpuUsage(c0)
  const cpuMs = (c.user + c.system) / 1000
  const acc = v[what]
  acc.windows += steps * BATCH
  acc.cpuMs += cpuMs
  acc.wallMs += wallMs
  return { cpuMs, wallMs }
}

// Warm-up: kernel setup, optimizer slots (not counted).
for (const v of variants) {
  usePatch(v)
  trainStep(v)
  inferStep(v)
}

const rate = (windows: number, ms: number) => ((windows * 1000) / ms).toFixed(1).padStart(7)
if (threadsChild !== null) {
  const [v] = variants
  measure(v, 'train', STEPS)
  measure(v, 'infer', STEPS)
  console.log(JSON.stringify({ threads: backend.details?.threads ?? 1, train: v.train, infer: v.infer }))
  process.exit(0)
}
for (let r = 0; r < ROUNDS; r++) {
  // Alternate the order (old-new, new-old, ...) so neither path always runs first.
  const order = r % 2 === 0 ? variants : [...variants].reverse()
  for (const v of order) {
    const t = measure(v, 'train', STEPS)
    console.log(`round ${r + 1}  train  ${v.label.padEnd(40)} ${rate(STEPS * BATCH, t.cpuMs)} windows/CPU-s ${rate(STEPS * BATCH, t.wallMs)} windows/wall-s`)
  }
  for (const v of order) measure(v, 'infer', STEPS)
}

console.log(`\nload average at end: ${load()}`)
console.log(`${''.padEnd(47)} windows/CPU-s  windows/wall-s`)
for (const v of variants) {
  for (const what of ['train', 'infer'] as const) {
    const a = v[what]
    console.log(`${what.padEnd(6)} ${v.label.padEnd(40)} ${rate(a.windows, a.cpuMs)}        ${rate(a.windows, a.wallMs)}`)
  }
}
const ratio = (what: 'train' | 'infer', patched: boolean, per: 'cpuMs' | 'wallMs') => {
  const old = variants.find((v) => !v.fused && v.patched === patched)![what]
  const nu = variants.find((v) => v.fused && v.patched === patched)![what]
  return (old[per] / old.windows / (nu[per] / nu.windows)).toFixed(2)
}
for (const patched of wasm && process.env.BENCH_UNPATCHED === '1' ? [true, false] : [true]) {
  const tag = wasm ? (patched ? ' (patched BatchMatMul)' : ' (unpatched BatchMatMul)') : ''
  console.log(
    `new / old${tag}: training x${ratio('train', patched, 'cpuMs')} per CPU-second, x${ratio('train', patched, 'wallMs')} wall; ` +
      `inference x${ratio('infer', patched, 'cpuMs')} per CPU-second, x${ratio('infer', patched, 'wallMs')} wall`
  )
}
if (wasm) patchWasmBatchMatMul()
tf.dispose([x, y])
for (const v of variants) {
  v.opt.dispose()
  v.model.dispose()
}
if (wasm && process.env.BENCH_WASM_THREADS === undefined && availableParallelism() >= 2) compareThreads([1, availableParallelism()])

type Measured = Pick<Variant, 'train' | 'infer'>
/** One round of the new path at `threads` threads, in a fresh process (this file, BENCH_THREADS_CHILD). */
function childRound(threads: number): Measured & { threads: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_THREADS_CHILD: String(threads) },
    encoding: 'utf8'
  })
  const last = r.stdout.trim().split('\n').pop() ?? ''
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`the ${threads}-thread round failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`)
  return JSON.parse(last) as Measured & { threads: number }
}

function compareThreads(counts: number[]): void {
  console.log(`\nthreads (new path, a fresh process per round and thread count), load average at start: ${load()}`)
  const sums = new Map(counts.map((n) => [n, { train: { windows: 0, cpuMs: 0, wallMs: 0 }, infer: { windows: 0, cpuMs: 0, wallMs: 0 } } as Measured]))
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of r % 2 === 0 ? counts : [...counts].reverse()) {
      const m = childRound(n)
      if (m.threads !== n) throw new Error(`asked for ${n} threads, the backend runs ${m.threads}`)
      const acc = sums.get(n)!
      for (const what of ['train', 'infer'] as const) for (const k of ['windows', 'cpuMs', 'wallMs'] as const) acc[what][k] += m[what][k]
      console.log(`round ${r + 1}  ${n} thread(s)  train ${rate(m.train.windows, m.train.cpuMs)} windows/CPU-s ${rate(m.train.windows, m.train.wallMs)} windows/wall-s`)
    }
  }
  console.log(`load average at end: ${load()}`)
  const one = sums.get(counts[0])!
  for (const n of counts) {
    const a = sums.get(n)!
    for (const what of ['train', 'infer'] as const) {
      const wall = one[what].wallMs / one[what].windows / (a[what].wallMs / a[what].windows)
      const cpu = one[what].cpuMs / one[what].windows / (a[what].cpuMs / a[what].windows)
      console.log(
        `${n} thread(s) ${what.padEnd(6)} ${rate(a[what].windows, a[what].cpuMs)} windows/CPU-s ${rate(a[what].windows, a[what].wallMs)} windows/wall-s` +
          `   vs 1 thread: x${wall.toFixed(2)} wall, x${cpu.toFixed(2)} per CPU-second`
      )
    }
  }
}
