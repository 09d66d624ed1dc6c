/**
 * The labelled episodes of one scored split (DESIGN §7: event-level recall, error lists grouped
 * by episode). A split's windows cover only part of a dataset version (the test split of a time
 * split is its last rows), so the version's episodes elsewhere are not this split's: counting
 * them would report every validation-part episode as missed on test. An episode belongs to the
 * split when its rows meet the span the split's windows cover in its segment; one there that no
 * window lies over (a gap in coverage) stays, and counts as never caught.
 */
import type { LabelledSeries } from '../data/series'
import { segmentsOf } from '../data/series'
import { labelRangeIndex } from '../data/label-ranges'
import { episodeWindows, type EpisodeWindows } from './episode-windows'

export interface SplitEpisodes {
  /** The ThresholdSweep's input: windows over each of the split's episodes. */
  index: EpisodeWindows
  /** Per episode (the order of `index.firstRow`): rows [start, end) of the version, type code (0: none), segment index. */
  start: Int32Array
  end: Int32Array
  type: Uint8Array
  segment: Int32Array
  /** Segment index of every window of the split. */
  windowSegment: Int32Array
  /** The one episode each window is grouped under (-1: none): the last one it lies over, i.e. the one its last row is in, when it is in one. */
  windowEpisode: Int32Array
}

/**
 * `starts`: first row of each scored window in `series` (ascending, as stored); `length`: rows per
 * window. O(rows + windows + memberships).
 *
 * @example
 * // rows 0-9, labelled rows 2-3 and 8; windows of 2 rows starting at rows 6, 7, 8 (a split's tail)
 * splitEpisodes(series, Int32Array.of(6, 7, 8), 2).start // Int32Array [8]: rows 2-3 are not this split's
 */
export function splitEpisodes(series: LabelledSeries, starts: Int32Array, length: number): SplitEpisodes {
  const all = episodeWindows(series, starts, length)
  const ranges = labelRangeIndex(series)
  if (ranges.count !== all.firstRow.length) throw new Error(`episodes: ${ranges.count} labelled ranges but ${all.firstRow.length} indexed`)
  const segments = segmentsOf(series)

  // The rows the split's windows cover, per segment: [lo, hi).
  const windowSegment = new Int32Array(starts.length)
  const lo = new Float64Array(segments.length).fill(Infinity)
  const hi = new Float64Array(segments.length).fill(-Infinity)
  let s = 0
  for (let i = 0; i < starts.length; i++) {
    // Starts ascend (episodeWindows checked): the segment index only moves forward.
    while (s + 1 < segments.length && starts[i] >= segments[s + 1].start) s++
    windowSegment[i] = s
    lo[s] = Math.min(lo[s], starts[i])
    hi[s] = Math.max(hi[s], starts[i] + length)
  }

  const keep: number[] = []
  for (let e = 0; e < ranges.count; e++) {
    const seg = ranges.segment[e]
    if (ranges.start[e] < hi[seg] && ranges.end[e] > lo[seg]) keep.push(e)
  }
  const E = keep.length
  const firstRow = new Int32Array(E)
  const offsets = new Int32Array(E + 1)
  keep.forEach((e, k) => {
    firstRow[k] = all.firstRow[e]
    offsets[k + 1] = offsets[k] + (all.offsets[e + 1] - all.offsets[e])
  })
  const windows = new Int32Array(offsets[E])
  const windowEpisode = new Int32Array(starts.length).fill(-1)
  keep.forEach((e, k) => {
    windows.set(all.windows.subarray(all.offsets[e], all.offsets[e + 1]), offsets[k])
    // Episodes ascend, so the last write is the latest episode the window lies over.
    for (let m = offsets[k]; m < offsets[k + 1]; m++) windowEpisode[windows[m]] = k
  })
  return {
    index: { firstRow, offsets, windows, windowEndRow: all.windowEndRow },
    start: Int32Array.from(keep, (e) => ranges.start[e]),
    end: Int32Array.from(keep, (e) => ranges.end[e]),
    type: Uint8Array.from(keep, (e) => ranges.type[e]),
    segment: Int32Array.from(keep, (e) => ranges.segment[e]),
    windowSegment,
    windowEpisode
  }
}
