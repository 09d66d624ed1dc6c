/**
 * Lazy sliding windows over a labelled series. A window is identified by its first row; nothing
 * is materialised beyond one batch (600,000 x 60 x 8 floats would be 1.1 GB): `fillBatch` copies
 * the rows of a few windows into a reused [batch, length, features] buffer when a batch is due.
 *
 * Windows never cross a segment boundary (entities, imported files): a window spans rows
 * [start, start + length) inside one segment.
 */
import type { LabelledSeries } from './series'
import { segmentsOf } from './series'

export interface WindowOptions {
  length: number
  /** Rows between consecutive window starts within a segment (1 = every window). */
  stride: number
}

/**
 * How a window's label follows from its points' labels (recorded with the run):
 * - `any`: anomalous if any point is (the seed-000 script's rule: a 60-min window containing an
 *   incident is an incident window);
 * - `last`: the label of the window's last point (online detection: "is now anomalous?");
 * - `fraction`: anomalous if at least `min` of its points are.
 */
export type LabelRule = { kind: 'any' } | { kind: 'last' } | { kind: 'fraction'; min: number }

function checkWindow(length: number, stride: number): void {
  if (!Number.isInteger(length) || length < 1) throw new Error(`window length must be a positive integer, got ${length}`)
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`window stride must be a positive integer, got ${stride}`)
}

/** Start rows of every window, in row order, segment by segment. */
export function windowStarts(series: LabelledSeries, opts: WindowOptions): Int32Array {
  checkWindow(opts.length, opts.stride)
  const segs = segmentsOf(series)
  let count = 0
  for (const s of segs) {
    const n = s.end - s.start - opts.length
    if (n >= 0) count += Math.floor(n / opts.stride) + 1
  }
  const out = new Int32Array(count)
  let k = 0
  for (const s of segs) {
    for (let r = s.start; r + opts.length <= s.end; r += opts.stride) out[k++] = r
  }
  return out
}

/** Window labels (0/1) by `rule`, with prefix sums so `any` / `fraction` cost O(rows + windows). */
export function windowLabels(series: LabelledSeries, starts: Int32Array, length: number, rule: LabelRule): Uint8Array {
  const labels = series.labels
  const out = new Uint8Array(starts.length)
  if (rule.kind === 'last') {
    for (let i = 0; i < starts.length; i++) out[i] = labels[starts[i] + length - 1] !== 0 ? 1 : 0
    return out
  }
  if (rule.kind === 'fraction' && !(rule.min > 0 && rule.min <= 1)) throw new Error(`label rule fraction: min must be in (0, 1], got ${rule.min}`)
  const prefix = new Int32Array(labels.length + 1)
  for (let i = 0; i < labels.length; i++) prefix[i + 1] = prefix[i] + (labels[i] !== 0 ? 1 : 0)
  // `any` is "at least one point"; `fraction` compares counts (integers) to avoid float edges.
  const need = rule.kind === 'any' ? 1 : Math.max(1, Math.ceil(rule.min * length - 1e-9))
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]
    out[i] = prefix[s + length] - prefix[s] >= need ? 1 : 0
  }
  return out
}

/**
 * The dominant anomaly type code of each window's labelled points (0 when none is labelled),
 * for per-type recall. Ties go to the lower code (deterministic).
 */
export function windowTypes(series: LabelledSeries, starts: Int32Array, length: number): Uint8Array {
  const nTypes = series.anomalyTypeNames.length
  const out = new Uint8Array(starts.length)
  const counts = new Int32Array(nTypes + 1)
  const { labels, anomalyType } = series
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]
    counts.fill(0)
    let any = false
    for (let r = s; r < s + length; r++) {
      const t = anomalyType[r]
      if (labels[r] !== 0 && t > 0 && t <= nTypes) {
        counts[t]++
        any = true
      }
    }
    if (!any) continue
    let best = 1
    for (let t = 2; t <= nTypes; t++) if (counts[t] > counts[best]) best = t
    out[i] = best
  }
  return out
}

/**
 * Writes windows starts[from..to) as [to - from, length, features] (row-major) into `out`,
 * reading feature columns (already scaled). Returns the number of floats written.
 */
export function fillBatch(columns: Float32Array[], starts: Int32Array, from: number, to: number, length: number, out: Float32Array): number {
  return fillWindows('fillBatch', columns, starts, null, from, to, length, out)
}

/** As fillBatch, for windows at arbitrary positions `order[from..to)` of `starts` (shuffled batches). */
export function fillBatchIndexed(
  columns: Float32Array[],
  starts: Int32Array,
  order: Int32Array,
  from: number,
  to: number,
  length: number,
  out: Float32Array
): number {
  return fillWindows('fillBatchIndexed', columns, starts, order, from, to, length, out)
}

/** The copy both fillers make; `order` null reads the windows in `starts` order. `caller` names the filler in errors. */
function fillWindows(
  caller: string,
  columns: Float32Array[],
  starts: Int32Array,
  order: Int32Array | null,
  from: number,
  to: number,
  length: number,
  out: Float32Array
): number {
  const f = columns.length
  const n = (to - from) * length * f
  if (n > out.length) throw new Error(`${caller}: buffer holds ${out.length} floats, batch needs ${n}`)
  let o = 0
  for (let i = from; i < to; i++) {
    const s = starts[order === null ? i : order[i]]
    for (let r = s; r < s + length; r++) {
      for (let j = 0; j < f; j++) out[o++] = columns[j][r]
    }
  }
  return n
}
