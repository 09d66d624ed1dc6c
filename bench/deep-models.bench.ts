/**
 * Training (and inference) speed of the three LSTM models on the backend the ladder picks (wasm:
 * one thread, SIMD, the kernel patches of tfjs-runtime.ts): tfjs's per-time-step LSTM layer
 * (`fusedLstm: false`, the old path) against the sequence-level LSTM (sequence-lstm.ts, the new
 * path), same weights, measured interleaved (old, new, new, old, ...) so that a machine's changing
 * load falls on both alike.
 *
 *   classifier   seed 000: 60 x 8,  LSTM 128-64 + BN + Dense, batch 128
 *   autoencoder  seed 001: 60 x 7,  LSTM 128-64-32 / 32-64-128 + TimeDistributed Dense, batch 32
 *   attention    seed 004: 12 x 20, LSTM 128-128 + 4-head attention + risk heads, batch 64
 *
 * Architectures, windows and batch sizes are read from experiments/*.json (features: the seed
 * scenarios' column counts). Reports windows per CPU-second (process.cpuUsage: user + system of
 * this process) and per wall-second, mean and spread over rounds, the load average, and the ratio
 * new / old; then, when python3 (or /usr/bin/python3) imports torch, PyTorch on one thread training the same
 * architectures on the same shapes (bench/deep_models_torch.py; BENCH_PYTHON names the interpreter).
 *
 * `npm run bench deep-models`. BENCH_ROUNDS (default 3) rounds of BENCH_STEPS (default 2) timed
 * training steps per variant; BENCH_MODELS=classifier,autoencoder,attention picks models;
 * BENCH_UNPATCHED=1 adds both paths without the BatchMatMul patch; BENCH_TORCH=0 skips PyTorch.
 */
import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { initTfjs, patchWasmBatchMatMul, unpatchWasmBatchMatMul } from '../src-main/core/models/deep/tfjs-runtime'
import { buildLstmClassifier, lstmClassifierParamsSchema, bceLoss } from '../src-main/core/models/deep/lstm-classifier'
import { buildLstmAutoencoder, lstmAutoencoderParamsSchema, mseLoss } from '../src-main/core/models/deep/lstm-autoencoder'
import { buildLstmAttention, lstmAttentionParamsSchema } from '../src-main/core/models/deep/lstm-attention'
import { horizonMonths, riskAwareLoss } from '../src-main/core/models/deep/risk-loss'
import { adam } from '../src-main/core/models/deep/fused-adam'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const STEPS = Number(process.env.BENCH_STEPS ?? 2)
const MODELS = (process.env.BENCH_MODELS ?? 'classifier,autoencoder,attention').split(',')
const root = join(import.meta.dirname, '..')

// One thread unless asked (BENCH_WASM_THREADS=n); bench/wasm-threads.bench.ts compares thread counts.
const backend = await initTfjs({ wasmThreads: Number(process.env.BENCH_WASM_THREADS ?? 1) })
console.log(`backend: ${backend.name} ${JSON.stringify(backend.details ?? {})}`)
for (const s of backend.skipped) console.log(`  skipped ${s.name}: ${s.reason}`)
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
console.log(`load average at start: ${load()}`)

const experiment = (file: string) => JSON.parse(readFileSync(join(root, 'experiments', file), 'utf8')).model.params as Record<string, unknown>

/** One model's shapes, its builder (old or new LSTM path) and loss. */
interface ModelCase {
  name: string
  /** What a PyTorch script needs to build the same thing. */
  torch: Record<string, unknown>
  batch: number
  x: tf.Tensor
  y: tf.Tensor
  build(fusedLstm: boolean): tf.LayersModel
  loss(y: tf.Tensor, pred: tf.Tensor): tf.Scalar
}

const labels = (shape: number[], seed: number) => tf.tidy(() => tf.cast(tf.greater(tf.randomUniform(shape, 0, 1, 'float32', seed), 0.9), 'float32'))

function classifier(): ModelCase {
  // The experiment's params over the schema defaults; 8 features (helios-events).
  const p = lstmClassifierParamsSchema.parse(experiment('helios-events-lstm-classifier.json'))
  const features = 8
  const x = tf.randomNormal([p.batchSize, p.window, features], 0, 1, 'float32', 1)
  return {
    name: 'classifier',
    torch: { window: p.window, features, units: p.units, dropout: p.dropout, batchNorm: p.batchNorm, denseUnits: p.denseUnits, denseDropout: p.denseDropout },
    batch: p.batchSize,
    x,
    y: labels([p.batchSize, 1], 2),
    build: (fusedLstm) => buildLstmClassifier({ ...p, fusedLstm }, features),
    loss: bceLoss(null)
  }
}

