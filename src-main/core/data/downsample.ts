/**
 * Min/max decimation for drawing: a window of rows cut into buckets, each keeping the min and
 * max of every column, so a 600,000-row series draws as ~2 x pixels points and a one-row spike
 * stays visible at any zoom (LTTB would drop it). O(rows in window x columns).
 */
import type { LabelledSeries } from './series'

export interface WindowRequest {
  from: number
  to: number
  buckets: number
  columns?: string[]
}

export interface DownsampledWindow {
  from: number
  to: number
  start: number[]
  time: number[]
  columns: { name: string; min: number[]; max: number[] }[]
  anomalous: number[]
  type: number[]
  typeNames: string[]
}

export function downsampleWindow(series: LabelledSeries, req: WindowRequest): DownsampledWindow {
  const n = series.timestamps.length
  const from = Math.max(0, Math.min(req.from, n))
  const to = Math.max(from, Math.min(req.to, n))
  const rows = to - from
  const count = Math.max(0, Math.min(req.buckets, rows))
  const names = req.columns ?? series.columns
  const idx = names.map((name) => {
    const j = series.columns.indexOf(name)
    if (j < 0) throw new Error(`unknown column '${name}' (columns: ${series.columns.join(', ')})`)
    return j
  })
  const start: number[] = new Array(count)
  const time: number[] = new Array(count)
  const anomalous: number[] = new Array(count)
  const type: number[] = new Array(count)
  const mins = idx.map(() => new Array<number>(count))
  const maxs = idx.map(() => new Array<number>(count))
  const typeVotes = new Int32Array(series.anomalyTypeNames.length + 1)
  for (let b = 0; b < count; b++) {
    // Integer bucket edges: every row lands in exactly one bucket.
    const a = from + Math.floor((b * rows) / count)
    const e = from + Math.floor(((b + 1) * rows) / count)
    start[b] = a
    time[b] = series.timestamps[a]
    let labelled = 0
    typeVotes.fill(0)
    for (let i = a; i < e; i++) {
      labelled += series.labels[i]
      typeVotes[series.anomalyType[i]]++
    }
    anomalous[b] = labelled / (e - a)
    let best = 0
    for (let k = 1; k < typeVotes.length; k++) if (typeVotes[k] > typeVotes[best] || (best === 0 && typeVotes[k] > 0)) best = k
    type[b] = best
    for (let c = 0; c < idx.length; c++) {
      const col = series.values[idx[c]]
      let lo = Infinity
      let hi = -Infinity
      for (let i = a; i < e; i++) {
        const v = col[i]
        if (v < lo) lo = v
        if (v > hi) hi = v
      }
      // A bucket of only NaN has no extent: report NaN, which JSON carries as null.
      mins[c][b] = lo === Infinity ? NaN : lo
      maxs[c][b] = hi === -Infinity ? NaN : hi
    }
  }
  return {
    from,
    to,
    start,
    time,
    columns: names.map((name, c) => ({ name, min: mins[c], max: maxs[c] })),
    anomalous,
    type,
    typeNames: series.anomalyTypeNames
  }
}
