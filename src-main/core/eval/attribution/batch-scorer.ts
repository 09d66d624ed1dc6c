/**
 * A model as the attribution code sees it: something that scores a batch of windows. Async, so a
 * tfjs model (`await tensor.data()`) and an ONNX Runtime session (`await session.run()`) plug in
 * alike, in the process that holds the model.
 *
 * `batch` holds `count` windows as [count, length, features] row-major (fillBatch's layout; a
 * row model such as the Isolation Forest sees length 1). The buffer is reused for the next batch
 * once the promise resolves: copy it to keep it. Returns `count` scores, higher = more anomalous.
 */
export type BatchScorer = (batch: Float32Array, count: number) => Promise<ArrayLike<number>>

export interface WindowShape {
  /** Steps per window (1 for row models). */
  length: number
  features: number
}

/** Windows per scorer call unless the caller says otherwise: a few MB for seed-sized windows. */
export const DEFAULT_ATTRIBUTION_BATCH = 256

/**
 * Scores `count` windows that `fill(from, to, out)` writes (windows from..to, at the start of
 * `out`), at most `batchSize` per scorer call.
 */
export async function scoreInBatches(
  scorer: BatchScorer,
  shape: WindowShape,
  count: number,
  fill: (from: number, to: number, out: Float32Array) => void,
  batchSize = DEFAULT_ATTRIBUTION_BATCH
): Promise<Float64Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`)
  const size = shape.length * shape.features
  const buf = new Float32Array(Math.min(batchSize, Math.max(count, 1)) * size)
  const out = new Float64Array(count)
  for (let from = 0; from < count; from += batchSize) {
    const to = Math.min(count, from + batchSize)
    fill(from, to, buf)
    const scores = await scorer(buf.subarray(0, (to - from) * size), to - from)
    if (scores.length !== to - from) throw new Error(`the scorer returned ${scores.length} scores for a batch of ${to - from} windows`)
    for (let i = from; i < to; i++) out[i] = scores[i - from]
  }
  return out
}
