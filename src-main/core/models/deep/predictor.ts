/**
 * The inference passes of the deep trainers (per-epoch validation loss and scores, final
 * validation / test / train scoring) run through a `Predictor`: tfjs (`model.apply`, training
 * false), or ONNX Runtime over an in-memory ONNX export of the model's CURRENT weights
 * (export/onnx/tfjs-onnx.ts, no file written), which scores an LSTM ~10x faster than tfjs's wasm
 * backend on one CPU thread (DESIGN.md section 2; bench/training-scoring.bench.ts).
 *
 * A predictor is a snapshot: the export copies the weights, so a predictor opened before a
 * training step scores the old weights. The train loop opens one per epoch, after the epoch's
 * training, and releases it once the epoch is scored.
 *
 * Which engine (`openPredictor`, engine 'auto'):
 * - tfjs when the pass is small: exporting and opening a session is a fixed cost per epoch (see
 *   ORT_MIN_WINDOWS); below `ORT_MIN_WINDOWS` windows a pass stays in tfjs.
 * - tfjs when the model cannot be exported (a layer the exporter lacks, several inputs or
 *   outputs) or ONNX Runtime cannot load it: said once per model in the run's log, then tfjs for
 *   that model from then on.
 * - A parity guard: the first ONNX batch of each model is also run in tfjs (its first rows); a
 *   difference over the export's parity tolerance (1e-4, relative above 1) switches that model
 *   back to tfjs for good, logged. Parity itself is tested (test/unit/onnx-architectures.test.ts,
 *   test/unit/training-scoring.test.ts); the guard is for models no test has seen.
 * - Never for passes that need training-mode behaviour (MC-dropout keeps dropout on): those call
 *   the model directly and do not come here.
 *
 * Session: CPU execution provider, graph optimisation 'all', ONE intra-op thread (a trial is one
 * worker process per core by default; two threads were slower on a shared 2-core machine, ~1,950 vs
 * ~2,380 windows/s: the bench's BENCH_ORT_THREADS=1,2), sequential execution, runs of ORT_BATCH
 * rows.
 */
import * as tf from '@tensorflow/tfjs'
import type * as Ort from 'onnxruntime-node'
import { exportTfjsModel } from '../../export/onnx/tfjs-onnx'
import { PARITY_TOLERANCE } from '../../export/onnx/parity-tolerance'

/** Runs a model forward in inference mode, one batch at a time. */
export interface Predictor {
  readonly engine: 'tfjs' | 'onnxruntime'
  /** The model's output for x (a new tensor: the caller disposes it; x is left alone). */
  predict(x: tf.Tensor): Promise<tf.Tensor>
  /** Frees the ONNX Runtime session (nothing for tfjs). */
  release(): Promise<void>
}

export type InferenceEngine = 'auto' | 'tfjs' | 'onnxruntime'

export interface PredictorOptions {
  /** 'auto' (default): ONNX Runtime when the pass is large enough and the model exports; 'onnxruntime': always (throws when it cannot). */
  engine?: InferenceEngine
  /** Smallest pass (windows) that goes to ONNX Runtime under 'auto' (default ORT_MIN_WINDOWS). */
  minWindows?: number
  /** ONNX Runtime intra-op threads (default 1). */
  threads?: number
  /** Where a fallback to tfjs is said (once per model). */
  onLog?: (level: 'info' | 'warn', message: string) => void
}

/**
 * Passes under this many windows stay in tfjs under 'auto'. Measured on wasm, one loaded core:
 * export + session creation takes ~5-15 ms (seed-000 classifier, seed-001 autoencoder, seed-004
 * attention model; up to ~30 ms the first time in a process), and ONNX Runtime saves ~1 ms
 * (classifier), ~6 ms (autoencoder) and ~0.5 ms (attention) per window, so it pays from ~10-50
 * windows; 64 is past every break-even (bench/training-scoring.bench.ts prints the classifier's).
 */
export const ORT_MIN_WINDOWS = 64

/**
 * Rows per ONNX Runtime run. A fresh session's first runs at a new size allocate their buffers
 * (the LSTM's sequence output alone is T x rows x units floats): at 512 rows each of the first
 * two runs took ~3x a warm one, so a session opened per epoch for a 1,024-window pass ran at
 * ~1,400 windows/s; at 32 rows the first pass runs at the warm rate (~3,500-4,000 windows/s for
 * the seed-000 classifier on one loaded core), and warm runs are no slower than at 512.
 */
export const ORT_BATCH = 32

const GUARD_ROWS = 4

/** Why a model cannot be scored in ONNX Runtime (set once, then tfjs for that model). */
const refused = new WeakMap<tf.LayersModel, string>()
/** Models whose first ONNX batch matched tfjs. */
const verified = new WeakSet<tf.LayersModel>()

let ortModule: Promise<typeof Ort> | null = null
/** onnxruntime-node, loaded on first use (its native binding is not needed by tfjs-only passes). */
function loadOrt(): Promise<typeof Ort> {
  ortModule ??= import('onnxruntime-node')
  return ortModule
}

