/**
 * Scoring with a bundle in ONNX Runtime: re-running its golden inputs (verify), and scoring a
 * series window by window (score a CSV, evaluate on a dataset). Runs in the inference worker.
 */
import * as ort from 'onnxruntime-node'
import type { LabelledSeries } from '../data/series'
import { windowStarts, windowLabels, windowTypes, fillBatch, type LabelRule } from '../data/windows'
import { fillSeries, MissingValuesError, nonFinite, scoringRule, type FillReport } from '../data/missing-values'
import { BundleError, type BundleContents } from './bundle'
import { postprocessScores } from '../eval/detector-rules'

/**
 * An ONNX Runtime session over a bundle's model. ORT's own load errors name neither the bundle
 * nor the file (a protobuf parse error, an unknown op): they are rethrown naming both.
 */
export async function openSession(onnx: Uint8Array, bundleDir: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 })
  } catch (err) {
    throw new BundleError(bundleDir, `model.onnx cannot be loaded by ONNX Runtime: ${(err as Error).message}`)
  }
}

/** Reruns golden.json; returns the largest difference per output (ok when all ≤ tolerance). */
export async function rerunGolden(contents: BundleContents, bundleDir: string): Promise<{ ok: boolean; maxAbsDiff: Record<string, number> }> {
  const session = await openSession(contents.onnx, bundleDir)
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
  /** Missing cells filled before scoring, by the bundle's rule (null: none were missing). */
  filled: FillReport | null
}

/**
 * The bundle's feature columns of `series`, ready to score. Missing (NaN) cells are filled by the
 * rule the bundle's training data was imported with, so a scored file is prepared as the training
 * data was; ±Infinity and a column with no value at all are refused (a score over them would be
 * meaningless, never an error). Columns are copied before filling: the caller's series is kept.
 */
function featureColumns(series: LabelledSeries, pre: BundleContents['preprocessing']): { columns: Float32Array[]; filled: FillReport | null } {
  const absent = pre.features.filter((f) => !series.columns.includes(f))
  if (absent.length) throw new Error(`the data lacks the bundle's feature column(s): ${absent.join(', ')} (it has: ${series.columns.join(', ')})`)
  const own = { ...series, columns: pre.features, values: pre.features.map((f) => series.values[series.columns.indexOf(f)]) }
  const bad = nonFinite(own, 'infinite')
  if (bad) throw new Error(`cannot score: column '${bad.column}' holds ${bad.value} at row ${bad.row} (${bad.count} infinite value${bad.count === 1 ? '' : 's'})`)
  if (nonFinite(own) === null) return { columns: own.values, filled: null }
  const rule = scoringRule(pre)
  own.values = own.values.map((v) => v.slice())
  try {
    return { columns: own.values, filled: fillSeries(own, rule) }
  } catch (err) {
    if (err instanceof MissingValuesError) throw new Error(`cannot score: column '${err.column}': ${err.message} (the bundle fills missing cells by ${rule}, the rule its training data was imported with)`, { cause: err })
    throw err
  }
}

/** Scores every window of the series (columns in the bundle's feature order) in batches. */
export async function scoreSeries(
  contents: BundleContents,
  series: LabelledSeries,
  opts: { batch?: number; labelRule?: LabelRule; onProgress?: (done: number, total: number) => void; bundleDir: string }
): Promise<SeriesScores> {
  const pre = contents.preprocessing
  const { columns, filled } = featureColumns(series, pre)
  const length = pre.window.length
  const starts = windowStarts(series, { length, stride: pre.window.stride })
  const batch = opts.batch ?? 256
  const perRow = pre.input.shape.length === 2
  const buf = new Float32Array(batch * length * columns.length)
  const scores = new Float32Array(starts.length)
  const session = await openSession(contents.onnx, opts.bundleDir)
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
  // The run's smoothing over time, per segment, exactly as it trained (detector-rules.ts).
  const smoothed = pre.postprocess ? postprocessScores(scores, starts, series, pre.postprocess) : scores
  return { starts, length, scores: smoothed, labels: windowLabels(series, starts, length, rule), types: windowTypes(series, starts, length), filled }
}