function autoencoder(): ModelCase {
  // 7 features (health-wearable).
  const p = lstmAutoencoderParamsSchema.parse(experiment('health-wearable-lstm-autoencoder.json'))
  const features = 7
  const x = tf.randomNormal([p.batchSize, p.window, features], 0, 1, 'float32', 3)
  return {
    name: 'autoencoder',
    torch: { window: p.window, features, units: p.units, dropout: p.dropout },
    batch: p.batchSize,
    x,
    y: x,
    build: (fusedLstm) => buildLstmAutoencoder({ ...p, fusedLstm }, features),
    loss: mseLoss
  }
}

function attention(): ModelCase {
  // 20 features (business-risk).
  const p = lstmAttentionParamsSchema.parse(experiment('business-risk-lstm-attention.json'))
  const features = 20
  const horizons = p.horizons.map(horizonMonths)
  const shape = { window: p.window, features, horizons: horizons.length, lstmUnits: p.lstmUnits, heads: p.heads, keyDim: p.keyDim, dropout: p.dropout, seed: p.seed }
  return {
    name: 'attention',
    torch: shape,
    batch: p.batchSize,
    x: tf.randomNormal([p.batchSize, p.window, features], 0, 1, 'float32', 5),
    y: labels([p.batchSize, horizons.length], 6),
    build: (fusedLstm) => buildLstmAttention({ ...shape, fusedLstm }),
    loss: riskAwareLoss({ horizonMonths: horizons, riskWeight: p.riskWeight })
  }
}

const builders: Record<string, () => ModelCase> = { classifier, autoencoder, attention }

interface Tally {
  windows: number
  cpuMs: number
  wallMs: number
  perRound: number[]
}
const tally = (): Tally => ({ windows: 0, cpuMs: 0, wallMs: 0, perRound: [] })

interface Variant {
  label: string
  fused: boolean
  patched: boolean
  model: tf.LayersModel
  opt: tf.Optimizer
  vars: tf.Variable[]
  train: Tally
  infer: Tally
}

const wasm = backend.name === 'wasm'
const unpatched = wasm && process.env.BENCH_UNPATCHED === '1'

function usePatch(v: Variant): void {
  if (!wasm) return
  if (v.patched) patchWasmBatchMatMul()
  else unpatchWasmBatchMatMul()
}

const rate = (windows: number, ms: number) => (windows * 1000) / ms
const fmt = (x: number) => x.toFixed(1).padStart(7)
const meanSd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1))
  return { m, sd }
}

interface Summary {
  model: string
  path: string
  train: { m: number; sd: number }
  wall: number
}
const summary: Summary[] = []

for (const name of MODELS) {
  const mc = builders[name]()
  const combos = [
    { fused: false, patched: true },
    { fused: true, patched: true },
    ...(unpatched
      ? [
          { fused: false, patched: false },
          { fused: true, patched: false }
        ]
      : [])
  ]
  const variants: Variant[] = combos.map(({ fused, patched }) => {
    const model = mc.build(fused)
    return {
      label: `${fused ? 'new: sequence LSTM' : 'old: per-step tf.layers.lstm'}${wasm && !patched ? ' (unpatched)' : ''}`,
      fused,
      patched,
      model,
      opt: adam(1e-3),
      vars: model.trainableWeights.map((w) => w.read() as tf.Variable),
      train: tally(),
      infer: tally()
    }
  })
  console.log(`\n### ${name}: ${variants[0].model.countParams()} parameters, input [${mc.x.shape}]; ${ROUNDS} rounds x ${STEPS} training steps per variant`)

  const trainStep = (v: Variant) =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => mc.loss(mc.y, v.model.apply(mc.x, { training: true }) as tf.Tensor), v.vars)
      v.opt.applyGradients(grads as unknown as { [name: string]: tf.Variable })
    })
  const inferStep = (v: Variant) => tf.tidy(() => (v.model.apply(mc.x, { training: false }) as tf.Tensor).dataSync())
  const measure = (v: Variant, what: 'train' | 'infer') => {
    usePatch(v)
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (let i = 0; i < STEPS; i++) {
      if (what === 'train') trainStep(v)
      else inferStep(v)
    }
    const wallMs = performance.now() - t0
    const c = process.cpuUsage(c0)
    const cpuMs = (c.user + c.system) / 1000
    const t = v[what]
    t.windows += STEPS * mc.batch
    t.cpuMs += cpuMs
    t.wallMs += wallMs
    t.perRound.push(rate(STEPS * mc.batch, cpuMs))
    return { cpuMs, wallMs }
  }

  // Warm-up: kernel setup, emitted wasm modules, optimizer slots (not counted).
  for (const v of variants) {
    usePatch(v)
    trainStep(v)
    inferStep(v)
  }
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order (old-new, new-old, ...) so neither path always runs first.
    const order = r % 2 === 0 ? variants : [...variants].reverse()
    for (const v of order) {
      const t = measure(v, 'train')
      console.log(`round ${r + 1}  train  ${v.label.padEnd(40)} ${fmt(rate(STEPS * mc.batch, t.cpuMs))} windows/CPU-s ${fmt(rate(STEPS * mc.batch, t.wallMs))} windows/wall-s  (load ${load()})`)
    }
    for (const v of order) measure(v, 'infer')
  }

  console.log(`${''.padEnd(47)} windows/CPU-s (mean ± sd)  windows/wall-s`)
  for (const v of variants) {
    for (const what of ['train', 'infer'] as const) {
      const t = v[what]
      const { m, sd } = meanSd(t.perRound)
      console.log(`${what.padEnd(6)} ${v.label.padEnd(40)} ${fmt(m)} ± ${sd.toFixed(1).padStart(5)}          ${fmt(rate(t.windows, t.wallMs))}`)
    }
    if (v.patched) summary.push({ model: name, path: v.fused ? 'new' : 'old', train: meanSd(v.train.perRound), wall: rate(v.train.windows, v.train.wallMs) })
  }
  for (const patched of unpatched ? [true, false] : [true]) {
    const old = variants.find((v) => !v.fused && v.patched === patched)!
    const nu = variants.find((v) => v.fused && v.patched === patched)!
    const ratio = (what: 'train' | 'infer', per: 'cpuMs' | 'wallMs') => (old[what][per] / old[what].windows / (nu[what][per] / nu[what].windows)).toFixed(2)
    const tag = wasm ? (patched ? ' (patched BatchMatMul)' : ' (unpatched BatchMatMul)') : ''
    console.log(`new / old${tag}: training x${ratio('train', 'cpuMs')} per CPU-second, x${ratio('train', 'wallMs')} wall; inference x${ratio('infer', 'cpuMs')} per CPU-second, x${ratio('infer', 'wallMs')} wall`)
  }
  if (wasm) patchWasmBatchMatMul()
  tf.dispose([mc.x, mc.y])
  for (const v of variants) {
    v.opt.dispose()
    v.model.dispose()
  }
}