export function tfjsPredictor(model: tf.LayersModel): Predictor {
  return {
    engine: 'tfjs',
    predict: async (x) => tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor),
    release: async () => {}
  }
}

/** Max |a - b| / max(1, |b|) (Infinity on a NaN or a length mismatch). */
export function parityGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let worst = 0
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]))
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d
  }
  return worst
}

/**
 * A predictor over an ONNX Runtime session on an in-memory export of the model's current weights
 * ('direct' head, no scaler: it takes what the model takes). Throws when the model cannot be
 * exported or loaded, and when its first batch differs from tfjs unless `onMismatch` is given
 * (then that batch and the rest go to tfjs, and `onMismatch` hears the gap).
 */
export async function onnxPredictor(model: tf.LayersModel, o: Pick<PredictorOptions, 'threads'> & { onMismatch?: (gap: number) => void } = {}): Promise<Predictor> {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error(`${model.inputs.length} inputs and ${model.outputs.length} outputs (one of each is exported)`)
  const bytes = exportTfjsModel(model, { head: { kind: 'direct' }, graphName: model.name })
  const ort = await loadOrt()
  const threads = o.threads ?? 1
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' })
  const input = session.inputNames[0]
  const output = session.outputNames[0]
  const tfjs = tfjsPredictor(model)
  // After a parity mismatch the rest of this predictor's batches go to tfjs too.
  let fallback = false
  return {
    engine: 'onnxruntime',
    async predict(x) {
      if (fallback) return tfjs.predict(x)
      const values = x.dataSync() as Float32Array
      const n = x.shape[0]
      const per = values.length / Math.max(1, n)
      // Runs of ORT_BATCH rows, whatever the caller's batch (see ORT_BATCH).
      let out: Float32Array | null = null
      let dims: number[] = []
      for (let from = 0; from < n; from += ORT_BATCH) {
        const to = Math.min(n, from + ORT_BATCH)
        const res = await session.run({ [input]: new ort.Tensor('float32', values.subarray(from * per, to * per), [to - from, ...x.shape.slice(1)]) })
        const t = res[output]
        const data = t.data as Float32Array
        const outPer = data.length / (to - from)
        if (!out) {
          out = new Float32Array(n * outPer)
          dims = [n, ...t.dims.slice(1).map(Number)]
        }
        out.set(data, from * outPer)
      }
      const y = tf.tensor(out ?? new Float32Array(0), out ? dims : [0], 'float32')
      if (!verified.has(model) && out) {
        const rows = Math.min(GUARD_ROWS, n)
        const ref = tf.tidy(() => model.apply(tf.slice(x, 0, rows), { training: false }) as tf.Tensor)
        const expected = ref.dataSync() as Float32Array
        ref.dispose()
        const gap = parityGap(out.subarray(0, expected.length), expected)
        if (gap > PARITY_TOLERANCE) {
          y.dispose()
          if (!o.onMismatch) throw new Error(`the ONNX export of ${model.name} differs from tfjs by ${gap.toExponential(2)} (> ${PARITY_TOLERANCE}) on its first rows`)
          fallback = true
          o.onMismatch(gap)
          return tfjs.predict(x)
        }
        verified.add(model)
      }
      return y
    },
    release: () => session.release()
  }
}

/**
 * The predictor for a pass of `windows` windows (see the header for the choice). Under 'auto'
 * every failure to export or load ends in tfjs, logged once per model.
 */
export async function openPredictor(model: tf.LayersModel, windows: number, o: PredictorOptions = {}): Promise<Predictor> {
  const engine = o.engine ?? 'auto'
  if (engine === 'tfjs') return tfjsPredictor(model)
  if (engine === 'auto' && (windows < (o.minWindows ?? ORT_MIN_WINDOWS) || refused.has(model))) return tfjsPredictor(model)
  const onMismatch = (gap: number) => {
    const why = `its ONNX export differs from tfjs by ${gap.toExponential(2)} (> ${PARITY_TOLERANCE})`
    refused.set(model, why)
    o.onLog?.('warn', `scoring in tfjs from now on: ${why}`)
  }
  try {
    // 'onnxruntime' means ONNX Runtime or an error: no quiet fallback on a parity mismatch either.
    return await onnxPredictor(model, { threads: o.threads, onMismatch: engine === 'auto' ? onMismatch : undefined })
  } catch (err) {
    if (engine === 'onnxruntime') throw err
    const why = (err as Error).message
    refused.set(model, why)
    o.onLog?.('info', `scoring in tfjs (the model is not scored in ONNX Runtime: ${why})`)
    return tfjsPredictor(model)
  }
}

/** Runs `use` on the predictor for a pass (or passes) of `windows` windows, then releases it. */
export async function withPredictor<T>(model: tf.LayersModel, windows: number, o: PredictorOptions, use: (p: Predictor) => Promise<T>): Promise<T> {
  const predictor = await openPredictor(model, windows, o)
  try {
    return await use(predictor)
  } finally {
    await predictor.release()
  }
}
