/**
 * Data-parallel training steps over worker threads: a trial lent n cores splits every batch into
 * n parts; this thread computes the gradients of the first, n - 1 replicas (worker threads, each
 * with its own tfjs engine and a copy of the model) the others, at the same time. The parts'
 * gradients are averaged, weighted by their sizes, and the trial's own loop clips and applies
 * them once; the new weights go to the replicas with their next part.
 *
 * Why not the wasm backend's own threads (wasm-threads.ts): they serve only the XNNPACK kernels,
 * and the bulk of an LSTM step runs in our own sequence kernels and matrix product on the calling
 * thread, so 2 wasm threads trained the seed-000 classifier at x0.88-0.99 on 2 cores. A replica runs
 * the whole step, so the speed-up is bounded only by how well the cores run two engines at once
 * (`npm run bench wasm-threads` measures all three: 1 thread, n wasm threads, n replicas).
 *
 * What it computes: every loss a trainer declares (loss-spec.ts) is a mean over the batch's
 * elements, and each example has the same number of elements, so the size-weighted mean of the
 * parts' gradients is the batch's gradient. The sums run in another order than one engine's would,
 * so the result equals a one-thread step to float32 rounding, not bit for bit
 * (test/unit/data-parallel.test.ts). BatchNormalization is the exception, as in PyTorch's
 * DistributedDataParallel without SyncBatchNorm: each part is normalised over its own examples,
 * and the moving statistics are those of this thread's parts. Dropout masks come from each replica's own Math.random,
 * seeded from the trial's seed and the replica's index: a run is reproducible for a given replica
 * count, and runs with different counts differ as runs with different seeds do.
 *
 * Cost per step: the weights out (one copy of each variable) and the gradients back, ~0.5 MB for
 * the seed-000 classifier, against a step of ~100 ms. A replica thread loads tfjs and the wasm
 * binary once (about a second) and serves every later loop of its process. A batch is split only
 * into parts of at least MIN_PART examples: a small batch would pay more in messages than it saves.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { LossSpec } from './loss-spec'
import { isBatchMatMulPatched } from './tfjs-runtime'
import type { BatchSource, LossFn } from './train-loop'

/** The backends a replica can run: those computing in this process's memory (a GPU rung has its own parallelism). */
export const REPLICA_BACKENDS: readonly string[] = ['wasm', 'cpu']

/** What a replica thread is started with (gradient-replica-thread.ts): its engine. */
export interface ReplicaEngine {
  /** The backend the trial runs on ('wasm' or 'cpu'), and whether its BatchMatMul patch is on. */
  backend: string
  patchBatchMatMul: boolean
}

/** What a replica is given for one trial's loop: its model and loss. */
export interface ReplicaSetup {
  type: 'setup'
  /** The model's topology (model.toJSON), rebuilt in the replica with the same custom layers. */
  topology: unknown
  loss: LossSpec
  /** The replica's Math.random seed (dropout masks). */
  seed: number
}

/** One part of a batch for a replica, with the weights to compute it at. */
export interface ReplicaRequest {
  type: 'step'
  weights: Float32Array[]
  x: Float32Array
  xShape: number[]
  y: Float32Array
  yShape: number[]
}

export type ReplicaReply = { type: 'ready' } | { type: 'step'; loss: number; grads: Float32Array[] } | { type: 'error'; message: string }

/**
 * The replica thread's entry beside this module: the TypeScript source through tsx when this
 * module runs from the sources (development, tests), the bundled entry when it runs from out/main
 * (the build puts every chunk beside the entries: electron.vite.config.ts).
 */
function replicaEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx')
    return { file: join(dirname(here), 'gradient-replica-thread.ts'), execArgv: ['--import', tsx] }
  }
  return { file: join(dirname(here), 'gradient-replica-thread.js'), execArgv: [] }
}

