/**
 * The wasm backend's threaded build (wasm-threads.ts) on the seed-000 LSTM classifier's training
 * and inference steps (sequence-level LSTM, batch 128): 1 thread against every core, each round
 * in a fresh process per thread count (a process's wasm thread count is fixed when its backend
 * starts), the order alternating (1, n, n, 1, ...). CPU time is the whole process's, every thread
 * included, so windows per CPU-second falling as threads rise is the price of a wall-time gain.
 *
 * `npm run bench wasm-threads`. BENCH_ROUNDS (default 3) rounds of BENCH_STEPS (default 2) steps.
 */
import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { initTfjs } from '../src-main/core/models/deep/tfjs-runtime'
import { adam } from '../src-main/core/models/deep/fused-adam'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../src-main/core/models/deep/lstm-classifier'
import { seed000Batch } from './seed-000-batch'
import { trainStepOf } from './train-step'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const STEPS = Number(process.env.BENCH_STEPS ?? 2)
const BATCH = 128
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')
const rate = (windows: number, ms: number) => ((windows * 1000) / ms).toFixed(1).padStart(7)

interface Tally {
  windows: number
  cpuMs: number
  wallMs: number
}
interface Measured {
  threads: number
  train: Tally
  infer: Tally
}

const child = process.env.BENCH_THREADS_CHILD ? Number(process.env.BENCH_THREADS_CHILD) : null
if (child !== null) console.log(JSON.stringify(await measureHere(child)))
else compare()

/** In the child: warm up, then time STEPS training and inference steps at `threads` threads. */
async function measureHere(threads: number): Promise<Measured> {
  const backend = await initTfjs({ wasmThreads: threads })
  const { x, y, loss } = seed000Batch(BATCH)
  const model = buildLstmClassifier(lstmClassifierParamsSchema.parse({}), 8)
  const train = trainStepOf(model, loss, x, y, adam(1e-3))
  const infer = () => tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync())
  train()
  infer()
  const time = (step: () => unknown): Tally => {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (let i = 0; i < STEPS; i++) step()
    const c = process.cpuUsage(c0)
    return { windows: STEPS * BATCH, cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 }
  }
  return { threads: Number(backend.details?.threads ?? 1), train: time(train), infer: time(infer) }
}

function childRound(threads: number): Measured {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_THREADS_CHILD: String(threads) },
    encoding: 'utf8'
  })
  const last = r.stdout.trim().split('\n').pop() ?? ''
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`the ${threads}-thread round failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`)
  return JSON.parse(last) as Measured
}

function compare(): void {
  const counts = [1, availableParallelism()]
  if (counts[1] < 2) {
    console.log('one core: nothing to compare')
    return
  }
  console.log(`seed-000 classifier, batch ${BATCH}, ${ROUNDS} rounds x ${STEPS} steps; load average at start: ${load()}`)
  const sums = new Map(counts.map((n) => [n, { train: { windows: 0, cpuMs: 0, wallMs: 0 }, infer: { windows: 0, cpuMs: 0, wallMs: 0 } }]))
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
