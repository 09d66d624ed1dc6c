/**
 * Per-column statistics and normal-vs-anomalous histograms (seed 000's "metric distributions"):
 * what the dataset editor shows beside the chart. Non-finite cells are counted, never summed.
 */
import type { LabelledSeries } from './series'

export interface ColumnSummary {
  column: string
  min: number
  max: number
  mean: number
  std: number
  meanNormal: number | null
  meanAnomalous: number | null
  missing: number
}

export function columnStats(series: LabelledSeries): ColumnSummary[] {
  return series.columns.map((column, j) => {
    const v = series.values[j]
    let n = 0
    let sum = 0
    let sumSq = 0
    let min = Infinity
    let max = -Infinity
    let missing = 0
    let nA = 0
    let sumA = 0
    for (let i = 0; i < v.length; i++) {
      const x = v[i]
      if (!Number.isFinite(x)) {
        missing++
        continue
      }
      n++
      sum += x
      sumSq += x * x
      if (x < min) min = x
      if (x > max) max = x
      if (series.labels[i]) {
        nA++
        sumA += x
      }
    }
    const mean = n ? sum / n : 0
    return {
      column,
      min: n ? min : 0,
      max: n ? max : 0,
      mean,
      std: n ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0,
      meanNormal: n - nA > 0 ? (sum - sumA) / (n - nA) : null,
      meanAnomalous: nA > 0 ? sumA / nA : null,
      missing
    }
  })
}

export interface ColumnHistogram {
  column: string
  edges: number[]
  normal: number[]
  anomalous: number[]
}

/**
 * Histograms over each column's 0.5-99.5 percentile range (a few extreme anomalies would
 * otherwise squash the bulk into one bin); values outside go to the end bins.
 */
export function columnHistograms(series: LabelledSeries, bins = 30): ColumnHistogram[] {
  return series.columns.map((column, j) => {
    const v = series.values[j]
    const finite = Float32Array.from(v.filter((x) => Number.isFinite(x))).sort()
    const edges: number[] = []
    const normal = new Array<number>(bins).fill(0)
    const anomalous = new Array<number>(bins).fill(0)
    if (finite.length === 0) return { column, edges: [0, 1], normal: [0], anomalous: [0] }
    let lo = finite[Math.floor(0.005 * (finite.length - 1))]
    let hi = finite[Math.ceil(0.995 * (finite.length - 1))]
    if (hi <= lo) {
      lo = finite[0]
      hi = finite[finite.length - 1]
    }
    if (hi <= lo) hi = lo + 1
    const width = (hi - lo) / bins
    for (let b = 0; b <= bins; b++) edges.push(lo + b * width)
    for (let i = 0; i < v.length; i++) {
      const x = v[i]
      if (!Number.isFinite(x)) continue
      const b = Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)))
      if (series.labels[i]) anomalous[b]++
      else normal[b]++
    }
    return { column, edges, normal, anomalous }
  })
}
