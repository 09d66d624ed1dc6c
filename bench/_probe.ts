import * as tf from '@tensorflow/tfjs'
import { buildLstmClassifier } from '../src-main/core/models/deep/lstm-classifier'
import { buildLstmAttention } from '../src-main/core/models/deep/lstm-attention'
import { buildLstmAutoencoder } from '../src-main/core/models/deep/lstm-autoencoder'
await tf.setBackend('cpu')
let t0 = Date.now()
const m = buildLstmClassifier({ window: 60, units: [128, 64], dropout: 0.3, batchNorm: true, denseUnits: 32, denseDropout: 0.2, seed: 1 }, 8)
console.log('build ms', Date.now() - t0)
for (const l of m.layers) console.log(l.getClassName(), l.name, JSON.stringify(l.getConfig()).slice(0, 300), l.weights.map((w) => w.name + ':' + w.originalName + ':' + w.shape))
const out = m.outputs[0] as any
console.log(out.sourceLayer.name, out.nodeIndex, out.tensorIndex, out.sourceLayer.inboundNodes.length, out.sourceLayer.inboundNodes[out.nodeIndex].inputTensors.map((t: any) => t.sourceLayer.name + '/' + t.sourceLayer.getClassName()))
const a = buildLstmAttention({ window: 12, features: 20, horizons: 3, lstmUnits: [128, 128], heads: 4, keyDim: 32, dropout: 0.3, seed: 4 })
for (const l of a.layers) console.log(l.getClassName(), l.name, l.weights.map((w) => w.name + ':' + w.originalName + ':' + w.shape))
const ae = buildLstmAutoencoder({ window: 10, units: [128, 64, 32], dropout: 0.2, seed: 1 }, 7)
for (const l of ae.layers) console.log(l.getClassName(), l.name, JSON.stringify(l.getConfig()).slice(0, 200), l.weights.map((w) => w.name + ':' + w.originalName + ':' + w.shape))
t0 = Date.now(); (m.predict(tf.randomNormal([4, 60, 8])) as tf.Tensor).dataSync(); console.log('predict ms', Date.now() - t0)
