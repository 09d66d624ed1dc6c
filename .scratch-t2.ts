import { runTrial } from './src-main/core/search/run-trial'
import { parseSpec } from './src-main/core/search/spec'
import { lstmClassifierTrainer } from './src-main/core/models/deep/lstm-classifier-trainer'
await lstmClassifierTrainer.backend()
const kind = process.argv[2] ?? 'lstm-classifier'
const spec = parseSpec({
  name: 't', dataset: { generator: process.env.GEN ?? 'helios-events', params: JSON.parse(process.env.DP ?? '{"scale":0.01}') },
  split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
  model: { kind, params: JSON.parse(process.env.MP ?? '{}') }
})
const t0 = Date.now()
const out = await runTrial(spec, {
  onEpoch: (e) => console.log('epoch', e.epoch, JSON.stringify(e.metrics), JSON.stringify(e.confusion)),
  onLog: (l, m) => console.log(l, m),
  artifactsDir: '/tmp/scratch/art'
})
console.log('wall', Date.now() - t0, JSON.stringify(out.results.metrics), JSON.stringify(out.results.confusion), out.results.threshold)
console.log(JSON.stringify(out.results.recallByType))
