/**
 * Which scored windows lie over which labelled episode: the input of event-level recall and
 * detection delay (DESIGN §7: "an episode (a run of labelled rows) counts as caught if any window
 * over it is flagged; detection delay is the gap from its first row to the first flag").
 *
 * Stored as CSR (one offsets array, one flat member array) so a 600,000-window split costs two
 * Int32Arrays, not an object per episode. A window may lie over several short episodes and is
 * then listed under each.
 */
import type { LabelledSeries } from '../data/series'
import { labelRanges } from '../data/label-ranges'

export interface EpisodeWindows {
  /** First labelled row of each episode (a row index of the dataset version). */
  firstRow: Int32Array
  /** Windows over episode e: `windows[offsets[e] .. offsets[e + 1])`, in end-row order. */
  offsets: Int32Array
  /** Indices into the split's score array. */
  windows: Int32Array
  /** Last row of every window of the split (its length is the number of windows): a window's flag exists from that row on. */
  windowEndRow: Int32Array
}

/**
 * Episodes of `series` (maximal runs of labelled rows of one type within a segment, as the
 * dataset editor lists them) and the windows `[start, start + length)` over each.
 *
 * `starts` are the first rows of the scored windows, in score order, ascending (as
 * `windowStarts` returns them). O(rows + windows + memberships).
 */
export function episodeWindows(series: LabelledSeries, starts: Int32Array, length: number): EpisodeWindows {
  if (!Number.isInteger(length) || length < 1) throw new Error(`window length must be a positive integer, got ${length}`)
  for (let i = 1; i < starts.length; i++) {
    if (starts[i] < starts[i - 1]) throw new Error(`window starts must ascend: window ${i} starts at row ${starts[i]}, window ${i - 1} at row ${starts[i - 1]}`)
  }
  const rows = series.labels.length
  if (starts.length > 0 && (starts[0] < 0 || starts[starts.length - 1] + length > rows)) {
    throw new Error(`windows of length ${length} starting at rows ${starts[0]}..${starts[starts.length - 1]} do not fit the series' ${rows} rows`)
  }
  const ranges = labelRanges(series)
  const windowEndRow = new Int32Array(starts.length)
  for (let i = 0; i < starts.length; i++) windowEndRow[i] = starts[i] + length - 1
  const firstRow = new Int32Array(ranges.length)
  const offsets = new Int32Array(ranges.length + 1)
  // Windows over rows [a, b] are those with a - length + 1 <= start <= b: one contiguous run of
  // `starts`. A window of another segment inside that run cannot reach the episode, since windows
  // never cross a segment boundary.
  const lo = new Int32Array(ranges.length)
  ranges.forEach((r, e) => {
    firstRow[e] = r.start
    lo[e] = lowerBound(starts, r.start - length + 1)
    offsets[e + 1] = offsets[e] + (lowerBound(starts, r.end) - lo[e])
  })
  const windows = new Int32Array(offsets[ranges.length])
  for (let e = 0; e < ranges.length; e++) {
    for (let k = offsets[e]; k < offsets[e + 1]; k++) windows[k] = lo[e] + (k - offsets[e])
  }
  return { firstRow, offsets, windows, windowEndRow }
}

/**
 * The same index from one episode id per window (-1: over no episode), for callers that stored
 * ids rather than rows. `firstRow[e]` is episode e's first labelled row.
 */
export function episodeWindowsFromIds(episodeOfWindow: Int32Array, windowEndRow: Int32Array, firstRow: Int32Array): EpisodeWindows {
  if (episodeOfWindow.length !== windowEndRow.length) {
    throw new Error(`episode ids: ${episodeOfWindow.length} windows, but ${windowEndRow.length} window end rows`)
  }
  const E = firstRow.length
  const offsets = new Int32Array(E + 1)
  for (let i = 0; i < episodeOfWindow.length; i++) {
    const e = episodeOfWindow[i]
    if (e === -1) continue
    if (!Number.isInteger(e) || e < 0 || e >= E) throw new Error(`window ${i}: episode id ${e} is not in [0, ${E}) or -1`)
    offsets[e + 1]++
  }
  for (let e = 0; e < E; e++) offsets[e + 1] += offsets[e]
  const fill = offsets.slice(0, E)
  const windows = new Int32Array(offsets[E])
  for (let i = 0; i < episodeOfWindow.length; i++) {
    const e = episodeOfWindow[i]
    if (e >= 0) windows[fill[e]++] = i
  }
  for (let e = 0; e < E; e++) {
    windows.subarray(offsets[e], offsets[e + 1]).sort((a, b) => windowEndRow[a] - windowEndRow[b] || a - b)
  }
  return { firstRow: Int32Array.from(firstRow), offsets, windows, windowEndRow: Int32Array.from(windowEndRow) }
}

/** First index i with a[i] >= x in an ascending array (a.length when none). */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