/** A replica's seed: the trial's, mixed with its index (replica 0 is the trial's own thread). */
export function replicaSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + index * 0x85ebca77) >>> 0
}

/** One replica thread and its one outstanding request. */
class Replica {
  private pending: { resolve: (r: ReplicaReply) => void; reject: (e: Error) => void } | null = null
  private failure: Error | null = null
  /** Answered its start-up 'ready' (the engine is up); a setup's 'ready' follows each setup. */
  private started: Promise<ReplicaReply>

  constructor(
    private readonly worker: Worker,
    readonly engine: string
  ) {
    worker.on('message', (m: ReplicaReply) => this.settle((p) => p.resolve(m)))
    worker.on('error', (err) => this.fail(new Error(`a gradient replica failed: ${err.message}`)))
    worker.on('exit', (code) => this.fail(new Error(`a gradient replica ended (exit code ${code})`)))
    this.started = this.next()
  }

  get healthy(): boolean {
    return this.failure === null
  }

  private settle(f: (p: NonNullable<Replica['pending']>) => void): void {
    const p = this.pending
    this.pending = null
    if (p) f(p)
  }

  private fail(err: Error): void {
    this.failure ??= err
    this.settle((p) => p.reject(err))
  }

  /** The next reply; rejects if the thread has failed or fails. */
  private next(): Promise<ReplicaReply> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }))
  }

  /** Builds the trial's model in the replica; resolves when it is ready for steps. */
  async setup(setup: ReplicaSetup): Promise<void> {
    expectReply(await this.started, 'ready', 'could not start')
    const ready = this.next()
    this.worker.postMessage(setup)
    expectReply(await ready, 'ready', 'could not build the model')
  }

  send(request: ReplicaRequest): Promise<ReplicaReply> {
    const reply = this.next()
    this.worker.postMessage(request)
    return reply
  }

  /** Held by a trial: keeps the process alive while it waits for a reply. */
  hold(held: boolean): void {
    if (held) this.worker.ref()
    else this.worker.unref()
  }

  async end(): Promise<void> {
    this.failure ??= new Error('a gradient replica was ended')
    await this.worker.terminate()
  }
}

function expectReply<T extends ReplicaReply['type']>(r: ReplicaReply, type: T, what: string): Extract<ReplicaReply, { type: T }> {
  if (r.type === 'error') throw new Error(`gradient replica ${what}: ${r.message}`)
  if (r.type !== type) throw new Error(`a gradient replica answered '${r.type}' where '${type}' was due`)
  return r as Extract<ReplicaReply, { type: T }>
}

/**
 * Idle replica threads, kept for the next trial of this process (a warm training worker runs many;
 * per-segment trials and cross-validation folds run a loop each): starting one loads tfjs and the
 * wasm binary. Idle threads are unref'd: they never keep a finished process alive.
 */
const idle: Replica[] = []
let started = 0

/** Replica threads this process has started (each serves loop after loop). */
export function replicaThreadsStarted(): number {
  return started
}

function takeReplica(engine: ReplicaEngine): Replica {
  const key = `${engine.backend}:${engine.patchBatchMatMul}`
  const i = idle.findIndex((r) => r.engine === key && r.healthy)
  const r = i >= 0 ? idle.splice(i, 1)[0] : null
  if (r) return r
  const entry = replicaEntry()
  started++
  return new Replica(new Worker(entry.file, { execArgv: entry.execArgv, workerData: engine, stdout: false, stderr: false }), key)
}

/** Examples per thread below which a batch is not split: the messages would cost more than the part saves. */
export const MIN_PART = 32

/** Part sizes of a batch of n over k shares, as even as can be (the first parts are the smaller). */
export function partSizes(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor((n * (i + 1)) / k) - Math.floor((n * i) / k))
}

export class GradientReplicas {
  private constructor(private readonly replicas: Replica[]) {}

  /** Threads in all, this one included. */
  get threads(): number {
    return this.replicas.length + 1
  }

