/**
 * What a deep trial's per-epoch resume checkpoint costs (resume-checkpoint.ts): writing and
 * reading one for the full-size seed-000 LSTM classifier (experiments/helios-events-lstm-classifier.json,
 * 8 features) with Adam's moments in place and best weights kept — the state train-loop.ts saves
 * after every epoch. Reports the checkpoint's size and CPU milliseconds (process.cpuUsage: user +
 * system) per save and per load, mean ± sd over BENCH_ROUNDS (default 5), and the load average.
 *
 * `npm run bench resume-checkpoint`.
 */
import * as tf from '@tensorflow/tfjs'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { initTfjs } from '../src-main/core/models/deep/tfjs-runtime'
import { bceLoss, buildLstmClassifier, lstmClassifierParamsSchema } from '../src-main/core/models/deep/lstm-classifier'
import { loadResumeCheckpoint, saveResumeCheckpoint } from '../src-main/core/models/deep/resume-checkpoint'
import { meanSdText } from './stats'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const FEATURES = 8
const root = join(import.meta.dirname, '..')
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

const backend = await initTfjs()
console.log(`backend ${backend.name}; load average at start: ${load()}`)
const params = lstmClassifierParamsSchema.parse(JSON.parse(readFileSync(join(root, 'experiments', 'helios-events-lstm-classifier.json'), 'utf8')).model.params)
const model = buildLstmClassifier(params, FEATURES)
const optimizer = tf.train.adam(params.learningRate)
// One training step so Adam holds its moments (what an epoch's checkpoint carries).
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
tf.tidy(() => {
  const x = tf.randomNormal([8, params.window, FEATURES])
  const y = tf.zeros([8, 1])
  const { grads } = tf.variableGrads(() => bceLoss(null)(y, model.apply(x, { training: true }) as tf.Tensor), vars)
  optimizer.applyGradients(grads as unknown as { [name: string]: tf.Variable })
})
const best = model.getWeights().map((w) => w.clone())
const opt = await optimizer.getWeights()
const history = Array.from({ length: 10 }, (_, i) => ({ epoch: i + 1, metrics: { loss: 0.1, valLoss: 0.2, lr: 1e-3 } as never, confusion: null }))
const fingerprint = { kind: 'lstm-classifier', params }
const state = { lr: 1e-3, best: 0.2, bestEpoch: 9, esWait: 1, lrWait: 1, stoppedEarly: false, history }
const bestValScores = new Float32Array(50_000)

const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from)
  return (u.user + u.system) / 1000
}
const dir = mkdtempSync(join(tmpdir(), 'wb-bench-resume-'))
const saves: number[] = []
const loads: number[] = []
try {
  for (let r = 0; r < ROUNDS; r++) {
    let t = process.cpuUsage()
    await saveResumeCheckpoint(dir, fingerprint, { ...state, epoch: r + 1, tensors: { current: model.getWeights(), best, bestValScores, optimizer: opt } })
    saves.push(cpuMs(t))
    t = process.cpuUsage()
    const loaded = await loadResumeCheckpoint(dir, fingerprint)
    loads.push(cpuMs(t))
    if (!loaded.ok) throw new Error(loaded.reason)
    const c = loaded.checkpoint.tensors
    tf.dispose([...c.current, ...(c.best ?? []), ...c.optimizer.map((w) => w.tensor)])
  }
  const bytes = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0)
  const paramsCount = model.countParams()
  console.log(`seed-000 classifier: ${paramsCount} parameters; checkpoint ${(bytes / 2 ** 20).toFixed(2)} MiB (weights, best weights, Adam moments, 50,000 validation scores)`)
  console.log(`save: ${meanSdText(saves, 1)} CPU-ms; load: ${meanSdText(loads, 1)} CPU-ms (${ROUNDS} rounds; load average at end: ${load()})`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