// PyTorch on one thread, same architectures and shapes (never required: skipped without torch).
const torchRates: Record<string, { m: number; sd: number }> = {}
// The first of BENCH_PYTHON, python3 on the PATH, /usr/bin/python3 (Debian's python3-torch) that imports torch.
const pythons = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)
const python = process.env.BENCH_TORCH === '0' ? undefined : pythons.find((p) => spawnSync(p, ['-c', 'import torch']).status === 0)
if (process.env.BENCH_TORCH === '0') console.log('\nPyTorch column skipped: BENCH_TORCH=0')
else if (!python) console.log(`\nPyTorch column skipped: no ${pythons.join(' / ')} imports torch (Debian: apt-get install python3-torch)`)
else {
  const spec = MODELS.map((name) => {
    const mc = builders[name]()
    tf.dispose([mc.x, mc.y])
    return { name, batch: mc.batch, steps: STEPS, rounds: ROUNDS, ...mc.torch }
  })
  const r = spawnSync(python, [join(root, 'bench', 'deep_models_torch.py')], { input: JSON.stringify(spec), encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'] })
  if (r.status !== 0) console.log(`\nPyTorch column skipped: bench/deep_models_torch.py exited with ${r.status}`)
  else
    for (const line of r.stdout.trim().split('\n')) {
      const o = JSON.parse(line) as { name: string; perRound: number[]; torch: string; blas: string }
      torchRates[o.name] = meanSd(o.perRound)
      console.log(`PyTorch ${o.torch} (${python}, 1 thread, BLAS ${o.blas}) ${o.name}: rounds ${o.perRound.map((x) => x.toFixed(1)).join(', ')} windows/CPU-s`)
    }
}

console.log(`\nload average at end: ${load()}`)
console.log('training, windows per CPU-second (mean ± sd over rounds):')
console.log(`${'model'.padEnd(12)} ${'old (per-step)'.padStart(18)} ${'new (sequence)'.padStart(18)} ${'new / old'.padStart(10)} ${'PyTorch'.padStart(18)}`)
for (const name of MODELS) {
  const old = summary.find((s) => s.model === name && s.path === 'old')!
  const nu = summary.find((s) => s.model === name && s.path === 'new')!
  const cell = (x: { m: number; sd: number } | undefined) => (x ? `${x.m.toFixed(1)} ± ${x.sd.toFixed(1)}` : 'n/a').padStart(18)
  console.log(`${name.padEnd(12)} ${cell(old.train)} ${cell(nu.train)} ${('x' + (nu.train.m / old.train.m).toFixed(2)).padStart(10)} ${cell(torchRates[name])}`)
}