  /**
   * `count` replicas of `model` (weights are sent with every step, so only the topology travels
   * now), ready for steps; idle threads of an earlier loop are reused.
   */
  static async start(model: tf.LayersModel, loss: LossSpec, count: number, seed: number): Promise<GradientReplicas> {
    const backend = tf.getBackend()
    if (!REPLICA_BACKENDS.includes(backend)) throw new Error(`data-parallel training runs on ${REPLICA_BACKENDS.join(' or ')}, not on '${backend}'`)
    const engine: ReplicaEngine = { backend, patchBatchMatMul: isBatchMatMulPatched() }
    const topology = model.toJSON(null, false)
    const replicas = Array.from({ length: count }, () => takeReplica(engine))
    replicas.forEach((r) => r.hold(true))
    const set = new GradientReplicas(replicas)
    const setups = await Promise.allSettled(replicas.map((r, i) => r.setup({ type: 'setup', topology, loss, seed: replicaSeed(seed, i + 1) })))
    const failed = setups.find((r) => r.status === 'rejected')
    if (failed) {
      await set.end()
      throw failed.reason
    }
    return set
  }

  /**
   * The batch's loss and gradients (one tensor per variable of `vars`, in that order, owned by
   * the caller): this thread computes the first part of `indices`, the replicas the others.
   */
  async gradients(model: tf.LayersModel, vars: tf.Variable[], loss: LossFn, source: BatchSource, indices: Int32Array): Promise<{ value: number; grads: tf.Tensor[] }> {
    const n = indices.length
    const sizes = partSizes(n, this.threads)
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0))
    // Weights as they are now: each replica computes at the same point as this thread.
    const weights = vars.map((v) => v.dataSync() as Float32Array)
    const replies: Promise<ReplicaReply>[] = []
    this.replicas.forEach((r, i) => {
      const part = i + 1
      if (sizes[part] === 0) return
      const { x, y } = source.take(indices.subarray(starts[part], starts[part] + sizes[part]))
      try {
        replies[part] = r.send({ type: 'step', weights, x: x.dataSync() as Float32Array, xShape: x.shape, y: y.dataSync() as Float32Array, yShape: y.shape })
      } finally {
        tf.dispose([x, y])
      }
    })
    try {
      // This thread's part while the replicas compute theirs.
      const mine = tf.tidy(() => {
        const { x, y } = source.take(indices.subarray(0, sizes[0]))
        const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), vars)
        return { value, grads: vars.map((v) => grads[v.name]) }
      })
      try {
        let value = (await mine.value.data())[0] * (sizes[0] / n)
        const parts: { weight: number; grads: Float32Array[] }[] = []
        for (let part = 1; part < sizes.length; part++) {
          if (sizes[part] === 0) continue
          const r = expectReply(await replies[part], 'step', `${part} failed`)
          value += r.loss * (sizes[part] / n)
          parts.push({ weight: sizes[part] / n, grads: r.grads })
        }
        const grads = tf.tidy(() =>
          vars.map((v, i) => parts.reduce((sum, p) => tf.add(sum, tf.mul(tf.tensor(p.grads[i], v.shape), p.weight)), tf.mul(mine.grads[i], sizes[0] / n)))
        )
        return { value, grads }
      } finally {
        tf.dispose([mine.value, ...mine.grads])
      }
    } finally {
      // Every replica answers this step before the next request (or the pool) reaches it.
      await Promise.allSettled(replies)
    }
  }

  /** Gives the threads back to the pool (a failed one is ended). */
  async end(): Promise<void> {
    for (const r of this.replicas) {
      r.hold(false)
      if (r.healthy) idle.push(r)
      else await r.end()
    }
  }
}

/** Ends every idle replica thread (tests; a process that exits needs not). */
export async function endIdleReplicas(): Promise<void> {
  await Promise.all(idle.splice(0).map((r) => r.end()))
}
