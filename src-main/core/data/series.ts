/**
 * A labelled multivariate time series: the unit every generator, importer and model works on.
 *
 * Columns are stored column-major as Float32Array (what SQLite blobs, chart downsampling and
 * tfjs tensors all want), timestamps as epoch milliseconds. Every point carries a 0/1 label and,
 * for generated data, the type of anomaly it belongs to.
 */
import { z } from 'zod'

export interface LabelledSeries {
  /** Human name, e.g. `helios-detection (days=7, seed=1)`. */
  name: string
  /** Nominal sampling interval in milliseconds. */
  intervalMs: number
  /** Epoch milliseconds, strictly increasing, one per row. */
  timestamps: Float64Array
  /** Feature names in column order. */
  columns: string[]
  /** One Float32Array per column, each `timestamps.length` long. */
  values: Float32Array[]
  /** 1 where the point is anomalous. */
  labels: Uint8Array
  /** Names of the anomaly types; `anomalyType[i] = k > 0` means `anomalyTypeNames[k - 1]`. */
  anomalyTypeNames: string[]
  /** 0 for normal points, otherwise 1 + index into `anomalyTypeNames`. */
  anomalyType: Uint8Array
  /**
   * Contiguous row ranges, one per entity (panel data such as business-risk) or per source file
   * (an import of several CSVs). Absent means the whole series is one segment. Timestamps
   * increase within a segment; windows never cross a segment boundary; splits by entity or by
   * file are splits over segments.
   */
  segments?: Segment[]
  /**
   * Extra 0/1 label columns beside `labels`, e.g. business-risk's horizons
   * (`risk_6m`, `risk_9m`, `risk_12m`): each `timestamps.length` long.
   */
  targets?: Record<string, Uint8Array>
  /**
   * True when the data came without labels (an import with no label column): `labels` are all 0
   * and mean "unknown", not "normal". A model may train on it; nothing can be measured on it.
   */
  unlabelled?: boolean
}

export const segmentSchema = z.object({
  /** Entity id or file name. */
  id: z.string(),
  /** First row (inclusive). */
  start: z.number().int().min(0),
  /** Last row (exclusive). */
  end: z.number().int().min(0),
  /**
   * For a part cut out of a stored version (a split): the row of that version where this segment
   * starts. Scores are stored against the version's rows, so an error can be traced to them.
   */
  origin: z.number().int().min(0).optional()
})
export type Segment = z.infer<typeof segmentSchema>

/** The segments of a series: its own, or one covering every row. */
export function segmentsOf(series: LabelledSeries): Segment[] {
  return series.segments && series.segments.length > 0 ? series.segments : [{ id: series.name, start: 0, end: series.timestamps.length }]
}

/** Count of labelled points per anomaly type name (types with no point are listed with 0). */
export function anomalyTypeCounts(series: Pick<LabelledSeries, 'anomalyType' | 'anomalyTypeNames'>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of series.anomalyTypeNames) counts[name] = 0
  for (let i = 0; i < series.anomalyType.length; i++) {
    const k = series.anomalyType[i]
    if (k > 0) counts[series.anomalyTypeNames[k - 1]] += 1
  }
  return counts
}

export function anomalyRate(series: Pick<LabelledSeries, 'labels'>): number {
  let n = 0
  for (let i = 0; i < series.labels.length; i++) n += series.labels[i]
  return series.labels.length === 0 ? 0 : n / series.labels.length
}

/**
 * The source-version row of each given row of `series` (a split part keeps each segment's
 * `origin`; a whole version maps to itself). Rows must be inside a segment.
 * @example sourceRows({ ...s, segments: [{ id: 'a', start: 0, end: 10, origin: 100 }] }, Int32Array.of(0, 9)) // Int32Array [100, 109]
 */
export function sourceRows(series: Pick<LabelledSeries, 'segments' | 'timestamps' | 'name'>, rows: Int32Array): Int32Array {
  const segs = segmentsOf(series as LabelledSeries)
  const out = new Int32Array(rows.length)
  let k = 0
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]
    // Rows come in segment order almost always: start the search where the last one was found.
    if (!(r >= segs[k].start && r < segs[k].end)) {
      let lo = 0
      let hi = segs.length - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (segs[mid].start <= r) lo = mid
        else hi = mid - 1
      }
      k = lo
    }
    const seg = segs[k]
    out[i] = seg.origin === undefined ? r : seg.origin + (r - seg.start)
  }
  return out
}
