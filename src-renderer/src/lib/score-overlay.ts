/**
 * A run's window scores laid over the rows of a dataset version (the dataset editor's overlay):
 * pure helpers, no DOM (unit-tested in Node: test/unit/score-overlay.test.ts).
 *
 * A window's score belongs to its last row (the row from which its flag exists, the rule the
 * event metrics use too); a flagged window shades every row it covers. Every split a run stored
 * over this version's rows is merged (a time split's validation and test parts are one series).
 */
import type { RowRange } from './dataset-view'

export interface OverlaySplit {
  /** First row of each window, ascending. */
  starts: Int32Array
  scores: Float32Array
  windowLength: number
}

/** Every scored window of the run over the version, ordered by last row. */
export interface ScoreOverlay {
  /** Last row of each window, ascending. */
  endRow: Int32Array
  /** First row of each window (same order). */
  startRow: Int32Array
  score: Float32Array
  /** Lowest and highest finite score (the score track's axis). */
  lo: number
  hi: number
}

/**
 * Merges splits into one overlay ordered by last row. O(n log n) for n windows.
 * @example buildOverlay([{ starts: Int32Array.of(0, 1), scores: Float32Array.of(0.2, 0.9), windowLength: 3 }]).endRow // Int32Array [2, 3]
 */
export function buildOverlay(splits: readonly OverlaySplit[]): ScoreOverlay {
  let n = 0
  for (const s of splits) {
    if (s.starts.length !== s.scores.length) throw new Error(`score overlay: ${s.scores.length} scores but ${s.starts.length} window starts`)
    n += s.scores.length
  }
  const end = new Int32Array(n)
  const start = new Int32Array(n)
  const score = new Float32Array(n)
  let k = 0
  for (const s of splits) {
    for (let i = 0; i < s.scores.length; i++, k++) {
      start[k] = s.starts[i]!
      end[k] = s.starts[i]! + s.windowLength - 1
      score[k] = s.scores[i]!
    }
  }
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  // Splits each ascend; only their interleaving needs the sort.
  order.sort((a, b) => end[a]! - end[b]! || a - b)
  const out: ScoreOverlay = { endRow: new Int32Array(n), startRow: new Int32Array(n), score: new Float32Array(n), lo: Infinity, hi: -Infinity }
  for (let i = 0; i < n; i++) {
    const j = order[i]!
    out.endRow[i] = end[j]!
    out.startRow[i] = start[j]!
    const v = score[j]!
    out.score[i] = v
    if (Number.isFinite(v)) {
      if (v < out.lo) out.lo = v
      if (v > out.hi) out.hi = v
    }
  }
  if (!Number.isFinite(out.lo)) {
    out.lo = 0
    out.hi = 1
  } else if (out.lo === out.hi) {
    out.lo -= 0.5
    out.hi += 0.5
  }
  return out
}

/** Row spans [start, end) covered by flagged windows (score >= threshold), merged and ascending. */
export interface FlagSpans {
  start: Int32Array
  end: Int32Array
}

/**
 * The rows flagged windows cover, merged into disjoint spans. O(n log n).
 * @example flaggedSpans(buildOverlay([{ starts: Int32Array.of(0, 1, 5), scores: Float32Array.of(0.9, 0.8, 0.1), windowLength: 2 }]), 0.5) // { start: [0], end: [3] }
 */
export function flaggedSpans(o: ScoreOverlay, threshold: number): FlagSpans {
  const idx: number[] = []
  for (let i = 0; i < o.score.length; i++) if (o.score[i]! >= threshold) idx.push(i)
  // Ordered by last row; with one window length per split, first rows ascend too, but splits
  // of different lengths may interleave: sort by first row to merge.
  idx.sort((a, b) => o.startRow[a]! - o.startRow[b]!)
  const starts: number[] = []
  const ends: number[] = []
  for (const i of idx) {
    const s = o.startRow[i]!
    const e = o.endRow[i]! + 1
    const last = ends.length - 1
    if (last >= 0 && s <= ends[last]!) ends[last] = Math.max(ends[last]!, e)
    else {
      starts.push(s)
      ends.push(e)
    }
  }
  return { start: Int32Array.from(starts), end: Int32Array.from(ends) }
}

/**
 * The spans meeting rows [from, to), as index range [first, last) into the spans.
 * @example spansIn({ start: Int32Array.of(0, 10, 20), end: Int32Array.of(5, 15, 25) }, { from: 12, to: 21 }) // [1, 3]
 */
export function spansIn(spans: FlagSpans, view: RowRange): [number, number] {
  // First span ending after `from` (ends ascend, spans being disjoint and ascending).
  let lo = 0
  let hi = spans.end.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (spans.end[mid]! <= view.from) lo = mid + 1
    else hi = mid
  }
  let last = lo
  while (last < spans.start.length && spans.start[last]! < view.to) last++
  return [lo, last]
}

/**
 * The score track of rows [from, to) in at most `buckets` buckets: per bucket its first row and
 * the highest score of the windows ending in it (max keeps a spike visible at any zoom); buckets
 * with no window are left out, so the line breaks there. O(windows in view + log n).
 * @example scoreBuckets(buildOverlay([{ starts: Int32Array.of(0, 1, 2, 3), scores: Float32Array.of(1, 4, 2, 3), windowLength: 1 }]), { from: 0, to: 4 }, 2) // { row: [0, 2], max: [4, 3] }
 */
export function scoreBuckets(o: ScoreOverlay, view: RowRange, buckets: number): { row: number[]; max: number[] } {
  const span = Math.max(1, view.to - view.from)
  const n = Math.max(1, Math.min(buckets, span))
  const size = span / n
  const row: number[] = []
  const max: number[] = []
  let i = lowerBound(o.endRow, view.from)
  let b = -1
  let best = -Infinity
  for (; i < o.endRow.length && o.endRow[i]! < view.to; i++) {
    const v = o.score[i]!
    if (!Number.isFinite(v)) continue
    const k = Math.min(n - 1, Math.floor((o.endRow[i]! - view.from) / size))
    if (k !== b) {
      if (b >= 0) {
        row.push(view.from + Math.round(b * size))
        max.push(best)
      }
      b = k
      best = v
    } else if (v > best) best = v
  }
  if (b >= 0) {
    row.push(view.from + Math.round(b * size))
    max.push(best)
  }
  return { row, max }
}

function lowerBound(a: Int32Array, x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
