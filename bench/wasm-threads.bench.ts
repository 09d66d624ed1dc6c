/**
 * Training on more than one core, the seed-000 LSTM classifier (sequence-level LSTM, batch 128),
 * three ways: 1 thread; the wasm backend's threaded build with a thread per core (wasm-threads.ts);
 * data-parallel training with a replica thread per core (data-parallel.ts, what trials use). Each
 * round runs each way in a fresh process (a process's wasm thread count is fixed when its backend
 * starts), the order alternating. CPU time is the whole process's, every thread included, so
 * windows per CPU-second falling as threads rise is the price of a wall-time gain. Inference
 * (one thread vs the threaded build) is printed too; replicas are for training only.
 *
 * `npm run bench wasm-threads`. BENCH_ROUNDS (default 3) rounds of BENCH_STEPS (default 4) steps.
 */
import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { initTfjs } from '../src-main/core/models/deep/tfjs-runtime'
import { adam } from '../src-main/core/models/deep/fused-adam'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../src-main/core/models/deep/lstm-classifier'
import { GradientReplicas, endIdleReplicas } from '../src-main/core/models/deep/data-parallel'
import { rowsSource } from '../test/helpers/rows-source'
import { seed000Batch } from './seed-000-batch'
import { trainStepOf } from './train-step'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const STEPS = Number(process.env.BENCH_STEPS ?? 4)
const BATCH = 128
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')
const rate = (windows: number, ms: number) => ((windows * 1000) / ms).toFixed(1).padStart(7)

/** One way to train: threads, and whether they are the wasm backend's or data-parallel replicas. */
interface Way {
  label: string
  wasmThreads: number
  replicas: number
}

interface Tally {
  windows: number
  cpuMs: number
  wallMs: number
}
interface Measured {
  wasmThreads: number
  train: Tally
  infer: Tally
}

const child = process.env.BENCH_THREADS_CHILD ? (JSON.parse(process.env.BENCH_THREADS_CHILD) as Way) : null
if (child !== null) {
  console.log(JSON.stringify(await measureHere(child)))
  await endIdleReplicas()
} else await compare()

/** In the child: warm up, then time STEPS training and inference steps the way asked. */
async function measureHere(way: Way): Promise<Measured> {
  const backend = await initTfjs({ wasmThreads: way.wasmThreads })
  const { x, y, loss } = seed000Batch(BATCH)
  const model = buildLstmClassifier(lstmClassifierParamsSchema.parse({}), 8)
  const opt = adam(1e-3)
  let train: () => unknown = trainStepOf(model, loss, x, y, opt)
  let replicas: GradientReplicas | null = null
  if (way.replicas > 1) {
    replicas = await GradientReplicas.start(model, { kind: 'bce', classWeight: null }, way.replicas - 1, 1)
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    // The batch as a source: the replicas take their parts by index, as in a trial.
    const source = rowsSource(x.dataSync() as Float32Array, x.shape.slice(1), y.dataSync() as Float32Array, y.shape.slice(1))
    const all = Int32Array.from({ length: BATCH }, (_, i) => i)
    const held = replicas
    train = async () => {
      const step = await held.gradients(model, vars, loss, source, all)
      tf.tidy(() => opt.applyGradients(Object.fromEntries(vars.map((w, i) => [w.name, step.grads[i]])) as unknown as { [name: string]: tf.Variable }))
      tf.dispose(step.grads)
    }
  }
  const infer = () => tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync())
  await train()
  infer()
  const time = async (step: () => unknown): Promise<Tally> => {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (let i = 0; i < STEPS; i++) await step()
    const c = process.cpuUsage(c0)
    return { windows: STEPS * BATCH, cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 }
  }
  const measured = { wasmThreads: Number(backend.details?.threads ?? 1), train: await time(train), infer: await time(infer) }
  await replicas?.end()
  return measured
}

function childRound(way: Way): Measured {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_THREADS_CHILD: JSON.stringify(way) },
    encoding: 'utf8',
    timeout: 300_000
  })
  const last = r.stdout.trim().split('\n').pop() ?? ''
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`the round '${way.label}' failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`)
  return JSON.parse(last) as Measured
}

async function compare(): Promise<void> {
  const n = availableParallelism()
  if (n < 2) {
    console.log('one core: nothing to compare')
    return
  }
  const ways: Way[] = [
    { label: '1 thread', wasmThreads: 1, replicas: 1 },
    { label: `${n} wasm threads`, wasmThreads: n, replicas: 1 },
    { label: `${n} data-parallel`, wasmThreads: 1, replicas: n }
  ]
  console.log(`seed-000 classifier, batch ${BATCH}, ${ROUNDS} rounds x ${STEPS} steps, ${n} cores; load average at start: ${load()}`)
  const sums = new Map(ways.map((w) => [w.label, { train: { windows: 0, cpuMs: 0, wallMs: 0 }, infer: { windows: 0, cpuMs: 0, wallMs: 0 } }]))
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of r % 2 === 0 ? ways : [...ways].reverse()) {
      const m = childRound(way)
      if (m.wasmThreads !== way.wasmThreads) throw new Error(`asked for ${way.wasmThreads} wasm threads, the backend runs ${m.wasmThreads}`)
      const acc = sums.get(way.label)!
      for (const what of ['train', 'infer'] as const) for (const k of ['windows', 'cpuMs', 'wallMs'] as const) acc[what][k] += m[what][k]
      console.log(`round ${r + 1}  ${way.label.padEnd(18)} train ${rate(m.train.windows, m.train.cpuMs)} windows/CPU-s ${rate(m.train.windows, m.train.wallMs)} windows/wall-s`)
    }
  }
  console.log(`load average at end: ${load()}`)
  const one = sums.get(ways[0].label)!
  for (const way of ways) {
    const a = sums.get(way.label)!
    for (const what of way.replicas > 1 ? (['train'] as const) : (['train', 'infer'] as const)) {
      const wall = one[what].wallMs / one[what].windows / (a[what].wallMs / a[what].windows)
      const cpu = one[what].cpuMs / one[what].windows / (a[what].cpuMs / a[what].windows)
      console.log(
        `${way.label.padEnd(18)} ${what.padEnd(6)} ${rate(a[what].windows, a[what].cpuMs)} windows/CPU-s ${rate(a[what].windows, a[what].wallMs)} windows/wall-s` +
          `   vs 1 thread: x${wall.toFixed(2)} wall, x${cpu.toFixed(2)} per CPU-second`
      )
    }
  }
}
