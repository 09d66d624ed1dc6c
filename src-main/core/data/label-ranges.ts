/**
 * Labelled ranges: maximal runs of consecutive anomalous rows of one type, within a segment.
 *
 * A version can hold millions of them (alternating labels over 5 million rows give 2.5 million),
 * so they are found once into typed arrays (a RangeIndex: 13 bytes a range, against ~100 as
 * objects, 250 MB as JSON) and served a page at a time.
 */
import type { LabelledSeries, Segment } from './series'
import { segmentsOf } from './series'

export interface LabelRangeInfo {
  start: number
  end: number
  startTime: number
  endTime: number
  type: string | null
  segment: string
}

/** Every range of a series: rows [start, end), type code (0 = none), segment index. */
export interface RangeIndex {
  count: number
  start: Int32Array
  end: Int32Array
  type: Uint8Array
  segment: Int32Array
  /** Ranges per type code. */
  perType: Float64Array
}

export function labelRangeIndex(series: LabelledSeries): RangeIndex {
  const { labels, anomalyType } = series
  const segments = segmentsOf(series)
  // First pass counts, so the arrays are allocated once at their exact size.
  let count = 0
  const scan = (emit: (start: number, end: number, type: number, segment: number) => void): void => {
    segments.forEach((seg, s) => {
      let i = seg.start
      while (i < seg.end) {
        if (!labels[i]) {
          i++
          continue
        }
        const t = anomalyType[i]
        let j = i + 1
        while (j < seg.end && labels[j] && anomalyType[j] === t) j++
        emit(i, j, t, s)
        i = j
      }
    })
  }
  scan(() => count++)
  const index: RangeIndex = {
    count,
    start: new Int32Array(count),
    end: new Int32Array(count),
    type: new Uint8Array(count),
    segment: new Int32Array(count),
    perType: new Float64Array(256)
  }
  let k = 0
  scan((start, end, type, segment) => {
    index.start[k] = start
    index.end[k] = end
    index.type[k] = type
    index.segment[k] = segment
    index.perType[type]++
    k++
  })
  return index
}

function rangeInfo(series: LabelledSeries, segments: Segment[], index: RangeIndex, k: number): LabelRangeInfo {
  const t = index.type[k]
  return {
    start: index.start[k],
    end: index.end[k],
    startTime: series.timestamps[index.start[k]],
    endTime: series.timestamps[index.end[k] - 1],
    type: t > 0 ? series.anomalyTypeNames[t - 1] : null,
    segment: segments[index.segment[k]].id
  }
}

/** Every range as an object (for small series and analyses; the API pages with rangePage). */
export function labelRanges(series: LabelledSeries, index = labelRangeIndex(series)): LabelRangeInfo[] {
  const segments = segmentsOf(series)
  return Array.from({ length: index.count }, (_, k) => rangeInfo(series, segments, index, k))
}

export interface RangePage {
  /** Ranges matching the filter. */
  total: number
  offset: number
  /** Index of each returned range among all ranges of the version (stable ids for a UI). */
  indices: number[]
  ranges: LabelRangeInfo[]
  /** Ranges per type over the whole version (null: no type), for a filter. */
  types: { type: string | null; count: number }[]
}

/**
 * One page of ranges, optionally of one type (`null`: ranges without a type).
 * @example rangePage(series, index, { offset: 0, limit: 50 }) // the first 50 and the total
 */
export function rangePage(
  series: LabelledSeries,
  index: RangeIndex,
  req: { offset: number; limit: number; type?: string | null }
): RangePage {
  const code = req.type === undefined ? -1 : req.type === null ? 0 : series.anomalyTypeNames.indexOf(req.type) + 1
  const types = [...index.perType.entries()]
    .filter(([, n]) => n > 0)
    .map(([t, n]) => ({ type: t > 0 ? series.anomalyTypeNames[t - 1] : null, count: n }))
  if (req.type !== undefined && req.type !== null && code === 0) return { total: 0, offset: req.offset, indices: [], ranges: [], types }
  const total = code < 0 ? index.count : index.perType[code]
  const indices: number[] = []
  if (code < 0) {
    for (let k = req.offset; k < Math.min(total, req.offset + req.limit); k++) indices.push(k)
  } else {
    let seen = 0
    for (let k = 0; k < index.count && indices.length < req.limit; k++) {
      if (index.type[k] !== code) continue
      if (seen++ >= req.offset) indices.push(k)
    }
  }
  const segments = segmentsOf(series)
  return { total, offset: req.offset, indices, ranges: indices.map((k) => rangeInfo(series, segments, index, k)), types }
}
