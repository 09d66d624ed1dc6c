/**
 * Monte Carlo dropout (Gal & Ghahramani 2016): N forward passes with dropout left on give N
 * samples of the prediction; their mean is the prediction and their standard deviation its
 * (epistemic) uncertainty.
 *
 * Speed: the N passes are batched. Each input row is repeated N times along the batch axis and
 * the model runs once on [N * rows, ...]; dropout draws an independent mask per row, so the
 * copies are independent passes. Rows are processed in chunks so that N * chunk stays under
 * `maxBatch` (memory of the LSTM activations grows with it).
 *
 * Dropout is switched on with `model.apply(x, { training: true })`. Only dropout reads the
 * `training` flag in these models (no BatchNormalization), so nothing else changes behaviour.
 */
import * as tf from '@tensorflow/tfjs'

export interface McDropoutResult {
  /** [rows * outputs], row-major: mean over the N passes. */
  mean: Float32Array
  /** Same layout: population standard deviation over the N passes. */
  std: Float32Array
  rows: number
  outputs: number
  samples: number
}

export interface McDropoutOptions {
  samples: number
  /** Largest batch (rows x samples) sent through the model at once. */
  maxBatch?: number
  /** Called with the rows done so far (for progress and cancellation checks). */
  onChunk?: (rowsDone: number) => void
}

/** x: [rows, ...] -> mean and std of N dropout-on passes, per row and output. */
export function mcDropoutPredict(model: tf.LayersModel, x: tf.Tensor, o: McDropoutOptions): McDropoutResult {
  const N = o.samples
  if (!Number.isInteger(N) || N < 1) throw new Error(`MC-dropout needs samples >= 1, got ${N}`)
  const rows = x.shape[0]
  const outShape = model.outputs[0].shape
  const outputs = (outShape[outShape.length - 1] as number | null) ?? 1
  const mean = new Float32Array(rows * outputs)
  const std = new Float32Array(rows * outputs)
  const chunk = Math.max(1, Math.floor((o.maxBatch ?? 4096) / N))
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start)
    const [m, s] = tf.tidy(() => {
      const part = tf.slice(x, start, n)
      // [n, ...] -> [N, n, ...] -> [N * n, ...]: pass k of row i sits at k * n + i.
      const reps = [N, ...part.shape.map(() => 1)]
      const tiled = tf.reshape(tf.tile(tf.expandDims(part, 0), reps), [N * n, ...part.shape.slice(1)])
      const y = tf.reshape(model.apply(tiled, { training: true }) as tf.Tensor, [N, n, outputs])
      // Two-pass variance (mean first) in float32: values are probabilities in [0, 1], so the
      // one-pass E[y^2] - E[y]^2 cancellation is avoided rather than risked.
      const mu = tf.mean(y, 0)
      const variance = tf.mean(tf.square(tf.sub(y, mu)), 0)
      return [mu, tf.sqrt(variance)]
    })
    mean.set(m.dataSync() as Float32Array, start * outputs)
    std.set(s.dataSync() as Float32Array, start * outputs)
    m.dispose()
    s.dispose()
    o.onChunk?.(start + n)
  }
  return { mean, std, rows, outputs, samples: N }
}

/** Mean of the per-prediction std for each output column (the uncertainty summary). */
export function meanStdPerOutput(r: McDropoutResult): number[] {
  const out = new Array<number>(r.outputs).fill(0)
  for (let i = 0; i < r.rows; i++) for (let j = 0; j < r.outputs; j++) out[j] += r.std[i * r.outputs + j]
  return out.map((v) => (r.rows > 0 ? v / r.rows : NaN))
}
