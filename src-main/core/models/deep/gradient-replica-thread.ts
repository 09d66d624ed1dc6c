/**
 * A gradient replica's thread (data-parallel.ts): starts its own tfjs engine, builds each trial's
 * model from its topology (a setup), then answers each step (weights, a part of a batch) with that
 * part's loss and gradients. It keeps no state between steps but the model and its Math.random
 * stream.
 */
import * as tf from '@tensorflow/tfjs'
import { parentPort, workerData } from 'node:worker_threads'
import { createRng } from '../../data/rng'
import { initTfjs } from './tfjs-runtime'
import { lossFromSpec } from './loss-spec'
import type { ReplicaEngine, ReplicaReply, ReplicaRequest, ReplicaSetup } from './data-parallel'
import type { LossFn } from './train-loop'
// The custom layers a topology may name (each module registers its classes when it loads).
import './sequence-lstm'
import './lstm-classifier'
import './lstm-autoencoder'
import './lstm-attention'

const port = parentPort
if (!port) throw new Error('gradient-replica-thread runs as a worker thread (data-parallel.ts starts it)')
const engine = workerData as ReplicaEngine

function reply(r: ReplicaReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(r, transfer)
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** The trial's model, variables and loss, from its setup (a new setup replaces them). */
let trial: { model: tf.LayersModel; vars: tf.Variable[]; loss: LossFn } | null = null

async function setUp(setup: ReplicaSetup): Promise<void> {
  trial?.model.dispose()
  trial = null
  // Dropout masks draw from Math.random (fused-dropout.ts): this replica's own seeded stream.
  const rng = createRng(setup.seed)
  Math.random = () => rng.uniform()
  const model = await tf.models.modelFromJSON({ modelTopology: setup.topology } as Parameters<typeof tf.models.modelFromJSON>[0])
  trial = { model, vars: model.trainableWeights.map((w) => w.read() as tf.Variable), loss: lossFromSpec(setup.loss) }
}

function step(request: ReplicaRequest): void {
  if (!trial) throw new Error('a step before the setup')
  const { model, vars, loss } = trial
  if (request.weights.length !== vars.length) throw new Error(`${request.weights.length} weight arrays for ${vars.length} variables`)
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(request.weights[i], v.shape))))
  const out = tf.tidy(() => {
    const x = tf.tensor(request.x, request.xShape)
    const y = tf.tensor(request.y, request.yShape)
    const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), vars)
    return [value, ...vars.map((v) => grads[v.name])]
  })
  try {
    const [value, ...grads] = out
    // Copies (slice): the cpu backend's dataSync hands out its own storage, which must not be transferred.
    const arrays = grads.map((g) => (g.dataSync() as Float32Array).slice())
    reply({ type: 'step', loss: value.dataSync()[0], grads: arrays }, arrays.map((a) => a.buffer as ArrayBuffer))
  } finally {
    tf.dispose(out)
  }
}

async function handle(message: ReplicaSetup | ReplicaRequest): Promise<void> {
  try {
    if (message.type === 'setup') {
      await setUp(message)
      reply({ type: 'ready' })
    } else step(message)
  } catch (err) {
    reply({ type: 'error', message: messageOf(err) })
  }
}

initTfjs({ prefer: engine.backend as 'wasm' | 'cpu', patchBatchMatMul: engine.patchBatchMatMul }).then(
  () => {
    if (tf.getBackend() !== engine.backend) throw new Error(`the replica started on '${tf.getBackend()}', the trial runs on '${engine.backend}'`)
    // One message at a time, in order: the trial sends the next only after this one's answer.
    port.on('message', (m: ReplicaSetup | ReplicaRequest) => void handle(m))
    reply({ type: 'ready' })
  },
  (err) => reply({ type: 'error', message: messageOf(err) })
)
