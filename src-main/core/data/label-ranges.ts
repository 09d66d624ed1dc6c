/** Labelled ranges: maximal runs of consecutive anomalous rows of one type, within a segment. */
import type { LabelledSeries } from './series'
import { segmentsOf } from './series'

export interface LabelRangeInfo {
  start: number
  end: number
  startTime: number
  endTime: number
  type: string | null
  segment: string
}

export function labelRanges(series: LabelledSeries): LabelRangeInfo[] {
  const out: LabelRangeInfo[] = []
  const { labels, anomalyType, timestamps, anomalyTypeNames } = series
  for (const seg of segmentsOf(series)) {
    let i = seg.start
    while (i < seg.end) {
      if (!labels[i]) {
        i++
        continue
      }
      const t = anomalyType[i]
      let j = i + 1
      while (j < seg.end && labels[j] && anomalyType[j] === t) j++
      out.push({
        start: i,
        end: j,
        startTime: timestamps[i],
        endTime: timestamps[j - 1],
        type: t > 0 ? anomalyTypeNames[t - 1] : null,
        segment: seg.id
      })
      i = j
    }
  }
  return out
}
