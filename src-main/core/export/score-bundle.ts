/**
 * Scoring with a bundle in ONNX Runtime: re-running its golden inputs (verify), and scoring a
 * series window by window (score a CSV, evaluate on a dataset). Runs in the inference worker.
 */
import * as ort from 'onnxruntime-node'
import type { LabelledSeries } from '../data/series'
import { windowStarts, windowLabels, windowTypes, fillBatch, type LabelRule } from '../data/windows'
import type { BundleContents } from './bundle'

export async function openSession(onnx: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 })
}

/** Reruns golden.json; returns the largest difference per output (ok when all ≤ tolerance). */
export async function rerunGolden(contents: BundleContents): Promise<{ ok: boolean; maxAbsDiff: Record<string, number> }> {
  const session = await openSession(contents.onnx)
  try {
    const g = contents.golden
    const input = new ort.Tensor('float32', Float32Array.from(g.inputs), g.shape)
    const out = await session.run({ [contents.preprocessing.input.name]: input })
    const maxAbsDiff: Record<string, number> = {}
    for (const [name, expected] of Object.entries(g.outputs)) {
      const got = out[name]?.data as Float32Array | undefined
      if (!got || got.length !== expected.length) {
        maxAbsDiff[name] = Infinity
        continue
      }
      let worst = 0
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]))
      maxAbsDiff[name] = worst
    }
    return { ok: Object.values(maxAbsDiff).every((d) => d <= g.tolerance), maxAbsDiff }
  } finally {
    await session.release()
  }
}

export interface SeriesScores {
  /** First row of each window. */
  starts: Int32Array
  length: number
  /** The `score` output (first column for multi-column outputs). */
  scores: Float32Array
  labels: Uint8Array
  types: Uint8Array
}

/** Scores every window of the series (columns in the bundle's feature order) in batches. */
export async function scoreSeries(
  contents: BundleContents,
  series: LabelledSeries,
  opts: { batch?: number; labelRule?: LabelRule; onProgress?: (done: number, total: number) => void } = {}
): Promise<SeriesScores> {
  const pre = contents.preprocessing
  const missing = pre.features.filter((f) => !series.columns.includes(f))
  if (missing.length) throw new Error(`the data lacks the bundle's feature column(s): ${missing.join(', ')} (it has: ${series.columns.join(', ')})`)
  const columns = pre.features.map((f) => series.values[series.columns.indexOf(f)])
  const length = pre.window.length
  const starts = windowStarts(series, { length, stride: pre.window.stride })
  const batch = opts.batch ?? 256
  const perRow = pre.input.shape.length === 2
  const buf = new Float32Array(batch * length * columns.length)
  const scores = new Float32Array(starts.length)
  const session = await openSession(contents.onnx)
  try {
    for (let from = 0; from < starts.length; from += batch) {
      const to = Math.min(starts.length, from + batch)
      const n = fillBatch(columns, starts, from, to, length, buf)
      const dims = perRow ? [to - from, columns.length] : [to - from, length, columns.length]
      const out = await session.run({ [pre.input.name]: new ort.Tensor('float32', buf.slice(0, n), dims) })
      const s = out.score ?? out[Object.keys(out)[0]]
      const width = s.dims.length > 1 ? Number(s.dims[s.dims.length - 1]) : 1
      const data = s.data as Float32Array
      for (let i = 0; i < to - from; i++) scores[from + i] = data[i * width]
      opts.onProgress?.(to, starts.length)
    }
  } finally {
    await session.release()
  }
  const rule = opts.labelRule ?? ((contents.modelConfig.params.labelRule as LabelRule | undefined) ?? { kind: 'any' })
  return { starts, length, scores, labels: windowLabels(series, starts, length, rule), types: windowTypes(series, starts, length) }
}
