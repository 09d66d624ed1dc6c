import * as tf from '@tensorflow/tfjs'
import { initTfjs } from './src-main/core/models/deep/tfjs-runtime'
const r = await initTfjs({ prefer: 'wasm', wasmThreads: Number(process.argv[2]) })
console.log(JSON.stringify(r))
const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1)
console.log((await tf.matMul(a, a).sum().data())[0])
